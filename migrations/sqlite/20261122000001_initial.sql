-- Athar's model on SQLite, the embedded default: the same tables as PostGIS, with the
-- point as lon/lat columns.
CREATE TABLE vocabulary_terms (
    vocabulary text NOT NULL CHECK (vocabulary IN ('kind', 'perpetrator', 'weapon', 'place_type', 'cause', 'vehicle')),
    slug       text NOT NULL,
    label_en   text NOT NULL,
    label_ar   text NOT NULL,
    PRIMARY KEY (vocabulary, slug)
);

CREATE TABLE communities (
    id         blob PRIMARY KEY,
    pcode      text UNIQUE,
    name_ar    text,
    name_en    text,
    alternate_names text NOT NULL DEFAULT '[]',
    key        text NOT NULL,
    place_kind text NOT NULL DEFAULT 'village' CHECK (place_kind IN ('city', 'town', 'village', 'camp', 'neighbourhood')),
    status     text NOT NULL CHECK (status IN ('reference', 'learned', 'confirmed')),
    lon        real,
    lat        real,
    admin1     text, admin1_pcode text,
    admin2     text, admin2_pcode text,
    admin3     text, admin3_pcode text,
    created_at text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX communities_key_idx ON communities (key);

CREATE TABLE imports (
    id          blob PRIMARY KEY,
    source      text NOT NULL,
    format      text NOT NULL,
    file_name   text,
    actor       text,
    started_at  text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at text,
    accepted    integer NOT NULL DEFAULT 0,
    updated     integer NOT NULL DEFAULT 0,
    unchanged   integer NOT NULL DEFAULT 0,
    rejected    integer NOT NULL DEFAULT 0,
    report      text
);

CREATE TABLE incidents (
    id                 blob PRIMARY KEY,
    source             text NOT NULL,
    source_key         text NOT NULL,
    source_id          text,
    content_hash       integer NOT NULL,
    kind               text NOT NULL,
    occurred_on        text NOT NULL,
    occurred_time      text,
    lon                real,
    lat                real,
    location_precision text NOT NULL CHECK (location_precision IN ('exact', 'community', 'admin')),
    community          text NOT NULL,
    community_key      text NOT NULL,
    community_pcode    text,
    admin1 text, admin2 text, admin3 text,
    place_type  text, perpetrator text, weapon text, cause text, vehicle text,
    killed           integer NOT NULL DEFAULT 0 CHECK (killed >= 0),
    killed_women     integer NOT NULL DEFAULT 0 CHECK (killed_women >= 0),
    killed_children  integer NOT NULL DEFAULT 0 CHECK (killed_children >= 0),
    injured          integer NOT NULL DEFAULT 0 CHECK (injured >= 0),
    injured_women    integer NOT NULL DEFAULT 0 CHECK (injured_women >= 0),
    injured_children integer NOT NULL DEFAULT 0 CHECK (injured_children >= 0),
    notes       text,
    import_id   blob,
    created_at  text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (source, source_key),
    CHECK (killed_women + killed_children <= killed),
    CHECK (injured_women + injured_children <= injured)
);

CREATE TABLE changes (
    seq         integer PRIMARY KEY AUTOINCREMENT,
    incident_id blob NOT NULL,
    op          text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    import_id   blob,
    actor       text,
    at          text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX changes_incident_idx ON changes (incident_id);

-- Which database this is, so that a snapshot cached on disk is never applied to another.
CREATE TABLE athar_instance (
    singleton integer PRIMARY KEY DEFAULT 1 CHECK (singleton = 1),
    id        blob NOT NULL
);
