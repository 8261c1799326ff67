//! The editor's desk to read: the shortlist page and its JSON, and the audit log. Every
//! handler takes an `Editor`, so the role is checked on the server for each route.

use super::extract::{Editor, Viewer};
use super::page;
use super::view;
use super::views::{EncodablePick, EncodableShortlist};
use crate::actions::dry_week::DryWeek;
use crate::actions::forum::ForumDesk;
use crate::actions::shortlist::{self, Shortlist};
use crate::domain::validate::Category;
use crate::domain::week::rfc3339;
use crate::domain::week::WeekStatus;
use crate::error::AppError;
use crate::models::audit;
use crate::models::ballot::{ByCategory, RankedWeek};
use crate::state::AppState;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct IssueQuery {
    issue: Option<String>,
}

/// The desk's query: the issue, and in a dry week a crate from crates.io to prefill the
/// editor's-own-choice form with.
#[derive(Deserialize)]
pub struct DeskQuery {
    issue: Option<String>,
    choose: Option<String>,
}

/// The own-choice form's starting values.
#[derive(Serialize, Default)]
struct OwnChoice {
    /// Open the form (a dry-week candidate was chosen).
    open: bool,
    crate_name: String,
    pitch: String,
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

/// One entry on the desk: as the ballot shows it, plus what only editors see.
#[derive(Serialize)]
struct DeskEntry<'a> {
    #[serde(flatten)]
    entry: view::ballot::EntryView<'a>,
    attribution: Option<&'a str>,
    /// The crates.io description, beside the nominator's pitch.
    description: Option<&'a str>,
    why: Option<&'a str>,
    hidden_reason: Option<&'a str>,
    editors_choice: bool,
    /// Votes within an hour from new GitHub accounts, when a burst.
    vote_burst: Option<usize>,
    /// What the crates.io owners check says of the nominators' claims.
    owner_notes: Vec<String>,
    /// The issue this crate or quote was Crate or Quote of the Week in before.
    won_before: Option<i32>,
    /// The nomination's link override, for a form that rewords it and keeps the link.
    url: Option<&'a str>,
    /// What each co-nominator wrote, with a form to print it instead.
    others_words: Vec<OtherWords>,
    /// "1.2M downloads (85k recent) · on crates.io for 3 years", from the cached answer.
    reach: Option<String>,
    /// "issue 650 (3 votes), issue 612 (no vote)": the same crate or quote nominated before.
    earlier_nominations: Option<String>,
}

/// A download count as people say it: 950, 1.5k, 12k, 1.2M.
fn count_words(n: i64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1}M", n as f64 / 1e6).replace(".0M", "M"),
        n if n >= 10_000 => format!("{}k", n / 1000),
        n if n >= 1_000 => format!("{:.1}k", n as f64 / 1e3).replace(".0k", "k"),
        n => n.to_string(),
    }
}

/// A crate's reach and age on crates.io, in a line.
fn reach(c: &crate::models::crates_cache::CachedCrate, now: chrono::DateTime<chrono::Utc>) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(d) = c.downloads {
        parts.push(match c.recent_downloads {
            Some(r) => format!("{} downloads ({} in 90 days)", count_words(d), count_words(r)),
            None => format!("{} downloads", count_words(d)),
        });
    }
    if let Some(created) = c.created_at {
        let days = (now.naive_utc() - created).num_days();
        parts.push(match days {
            d if d < 60 => format!("on crates.io for {d} days"),
            d if d < 730 => format!("on crates.io for {} months", d / 30),
            d => format!("on crates.io for {} years", d / 365),
        });
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// A co-nominator's own pitch and "why" on the desk.
#[derive(Serialize)]
struct OtherWords {
    name: String,
    pitch: Option<String>,
    why: Option<String>,
}

/// One category on the desk: its entries, the whole section, the pick.
#[derive(Serialize)]
struct DeskCategory<'a> {
    key: &'static str,
    heading: &'static str,
    entries: Vec<DeskEntry<'a>>,
    section: Option<&'a str>,
    section_is_pick: bool,
    pick: Option<EncodablePick<'a>>,
    /// The picked crate's name or quote's author, and the second crate's (people read names).
    pick_title: Option<String>,
    second_title: Option<String>,
    picked_attribution: Option<&'a str>,
    /// A crate is picked and no second one yet: the others offer "Add as a second crate".
    can_add_second: bool,
    /// Fewer than three entries and no pick: candidates from earlier weeks and crates.io.
    dry: Option<&'a DryWeek>,
    own_choice: OwnChoice,
}

