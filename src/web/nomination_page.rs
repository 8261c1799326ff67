//! A nomination's permalink page: everything known about it, a vote button for those who may,
//! the badge to paste into a README, and a link preview.

use super::extract::Viewer;
use super::page;
use super::view::{self, ballot::Personal};
use super::views::{EncodableCrate, EncodableQuote};
use crate::error::AppError;
use crate::models::ballot::{self};
use crate::models::{nomination, vote};
use crate::state::AppState;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;

/// One nomination with everything known about it, as everyone may see it.
pub async fn nomination_view(
    state: &AppState,
    id: i32,
    include_hidden: bool,
) -> Result<ballot::Entry, AppError> {
    let found = state
        .db
        .read(move |conn| {
            let Some(n) = nomination::find(conn, id)? else {
                return Ok(None);
            };
            let credits = nomination::credits(conn, &[id])?
                .into_iter()
                .map(|(_, c)| c)
                .collect();
            Ok(Some(ballot::entry_of(n, credits)))
        })
        .await?;
    match found {
        Some(entry) if include_hidden || !entry.nomination.hidden => Ok(entry),
        _ => Err(AppError::not_found("That nomination")),
    }
}

/// One line about a nomination, for search engines and link previews.
fn nomination_description(entry: &ballot::Entry) -> String {
    let text = match (&entry.crate_, &entry.quote) {
        (Some(c), _) => format!(
            "{}, {}. Vote for it as This Week in Rust's Crate of the Week.",
            c.name, c.pitch
        ),
        (_, Some(q)) => format!("“{}” — {} {}", q.text, q.author, q.where_said),
        _ => String::new(),
    };
    text.chars().take(200).collect()
}

/// `templates/nomination.hbs`: one nomination's permalink page.
#[derive(Serialize)]
struct NominationPage<'a> {
    title: String,
    entry: NominationSummary<'a>,
    #[serde(rename = "crate")]
    crate_: Option<EncodableCrate<'a>>,
    quote: Option<EncodableQuote<'a>>,
    issue: i32,
    nominated_at: String,
    credits: &'a [nomination::Credit],
    permalink: String,
    description: String,
    og: page::OpenGraph,
    /// For a crate: the README badge's markdown.
    badge_markdown: Option<String>,
    /// The editors reworded it (the nominator's own words are kept).
    wording_edited: bool,
    /// Where it stands on the open week's ballot, while it is on it.
    standing: Option<Standing>,
    /// Why it left the ballot when that was not its nominator's doing.
    withdrawn_reason: Option<&'a str>,
    /// The issue it won, once that issue is out.
    won_in: Option<i32>,
    /// `/login?next=` back to this page, for a visitor.
    login_here: String,
}

/// A nomination's place on this week's ballot.
#[derive(Serialize)]
struct Standing {
    issue: i32,
    rank: usize,
    votes: i64,
    closes_at_human: String,
    closes_in: String,
}

#[derive(Serialize)]
struct NominationSummary<'a> {
    #[serde(flatten)]
    entry: view::ballot::EntryView<'a>,
    withdrawn: bool,
}

#[get("/nominations/{id}")]
pub async fn nomination_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    session: Session,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let is_editor = viewer.0.as_ref().is_some_and(|u| u.is_editor);
    let entry = nomination_view(&state, id.into_inner(), is_editor).await?;
    let week = state.open_week().await?;
    let now = state.clock.now();
    let mut personal = Personal::default();
    if let Some(current) = &viewer.0 {
        let (user_id, issue) = (current.user.id, week.issue);
        personal.user_id = Some(user_id);
        personal.votes = state
            .db
            .read(move |conn| Ok(vote::mine(conn, user_id, issue)?))
            .await?
            .into_iter()
            .collect();
        let n = entry.nomination.clone();
        let week = week.clone();
        let ballot_weeks = state.settings.ballot_weeks;
        let on_ballot = state
            .db
            .read(move |conn| Ok(ballot::is_on_ballot(conn, &n, &week, ballot_weeks)?))
            .await?;
        personal.can_vote = on_ballot && current.can_vote(state.settings.min_account_age_days, now);
    }
    let standing = {
        let view = state
            .ballot
            .view(
                &state.db,
                &week,
                state.settings.ballot_weeks,
                &state.settings.calendar,
                now,
            )
            .await?;
        view.ranked.entry(entry.nomination_id).map(|e| Standing {
            issue: week.issue,
            rank: e.rank,
            votes: e.votes,
            closes_at_human: view::human_time(week.closes_at.and_utc()),
            closes_in: view::relative(week.closes_at.and_utc(), now),
        })
    };
    let won_in = {
        let id = entry.nomination_id;
        let through = crate::domain::week::public_through(&state.settings.calendar, now);
        state
            .db
            .read(move |conn| Ok(crate::models::pick::picks_among(conn, &[id])?))
            .await?
            .into_iter()
            .find(|p| p.published_at.is_some() || p.issue <= through)
            .map(|p| p.issue)
    };
    let summary = view::ballot::entry(&entry, &personal, None);
    let summary_title = summary.title.clone();
    let permalink = state
        .settings
        .absolute(&format!("/nominations/{}", entry.nomination_id));
    let data = NominationPage {
        title: summary.title.clone(),
        entry: NominationSummary {
            entry: summary,
            withdrawn: entry.nomination.withdrawn,
        },
        crate_: entry.crate_.as_ref().map(EncodableCrate::from),
        quote: entry.quote.as_ref().map(EncodableQuote::from),
        issue: entry.nomination.week_issue,
        nominated_at: view::human_time(entry.nomination.created_at.and_utc()),
        credits: &entry.credits,
        permalink: permalink.clone(),
        description: nomination_description(&entry),
        og: page::OpenGraph {
            // "Nominated for…" until the pick is public, then what it won.
            title: match won_in {
                Some(issue) => format!(
                    "{summary_title} · {}, This Week in Rust {issue}",
                    entry.nomination.category.heading()
                ),
                None => format!(
                    "{summary_title} · Nominated for {}, This Week in Rust {}",
                    entry.nomination.category.heading(),
                    entry.nomination.week_issue
                ),
            },
            description: nomination_description(&entry),
            url: permalink.clone(),
        },
        wording_edited: {
            let id = entry.nomination_id;
            state
                .db
                .read(move |conn| Ok(crate::models::wording::is_edited(conn, id)?))
                .await?
        },
        standing,
        withdrawn_reason: entry.nomination.withdrawn_reason.as_deref(),
        won_in,
        login_here: format!(
            "/login?next={}",
            url::form_urlencoded::byte_serialize(format!("/nominations/{}", entry.nomination_id).as_bytes())
                .collect::<String>()
        ),
        badge_markdown: entry.crate_.as_ref().map(|c| {
            format!(
                "[![Crate of the Week]({})]({permalink})",
                state.settings.absolute(&format!("/badges/crates/{}.svg", c.name)),
            )
        }),
    };
    page::render(
        &state,
        page::site(&state, &viewer, &session),
        "nomination",
        StatusCode::OK,
        &data,
    )
}
