//! The editor's shortlist (docs/contract.md §4): a week in the one ranking with hidden nominations, the
//! attribution markdown of every entry, each category's whole section, and the vote bursts to
//! look at before picking. Read-only; the API, the desk and `export`/`fill-draft` use it.

use crate::domain::attribution::{
    self, CrateAttribution, CratePairAttribution, Credit, QuoteAttribution, Renderer,
};
use crate::domain::validate::Category;
use crate::error::AppError;
use crate::models::ballot::{self, ByCategory, Entry, PickView, RankedWeek};
use crate::models::nomination;
use crate::models::vote;
use crate::models::week;
use crate::settings::Settings;
use crate::state::AppState;
use std::collections::HashMap;

/// The inputs of an entry's attribution.
pub enum Attribution {
    Crate(CrateAttribution),
    Quote(QuoteAttribution),
}

pub fn attribution_of(entry: &Entry, settings: &Settings) -> Attribution {
    let permalink = settings.absolute(&format!("/nominations/{}", entry.nomination_id));
    let nominators: Vec<Credit> = entry
        .credits
        .iter()
        .map(|c| Credit {
            name: c.name.clone(),
            // A forum suggestion is thanked with a link to its post, as TWiR does.
            permalink: c
                .forum
                .as_ref()
                .map_or_else(|| permalink.clone(), |f| f.permalink.clone()),
        })
        .collect();
    let self_suggestion = attribution::is_self_suggestion(entry.credits.iter().map(|c| c.self_suggestion));
    let editors_choice = entry.nomination.editors_choice;
    let editor = if editors_choice {
        entry.credits.first().map(|c| c.name.clone()).unwrap_or_default()
    } else {
        String::new()
    };
    match (&entry.crate_, &entry.quote) {
        (_, Some(q)) => Attribution::Quote(QuoteAttribution {
            text: q.text.clone(),
            author: q.author.clone(),
            where_said: q.where_said.clone(),
            url: q.url.clone(),
            nominators,
            self_suggestion,
            editors_choice,
            editor,
            credit_line: entry.nomination.credit_line.clone(),
        }),
        (c, None) => {
            let c = c
                .clone()
                .unwrap_or_else(|| unreachable!("a crate nomination has crate fields"));
            Attribution::Crate(CrateAttribution {
                name: c.name,
                url: c.url,
                pitch: c.pitch,
                nominators,
                self_suggestion,
                editors_choice,
                editor,
                credit_line: entry.nomination.credit_line.clone(),
            })
        }
    }
}

/// The markdown for one entry, as the issue prints it.
pub fn entry_markdown(renderer: &Renderer, settings: &Settings, entry: &Entry) -> String {
    match attribution_of(entry, settings) {
        Attribution::Crate(a) => renderer.crate_entry(&a),
        Attribution::Quote(a) => renderer.quote_entry(&a),
    }
}

/// The whole section (heading, attribution, call for suggestions) for one entry.
pub fn section_markdown(renderer: &Renderer, settings: &Settings, entry: &Entry) -> String {
    match attribution_of(entry, settings) {
        Attribution::Crate(a) => renderer.crate_section(&a, &settings.submit_crate_url),
        Attribution::Quote(a) => renderer.quote_section(&a, &settings.submit_quote_url),
    }
}

/// A week's two crates as one attribution; `None` unless both entries are crates.
fn crate_pair(settings: &Settings, first: &Entry, second: &Entry) -> Option<CratePairAttribution> {
    match (attribution_of(first, settings), attribution_of(second, settings)) {
        (Attribution::Crate(a), Attribution::Crate(b)) => Some(CratePairAttribution::new(a, b)),
        _ => None,
    }
}

/// The picked attribution of a category (both crates in one when there are two) and its whole
/// section.
fn picked_markdown(renderer: &Renderer, settings: &Settings, picked: &[&Entry]) -> Option<(String, String)> {
    match picked {
        [] => None,
        [first, second, ..] => {
            let pair = crate_pair(settings, first, second)?;
            Some((
                renderer.crate_pair_entry(&pair),
                renderer.crate_pair_section(&pair, &settings.submit_crate_url),
            ))
        }
        [one] => Some((
            entry_markdown(renderer, settings, one),
            section_markdown(renderer, settings, one),
        )),
    }
}

/// A week as the editor sees it: hidden nominations included, attribution for every entry,
/// and each category's whole section for its pick (or, before a pick, the leader).
pub struct Shortlist {
    pub week: RankedWeek,
    pub attribution: HashMap<i32, String>,
    pub sections: ByCategory<Option<String>>,
    /// The standing pick's attribution as the issue prints it (both crates of a two-crate week
    /// in one), for `fill-draft` and the desk.
    pub picked: ByCategory<Option<String>>,
    /// The section is for the standing pick (not a preview of the leader).
    pub section_is_pick: ByCategory<bool>,
    pub published: bool,
    /// Nominations that drew a burst of votes from new accounts, with the burst's size.
    pub vote_bursts: std::collections::BTreeMap<i32, usize>,
    /// Entries whose crate or quote won before this week: the last issue it won in (picked here
    /// or in the imported history), so the desk flags a repeat winner.
    pub won_before: HashMap<i32, i32>,
    /// Each co-nominator's own words, by nomination: (user, words), in the order they joined.
    pub co_words: HashMap<i32, Vec<(i32, crate::models::nomination::OwnWords)>>,
    /// What crates.io said of each crate entry's reach and age (the cached answer).
    pub crate_stats: HashMap<i32, crate::models::crates_cache::CachedCrate>,
    /// Earlier nominations of each entry's crate or quote, with their weeks and votes.
    pub earlier: HashMap<i32, Vec<crate::models::ballot::EarlierNomination>>,
}

