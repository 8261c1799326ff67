CREATE TABLE ended_sessions (
    session_id TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    ended_at TIMESTAMP NOT NULL
);
INSERT INTO ended_sessions (session_id, user_id, ended_at)
SELECT id, user_id, ended_at FROM sessions WHERE ended_at IS NOT NULL;
DROP TABLE sessions;
ALTER TABLE users DROP COLUMN deleted_at;
ALTER TABLE nominations DROP COLUMN withdrawn_reason;
ALTER TABLE nominators DROP COLUMN credited_as;
