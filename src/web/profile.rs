//! What a member and a crate can show off: a public profile (`/users/{login}`) with the
//! member's nominations and wins, its Atom feed (what happened to their nominations), and a
//! README badge for a crate (`/badges/crates/{name}.svg`). Everything a person typed renders
//! as text: handlebars escapes the page, the feed is built by `atom_syndication`, the badge
//! escapes its two words itself.

use super::extract::Viewer;
use super::page;
use crate::domain::validate::{crate_key, Category, CrateName};
use crate::error::AppError;
use crate::models::nomination::{self, Nomination};
use crate::models::pick::{self, PickOf};
use crate::models::{ballot, user};
use crate::state::AppState;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use atom_syndication::{Entry, Feed, FixedDateTime, Link, Text};
use serde::Serialize;

/// A member and everything they nominated (own or co-nominated), with picks.
struct Member {
    login: String,
    name: String,
    nominations: Vec<Nomination>,
    picks: Vec<PickOf>,
}

async fn member(state: &AppState, login: &str) -> Result<Member, AppError> {
    let wanted = login.to_string();
    let public_through = crate::domain::week::public_through(&state.settings.calendar, state.clock.now());
    let found = state
        .db
        .read(move |conn| {
            // Site members only: the forum's account (a host name) has no profile.
            let Some(u) = user::find_by_login(conn, &wanted)?.filter(|u| !u.login.contains('.')) else {
                return Ok(None);
            };
            let nominations = nomination::by_user(conn, u.id)?;
            let ids: Vec<i32> = nominations.iter().map(|n| n.id).collect();
            // Picks of issues not out yet stay off the profile and its feed (the embargo).
            let picks = pick::picks_among(conn, &ids)?
                .into_iter()
                .filter(|p| p.published_at.is_some() || p.issue <= public_through)
                .collect();
            Ok(Some(Member {
                name: u.display_name().to_string(),
                login: u.login,
                nominations,
                picks,
            }))
        })
        .await?;
    found.ok_or_else(|| AppError::not_found(&format!("The member {login:?}")))
}

/// `templates/profile.hbs`.
#[derive(Serialize)]
struct ProfilePage<'a> {
    title: String,
    description: String,
    login: &'a str,
    name: &'a str,
    feed: String,
    /// "Suggested 2 winners of …, the latest serde in issue 680."
    headline: String,
    /// The README badge of the member's latest winning crate, for the headline.
    latest_badge: Option<String>,
    wins: Vec<Win>,
    nominations: Vec<ProfileNomination>,
}

#[derive(Serialize)]
struct Win {
    heading: &'static str,
    issue: i32,
    title: String,
    nomination_id: i32,
    published: bool,
}

#[derive(Serialize)]
struct ProfileNomination {
    id: i32,
    category: &'static str,
    title: String,
    issue: i32,
    picked_in: Option<i32>,
}

#[get("/users/{login}")]
pub async fn profile_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    session: Session,
    login: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let m = member(&state, &login).await?;
    let title_of = |id: i32| m.nominations.iter().find(|n| n.id == id);
    let wins: Vec<Win> = m
        .picks
        .iter()
        .filter_map(|p| {
            let n = title_of(p.nomination_id)?;
            Some(Win {
                heading: n.category.heading(),
                issue: p.issue,
                title: n.title(),
                nomination_id: n.id,
                published: p.published_at.is_some(),
            })
        })
        .collect();
    let nominations: Vec<ProfileNomination> = m
        .nominations
        .iter()
        .filter(|n| !n.hidden && !n.withdrawn)
        .map(|n| ProfileNomination {
            id: n.id,
            category: n.category.as_str(),
            title: n.title(),
            issue: n.week_issue,
            picked_in: m.picks.iter().find(|p| p.nomination_id == n.id).map(|p| p.issue),
        })
        .collect();
    let headline =
        match wins.as_slice() {
            [] => match nominations.len() {
                1 => "1 nomination for This Week in Rust's Crate and Quote of the Week.".to_string(),
                n => format!("{n} nominations for This Week in Rust's Crate and Quote of the Week."),
            },
            [latest, ..] => format!(
            "Suggested {} of This Week in Rust's Crates and Quotes of the Week, the latest {} in issue {}.",
            if wins.len() == 1 { "1 winner".to_string() } else { format!("{} winners", wins.len()) },
            latest.title,
            latest.issue
        ),
        };
    let data = ProfilePage {
        headline,
        title: format!("{} ({})", m.name, m.login),
        description: format!(
            "{}'s Crate and Quote of the Week nominations for This Week in Rust.",
            m.name
        ),
        login: &m.login,
        name: &m.name,
        feed: format!("/users/{}/feed.xml", m.login),
        latest_badge: m
            .picks
            .iter()
            .filter_map(|p| title_of(p.nomination_id)?.crate_name.as_deref())
            .next()
            .map(|name| format!("/badges/crates/{name}.svg")),
        wins,
        nominations,
    };
    page::render(
        &state,
        page::site(&state, &viewer, &session),
        "profile",
        StatusCode::OK,
        &data,
    )
}

