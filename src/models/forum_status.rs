//! The forum bridge's bookkeeping: when each thread was last read and what failed, how far
//! back it is read, and which instance polls (a lease).

use crate::db::{Change, DbConnection, Tx};
use crate::schema::{forum_lease, forum_topics};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

/// The status row of `topic`, made when missing. Two instances may make it at the same
/// moment: the insert runs in a savepoint, so the one that loses carries on (PostgreSQL would
/// otherwise abort the whole transaction at the failed statement).
fn ensure_topic_row(conn: &mut DbConnection, topic: i64) -> QueryResult<()> {
    let exists: i64 = forum_topics::table.find(topic).count().get_result(conn)?;
    if exists > 0 {
        return Ok(());
    }
    let inserted = crate::db::write_transaction(conn, |c| {
        diesel::insert_into(forum_topics::table)
            .values(forum_topics::topic_id.eq(topic))
            .execute(c)
    });
    match inserted {
        Err(e) if crate::db::is_unique_violation(&e) => Ok(()),
        other => other.map(|_| ()),
    }
}

/// A thread's status for the desk.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = forum_topics)]
pub struct TopicStatus {
    pub topic_id: i64,
    pub slug: Option<String>,
    pub floor_post_id: i64,
    pub last_read_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub last_error_at: Option<NaiveDateTime>,
}

pub fn topic_statuses(conn: &mut DbConnection) -> QueryResult<Vec<TopicStatus>> {
    forum_topics::table
        .order(forum_topics::topic_id)
        .select(TopicStatus::as_select())
        .load(conn)
}

/// Record a read of `topic`: a success (`error` None) or what failed.
pub fn record_read(
    tx: &mut Tx<'_>,
    topic: i64,
    slug: Option<&str>,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    tx.changed(Change::Nothing);
    let conn: &mut DbConnection = tx;
    let now = now.naive_utc();
    ensure_topic_row(conn, topic)?;
    let target = forum_topics::table.find(topic);
    match error {
        None => diesel::update(target)
            .set((
                forum_topics::slug.eq(slug),
                forum_topics::last_read_at.eq(Some(now)),
                forum_topics::last_error.eq(None::<String>),
            ))
            .execute(conn)?,
        Some(e) => diesel::update(target)
            .set((
                forum_topics::last_error.eq(Some(e)),
                forum_topics::last_error_at.eq(Some(now)),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// Posts up to `floor` are older than any ballot: never fetched again.
pub fn raise_floor(tx: &mut Tx<'_>, topic: i64, floor: i64) -> QueryResult<()> {
    tx.changed(Change::Nothing);
    let conn: &mut DbConnection = tx;
    ensure_topic_row(conn, topic)?;
    diesel::update(
        forum_topics::table
            .find(topic)
            .filter(forum_topics::floor_post_id.lt(floor)),
    )
    .set(forum_topics::floor_post_id.eq(floor))
    .execute(conn)?;
    Ok(())
}

pub fn floor(conn: &mut DbConnection, topic: i64) -> QueryResult<i64> {
    Ok(forum_topics::table
        .find(topic)
        .select(forum_topics::floor_post_id)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Take (or keep) the polling lease until `until`; false when another instance holds it.
pub fn take_lease(
    tx: &mut Tx<'_>,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> QueryResult<bool> {
    tx.changed(Change::Nothing);
    let conn: &mut DbConnection = tx;
    const NAME: &str = "poll";
    let current: Option<(String, NaiveDateTime)> = forum_lease::table
        .find(NAME)
        .select((forum_lease::holder, forum_lease::until))
        .first(conn)
        .optional()?;
    match current {
        None => {
            // In a savepoint: another instance taking the first lease at the same moment wins.
            let inserted = crate::db::write_transaction(conn, |c| {
                diesel::insert_into(forum_lease::table)
                    .values((
                        forum_lease::name.eq(NAME),
                        forum_lease::holder.eq(holder),
                        forum_lease::until.eq(until.naive_utc()),
                    ))
                    .execute(c)
            });
            match inserted {
                Err(e) if crate::db::is_unique_violation(&e) => Ok(false),
                other => other.map(|_| true),
            }
        }
        Some((h, u)) if h == holder || u < now.naive_utc() => {
            // Conditional, so two instances seeing the same expired lease cannot both win.
            let taken = diesel::update(
                forum_lease::table
                    .find(NAME)
                    .filter(forum_lease::holder.eq(&h))
                    .filter(forum_lease::until.eq(u)),
            )
            .set((
                forum_lease::holder.eq(holder),
                forum_lease::until.eq(until.naive_utc()),
            ))
            .execute(conn)?;
            Ok(taken == 1)
        }
        Some(_) => Ok(false),
    }
}
