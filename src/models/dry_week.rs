//! What the desk offers in a dry week (`domain::dry_week`): unpicked nominations from before
//! the ballot window, and what won when (to leave past winners out).

use crate::db::DbConnection;
use crate::domain::ballot as ballot_rule;
use crate::domain::validate::Category;
use crate::models::nomination::Nomination;
use crate::schema::{featured_history, nominations, picks, users, votes};
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

/// How far back (in nominations, newest first) the earlier weeks are read.
const LOOK_BACK: i64 = 500;

/// Nominations of `category` from before the ballot window of `issue` that may still be picked
/// (`domain::ballot::from_earlier_weeks`) and whose crate or quote has not won since, with the
/// votes they had; most votes first, then the newest.
pub fn earlier_candidates(
    conn: &mut DbConnection,
    category: Category,
    issue: i32,
    ballot_weeks: i32,
    allow_repeat_after_weeks: i32,
    limit: usize,
) -> QueryResult<Vec<(Nomination, i64)>> {
    let older: Vec<Nomination> = nominations::table
        .filter(nominations::category.eq(category.as_str()))
        .filter(nominations::week_issue.lt(issue.saturating_sub(ballot_weeks)))
        .filter(nominations::withdrawn.eq(false))
        .filter(nominations::hidden.eq(false))
        .order((nominations::week_issue.desc(), nominations::id.desc()))
        .limit(LOOK_BACK)
        .select(Nomination::as_select())
        .load(conn)?;
    let ids: Vec<i32> = older.iter().map(|n| n.id).collect();
    let picked: HashSet<i32> = picks::table
        .filter(picks::nomination_id.eq_any(&ids))
        .filter(picks::unpicked_at.is_null())
        .select(picks::nomination_id)
        .load::<i32>(conn)?
        .into_iter()
        .collect();
    let votes: HashMap<i32, i64> = votes::table
        .inner_join(users::table)
        .filter(votes::nomination_id.eq_any(&ids))
        .filter(crate::models::vote::counted())
        .group_by(votes::nomination_id)
        .select((votes::nomination_id, diesel::dsl::count_star()))
        .load::<(i32, i64)>(conn)?
        .into_iter()
        .collect();
    let wins = last_wins(conn, category)?;
    let mut out = Vec::new();
    let mut seen_keys = HashSet::new();
    for n in older {
        let candidate = ballot_rule::Candidate {
            week_issue: n.week_issue,
            withdrawn: n.withdrawn,
            hidden: n.hidden,
            picked_earlier: picked.contains(&n.id),
        };
        if !ballot_rule::from_earlier_weeks(&candidate, issue, ballot_weeks)
            || !seen_keys.insert(n.dedupe_key.clone())
        {
            continue;
        }
        let won = wins.get(&n.dedupe_key).copied();
        if ballot_rule::too_recent_a_winner(won, issue, allow_repeat_after_weeks) {
            continue;
        }
        let had = votes.get(&n.id).copied().unwrap_or(0);
        out.push((n, had));
    }
    // Stable: among equal votes the newest stays first.
    out.sort_by_key(|(_, votes)| std::cmp::Reverse(*votes));
    out.truncate(limit);
    Ok(out)
}

/// The last issue each crate or quote of `category` won in, by dedupe key: picked here or
/// imported from the published issues (`nomination::last_win` for all of them at once).
pub fn last_wins(conn: &mut DbConnection, category: Category) -> QueryResult<HashMap<String, i32>> {
    let mut wins: HashMap<String, i32> = featured_history::table
        .filter(featured_history::category.eq(category.as_str()))
        .group_by(featured_history::dedupe_key)
        .select((
            featured_history::dedupe_key,
            diesel::dsl::max(featured_history::issue),
        ))
        .load::<(String, Option<i32>)>(conn)?
        .into_iter()
        .filter_map(|(key, issue)| Some((key, issue?)))
        .collect();
    let picked: Vec<(String, Option<i32>)> = picks::table
        .inner_join(nominations::table)
        .filter(picks::unpicked_at.is_null())
        .filter(nominations::category.eq(category.as_str()))
        .group_by(nominations::dedupe_key)
        .select((nominations::dedupe_key, diesel::dsl::max(picks::week_issue)))
        .load(conn)?;
    for (key, issue) in picked {
        if let Some(issue) = issue {
            let last = wins.entry(key).or_insert(issue);
            *last = (*last).max(issue);
        }
    }
    Ok(wins)
}

/// Whether `n`, though off the ballot of `week`, may be picked there: its category is dry
/// this week and it is a nomination from earlier weeks (`domain::ballot::from_earlier_weeks`).
pub fn may_pick_from_earlier(
    conn: &mut DbConnection,
    n: &Nomination,
    week: &crate::models::week::Week,
    ballot_weeks: i32,
) -> QueryResult<bool> {
    let entries = crate::models::ballot::ballot_nominations(conn, week, ballot_weeks, false)?
        .iter()
        .filter(|m| m.category == n.category)
        .count();
    if !crate::domain::dry_week::is_dry(entries) {
        return Ok(false);
    }
    let picked = picks::table
        .filter(picks::nomination_id.eq(n.id))
        .filter(picks::unpicked_at.is_null())
        .count()
        .get_result::<i64>(conn)?
        > 0;
    let candidate = ballot_rule::Candidate {
        week_issue: n.week_issue,
        withdrawn: n.withdrawn,
        hidden: n.hidden,
        picked_earlier: picked,
    };
    Ok(ballot_rule::from_earlier_weeks(
        &candidate,
        week.issue,
        ballot_weeks,
    ))
}
