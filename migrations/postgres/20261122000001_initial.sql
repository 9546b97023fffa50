-- Athar's model on PostGIS. The extension needs a superuser: deployments and the test
-- set-up create it first; IF NOT EXISTS keeps this migration harmless when they have.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE vocabulary_terms (
    vocabulary text NOT NULL CHECK (vocabulary IN ('kind', 'perpetrator', 'weapon', 'place_type', 'cause', 'vehicle')),
    slug       text NOT NULL CHECK (slug ~ '^[a-z][a-z0-9_]{0,63}$'),
    label_en   text NOT NULL,
    label_ar   text NOT NULL,
    PRIMARY KEY (vocabulary, slug)
);

-- Places incidents are resolved to: reference lists, learned from incidents, confirmed.
CREATE TABLE communities (
    id         uuid PRIMARY KEY,
    pcode      text UNIQUE,
    name_ar    text,
    name_en    text,
    alternate_names text[] NOT NULL DEFAULT '{}',
    key        text NOT NULL,
    place_kind text NOT NULL DEFAULT 'village' CHECK (place_kind IN ('city', 'town', 'village', 'camp', 'neighbourhood')),
    status     text NOT NULL CHECK (status IN ('reference', 'learned', 'confirmed')),
    geom       geometry(Point, 4326),
    admin1     text, admin1_pcode text,
    admin2     text, admin2_pcode text,
    admin3     text, admin3_pcode text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX communities_key_idx ON communities (key);
CREATE INDEX communities_geom_gix ON communities USING gist (geom);

CREATE TABLE imports (
    id          uuid PRIMARY KEY,
    source      text NOT NULL,
    format      text NOT NULL,
    file_name   text,
    actor       text,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    accepted    bigint NOT NULL DEFAULT 0,
    updated     bigint NOT NULL DEFAULT 0,
    unchanged   bigint NOT NULL DEFAULT 0,
    rejected    bigint NOT NULL DEFAULT 0,
    report      jsonb
);

-- Ids are UUID v7 (time-ordered), so the primary key grows at its right edge. `source` and
-- `source_key` compare bytewise (COLLATE "C"): they are identifiers, not prose, and the
-- unique index on them is then about twice as fast to maintain on bulk imports.
-- `import_id` is not a foreign key: a row-level FK trigger per inserted row would cost more
-- than the whole heap insert, and imports are never deleted.
-- Reads are served from Athar's in-memory snapshot, so the table has no indexes beyond the
-- keys and the spatial index (for analysts querying it directly, in QGIS): each btree
-- costs about two seconds per million imported rows here.
CREATE TABLE incidents (
    id                 uuid PRIMARY KEY,
    source             text COLLATE "C" NOT NULL,
    source_key         text COLLATE "C" NOT NULL,
    source_id          text,
    content_hash       bigint NOT NULL,
    kind               text NOT NULL,
    occurred_on        date NOT NULL,
    occurred_time      time,
    geom               geometry(Point, 4326),
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
    import_id   uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, source_key),
    CHECK (killed_women + killed_children <= killed),
    CHECK (injured_women + injured_children <= injured)
);
CREATE INDEX incidents_geom_gix ON incidents USING gist (geom);

-- Every write to incidents, in order: mirrors and replicas follow it with ?since=seq.
CREATE TABLE changes (
    seq         bigserial PRIMARY KEY,
    incident_id uuid NOT NULL,
    op          text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    import_id   uuid,
    actor       text,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX changes_incident_idx ON changes (incident_id);

-- Which database this is, so that a snapshot cached on disk is never applied to another.
CREATE TABLE athar_instance (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    id        uuid NOT NULL
);
