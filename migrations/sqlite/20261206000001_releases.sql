-- Published months: a release freezes the incidents a period and filters selected, as
-- they stood, with the vocabularies and the places they resolved to, so that what it
-- answers never changes while the live data goes on being corrected. A release is never
-- edited; an admin may withdraw it (it then answers 410 Gone with the reason).
CREATE TABLE releases (
    id               text PRIMARY KEY,
    title            text NOT NULL,
    from_day         text NOT NULL,
    to_day           text NOT NULL,
    filters          text NOT NULL,  -- the filters as a query string (`kind=attack&…`)
    created_at       text NOT NULL,  -- RFC 3339, UTC, seconds
    created_by       text,
    incidents        integer NOT NULL,
    sha256           text NOT NULL,
    vocabularies     text NOT NULL,  -- the terms as CSV (vocabulary,slug,label_en,label_ar)
    communities      text NOT NULL,  -- the places its incidents resolved to, a JSON array
    withdrawn_at     text,
    withdrawn_by     text,
    withdrawn_reason text
);

-- The frozen incidents: a copy of each row (not a reference), as JSON, in the release's
-- order.
CREATE TABLE release_incidents (
    release_id text NOT NULL REFERENCES releases (id),
    position   integer NOT NULL,
    body       text NOT NULL,
    PRIMARY KEY (release_id, position)
);
