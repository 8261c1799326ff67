//! The editors' last mile: the week's picked sections proposed to This Week in Rust's issue draft
//! as a pull request, exactly as `fill-draft` would write them. The bot reads the draft on
//! `DRAFT_BRANCH`, points its branch `twir-picks/issue-N` (on `DRAFT_FORK`) at that branch's
//! head, commits the filled file there and opens the pull request, or updates the one already
//! open. Every step can be run again: a branch left without a pull request by a failure is
//! reused by the next press. Before the button, `review` lists what TWiR's own fix-up commits
//! show goes wrong (empty or relative links, a source on a moving branch, a sentence cut short).

use crate::actions::shortlist::{self, Shortlist};
use crate::actions::webhooks;
use crate::domain::draft;
use crate::domain::draft_checks::{self, Problem};
use crate::domain::validate::Category;
use crate::domain::webhook::Event;
use crate::error::AppError;
use crate::github_repo::{GithubRepos, PullRequest, RepoError};
use crate::models::ballot::PickView;
use crate::models::{audit, draft_proposal, nomination, wording};
use crate::settings::DraftSettings;
use crate::state::AppState;
use actix_web::http::StatusCode;

/// Who pressed the button: an editor's login and account, or the command line.
pub struct Proposer {
    pub login: String,
    pub user_id: Option<i32>,
}

/// A pull request that now carries the week's sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposed {
    pub url: String,
    pub number: i64,
    /// An open pull request was updated rather than a new one opened.
    pub updated: bool,
    pub commit: String,
}

/// The branch the bot pushes issue `issue`'s sections to.
pub fn branch_for(issue: i32) -> String {
    format!("twir-picks/issue-{issue}")
}

/// The pull request's title.
pub fn title_for(issue: i32) -> String {
    format!("Crate and Quote of the Week for issue {issue}")
}

fn not_configured() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        "drafts_off",
        "Proposing to the issue draft is not set up on this site (DRAFT_REPO and DRAFT_GITHUB_TOKEN).",
    )
}

/// A GitHub failure as the desk says it. The token is in no message: `RepoError` never holds it.
fn github_failed(e: RepoError) -> AppError {
    let status = match &e {
        RepoError::RateLimited { .. } => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_GATEWAY,
    };
    tracing::warn!(error = %e, "proposing the draft failed");
    let mut error = AppError::new(
        status,
        "github_failed",
        format!("Nothing was proposed: {e}. Press again once that is sorted; whatever was done already is reused."),
    );
    if let RepoError::RateLimited { until: Some(t) } = e {
        error.retry_after = Some((t - chrono::Utc::now()).num_seconds().max(1) as u64);
    }
    error
}

/// What to fix in the picked sections of `shortlist` before they go to the draft. GitHub is
/// asked only for the commit a moving quote source's branch is at (to offer the permalink).
pub async fn review_of(state: &AppState, shortlist: &Shortlist) -> Result<Vec<Problem>, AppError> {
    let ids: Vec<i32> = Category::ALL
        .iter()
        .flat_map(|c| {
            shortlist
                .week
                .picks
                .get(*c)
                .as_ref()
                .map(PickView::ids)
                .unwrap_or_default()
        })
        .collect();
    let (picked, originals) = state
        .db
        .read(move |conn| {
            Ok((
                nomination::find_many(conn, &ids)?,
                wording::originals(conn, &ids)?,
            ))
        })
        .await?;
    let mut problems = Vec::new();
    if state.settings.public_url_is_local() {
        problems.push(Problem {
            message: format!(
                "PUBLIC_URL is this machine ({}): the credits would link where readers cannot follow.",
                state.settings.public_url
            ),
            fix: None,
        });
    }
    for c in Category::ALL {
        if let Some(markdown) = shortlist.picked.get(c) {
            problems.extend(draft_checks::link_problems(markdown));
        }
    }
    for n in &picked {
        let original = originals.iter().find(|(id, _, _)| *id == n.id);
        if let Some(pitch) = &n.pitch {
            let before = original.and_then(|(_, p, _)| p.as_deref());
            problems.extend(draft_checks::cut_short(
                &format!("pitch of {}", n.title()),
                pitch,
                before,
            ));
        }
        if let Some(text) = &n.quote_text {
            let before = original.and_then(|(_, _, q)| q.as_deref());
            problems.extend(draft_checks::cut_short("quote", text, before));
        }
        if let Some(link) = n.source_url.as_deref().and_then(draft_checks::moving_github_link) {
            let sha = match &state.draft_repos {
                Some(repos) => {
                    let repo = crate::settings::RepoName {
                        owner: link.owner.clone(),
                        name: link.repo.clone(),
                    };
                    repos.commit_of(&repo, &link.reference).await.ok()
                }
                None => None,
            };
            problems.push(draft_checks::moving_link_problem(&link, sha.as_deref()));
        }
    }
    Ok(problems)
}

