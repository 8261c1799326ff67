//! Stored weeks: the open one, rollover at the cut-off, editors' changes.

use crate::db::{is_unique_violation, Change, DbConnection, Tx};
use crate::domain::week::{Calendar, WeekWindow};
use crate::error::AppError;
use crate::schema::weeks;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

pub use crate::domain::week::WeekStatus;

/// The status column's values, for queries.
pub const OPEN: &str = "open";
pub const CLOSED: &str = "closed";

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = weeks)]
pub struct Week {
    pub issue: i32,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: WeekStatus,
    pub published_at: Option<NaiveDateTime>,
}

impl Week {
    pub fn window(&self) -> WeekWindow {
        WeekWindow {
            issue: self.issue,
            opens_at: self.opens_at.and_utc(),
            closes_at: self.closes_at.and_utc(),
        }
    }

    pub fn is_open_at(&self, now: DateTime<Utc>) -> bool {
        self.status == WeekStatus::Open && now < self.closes_at.and_utc()
    }

    fn from_window(w: &WeekWindow, status: WeekStatus) -> Week {
        Week {
            issue: w.issue,
            opens_at: w.opens_at.naive_utc(),
            closes_at: w.closes_at.naive_utc(),
            status,
            published_at: None,
        }
    }
}

pub fn find(conn: &mut DbConnection, issue: i32) -> QueryResult<Option<Week>> {
    weeks::table
        .find(issue)
        .select(Week::as_select())
        .first(conn)
        .optional()
}

/// The week whose voting window holds `t` (a forum post's time): the stored week when there
/// is one; before the first stored week, that week from the calendar, stored as closed (a
/// forum post from before the service ran still belongs to its week). `None` when `t` is
/// after the open week closes.
pub fn find_or_insert_week_holding(
    tx: &mut Tx<'_>,
    calendar: &Calendar,
    t: DateTime<Utc>,
) -> QueryResult<Option<Week>> {
    let at = t.naive_utc();
    let stored = weeks::table
        .filter(weeks::opens_at.le(at))
        .filter(weeks::closes_at.gt(at))
        .order(weeks::issue.desc())
        .select(Week::as_select())
        .first(tx.conn())
        .optional()?;
    if stored.is_some() {
        return Ok(stored);
    }
    let first: Option<Week> = weeks::table
        .order(weeks::issue.asc())
        .select(Week::as_select())
        .first(tx.conn())
        .optional()?;
    let window = calendar.open_at(t);
    match first {
        Some(first) if at < first.opens_at && window.issue < first.issue => {
            if let Some(existing) = find(tx.conn(), window.issue)? {
                return Ok(Some(existing));
            }
            tx.changed(Change::Week);
            let week = Week::from_window(&window, WeekStatus::Closed);
            diesel::insert_into(weeks::table)
                .values(week.clone())
                .execute(tx.conn())?;
            Ok(Some(week))
        }
        _ => Ok(None),
    }
}

/// The first stored week's issue.
pub fn first_issue(conn: &mut DbConnection) -> QueryResult<Option<i32>> {
    use diesel::dsl::min;
    weeks::table.select(min(weeks::issue)).first(conn)
}

pub fn find_open(conn: &mut DbConnection) -> QueryResult<Option<Week>> {
    weeks::table
        .filter(weeks::status.eq(OPEN))
        .select(Week::as_select())
        .first(conn)
        .optional()
}

/// The week open at `now` as the stored weeks and the calendar say, without writing: the
/// stored open week until its cut-off, then the week that rollover will open.
pub fn open_at(stored: Option<Week>, calendar: &Calendar, now: DateTime<Utc>) -> Week {
    match stored {
        Some(week) if week.is_open_at(now) => week,
        Some(week) => {
            let chain = calendar.rollover(&week.window(), now);
            Week::from_window(
                chain.last().expect("the chain starts with the week"),
                WeekStatus::Open,
            )
        }
        None => Week::from_window(&calendar.open_at(now), WeekStatus::Open),
    }
}

