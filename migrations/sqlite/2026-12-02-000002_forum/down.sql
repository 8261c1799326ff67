DROP TABLE forum_lease;
DROP TABLE forum_topics;
DROP TABLE forum_credits;
DROP TABLE forum_posts;
