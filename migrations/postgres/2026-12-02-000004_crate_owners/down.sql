DROP TABLE crate_owners;
ALTER TABLE nominators DROP COLUMN owner_check;
