//! The outbox: one row per event per webhook receiver, written in the transaction of the change
//! that caused it, delivered later by `actions::webhooks` (claimed, so several instances send
//! each event once; in order per receiver; retried with backoff, given up after 24 hours).

use crate::db::{is_unique_violation, Change, DbConnection, Tx};
use crate::domain::webhook::Event;
use crate::schema::outbox;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i32,
    pub target: String,
    pub event: String,
    pub dedupe_key: String,
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub given_up_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

/// Queue `event` for every receiver in `targets`, unless it is queued already (its key).
/// Delivery runs on the wall clock (the network's time), not the service's clock.
pub fn enqueue(tx: &mut Tx<'_>, targets: &[String], event: &Event) -> QueryResult<()> {
    let now = Utc::now();
    tx.changed(Change::Nothing);
    if targets.is_empty() {
        return Ok(());
    }
    let payload =
        serde_json::to_string(event).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let now = now.naive_utc();
    let conn: &mut DbConnection = tx;
    for target in targets {
        let queued: i64 = outbox::table
            .filter(outbox::target.eq(target))
            .filter(outbox::dedupe_key.eq(&event.dedupe_key))
            .count()
            .get_result(conn)?;
        if queued > 0 {
            continue;
        }
        // In a savepoint: another instance queueing the same event at once wins quietly.
        let inserted = crate::db::write_transaction(conn, |c| {
            diesel::insert_into(outbox::table)
                .values((
                    outbox::target.eq(target),
                    outbox::event.eq(&event.event),
                    outbox::dedupe_key.eq(&event.dedupe_key),
                    outbox::payload.eq(&payload),
                    outbox::created_at.eq(now),
                    outbox::attempts.eq(0),
                    outbox::next_attempt_at.eq(now),
                ))
                .execute(c)
        });
        match inserted {
            Err(e) if is_unique_violation(&e) => {}
            other => {
                other?;
            }
        }
    }
    Ok(())
}

/// For each receiver, its oldest event still to deliver (later ones wait: order is kept).
pub fn heads(conn: &mut DbConnection) -> QueryResult<Vec<OutboxRow>> {
    let pending: Vec<OutboxRow> = outbox::table
        .filter(outbox::delivered_at.is_null())
        .filter(outbox::given_up_at.is_null())
        .order((outbox::target, outbox::id))
        .select(OutboxRow::as_select())
        .load(conn)?;
    let mut heads: Vec<OutboxRow> = Vec::new();
    for row in pending {
        if heads.last().map_or(true, |h| h.target != row.target) {
            heads.push(row);
        }
    }
    Ok(heads)
}

/// Claim a row for delivery until `until`; false when it is delivered, or another worker
/// holds it.
pub fn claim(tx: &mut Tx<'_>, id: i32, now: DateTime<Utc>, until: DateTime<Utc>) -> QueryResult<bool> {
    tx.changed(Change::Nothing);
    let conn: &mut DbConnection = tx;
    let now = now.naive_utc();
    let claimed = diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::delivered_at.is_null())
            .filter(outbox::given_up_at.is_null())
            .filter(outbox::next_attempt_at.le(now))
            .filter(outbox::claimed_until.is_null().or(outbox::claimed_until.lt(now))),
    )
    .set(outbox::claimed_until.eq(Some(until.naive_utc())))
    .execute(conn)?;
    Ok(claimed == 1)
}

pub fn delivered(tx: &mut Tx<'_>, id: i32, now: DateTime<Utc>) -> QueryResult<()> {
    tx.changed(Change::Nothing);
    let conn: &mut DbConnection = tx;
    diesel::update(outbox::table.find(id))
        .set((
            outbox::delivered_at.eq(Some(now.naive_utc())),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// A failed attempt: try again at `next`, or give up (`give_up`).
pub fn failed(
    tx: &mut Tx<'_>,
    id: i32,
    error: &str,
    next: DateTime<Utc>,
    give_up: bool,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    tx.changed(Change::Nothing);
    let conn: &mut DbConnection = tx;
    diesel::update(outbox::table.find(id))
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::next_attempt_at.eq(next.naive_utc()),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(Some(error)),
            outbox::given_up_at.eq(give_up.then_some(now.naive_utc())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Events not delivered whose last attempt failed, for the desk.
pub fn troubles(conn: &mut DbConnection) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::delivered_at.is_null())
        .filter(outbox::last_error.is_not_null())
        .order(outbox::id.desc())
        .limit(50)
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Does a standing pick of `issue` lack its `week.picked` event in the outbox?
pub fn picks_unannounced(conn: &mut DbConnection, issue: i32) -> QueryResult<bool> {
    use crate::schema::picks;
    let picked: Vec<(String, i32)> = picks::table
        .filter(picks::week_issue.eq(issue))
        .filter(picks::unpicked_at.is_null())
        .select((picks::category, picks::nomination_id))
        .load(conn)?;
    for (category, id) in picked {
        let key = format!("week.picked:{issue}:{category}:{id}");
        let queued: i64 = outbox::table
            .filter(outbox::dedupe_key.eq(&key))
            .count()
            .get_result(conn)?;
        if queued == 0 {
            return Ok(true);
        }
    }
    Ok(false)
}