/// What the desk knows about the entries of `ranked` beyond the ballot (see `Shortlist`).
struct EntryFacts {
    won_before: HashMap<i32, i32>,
    co_words: HashMap<i32, Vec<(i32, nomination::OwnWords)>>,
    crate_stats: HashMap<i32, crate::models::crates_cache::CachedCrate>,
    earlier: HashMap<i32, Vec<ballot::EarlierNomination>>,
}

fn entry_facts(
    conn: &mut crate::db::DbConnection,
    ranked: &RankedWeek,
    issue: i32,
) -> diesel::QueryResult<EntryFacts> {
    let entries: Vec<&Entry> = Category::ALL
        .iter()
        .flat_map(|c| ranked.categories.get(*c).iter())
        .collect();
    let mut won_before = HashMap::new();
    for c in Category::ALL {
        let wins = crate::models::dry_week::last_wins(conn, c)?;
        for e in ranked.categories.get(c) {
            if let Some(&won) = wins.get(&e.nomination.dedupe_key) {
                if won < issue {
                    won_before.insert(e.nomination_id, won);
                }
            }
        }
    }
    let ids: Vec<i32> = entries.iter().map(|e| e.nomination_id).collect();
    let mut co_words: HashMap<i32, Vec<_>> = HashMap::new();
    for (id, user, words) in nomination::co_nominator_words(conn, &ids)? {
        co_words.entry(id).or_default().push((user, words));
    }
    let crate_keys: Vec<(i32, String)> = ranked
        .categories
        .crate_
        .iter()
        .filter_map(|e| {
            Some((
                e.nomination_id,
                crate::domain::validate::crate_key(e.nomination.crate_name.as_deref()?),
            ))
        })
        .collect();
    let keys: Vec<String> = crate_keys.iter().map(|(_, k)| k.clone()).collect();
    let cached = crate::models::crates_cache::get_many(conn, &keys)?;
    let crate_stats = crate_keys
        .into_iter()
        .filter_map(|(id, key)| Some((id, cached.iter().find(|c| c.name == key)?.clone())))
        .collect();
    let nominations: Vec<&nomination::Nomination> = entries.iter().map(|e| &e.nomination).collect();
    let earlier = ballot::earlier_nominations(conn, &nominations, issue)?;
    Ok(EntryFacts {
        won_before,
        co_words,
        crate_stats,
        earlier,
    })
}

pub async fn shortlist(state: &AppState, issue: Option<i32>) -> Result<Shortlist, AppError> {
    let open = state.open_week().await?;
    let ballot_weeks = state.settings.ballot_weeks;
    let (week, ranked, picked_entries, vote_bursts, facts) = state
        .db
        .read(move |conn| {
            let week = match issue {
                Some(n) => week::find(conn, n)?.ok_or_else(|| AppError::not_found(&format!("Issue {n}")))?,
                None => open,
            };
            let ranked = ballot::ranked_week(conn, &week, ballot_weeks, ballot::Audience::Editors)?;
            // A pick may come from outside the ranked list (an editor's choice): load it.
            let mut picked = Vec::new();
            for c in Category::ALL {
                for id in ranked
                    .picks
                    .get(c)
                    .as_ref()
                    .map(PickView::ids)
                    .unwrap_or_default()
                {
                    if ranked.entry(id).is_none() {
                        if let Some(n) = nomination::find(conn, id)? {
                            let credits = nomination::credits(conn, &[n.id])?
                                .into_iter()
                                .map(|(_, c)| c)
                                .collect();
                            picked.push(ballot::entry_of(n, credits));
                        }
                    }
                }
            }
            let cast: Vec<_> = vote::counted_in_week(conn, week.issue)?
                .iter()
                .map(vote::CountedVote::as_cast)
                .collect();
            let bursts = crate::domain::vote_bursts::bursts(&cast);
            let facts = entry_facts(conn, &ranked, week.issue)?;
            Ok((week, ranked, picked, bursts, facts))
        })
        .await?;
    let EntryFacts {
        won_before,
        co_words,
        crate_stats,
        earlier,
    } = facts;
    let (renderer, settings) = (&state.attribution, &state.settings);
    let mut attribution = HashMap::new();
    for e in ranked
        .categories
        .crate_
        .iter()
        .chain(&ranked.categories.quote)
        .chain(&picked_entries)
    {
        attribution.insert(e.nomination_id, entry_markdown(renderer, settings, e));
    }
    let mut sections = ByCategory::default();
    let mut picked = ByCategory::default();
    let mut section_is_pick = ByCategory::default();
    for c in Category::ALL {
        let chosen: Vec<&Entry> = ranked
            .picks
            .get(c)
            .as_ref()
            .map(PickView::ids)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|id| {
                ranked
                    .entry(id)
                    .or_else(|| picked_entries.iter().find(|e| e.nomination_id == id))
            })
            .collect();
        let markdown = picked_markdown(renderer, settings, &chosen);
        *section_is_pick.get_mut(c) = markdown.is_some();
        *sections.get_mut(c) = match &markdown {
            Some((_, section)) => Some(section.clone()),
            None => ranked
                .categories
                .get(c)
                .iter()
                .find(|e| !e.nomination.hidden)
                .map(|e| section_markdown(renderer, settings, e)),
        };
        *picked.get_mut(c) = markdown.map(|(entry, _)| entry);
    }
    Ok(Shortlist {
        picked,
        vote_bursts,
        won_before,
        co_words,
        crate_stats,
        earlier,
        published: week.published_at.is_some(),
        week: ranked,
        attribution,
        sections,
        section_is_pick,
    })
}
