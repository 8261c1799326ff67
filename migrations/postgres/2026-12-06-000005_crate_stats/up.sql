-- What crates.io says of a crate's reach and age (issue "The editor's Tuesday evening"), from
-- the answer already fetched for a nomination: shown on the desk. Kept in lockstep.
ALTER TABLE crates_io_cache ADD COLUMN downloads BIGINT;
ALTER TABLE crates_io_cache ADD COLUMN recent_downloads BIGINT;
ALTER TABLE crates_io_cache ADD COLUMN created_at TIMESTAMP;
