//! Public pages (the leaderboard, past weeks, a nomination, your own page) and probes.

use super::ballot_html;
use super::cached;
use super::extract::Viewer;
use super::memo::{Memos, PageMemo};
use super::page;
use super::stitched;
use super::view::{self, ballot::Personal};
use crate::cache::View;
use crate::error::AppError;
use crate::models::ballot::{self, RankedWeek};
use crate::models::vote;
use crate::models::week::{self, Week};
use crate::state::AppState;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// The process is up. Touches nothing: also the benchmarks' ceiling.
#[get("/livez")]
pub async fn livez() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// `GET /healthz`'s answer.
#[derive(Serialize)]
struct Health {
    status: &'static str,
    database: &'static str,
}

/// The database answers.
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    match state.db.ping().await {
        Ok(()) => HttpResponse::Ok().json(Health {
            status: "ok",
            database: "ok",
        }),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable().json(Health {
                status: "unavailable",
                database: "unavailable",
            })
        }
    }
}

/// A week's ranking as everyone sees it: the open week from memory, others from the database.
pub async fn ranked(state: &AppState, week: Week) -> Result<Arc<RankedWeek>, AppError> {
    Ok(ranked_view(state, week).await?.0)
}

/// The ranking with its cache version (`None` for weeks that are not cached).
pub async fn ranked_view(state: &AppState, week: Week) -> Result<(Arc<RankedWeek>, Option<View>), AppError> {
    let ballot_weeks = state.settings.ballot_weeks;
    if week.is_open_at(state.clock.now()) {
        let view = state
            .ballot
            .view(
                &state.db,
                &week,
                ballot_weeks,
                &state.settings.calendar,
                state.clock.now(),
            )
            .await?;
        return Ok((view.ranked.clone(), Some(view)));
    }
    let settings = state.settings.clone();
    let now = state.clock.now();
    let ranked = state
        .db
        .read(move |conn| {
            let audience = ballot::Audience::Public {
                calendar: &settings.calendar,
                now,
            };
            Ok(ballot::ranked_week(conn, &week, ballot_weeks, audience)?)
        })
        .await?;
    Ok((Arc::new(ranked), None))
}

/// This user's votes in week `issue`: from the open week's snapshot, else the database.
async fn my_votes(state: &AppState, user_id: i32, issue: i32) -> Result<HashMap<String, i32>, AppError> {
    if let Some(votes) = state.ballot.votes_of(issue, user_id) {
        return Ok(votes
            .into_iter()
            .map(|(c, n)| (c.as_str().to_string(), n))
            .collect());
    }
    Ok(state
        .db
        .read(move |conn| Ok(vote::mine(conn, user_id, issue)?))
        .await?
        .into_iter()
        .collect())
}

async fn week_page(
    state: &AppState,
    memo: &PageMemo,
    req: &HttpRequest,
    viewer: &Viewer,
    session: &Session,
    week: Week,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let is_open = week.is_open_at(now);
    let (ranked, view) = ranked_view(state, week.clone()).await?;
    let previous_stored = state.week_is_stored(week.issue - 1).await?;
    let mut personal = Personal::default();
    if let Some(current) = &viewer.0 {
        personal.user_id = Some(current.user.id);
        personal.can_vote = is_open && current.can_vote(state.settings.min_account_age_days, now);
        personal.votes = my_votes(state, current.user.id, week.issue).await?;
    }
    let logged_in = viewer.0.is_some();
    let render_with =
        |site: &page::Site, categories: Vec<ballot_html::BallotCategory>, your_votes: Option<String>| {
            let mut data = week_page_data(state, &week, &ranked, categories, logged_in, previous_stored);
            data.your_votes = your_votes;
            page::render_html(state, site, "index", &data)
        };
    let votes_line = (personal.can_vote).then(|| your_votes(&ranked, &personal));
    let render = || {
        let categories = ballot_html::categories(state, memo, &ranked, view.as_ref(), &personal, is_open)?;
        render_with(
            &page::site(state, viewer, session),
            categories,
            votes_line.clone(),
        )
    };
    match &view {
        // Everyone who is not logged in (and has no message waiting) sees the same page.
        Some(view) if !logged_in && !page::has_flash(session) => {
            let body = memo.rendered("home", view.version, || render().map(String::into_bytes))?;
            Ok(cached::respond(req, &body, "text/html; charset=utf-8"))
        }
        // A member's page is the shared one with their own few parts put in (`stitched`).
        Some(view) if !page::has_flash(session) => {
            let site = page::site(state, viewer, session);
            let line = votes_line.clone().unwrap_or_default();
            stitched::respond(
                state,
                memo,
                req,
                view,
                &site,
                &personal,
                is_open,
                &line,
                render_with,
            )
        }
        _ => page::html_response(StatusCode::OK, logged_in, render()?),
    }
}

