ALTER TABLE nominators DROP COLUMN pitch;
ALTER TABLE nominators DROP COLUMN why;