/// The week open at `now`, creating the first week from the calendar on a fresh database and
/// rolling over (closing the old week, opening the next) when a cut-off has passed.
/// Safe to call from many requests and instances at once.
pub fn ensure_open(tx: &mut Tx<'_>, calendar: &Calendar, now: DateTime<Utc>) -> Result<Week, AppError> {
    if let Some(week) = find_open(tx)? {
        if week.is_open_at(now) {
            tx.changed(Change::Nothing);
            return Ok(week);
        }
    }
    tx.changed(Change::Week);
    let conn: &mut DbConnection = tx;
    // Two tries: a concurrent request may create the same week between our read and write,
    // in which case the unique keys refuse ours and the second read finds theirs.
    for _ in 0..2 {
        match crate::db::write_transaction(conn, |conn| roll_over(conn, calendar, now)) {
            Ok(week) => return Ok(week),
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    find_open(conn)?.ok_or_else(|| AppError::internal("no open week after rollover"))
}

fn roll_over(conn: &mut DbConnection, calendar: &Calendar, now: DateTime<Utc>) -> QueryResult<Week> {
    // Write first, so SQLite takes its write lock (waiting on busy_timeout) before any read.
    let closed = diesel::update(weeks::table)
        .filter(weeks::status.eq(OPEN))
        .filter(weeks::closes_at.le(now.naive_utc()))
        .set(weeks::status.eq(CLOSED))
        .execute(conn)?;
    if closed == 0 {
        if let Some(open) = find_open(conn)? {
            return Ok(open);
        }
        // A fresh database: the first week comes from the calendar.
        let first = Week::from_window(&calendar.open_at(now), WeekStatus::Open);
        diesel::insert_into(weeks::table)
            .values(first.clone())
            .execute(conn)?;
        return Ok(first);
    }
    let last: Week = weeks::table
        .order(weeks::issue.desc())
        .select(Week::as_select())
        .first(conn)?;
    let chain = calendar.rollover(&last.window(), now);
    let (open, missed) = chain[1..].split_last().expect("rollover adds at least one week");
    for window in missed {
        diesel::insert_into(weeks::table)
            .values(Week::from_window(window, WeekStatus::Closed))
            .execute(conn)?;
    }
    let open = Week::from_window(open, WeekStatus::Open);
    diesel::insert_into(weeks::table)
        .values(open.clone())
        .execute(conn)?;
    tracing::info!(closed = last.issue, open = open.issue, "week rolled over");
    Ok(open)
}

/// Close the open week at `now` (an editor closing early) and open the next; audited by the
/// caller. Returns (closed, opened).
pub fn close_now(tx: &mut Tx<'_>, calendar: &Calendar, now: DateTime<Utc>) -> Result<(Week, Week), AppError> {
    let open = ensure_open(tx, calendar, now)?;
    tx.changed(Change::Week);
    let conn: &mut DbConnection = tx;
    let result = crate::db::write_transaction(conn, |conn| {
        let closed = diesel::update(weeks::table.find(open.issue).filter(weeks::status.eq(OPEN)))
            .set((weeks::status.eq(CLOSED), weeks::closes_at.eq(now.naive_utc())))
            .execute(conn)?;
        if closed == 0 {
            return Err(diesel::result::Error::RollbackTransaction);
        }
        let mut window = open.window();
        window.closes_at = now;
        let next = Week::from_window(&calendar.next_after(&window), WeekStatus::Open);
        diesel::insert_into(weeks::table)
            .values(next.clone())
            .execute(conn)?;
        let mut closed_week = open.clone();
        closed_week.status = WeekStatus::Closed;
        closed_week.closes_at = now.naive_utc();
        Ok((closed_week, next))
    });
    match result {
        Ok(pair) => Ok(pair),
        Err(diesel::result::Error::RollbackTransaction) => Err(AppError::conflict(
            "week_changed",
            "The open week changed meanwhile; please look again.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// An editor changes the open week: another issue number (when not taken) and/or another
/// cut-off (which must be in the future and after the week opened).
pub fn edit_open(
    tx: &mut Tx<'_>,
    open: &Week,
    new_issue: Option<i32>,
    new_closes_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Week, AppError> {
    tx.changed(Change::Week);
    let conn: &mut DbConnection = tx;
    crate::domain::week::check_week_edit(new_issue, new_closes_at, now)
        .map_err(|problem| AppError::unprocessable("week_out_of_range", problem))?;
    let closes_at = new_closes_at.map(|t| t.naive_utc()).unwrap_or(open.closes_at);
    if closes_at <= now.naive_utc() || closes_at <= open.opens_at {
        return Err(AppError::unprocessable(
            "invalid_cutoff",
            "The new cut-off must be in the future and after the week opened. To end the week now, close it.",
        ));
    }
    let issue = new_issue.unwrap_or(open.issue);
    if issue != open.issue {
        if find(conn, issue)?.is_some() {
            return Err(AppError::conflict(
                "issue_taken",
                format!("Issue {issue} already exists."),
            ));
        }
        let last: Option<i32> = weeks::table
            .filter(weeks::issue.ne(open.issue))
            .select(diesel::dsl::max(weeks::issue))
            .first(conn)?;
        if last.is_some_and(|l| issue <= l) {
            return Err(AppError::unprocessable(
                "issue_order",
                "The issue number must be higher than every earlier week's.",
            ));
        }
        let has_rows = {
            use crate::schema::{nominations, picks, votes};
            let n: i64 = nominations::table
                .filter(nominations::week_issue.eq(open.issue))
                .count()
                .get_result(conn)?;
            let v: i64 = votes::table
                .filter(votes::week_issue.eq(open.issue))
                .count()
                .get_result(conn)?;
            let p: i64 = picks::table
                .filter(picks::week_issue.eq(open.issue))
                .count()
                .get_result(conn)?;
            n + v + p > 0
        };
        if has_rows {
            return Err(AppError::conflict(
                "week_in_use",
                "This week already has nominations or votes, so its issue number can no longer change; change the next week's instead.",
            ));
        }
        // Nothing refers to the week yet, so its key can change in place.
        diesel::update(weeks::table.find(open.issue))
            .set((weeks::issue.eq(issue), weeks::closes_at.eq(closes_at)))
            .execute(conn)?;
        return Ok(Week {
            issue,
            closes_at,
            ..open.clone()
        });
    }
    diesel::update(weeks::table.find(open.issue))
        .set(weeks::closes_at.eq(closes_at))
        .execute(conn)?;
    Ok(Week {
        closes_at,
        ..open.clone()
    })
}

/// Mark issue `issue` published (its picks are final). Returns 0 when it is unknown or was
/// published already.
pub fn publish(tx: &mut Tx<'_>, issue: i32, now: DateTime<Utc>) -> QueryResult<usize> {
    tx.changed(Change::Week);
    let conn: &mut DbConnection = tx;
    diesel::update(weeks::table.find(issue).filter(weeks::published_at.is_null()))
        .set(weeks::published_at.eq(Some(now.naive_utc())))
        .execute(conn)
}
