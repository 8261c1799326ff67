//! The editor's actions from the desk: picks, moderation, week changes. Every handler takes
//! an `Editor`, so the role is checked on the server for each route; every action answers
//! with a redirect back to the desk (the desk itself is `web::desk`).

use super::desk::parse_issue;
use super::extract::Editor;
use super::page;
use crate::actions::editor;
use crate::actions::moderation;
use crate::actions::propose_draft;
use crate::domain::validate::{self, Category, NominationForm};
use crate::error::AppError;
use crate::models::pick::Place;
use crate::state::AppState;
use actix_session::Session;
use actix_web::{post, web, HttpResponse};
use chrono::{NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

fn optional_reason(raw: &str) -> Result<Option<String>, AppError> {
    validate::optional_text(raw, 500, "the reason").map_err(|e| AppError::unprocessable("invalid_reason", e))
}

fn back_to_desk(issue: i32, anchor: &str) -> HttpResponse {
    page::see_other(&format!("/editor?issue={issue}#{anchor}"))
}

/// `nomination_id` (pick it), or `category` with the nomination fields (an editor's own
/// choice); optional `issue` (default: the open week) and `second` (any value: the week's
/// second crate, beside the standing pick).
#[derive(Deserialize)]
pub struct PickForm {
    #[serde(default)]
    nomination_id: String,
    #[serde(default)]
    issue: String,
    #[serde(default)]
    second: String,
    /// An editor's own choice: the credit line as the editor words it (empty: the template's).
    #[serde(default)]
    credit: String,
    #[serde(flatten)]
    nomination: NominationForm,
}

#[post("/editor/picks")]
pub async fn pick(
    state: web::Data<AppState>,
    editor: Editor,
    session: Session,
    form: web::Form<PickForm>,
) -> Result<HttpResponse, AppError> {
    let issue = parse_issue(Some(&form.issue))?;
    let place = if form.second.trim().is_empty() {
        Place::First
    } else {
        Place::Second
    };
    let (issue, category) = if form.nomination_id.trim().is_empty() {
        let credit = validate::optional_text(&form.credit, 300, "the credit line")
            .map_err(|e| AppError::unprocessable("invalid_credit", e).on_field("credit"))?;
        editor::pick_own_choice(&state, &editor.0, &form.nomination, credit, issue, place).await?
    } else {
        let id: i32 = form.nomination_id.trim().parse().map_err(|_| {
            AppError::unprocessable(
                "invalid_nomination_id",
                "nomination_id must be the number of a nomination.",
            )
        })?;
        editor::pick(&state, &editor.0, id, issue, place).await?
    };
    page::flash(
        &session,
        format!("Picked for issue {issue}. The whole section is ready to copy."),
    );
    // Straight to the section, which the desk's script copies (or selects) at once.
    Ok(back_to_desk(issue, &format!("section-{}", category.as_str())))
}

#[derive(Deserialize)]
pub struct UnpickForm {
    #[serde(default)]
    issue: String,
    #[serde(default)]
    category: String,
    /// Only this nomination's pick (one crate of two); empty: the category's picks.
    #[serde(default)]
    nomination_id: String,
}

#[post("/editor/unpick")]
pub async fn unpick(
    state: web::Data<AppState>,
    editor: Editor,
    session: Session,
    form: web::Form<UnpickForm>,
) -> Result<HttpResponse, AppError> {
    let issue = parse_issue(Some(&form.issue))?;
    let category = Category::parse(&form.category)
        .ok_or_else(|| AppError::unprocessable("invalid_category", "category must be crate or quote."))?;
    let nomination = match form.nomination_id.trim() {
        "" => None,
        id => Some(id.parse::<i32>().map_err(|_| {
            AppError::unprocessable(
                "invalid_nomination_id",
                "nomination_id must be the number of a nomination.",
            )
        })?),
    };
    editor::unpick(&state, &editor.0, issue, category, nomination).await?;
    let issue = match issue {
        Some(n) => n,
        None => state.open_week().await?.issue,
    };
    page::flash(
        &session,
        "The pick is taken back; the nomination is on the ballot again.",
    );
    Ok(back_to_desk(issue, category.as_str()))
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    issue: String,
}

#[post("/editor/nominations/{id}/hide")]
pub async fn hide(
    state: web::Data<AppState>,
    editor: Editor,
    session: Session,
    id: web::Path<i32>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let reason = optional_reason(&form.reason)?;
    moderation::set_hidden(&state, &editor.0, id.into_inner(), true, reason).await?;
    page::flash(
        &session,
        "Hidden. It is off the ballot and its votes no longer count; nothing was deleted.",
    );
    desk_after(&state, &form.issue).await
}

#[post("/editor/nominations/{id}/unhide")]
pub async fn unhide(
    state: web::Data<AppState>,
    editor: Editor,
    session: Session,
    id: web::Path<i32>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let reason = optional_reason(&form.reason)?;
    moderation::set_hidden(&state, &editor.0, id.into_inner(), false, reason).await?;
    page::flash(&session, "Shown again on the ballot.");
    desk_after(&state, &form.issue).await
}

async fn desk_after(state: &AppState, issue: &str) -> Result<HttpResponse, AppError> {
    let issue = match parse_issue(Some(issue))? {
        Some(n) => n,
        None => state.open_week().await?.issue,
    };
    Ok(back_to_desk(issue, "top"))
}

#[derive(Deserialize)]
pub struct BanForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    reason: String,
}

