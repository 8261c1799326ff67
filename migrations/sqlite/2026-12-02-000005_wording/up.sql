-- Editors' wording (issue "The editor's desk, round two"): an editor may polish a
-- nomination's words before picking. The nomination then holds the editors' wording, which the
-- attribution prints; the nominator's own words are kept here, from the first edit on.
-- Kept in lockstep with the other backend's folder.
CREATE TABLE original_wording (
    nomination_id INTEGER PRIMARY KEY NOT NULL REFERENCES nominations (id),
    pitch TEXT,
    why TEXT,
    url TEXT,
    quote_text TEXT,
    author TEXT,
    where_said TEXT,
    source_url TEXT,
    first_edited_at TIMESTAMP NOT NULL
);
-- An editor's own choice: the credit line as the editor words it ("llogiq is exceedingly
-- pleased with his suggestion."); NULL: the template's.
ALTER TABLE nominations ADD COLUMN credit_line TEXT;
