-- Every nominator's own words (issue "The editor's Tuesday evening"): a co-nominator's pitch and
-- "why" (for a quote, its context) are kept on their row, so the desk can show them and the
-- editors can print them instead of the first nominator's.
ALTER TABLE nominators ADD COLUMN pitch TEXT;
ALTER TABLE nominators ADD COLUMN why TEXT;
