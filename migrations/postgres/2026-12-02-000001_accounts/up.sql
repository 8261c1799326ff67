-- Accounts and sessions (issue "Security"): editor roles bound to an account, sessions ended
-- by logging out, OAuth states accepted once. Kept in lockstep with migrations/sqlite.

-- Which account an editor login (from EDITORS or `editor grant`) belongs to: the first account
-- that logged in with it. A later account with the same login is not an editor.
CREATE TABLE editor_bindings (
    login TEXT PRIMARY KEY NOT NULL CHECK (login = lower(login)),
    user_id INTEGER NOT NULL REFERENCES users (id),
    bound_at TIMESTAMP NOT NULL
);
CREATE INDEX editor_bindings_user ON editor_bindings (user_id);
-- Logins compare case-insensitively: two grants never differ only by case.
CREATE UNIQUE INDEX editors_login_folded ON editors (lower(login));

-- Grants made before binding existed belong to the one account holding that login.
INSERT INTO editor_bindings (login, user_id, bound_at)
SELECT e.login, MIN(u.id), (now() AT TIME ZONE 'utc')
FROM editors e JOIN users u ON lower(u.login) = e.login
GROUP BY e.login
HAVING COUNT(*) = 1;

-- Sessions ended by logging out. A cookie session cannot be deleted, so its id is remembered.
CREATE TABLE ended_sessions (
    session_id TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    ended_at TIMESTAMP NOT NULL
);

-- OAuth `state` values already presented to the callback (SHA-256, hex): each works once.
CREATE TABLE used_oauth_states (
    state_hash TEXT PRIMARY KEY NOT NULL,
    used_at TIMESTAMP NOT NULL
);
