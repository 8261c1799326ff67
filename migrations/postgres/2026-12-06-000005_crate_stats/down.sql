ALTER TABLE crates_io_cache DROP COLUMN downloads;
ALTER TABLE crates_io_cache DROP COLUMN recent_downloads;
ALTER TABLE crates_io_cache DROP COLUMN created_at;
