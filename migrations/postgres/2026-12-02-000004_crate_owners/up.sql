-- Credits checked against crates.io owners (issue "The editor's desk, round two"): the owners
-- crates.io lists for a crate, cached like the crate lookup, and what the check said of each
-- nominator's "I work on this crate". Kept in lockstep with the other backend's folder.
CREATE TABLE crate_owners (
    name TEXT PRIMARY KEY NOT NULL,
    -- JSON array of logins (users' GitHub logins; teams as github:org:team).
    owners TEXT NOT NULL,
    fetched_at TIMESTAMP NOT NULL
);
-- 'owner' (an owner on crates.io), 'not_owner' (said so, is not), 'unchecked' (crates.io did
-- not answer; checked again later); NULL for quotes and for nominations before the check.
ALTER TABLE nominators ADD COLUMN owner_check TEXT;
