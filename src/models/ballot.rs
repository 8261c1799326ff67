//! The ranked week: what is on each category's ballot, with votes, earlier votes and
//! nominators, in the one ranking of `domain::ranking`. Pages, the JSON API and the editor's
//! shortlist all read this.

use crate::db::DbConnection;
use crate::domain::ballot as ballot_rule;
use crate::domain::ranking::{self, Standing};
use crate::domain::validate::Category;
use crate::models::nomination::{self, Credit, Nomination};
use crate::models::week::Week;
use crate::schema::{nominations, picks, users, votes};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

pub use crate::domain::week::rfc3339;

#[derive(Debug, Clone, PartialEq)]
pub struct CrateView {
    pub name: String,
    pub url: String,
    pub pitch: String,
    pub description: Option<String>,
    pub repository: Option<String>,
    pub why: Option<String>,
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuoteView {
    pub text: String,
    pub author: String,
    pub where_said: String,
    pub url: String,
    pub context: Option<String>,
}

/// One nomination on a ballot, ranked.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub rank: usize,
    pub nomination_id: i32,
    pub votes: i64,
    pub earlier_votes: i64,
    pub nominated_at: NaiveDateTime,
    /// Suggested on the forum: the first post, its poster, and the likes of every post that
    /// suggested it (shown apart from votes; they only break ties).
    pub forum: Option<ForumView>,
    /// Logins, first nominator first.
    pub nominators: Vec<String>,
    pub self_suggestion: bool,
    pub crate_: Option<CrateView>,
    pub quote: Option<QuoteView>,
    pub credits: Vec<Credit>,
    pub nomination: Nomination,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForumView {
    pub url: String,
    pub author: String,
    pub likes: i64,
}

impl Entry {
    pub fn forum_likes(&self) -> i64 {
        self.forum.as_ref().map_or(0, |f| f.likes)
    }
}

/// A category's standing pick (docs/contract.md §3's `picks`), and in a two-crate week the second crate,
/// shaped the same (`"second": { "nomination_id": … }`; absent otherwise).
#[derive(Debug, Clone, PartialEq)]
pub struct PickView {
    pub nomination_id: i32,
    pub picked_by: String,
    pub picked_at: NaiveDateTime,
    pub second: Option<Box<PickView>>,
}

impl PickView {
    /// The picked nominations, first place first.
    pub fn ids(&self) -> Vec<i32> {
        let mut ids = vec![self.nomination_id];
        ids.extend(self.second.as_ref().map(|s| s.nomination_id));
        ids
    }

