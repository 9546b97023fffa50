-- The same incident from several sources: a report merged into another stops counting
-- (`merged_into` names the incident kept) but is kept, with its own figures; the
-- decisions people made on proposed pairs; and the change log's merge, dismiss and
-- unmerge entries (SQLite cannot change a CHECK: the log is made anew with the same
-- columns, its rows and sequence numbers copied).
ALTER TABLE incidents ADD COLUMN merged_into blob;
CREATE INDEX incidents_merged_into_idx ON incidents (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE changes_new (
    seq         integer PRIMARY KEY AUTOINCREMENT,
    incident_id blob NOT NULL,
    op          text NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'merge', 'dismiss', 'unmerge')),
    import_id   blob,
    actor       text,
    at          text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    fields      text
);
INSERT INTO changes_new (seq, incident_id, op, import_id, actor, at, fields)
    SELECT seq, incident_id, op, import_id, actor, at, fields FROM changes;
DROP TABLE changes;
ALTER TABLE changes_new RENAME TO changes;
CREATE INDEX changes_incident_idx ON changes (incident_id);

CREATE TABLE duplicate_decisions (
    pair       text PRIMARY KEY,
    first_id   blob NOT NULL,
    second_id  blob NOT NULL,
    decision   text NOT NULL CHECK (decision IN ('merged', 'dismissed')),
    kept       blob,
    actor      text,
    at         text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
