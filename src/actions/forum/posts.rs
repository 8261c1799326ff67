//! One post of a thread: what it is (read, its suggestions checked like typed ones), stored
//! once with its nominations, read again for edits and likes, or marked gone.

use super::{Bridge, Report, SyncError, Thread};
use crate::actions::crate_lookup;
use crate::actions::file_nomination::{self, Filed, Filer, Filing, NotFiled};
use crate::crates_io::Lookup;
use crate::db::Tx;
use crate::discourse::Post;
use crate::domain::ballot as ballot_rule;
use crate::domain::forum_post::{self, Reading};
use crate::domain::validate::{Category, NominationForm, ValidNomination};
use crate::error::AppError;
use crate::models::audit::{self, Entry as AuditEntry};
use crate::models::forum::{self as stored, PostReading, StoredPost};
use crate::models::nomination::{self, CrateFacts};
use crate::models::week;
use crate::state::AppState;
use chrono::{DateTime, Utc};

/// A suggestion made ready to store: validated like a form typed on the site.
#[derive(Debug, Clone)]
pub(super) enum Prepared {
    Nomination {
        valid: ValidNomination,
        facts: Option<CrateFacts>,
        self_suggestion: bool,
    },
    Problem {
        problem: String,
        draft: NominationForm,
    },
}

