//! The read-only JSON API under /api/v1: the same data and ranking as the pages.

use super::extract::CurrentUser;
use crate::state::AppState;
use actix_web::{get, web, HttpResponse};
use serde_json::json;

/// Who is logged in; 401 when nobody is.
#[get("/api/v1/me")]
pub async fn me(state: web::Data<AppState>, current: CurrentUser) -> HttpResponse {
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
