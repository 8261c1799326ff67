//! The editor's work (SPEC §2, §4): the shortlist with attribution, picks, moderation and
//! week changes. Every action is written to the audit log in the same transaction.

use crate::actor::CurrentUser;
use crate::domain::attribution::{self, CrateAttribution, Credit, QuoteAttribution, Renderer};
use crate::domain::validate::{Category, NominationForm, ValidNomination};
use crate::error::AppError;
use crate::models::audit::{self, Entry as AuditEntry};
use crate::models::ballot::{self, ByCategory, Entry, RankedWeek};
use crate::models::nomination;
use crate::models::pick::{self, PickOutcome};
use crate::models::user::{self};
use crate::models::vote;
use crate::models::week::{self, Week};
use crate::settings::Settings;
use crate::state::AppState;
use chrono::{DateTime, Utc};
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
            permalink: permalink.clone(),
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

/// A week as the editor sees it: hidden nominations included, attribution for every entry,
/// and each category's whole section for its pick (or, before a pick, the leader).
pub struct Shortlist {
    pub week: RankedWeek,
    pub attribution: HashMap<i32, String>,
    pub sections: ByCategory<Option<String>>,
    /// The section is for the standing pick (not a preview of the leader).
    pub section_is_pick: ByCategory<bool>,
    pub published: bool,
    /// Nominations that drew a burst of votes from new accounts, with the burst's size.
    pub vote_bursts: std::collections::BTreeMap<i32, usize>,
}

pub async fn shortlist(state: &AppState, issue: Option<i32>) -> Result<Shortlist, AppError> {
    let open = state.open_week().await?;
    let ballot_weeks = state.settings.ballot_weeks;
    let (week, ranked, picked_entries, vote_bursts) = state
        .db
        .read(move |conn| {
            let week = match issue {
                Some(n) => week::find(conn, n)?.ok_or_else(|| AppError::not_found(&format!("Issue {n}")))?,
                None => open,
            };
            let ranked = ballot::ranked_week(conn, &week, ballot_weeks, true)?;
            // A pick may come from outside the ranked list (an editor's choice): load it.
            let mut picked = Vec::new();
            for c in Category::ALL {
                if let Some(p) = ranked.picks.get(c) {
                    if ranked.entry(p.nomination_id).is_none() {
                        if let Some(n) = nomination::find(conn, p.nomination_id)? {
                            let credits = nomination::credits(conn, &[n.id])?
                                .into_iter()
                                .map(|(_, c)| c)
                                .collect();
                            picked.push(ballot::entry_of(n, credits));
                        }
                    }
                }
            }
            let bursts = crate::domain::vote_bursts::bursts(&vote::cast_with_voters(conn, week.issue)?);
            Ok((week, ranked, picked, bursts))
        })
        .await?;
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
    let mut section_is_pick = ByCategory::default();
    for c in Category::ALL {
        let picked = ranked.picks.get(c).as_ref().map(|p| p.nomination_id);
        let chosen = match picked {
            Some(id) => ranked
                .entry(id)
                .or_else(|| picked_entries.iter().find(|e| e.nomination_id == id)),
            None => ranked.categories.get(c).iter().find(|e| !e.nomination.hidden),
        };
        *sections.get_mut(c) = chosen.map(|e| section_markdown(renderer, settings, e));
        *section_is_pick.get_mut(c) = picked.is_some();
    }
    Ok(Shortlist {
        vote_bursts,
        published: week.published_at.is_some(),
        week: ranked,
        attribution,
        sections,
        section_is_pick,
    })
}

fn actor(editor: &CurrentUser) -> (i32, String) {
    (editor.user.id, editor.user.login.clone())
}

