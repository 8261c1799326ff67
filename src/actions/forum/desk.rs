//! The forum on the editor's desk: when each thread was last read and what failed, the posts
//! that need a look, and turning one of them into a nomination in one step (credited to the
//! post, as if the bridge had read it).

use crate::actions::file_nomination::{self, Filer, Filing, NotFiled};
use crate::actions::nominate::{check_on_crates_io, refusal};
use crate::actor::CurrentUser;
use crate::domain::ballot as ballot_rule;
use crate::domain::forum_post;
use crate::domain::validate::{NominationForm, ValidNomination};
use crate::error::AppError;
use crate::models::audit::Entry as AuditEntry;
use crate::models::ballot::rfc3339;
use crate::models::forum::{self as stored, PostReading, StoredPost};
use crate::models::forum_status;
use crate::models::nomination;
use crate::state::AppState;
use serde::Serialize;

/// The forum's part of the desk.
#[derive(Debug, Serialize)]
pub struct ForumDesk {
    pub threads: Vec<ThreadStatus>,
    pub needs_look: Vec<NeedsLook>,
}

#[derive(Debug, Serialize)]
pub struct ThreadStatus {
    pub name: &'static str,
    pub url: String,
    pub last_read_at: Option<String>,
    /// As people read it: "Tuesday 1 December 2026, 12:00 UTC (5 minutes ago)".
    pub last_read_human: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub last_error_human: Option<String>,
}

/// A post that looked like a suggestion but could not be read whole.
#[derive(Debug, Serialize)]
pub struct NeedsLook {
    pub post_id: i64,
    pub permalink: String,
    pub author: String,
    pub posted_at: String,
    pub category: String,
    pub problem: Option<String>,
    /// The poster's own words, for the editor to read beside the form.
    pub excerpt: String,
    pub draft: NominationForm,
}

const EXCERPT_CHARS: usize = 600;

impl NeedsLook {
    pub fn of(post: &StoredPost) -> NeedsLook {
        let text = forum_post::own_text(&post.cooked);
        let mut excerpt: String = text.chars().take(EXCERPT_CHARS).collect();
        if text.chars().count() > EXCERPT_CHARS {
            excerpt.push('…');
        }
        NeedsLook {
            post_id: post.post_id,
            permalink: post.permalink.clone(),
            author: post.credit_name().to_string(),
            posted_at: rfc3339(post.posted_at),
            category: post.category.as_str().to_string(),
            problem: post.problem.clone(),
            excerpt,
            draft: draft_of(post),
        }
    }
}

/// The form the bridge prefilled, or an empty one of the post's category.
pub fn draft_of(post: &StoredPost) -> NominationForm {
    post.draft
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_else(|| NominationForm {
            category: post.category.as_str().to_string(),
            ..NominationForm::default()
        })
}

/// `None` when the bridge is off.
pub async fn desk_view(state: &AppState) -> Result<Option<ForumDesk>, AppError> {
    let Some(forum) = state.settings.forum.clone() else {
        return Ok(None);
    };
    let open = state.open_week().await?;
    let from = open.issue.saturating_sub(state.settings.ballot_weeks.max(1) - 1);
    let (statuses, posts) = state
        .db
        .read(move |conn| {
            Ok((
                forum_status::topic_statuses(conn)?,
                stored::needing_a_look(conn, from)?,
            ))
        })
        .await?;
    let base = forum.url.as_str().trim_end_matches('/').to_string();
    let now = state.clock.now();
    let threads = [
        ("Crate of the Week", forum.crate_topic),
        ("Quote of the Week", forum.quote_topic),
    ]
    .into_iter()
    .map(|(name, topic)| {
        let status = statuses.iter().find(|s| s.topic_id == topic);
        let human = |t: chrono::NaiveDateTime| crate::domain::week::human_and_relative(t.and_utc(), now);
        ThreadStatus {
            name,
            url: format!("{base}/t/{topic}"),
            last_read_at: status.and_then(|s| s.last_read_at).map(rfc3339),
            last_read_human: status.and_then(|s| s.last_read_at).map(human),
            last_error: status.and_then(|s| s.last_error.clone()),
            last_error_at: status.and_then(|s| s.last_error_at).map(rfc3339),
            last_error_human: status.and_then(|s| s.last_error_at).map(human),
        }
    })
    .collect();
    Ok(Some(ForumDesk {
        threads,
        needs_look: posts.iter().map(NeedsLook::of).collect(),
    }))
}

