//! Nominations and their nominators: creating (or co-nominating), reading, flags.

use crate::db::{Change, DbConnection, Tx};
use crate::domain::validate::{Category, ValidNomination};
use crate::schema::{featured_history, nominations, nominators, picks};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

pub use super::credits::{credits, Credit, ForumPostRef};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = nominations)]
pub struct Nomination {
    pub id: i32,
    #[diesel(deserialize_as = String)]
    pub category: Category,
    pub week_issue: i32,
    pub nominated_by: i32,
    pub created_at: NaiveDateTime,
    pub dedupe_key: String,
    pub editors_choice: bool,
    pub crate_name: Option<String>,
    pub pitch: Option<String>,
    pub url: Option<String>,
    pub why: Option<String>,
    pub description: Option<String>,
    pub repository: Option<String>,
    pub verified: bool,
    pub verified_at: Option<NaiveDateTime>,
    pub quote_text: Option<String>,
    pub author: Option<String>,
    pub where_said: Option<String>,
    pub source_url: Option<String>,
    pub context: Option<String>,
    pub hidden: bool,
    pub hidden_reason: Option<String>,
    pub withdrawn: bool,
    /// An editor's own choice: the credit line as the editor words it.
    pub credit_line: Option<String>,
    /// Why it left the ballot when that was not its nominator's doing ("account deleted").
    pub withdrawn_reason: Option<String>,
}

impl Nomination {
    pub fn category(&self) -> Category {
        self.category
    }

    /// The link shown for a crate: the nominator's override, else its crates.io page.
    pub fn crate_url(&self) -> Option<String> {
        let name = self.crate_name.as_deref()?;
        Some(
            self.url
                .clone()
                .unwrap_or_else(|| format!("https://crates.io/crates/{name}")),
        )
    }

