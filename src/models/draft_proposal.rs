//! The pull request each issue's sections were last proposed in (`actions::propose_draft`).

use crate::db::{Change, DbConnection, Tx};
use crate::schema::draft_proposals;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, PartialEq)]
#[diesel(table_name = draft_proposals, primary_key(issue))]
pub struct DraftProposal {
    pub issue: i32,
    pub number: i64,
    pub url: String,
    pub branch: String,
    pub commit_sha: String,
    pub proposed_at: NaiveDateTime,
    pub proposed_by: String,
}

pub fn find(conn: &mut DbConnection, issue: i32) -> QueryResult<Option<DraftProposal>> {
    draft_proposals::table
        .find(issue)
        .select(DraftProposal::as_select())
        .first(conn)
        .optional()
}

/// Remember the latest proposal of its issue (a second press replaces the first's row: the
/// pull request is the same, its commit newer).
pub fn record(tx: &mut Tx<'_>, proposal: &DraftProposal) -> QueryResult<()> {
    tx.changed(Change::Nothing);
    let updated = diesel::update(draft_proposals::table.find(proposal.issue))
        .set(proposal)
        .execute(tx.conn())?;
    if updated == 0 {
        diesel::insert_into(draft_proposals::table)
            .values(proposal)
            .execute(tx.conn())?;
    }
    Ok(())
}