    pub fn includes(&self, nomination_id: i32) -> bool {
        self.nomination_id == nomination_id
            || self
                .second
                .as_ref()
                .is_some_and(|s| s.nomination_id == nomination_id)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ByCategory<T> {
    pub crate_: T,
    pub quote: T,
}

impl<T> ByCategory<T> {
    pub fn get(&self, c: Category) -> &T {
        match c {
            Category::Crate => &self.crate_,
            Category::Quote => &self.quote,
        }
    }

    pub fn get_mut(&mut self, c: Category) -> &mut T {
        match c {
            Category::Crate => &mut self.crate_,
            Category::Quote => &mut self.quote,
        }
    }
}

/// A week's public standing, in the JSON shape of docs/contract.md §3.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedWeek {
    pub issue: i32,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub status: crate::domain::week::WeekStatus,
    pub categories: ByCategory<Vec<Entry>>,
    pub picks: ByCategory<Option<PickView>>,
}

impl RankedWeek {
    pub fn entry(&self, nomination_id: i32) -> Option<&Entry> {
        self.categories
            .crate_
            .iter()
            .chain(self.categories.quote.iter())
            .find(|e| e.nomination_id == nomination_id)
    }
}

/// Which nominations stand on the ballot of `week` (`domain::ballot::stands`; hidden ones too
/// when `with_hidden`, for editors). The SQL narrows to the ballot window; the rule decides.
pub fn ballot_nominations(
    conn: &mut DbConnection,
    week: &Week,
    ballot_weeks: i32,
    with_hidden: bool,
) -> QueryResult<Vec<Nomination>> {
    let candidates = nominations::table
        .filter(nominations::week_issue.between(week.issue.saturating_sub(ballot_weeks), week.issue))
        .select(Nomination::as_select())
        .load(conn)?;
    standing(conn, candidates, week.issue, ballot_weeks, with_hidden)
}

/// The nomination of `category` with dedupe `key` that stands on the ballot of `issue`, if any
/// (a second nomination of it becomes a co-nomination).
pub fn on_ballot_by_key(
    conn: &mut DbConnection,
    category: Category,
    key: &str,
    issue: i32,
    ballot_weeks: i32,
) -> QueryResult<Option<Nomination>> {
    let candidates = nominations::table
        .filter(nominations::category.eq(category.as_str()))
        .filter(nominations::dedupe_key.eq(key))
        .filter(nominations::week_issue.between(issue.saturating_sub(ballot_weeks), issue))
        .order(nominations::id)
        .select(Nomination::as_select())
        .load(conn)?;
    Ok(standing(conn, candidates, issue, ballot_weeks, false)?
        .into_iter()
        .next())
}

/// Whether `n` stands on the ballot of `week` (the public one: not hidden).
pub fn is_on_ballot(
    conn: &mut DbConnection,
    n: &Nomination,
    week: &Week,
    ballot_weeks: i32,
) -> QueryResult<bool> {
    Ok(!standing(conn, vec![n.clone()], week.issue, ballot_weeks, false)?.is_empty())
}

/// `candidates` kept in order where `domain::ballot::stands` says so.
fn standing(
    conn: &mut DbConnection,
    candidates: Vec<Nomination>,
    issue: i32,
    ballot_weeks: i32,
    with_hidden: bool,
) -> QueryResult<Vec<Nomination>> {
    let ids: Vec<i32> = candidates.iter().map(|n| n.id).collect();
    let picked_earlier: std::collections::HashSet<i32> = picks::table
        .filter(picks::nomination_id.eq_any(&ids))
        .filter(picks::unpicked_at.is_null())
        .filter(picks::week_issue.lt(issue))
        .select(picks::nomination_id)
        .load::<i32>(conn)?
        .into_iter()
        .collect();
    Ok(candidates
        .into_iter()
        .filter(|n| {
            let candidate = ballot_rule::Candidate {
                week_issue: n.week_issue,
                withdrawn: n.withdrawn,
                hidden: n.hidden,
                picked_earlier: picked_earlier.contains(&n.id),
            };
            ballot_rule::stands(&candidate, issue, ballot_weeks, with_hidden)
        })
        .collect())
}

/// Counted votes for `ids` up to and including week `issue`, by (nomination, week).
/// Withdrawn votes and votes of banned users do not count.
fn vote_counts(conn: &mut DbConnection, ids: &[i32], issue: i32) -> QueryResult<Vec<(i32, i32, i64)>> {
    votes::table
        .inner_join(users::table)
        .filter(votes::nomination_id.eq_any(ids))
        .filter(votes::week_issue.le(issue))
        .filter(crate::models::vote::counted())
        .group_by((votes::nomination_id, votes::week_issue))
        .select((votes::nomination_id, votes::week_issue, diesel::dsl::count_star()))
        .load(conn)
}

/// An earlier nomination of the same crate or quote, for the desk: its week and its votes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierNomination {
    pub nomination_id: i32,
    pub issue: i32,
    pub votes: i64,
}

/// For each nomination in `entries`, the other nominations of the same crate or quote from weeks
/// before `issue`, newest first, with the votes they had.
pub fn earlier_nominations(
    conn: &mut DbConnection,
    entries: &[&Nomination],
    issue: i32,
) -> QueryResult<HashMap<i32, Vec<EarlierNomination>>> {
    let keys: Vec<String> = entries.iter().map(|n| n.dedupe_key.clone()).collect();
    let others: Vec<(i32, String, String, i32)> = nominations::table
        .filter(nominations::dedupe_key.eq_any(&keys))
        .filter(nominations::week_issue.lt(issue))
        .order(nominations::week_issue.desc())
        .select((
            nominations::id,
            nominations::category,
            nominations::dedupe_key,
            nominations::week_issue,
        ))
        .load(conn)?;
    let ids: Vec<i32> = others.iter().map(|o| o.0).collect();
    let mut votes: HashMap<i32, i64> = HashMap::new();
    for (id, _, n) in vote_counts(conn, &ids, i32::MAX)? {
        *votes.entry(id).or_default() += n;
    }
    let mut out: HashMap<i32, Vec<EarlierNomination>> = HashMap::new();
    for n in entries {
        let list = others
            .iter()
            .filter(|(id, category, key, _)| {
                *id != n.id && category == n.category.as_str() && *key == n.dedupe_key
            })
            .map(|(id, _, _, week)| EarlierNomination {
                nomination_id: *id,
                issue: *week,
                votes: votes.get(id).copied().unwrap_or(0),
            })
            .collect::<Vec<_>>();
        if !list.is_empty() {
            out.insert(n.id, list);
        }
    }
    Ok(out)
}

/// The standing pick of each category in `issue` (and a second crate), with the editor's login.
pub fn picks_of(conn: &mut DbConnection, issue: i32) -> QueryResult<ByCategory<Option<PickView>>> {
    let rows: Vec<(String, i32, String, NaiveDateTime)> = picks::table
        .inner_join(users::table.on(users::id.eq(picks::picked_by)))
        .filter(picks::week_issue.eq(issue))
        .filter(picks::unpicked_at.is_null())
        .order(picks::position.asc())
        .select((
            picks::category,
            picks::nomination_id,
            users::login,
            picks::picked_at,
        ))
        .load(conn)?;
    let mut out: ByCategory<Option<PickView>> = ByCategory::default();
    for (category, nomination_id, login, at) in rows {
        // An unknown category is an error (the schema's CHECK forbids one), never skipped.
        let c = Category::try_from(category)
            .map_err(|e| diesel::result::Error::DeserializationError(e.into()))?;
        let view = PickView {
            nomination_id,
            picked_by: login,
            picked_at: at,
            second: None,
        };
        match out.get_mut(c) {
            Some(first) => first.second = Some(Box::new(view)),
            slot => *slot = Some(view),
        }
    }
    Ok(out)
}

/// Build one entry's public view (rank and counts filled in by the caller).
pub fn entry_of(nomination: Nomination, credits: Vec<Credit>) -> Entry {
    let crate_ = nomination.crate_name.clone().map(|name| CrateView {
        url: nomination.crate_url().unwrap_or_default(),
        name,
        pitch: nomination.pitch.clone().unwrap_or_default(),
        description: nomination.description.clone(),
        repository: nomination.repository.clone(),
        why: nomination.why.clone(),
        verified: nomination.verified,
    });
    let quote = nomination.quote_text.clone().map(|text| QuoteView {
        text,
        author: nomination.author.clone().unwrap_or_default(),
        where_said: nomination.where_said.clone().unwrap_or_default(),
        url: nomination.source_url.clone().unwrap_or_default(),
        context: nomination.context.clone(),
    });
    Entry {
        rank: 0,
        nomination_id: nomination.id,
        votes: 0,
        earlier_votes: 0,
        nominated_at: nomination.created_at,
        forum: forum_view(&credits),
        // Site accounts' logins: a deleted account's credit has none (its printed name stays in
        // the attribution only).
        nominators: credits
            .iter()
            .filter(|c| c.forum.is_none() && c.user_id.is_some())
            .map(|c| c.login.clone())
            .collect(),
        self_suggestion: crate::domain::attribution::is_self_suggestion(
            credits.iter().map(|c| c.self_suggestion),
        ),
        crate_,
        quote,
        credits,
        nomination,
    }
}

fn forum_view(credits: &[Credit]) -> Option<ForumView> {
    let mut from_forum = credits.iter().filter_map(|c| Some((c, c.forum.as_ref()?)));
    let (first, post) = from_forum.next()?;
    Some(ForumView {
        url: post.permalink.clone(),
        author: first.name.clone(),
        likes: post.likes + from_forum.map(|(_, p)| p.likes).sum::<i64>(),
    })
}

/// Order one category's entries by the one ranking and number them.
pub fn rank_entries(list: &mut [Entry]) {
    ranking::rank_by(list, |e| Standing {
        nomination_id: e.nomination_id,
        votes: e.votes,
        forum_likes: e.forum_likes(),
        earlier_votes: e.earlier_votes,
        nominated_at: e.nomination.created_at,
    });
    for (i, e) in list.iter_mut().enumerate() {
        e.rank = i + 1;
    }
}

/// Who a ranking is read for.
#[derive(Debug, Clone, Copy)]
pub enum Audience<'a> {
    /// The desk, `export`, `fill-draft`: hidden nominations and every pick.
    Editors,
    /// Everyone else at `now`: no hidden nominations, and picks only once public
    /// (`domain::week::picks_public`).
    Public {
        calendar: &'a crate::domain::week::Calendar,
        now: chrono::DateTime<chrono::Utc>,
    },
}

