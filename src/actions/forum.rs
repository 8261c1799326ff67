//! The forum bridge: read the Crate and Quote of the Week threads and put their suggestions on
//! the ballot, credited to the post as TWiR credits them (the poster's forum name, linked to the
//! post). Each post is stored once (keyed by its id, so a second read or a second instance
//! writes nothing); a suggestion becomes a nomination (or a credit on the one already on the
//! ballot); what looks like a suggestion but cannot be read waits on the desk. Posts on open
//! ballots are read again for likes, edits and deletion. Nothing is ever deleted here: a post
//! gone from the forum hides its nomination, with the reason.

use crate::crates_io::{self, Lookup};
use crate::db::Tx;
use crate::discourse::{self, Discourse, FetchError, Post};
use crate::domain::ballot as ballot_rule;
use crate::domain::forum_post::{self, Forum, Reading};
use crate::domain::validate::{Category, NominationForm, ValidNomination};
use crate::error::AppError;
use crate::models::audit::{self, Entry as AuditEntry};
use crate::models::forum::{self as stored, PostReading, StoredPost};
use crate::models::nomination::{self, CrateFacts};
use crate::models::{ballot, week};
use crate::settings::ForumSettings;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// What one read of the threads did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub new_posts: usize,
    pub nominations: usize,
    pub needs_look: usize,
    pub edited: usize,
    pub likes_changed: usize,
    pub gone: usize,
    /// One line per thread that could not be read.
    pub errors: Vec<String>,
}

/// The bridge: the forum's client and what the threads are.
#[derive(Clone)]
pub struct Bridge {
    client: Discourse,
    forum: Forum,
    settings: ForumSettings,
}

impl Bridge {
    pub fn new(settings: &ForumSettings) -> anyhow::Result<Bridge> {
        Ok(Bridge {
            client: Discourse::new(settings.url.clone(), discourse::TIMEOUT)?,
            forum: Forum {
                base: settings.url.clone(),
                quote_topic: settings.quote_topic,
            },
            settings: settings.clone(),
        })
    }

    fn host(&self) -> String {
        self.settings.url.host_str().unwrap_or("forum").to_string()
    }
}

/// One thread as read now: its topic, slug, and which category its posts suggest.
#[derive(Debug, Clone)]
struct Thread {
    topic_id: i64,
    slug: String,
    category: Category,
}

/// Read both threads once. `weeks`: how many weeks back new posts are taken (default the
/// ballot window, `BALLOT_WEEKS`). A thread that cannot be read is recorded (the desk shows
/// it) and the other is still read.
pub async fn sync(state: &AppState, bridge: &Bridge, weeks: Option<i32>) -> Result<Report, AppError> {
    let open = state.open_week_for_write().await?;
    let ballot_weeks = state.settings.ballot_weeks.max(1);
    let back = weeks.unwrap_or(ballot_weeks).max(1);
    let from_issue = open.issue.saturating_sub(back - 1);
    let from_time = state
        .settings
        .calendar
        .window(from_issue)
        .opens_at
        .min(open.opens_at.and_utc());
    let live_from = open.issue.saturating_sub(ballot_weeks - 1);
    let mut report = Report::default();
    for (topic, category) in [
        (bridge.settings.crate_topic, Category::Crate),
        (bridge.settings.quote_topic, Category::Quote),
    ] {
        let result = sync_topic(state, bridge, topic, category, from_time, live_from, &mut report).await;
        let now = state.clock.now();
        let (slug, error) = match &result {
            Ok(slug) => (Some(slug.clone()), None),
            Err(e) => (None, Some(e.to_string())),
        };
        if let Some(e) = &error {
            tracing::warn!(topic, error = %e, "reading the forum thread failed");
            report.errors.push(format!("topic {topic}: {e}"));
        }
        state
            .db
            .write(move |tx| {
                Ok(stored::record_read(
                    tx,
                    topic,
                    slug.as_deref(),
                    error.as_deref(),
                    now,
                )?)
            })
            .await?;
    }
    Ok(report)
}

#[derive(Debug, thiserror::Error)]
enum SyncError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{0}")]
    Store(String),
}

