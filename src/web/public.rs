//! Public pages and probes.

use super::extract::Viewer;
use super::page;
use super::view;
use crate::error::AppError;
use crate::state::AppState;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde_json::json;

/// The process is up. Touches nothing: also the benchmarks' ceiling.
#[get("/livez")]
pub async fn livez() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// The database answers.
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let answered = state
        .db
        .run(|conn| conn.batch_execute("SELECT 1").map_err(AppError::from))
        .await;
    match answered {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ok", "database": "ok" })),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .json(json!({ "status": "unavailable", "database": "unavailable" }))
        }
    }
}

#[get("/")]
pub async fn index(
    state: web::Data<AppState>,
    viewer: Viewer,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let week = state.open_week().await?;
    let now = state.clock.now();
    let closes_at = week.closes_at.and_utc();
    let data = json!({
        "title": format!("This Week in Rust {}", week.issue),
        "week": {
            "issue": week.issue,
            "closes_at": closes_at.to_rfc3339(),
            "closes_at_human": view::human_time(closes_at),
            "closes_in": view::relative(closes_at, now),
            "publication_date": state.settings.calendar.publication_date(week.issue).format("%A %-d %B %Y").to_string(),
        },
        "categories": [
            { "key": "crate", "heading": "Crate of the Week", "entries": [] },
            { "key": "quote", "heading": "Quote of the Week", "entries": [] },
        ],
    });
    page::render(
        &state,
        page::site(&state, &viewer, &session),
        "index",
        StatusCode::OK,
        data,
    )
}

const STYLE: &str = include_str!("../../static/style.css");

#[get("/static/style.css")]
pub async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(STYLE)
}
