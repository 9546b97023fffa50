-- Community resolution: every incident records the place its community name resolved to
-- (none when unresolved), how, and how sure. Communities get text ids (a p-code,
-- `geonames:<id>`, `learned:<area>:<key>`), so the table, unused until now, is made anew.
ALTER TABLE incidents ADD COLUMN community_id text;
ALTER TABLE incidents ADD COLUMN resolution_method text NOT NULL DEFAULT 'unresolved'
    CHECK (resolution_method IN ('pcode', 'exact', 'alias', 'fuzzy', 'learned', 'unresolved'));
ALTER TABLE incidents ADD COLUMN resolution_score real NOT NULL DEFAULT 0
    CHECK (resolution_score BETWEEN 0 AND 1);

DROP INDEX communities_key_idx;
DROP TABLE communities;
-- Places imported from lists, learned from incidents, or confirmed by a person. The
-- bundled GeoNames gazetteer is not copied here: it is read from the binary, and a row
-- with the same id overrides it.
CREATE TABLE communities (
    id         text PRIMARY KEY,
    pcode      text,
    name_ar    text,
    name_en    text,
    alternate_names text NOT NULL DEFAULT '[]', -- a JSON array of strings
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

-- Spellings a person attached to a place (from the review queue).
CREATE TABLE community_aliases (
    community_id text NOT NULL,
    name         text NOT NULL,
    key          text NOT NULL,
    actor        text,
    created_at   text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (community_id, key)
);
