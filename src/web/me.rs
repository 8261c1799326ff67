//! `/me`: a member's own nominations and votes this week.

use super::extract::{CurrentUser, Viewer};
use super::page;
use crate::error::AppError;
use crate::models::{nomination, vote};
use crate::state::AppState;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;

/// `templates/me.hbs`: a member's own nominations and votes.
#[derive(Serialize)]
struct MePage<'a> {
    title: &'static str,
    issue: i32,
    nominations: Vec<MyNomination>,
    votes: Vec<MyVote<'a>>,
    can_vote: bool,
    min_account_age_days: i64,
    banned: bool,
    /// The account deletion form, when it came back refused.
    delete: Option<DeleteForm>,
}

/// What was typed into the deletion form, and why it was refused.
#[derive(Serialize)]
pub struct DeleteForm {
    pub typed: String,
    pub error: String,
}

#[derive(Serialize)]
struct MyNomination {
    id: i32,
    category: &'static str,
    title: String,
    issue: i32,
    hidden: bool,
    withdrawn: bool,
    /// Made by this member (not only co-nominated).
    mine: bool,
}

#[derive(Serialize)]
struct MyVote<'a> {
    category: &'a str,
    nomination_id: i32,
    /// The crate's name or the quote's author.
    title: String,
}

#[get("/me")]
pub async fn me_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    session: Session,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    render(&state, &viewer, &session, &current, None, StatusCode::OK).await
}

/// The member's page, with the deletion form as it came back (if it did).
pub async fn render(
    state: &AppState,
    viewer: &Viewer,
    session: &Session,
    current: &CurrentUser,
    delete: Option<DeleteForm>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let week = state.open_week().await?;
    let user_id = current.user.id;
    let issue = week.issue;
    let (mine, votes, voted_for) = state
        .db
        .read(move |conn| {
            let votes = vote::mine(conn, user_id, issue)?;
            let ids: Vec<i32> = votes.iter().map(|(_, id)| *id).collect();
            Ok((
                nomination::by_user(conn, user_id)?,
                votes,
                nomination::find_many(conn, &ids)?,
            ))
        })
        .await?;
    let now = state.clock.now();
    let data = MePage {
        title: "Your page",
        issue,
        nominations: mine
            .iter()
            .map(|n| MyNomination {
                id: n.id,
                category: n.category.as_str(),
                title: n.title(),
                issue: n.week_issue,
                hidden: n.hidden,
                withdrawn: n.withdrawn,
                mine: n.nominated_by == user_id,
            })
            .collect(),
        votes: votes
            .iter()
            .map(|(category, id)| MyVote {
                category,
                nomination_id: *id,
                title: voted_for
                    .iter()
                    .find(|n| n.id == *id)
                    .map(|n| n.title())
                    .unwrap_or_else(|| format!("nomination {id}")),
            })
            .collect(),
        can_vote: current.can_vote(state.settings.min_account_age_days, now),
        min_account_age_days: state.settings.min_account_age_days,
        banned: current.user.banned,
        delete,
    };
    page::render(state, page::site(state, viewer, session), "me", status, &data)
}
