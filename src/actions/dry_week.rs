//! Candidates for a dry week (`domain::dry_week`): when a category of the week has fewer than
//! three entries and no pick, the desk offers unpicked nominations from earlier weeks (with the
//! votes they had; picking one thanks its nominators) and, for crates, recent crates from
//! crates.io's summary that were never featured (each opens the editor's-own-choice form).

use crate::actions::shortlist::Shortlist;
use crate::domain::dry_week::{self, CANDIDATES};
use crate::domain::validate::{crate_key, Category, CrateName};
use crate::error::AppError;
use crate::models::ballot::ByCategory;
use crate::models::dry_week as stored;
use crate::state::AppState;
use serde::Serialize;

/// What the desk offers for one dry category.
#[derive(Debug, Serialize)]
pub struct DryWeek {
    pub earlier: Vec<EarlierCandidate>,
    /// Crates only.
    pub recent: Vec<RecentCandidate>,
    /// crates.io could not be read (the earlier nominations still show).
    pub recent_problem: Option<String>,
}

/// A nomination from before the ballot window, never picked.
#[derive(Debug, Serialize)]
pub struct EarlierCandidate {
    pub nomination_id: i32,
    pub week_issue: i32,
    pub title: String,
    /// The pitch or the quote, as typed.
    pub summary: String,
    pub nominators: String,
    pub votes: i64,
}

/// A new or just-updated crate on crates.io that was never Crate of the Week.
#[derive(Debug, Clone, Serialize)]
pub struct RecentCandidate {
    pub name: String,
    pub description: Option<String>,
    pub url: String,
    /// The description as the start of a pitch, to prefill the own-choice form.
    pub pitch: String,
}

/// The candidates of each dry category of the shortlist's week; `None` where the category has
/// a pick, enough entries, or the issue is out.
pub async fn candidates(
    state: &AppState,
    shortlist: &Shortlist,
) -> Result<ByCategory<Option<DryWeek>>, AppError> {
    let week = &shortlist.week;
    let dry: Vec<Category> = Category::ALL
        .into_iter()
        .filter(|&c| {
            let entries = week
                .categories
                .get(c)
                .iter()
                .filter(|e| !e.nomination.hidden)
                .count();
            !shortlist.published && week.picks.get(c).is_none() && dry_week::is_dry(entries)
        })
        .collect();
    let mut out: ByCategory<Option<DryWeek>> = ByCategory::default();
    if dry.is_empty() {
        return Ok(out);
    }
    let (issue, settings) = (week.issue, state.settings.clone());
    let (earlier, featured) = state
        .db
        .read(move |conn| {
            let mut earlier = Vec::new();
            for c in dry {
                let found = stored::earlier_candidates(
                    conn,
                    c,
                    issue,
                    settings.ballot_weeks,
                    settings.allow_repeat_after_weeks,
                    CANDIDATES,
                )?;
                let ids: Vec<i32> = found.iter().map(|(n, _)| n.id).collect();
                let credits = crate::models::nomination::credits(conn, &ids)?;
                let listed = found
                    .into_iter()
                    .map(|(n, votes)| EarlierCandidate {
                        nominators: credits
                            .iter()
                            .filter(|(id, _)| *id == n.id)
                            .map(|(_, c)| c.name.clone())
                            .collect::<Vec<_>>()
                            .join(", "),
                        nomination_id: n.id,
                        week_issue: n.week_issue,
                        title: n.title(),
                        summary: n
                            .pitch
                            .clone()
                            .or_else(|| n.quote_text.clone())
                            .unwrap_or_default(),
                        votes,
                    })
                    .collect::<Vec<_>>();
                earlier.push((c, listed));
            }
            // Every crate ever featured, to leave out of crates.io's recent ones.
            Ok((earlier, stored::last_wins(conn, Category::Crate)?))
        })
        .await?;
    for (c, listed) in earlier {
        *out.get_mut(c) = Some(DryWeek {
            earlier: listed,
            recent: Vec::new(),
            recent_problem: None,
        });
    }
    if let Some(crates) = out.crate_.as_mut() {
        match state.crates_io.recent_crates().await {
            Ok(recent) => {
                crates.recent = recent
                    .into_iter()
                    // A name crates.io could not have (it goes into a link on the desk).
                    .filter(|k| CrateName::parse(&k.name).is_ok())
                    .filter(|k| !featured.contains_key(&crate_key(&k.name)))
                    .take(CANDIDATES)
                    .map(|k| RecentCandidate {
                        url: format!("https://crates.io/crates/{}", k.name),
                        pitch: k
                            .description
                            .as_deref()
                            .map(dry_week::pitch_from_description)
                            .unwrap_or_default(),
                        description: k.description,
                        name: k.name,
                    })
                    .collect();
            }
            Err(problem) => crates.recent_problem = Some(problem),
        }
    }
    Ok(out)
}
