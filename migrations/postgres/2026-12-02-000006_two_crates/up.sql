-- Two crates in one week (issue "The editor's desk, round two"): TWiR sometimes features two
-- crates ("This week's crates are [A](…), … and [B](…), …"). A standing pick now has a place,
-- 1 or 2, and only a crate may have a second. The database decides, as before, when two
-- editors pick at once: one standing pick per place, and a nomination stands picked once.
-- Kept in lockstep with the other backend's folder.
ALTER TABLE picks ADD COLUMN position INTEGER NOT NULL DEFAULT 1
    CHECK (position = 1 OR (position = 2 AND category = 'crate'));
DROP INDEX picks_one_per_week;
CREATE UNIQUE INDEX picks_one_per_place ON picks (week_issue, category, position) WHERE unpicked_at IS NULL;
CREATE UNIQUE INDEX picks_nomination_once ON picks (nomination_id) WHERE unpicked_at IS NULL;
