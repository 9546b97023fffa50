-- What each update or delete changed: a JSON array of {field, before, after}, the fields
-- named and written as in imports (none for inserts: the incident itself is the record).
ALTER TABLE changes ADD COLUMN fields jsonb;
