-- The forum bridge (issue "Meet the community where it is"): every post of the two forum
-- threads that was read, what it was read as, and which nominations it credits. Rows are
-- keyed by Discourse's post id, so reading a post twice, or from two instances at once,
-- writes it once. Nothing here is ever deleted: a post gone from the forum is marked gone.
-- Kept in lockstep with the other backend's folder.
CREATE TABLE forum_posts (
    post_id BIGINT PRIMARY KEY NOT NULL,
    topic_id BIGINT NOT NULL,
    topic_slug TEXT NOT NULL,
    post_number INTEGER NOT NULL,
    -- FORUM_URL/t/{slug}/{topic}/{post_number}: where the credit links.
    permalink TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('crate', 'quote')),
    username TEXT NOT NULL,
    name TEXT,
    posted_at TIMESTAMP NOT NULL,
    edited_at TIMESTAMP NOT NULL,
    cooked TEXT NOT NULL,
    likes INTEGER NOT NULL DEFAULT 0,
    -- 'suggestion', 'discussion', 'needs_look' or 'gone' (deleted or hidden on the forum).
    reading TEXT NOT NULL CHECK (reading IN ('suggestion', 'discussion', 'needs_look', 'gone')),
    -- Why it needs a look, or why it is gone.
    problem TEXT,
    -- The nomination form prefilled with what could be read (JSON), for the editor.
    draft TEXT,
    week_issue INTEGER NOT NULL,
    first_read_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP NOT NULL
);
CREATE INDEX forum_posts_topic ON forum_posts (topic_id, post_number);
CREATE INDEX forum_posts_week ON forum_posts (week_issue);

-- A suggestion post credits the nominations it suggested (a list can suggest several).
CREATE TABLE forum_credits (
    post_id BIGINT NOT NULL REFERENCES forum_posts (post_id),
    nomination_id INTEGER NOT NULL REFERENCES nominations (id),
    self_suggestion BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (post_id, nomination_id)
);
CREATE INDEX forum_credits_nomination ON forum_credits (nomination_id);

-- When each thread was last read, and what failed last.
CREATE TABLE forum_topics (
    topic_id BIGINT PRIMARY KEY NOT NULL,
    slug TEXT,
    -- Posts up to this id are older than any ballot the bridge fills: not fetched again.
    floor_post_id BIGINT NOT NULL DEFAULT 0,
    last_read_at TIMESTAMP,
    last_error TEXT,
    last_error_at TIMESTAMP
);

-- Which instance polls the forum: one at a time, by a lease that expires.
CREATE TABLE forum_lease (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    until TIMESTAMP NOT NULL
);
