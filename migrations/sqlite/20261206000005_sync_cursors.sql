-- How far each pull got (ODK Central forms, other Athar servers), by name: the next
-- pull starts there, so that pulls resume and repeat nothing.
CREATE TABLE sync_cursors (
    name text PRIMARY KEY,
    position text NOT NULL
);