/// The pull request's description: the ranking the editors saw, who picked, and the desk.
fn description(state: &AppState, shortlist: &Shortlist, issue: i32) -> String {
    let mut out = format!(
        "The Crate and Quote of the Week of issue {issue}, as picked on [twir-picks]({}), filled into the draft's placeholders.\n",
        state.settings.absolute(&format!("/editor?issue={issue}"))
    );
    for c in Category::ALL {
        let heading = match c {
            Category::Crate => "Crate of the Week",
            Category::Quote => "Quote of the Week",
        };
        out.push_str(&format!("\n### {heading}\n\n"));
        if let Some(pick) = shortlist.week.picks.get(c) {
            out.push_str(&format!("Picked by @{}.\n\n", pick.picked_by));
        }
        out.push_str("| rank | nomination | votes | forum likes |\n|---:|---|---:|---:|\n");
        for e in shortlist
            .week
            .categories
            .get(c)
            .iter()
            .filter(|e| !e.nomination.hidden)
            .take(10)
        {
            let picked = shortlist
                .week
                .picks
                .get(c)
                .as_ref()
                .is_some_and(|p| p.ids().contains(&e.nomination_id));
            out.push_str(&format!(
                "| {} | [{}]({}){} | {} | {} |\n",
                e.rank,
                table_text(&e.nomination.title()),
                state
                    .settings
                    .absolute(&format!("/nominations/{}", e.nomination_id)),
                if picked { " (picked)" } else { "" },
                e.votes,
                e.forum_likes()
            ));
        }
    }
    out
}

/// Text safe inside a markdown table cell and link text.
fn table_text(s: &str) -> String {
    crate::domain::markdown::plain_text(s).replace('|', "\\|")
}