impl From<AppError> for SyncError {
    fn from(e: AppError) -> Self {
        SyncError::Store(e.to_string())
    }
}

/// Read one thread: its new posts since `from_time`, then the live posts from week
/// `live_from` on again. Returns the topic's slug.
async fn sync_topic(
    state: &AppState,
    bridge: &Bridge,
    topic_id: i64,
    category: Category,
    from_time: DateTime<Utc>,
    live_from: i32,
    report: &mut Report,
) -> Result<String, SyncError> {
    let topic = bridge.client.topic(topic_id).await?;
    let slug = topic.slug.clone();
    let thread = Thread {
        topic_id,
        slug: slug.clone(),
        category,
    };
    let (known, floor, live) = state
        .db
        .read(move |conn| {
            Ok((
                stored::known_ids(conn, topic_id)?
                    .into_iter()
                    .collect::<HashSet<i64>>(),
                stored::floor(conn, topic_id)?,
                stored::live_since(conn, topic_id, live_from)?,
            ))
        })
        .await?;
    let inline: HashMap<i64, Post> = topic.posts.iter().map(|p| (p.id, p.clone())).collect();

    // New posts, newest first, until a batch reaches back past the window.
    let new_ids: Vec<i64> = topic
        .stream
        .iter()
        .copied()
        .filter(|id| *id > floor && !known.contains(id))
        .collect();
    let mut fresh: Vec<Post> = Vec::new();
    for batch in new_ids.rchunks(discourse::BATCH) {
        let mut posts: Vec<Post> = batch.iter().filter_map(|id| inline.get(id).cloned()).collect();
        let missing: Vec<i64> = batch
            .iter()
            .copied()
            .filter(|id| !inline.contains_key(id))
            .collect();
        if !missing.is_empty() {
            posts.extend(bridge.client.posts(topic_id, &missing).await?);
        }
        let (recent, old): (Vec<Post>, Vec<Post>) =
            posts.into_iter().partition(|p| p.created_at >= from_time);
        fresh.extend(recent);
        if let Some(newest_old) = old.iter().map(|p| p.id).max() {
            // Everything up to here is older than any ballot: never fetched again.
            state
                .db
                .write(move |tx| Ok(stored::raise_floor(tx, topic_id, newest_old)?))
                .await?;
            break;
        }
    }
    fresh.sort_by_key(|p| p.id);
    for post in &fresh {
        let prepared = prepare(state, bridge, category, post).await;
        if apply(state, bridge, &thread, post, prepared, None, report).await? {
            report.new_posts += 1;
        }
    }

    // Posts on open ballots: likes, edits, deletions.
    let fresh_ids: HashSet<i64> = fresh.iter().map(|p| p.id).collect();
    let in_stream: HashSet<i64> = topic.stream.iter().copied().collect();
    let live: Vec<StoredPost> = live
        .into_iter()
        .filter(|p| !fresh_ids.contains(&p.post_id))
        .collect();
    for batch in live.chunks(discourse::BATCH) {
        let ids: Vec<i64> = batch.iter().map(|p| p.post_id).collect();
        let answered: HashMap<i64, Post> = bridge
            .client
            .posts(topic_id, &ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        for old in batch {
            match answered.get(&old.post_id) {
                Some(post) => refresh(state, bridge, &thread, post, old, report).await?,
                // Deleted by staff: gone from the stream and from the answer.
                None if !in_stream.contains(&old.post_id) => {
                    mark_gone(state, old.post_id, "deleted on the forum", report).await?
                }
                None => {}
            }
        }
    }
    Ok(slug)
}

/// A suggestion made ready to store: validated like a form typed on the site.
#[derive(Debug, Clone)]
enum Prepared {
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
enum Understood {
    Discussion,
    Gone(&'static str),
    Suggestions(Vec<Prepared>),
}

async fn prepare(state: &AppState, bridge: &Bridge, category: Category, post: &Post) -> Understood {
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
async fn check(state: &AppState, post: &Post, mut form: NominationForm) -> Prepared {
    let mut facts = None;
    if form.category == "crate" {
        match crates_io::lookup(state, &form.crate_name).await {
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
            let owners = state.crates_io.owners(&form.crate_name).await.unwrap_or_default();
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

fn stored_post(
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
        category: thread.category.as_str().to_string(),
        username: post.username.clone(),
        name: post.name.clone().filter(|n| !n.trim().is_empty()),
        posted_at: post.created_at.naive_utc(),
        edited_at: post.updated_at.naive_utc(),
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
async fn apply(
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
                (_, None) => week::holding(tx, &settings.calendar, post.created_at)?
                    .map(|w| w.issue.min(open.issue))
                    .unwrap_or(open.issue),
            };
            let mut row = stored_post(&bridge, &thread, &post, &understood, week_issue, now);
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
                return Ok(Some((0, row.reading() == PostReading::NeedsLook)));
            };
            let account = stored::forum_account(tx, &bridge.host(), now)?;
            let mut made = 0;
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
                    // An edit of a suggestion already on the ballot: reword what it created.
                    for id in stored::credited_by(tx.conn(), post.id)? {
                        if stored::created_from(tx.conn(), id, post.id, account)?
                            && !stored::is_picked(tx.conn(), id)?
                        {
                            nomination::reword(tx, id, valid)?;
                        }
                    }
                    continue;
                }
                let key = valid.dedupe_key();
                let category = valid.category();
                if let Some(won) = nomination::last_win(tx.conn(), category, &key)? {
                    if ballot_rule::too_recent_a_winner(
                        Some(won),
                        week_issue,
                        settings.allow_repeat_after_weeks,
                    ) {
                        refused = Some(format!(
                            "Already featured in issue {won}; it may come back from issue {}.",
                            ballot_rule::again_from(won, settings.allow_repeat_after_weeks)
                        ));
                        continue;
                    }
                }
                let id = match ballot::on_ballot_by_key(
                    tx.conn(),
                    category,
                    &key,
                    open.issue,
                    settings.ballot_weeks,
                )? {
                    Some(existing) => existing.id,
                    None => {
                        let id = nomination::insert_from_forum(
                            tx,
                            valid,
                            week_issue,
                            account,
                            facts.as_ref(),
                            now,
                        )?;
                        audit::record(
                            tx,
                            AuditEntry::new("forum", "forum_nomination", &format!("nomination {id}"))
                                .detail(row.permalink.clone()),
                            now,
                        )?;
                        made += 1;
                        id
                    }
                };
                stored::credit(tx, post.id, id, *self_suggestion)?;
            }
            if let (Some(problem), 0, false) = (&refused, made, was_suggestion) {
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
            report.nominations += made;
            report.needs_look += usize::from(needs_look);
            true
        }
    })
}

/// A valid nomination back as the form that makes it (for the editor's draft).
fn form_of(valid: &ValidNomination) -> NominationForm {
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
async fn refresh(
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
    if post.updated_at.naive_utc() > old.edited_at && post.cooked != old.cooked {
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
async fn mark_gone(
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

fn hide_orphans(tx: &mut Tx<'_>, post_id: i64, reason: &str, now: DateTime<Utc>) -> Result<(), AppError> {
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

/// Poll the threads every `FORUM_POLL_SECONDS` while this instance holds the lease (one
/// instance reads at a time; the lease outlives a poll so a crashed holder is replaced).
pub async fn poll_forever(state: AppState, bridge: Bridge) {
    let holder = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    );
    let poll = bridge.settings.poll;
    let mut tick = tokio::time::interval(poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = state.clock.now();
        let until = now + chrono::Duration::from_std(poll * 3).unwrap_or(chrono::Duration::minutes(15));
        let holder = holder.clone();
        let mine = state
            .db
            .write(move |tx| Ok(stored::take_lease(tx, &holder, now, until)?))
            .await
            .unwrap_or(false);
        if !mine {
            continue;
        }
        match sync(&state, &bridge, None).await {
            Ok(report) => tracing::info!(?report, "read the forum threads"),
            Err(e) => tracing::warn!(error = %e, "reading the forum threads failed"),
        }
    }
}
