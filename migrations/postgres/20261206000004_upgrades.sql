-- One-time upgrades of the data that code does (not SQL): each is recorded once done, so
-- that a start does not look for work again.
CREATE TABLE athar_upgrades (
    name text PRIMARY KEY
);
