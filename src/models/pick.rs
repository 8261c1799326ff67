//! Picks (one standing pick per place per category per week, a unique key; a second place for
//! a week with two crates) and the archive of winners, which also holds the history imported
//! from past issues.

use crate::db::{is_unique_violation, Change, DbConnection, Tx};
use crate::domain::validate::Category;
use crate::models::history;
use crate::models::nomination::Nomination;
use crate::schema::{featured_history, nominations, picks, weeks};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = picks)]
pub struct Pick {
    pub id: i32,
    pub week_issue: i32,
    #[diesel(deserialize_as = String)]
    pub category: Category,
    pub nomination_id: i32,
    pub picked_by: i32,
    pub picked_at: NaiveDateTime,
    pub unpicked_at: Option<NaiveDateTime>,
    pub unpicked_by: Option<i32>,
    /// 1, or 2 for the second crate of a two-crate week.
    pub position: i32,
}

/// Where a pick goes: the week's pick, or the second crate beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    First,
    Second,
}

impl Place {
    pub fn position(self) -> i32 {
        match self {
            Place::First => 1,
            Place::Second => 2,
        }
    }
}

#[derive(Debug)]
pub enum PickOutcome {
    Picked,
    /// Another nomination stands in this place (or this nomination is picked already).
    Taken {
        nomination_id: i32,
    },
}

/// The standing picks of a category in a week, first place first.
pub fn standing(conn: &mut DbConnection, issue: i32, category: Category) -> QueryResult<Vec<Pick>> {
    picks::table
        .filter(picks::week_issue.eq(issue))
        .filter(picks::category.eq(category.as_str()))
        .filter(picks::unpicked_at.is_null())
        .order(picks::position.asc())
        .select(Pick::as_select())
        .load(conn)
}

/// Pick `nomination` for `issue` in `place`; the unique keys decide when two editors pick at
/// once (one standing pick per place, a nomination picked once).
pub fn pick(
    tx: &mut Tx<'_>,
    nomination: &Nomination,
    issue: i32,
    place: Place,
    editor_id: i32,
    now: DateTime<Utc>,
) -> QueryResult<PickOutcome> {
    tx.changed(Change::Ballot);
    let conn: &mut DbConnection = tx;
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(picks::table)
            .values((
                picks::week_issue.eq(issue),
                picks::category.eq(nomination.category.as_str()),
                picks::nomination_id.eq(nomination.id),
                picks::picked_by.eq(editor_id),
                picks::picked_at.eq(now.naive_utc()),
                picks::position.eq(place.position()),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(PickOutcome::Picked),
        Err(e) if is_unique_violation(&e) => {
            let current = standing(conn, issue, nomination.category())?;
            let holder = current
                .iter()
                .find(|p| p.position == place.position())
                .map_or(nomination.id, |p| p.nomination_id);
            Ok(PickOutcome::Taken {
                nomination_id: holder,
            })
        }
        Err(e) => Err(e),
    }
}

/// Unpick (a flag: the row stays in the archive's history): the standing pick of `nomination`,
/// or every standing pick of the category. Returns the unpicked nominations.
pub fn unpick(
    tx: &mut Tx<'_>,
    issue: i32,
    category: Category,
    nomination: Option<i32>,
    editor_id: i32,
    now: DateTime<Utc>,
) -> QueryResult<Vec<i32>> {
    tx.changed(Change::Ballot);
    let conn: &mut DbConnection = tx;
    let mut unpicked = Vec::new();
    for current in standing(conn, issue, category)? {
        if nomination.is_some_and(|id| id != current.nomination_id) {
            continue;
        }
        diesel::update(picks::table.find(current.id).filter(picks::unpicked_at.is_null()))
            .set((
                picks::unpicked_at.eq(Some(now.naive_utc())),
                picks::unpicked_by.eq(Some(editor_id)),
            ))
            .execute(conn)?;
        unpicked.push(current.nomination_id);
    }
    // A second crate left alone becomes the week's crate (a second always stands beside a first).
    if let [alone] = standing(conn, issue, category)?.as_slice() {
        if alone.position != Place::First.position() {
            diesel::update(picks::table.find(alone.id))
                .set(picks::position.eq(Place::First.position()))
                .execute(conn)?;
        }
    }
    Ok(unpicked)
}

/// One winner in the archive.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Winner {
    pub issue: i32,
    pub category: Category,
    pub name: String,
    pub url: Option<String>,
    /// The nomination behind a pick made here; `None` for imported history.
    pub nomination_id: Option<i32>,
    /// Imported history: the markdown as published.
    pub body: Option<String>,
    pub credits: Option<String>,
    pub at: NaiveDateTime,
}

