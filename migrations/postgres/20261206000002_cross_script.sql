-- A name may resolve by its cross-script key (a Latin spelling to the place its Arabic
-- name names, and the reverse): the resolution method `cross_script`.
ALTER TABLE incidents DROP CONSTRAINT incidents_resolution_method_check;
ALTER TABLE incidents ADD CONSTRAINT incidents_resolution_method_check
    CHECK (resolution_method IN ('pcode', 'exact', 'alias', 'fuzzy', 'learned', 'unresolved', 'cross_script'));
