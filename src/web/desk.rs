//! The editor's desk to read: the shortlist page and its JSON, and the audit log. Every
//! handler takes an `Editor`, so the role is checked on the server for each route.

use super::extract::{Editor, Viewer};
use super::page;
use super::view;
use crate::actions::shortlist::{self, Shortlist};
use crate::domain::validate::Category;
use crate::error::AppError;
use crate::models::audit;
use crate::models::ballot::RankedWeek;
use crate::state::AppState;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
pub struct IssueQuery {
    issue: Option<String>,
}

/// An optional issue number from a query or form (empty means "the open week").
pub(super) fn parse_issue(raw: Option<&str>) -> Result<Option<i32>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i32>()
            .map(Some)
            .map_err(|_| AppError::unprocessable("invalid_issue", "issue must be an issue number.")),
    }
}

fn desk_entries(list: &Value, shortlist: &Shortlist) -> Value {
    let mut list = list.clone();
    if let Some(items) = list.as_array_mut() {
        for item in items {
            let id = item["nomination_id"].as_i64().unwrap_or_default() as i32;
            item["attribution"] = json!(shortlist.attribution.get(&id));
        }
    }
    list
}

fn desk_categories(shortlist: &Shortlist) -> Value {
    let personal = view::ballot::Personal::default();
    let week: &RankedWeek = &shortlist.week;
    let categories = view::ballot::categories(week, &personal);
    let mut out = Vec::new();
    for (i, c) in Category::ALL.iter().enumerate() {
        let mut cat = categories[i].clone();
        cat["entries"] = desk_entries(&cat["entries"], shortlist);
        // Editors see the crates.io description and the reason an entry is hidden.
        if let Some(items) = cat["entries"].as_array_mut() {
            for (item, entry) in items.iter_mut().zip(week.categories.get(*c)) {
                item["description"] = json!(entry.crate_.as_ref().and_then(|k| k.description.clone()));
                item["why"] = json!(entry.crate_.as_ref().and_then(|k| k.why.clone()));
                item["hidden_reason"] = json!(entry.nomination.hidden_reason);
                item["editors_choice"] = json!(entry.nomination.editors_choice);
                item["vote_burst"] = json!(shortlist.vote_bursts.get(&entry.nomination_id));
            }
        }
        cat["section"] = json!(shortlist.sections.get(*c));
        cat["section_is_pick"] = json!(shortlist.section_is_pick.get(*c));
        cat["pick"] = json!(week.picks.get(*c));
        cat["picked_attribution"] = json!(week
            .picks
            .get(*c)
            .as_ref()
            .and_then(|p| shortlist.attribution.get(&p.nomination_id)));
        out.push(cat);
    }
    Value::Array(out)
}

#[get("/editor")]
pub async fn desk(
    state: web::Data<AppState>,
    _editor: Editor,
    viewer: Viewer,
    session: Session,
    query: web::Query<IssueQuery>,
) -> Result<HttpResponse, AppError> {
    let issue = parse_issue(query.issue.as_deref())?;
    let shortlist = shortlist::shortlist(&state, issue).await?;
    let week = &shortlist.week;
    let open = state.open_week().await?;
    let forum = crate::actions::forum::desk_view(&state).await?;
    let data = json!({
        "forum": forum,
        "title": format!("Editor's desk · issue {}", week.issue),
        "issue": week.issue,
        "status": week.status,
        "is_open": week.issue == open.issue,
        "published": shortlist.published,
        "closes_at": week.closes_at,
        "closes_at_input": &week.closes_at[..16],
        "previous": week.issue - 1,
        "next": week.issue + 1,
        "categories": desk_categories(&shortlist),
    });
    page::render(
        &state,
        page::site(&state, &viewer, &session),
        "editor",
        StatusCode::OK,
        data,
    )
}

#[get("/api/v1/editor/shortlist")]
pub async fn shortlist_json(
    state: web::Data<AppState>,
    _editor: Editor,
    query: web::Query<IssueQuery>,
) -> Result<HttpResponse, AppError> {
    let issue = parse_issue(query.issue.as_deref())?;
    let shortlist = shortlist::shortlist(&state, issue).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(shortlist.response()))
}

#[derive(Deserialize)]
pub struct AuditQuery {
    before: Option<i32>,
}

#[get("/editor/audit")]
pub async fn audit_log(
    state: web::Data<AppState>,
    _editor: Editor,
    viewer: Viewer,
    session: Session,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    const PAGE: i64 = 100;
    let before = query.before;
    let rows = state
        .db
        .read(move |conn| Ok(audit::recent(conn, PAGE, before)?))
        .await?;
    let older = (rows.len() as i64 == PAGE)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "at": r.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                "actor": r.actor, "action": r.action, "target": r.target,
                "reason": r.reason, "detail": r.detail,
            })
        })
        .collect();
    let data = json!({ "title": "Audit log", "rows": rows, "older": older });
    page::render(
        &state,
        page::site(&state, &viewer, &session),
        "audit",
        StatusCode::OK,
        data,
    )
}