/// `templates/editor.hbs`.
#[derive(Serialize)]
struct DeskPage<'a> {
    title: String,
    /// Shown over the week that just closed, while its issue waits for its picks.
    banner: Option<String>,
    open_issue: i32,
    issue: i32,
    status: WeekStatus,
    is_open: bool,
    published: bool,
    closes_at: String,
    /// As the public page says it: "Tuesday 1 December 2026, 12:00 UTC", "in 6 days".
    closes_at_human: String,
    closes_in: String,
    /// For the `datetime-local` input: "2026-12-01T12:00".
    closes_at_input: String,
    /// The weeks before and after, when stored (links to others would be 404s).
    previous: Option<i32>,
    next: Option<i32>,
    forum: Option<ForumDesk>,
    /// Webhook events not delivered whose last attempt failed.
    webhook_troubles: Vec<WebhookTrouble>,
    categories: Vec<DeskCategory<'a>>,
    /// Proposing to the issue draft (`None`: not set up).
    draft: Option<DraftPanel>,
}

/// The desk's "Propose to the draft" panel: where to, the last pull request, what to fix first.
#[derive(Serialize)]
struct DraftPanel {
    repo: String,
    path: String,
    branch: String,
    /// Both categories have a pick: the button can do its work.
    ready: bool,
    last: Option<LastProposal>,
    problems: Vec<ProblemView>,
}

#[derive(Serialize)]
struct LastProposal {
    url: String,
    number: i64,
    by: String,
    at: String,
    at_human: String,
}

#[derive(Serialize)]
struct ProblemView {
    message: String,
    fix: Option<String>,
}

/// The draft panel for `shortlist`'s week, when proposing is set up.
async fn draft_panel(state: &AppState, shortlist: &Shortlist) -> Result<Option<DraftPanel>, AppError> {
    let Some(settings) = state.settings.draft.as_ref() else {
        return Ok(None);
    };
    let issue = shortlist.week.issue;
    let last = state
        .db
        .read(move |conn| Ok(crate::models::draft_proposal::find(conn, issue)?))
        .await?;
    let problems = crate::actions::propose_draft::review_of(state, shortlist).await?;
    Ok(Some(DraftPanel {
        repo: settings.repo.to_string(),
        path: settings.path_for(state.settings.calendar.publication_date(issue)),
        branch: settings.branch.clone(),
        ready: shortlist.picked.crate_.is_some() && shortlist.picked.quote.is_some(),
        last: last.map(|p| LastProposal {
            url: p.url,
            number: p.number,
            by: p.proposed_by,
            at: rfc3339(p.proposed_at),
            at_human: view::human_time(p.proposed_at.and_utc()),
        }),
        problems: problems
            .into_iter()
            .map(|p| ProblemView {
                message: p.message,
                fix: p.fix,
            })
            .collect(),
    }))
}

#[derive(Serialize)]
struct WebhookTrouble {
    receiver: String,
    event: String,
    attempts: i32,
    last_error: String,
    given_up: bool,
}

/// "Ann says self-suggestion, not an owner on crates.io"; "Bob: not yet checked …".
fn owner_notes(entry: &crate::models::ballot::Entry) -> Vec<String> {
    entry
        .credits
        .iter()
        .filter_map(|c| match c.owner_check.as_deref() {
            Some("not_owner") => Some(format!(
                "{} says self-suggestion, not an owner on crates.io",
                c.name
            )),
            Some("unchecked") if c.self_suggestion => Some(format!(
                "{} says self-suggestion, not yet checked on crates.io",
                c.name
            )),
            _ => None,
        })
        .collect()
}

/// A nomination's name for people: the crate, or the quote's author; "nomination N" only when
/// the shortlist does not hold it.
fn title_of(shortlist: &Shortlist, id: i32) -> String {
    shortlist
        .week
        .entry(id)
        .map(|e| e.nomination.title())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| format!("nomination {id}"))
}