async fn ban_or_unban(
    state: &AppState,
    editor: &Editor,
    session: &Session,
    form: &BanForm,
    banned: bool,
) -> Result<HttpResponse, AppError> {
    let login =
        validate::github_login(&form.login).map_err(|e| AppError::unprocessable("invalid_login", e))?;
    let reason = optional_reason(&form.reason)?;
    moderation::set_banned(state, &editor.0, &login, banned, reason).await?;
    page::flash(
        session,
        if banned {
            format!("{login} is banned: their votes no longer count and their sessions have ended.")
        } else {
            format!("{login} is no longer banned.")
        },
    );
    Ok(page::see_other("/editor#moderation"))
}

#[post("/editor/users/ban")]
pub async fn ban(
    state: web::Data<AppState>,
    editor: Editor,
    session: Session,
    form: web::Form<BanForm>,
) -> Result<HttpResponse, AppError> {
    ban_or_unban(&state, &editor, &session, &form, true).await
}

#[post("/editor/users/unban")]
pub async fn unban(
    state: web::Data<AppState>,
    editor: Editor,
    session: Session,
    form: web::Form<BanForm>,
) -> Result<HttpResponse, AppError> {
    ban_or_unban(&state, &editor, &session, &form, false).await
}

#[derive(Deserialize)]
pub struct WeekForm {
    #[serde(default)]
    issue: String,
    /// `YYYY-MM-DDTHH:MM` (UTC), as an `<input type="datetime-local">` sends it.
    #[serde(default)]
    closes_at: String,
    #[serde(default)]
    reason: String,
}

fn parse_utc_minute(raw: &str) -> Result<Option<chrono::DateTime<Utc>>, AppError> {
    let raw = raw.trim().trim_end_matches('Z');
    if raw.is_empty() {
        return Ok(None);
    }
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map(|t| Some(Utc.from_utc_datetime(&t)))
        .map_err(|_| {
            AppError::unprocessable(
                "invalid_closes_at",
                "closes_at must be a UTC time as YYYY-MM-DDTHH:MM.",
            )
        })
}

#[post("/editor/week")]
pub async fn change_week(
    state: web::Data<AppState>,
    editor: Editor,
    session: Session,
    form: web::Form<WeekForm>,
) -> Result<HttpResponse, AppError> {
    let issue = parse_issue(Some(&form.issue))?;
    let closes_at = parse_utc_minute(&form.closes_at)?;
    let reason = optional_reason(&form.reason)?;
    let week = editor::change_week(&state, &editor.0, issue, closes_at, reason).await?;
    page::flash(
        &session,
        format!(
            "The open week is issue {}, closing {} UTC.",
            week.issue,
            week.closes_at.format("%Y-%m-%d %H:%M")
        ),
    );
    Ok(back_to_desk(week.issue, "top"))
}

#[post("/editor/week/close")]
pub async fn close_week(
    state: web::Data<AppState>,
    editor: Editor,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let (closed, opened) = editor::close_week(&state, &editor.0).await?;
    page::flash(
        &session,
        format!(
            "Voting for issue {} is closed; issue {} is open.",
            closed.issue, opened.issue
        ),
    );
    Ok(back_to_desk(closed.issue, "top"))
}

#[post("/editor/weeks/{issue}/publish")]
pub async fn publish(
    state: web::Data<AppState>,
    editor: Editor,
    session: Session,
    issue: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let issue = issue.into_inner();
    editor::publish(&state, &editor.0, issue).await?;
    page::flash(
        &session,
        format!("Issue {issue} is marked published; its picks are final."),
    );
    Ok(back_to_desk(issue, "top"))
}

#[derive(Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    issue: String,
}

/// Propose the week's sections to This Week in Rust's draft as a pull request. Success and
/// failure alike come back to the desk, which says what happened.
#[post("/editor/draft")]
pub async fn propose_to_draft(
    state: web::Data<AppState>,
    editor: Editor,
    session: Session,
    form: web::Form<DraftForm>,
) -> Result<HttpResponse, AppError> {
    let issue = match parse_issue(Some(&form.issue))? {
        Some(issue) => issue,
        None => state.open_week().await?.issue,
    };
    let proposer = propose_draft::Proposer {
        login: editor.0.user.login.clone(),
        user_id: Some(editor.0.user.id),
    };
    match propose_draft::propose(&state, proposer, issue).await {
        Ok(proposed) => page::flash(
            &session,
            format!(
                "{} pull request #{}: {}",
                if proposed.updated { "Updated the" } else { "Opened" },
                proposed.number,
                proposed.url
            ),
        ),
        // Not set up, or no such issue: an error page, as for any other route.
        Err(e) if e.status == actix_web::http::StatusCode::NOT_FOUND => return Err(e),
        Err(e) => page::flash(&session, e.message),
    }
    Ok(page::see_other(&format!("/editor?issue={issue}#draft")))
}