/// What a post is, with each suggestion checked (crates.io asked about crates).
#[derive(Debug, Clone)]
pub(super) enum Understood {
    Discussion,
    Gone(&'static str),
    Suggestions(Vec<Prepared>),
}

pub(super) async fn prepare(
    state: &AppState,
    bridge: &Bridge,
    category: Category,
    post: &Post,
) -> Understood {
    if let Some(reason) = post.gone() {
        return Understood::Gone(reason);
    }
    // The first post opens the thread: it invites suggestions, it is not one.
    if post.post_number <= 1 {
        return Understood::Discussion;
    }
    let reading = match category {
        Category::Crate => forum_post::read_crate_post(&post.cooked),
        Category::Quote => forum_post::read_quote_post(&post.cooked, &bridge.forum),
    };
    match reading {
        Reading::Discussion => Understood::Discussion,
        Reading::NeedsLook { problem, draft } => Understood::Suggestions(vec![Prepared::Problem {
            problem,
            draft: *draft,
        }]),
        Reading::Suggestions(forms) => {
            let mut out = Vec::new();
            for form in forms {
                out.push(check(state, post, form).await);
            }
            Understood::Suggestions(out)
        }
    }
}

/// Check one suggested form as the site checks a typed one; a crate is looked up on crates.io
/// (its canonical name, its description as the pitch when the post gives none, and its owners:
/// the poster among them makes it a self-suggestion).
pub(super) async fn check(state: &AppState, post: &Post, mut form: NominationForm) -> Prepared {
    let mut facts = None;
    if form.category == "crate" {
        match crate_lookup::lookup(state, &form.crate_name).await {
            Lookup::Found { name, facts: found } => {
                form.crate_name = name;
                if form.pitch.trim().is_empty() {
                    form.pitch = found.description.clone().unwrap_or_default();
                }
                facts = Some(found);
            }
            Lookup::NotFound => {
                let problem = format!("{} is not on crates.io.", form.crate_name);
                return Prepared::Problem { problem, draft: form };
            }
            Lookup::Unreachable(_) => {}
        }
        if form.self_suggestion.is_none() {
            let owners = crate_lookup::owners(state, &form.crate_name)
                .await
                .unwrap_or_default();
            if owners.iter().any(|o| o.eq_ignore_ascii_case(&post.username)) {
                form.self_suggestion = Some("on".into());
            }
        }
    }
    let self_suggestion = form.self_suggestion.is_some();
    match form.validate() {
        Ok(valid) => Prepared::Nomination {
            valid,
            facts,
            self_suggestion,
        },
        Err(errors) => Prepared::Problem {
            problem: errors
                .iter()
                .map(|(_, e)| e.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            draft: form,
        },
    }
}

pub(super) fn stored_post(
    bridge: &Bridge,
    thread: &Thread,
    post: &Post,
    understood: &Understood,
    week_issue: i32,
    now: DateTime<Utc>,
) -> StoredPost {
    let (reading, problem, draft) = match understood {
        Understood::Discussion => (PostReading::Discussion, None, None),
        Understood::Gone(why) => (PostReading::Gone, Some(why.to_string()), None),
        Understood::Suggestions(list) => match list.iter().find(|p| matches!(p, Prepared::Nomination { .. }))
        {
            Some(_) => (PostReading::Suggestion, None, None),
            None => match list.first() {
                Some(Prepared::Problem { problem, draft }) => (
                    PostReading::NeedsLook,
                    Some(problem.clone()),
                    serde_json::to_string(draft).ok(),
                ),
                _ => (PostReading::Discussion, None, None),
            },
        },
    };
    StoredPost {
        post_id: post.id,
        topic_id: thread.topic_id,
        topic_slug: thread.slug.clone(),
        post_number: post.post_number,
        permalink: bridge
            .forum
            .permalink(&thread.slug, thread.topic_id, post.post_number),
        category: thread.category,
        username: post.username.clone(),
        name: post.name.clone().filter(|n| !n.trim().is_empty()),
        posted_at: post.created_at.naive_utc(),
        edited_at: post.edited_at().naive_utc(),
        cooked: post.cooked.clone(),
        likes: i32::try_from(post.likes()).unwrap_or(i32::MAX),
        reading: reading.as_str().to_string(),
        problem,
        draft,
        week_issue,
        first_read_at: now.naive_utc(),
        read_at: now.naive_utc(),
    }
}

/// Store a post read for the first time (`before` None) or again after an edit, and put its
/// suggestions on the ballot. One transaction per post, taking the same week lock as a
/// nomination typed on the site, so duplicates are checked against everything committed.
/// Returns whether anything was written.
pub(super) async fn apply(
    state: &AppState,
    bridge: &Bridge,
    thread: &Thread,
    post: &Post,
    understood: Understood,
    before: Option<StoredPost>,
    report: &mut Report,
) -> Result<bool, SyncError> {
    let open = state.open_week_for_write().await?;
    let now = state.clock.now();
    let settings = state.settings.clone();
    let bridge = bridge.clone();
    let thread = thread.clone();
    let post = post.clone();
    let outcome = state
        .db
        .write(move |tx| {
            nomination::lock_week(tx, open.issue)?;
            let already = stored::find(tx.conn(), post.id)?;
            let week_issue = match (&before, &already) {
                (None, Some(_)) => return Ok(None),
                (_, Some(existing)) => existing.week_issue,
                (_, None) => week::find_or_insert_week_holding(tx, &settings.calendar, post.created_at)?
                    .map(|w| w.issue.min(open.issue))
                    .unwrap_or(open.issue),
            };
            let mut row = stored_post(&bridge, &thread, &post, &understood, week_issue, now);
            // An editor dismissed it: a discussion it stays, whatever an edit now says.
            let dismissed = already.is_some() && stored::is_dismissed(tx.conn(), post.id)?;
            if dismissed {
                row.reading = PostReading::Discussion.as_str().to_string();
                row.problem = None;
            }
            match &already {
                None => {
                    stored::insert(tx, &row)?;
                }
                Some(existing) => {
                    row.first_read_at = existing.first_read_at;
                    stored::update(tx, &row)?;
                }
            }
            let was_suggestion = before
                .as_ref()
                .is_some_and(|b| b.reading() == PostReading::Suggestion);
            let Understood::Suggestions(list) = &understood else {
                return Ok(Some((Vec::new(), row.reading() == PostReading::NeedsLook)));
            };
            if dismissed {
                return Ok(Some((Vec::new(), false)));
            }
            let account = stored::forum_account(tx, &bridge.host(), now)?;
            let mut made: Vec<Category> = Vec::new();
            let mut refused: Option<String> = None;
            for prepared in list {
                let Prepared::Nomination {
                    valid,
                    facts,
                    self_suggestion,
                } = prepared
                else {
                    continue;
                };
                if was_suggestion {
                    // An edit of a suggestion already on the ballot: reword what it created,
                    // unless picked or reworded by the editors (their wording wins).
                    for id in stored::credited_by(tx.conn(), post.id)? {
                        if stored::created_from(tx.conn(), id, post.id, account)?
                            && !stored::is_picked(tx.conn(), id)?
                            && !crate::models::wording::is_edited(tx.conn(), id)?
                        {
                            nomination::reword(tx, id, valid)?;
                        }
                    }
                    continue;
                }
                let filing = Filing {
                    valid,
                    facts: facts.as_ref(),
                    filer: Filer::Forum { account, week_issue },
                    open_issue: open.issue,
                    audit: Some(
                        AuditEntry::new("forum", "forum_nomination", "").detail(row.permalink.clone()),
                    ),
                };
                let id = match file_nomination::file(tx, &settings, filing, now)? {
                    Ok(filed) => {
                        if let Filed::Created(_) = filed {
                            made.push(valid.category());
                        }
                        filed.id()
                    }
                    Err(NotFiled::PastWinner(won)) => {
                        refused = Some(format!(
                            "Already featured in issue {won}; it may come back from issue {}.",
                            ballot_rule::again_from(won, settings.allow_repeat_after_weeks)
                        ));
                        continue;
                    }
                    // Only a member has a weekly limit.
                    Err(NotFiled::Limit) => continue,
                };
                stored::credit(tx, post.id, id, *self_suggestion)?;
            }
            if let (Some(problem), true, false) = (&refused, made.is_empty(), was_suggestion) {
                // Nothing could go on the ballot: the editor sees why, with the draft.
                row.reading = PostReading::NeedsLook.as_str().to_string();
                row.problem = Some(problem.clone());
                row.draft = list.iter().find_map(|p| match p {
                    Prepared::Nomination { valid, .. } => serde_json::to_string(&form_of(valid)).ok(),
                    Prepared::Problem { draft, .. } => serde_json::to_string(draft).ok(),
                });
                stored::update(tx, &row)?;
            }
            Ok(Some((made, row.reading() == PostReading::NeedsLook)))
        })
        .await?;
    Ok(match outcome {
        None => false,
        Some((made, needs_look)) => {
            // Counted once committed.
            for category in &made {
                crate::telemetry::count_nomination(*category, "forum");
            }
            report.nominations += made.len();
            report.needs_look += usize::from(needs_look);
            true
        }
    })
}

/// A valid nomination back as the form that makes it (for the editor's draft).
pub(super) fn form_of(valid: &ValidNomination) -> NominationForm {
    match valid {
        ValidNomination::Crate(c) => NominationForm {
            category: "crate".into(),
            crate_name: c.name.as_str().to_string(),
            pitch: c.pitch.clone(),
            url: c.url.clone().unwrap_or_default(),
            why: c.why.clone().unwrap_or_default(),
            self_suggestion: c.self_suggestion.then(|| "on".to_string()),
            ..NominationForm::default()
        },
        ValidNomination::Quote(q) => NominationForm {
            category: "quote".into(),
            text: q.text.clone(),
            author: q.author.clone(),
            where_said: q.where_said.clone(),
            source_url: q.source_url.clone(),
            context: q.context.clone().unwrap_or_default(),
            ..NominationForm::default()
        },
    }
}

/// A post read again: new likes, an edit (read again and applied), or gone.
pub(super) async fn refresh(
    state: &AppState,
    bridge: &Bridge,
    thread: &Thread,
    post: &Post,
    old: &StoredPost,
    report: &mut Report,
) -> Result<(), SyncError> {
    if let Some(reason) = post.gone() {
        return mark_gone(state, old.post_id, reason, report).await;
    }
    // Any change of the cooked text is an edit (Discourse bumps `updated_at` too, but re-cooks
    // without one now and then: reading it again is harmless).
    if post.cooked != old.cooked {
        let understood = prepare(state, bridge, thread.category, post).await;
        apply(state, bridge, thread, post, understood, Some(old.clone()), report).await?;
        report.edited += 1;
        return Ok(());
    }
    let likes = i32::try_from(post.likes()).unwrap_or(i32::MAX);
    if likes != old.likes {
        let now = state.clock.now();
        let id = old.post_id;
        state
            .db
            .write(move |tx| Ok(stored::set_likes(tx, id, likes, now)?))
            .await?;
        report.likes_changed += 1;
    }
    Ok(())
}

/// A post deleted or hidden on the forum: marked gone, and each nomination that no one else
/// credits is hidden with the reason (the rows stay).
pub(super) async fn mark_gone(
    state: &AppState,
    post_id: i64,
    reason: &'static str,
    report: &mut Report,
) -> Result<(), SyncError> {
    let now = state.clock.now();
    state
        .db
        .write(move |tx| {
            let Some(mut row) = stored::find(tx.conn(), post_id)? else {
                return Ok(());
            };
            if row.reading() == PostReading::Gone {
                return Ok(());
            }
            row.reading = PostReading::Gone.as_str().to_string();
            row.problem = Some(reason.to_string());
            row.read_at = now.naive_utc();
            stored::update(tx, &row)?;
            hide_orphans(tx, post_id, reason, now)?;
            Ok(())
        })
        .await?;
    report.gone += 1;
    Ok(())
}

pub(super) fn hide_orphans(
    tx: &mut Tx<'_>,
    post_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    for id in stored::credited_by(tx.conn(), post_id)? {
        if !stored::credited_elsewhere(tx.conn(), id, post_id)? {
            nomination::set_hidden(tx, id, true, Some(reason))?;
            audit::record(
                tx,
                AuditEntry::new("forum", "hide", &format!("nomination {id}")).reason(Some(reason)),
                now,
            )?;
        }
    }
    Ok(())
}
