-- A post that needed a look and an editor dismissed (not a suggestion after all): it is read as
-- a discussion from then on, whatever a later edit says. Kept in lockstep with the other backend.
ALTER TABLE forum_posts ADD COLUMN dismissed_at TIMESTAMP;