/// "Your votes: Crate ✓ jiff · Quote: not yet": where a member stands, above the ballot.
fn your_votes(ranked: &RankedWeek, personal: &Personal) -> String {
    let parts: Vec<String> = crate::domain::validate::Category::ALL
        .iter()
        .map(|c| {
            let label = match c {
                crate::domain::validate::Category::Crate => "Crate",
                crate::domain::validate::Category::Quote => "Quote",
            };
            match personal.votes.get(c.as_str()).and_then(|id| ranked.entry(*id)) {
                Some(e) => format!("{label} ✓ {}", e.nomination.title()),
                None => format!("{label}: not yet"),
            }
        })
        .collect();
    format!("Your votes: {}", parts.join(" · "))
}

/// `templates/index.hbs`: a week's ballot.
#[derive(Serialize)]
struct WeekPage {
    title: String,
    og: page::OpenGraph,
    week: WeekHead,
    logged_in: bool,
    categories: Vec<ballot_html::BallotCategory>,
    /// A member who may vote: where their votes stand.
    your_votes: Option<String>,
}

#[derive(Serialize)]
struct WeekHead {
    issue: i32,
    is_open: bool,
    closes_at: String,
    closes_at_human: String,
    closes_in: String,
    publication_date: String,
    /// The week before, when it was stored (else no link: it would be a 404).
    previous: Option<i32>,
    next: i32,
}

fn week_page_data(
    state: &AppState,
    week: &Week,
    ranked: &RankedWeek,
    categories: Vec<ballot_html::BallotCategory>,
    logged_in: bool,
    previous_stored: bool,
) -> WeekPage {
    let now = state.clock.now();
    let closes_at = week.closes_at.and_utc();
    WeekPage {
        og: page::OpenGraph {
            title: format!("Crate and Quote of the Week for This Week in Rust {}", week.issue),
            description: format!(
                "The ranked ballot for This Week in Rust {}: nominate a crate or a quote, and vote.",
                week.issue
            ),
            url: state.settings.absolute(&format!("/weeks/{}", week.issue)),
        },
        title: format!("This Week in Rust {}", week.issue),
        week: WeekHead {
            issue: week.issue,
            is_open: week.is_open_at(now),
            closes_at: crate::domain::week::rfc3339(ranked.closes_at),
            closes_at_human: view::human_time(closes_at),
            closes_in: view::relative(closes_at, now),
            publication_date: state
                .settings
                .calendar
                .publication_date(week.issue)
                .format("%A %-d %B %Y")
                .to_string(),
            previous: previous_stored.then_some(week.issue - 1),
            next: week.issue + 1,
        },
        logged_in,
        categories,
        your_votes: None,
    }
}

#[get("/")]
pub async fn index(
    state: web::Data<AppState>,
    memos: web::Data<Memos>,
    req: HttpRequest,
    viewer: Viewer,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let week = state.open_week().await?;
    week_page(&state, &memos.ballot, &req, &viewer, &session, week).await
}

/// A week by issue number (404 when there is none): the open one as `AppState::open_week`
/// sees it, else the stored one. A stored week still marked open whose cut-off has passed is
/// shown closed: rollover is due, and a read does not do it.
pub async fn stored_week(state: &AppState, issue: i32) -> Result<Week, AppError> {
    let open = state.open_week().await?;
    if issue == open.issue {
        return Ok(open);
    }
    let mut found = state
        .db
        .read(move |conn| {
            week::find(conn, issue)?.ok_or_else(|| AppError::not_found(&format!("Issue {issue}")))
        })
        .await?;
    found.status = week::WeekStatus::Closed;
    Ok(found)
}

#[get("/weeks/{issue}")]
pub async fn issue_page(
    state: web::Data<AppState>,
    memos: web::Data<Memos>,
    viewer: Viewer,
    session: Session,
    issue: web::Path<i32>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let issue = issue.into_inner();
    match stored_week(&state, issue).await {
        Ok(week) => week_page(&state, &memos.ballot, &req, &viewer, &session, week).await,
        // An issue from before this site: what it printed, from the imported history.
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            super::archive::imported_issue_page(&state, &viewer, &session, issue).await
        }
        Err(e) => Err(e),
    }
}
