-- Members in control (issue "Members in control"): server-side sessions a member can list and
-- end one by one, and accounts a member can delete. Kept in lockstep with the other backend.

-- Every signed-in session. The encrypted cookie carries only the id; this row decides whether it
-- still stands. Rows are never reused: an ended session keeps its row until housekeeping forgets
-- it after the absolute lifetime.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    -- A coarse summary ("Firefox on Linux"), never the whole header.
    user_agent TEXT,
    ended_at TIMESTAMP,
    ended_reason TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Sessions ended by logging out before this table existed.
INSERT INTO sessions (id, user_id, created_at, last_seen_at, ended_at, ended_reason)
SELECT session_id, user_id, ended_at, ended_at, ended_at, 'logged out' FROM ended_sessions;
DROP TABLE ended_sessions;

-- A deleted account keeps its row as an anonymous tombstone (no GitHub id, login, name or
-- avatar), so the votes of closed weeks it cast still count and past tallies stay true.
ALTER TABLE users ADD COLUMN deleted_at TIMESTAMP;
-- Why a nomination left the ballot when it was not its nominator's choice ("account deleted").
ALTER TABLE nominations ADD COLUMN withdrawn_reason TEXT;
-- The name a published attribution printed for a nominator whose account was deleted since.
ALTER TABLE nominators ADD COLUMN credited_as TEXT;
