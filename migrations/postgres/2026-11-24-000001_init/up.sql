-- The whole data model of docs/contract.md §2. Kept in lockstep with migrations/postgres.
-- Timestamps are UTC, TIMESTAMP WITHOUT TIME ZONE.

CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    -- NULL only for accounts made by DEV_LOGIN; GitHub accounts are keyed on it.
    github_id BIGINT UNIQUE,
    login TEXT NOT NULL,
    name TEXT,
    avatar_url TEXT,
    github_created_at TIMESTAMP,
    banned BOOLEAN NOT NULL DEFAULT FALSE,
    banned_reason TEXT,
    -- Bumped by a ban or an editor revocation: cookies carrying an older epoch are void.
    session_epoch INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX users_login ON users (login);

CREATE TABLE editors (
    login TEXT PRIMARY KEY NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE weeks (
    issue INTEGER PRIMARY KEY NOT NULL,
    opens_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    published_at TIMESTAMP,
    CHECK (opens_at < closes_at)
);
-- Exactly one week is open.
CREATE UNIQUE INDEX weeks_one_open ON weeks (status) WHERE status = 'open';

CREATE TABLE nominations (
    id SERIAL PRIMARY KEY,
    category TEXT NOT NULL CHECK (category IN ('crate', 'quote')),
    week_issue INTEGER NOT NULL REFERENCES weeks (issue),
    nominated_by INTEGER NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    -- Folded name or text used to find duplicates (crate: lower-case, '-' as '_').
    dedupe_key TEXT NOT NULL,
    editors_choice BOOLEAN NOT NULL DEFAULT FALSE,
    crate_name TEXT,
    pitch TEXT,
    url TEXT,
    why TEXT,
    description TEXT,
    repository TEXT,
    verified BOOLEAN NOT NULL DEFAULT FALSE,
    verified_at TIMESTAMP,
    quote_text TEXT,
    author TEXT,
    where_said TEXT,
    source_url TEXT,
    context TEXT,
    hidden BOOLEAN NOT NULL DEFAULT FALSE,
    hidden_reason TEXT,
    withdrawn BOOLEAN NOT NULL DEFAULT FALSE,
    CHECK ((category = 'crate') = (crate_name IS NOT NULL)),
    CHECK ((category = 'quote') = (quote_text IS NOT NULL))
);
CREATE INDEX nominations_week ON nominations (week_issue, category);
CREATE INDEX nominations_dedupe ON nominations (category, dedupe_key);

-- Everyone credited for a nomination, the first nominator included.
CREATE TABLE nominators (
    nomination_id INTEGER NOT NULL REFERENCES nominations (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    self_suggestion BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (nomination_id, user_id)
);
CREATE INDEX nominators_user ON nominators (user_id);

CREATE TABLE votes (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    week_issue INTEGER NOT NULL REFERENCES weeks (issue),
    category TEXT NOT NULL CHECK (category IN ('crate', 'quote')),
    nomination_id INTEGER NOT NULL REFERENCES nominations (id),
    -- A withdrawal is a flag: no row is deleted by a user action.
    withdrawn BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- One vote per user per category per week, decided by the database.
    UNIQUE (user_id, week_issue, category)
);
CREATE INDEX votes_nomination ON votes (nomination_id);
CREATE INDEX votes_week ON votes (week_issue, category);

CREATE TABLE picks (
    id SERIAL PRIMARY KEY,
    week_issue INTEGER NOT NULL REFERENCES weeks (issue),
    category TEXT NOT NULL CHECK (category IN ('crate', 'quote')),
    nomination_id INTEGER NOT NULL REFERENCES nominations (id),
    picked_by INTEGER NOT NULL REFERENCES users (id),
    picked_at TIMESTAMP NOT NULL,
    unpicked_at TIMESTAMP,
    unpicked_by INTEGER REFERENCES users (id)
);
-- One standing pick per category per week.
CREATE UNIQUE INDEX picks_one_per_week ON picks (week_issue, category) WHERE unpicked_at IS NULL;
CREATE INDEX picks_nomination ON picks (nomination_id);

-- Crate and Quote of the Week as published before this service, from `import-history`.
CREATE TABLE featured_history (
    id SERIAL PRIMARY KEY,
    issue INTEGER NOT NULL,
    published_on TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('crate', 'quote')),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    url TEXT,
    body TEXT NOT NULL,
    credits TEXT,
    source_file TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    UNIQUE (issue, category, position)
);
CREATE INDEX featured_history_dedupe ON featured_history (category, dedupe_key);

CREATE TABLE audit_log (
    id SERIAL PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor_user_id INTEGER REFERENCES users (id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT,
    detail TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE crates_io_cache (
    name TEXT PRIMARY KEY NOT NULL,
    found BOOLEAN NOT NULL,
    canonical_name TEXT,
    description TEXT,
    repository TEXT,
    fetched_at TIMESTAMP NOT NULL
);
