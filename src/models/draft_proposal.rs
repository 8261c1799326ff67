//! The pull request each issue's sections were last proposed in (`actions::propose_draft`).

use crate::db::{Change, DbConnection, Tx};
use crate::schema::draft_proposals;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = draft_proposals)]
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

/// Remember the latest proposal of `issue` (a second press replaces the first's row: the pull
/// request is the same, its commit newer).
#[allow(clippy::too_many_arguments)]
pub fn record(
    tx: &mut Tx<'_>,
    issue: i32,
    number: i64,
    url: &str,
    branch: &str,
    commit_sha: &str,
    by: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    tx.changed(Change::Nothing);
    let at = now.naive_utc();
    let updated = diesel::update(draft_proposals::table.find(issue))
        .set((
            draft_proposals::number.eq(number),
            draft_proposals::url.eq(url),
            draft_proposals::branch.eq(branch),
            draft_proposals::commit_sha.eq(commit_sha),
            draft_proposals::proposed_at.eq(at),
            draft_proposals::proposed_by.eq(by),
        ))
        .execute(tx.conn())?;
    if updated == 0 {
        diesel::insert_into(draft_proposals::table)
            .values((
                draft_proposals::issue.eq(issue),
                draft_proposals::number.eq(number),
                draft_proposals::url.eq(url),
                draft_proposals::branch.eq(branch),
                draft_proposals::commit_sha.eq(commit_sha),
                draft_proposals::proposed_at.eq(at),
                draft_proposals::proposed_by.eq(by),
            ))
            .execute(tx.conn())?;
    }
    Ok(())
}