/// The ranked week as `audience` may see it.
pub fn ranked_week(
    conn: &mut DbConnection,
    week: &Week,
    ballot_weeks: i32,
    audience: Audience<'_>,
) -> QueryResult<RankedWeek> {
    let with_hidden = matches!(audience, Audience::Editors);
    let ballot = ballot_nominations(conn, week, ballot_weeks, with_hidden)?;
    let ids: Vec<i32> = ballot.iter().map(|n| n.id).collect();
    let mut this_week: HashMap<i32, i64> = HashMap::new();
    let mut earlier: HashMap<i32, i64> = HashMap::new();
    for (id, issue, n) in vote_counts(conn, &ids, week.issue)? {
        let bucket = if issue == week.issue {
            &mut this_week
        } else {
            &mut earlier
        };
        *bucket.entry(id).or_default() += n;
    }
    let mut credits: HashMap<i32, Vec<Credit>> = HashMap::new();
    for (id, credit) in nomination::credits(conn, &ids)? {
        credits.entry(id).or_default().push(credit);
    }
    let mut categories: ByCategory<Vec<Entry>> = ByCategory::default();
    for n in ballot {
        let category = n.category();
        let credited = credits.remove(&n.id).unwrap_or_default();
        let mut entry = entry_of(n, credited);
        entry.votes = this_week.get(&entry.nomination_id).copied().unwrap_or(0);
        entry.earlier_votes = earlier.get(&entry.nomination_id).copied().unwrap_or(0);
        categories.get_mut(category).push(entry);
    }
    for c in Category::ALL {
        rank_entries(categories.get_mut(c));
    }
    Ok(RankedWeek {
        issue: week.issue,
        opens_at: week.opens_at,
        closes_at: week.closes_at,
        status: week.status,
        categories,
        picks: match audience {
            Audience::Public { calendar, now }
                if !crate::domain::week::picks_public(
                    week.issue,
                    week.published_at.is_some(),
                    calendar,
                    now,
                ) =>
            {
                ByCategory::default()
            }
            _ => picks_of(conn, week.issue)?,
        },
    })
}
