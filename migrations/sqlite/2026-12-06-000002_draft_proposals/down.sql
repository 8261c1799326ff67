DROP TABLE draft_proposals;
