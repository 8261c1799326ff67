//! The logged-in ballot page without rendering or compressing it again per request.
//! Everything on it but the visitor's login, CSRF token and the
//! entries' shapes is the same for every member: that page is rendered once per snapshot
//! version, with markers where the personal parts go, cut at the markers into pieces and each
//! piece compressed once (`memo::deflate`). A request puts the pieces, the entries as this
//! member sees them (compressed once each, `PageMemo::fragments`) and its own few words in
//! between together: one gzip stream, or the plain page, byte for byte the same page
//! `index.hbs` renders.

use super::ballot_html::{self, BallotCategory};
use super::memo::deflate::{GzipStitcher, Piece};
use super::memo::{PageMemo, Skeleton, SkeletonPart};
use super::page::Site;
use super::view::ballot::Personal;
use crate::cache::View;
use crate::domain::validate::Category;
use crate::error::AppError;
use crate::models::ballot::RankedWeek;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

/// Markers the skeleton is rendered with: control characters no template or data holds, and
/// that HTML escaping leaves as they are.
const LOGIN: &str = "\u{1}login\u{1}";
const CSRF: &str = "\u{1}csrf\u{1}";
const YOUR_VOTES: &str = "\u{1}your-votes\u{1}";

fn entries_marker(c: Category) -> String {
    format!("\u{1}entries-{}\u{1}", c.as_str())
}

/// The member's page of the open week (`view`): `site` is theirs (logged in, no flash
/// waiting), `render` renders `index.hbs` for a site and the categories.
#[allow(clippy::too_many_arguments)]
pub fn respond(
    state: &AppState,
    memo: &PageMemo,
    req: &HttpRequest,
    view: &View,
    site: &Site,
    personal: &Personal,
    week_open: bool,
    your_votes: &str,
    render: impl FnOnce(&Site, Vec<BallotCategory>, Option<String>) -> Result<String, AppError>,
) -> Result<HttpResponse, AppError> {
    let ranked: &RankedWeek = &view.ranked;
    let user = site
        .user
        .as_ref()
        .ok_or_else(|| AppError::internal("a member's page without a member"))?;
    // The skeleton differs by role and by whether the member may vote (the page says why not).
    let key = match (user.is_editor, user.can_vote) {
        (true, true) => "member-page-editor",
        (true, false) => "member-page-editor-no-vote",
        (false, true) => "member-page",
        (false, false) => "member-page-no-vote",
    };
    let skeleton = memo.skeleton(key, view.version, || {
        let mut marked = site.clone();
        if let Some(u) = marked.user.as_mut() {
            u.login = LOGIN.into();
        }
        marked.csrf_token = Some(CSRF.into());
        let categories = Category::ALL
            .iter()
            .map(|&c| BallotCategory {
                key: c.as_str(),
                heading: c.heading(),
                // Empty stays empty: the template says "Nothing nominated yet" then.
                entries_html: if ranked.categories.get(c).is_empty() {
                    String::new()
                } else {
                    entries_marker(c)
                },
            })
            .collect();
        // The votes line only where the member may vote (the skeleton's key says so).
        let votes_marker = user.can_vote.then(|| YOUR_VOTES.to_string());
        Ok(cut(&render(&marked, categories, votes_marker)?))
    })?;
    let entries = ballot_html::pieces(state, memo, ranked, view, personal, week_open)?;
    let login = handlebars::html_escape(&user.login);
    let csrf = handlebars::html_escape(site.csrf_token.as_deref().unwrap_or_default());
    let votes = handlebars::html_escape(your_votes);
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::VARY, "Accept-Encoding"));
    if super::cached::accepts_gzip(req) {
        let mut gz = GzipStitcher::with_capacity(skeleton.deflated_len + entries.deflated_len());
        for part in &skeleton.parts {
            match part {
                SkeletonPart::Shared(piece) => gz.piece(piece),
                SkeletonPart::Login => gz.text(&login),
                SkeletonPart::Csrf => gz.text(&csrf),
                SkeletonPart::YourVotes => gz.text(&votes),
                SkeletonPart::Entries(c) => {
                    // The first entry alone, each other one compressed after the one above it
                    // (`PageMemo::follow_ons`).
                    let run = entries.get(*c);
                    if let Some((_, first)) = run.first() {
                        gz.piece(first);
                    }
                    for ((_, piece), bytes) in run.iter().skip(1).zip(memo.follow_ons(view.version, run)) {
                        gz.deflated(&bytes, &piece.plain);
                    }
                }
            }
        }
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
        Ok(response.body(gz.finish()))
    } else {
        let mut html = String::with_capacity(skeleton.plain_len + entries.plain_len());
        for part in &skeleton.parts {
            match part {
                SkeletonPart::Shared(piece) => html.push_str(&piece.plain),
                SkeletonPart::Login => html.push_str(&login),
                SkeletonPart::Csrf => html.push_str(&csrf),
                SkeletonPart::YourVotes => html.push_str(&votes),
                SkeletonPart::Entries(c) => entries.get(*c).iter().for_each(|(_, p)| html.push_str(&p.plain)),
            }
        }
        Ok(response.body(html))
    }
}

/// The rendered page cut at the markers, each shared piece compressed once. A `\u{1}` that
/// starts no marker is text.
fn cut(html: &str) -> Skeleton {
    let markers: Vec<(String, SkeletonPart)> = [
        (LOGIN.to_string(), SkeletonPart::Login),
        (CSRF.to_string(), SkeletonPart::Csrf),
        (YOUR_VOTES.to_string(), SkeletonPart::YourVotes),
    ]
    .into_iter()
    .chain(
        Category::ALL
            .into_iter()
            .map(|c| (entries_marker(c), SkeletonPart::Entries(c))),
    )
    .collect();
    let mut parts = Vec::new();
    let (mut text_from, mut at) = (0, 0);
    while let Some(offset) = html[at..].find('\u{1}') {
        let start = at + offset;
        match markers
            .iter()
            .find(|(m, _)| html[start..].starts_with(m.as_str()))
        {
            Some((marker, part)) => {
                parts.push(SkeletonPart::Shared(Piece::new(
                    html[text_from..start].to_string(),
                )));
                parts.push(part.clone());
                at = start + marker.len();
                text_from = at;
            }
            None => at = start + 1,
        }
    }
    parts.push(SkeletonPart::Shared(Piece::new(html[text_from..].to_string())));
    Skeleton::new(parts)
}
