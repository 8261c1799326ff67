DROP TABLE original_wording;
ALTER TABLE nominations DROP COLUMN credit_line;