/// Pick a nomination on the ballot of `issue` (default: the open week).
pub async fn pick(
    state: &AppState,
    editor: &CurrentUser,
    nomination_id: i32,
    issue: Option<i32>,
) -> Result<(i32, Category), AppError> {
    let week = target_week(state, issue).await?;
    let (editor_id, login) = actor(editor);
    let now = state.clock.now();
    let ballot_weeks = state.settings.ballot_weeks;
    let result = state
        .db
        .write(move |tx| {
            let n = nomination::find(tx, nomination_id)?.ok_or_else(|| AppError::not_found("That nomination"))?;
            if !n.editors_choice && !ballot::is_on_ballot(tx, &n, &week, ballot_weeks)? {
                return Err(AppError::conflict(
                    "not_on_ballot",
                    format!("This nomination is not on the ballot of issue {} (hidden, withdrawn, too old or already picked).", week.issue),
                ));
            }
            match pick::pick(tx, &n, week.issue, editor_id, now)? {
                PickOutcome::Picked => {}
                PickOutcome::Taken { nomination_id } => {
                    return Err(AppError::conflict(
                        "already_picked",
                        format!(
                            "Issue {} already has a {} pick (nomination {nomination_id}). Unpick it first.",
                            week.issue, n.category
                        ),
                    ))
                }
            }
            audit::record(
                tx,
                AuditEntry::new(&login, "pick", &format!("nomination {}", n.id))
                    .by_user(editor_id)
                    .detail(format!("issue {} {}: {}", week.issue, n.category, n.title())),
                now,
            )?;
            Ok((week.issue, n.category()))
        })
        .await?;
    Ok(result)
}

/// An editor's own choice when there were no suggestions: stored as a nomination by the editor
/// (marked as the editor's choice) and picked at once.
pub async fn pick_own_choice(
    state: &AppState,
    editor: &CurrentUser,
    form: &NominationForm,
    issue: Option<i32>,
) -> Result<Result<(i32, Category), crate::domain::validate::FieldErrors>, AppError> {
    let valid = match form.validate() {
        Ok(v) => v,
        Err(errors) => return Ok(Err(errors)),
    };
    let week = target_week(state, issue).await?;
    let facts = match &valid {
        ValidNomination::Crate(c) => match crate::crates_io::lookup(state, c.name.as_str()).await {
            crate::crates_io::Lookup::Found { facts, .. } => Some(facts),
            _ => None,
        },
        ValidNomination::Quote(_) => None,
    };
    let (editor_id, login) = actor(editor);
    let now = state.clock.now();
    let id = state
        .db
        .write(move |tx| {
            let id = nomination::insert(tx, &valid, week.issue, editor_id, facts.as_ref(), true, now)?;
            audit::record(
                tx,
                AuditEntry::new(&login, "editors_choice", &format!("nomination {id}"))
                    .by_user(editor_id)
                    .detail(format!("issue {}", week.issue)),
                now,
            )?;
            Ok(id)
        })
        .await?;
    pick(state, editor, id, Some(week.issue)).await.map(Ok)
}

/// Take back a pick while the week's issue is not yet published.
pub async fn unpick(
    state: &AppState,
    editor: &CurrentUser,
    issue: Option<i32>,
    category: Category,
) -> Result<i32, AppError> {
    let issue = target_week(state, issue).await?.issue;
    let (editor_id, login) = actor(editor);
    let now = state.clock.now();
    let unpicked = state
        .db
        .write(move |tx| {
            // Read inside the transaction: the cached open week may predate "publish".
            let week =
                week::find(tx, issue)?.ok_or_else(|| AppError::not_found(&format!("Issue {issue}")))?;
            if week.published_at.is_some() {
                return Err(AppError::conflict(
                    "published",
                    format!("Issue {issue} is published: its picks can no longer change."),
                ));
            }
            let Some(id) = pick::unpick(tx, issue, category, editor_id, now)? else {
                return Err(AppError::conflict(
                    "no_pick",
                    format!("Issue {issue} has no {} pick to take back.", category.as_str()),
                ));
            };
            audit::record(
                tx,
                AuditEntry::new(&login, "unpick", &format!("nomination {id}"))
                    .by_user(editor_id)
                    .detail(format!("issue {issue} {}", category.as_str())),
                now,
            )?;
            Ok(id)
        })
        .await?;
    Ok(unpicked)
}

/// Hide (or show again) a nomination, with a reason. The row stays.
pub async fn set_hidden(
    state: &AppState,
    editor: &CurrentUser,
    id: i32,
    hidden: bool,
    reason: Option<String>,
) -> Result<(), AppError> {
    let (editor_id, login) = actor(editor);
    let now = state.clock.now();
    state
        .db
        .write(move |tx| {
            let changed = nomination::set_hidden(tx, id, hidden, reason.as_deref())?;
            if changed == 0 {
                return Err(AppError::not_found("That nomination"));
            }
            let action = if hidden { "hide" } else { "unhide" };
            audit::record(
                tx,
                AuditEntry::new(&login, action, &format!("nomination {id}"))
                    .by_user(editor_id)
                    .reason(reason.as_deref()),
                now,
            )?;
            Ok(())
        })
        .await?;
    Ok(())
}