fn desk_categories<'a>(
    shortlist: &'a Shortlist,
    dry: &'a ByCategory<Option<DryWeek>>,
    choose: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<DeskCategory<'a>> {
    let personal = view::ballot::Personal::default();
    let week: &RankedWeek = &shortlist.week;
    Category::ALL
        .iter()
        .map(|&c| {
            let picked = week.picks.get(c).as_ref();
            // Hidden entries last, one line each: they are decided, the rest is to read.
            let (shown, hidden): (Vec<_>, Vec<_>) =
                week.categories.get(c).iter().partition(|e| !e.nomination.hidden);
            let entries = shown
                .into_iter()
                .chain(hidden)
                .map(|entry| DeskEntry {
                    entry: view::ballot::entry(entry, &personal, picked),
                    attribution: shortlist
                        .attribution
                        .get(&entry.nomination_id)
                        .map(String::as_str),
                    description: entry.crate_.as_ref().and_then(|k| k.description.as_deref()),
                    why: entry.crate_.as_ref().and_then(|k| k.why.as_deref()),
                    hidden_reason: entry.nomination.hidden_reason.as_deref(),
                    editors_choice: entry.nomination.editors_choice,
                    vote_burst: shortlist.vote_bursts.get(&entry.nomination_id).copied(),
                    owner_notes: owner_notes(entry),
                    won_before: shortlist.won_before.get(&entry.nomination_id).copied(),
                    url: entry.nomination.url.as_deref(),
                    earlier_nominations: shortlist.earlier.get(&entry.nomination_id).map(|list| {
                        list.iter()
                            .map(|e| match e.votes {
                                0 => format!("issue {} (no vote)", e.issue),
                                1 => format!("issue {} (1 vote)", e.issue),
                                n => format!("issue {} ({n} votes)", e.issue),
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    }),
                    reach: shortlist
                        .crate_stats
                        .get(&entry.nomination_id)
                        .and_then(|c| reach(c, now)),
                    others_words: shortlist
                        .co_words
                        .get(&entry.nomination_id)
                        .map(|list| {
                            list.iter()
                                .map(|(user, words)| OtherWords {
                                    name: entry
                                        .credits
                                        .iter()
                                        .find(|c| c.user_id == Some(*user))
                                        .map(|c| c.name.clone())
                                        .unwrap_or_else(|| "a co-nominator".into()),
                                    pitch: words.pitch.clone(),
                                    why: words.why.clone(),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect();
            DeskCategory {
                key: c.as_str(),
                heading: c.heading(),
                entries,
                section: shortlist.sections.get(c).as_deref(),
                section_is_pick: *shortlist.section_is_pick.get(c),
                pick: week.picks.get(c).as_ref().map(EncodablePick::from),
                pick_title: week
                    .picks
                    .get(c)
                    .as_ref()
                    .map(|p| title_of(shortlist, p.nomination_id)),
                second_title: week
                    .picks
                    .get(c)
                    .as_ref()
                    .and_then(|p| p.second.as_ref())
                    .map(|p| title_of(shortlist, p.nomination_id)),
                can_add_second: !shortlist.published
                    && crate::domain::ballot::second_pick_refusal(
                        c,
                        week.picks.get(c).as_ref().map_or(0, |p| p.ids().len()),
                    )
                    .is_none(),
                dry: dry.get(c).as_ref(),
                own_choice: match (c, choose) {
                    (Category::Crate, Some(name)) => {
                        let known = dry
                            .crate_
                            .as_ref()
                            .and_then(|d| d.recent.iter().find(|k| k.name == name));
                        OwnChoice {
                            open: true,
                            crate_name: name.to_string(),
                            pitch: known.map(|k| k.pitch.clone()).unwrap_or_default(),
                        }
                    }
                    _ => OwnChoice::default(),
                },
                picked_attribution: shortlist.picked.get(c).as_deref(),
            }
        })
        .collect()
}

/// The week `/editor` opens on when it is not the open one (`domain::week::desk_issue`): the
/// open week may not be stored yet (a read never rolls over), so it stays `None`.
async fn closed_week_to_pick(state: &AppState) -> Result<Option<i32>, AppError> {
    let open = state.open_week().await?;
    let previous = open.issue - 1;
    let just_closed = state
        .db
        .read(move |conn| Ok(crate::models::week::find(conn, previous)?))
        .await?
        .map(|w| (w.issue, w.published_at.is_some()));
    let issue = crate::domain::week::desk_issue(
        open.issue,
        just_closed,
        &state.settings.calendar,
        state.clock.now(),
    );
    Ok((issue != open.issue).then_some(issue))
}

#[get("/editor")]
pub async fn desk(
    state: web::Data<AppState>,
    _editor: Editor,
    viewer: Viewer,
    session: Session,
    query: web::Query<DeskQuery>,
) -> Result<HttpResponse, AppError> {
    let issue = match parse_issue(query.issue.as_deref())? {
        Some(issue) => Some(issue),
        None => closed_week_to_pick(&state).await?,
    };
    let shortlist = shortlist::shortlist(&state, issue).await?;
    let dry = crate::actions::dry_week::candidates(&state, &shortlist).await?;
    let choose = query.choose.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let week = &shortlist.week;
    let open = state.open_week().await?;
    let forum = crate::actions::forum::desk_view(&state).await?;
    let closes = week.closes_at.and_utc();
    let webhook_troubles = state
        .db
        .read(|conn| Ok(crate::models::outbox::troubles(conn)?))
        .await?
        .into_iter()
        .map(|row| WebhookTrouble {
            // The kind and host only: a webhook URL is a secret of its own.
            receiver: crate::settings::Webhook::parse_target(&row.target)
                .map(|w| {
                    format!(
                        "{} ({})",
                        row.target.split('=').next().unwrap_or(""),
                        w.url.host_str().unwrap_or("")
                    )
                })
                .unwrap_or_else(|| "a receiver no longer configured".into()),
            event: row.event,
            attempts: row.attempts,
            last_error: row.last_error.unwrap_or_default(),
            given_up: row.given_up_at.is_some(),
        })
        .collect();
    let banner = (week.issue == open.issue - 1 && !shortlist.published).then(|| {
        let picked: Vec<&str> = Category::ALL
            .iter()
            .filter(|c| shortlist.picked.get(**c).is_some())
            .map(|c| match c {
                Category::Crate => "the crate",
                Category::Quote => "the quote",
            })
            .collect();
        let state_of_picks = match picked.as_slice() {
            [] => "nothing picked yet".to_string(),
            [one] => format!("{one} is picked, the other not yet"),
            _ => "both picked".to_string(),
        };
        format!(
            "Issue {} closed on {}: {state_of_picks}.",
            week.issue,
            crate::domain::week::human_and_relative(closes, state.clock.now())
        )
    });
    let data = DeskPage {
        banner,
        open_issue: open.issue,
        title: format!("Editor's desk · issue {}", week.issue),
        issue: week.issue,
        status: week.status,
        is_open: week.issue == open.issue,
        published: shortlist.published,
        closes_at: rfc3339(week.closes_at),
        closes_at_human: view::human_time(closes),
        closes_in: view::relative(closes, state.clock.now()),
        closes_at_input: week.closes_at.format("%Y-%m-%dT%H:%M").to_string(),
        previous: state
            .week_is_stored(week.issue - 1)
            .await?
            .then_some(week.issue - 1),
        next: state
            .week_is_stored(week.issue + 1)
            .await?
            .then_some(week.issue + 1),
        forum,
        webhook_troubles,
        categories: desk_categories(&shortlist, &dry, choose, state.clock.now()),
        draft: draft_panel(&state, &shortlist).await?,
    };
    page::render(
        &state,
        page::site(&state, &viewer, &session),
        "editor",
        StatusCode::OK,
        &data,
    )
}

#[get("/api/v1/editor/shortlist")]
pub async fn shortlist_json(
    state: web::Data<AppState>,
    _editor: Editor,
    query: web::Query<IssueQuery>,
) -> Result<HttpResponse, AppError> {
    // The contract's default: the open week (the desk's page opens the week to pick instead).
    let issue = parse_issue(query.issue.as_deref())?;
    let shortlist = shortlist::shortlist(&state, issue).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(EncodableShortlist::from(&shortlist)))
}

#[derive(Deserialize)]
pub struct AuditQuery {
    before: Option<i32>,
}

/// `templates/audit.hbs`: one page of the audit log, newest first.
#[derive(Serialize)]
struct AuditPage<'a> {
    title: &'static str,
    rows: Vec<AuditItem<'a>>,
    /// The id to read older rows before, when there are more.
    older: Option<i32>,
}

#[derive(Serialize)]
struct AuditItem<'a> {
    at: String,
    at_human: String,
    actor: &'a str,
    /// What happened, as a sentence after the actor's name ("picked nomination 5").
    what: String,
    action: &'a str,
    target: &'a str,
    reason: Option<&'a str>,
    detail: Option<&'a str>,
}

/// An audit row's action as words: what the actor did to the target.
fn audit_sentence(action: &str, target: &str) -> String {
    match action {
        "login" => "logged in".into(),
        "dev_login" => "logged in with the dev login".into(),
        "nominate" => format!("nominated: {target}"),
        "pick" => format!("picked {target}"),
        "unpick" => format!("took back the pick of {target}"),
        "editors_choice" => format!("picked their own choice, {target}"),
        "hide" => format!("hid {target}"),
        "unhide" => format!("showed {target} again"),
        "ban" => format!("banned {target}"),
        "unban" => format!("lifted the ban on {target}"),
        "edit_wording" => format!("reworded {target}"),
        "publish" => format!("marked {target} published"),
        "week_change" => format!("changed the open week, {target}"),
        "week_close" => format!("closed voting for {target}"),
        "forum_nomination" => "put a forum suggestion on the ballot".into(),
        "forum_dismiss" => format!("dismissed {target}: not a suggestion"),
        "editor_grant" => format!("made {target} an editor"),
        "editor_revoke" => format!("took the editor role from {target}"),
        "editor_bound" => format!("bound the editor login {target} to this account"),
        "editor_login_taken" => {
            format!("logged in with the editor login {target}, which belongs to another account")
        }
        "sign_out" => format!("signed {target} out everywhere"),
        "session_end" => "ended one of their sessions".into(),
        "sessions_end_others" => "ended their other sessions".into(),
        "account_delete" => "deleted their account".into(),
        "draft_propose" => format!("proposed {target} to This Week in Rust's draft"),
        other => format!("{} {target}", other.replace('_', " ")),
    }
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
    let data = AuditPage {
        title: "Audit log",
        rows: rows
            .iter()
            .map(|r| AuditItem {
                at: rfc3339(r.at),
                at_human: view::human_time(r.at.and_utc()),
                actor: &r.actor,
                what: audit_sentence(&r.action, &r.target),
                action: &r.action,
                target: &r.target,
                reason: r.reason.as_deref(),
                detail: r.detail.as_deref(),
            })
            .collect(),
        older,
    };
    page::render(
        &state,
        page::site(&state, &viewer, &session),
        "audit",
        StatusCode::OK,
        &data,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_reach_read_as_people_say_them() {
        assert_eq!(count_words(950), "950");
        assert_eq!(count_words(1_000), "1k");
        assert_eq!(count_words(1_540), "1.5k");
        assert_eq!(count_words(85_310), "85k");
        assert_eq!(count_words(1_200_000), "1.2M");
        assert_eq!(count_words(3_000_000), "3M");
        let now: chrono::DateTime<chrono::Utc> = "2026-12-01T12:00:00Z".parse().unwrap();
        let cached = crate::models::crates_cache::CachedCrate {
            name: "serde".into(),
            found: true,
            canonical_name: Some("serde".into()),
            description: None,
            repository: None,
            fetched_at: now.naive_utc(),
            downloads: Some(512_000_000),
            recent_downloads: Some(90_000_000),
            created_at: Some(
                "2014-12-05T00:00:00Z"
                    .parse::<chrono::DateTime<chrono::Utc>>()
                    .unwrap()
                    .naive_utc(),
            ),
        };
        assert_eq!(
            reach(&cached, now).unwrap(),
            "512M downloads (90M in 90 days) · on crates.io for 11 years"
        );
    }
}
