-- The same incident from several sources: a report merged into another stops counting
-- (`merged_into` names the incident kept) but is kept, with its own figures; the
-- decisions people made on proposed pairs; and the change log's merge, dismiss and
-- unmerge entries.
ALTER TABLE incidents ADD COLUMN merged_into uuid;
CREATE INDEX incidents_merged_into_idx ON incidents (merged_into) WHERE merged_into IS NOT NULL;

ALTER TABLE changes DROP CONSTRAINT changes_op_check;
ALTER TABLE changes ADD CONSTRAINT changes_op_check
    CHECK (op IN ('insert', 'update', 'delete', 'merge', 'dismiss', 'unmerge'));

CREATE TABLE duplicate_decisions (
    pair       text COLLATE "C" PRIMARY KEY, -- the two ids, smaller first, joined by _
    first_id   uuid NOT NULL,
    second_id  uuid NOT NULL,
    decision   text NOT NULL CHECK (decision IN ('merged', 'dismissed')),
    kept       uuid,
    actor      text,
    at         timestamptz NOT NULL DEFAULT now()
);