    /// A short title for lists: the crate's name, or the quote's author.
    pub fn title(&self) -> String {
        match self.category() {
            Category::Crate => self.crate_name.clone().unwrap_or_default(),
            Category::Quote => format!(
                "{} {}",
                self.author.as_deref().unwrap_or_default(),
                self.where_said.as_deref().unwrap_or_default()
            )
            .trim()
            .to_string(),
        }
    }
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<Nomination>> {
    nominations::table
        .find(id)
        .select(Nomination::as_select())
        .first(conn)
        .optional()
}

/// The nominations among `ids` (in no particular order), in one query.
pub fn find_many(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<Nomination>> {
    nominations::table
        .filter(nominations::id.eq_any(ids))
        .select(Nomination::as_select())
        .load(conn)
}

/// Take the write lock for nominating in this week before reading: on SQLite the first write
/// takes the database lock, on PostgreSQL it locks the week's row until commit. Duplicate and
/// limit checks after it cannot race another nomination.
pub fn lock_week(tx: &mut Tx<'_>, issue: i32) -> QueryResult<()> {
    tx.changed(Change::Nothing);
    let conn: &mut DbConnection = tx;
    use crate::schema::weeks;
    diesel::update(weeks::table.find(issue))
        .set(weeks::status.eq(weeks::status))
        .execute(conn)?;
    Ok(())
}

/// The most recent issue in which something with this key won, from picks or imported history
/// (embargoed picks too: the rules about repeat winners see every pick).
pub fn last_win(conn: &mut DbConnection, category: Category, key: &str) -> QueryResult<Option<i32>> {
    last_public_win(conn, category, key, i32::MAX)
}

/// `last_win` as the public may know it: picks of issues marked published or `public_through`
/// and older (`domain::week::public_through`), and imported history.
pub fn last_public_win(
    conn: &mut DbConnection,
    category: Category,
    key: &str,
    public_through: i32,
) -> QueryResult<Option<i32>> {
    use crate::schema::weeks;
    let picked: Option<i32> = picks::table
        .inner_join(nominations::table)
        .inner_join(weeks::table)
        .filter(picks::unpicked_at.is_null())
        .filter(
            weeks::published_at
                .is_not_null()
                .or(picks::week_issue.le(public_through)),
        )
        .filter(nominations::category.eq(category.as_str()))
        .filter(nominations::dedupe_key.eq(key))
        .select(diesel::dsl::max(picks::week_issue))
        .first(conn)?;
    let imported: Option<i32> = featured_history::table
        .filter(featured_history::category.eq(category.as_str()))
        .filter(featured_history::dedupe_key.eq(key))
        .select(diesel::dsl::max(featured_history::issue))
        .first(conn)?;
    Ok(picked.max(imported))
}

/// How many nominations (own or co-) `user_id` made in `category` since `since`.
pub fn count_by_user_since(
    conn: &mut DbConnection,
    user_id: i32,
    category: Category,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    nominators::table
        .inner_join(nominations::table)
        .filter(nominators::user_id.eq(user_id))
        .filter(nominators::created_at.ge(since))
        .filter(nominations::category.eq(category.as_str()))
        .count()
        .get_result(conn)
}

/// A co-nominator's own words: their pitch and "why" (a quote's context), kept on their row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnWords {
    pub pitch: Option<String>,
    pub why: Option<String>,
}

impl OwnWords {
    /// What a nomination form said beyond the crate or quote itself.
    pub fn of(valid: &crate::domain::validate::ValidNomination) -> OwnWords {
        use crate::domain::validate::ValidNomination;
        match valid {
            ValidNomination::Crate(c) => OwnWords {
                pitch: Some(c.pitch.clone()),
                why: c.why.clone(),
            },
            ValidNomination::Quote(q) => OwnWords {
                pitch: None,
                why: q.context.clone(),
            },
        }
    }
}

/// Every co-nominator's own words on nominations among `ids`: (nomination, user, words), in
/// the order they joined. The first nominator's words are the nomination's.
pub fn co_nominator_words(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<(i32, i32, OwnWords)>> {
    let rows: Vec<(i32, i32, Option<String>, Option<String>)> = nominators::table
        .inner_join(nominations::table)
        .filter(nominators::nomination_id.eq_any(ids))
        .filter(nominators::user_id.ne(nominations::nominated_by))
        .filter(nominators::pitch.is_not_null().or(nominators::why.is_not_null()))
        .order((nominators::nomination_id, nominators::created_at))
        .select((
            nominators::nomination_id,
            nominators::user_id,
            nominators::pitch,
            nominators::why,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(n, u, pitch, why)| (n, u, OwnWords { pitch, why }))
        .collect())
}

/// Add `user_id` as a nominator with their own `words`; false when they already were one.
pub fn add_nominator(
    tx: &mut Tx<'_>,
    nomination_id: i32,
    user_id: i32,
    self_suggestion: bool,
    words: &OwnWords,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    tx.changed(Change::Ballot);
    let conn: &mut DbConnection = tx;
    let exists = nominators::table
        .find((nomination_id, user_id))
        .count()
        .get_result::<i64>(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(nominators::table)
        .values((
            nominators::nomination_id.eq(nomination_id),
            nominators::user_id.eq(user_id),
            nominators::self_suggestion.eq(self_suggestion),
            nominators::created_at.eq(now.naive_utc()),
            nominators::pitch.eq(&words.pitch),
            nominators::why.eq(&words.why),
        ))
        .execute(conn)?;
    Ok(true)
}

/// What crates.io said about a crate, when it answered.
#[derive(Debug, Clone, Default)]
pub struct CrateFacts {
    pub description: Option<String>,
    pub repository: Option<String>,
    /// All-time and recent (90 days) downloads, and when it was first published: for the desk.
    pub downloads: Option<i64>,
    pub recent_downloads: Option<i64>,
    pub created_at: Option<NaiveDateTime>,
}

/// Insert a new nomination with its first nominator; returns its id.
pub fn insert(
    tx: &mut Tx<'_>,
    nomination: &ValidNomination,
    issue: i32,
    user_id: i32,
    facts: Option<&CrateFacts>,
    editors_choice: bool,
    now: DateTime<Utc>,
) -> QueryResult<i32> {
    insert_row(tx, nomination, issue, user_id, facts, editors_choice, true, now)
}

/// Insert a nomination from the forum: filed under the forum's account, credited to the
/// posts that suggested it (`models::forum::credit`), not to a site nominator.
pub fn insert_from_forum(
    tx: &mut Tx<'_>,
    nomination: &ValidNomination,
    issue: i32,
    forum_account: i32,
    facts: Option<&CrateFacts>,
    now: DateTime<Utc>,
) -> QueryResult<i32> {
    insert_row(tx, nomination, issue, forum_account, facts, false, false, now)
}

#[allow(clippy::too_many_arguments)]
fn insert_row(
    tx: &mut Tx<'_>,
    nomination: &ValidNomination,
    issue: i32,
    user_id: i32,
    facts: Option<&CrateFacts>,
    editors_choice: bool,
    with_nominator: bool,
    now: DateTime<Utc>,
) -> QueryResult<i32> {
    tx.changed(Change::Ballot);
    let conn: &mut DbConnection = tx;
    let now_naive = now.naive_utc();
    let key = nomination.dedupe_key();
    let base = (
        nominations::category.eq(nomination.category().as_str()),
        nominations::week_issue.eq(issue),
        nominations::nominated_by.eq(user_id),
        nominations::created_at.eq(now_naive),
        nominations::dedupe_key.eq(&key),
        nominations::editors_choice.eq(editors_choice),
    );
    let self_suggestion = match nomination {
        ValidNomination::Crate(c) => {
            diesel::insert_into(nominations::table)
                .values((
                    base,
                    nominations::crate_name.eq(c.name.as_str()),
                    nominations::pitch.eq(&c.pitch),
                    nominations::url.eq(&c.url),
                    nominations::why.eq(&c.why),
                    nominations::description.eq(facts.and_then(|f| f.description.clone())),
                    nominations::repository.eq(facts.and_then(|f| f.repository.clone())),
                    nominations::verified.eq(facts.is_some()),
                    nominations::verified_at.eq(facts.map(|_| now_naive)),
                ))
                .execute(conn)?;
            c.self_suggestion
        }
        ValidNomination::Quote(q) => {
            diesel::insert_into(nominations::table)
                .values((
                    base,
                    nominations::quote_text.eq(&q.text),
                    nominations::author.eq(&q.author),
                    nominations::where_said.eq(&q.where_said),
                    nominations::source_url.eq(&q.source_url),
                    nominations::context.eq(&q.context),
                    nominations::verified.eq(true),
                ))
                .execute(conn)?;
            false
        }
    };
    // The row just written by this user in this transaction (portable: no RETURNING needed).
    let id: i32 = nominations::table
        .filter(nominations::nominated_by.eq(user_id))
        .filter(nominations::dedupe_key.eq(&key))
        .order(nominations::id.desc())
        .select(nominations::id)
        .first(conn)?;
    if with_nominator {
        add_nominator(tx, id, user_id, self_suggestion, &OwnWords::default(), now)?;
    }
    Ok(id)
}

/// Crate nominations still waiting for crates.io.
pub fn unverified_crates(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<(i32, String)>> {
    nominations::table
        .filter(nominations::category.eq("crate"))
        .filter(nominations::verified.eq(false))
        .filter(nominations::withdrawn.eq(false))
        .order(nominations::id)
        .limit(limit)
        .select((nominations::id, nominations::crate_name.assume_not_null()))
        .load(conn)
}

pub fn mark_verified(tx: &mut Tx<'_>, id: i32, facts: &CrateFacts, now: DateTime<Utc>) -> QueryResult<()> {
    tx.changed(Change::Ballot);
    let conn: &mut DbConnection = tx;
    diesel::update(nominations::table.find(id))
        .set((
            nominations::verified.eq(true),
            nominations::verified_at.eq(Some(now.naive_utc())),
            nominations::description.eq(&facts.description),
            nominations::repository.eq(&facts.repository),
        ))
        .execute(conn)?;
    Ok(())
}

/// The nominator takes their nomination off the ballot (a flag; the row stays).
pub fn withdraw(tx: &mut Tx<'_>, id: i32) -> QueryResult<usize> {
    tx.changed(Change::Ballot);
    let conn: &mut DbConnection = tx;
    diesel::update(
        nominations::table
            .find(id)
            .filter(nominations::withdrawn.eq(false)),
    )
    .set(nominations::withdrawn.eq(true))
    .execute(conn)
}

/// Nominations `user_id` made or co-nominated, newest first.
pub fn by_user(conn: &mut DbConnection, user_id: i32) -> QueryResult<Vec<Nomination>> {
    nominations::table
        .filter(
            nominations::id.eq_any(
                nominators::table
                    .filter(nominators::user_id.eq(user_id))
                    .select(nominators::nomination_id),
            ),
        )
        .order(nominations::id.desc())
        .select(Nomination::as_select())
        .load(conn)
}

pub fn is_nominator(conn: &mut DbConnection, nomination_id: i32, user_id: i32) -> QueryResult<bool> {
    let n: i64 = nominators::table
        .find((nomination_id, user_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Hide (or show again) a nomination with the editor's reason; the row stays. Returns how
/// many rows changed (0: no such nomination).
pub fn set_hidden(tx: &mut Tx<'_>, id: i32, hidden: bool, reason: Option<&str>) -> QueryResult<usize> {
    tx.changed(Change::Ballot);
    let conn: &mut DbConnection = tx;
    diesel::update(nominations::table.find(id))
        .set((
            nominations::hidden.eq(hidden),
            nominations::hidden_reason.eq(reason),
        ))
        .execute(conn)
}

/// Replace a nomination's wording (pitch, why and link, or the quote's text, author, where and
/// source) with `valid`'s; the crate or quote it is stays.
pub fn reword(tx: &mut Tx<'_>, id: i32, valid: &ValidNomination) -> QueryResult<usize> {
    tx.changed(Change::Ballot);
    let conn: &mut DbConnection = tx;
    let target = nominations::table.find(id);
    match valid {
        ValidNomination::Crate(c) => diesel::update(target)
            .set((
                nominations::pitch.eq(&c.pitch),
                nominations::why.eq(&c.why),
                nominations::url.eq(&c.url),
            ))
            .execute(conn),
        ValidNomination::Quote(q) => diesel::update(target)
            .set((
                nominations::quote_text.eq(&q.text),
                nominations::author.eq(&q.author),
                nominations::where_said.eq(&q.where_said),
                nominations::source_url.eq(&q.source_url),
            ))
            .execute(conn),
    }
}

/// What the crates.io owners check said of this nominator (`domain::owners`), and so whether
/// their credit reads "self-suggestion".
pub fn set_owner_check(
    tx: &mut Tx<'_>,
    nomination_id: i32,
    user_id: i32,
    check: Option<&str>,
    self_suggestion: bool,
) -> QueryResult<()> {
    tx.changed(Change::Ballot);
    let conn: &mut DbConnection = tx;
    diesel::update(nominators::table.find((nomination_id, user_id)))
        .set((
            nominators::owner_check.eq(check),
            nominators::self_suggestion.eq(self_suggestion),
        ))
        .execute(conn)?;
    Ok(())
}

/// Credits whose owners check waits for crates.io: (nomination, user, crate, login, says self).
pub fn unchecked_owners(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<(i32, i32, String, String)>> {
    use crate::schema::users;
    let rows: Vec<(i32, i32, Option<String>, String)> = nominators::table
        .inner_join(nominations::table)
        .inner_join(users::table)
        .filter(nominators::owner_check.eq("unchecked"))
        .select((
            nominators::nomination_id,
            nominators::user_id,
            nominations::crate_name,
            users::login,
        ))
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(n, u, name, login)| Some((n, u, name?, login)))
        .collect())
}

/// Whether this nominator marked the crate as their own.
pub fn says_self_suggestion(conn: &mut DbConnection, nomination_id: i32, user_id: i32) -> QueryResult<bool> {
    nominators::table
        .find((nomination_id, user_id))
        .select(nominators::self_suggestion)
        .first(conn)
}

/// An editor's own choice: the credit line as the editor worded it (`None`: the template's).
pub fn set_credit_line(tx: &mut Tx<'_>, id: i32, line: Option<&str>) -> QueryResult<()> {
    tx.changed(Change::Ballot);
    let conn: &mut DbConnection = tx;
    diesel::update(nominations::table.find(id))
        .set(nominations::credit_line.eq(line))
        .execute(conn)?;
    Ok(())
}
