-- The pull request each issue's sections were last proposed in (issue "The last mile"), so the
-- desk shows it and a second press updates it. Kept in lockstep with the other backend.
CREATE TABLE draft_proposals (
    issue INTEGER PRIMARY KEY NOT NULL REFERENCES weeks (issue),
    number BIGINT NOT NULL,
    url TEXT NOT NULL,
    branch TEXT NOT NULL,
    commit_sha TEXT NOT NULL,
    proposed_at TIMESTAMP NOT NULL,
    proposed_by TEXT NOT NULL
);
