DROP INDEX picks_nomination_once;
DROP INDEX picks_one_per_place;
UPDATE picks SET unpicked_at = picked_at WHERE position = 2 AND unpicked_at IS NULL;
CREATE UNIQUE INDEX picks_one_per_week ON picks (week_issue, category) WHERE unpicked_at IS NULL;
ALTER TABLE picks DROP COLUMN position;