/// An editor dismisses a post that needed a look (not a suggestion after all); audited.
pub async fn dismiss_post(
    state: &AppState,
    editor: &CurrentUser,
    post_id: i64,
    reason: Option<String>,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let (login, id) = (editor.user.login.clone(), editor.user.id);
    state
        .db
        .write(move |tx| {
            let Some(post) = stored::find(tx.conn(), post_id)? else {
                return Err(AppError::not_found("That forum post"));
            };
            if !stored::dismiss(tx, post_id, now)? {
                return Err(AppError::conflict(
                    "forum_post_read",
                    "This forum post is not waiting for a look (it is a nomination already, or gone).",
                ));
            }
            crate::models::audit::record(
                tx,
                crate::models::audit::Entry::new(&login, "forum_dismiss", &format!("forum post {post_id}"))
                    .by_user(id)
                    .reason(reason.as_deref())
                    .detail(post.permalink),
                now,
            )?;
            Ok(())
        })
        .await
}

/// A stored post that needs a look, for the editor's form.
pub async fn post_needing_a_look(state: &AppState, post_id: i64) -> Result<StoredPost, AppError> {
    let post = state
        .db
        .read(move |conn| Ok(stored::find(conn, post_id)?))
        .await?
        .ok_or_else(|| AppError::not_found("That forum post"))?;
    if post.reading() != PostReading::NeedsLook {
        return Err(AppError::conflict(
            "forum_post_read",
            "This forum post is not waiting for a look (it is a nomination already, or gone).",
        ));
    }
    Ok(post)
}

/// The editor's reading of a post that needs a look: validated like a typed nomination, then
/// put on the ballot credited to the post (its poster thanked, linked to the post).
pub async fn nominate_from_post(
    state: &AppState,
    editor: &CurrentUser,
    post_id: i64,
    form: &NominationForm,
) -> Result<i32, AppError> {
    let post = post_needing_a_look(state, post_id).await?;
    let mut form = form.clone();
    form.category = post.category.as_str().to_string();
    let mut valid = form.validate().map_err(refusal::invalid)?;
    let facts = check_on_crates_io(state, &mut valid).await?;
    let open = state.open_week_for_write().await?;
    let now = state.clock.now();
    let settings = state.settings.clone();
    let host = settings
        .forum
        .as_ref()
        .and_then(|f| f.url.host_str().map(str::to_string))
        .unwrap_or_else(|| "forum".into());
    let editor_login = editor.user.login.clone();
    let editor_id = editor.user.id;
    let self_suggestion = matches!(&valid, ValidNomination::Crate(c) if c.self_suggestion);
    let decided = state
        .db
        .write(move |tx| {
            nomination::lock_week(tx, open.issue)?;
            let Some(mut post) = stored::find(tx.conn(), post_id)? else {
                return Err(AppError::not_found("That forum post"));
            };
            if post.reading() != PostReading::NeedsLook {
                return Err(AppError::conflict(
                    "forum_post_read",
                    "This forum post was turned into a nomination meanwhile.",
                ));
            }
            let account = stored::forum_account(tx, &host, now)?;
            let filing = Filing {
                valid: &valid,
                facts: facts.as_ref(),
                filer: Filer::Forum {
                    account,
                    week_issue: post.week_issue,
                },
                open_issue: open.issue,
                audit: Some(
                    AuditEntry::new(&editor_login, "forum_nomination", "")
                        .by_user(editor_id)
                        .detail(post.permalink.clone()),
                ),
            };
            let id = match file_nomination::file(tx, &settings, filing, now)? {
                Ok(filed) => filed.id(),
                Err(NotFiled::PastWinner(won)) => return Ok(Err(won)),
                // A forum post has no weekly limit; should one come, it is a refusal, not a fault.
                Err(NotFiled::Limit) => {
                    return Err(AppError::conflict(
                        "nomination_limit",
                        "This nomination is over a weekly limit.",
                    ))
                }
            };
            stored::credit(tx, post_id, id, self_suggestion)?;
            post.reading = PostReading::Suggestion.as_str().to_string();
            post.problem = None;
            post.read_at = now.naive_utc();
            stored::update(tx, &post)?;
            Ok(Ok(id))
        })
        .await?;
    let category = post.category;
    decided.map_err(|won| {
        refusal::past_winner(
            category,
            won,
            ballot_rule::again_from(won, state.settings.allow_repeat_after_weeks),
        )
    })
}