#[get("/users/{login}/feed.xml")]
pub async fn profile_feed(
    state: web::Data<AppState>,
    login: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let m = member(&state, &login).await?;
    let settings = &state.settings;
    let page_url = settings.absolute(&format!("/users/{}", m.login));
    let mut entries = Vec::new();
    for p in &m.picks {
        let Some(n) = m.nominations.iter().find(|n| n.id == p.nomination_id) else {
            continue;
        };
        let permalink = settings.absolute(&format!("/nominations/{}", n.id));
        let mut add = |what: &str, at: chrono::NaiveDateTime| {
            let updated: FixedDateTime = at.and_utc().fixed_offset();
            entries.push(Entry {
                id: format!("{permalink}#{what}"),
                title: Text::plain(format!(
                    "{} {what} for This Week in Rust {}: {}",
                    n.category.heading(),
                    p.issue,
                    n.title()
                )),
                updated,
                links: vec![Link {
                    href: permalink.clone(),
                    rel: "alternate".into(),
                    ..Default::default()
                }],
                ..Default::default()
            });
        };
        add("picked", p.picked_at);
        if let Some(at) = p.published_at {
            add("featured", at);
        }
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.updated));
    let updated = entries
        .first()
        .map(|e| e.updated)
        // Nothing in it yet: now, a real time (Atom requires one), not 1970.
        .unwrap_or_else(|| state.clock.now().fixed_offset());
    let feed = Feed {
        id: page_url.clone(),
        title: Text::plain(format!("{}'s nominations on twir-picks", m.name)),
        updated,
        links: vec![
            Link {
                href: page_url,
                rel: "alternate".into(),
                ..Default::default()
            },
            Link {
                href: settings.absolute(&format!("/users/{}/feed.xml", m.login)),
                rel: "self".into(),
                ..Default::default()
            },
        ],
        entries,
        ..Default::default()
    };
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .body(feed.to_string()))
}

/// What a crate's badge says: when it won, or that it is on this week's ballot.
async fn badge_value(state: &AppState, name: &str) -> Result<Option<String>, AppError> {
    let key = crate_key(name);
    let open = state.open_week().await?;
    let ballot_weeks = state.settings.ballot_weeks;
    let public_through = crate::domain::week::public_through(&state.settings.calendar, state.clock.now());
    state
        .db
        .read(move |conn| {
            if let Some(issue) = nomination::last_public_win(conn, Category::Crate, &key, public_through)? {
                return Ok(Some(format!("TWiR {issue}")));
            }
            let on_ballot = ballot::on_ballot_by_key(conn, Category::Crate, &key, open.issue, ballot_weeks)?;
            Ok(on_ballot.map(|_| "nominated · vote now".to_string()))
        })
        .await
}

/// Text for SVG: `&`, `<`, `>`, quotes as entities.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// A two-part badge in the style READMEs use.
pub fn badge_svg(label: &str, value: &str) -> String {
    // About 7 px a character at 11 px Verdana, plus padding.
    let width = |s: &str| 10 + 7 * s.chars().count();
    let (lw, vw) = (width(label), width(value));
    let total = lw + vw;
    let (label, value) = (xml_escape(label), xml_escape(value));
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" aria-label="{label}: {value}"><title>{label}: {value}</title><rect width="{lw}" height="20" fill="#555"/><rect x="{lw}" width="{vw}" height="20" fill="#b7410e"/><g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11"><text x="{lx}" y="14">{label}</text><text x="{vx}" y="14">{value}</text></g></svg>"##,
        lx = lw / 2,
        vx = lw + vw / 2,
    )
}

#[get("/badges/crates/{file}")]
pub async fn crate_badge(
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let not_found = || AppError::not_found("A badge for that crate");
    let name = file.strip_suffix(".svg").ok_or_else(not_found)?;
    let name = CrateName::parse(name).map_err(|_| not_found())?;
    let value = badge_value(&state, name.as_str()).await?.ok_or_else(not_found)?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(badge_svg("Crate of the Week", &value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_badge_is_well_formed_and_escapes_its_words() {
        let svg = badge_svg("Crate of the Week", "<script>&\"'");
        assert!(svg.contains("&lt;script&gt;&amp;&quot;&apos;"));
        assert!(!svg.contains("<script>"));
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    }
}
