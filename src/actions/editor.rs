//! The editor's picks and weeks (docs/contract.md §2): pick, the editor's own choice, unpick, change or
//! close the open week, publish. Every action is written to the audit log in the same
//! transaction. The shortlist is `actions::shortlist`, moderation `actions::moderation`.

use crate::actor::CurrentUser;
use crate::domain::validate::{Category, NominationForm, ValidNomination};
use crate::error::AppError;
use crate::models::audit::{self, Entry as AuditEntry};
use crate::models::ballot;
use crate::models::nomination;
use crate::models::pick::{self, PickOutcome, Place};
use crate::models::week::{self, Week};
use crate::state::AppState;
use chrono::{DateTime, Utc};

pub(super) fn actor(editor: &CurrentUser) -> (i32, String) {
    (editor.user.id, editor.user.login.clone())
}

/// Pick a nomination on the ballot of `issue` (default: the open week), as the week's pick or
/// (`Place::Second`) as the second crate beside it.
pub async fn pick(
    state: &AppState,
    editor: &CurrentUser,
    nomination_id: i32,
    issue: Option<i32>,
    place: Place,
) -> Result<(i32, Category), AppError> {
    let week = target_week(state, issue).await?;
    let (editor_id, login) = actor(editor);
    let now = state.clock.now();
    let ballot_weeks = state.settings.ballot_weeks;
    let (settings, renderer) = (state.settings.clone(), state.attribution.clone());
    let result = state
        .db
        .write(move |tx| {
            let n = nomination::find(tx, nomination_id)?.ok_or_else(|| AppError::not_found("That nomination"))?;
            if !n.editors_choice
                && !ballot::is_on_ballot(tx, &n, &week, ballot_weeks)?
                && !crate::models::dry_week::may_pick_from_earlier(tx, &n, &week, ballot_weeks)?
            {
                return Err(AppError::conflict(
                    "not_on_ballot",
                    format!("This nomination is not on the ballot of issue {} (hidden, withdrawn, too old or already picked).", week.issue),
                ));
            }
            if place == Place::Second {
                let standing = pick::standing(tx, week.issue, n.category())?.len();
                if let Some(why) = crate::domain::ballot::second_pick_refusal(n.category(), standing) {
                    return Err(AppError::conflict("no_second_pick", why));
                }
            }
            match pick::pick(tx, &n, week.issue, place, editor_id, now)? {
                PickOutcome::Picked => {}
                PickOutcome::Taken { nomination_id } if nomination_id == n.id => {
                    return Err(AppError::conflict(
                        "already_picked",
                        format!("Nomination {nomination_id} is picked already."),
                    ))
                }
                PickOutcome::Taken { nomination_id } => {
                    return Err(AppError::conflict(
                        "already_picked",
                        format!(
                            "Issue {} already has a {} pick (nomination {nomination_id}). Unpick it first{}.",
                            week.issue,
                            n.category,
                            if n.category() == Category::Crate { ", or add this one as a second crate" } else { "" }
                        ),
                    ))
                }
            }
            audit::record(
                tx,
                AuditEntry::new(&login, "pick", &format!("nomination {}", n.id))
                    .by_user(editor_id)
                    .detail(format!(
                        "issue {} {}{}: {}",
                        week.issue,
                        n.category,
                        if place == Place::Second { " (second crate)" } else { "" },
                        n.title()
                    )),
                now,
            )?;
            // The winner goes to the webhooks once the issue is out, not before (the embargo).
            if crate::domain::week::picks_public(week.issue, week.published_at.is_some(), &settings.calendar, now) {
                queue_picked(tx, &renderer, &settings, week.issue)?;
            }
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
    credit_line: Option<String>,
    issue: Option<i32>,
    place: Place,
) -> Result<(i32, Category), AppError> {
    let valid = form
        .validate()
        .map_err(crate::actions::nominate::refusal::invalid)?;
    let week = target_week(state, issue).await?;
    let facts = match &valid {
        ValidNomination::Crate(c) => match crate::actions::crate_lookup::lookup(state, c.name.as_str()).await
        {
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
            nomination::set_credit_line(tx, id, credit_line.as_deref())?;
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
    pick(state, editor, id, Some(week.issue), place).await
}

/// Take back a category's picks (or only `nomination`'s) while the week's issue is not yet
/// published.
pub async fn unpick(
    state: &AppState,
    editor: &CurrentUser,
    issue: Option<i32>,
    category: Category,
    nomination: Option<i32>,
) -> Result<Vec<i32>, AppError> {
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
            let ids = pick::unpick(tx, issue, category, nomination, editor_id, now)?;
            if ids.is_empty() {
                return Err(AppError::conflict(
                    "no_pick",
                    format!("Issue {issue} has no {} pick to take back.", category.as_str()),
                ));
            }
            for id in &ids {
                audit::record(
                    tx,
                    AuditEntry::new(&login, "unpick", &format!("nomination {id}"))
                        .by_user(editor_id)
                        .detail(format!("issue {issue} {}", category.as_str())),
                    now,
                )?;
            }
            Ok(ids)
        })
        .await?;
    Ok(unpicked)
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
    let settings = state.settings.clone();
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
            let event = crate::domain::webhook::Event::week_opened(
                opened.issue,
                &crate::domain::week::human_time(opened.closes_at.and_utc()),
                settings.absolute("/"),
            );
            crate::actions::webhooks::queue(tx, &settings, &event)?;
            Ok((closed, opened))
        })
        .await?;
    Ok(pair)
}

