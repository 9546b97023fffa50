-- Tokens made with `athar token create`: only the SHA-256 of each is kept. Every server
-- of the store reads them within a second; a revoked token keeps its row (revoked_at).
CREATE TABLE tokens (
    name         text PRIMARY KEY,
    role         text NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    sha256       text NOT NULL UNIQUE,
    expires      date,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
