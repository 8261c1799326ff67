//! The public archive of winners: a page, JSON, and an Atom feed.

use super::cached;
use super::extract::Viewer;
use super::memo::Memos;
use super::page;
use crate::actions::shortlist::entry_markdown;
use crate::error::AppError;
use crate::models::ballot;
use crate::models::nomination;
use crate::models::pick::{self, Winner};
use crate::state::AppState;
use actix_session::Session;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use atom_syndication::{Content, Entry, Feed, FixedDateTime, Link, Person, Text};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const PER_PAGE: i64 = 50;

/// The highest page number accepted: far beyond any archive, small enough that no offset
/// overflows (and none is negative, which PostgreSQL refuses).
const MAX_PAGE: i64 = 100_000;

/// `?page=N`: 1 when absent, 400 unless 1 ≤ N ≤ `MAX_PAGE`.
fn page_number(raw: Option<&str>) -> Result<i64, AppError> {
    match raw {
        None => Ok(1),
        Some(p) => p
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                AppError::bad_request(format!("page must be a page number from 1 to {MAX_PAGE}."))
            }),
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

/// Winners with their attribution markdown (rendered for picks made here, as published for
/// imported history).
async fn winners_with_attribution(
    state: &AppState,
    limit: i64,
    offset: i64,
) -> Result<(Vec<(Winner, String)>, i64), AppError> {
    let public_through = crate::domain::week::public_through(&state.settings.calendar, state.clock.now());
    let (winners, total, entries) = state
        .db
        .read(move |conn| {
            let (winners, total) = pick::winners(conn, limit, offset, public_through)?;
            let ids: Vec<i32> = winners.iter().filter_map(|w| w.nomination_id).collect();
            let mut credits: HashMap<i32, Vec<_>> = HashMap::new();
            for (id, c) in nomination::credits(conn, &ids)? {
                credits.entry(id).or_default().push(c);
            }
            let mut entries = HashMap::new();
            for n in nomination::find_many(conn, &ids)? {
                let id = n.id;
                entries.insert(id, ballot::entry_of(n, credits.remove(&id).unwrap_or_default()));
            }
            Ok((winners, total, entries))
        })
        .await?;
    let out = winners
        .into_iter()
        .map(|w| {
            let markdown = match w.nomination_id.and_then(|id| entries.get(&id)) {
                Some(entry) => entry_markdown(&state.attribution, &state.settings, entry),
                None => w.body.clone().unwrap_or_default(),
            };
            (w, markdown)
        })
        .collect();
    Ok((out, total))
}

/// `/weeks/{n}` of an issue from before this site: its imported Crate and Quote of the Week as
/// `/winners` shows them; a 404 when nothing of it was imported either.
pub async fn imported_issue_page(
    state: &AppState,
    viewer: &Viewer,
    session: &Session,
    issue: i32,
) -> Result<HttpResponse, AppError> {
    let featured = state
        .db
        .read(move |conn| Ok(crate::models::history::of_issue(conn, issue)?))
        .await?;
    if featured.is_empty() {
        return Err(AppError::not_found(&format!("Issue {issue}")));
    }
    let winners: Vec<(Winner, String)> = featured
        .into_iter()
        .map(|f| {
            let winner = Winner {
                issue: f.issue,
                category: f.category,
                name: f.name,
                url: f.url,
                nomination_id: None,
                body: Some(f.body.clone()),
                credits: f.credits,
                at: f.imported_at,
            };
            (winner, f.body)
        })
        .collect();
    let title = format!("This Week in Rust {issue}");
    let data = WinnersPage {
        og: page::OpenGraph {
            title: format!("Crate and Quote of the Week in {title}"),
            description: format!("What {title} featured as Crate and Quote of the Week."),
            url: state.settings.absolute(&format!("/weeks/{issue}")),
        },
        title: "Winners",
        page_heading: Some(title),
        winners: cards(state, &winners).await?,
        newer: None,
        older: None,
    };
    page::render(
        state,
        page::site(state, viewer, session),
        "winners",
        StatusCode::OK,
        &data,
    )
}

