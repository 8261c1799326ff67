//! A member's account as a whole: everything stored about it (the export) and its erasure (the
//! deletion). The erased row stays as an anonymous tombstone, so the votes of closed weeks it
//! cast still count and past tallies stay true.

use crate::db::{Change, DbConnection, Tx};
use crate::models::audit::AuditRow;
use crate::models::session::SessionRow;
use crate::models::user::{self, User};
use crate::schema::{
    audit_log, editor_bindings, editors, nominations, nominators, original_wording, picks, users, votes,
};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// The login a deleted account's row keeps: not a GitHub login (those have no parentheses), so
/// no one can log in as it, and no page links to it.
pub const TOMBSTONE_LOGIN: &str = "(deleted)";
/// How audit rows name a deleted member.
pub const DELETED_MEMBER: &str = "a deleted member";
/// Why a nomination left its ballot when its only nominator deleted their account.
pub const WITHDRAWN_ACCOUNT_DELETED: &str = "account deleted";

/// One nomination a member made or joined, as stored.
#[derive(Debug, Clone, Queryable)]
pub struct NominatorRow {
    pub nomination_id: i32,
    pub self_suggestion: bool,
    pub joined_at: NaiveDateTime,
    pub owner_check: Option<String>,
}

/// A nomination's words before the editors' first edit.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = original_wording)]
pub struct OriginalWording {
    pub nomination_id: i32,
    pub pitch: Option<String>,
    pub why: Option<String>,
    pub url: Option<String>,
    pub quote_text: Option<String>,
    pub author: Option<String>,
    pub where_said: Option<String>,
    pub source_url: Option<String>,
    pub first_edited_at: NaiveDateTime,
}

/// One vote row of a member (withdrawn ones too).
#[derive(Debug, Clone, Queryable)]
pub struct VoteRow {
    pub week_issue: i32,
    pub category: String,
    pub nomination_id: i32,
    pub withdrawn: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Everything stored about one account.
pub struct Stored {
    pub user: User,
    pub sessions: Vec<SessionRow>,
    pub nominators: Vec<NominatorRow>,
    pub nominations: Vec<super::nomination::Nomination>,
    pub originals: Vec<OriginalWording>,
    pub votes: Vec<VoteRow>,
    pub audit: Vec<AuditRow>,
}

/// What the audit log calls this member when they are an action's target.
fn audit_targets(login: &str) -> [String; 2] {
    [login.to_string(), format!("user {login}")]
}

/// Every row about `user_id`, read in one go (the caller reads inside one transaction).
pub fn stored(conn: &mut DbConnection, user_id: i32) -> QueryResult<Option<Stored>> {
    let Some(user) = user::find(conn, user_id)? else {
        return Ok(None);
    };
    let sessions = super::session::all_of(conn, user_id)?;
    let nominator_rows: Vec<NominatorRow> = nominators::table
        .filter(nominators::user_id.eq(user_id))
        .order(nominators::nomination_id)
        .select((
            nominators::nomination_id,
            nominators::self_suggestion,
            nominators::created_at,
            nominators::owner_check,
        ))
        .load(conn)?;
    let ids: Vec<i32> = nominator_rows.iter().map(|n| n.nomination_id).collect();
    let nominations = super::nomination::find_many(conn, &ids)?;
    let originals = original_wording::table
        .filter(original_wording::nomination_id.eq_any(&ids))
        .order(original_wording::nomination_id)
        .select(OriginalWording::as_select())
        .load(conn)?;
    let votes = votes::table
        .filter(votes::user_id.eq(user_id))
        .order((votes::week_issue, votes::category))
        .select((
            votes::week_issue,
            votes::category,
            votes::nomination_id,
            votes::withdrawn,
            votes::created_at,
            votes::updated_at,
        ))
        .load(conn)?;
    let audit = audit_log::table
        .filter(
            audit_log::actor_user_id
                .eq(user_id)
                .or(audit_log::target.eq_any(audit_targets(&user.login))),
        )
        .order(audit_log::id)
        .select(AuditRow::as_select())
        .load(conn)?;
    Ok(Some(Stored {
        user,
        sessions,
        nominators: nominator_rows,
        nominations,
        originals,
        votes,
        audit,
    }))
}

/// What a deletion did, for its audit row and its answer.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    pub votes_withdrawn: usize,
    pub nominations_withdrawn: usize,
    pub credits_kept: usize,
}

