//! The read-only JSON API under /api/v1: the same data and ranking as the pages.

use super::cached;
use super::extract::CurrentUser;
use super::public;
use crate::error::AppError;
use crate::state::AppState;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde_json::json;

/// Who is logged in; 401 when nobody is.
#[get("/api/v1/me")]
pub async fn me_json(state: web::Data<AppState>, current: CurrentUser) -> HttpResponse {
    let now = state.clock.now();
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "login": current.user.login,
            "name": current.user.name,
            "avatar_url": current.user.avatar_url,
            "is_editor": current.is_editor,
            "can_vote": current.can_vote(state.settings.min_account_age_days, now),
            "banned": current.user.banned,
        }))
}

#[get("/api/v1/weeks/current")]
pub async fn current_week_json(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let week = state.open_week().await?;
    let view = state
        .ballot
        .view(&state.db, &week, state.settings.ballot_weeks)
        .await?;
    let body = state.ballot.rendered("api-week", &view, || {
        serde_json::to_vec(&*view.ranked).map_err(AppError::internal)
    })?;
    Ok(cached::respond(&req, &body, "application/json"))
}

#[get("/api/v1/weeks/{issue}")]
pub async fn week_json(state: web::Data<AppState>, issue: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let week = public::stored_week(&state, issue.into_inner()).await?;
    Ok(HttpResponse::Ok().json(&*public::ranked(&state, week).await?))
}

#[get("/api/v1/nominations/{id}")]
pub async fn nomination_json(
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let entry = public::nomination_view(&state, id.into_inner(), false).await?;
    let mut body = serde_json::to_value(&entry).map_err(AppError::internal)?;
    body["issue"] = json!(entry.nomination.week_issue);
    body["category"] = json!(entry.nomination.category);
    body["withdrawn"] = json!(entry.nomination.withdrawn);
    body["permalink"] = json!(state
        .settings
        .absolute(&format!("/nominations/{}", entry.nomination_id)));
    if let Some(object) = body.as_object_mut() {
        object.remove("rank");
        object.remove("votes");
        object.remove("earlier_votes");
    }
    Ok(HttpResponse::Ok().json(body))
}
