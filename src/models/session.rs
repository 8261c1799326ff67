//! Signed-in sessions. The encrypted cookie carries a session's id; its row here decides whether
//! it stands (`domain::session::Standing`). Ending a session is a flag: the row stays until
//! housekeeping forgets it after the absolute lifetime.

use crate::db::{Change, DbConnection, Tx};
use crate::domain::session::Standing;
use crate::schema::sessions;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: String,
    pub user_id: i32,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub user_agent: Option<String>,
    pub ended_at: Option<NaiveDateTime>,
    pub ended_reason: Option<String>,
}

impl SessionRow {
    pub fn standing(&self) -> Standing {
        Standing {
            created_at: self.created_at,
            last_seen_at: self.last_seen_at,
            ended: self.ended_at.is_some(),
        }
    }
}

/// Why sessions end, as the list and the audit log say it.
pub mod reason {
    pub const LOGGED_OUT: &str = "logged out";
    pub const ENDED_BY_MEMBER: &str = "ended from another session";
    pub const SIGNED_OUT_BY_EDITOR: &str = "signed out by an editor";
    pub const BANNED: &str = "account banned";
    pub const ROLE_CHANGED: &str = "editor role changed";
    pub const ACCOUNT_DELETED: &str = "account deleted";
}

/// A new session for `user_id`, seen now.
pub fn start(
    tx: &mut Tx<'_>,
    id: &str,
    user_id: i32,
    user_agent: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    tx.changed(Change::Nothing);
    let now = now.naive_utc();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::user_agent.eq(user_agent),
        ))
        .execute(tx.conn())
        .map(|_| ())
}

/// Write that the session was seen now, unless another request already did this minute.
pub fn touch(tx: &mut Tx<'_>, id: &str, now: DateTime<Utc>) -> QueryResult<usize> {
    tx.changed(Change::Seen);
    let now = now.naive_utc();
    let stale_before = now - chrono::Duration::seconds(crate::domain::session::SEEN_WRITE_SECS);
    diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::ended_at.is_null())
            .filter(sessions::last_seen_at.le(stale_before)),
    )
    .set(sessions::last_seen_at.eq(now))
    .execute(tx.conn())
}

/// The sessions of `user_id` that still stand at `now`, most recently seen first.
pub fn standing_of(
    conn: &mut DbConnection,
    user_id: i32,
    now: DateTime<Utc>,
) -> QueryResult<Vec<SessionRow>> {
    Ok(all_of(conn, user_id)?
        .into_iter()
        .filter(|s| s.standing().stands(now))
        .collect())
}

/// Every session row of `user_id` (ended ones too), most recently seen first.
pub fn all_of(conn: &mut DbConnection, user_id: i32) -> QueryResult<Vec<SessionRow>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .order((sessions::last_seen_at.desc(), sessions::id))
        .select(SessionRow::as_select())
        .load(conn)
}

/// End one session of `user_id` (another member's session id ends nothing). The number ended.
pub fn end(tx: &mut Tx<'_>, id: &str, user_id: i32, why: &str, now: DateTime<Utc>) -> QueryResult<usize> {
    tx.changed(Change::Nothing);
    diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::ended_at.is_null()),
    )
    .set((
        sessions::ended_at.eq(now.naive_utc()),
        sessions::ended_reason.eq(why),
    ))
    .execute(tx.conn())
}

/// End every session of `user_id` but `keep` (if given). The number ended.
pub fn end_all(
    tx: &mut Tx<'_>,
    user_id: i32,
    keep: Option<&str>,
    why: &str,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    tx.changed(Change::Nothing);
    let open = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::ended_at.is_null());
    let set = (
        sessions::ended_at.eq(now.naive_utc()),
        sessions::ended_reason.eq(why),
    );
    match keep {
        Some(keep) => diesel::update(open.filter(sessions::id.ne(keep)))
            .set(set)
            .execute(tx.conn()),
        None => diesel::update(open).set(set).execute(tx.conn()),
    }
}

/// Forget sessions that ended, or were last seen, before `before` (past the absolute lifetime:
/// no cookie can name them). Housekeeping, not a user action.
pub fn prune(tx: &mut Tx<'_>, before: DateTime<Utc>) -> QueryResult<usize> {
    tx.changed(Change::Nothing);
    let before = before.naive_utc();
    diesel::delete(
        sessions::table.filter(
            sessions::ended_at
                .lt(before)
                .or(sessions::last_seen_at.lt(before)),
        ),
    )
    .execute(tx.conn())
}