/// Erase `user`: votes in `open_issue` withdrawn (closed weeks' votes stay, counted, with the
/// tombstone); nominations in `open_issue` that nobody else nominated and nobody picked leave
/// the ballot; the name printed by standing picks is kept with those credits only; pending
/// crates.io owner checks dropped; the editor role released; audit rows no longer name them;
/// the account row emptied of GitHub id, login, name and avatar. Sessions are the caller's.
pub fn erase(tx: &mut Tx<'_>, user: &User, open_issue: i32, now: DateTime<Utc>) -> QueryResult<Erased> {
    tx.changed(Change::Ballot);
    let at = now.naive_utc();
    let votes_withdrawn = diesel::update(
        votes::table
            .filter(votes::user_id.eq(user.id))
            .filter(votes::week_issue.eq(open_issue))
            .filter(votes::withdrawn.eq(false)),
    )
    .set((votes::withdrawn.eq(true), votes::updated_at.eq(at)))
    .execute(tx.conn())?;

    let standing_picks = || {
        picks::table
            .filter(picks::unpicked_at.is_null())
            .select(picks::nomination_id)
    };
    let theirs = nominators::table
        .filter(nominators::user_id.eq(user.id))
        .select(nominators::nomination_id);
    let shared = nominators::table
        .filter(nominators::user_id.ne(user.id))
        .select(nominators::nomination_id);
    let forum_shared =
        crate::schema::forum_credits::table.select(crate::schema::forum_credits::nomination_id);
    let nominations_withdrawn = diesel::update(
        nominations::table
            .filter(nominations::week_issue.eq(open_issue))
            .filter(nominations::withdrawn.eq(false))
            .filter(nominations::id.eq_any(theirs))
            .filter(nominations::id.ne_all(shared))
            .filter(nominations::id.ne_all(forum_shared))
            .filter(nominations::id.ne_all(standing_picks())),
    )
    .set((
        nominations::withdrawn.eq(true),
        nominations::withdrawn_reason.eq(WITHDRAWN_ACCOUNT_DELETED),
    ))
    .execute(tx.conn())?;

    let credits_kept = diesel::update(
        nominators::table
            .filter(nominators::user_id.eq(user.id))
            .filter(nominators::nomination_id.eq_any(standing_picks())),
    )
    .set(nominators::credited_as.eq(user.display_name()))
    .execute(tx.conn())?;
    diesel::update(
        nominators::table
            .filter(nominators::user_id.eq(user.id))
            .filter(nominators::owner_check.eq("unchecked")),
    )
    .set(nominators::owner_check.eq(None::<String>))
    .execute(tx.conn())?;

    // The editor role goes with the account: its bindings released, their grants revoked.
    let bound: Vec<String> = editor_bindings::table
        .filter(editor_bindings::user_id.eq(user.id))
        .select(editor_bindings::login)
        .load(tx.conn())?;
    diesel::update(
        editors::table
            .filter(editors::login.eq_any(&bound))
            .filter(editors::revoked_at.is_null()),
    )
    .set(editors::revoked_at.eq(Some(at)))
    .execute(tx.conn())?;
    diesel::delete(editor_bindings::table.filter(editor_bindings::user_id.eq(user.id))).execute(tx.conn())?;

    diesel::update(audit_log::table.filter(audit_log::actor_user_id.eq(user.id)))
        .set(audit_log::actor.eq(DELETED_MEMBER))
        .execute(tx.conn())?;
    diesel::update(audit_log::table.filter(audit_log::target.eq_any(audit_targets(&user.login))))
        .set(audit_log::target.eq(DELETED_MEMBER))
        .execute(tx.conn())?;

    diesel::update(users::table.find(user.id))
        .set((
            users::github_id.eq(None::<i64>),
            users::login.eq(TOMBSTONE_LOGIN),
            users::name.eq(None::<String>),
            users::avatar_url.eq(None::<String>),
            users::github_created_at.eq(None::<NaiveDateTime>),
            users::banned_reason.eq(None::<String>),
            users::deleted_at.eq(Some(at)),
            users::updated_at.eq(at),
        ))
        .execute(tx.conn())?;
    Ok(Erased {
        votes_withdrawn,
        nominations_withdrawn,
        credits_kept,
    })
}