/// Propose issue `issue`'s sections to the draft: see the module's comment.
pub async fn propose(state: &AppState, proposer: Proposer, issue: i32) -> Result<Proposed, AppError> {
    let (Some(settings), Some(repos)) = (state.settings.draft.as_ref(), state.draft_repos.as_ref()) else {
        return Err(not_configured());
    };
    let shortlist = shortlist::shortlist(state, Some(issue)).await?;
    let path = settings.path_for(state.settings.calendar.publication_date(issue));
    let upstream = match repos.file(&settings.repo, &path, &settings.branch).await {
        Ok(file) => file,
        Err(RepoError::NotFound(_)) => {
            return Err(AppError::conflict(
                "no_draft",
                format!(
                    "There is no draft of issue {issue} yet: {path} is not on {} of {}. Nothing was changed; press again once the draft exists.",
                    settings.branch, settings.repo
                ),
            ))
        }
        Err(e) => return Err(github_failed(e)),
    };
    let filled = draft::fill(
        &upstream.text,
        shortlist.picked.crate_.as_deref(),
        shortlist.picked.quote.as_deref(),
    )
    .map_err(|problems| {
        AppError::conflict(
            "draft_not_fillable",
            format!(
                "The draft of issue {issue} ({path}) was left as it is: {}. If someone filled a placeholder by hand already, the pull request is not needed.",
                problems.join("; ")
            ),
        )
    })?;
    let pushed = push(repos, settings, issue, &path, &filled)
        .await
        .map_err(github_failed)?;
    let (pull, updated) = pull_request(repos, settings, issue, &description(state, &shortlist, issue))
        .await
        .map_err(github_failed)?;
    let proposed = Proposed {
        url: pull.html_url,
        number: pull.number,
        updated,
        commit: pushed,
    };
    let now = state.clock.now();
    let record = proposed.clone();
    let app_settings = state.settings.clone();
    state
        .db
        .write(move |tx| {
            draft_proposal::record(
                tx,
                &draft_proposal::DraftProposal {
                    issue,
                    number: record.number,
                    url: record.url.clone(),
                    branch: branch_for(issue),
                    commit_sha: record.commit.clone(),
                    proposed_at: now.naive_utc(),
                    proposed_by: proposer.login.clone(),
                },
            )?;
            let entry = audit::Entry::new(&proposer.login, "draft_propose", &format!("issue {issue}"))
                .detail(format!(
                    "{} ({})",
                    record.url,
                    if record.updated { "updated" } else { "opened" }
                ));
            let entry = match proposer.user_id {
                Some(id) => entry.by_user(id),
                None => entry,
            };
            audit::record(tx, entry, now)?;
            webhooks::queue(
                tx,
                &app_settings,
                &Event::draft_proposed(issue, record.url.clone(), &record.commit),
            )?;
            Ok(())
        })
        .await?;
    Ok(proposed)
}

/// Point the bot's branch at the draft branch's head and commit `filled` there; the commit.
async fn push(
    repos: &GithubRepos,
    settings: &DraftSettings,
    issue: i32,
    path: &str,
    filled: &str,
) -> Result<String, RepoError> {
    let ours = branch_for(issue);
    let head = repos
        .branch_head(&settings.repo, &settings.branch)
        .await?
        .ok_or_else(|| RepoError::NotFound(format!("branch {} of {}", settings.branch, settings.repo)))?;
    match repos.branch_head(&settings.fork, &ours).await? {
        None => repos.create_branch(&settings.fork, &ours, &head).await?,
        Some(at) if at != head => repos.move_branch(&settings.fork, &ours, &head).await?,
        Some(_) => {}
    }
    let message = format!("{}\n\nProposed by twir-picks.", title_for(issue));
    // A 409 means the file moved between our read and our write: read again, try once more.
    for attempt in 0..2 {
        let file = repos.file(&settings.fork, path, &ours).await?;
        match repos
            .commit_file(&settings.fork, path, &ours, &file.sha, filled, &message)
            .await
        {
            Err(RepoError::Conflict) if attempt == 0 => continue,
            other => return other,
        }
    }
    Err(RepoError::Conflict)
}

/// The open pull request from the bot's branch, updated, or a new one; and whether it existed.
async fn pull_request(
    repos: &GithubRepos,
    settings: &DraftSettings,
    issue: i32,
    body: &str,
) -> Result<(PullRequest, bool), RepoError> {
    let head = format!("{}:{}", settings.fork.owner, branch_for(issue));
    let title = title_for(issue);
    if let Some(open) = repos.open_pull(&settings.repo, &head).await? {
        repos
            .update_pull(&settings.repo, open.number, &title, body)
            .await?;
        return Ok((open, true));
    }
    match repos
        .create_pull(&settings.repo, &head, &settings.branch, &title, body)
        .await
    {
        Ok(pull) => Ok((pull, false)),
        // 422: one is open already (opened a moment ago, or the list missed it): use it.
        Err(RepoError::Unprocessable(message)) => match repos.open_pull(&settings.repo, &head).await? {
            Some(open) => {
                repos
                    .update_pull(&settings.repo, open.number, &title, body)
                    .await?;
                Ok((open, true))
            }
            None => Err(RepoError::Unprocessable(message)),
        },
        Err(e) => Err(e),
    }
}
