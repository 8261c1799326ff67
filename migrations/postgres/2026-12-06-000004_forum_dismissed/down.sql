ALTER TABLE forum_posts DROP COLUMN dismissed_at;