/// Picks made here and imported history, newest issue first, `limit` from `offset`, and how
/// many there are. Reads at most `offset + limit` rows of each table, so the cost of a page
/// does not grow with ten years of history. Picks are public once their issue is marked
/// published or is `public_through` or older (`domain::week::public_through`).
pub fn winners(
    conn: &mut DbConnection,
    limit: i64,
    offset: i64,
    public_through: i32,
) -> QueryResult<(Vec<Winner>, i64)> {
    use diesel::dsl::{exists, not};
    let (limit, offset) = (limit.max(0), offset.max(0));
    let depth = offset.saturating_add(limit);
    let standing = picks::unpicked_at.is_null();
    let public = || {
        weeks::published_at
            .is_not_null()
            .or(picks::week_issue.le(public_through))
    };
    let picked: Vec<(Pick, Nomination, NaiveDateTime)> = picks::table
        .inner_join(nominations::table)
        .inner_join(weeks::table)
        .filter(standing)
        .filter(public())
        // Crates before quotes, first place first: the order the archive shows.
        .order((
            picks::week_issue.desc(),
            picks::category.asc(),
            picks::position.asc(),
        ))
        .limit(depth)
        .select((Pick::as_select(), Nomination::as_select(), weeks::closes_at))
        .load(conn)?;
    // Imported history, where no pick made here stands for the same issue and category.
    let shadowed = || {
        picks::table
            .filter(picks::week_issue.eq(featured_history::issue))
            .filter(picks::category.eq(featured_history::category))
            .filter(picks::unpicked_at.is_null())
    };
    let imported: Vec<history::Featured> = featured_history::table
        .filter(not(exists(shadowed())))
        .order((
            featured_history::issue.desc(),
            featured_history::category.asc(),
            featured_history::position.asc(),
        ))
        .limit(depth)
        .select(history::Featured::as_select())
        .load(conn)?;
    let total = picks::table
        .inner_join(weeks::table)
        .filter(standing)
        .filter(public())
        .count()
        .get_result::<i64>(conn)?
        + featured_history::table
            .filter(not(exists(shadowed())))
            .count()
            .get_result::<i64>(conn)?;
    let mut all: Vec<Winner> = picked
        .into_iter()
        .map(|(p, n, closes_at)| Winner {
            issue: p.week_issue,
            category: p.category,
            name: n.crate_name.clone().unwrap_or_else(|| n.title()),
            url: n.crate_url().or_else(|| n.source_url.clone()),
            nomination_id: Some(n.id),
            body: None,
            credits: None,
            at: closes_at,
        })
        .collect();
    all.extend(imported.into_iter().map(|f| {
        Winner {
            issue: f.issue,
            category: f.category,
            name: f.name,
            url: f.url,
            nomination_id: None,
            body: Some(f.body),
            credits: f.credits,
            at: chrono::NaiveDate::parse_from_str(&f.published_on, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .unwrap_or(f.imported_at),
        }
    }));
    // Newest issue first; in one issue, crates before quotes (stable: each table's order kept).
    all.sort_by(|a, b| b.issue.cmp(&a.issue).then(a.category.cmp(&b.category)));
    let page = all
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    Ok((page, total))
}

/// A standing pick of one of a member's nominations: for their profile and feed.
#[derive(Debug, Clone)]
pub struct PickOf {
    pub nomination_id: i32,
    pub issue: i32,
    pub picked_at: NaiveDateTime,
    /// When the issue went out (`None`: not published yet).
    pub published_at: Option<NaiveDateTime>,
}

/// The standing picks among `ids`.
pub fn picks_among(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<PickOf>> {
    let rows: Vec<(i32, i32, NaiveDateTime, Option<NaiveDateTime>)> = picks::table
        .inner_join(weeks::table)
        .filter(picks::nomination_id.eq_any(ids))
        .filter(picks::unpicked_at.is_null())
        .order(picks::week_issue.desc())
        .select((
            picks::nomination_id,
            picks::week_issue,
            picks::picked_at,
            weeks::published_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(nomination_id, issue, picked_at, published_at)| PickOf {
            nomination_id,
            issue,
            picked_at,
            published_at,
        })
        .collect())
}