/// Ban (or unban) a user by login: their votes stop counting, their sessions end. Nothing is deleted.
pub async fn set_banned(
    state: &AppState,
    editor: &CurrentUser,
    login: &str,
    banned: bool,
    reason: Option<String>,
) -> Result<(), AppError> {
    let (editor_id, actor_login) = actor(editor);
    let now = state.clock.now();
    let login = login.to_string();
    let settings_editors = state.settings.editors.clone();
    state
        .db
        .write(move |tx| {
            let target = user::find_by_login(tx, &login)?
                .ok_or_else(|| AppError::not_found(&format!("The user {login}")))?;
            if target.id == editor_id && banned {
                return Err(AppError::conflict("self_ban", "You cannot ban yourself."));
            }
            if banned && user::is_editor(tx, target.id, &settings_editors)? {
                return Err(AppError::conflict(
                    "ban_editor",
                    "Editors cannot be banned here; an editor's role is revoked from the command line (twir-picks editor revoke).",
                ));
            }
            user::set_banned(tx, target.id, banned, reason.as_deref())?;
            let action = if banned { "ban" } else { "unban" };
            audit::record(
                tx,
                AuditEntry::new(&actor_login, action, &format!("user {}", target.login))
                    .by_user(editor_id)
                    .reason(reason.as_deref()),
                now,
            )?;
            Ok(())
        })
        .await?;
    Ok(())
}

/// Change the open week's issue number and/or cut-off (holiday breaks), or close it now.
pub async fn change_week(
    state: &AppState,
    editor: &CurrentUser,
    new_issue: Option<i32>,
    new_closes_at: Option<DateTime<Utc>>,
    reason: Option<String>,
) -> Result<Week, AppError> {
    let open = state.open_week_for_write().await?;
    let now = state.clock.now();
    let (editor_id, login) = actor(editor);
    let week = state
        .db
        .write(move |tx| {
            let changed = week::edit_open(tx, &open, new_issue, new_closes_at, now)?;
            audit::record(
                tx,
                AuditEntry::new(&login, "week_change", &format!("issue {}", open.issue))
                    .by_user(editor_id)
                    .reason(reason.as_deref())
                    .detail(format!(
                        "now issue {}, closing {}",
                        changed.issue,
                        ballot::rfc3339(changed.closes_at)
                    )),
                now,
            )?;
            Ok(changed)
        })
        .await?;
    Ok(week)
}

pub async fn close_week(state: &AppState, editor: &CurrentUser) -> Result<(Week, Week), AppError> {
    let now = state.clock.now();
    let calendar = state.settings.calendar;
    let (editor_id, login) = actor(editor);
    let pair = state
        .db
        .write(move |tx| {
            let (closed, opened) = week::close_now(tx, &calendar, now)?;
            audit::record(
                tx,
                AuditEntry::new(&login, "week_close", &format!("issue {}", closed.issue))
                    .by_user(editor_id)
                    .detail(format!("opened issue {}", opened.issue)),
                now,
            )?;
            Ok((closed, opened))
        })
        .await?;
    Ok(pair)
}

/// Mark an issue published: its picks are final (unpicking is refused from then on).
pub async fn publish(state: &AppState, editor: &CurrentUser, issue: i32) -> Result<(), AppError> {
    let now = state.clock.now();
    let (editor_id, login) = actor(editor);
    state
        .db
        .write(move |tx| {
            let changed = week::publish(tx, issue, now)?;
            if changed == 0 {
                return Err(AppError::conflict(
                    "published",
                    format!("Issue {issue} is unknown or already published."),
                ));
            }
            audit::record(
                tx,
                AuditEntry::new(&login, "publish", &format!("issue {issue}")).by_user(editor_id),
                now,
            )?;
            Ok(())
        })
        .await?;
    Ok(())
}

/// The week an editor action is about: `issue`, or the open week.
async fn target_week(state: &AppState, issue: Option<i32>) -> Result<Week, AppError> {
    let open = state.open_week_for_write().await?;
    match issue {
        None => Ok(open),
        Some(n) if n == open.issue => Ok(open),
        Some(n) => {
            state
                .db
                .read(move |conn| {
                    week::find(conn, n)?.ok_or_else(|| AppError::not_found(&format!("Issue {n}")))
                })
                .await
        }
    }
}
