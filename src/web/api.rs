//! The read-only JSON API under /api/v1: the same data and ranking as the pages.

use super::cached;
use super::extract::CurrentUser;
use super::memo::Memos;
use super::public;
use super::views::{EncodableCrate, EncodableForum, EncodableQuote, EncodableWeek};
use crate::domain::week::rfc3339;
use crate::error::AppError;
use crate::state::AppState;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;

/// `GET /api/v1/me` (docs/contract.md §3).
#[derive(Serialize)]
struct MeResponse<'a> {
    login: &'a str,
    name: Option<&'a str>,
    avatar_url: Option<&'a str>,
    is_editor: bool,
    can_vote: bool,
    banned: bool,
}

/// Who is logged in; 401 when nobody is.
#[get("/api/v1/me")]
pub async fn me_json(state: web::Data<AppState>, current: CurrentUser) -> HttpResponse {
    let now = state.clock.now();
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(MeResponse {
            login: &current.user.login,
            name: current.user.name.as_deref(),
            avatar_url: current.user.avatar_url.as_deref(),
            is_editor: current.is_editor,
            can_vote: current.can_vote(state.settings.min_account_age_days, now),
            banned: current.user.banned,
        })
}

#[get("/api/v1/weeks/current")]
pub async fn current_week_json(
    state: web::Data<AppState>,
    memos: web::Data<Memos>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let week = state.open_week().await?;
    let view = state
        .ballot
        .view(
            &state.db,
            &week,
            state.settings.ballot_weeks,
            &state.settings.calendar,
            state.clock.now(),
        )
        .await?;
    let body = memos.ballot.rendered("api-week", view.version, || {
        serde_json::to_vec(&EncodableWeek::from(&*view.ranked)).map_err(AppError::internal)
    })?;
    Ok(cached::respond(&req, &body, "application/json"))
}

#[get("/api/v1/weeks/{issue}")]
pub async fn week_json(state: web::Data<AppState>, issue: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let week = public::stored_week(&state, issue.into_inner()).await?;
    let ranked = public::ranked(&state, week).await?;
    Ok(HttpResponse::Ok().json(EncodableWeek::from(&*ranked)))
}

/// `GET /api/v1/nominations/{id}`: one nomination as on a ballot, without the week's counts
/// (it may be on several weeks' ballots), with where it belongs.
#[derive(Serialize)]
struct NominationResponse<'a> {
    nomination_id: i32,
    nominated_at: String,
    nominators: &'a [String],
    self_suggestion: bool,
    #[serde(rename = "crate", skip_serializing_if = "Option::is_none")]
    crate_: Option<EncodableCrate<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quote: Option<EncodableQuote<'a>>,
    issue: i32,
    category: &'a str,
    withdrawn: bool,
    permalink: &'a str,
    /// Suggested on the forum: the post, its poster, and its likes.
    #[serde(skip_serializing_if = "Option::is_none")]
    forum: Option<EncodableForum<'a>>,
}

#[get("/api/v1/nominations/{id}")]
pub async fn nomination_json(
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let entry = super::nomination_page::nomination_view(&state, id.into_inner(), false).await?;
    let permalink = state
        .settings
        .absolute(&format!("/nominations/{}", entry.nomination_id));
    Ok(HttpResponse::Ok().json(NominationResponse {
        nomination_id: entry.nomination_id,
        nominated_at: rfc3339(entry.nominated_at),
        nominators: &entry.nominators,
        self_suggestion: entry.self_suggestion,
        crate_: entry.crate_.as_ref().map(EncodableCrate::from),
        quote: entry.quote.as_ref().map(EncodableQuote::from),
        issue: entry.nomination.week_issue,
        category: entry.nomination.category.as_str(),
        withdrawn: entry.nomination.withdrawn,
        permalink: &permalink,
        forum: entry.forum.as_ref().map(EncodableForum::from),
    }))
}
