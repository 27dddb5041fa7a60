-- Server-side sessions: the cookie holds only a random id whose hash is stored here, so a
-- session can be revoked (log-out, deactivation, password or role change, "sign out everywhere")
-- and times out when idle or old, whatever the browser keeps.
CREATE TABLE sessions (
    id SERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_reason TEXT,
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- API tokens may expire.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMP;

-- A one-time link either signs a merchant in ('login') or lets any user set a new password
-- after an administrator forced a reset ('reset').
ALTER TABLE login_links ADD COLUMN purpose TEXT NOT NULL DEFAULT 'login' CHECK (purpose IN ('login', 'reset'));

-- When the password was last set (by its user, an administrator's reset, or creation).
ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMP;
