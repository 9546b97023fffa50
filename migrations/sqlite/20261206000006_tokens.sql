-- Tokens made with `athar token create`: only the SHA-256 of each is kept. Every server
-- of the store reads them within a second; a revoked token keeps its row (revoked_at).
CREATE TABLE tokens (
    name         text PRIMARY KEY,
    role         text NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    sha256       text NOT NULL UNIQUE,
    expires      text,
    created_at   text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    last_used_at text,
    revoked_at   text
);
