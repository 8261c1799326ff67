//! The forum bridge: read the Crate and Quote of the Week threads and put their suggestions on
//! the ballot, credited to the post as TWiR credits them (the poster's forum name, linked to the
//! post). Each post is stored once (keyed by its id, so a second read or a second instance
//! writes nothing); a suggestion becomes a nomination (or a credit on the one already on the
//! ballot); what looks like a suggestion but cannot be read waits on the desk. Posts on open
//! ballots are read again for likes, edits and deletion. Nothing is ever deleted here: a post
//! gone from the forum hides its nomination, with the reason.

mod desk;
mod posts;

pub use desk::{
    desk_view, dismiss_post, draft_of, nominate_from_post, post_needing_a_look, ForumDesk, NeedsLook,
};

use crate::discourse::{self, Discourse, FetchError, Post};
use crate::domain::forum_post::Forum;
use crate::domain::validate::Category;
use crate::error::AppError;
use crate::models::forum::{self as stored, StoredPost};
use crate::models::forum_status;
use crate::settings::ForumSettings;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use posts::{apply, mark_gone, prepare, refresh};
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
        Self::with_timeout(settings, discourse::TIMEOUT)
    }

    /// A bridge that gives up on the forum after `timeout` (tests of a forum that hangs).
    pub fn with_timeout(settings: &ForumSettings, timeout: std::time::Duration) -> anyhow::Result<Bridge> {
        Ok(Bridge {
            client: Discourse::new(settings.url.clone(), timeout)?,
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

/// Requests one poll makes at most, both threads together.
pub const REQUESTS_PER_POLL: usize = 200;

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
        crate::telemetry::forum_read(topic, result.is_ok(), now);
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
                Ok(forum_status::record_read(
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
    // Each thread gets half of a poll's requests: a hostile thread cannot starve the other,
    // and a poll makes at most `REQUESTS_PER_POLL`.
    let budget = discourse::Budget::new(REQUESTS_PER_POLL / 2);
    let topic = bridge.client.topic(topic_id, &budget).await?;
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
                forum_status::floor(conn, topic_id)?,
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
    let mut stopped: Option<FetchError> = None;
    for batch in new_ids.rchunks(discourse::BATCH) {
        let mut posts: Vec<Post> = batch.iter().filter_map(|id| inline.get(id).cloned()).collect();
        let missing: Vec<i64> = batch
            .iter()
            .copied()
            .filter(|id| !inline.contains_key(id))
            .collect();
        if !missing.is_empty() {
            match bridge.client.posts(topic_id, &missing, &budget).await {
                Ok(found) => posts.extend(found),
                Err(e @ FetchError::OutOfRequests) => {
                    stopped = Some(e);
                    break;
                }
                Err(e) => return Err(e.into()),
            }
        }
        if posts.is_empty() {
            // The stream names posts the forum does not give: nothing older will be different.
            break;
        }
        let (recent, old): (Vec<Post>, Vec<Post>) =
            posts.into_iter().partition(|p| p.created_at >= from_time);
        fresh.extend(recent);
        if let Some(newest_old) = old.iter().map(|p| p.id).max() {
            // Everything up to here is older than any ballot: never fetched again.
            state
                .db
                .write(move |tx| Ok(forum_status::raise_floor(tx, topic_id, newest_old)?))
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
        if stopped.is_some() {
            break;
        }
        let ids: Vec<i64> = batch.iter().map(|p| p.post_id).collect();
        let answered: HashMap<i64, Post> = match bridge.client.posts(topic_id, &ids, &budget).await {
            Ok(posts) => posts.into_iter().map(|p| (p.id, p)).collect(),
            Err(e @ FetchError::OutOfRequests) => {
                stopped = Some(e);
                break;
            }
            Err(e) => return Err(e.into()),
        };
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
    if let Some(e) = stopped {
        // What was read is kept; the rest waits for the next poll.
        tracing::warn!(
            topic = topic_id,
            "{e}: the rest of the thread is read at the next poll"
        );
        report.errors.push(format!(
            "topic {topic_id}: {e}; the rest is read at the next poll"
        ));
    }
    Ok(slug)
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
            .write(move |tx| Ok(forum_status::take_lease(tx, &holder, now, until)?))
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
