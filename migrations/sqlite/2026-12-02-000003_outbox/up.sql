-- Webhooks (issue "Reach"): every event for every configured receiver is written here in the
-- same transaction as the change that caused it, then delivered by a background worker with
-- retries. A receiver that is down loses nothing; each event goes out once per receiver.
-- Kept in lockstep with the other backend's folder.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The receiver, as configured: "KIND=URL".
    target TEXT NOT NULL,
    event TEXT NOT NULL,
    -- One event of a kind per receiver: "week.opened:681", "week.closing:681:quote", …
    dedupe_key TEXT NOT NULL,
    -- The event as JSON.
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    -- A worker holds the row until then (several instances deliver each event once).
    claimed_until TIMESTAMP,
    delivered_at TIMESTAMP,
    -- After 24 hours of failures: shown on the desk, tried no more.
    given_up_at TIMESTAMP,
    last_error TEXT
);
CREATE UNIQUE INDEX outbox_once ON outbox (target, dedupe_key);
CREATE INDEX outbox_pending ON outbox (target, delivered_at, given_up_at, id);
