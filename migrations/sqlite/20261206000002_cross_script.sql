-- A name may resolve by its cross-script key (a Latin spelling to the place its Arabic
-- name names, and the reverse): the resolution method `cross_script`. SQLite cannot change
-- a column's CHECK, so the table is made anew with the same columns in the same order and
-- the rows copied (the documented way: https://www.sqlite.org/lang_altertable.html).
CREATE TABLE incidents_new (
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
    community_id       text,
    resolution_method  text NOT NULL DEFAULT 'unresolved'
        CHECK (resolution_method IN ('pcode', 'exact', 'alias', 'fuzzy', 'learned', 'unresolved', 'cross_script')),
    resolution_score   real NOT NULL DEFAULT 0 CHECK (resolution_score BETWEEN 0 AND 1),
    UNIQUE (source, source_key),
    CHECK (killed_women + killed_children <= killed),
    CHECK (injured_women + injured_children <= injured)
);
INSERT INTO incidents_new SELECT * FROM incidents;
DROP TABLE incidents;
ALTER TABLE incidents_new RENAME TO incidents;