/// `templates/winners.hbs`.
#[derive(Serialize)]
struct WinnersPage<'a> {
    title: &'static str,
    /// A page of one issue: its heading instead of "Winners".
    page_heading: Option<String>,
    og: page::OpenGraph,
    winners: Vec<WinnerItem<'a>>,
    newer: Option<i64>,
    older: Option<i64>,
}

#[derive(Serialize)]
struct WinnerItem<'a> {
    issue: i32,
    heading: &'static str,
    name: &'a str,
    url: Option<&'a str>,
    nomination_id: Option<i32>,
    credits: Option<String>,
    /// What won: the crate's pitch or the quote (as text), worth sharing on its own.
    words: Option<String>,
    is_quote: bool,
    /// The issue on This Week in Rust's site.
    issue_url: String,
}

/// This Week in Rust's page of issue `issue`, published on `date`.
fn issue_url(issue: i32, date: chrono::NaiveDate) -> String {
    format!(
        "https://this-week-in-rust.org/blog/{}/this-week-in-rust-{issue}/",
        date.format("%Y/%m/%d")
    )
}

/// The cards of `/winners`: each winner with its words and its credits.
async fn cards<'a>(
    state: &AppState,
    winners: &'a [(Winner, String)],
) -> Result<Vec<WinnerItem<'a>>, AppError> {
    let ids: Vec<i32> = winners.iter().filter_map(|(w, _)| w.nomination_id).collect();
    let entries: HashMap<i32, crate::models::ballot::Entry> = state
        .db
        .read(move |conn| {
            let mut credits: HashMap<i32, Vec<_>> = HashMap::new();
            for (id, c) in nomination::credits(conn, &ids)? {
                credits.entry(id).or_default().push(c);
            }
            Ok(nomination::find_many(conn, &ids)?
                .into_iter()
                .map(|n| {
                    let id = n.id;
                    (id, ballot::entry_of(n, credits.remove(&id).unwrap_or_default()))
                })
                .collect())
        })
        .await?;
    Ok(winners
        .iter()
        .map(|(w, _)| {
            let entry = w.nomination_id.and_then(|id| entries.get(&id));
            let words = match entry {
                Some(e) => e
                    .quote
                    .as_ref()
                    .map(|q| q.text.clone())
                    .or_else(|| e.crate_.as_ref().map(|c| c.pitch.clone())),
                None => w.body.as_deref().map(excerpt),
            };
            let credits = match entry {
                Some(e) if !e.credits.is_empty() => Some(
                    e.credits
                        .iter()
                        .map(|c| match &c.forum {
                            Some(_) => format!("{} on the forum", c.name),
                            None => c.name.clone(),
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                _ => w.credits.clone(),
            };
            WinnerItem {
                issue: w.issue,
                heading: w.category.heading(),
                name: &w.name,
                url: w.url.as_deref(),
                nomination_id: w.nomination_id,
                credits,
                words,
                is_quote: w.category == crate::domain::validate::Category::Quote,
                issue_url: issue_url(w.issue, state.settings.calendar.publication_date(w.issue)),
            }
        })
        .collect())
}

/// An imported section as a short text: its markdown's words, without the heading and links.
fn excerpt(markdown: &str) -> String {
    let mut text = String::new();
    for event in pulldown_cmark::Parser::new(markdown) {
        match event {
            pulldown_cmark::Event::Text(t) | pulldown_cmark::Event::Code(t) => text.push_str(&t),
            pulldown_cmark::Event::SoftBreak | pulldown_cmark::Event::HardBreak => text.push(' '),
            pulldown_cmark::Event::End(pulldown_cmark::TagEnd::Paragraph) => text.push(' '),
            pulldown_cmark::Event::End(pulldown_cmark::TagEnd::Heading(_)) => text.clear(),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(280) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[get("/winners")]
pub async fn winners_page(
    state: web::Data<AppState>,
    memos: web::Data<Memos>,
    req: HttpRequest,
    viewer: Viewer,
    session: Session,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let anonymous = viewer.0.is_none() && !page::has_flash(&session);
    let page_no = page_number(query.page.as_deref())?;
    let key = format!("winners-page-{page_no}");
    // Read before the data: a change while this page is built leaves it stale, not kept.
    let changes = state.changes.now();
    if anonymous {
        if let Some(body) = memos.archive.get(&key, changes).await {
            return Ok(cached::respond(&req, &body, "text/html; charset=utf-8"));
        }
    }
    let (winners, total) = winners_with_attribution(&state, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
    let data = WinnersPage {
        og: page::OpenGraph {
            title: "Every Crate and Quote of the Week in This Week in Rust".into(),
            description: "Ten years of This Week in Rust's Crate and Quote of the Week, newest first.".into(),
            url: state.settings.absolute("/winners"),
        },
        title: "Winners",
        page_heading: None,
        winners: cards(&state, &winners).await?,
        newer: (page_no > 1).then_some(page_no - 1),
        older: (page_no * PER_PAGE < total).then_some(page_no + 1),
    };
    let html = page::render_html(&state, &page::site(&state, &viewer, &session), "winners", &data)?;
    if anonymous {
        let body = memos.archive.put(&key, changes, html.into_bytes());
        return Ok(cached::respond(&req, &body, "text/html; charset=utf-8"));
    }
    page::html_response(StatusCode::OK, true, html)
}

/// One entry of `GET /api/v1/winners` (docs/contract.md §3).
#[derive(serde::Serialize)]
struct WinnerResponse<'a> {
    issue: i32,
    category: &'a str,
    name: &'a str,
    url: Option<&'a str>,
    attribution: &'a str,
    /// The nomination behind a pick made here; null for imported history.
    nomination_id: Option<i32>,
}

/// Winners per page of `GET /api/v1/winners`: the whole archive (about 1,100 picks in ten
/// years) takes a few pages, which the `Link` header chains.
const API_PER_PAGE: i64 = 500;

#[get("/api/v1/winners")]
pub async fn winners_json(
    state: web::Data<AppState>,
    memos: web::Data<Memos>,
    req: HttpRequest,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page_no = page_number(query.page.as_deref())?;
    let key = format!("winners-json-{page_no}");
    let total_key = "winners-json-total";
    let changes = state.changes.now();
    let cached = memos
        .archive
        .get(&key, changes)
        .await
        .zip(memos.archive.get(total_key, changes).await);
    let (body, total) = match cached {
        Some((body, total)) => (
            body,
            String::from_utf8_lossy(&total.plain).parse::<i64>().unwrap_or(0),
        ),
        None => {
            let (winners, total) =
                winners_with_attribution(&state, API_PER_PAGE, (page_no - 1) * API_PER_PAGE).await?;
            let list: Vec<WinnerResponse> = winners
                .iter()
                .map(|(w, markdown)| WinnerResponse {
                    issue: w.issue,
                    category: w.category.as_str(),
                    name: &w.name,
                    url: w.url.as_deref(),
                    attribution: markdown,
                    nomination_id: w.nomination_id,
                })
                .collect();
            let body = memos.archive.put(
                &key,
                changes,
                serde_json::to_vec(&list).map_err(AppError::internal)?,
            );
            memos
                .archive
                .put(total_key, changes, total.to_string().into_bytes());
            (body, total)
        }
    };
    let mut response = cached::respond(&req, &body, "application/json");
    let headers = response.headers_mut();
    if let Ok(count) = HeaderValue::from_str(&total.to_string()) {
        headers.insert(HeaderName::from_static("x-total-count"), count);
    }
    let link = page_links(
        &state.settings.absolute("/api/v1/winners"),
        page_no,
        total,
        API_PER_PAGE,
    );
    if let Ok(link) = HeaderValue::from_str(&link) {
        headers.insert(header::LINK, link);
    }
    Ok(response)
}

/// `Link` as GitHub's API sends it: `<…?page=2>; rel="next"`, and `prev`, `first`, `last`.
fn page_links(base: &str, page: i64, total: i64, per_page: i64) -> String {
    let last = ((total + per_page - 1) / per_page).max(1);
    let mut links = Vec::new();
    if page < last {
        links.push(format!("<{base}?page={}>; rel=\"next\"", page + 1));
    }
    if page > 1 {
        links.push(format!("<{base}?page={}>; rel=\"prev\"", (page - 1).min(last)));
    }
    links.push(format!("<{base}?page=1>; rel=\"first\""));
    links.push(format!("<{base}?page={last}>; rel=\"last\""));
    links.join(", ")
}

#[get("/feed.xml")]
pub async fn feed(
    state: web::Data<AppState>,
    memos: web::Data<Memos>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let changes = state.changes.now();
    if let Some(body) = memos.archive.get("feed", changes).await {
        return Ok(cached::respond(
            &req,
            &body,
            "application/atom+xml; charset=utf-8",
        ));
    }
    let (winners, _) = winners_with_attribution(&state, 50, 0).await?;
    let settings = &state.settings;
    let site = settings.absolute("/");
    // A week with two crates has two entries: the second's id gets "-2" (the first keeps the
    // id it always had, so feed readers do not show it again).
    let mut seen: HashMap<(i32, crate::domain::validate::Category), usize> = HashMap::new();
    let entries: Vec<Entry> = winners
        .iter()
        .map(|(w, markdown)| {
            let nth = {
                let n = seen.entry((w.issue, w.category)).or_default();
                *n += 1;
                *n
            };
            let updated: FixedDateTime = w.at.and_utc().fixed_offset();
            let permalink = match w.nomination_id {
                Some(id) => settings.absolute(&format!("/nominations/{id}")),
                None => w.url.clone().unwrap_or_else(|| settings.absolute("/winners")),
            };
            Entry {
                id: format!(
                    "{}#issue-{}-{}{}",
                    settings.absolute("/winners"),
                    w.issue,
                    w.category,
                    if nth > 1 { format!("-{nth}") } else { String::new() }
                ),
                title: Text::plain(format!(
                    "{} in issue {}: {}",
                    w.category.heading(),
                    w.issue,
                    w.name
                )),
                updated,
                links: vec![Link {
                    href: permalink,
                    rel: "alternate".into(),
                    ..Default::default()
                }],
                content: Some(Content {
                    value: Some(markdown.clone()),
                    content_type: Some("text".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        // Nothing in it yet: now, a real time (Atom requires one), not 1970.
        .unwrap_or_else(|| state.clock.now().fixed_offset());
    let feed = Feed {
        id: site.clone(),
        title: Text::plain("This Week in Rust: Crate and Quote of the Week"),
        updated,
        authors: vec![Person {
            name: "This Week in Rust editors".into(),
            ..Default::default()
        }],
        links: vec![
            Link {
                href: settings.absolute("/feed.xml"),
                rel: "self".into(),
                mime_type: Some("application/atom+xml".into()),
                ..Default::default()
            },
            Link {
                href: settings.absolute("/winners"),
                rel: "alternate".into(),
                ..Default::default()
            },
        ],
        entries,
        ..Default::default()
    };
    let body = memos.archive.put("feed", changes, feed.to_string().into_bytes());
    Ok(cached::respond(
        &req,
        &body,
        "application/atom+xml; charset=utf-8",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_chain_the_pages() {
        let base = "https://picks.example/api/v1/winners";
        assert_eq!(
            page_links(base, 1, 1100, 500),
            "<https://picks.example/api/v1/winners?page=2>; rel=\"next\", <https://picks.example/api/v1/winners?page=1>; rel=\"first\", <https://picks.example/api/v1/winners?page=3>; rel=\"last\""
        );
        assert!(!page_links(base, 3, 1100, 500).contains("rel=\"next\""));
        assert!(page_links(base, 3, 1100, 500).contains("?page=2>; rel=\"prev\""));
        assert_eq!(
            page_links(base, 1, 0, 500).matches("page=1").count(),
            2,
            "one empty page"
        );
    }
}