/// Mark an issue published: its picks are final (unpicking is refused from then on).
pub async fn publish(state: &AppState, editor: &CurrentUser, issue: i32) -> Result<(), AppError> {
    let now = state.clock.now();
    let (editor_id, login) = actor(editor);
    let (settings, renderer) = (state.settings.clone(), state.attribution.clone());
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
            queue_picked(tx, &renderer, &settings, issue)?;
            Ok(())
        })
        .await?;
    Ok(())
}

/// `week.picked` for each standing pick of `issue`, with the attribution as the issue prints it;
/// queued once per pick however often this runs (the outbox's key).
pub fn queue_picked(
    tx: &mut crate::db::Tx<'_>,
    renderer: &crate::domain::attribution::Renderer,
    settings: &crate::settings::Settings,
    issue: i32,
) -> Result<(), AppError> {
    if settings.webhooks.is_empty() {
        return Ok(());
    }
    for c in Category::ALL {
        for p in pick::standing(tx.conn(), issue, c)? {
            let Some(n) = nomination::find(tx.conn(), p.nomination_id)? else {
                continue;
            };
            let credits = nomination::credits(tx.conn(), &[n.id])?
                .into_iter()
                .map(|(_, c)| c)
                .collect();
            let entry = crate::models::ballot::entry_of(n.clone(), credits);
            let attribution = crate::actions::shortlist::entry_markdown(renderer, settings, &entry);
            let event = crate::domain::webhook::Event::week_picked(
                issue,
                n.category.as_str(),
                n.category.heading(),
                n.id,
                &n.title(),
                attribution,
                settings.absolute(&format!("/nominations/{}", n.id)),
            );
            crate::actions::webhooks::queue(tx, settings, &event)?;
        }
    }
    Ok(())
}

/// The picks of the issue whose publication day has come, to the webhooks, when nobody marked
/// it published (the minute tick): a write only when one is missing from the outbox.
pub async fn announce_published_picks(state: &AppState) -> Result<(), AppError> {
    if state.settings.webhooks.is_empty() {
        return Ok(());
    }
    let issue = crate::domain::week::public_through(&state.settings.calendar, state.clock.now());
    let missing = state
        .db
        .read(move |conn| Ok(crate::models::outbox::picks_unannounced(conn, issue)?))
        .await?;
    if !missing {
        return Ok(());
    }
    let (settings, renderer) = (state.settings.clone(), state.attribution.clone());
    state
        .db
        .write(move |tx| queue_picked(tx, &renderer, &settings, issue))
        .await
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
