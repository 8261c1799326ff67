//! Reading a Discourse forum's public JSON API, as its documentation describes it:
//! `GET /t/{topic}.json` (the topic's slug, `post_stream.stream` with every visible post id
//! in order, the first posts inline) and `GET /t/{topic}/posts.json?post_ids[]=…` for the rest,
//! in batches of 20 (`post_stream.posts`). Sends a User-Agent, gives up fast, and on `429`
//! waits what `Retry-After` asks (bounded) and tries once more.
//!
//! The forum is untrusted input, like a form: an answer is read up to `MAX_BODY` and refused
//! past it, a redirect is followed only on the same host, and every request of a poll is
//! counted against a `Budget`. A post that does not parse is skipped (one warning per answer);
//! the others still count.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::time::Duration;
use url::Url;

/// How long the forum may take for one request.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// Discourse's own batch size for `posts.json`.
pub const BATCH: usize = 20;
/// The longest `Retry-After` honoured within one read; past it, the read stops here.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// The largest answer read. A topic's first page with 20 posts is about 100 KiB, a
/// `posts.json` batch less; a thread's stream of ids 8 bytes a post.
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// Redirects followed within one request, all on the forum's own host.
const MAX_REDIRECTS: usize = 3;

/// Requests a read may still make; shared by the calls of one thread's read.
#[derive(Debug)]
pub struct Budget(std::sync::atomic::AtomicUsize);

impl Budget {
    pub fn new(requests: usize) -> Budget {
        Budget(std::sync::atomic::AtomicUsize::new(requests))
    }

    /// Takes one request, or says the budget is spent.
    fn take(&self) -> Result<(), FetchError> {
        use std::sync::atomic::Ordering;
        self.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .map(|_| ())
            .map_err(|_| FetchError::OutOfRequests)
    }
}

/// One post, with the fields the bridge reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Post {
    pub id: i64,
    pub post_number: i32,
    pub username: String,
    #[serde(default)]
    pub name: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Absent on some answers: then the post counts as never edited.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub cooked: String,
    #[serde(default)]
    pub actions_summary: Vec<ActionSummary>,
    /// Flagged by the community: the cooked text is replaced by a notice.
    #[serde(default)]
    pub hidden: bool,
    /// Withdrawn by its author: "(post deleted by author)".
    #[serde(default)]
    pub user_deleted: bool,
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ActionSummary {
    pub id: i64,
    #[serde(default)]
    pub count: Option<i64>,
}

/// Discourse's post action type for a like.
const LIKE: i64 = 2;

impl Post {
    pub fn edited_at(&self) -> DateTime<Utc> {
        self.updated_at.unwrap_or(self.created_at)
    }

    pub fn likes(&self) -> i64 {
        self.actions_summary
            .iter()
            .find(|a| a.id == LIKE)
            .and_then(|a| a.count)
            .unwrap_or(0)
    }

    /// Deleted or hidden on the forum, with the reason the nomination is hidden for.
    pub fn gone(&self) -> Option<&'static str> {
        if self.user_deleted || self.deleted_at.is_some() {
            Some("deleted on the forum")
        } else if self.hidden {
            Some("hidden on the forum")
        } else {
            None
        }
    }
}

/// A topic: its slug, every post id, and the posts that came inline.
#[derive(Debug, Clone)]
pub struct Topic {
    pub id: i64,
    pub slug: String,
    pub stream: Vec<i64>,
    pub posts: Vec<Post>,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the forum asks to wait {0:?} (429)")]
    RateLimited(Duration),
    #[error("the forum answered {0}")]
    Status(u16),
    #[error("the forum could not be reached: {0}")]
    Unreachable(String),
    #[error("the forum's answer could not be read: {0}")]
    Malformed(String),
    #[error("the forum's answer is larger than {} MiB", MAX_BODY / (1024 * 1024))]
    TooLarge,
    #[error("this read made as many requests as one poll may")]
    OutOfRequests,
}

#[derive(Clone)]
pub struct Discourse {
    http: reqwest::Client,
    base: Url,
}

#[derive(Deserialize)]
struct TopicJson {
    id: i64,
    #[serde(default)]
    slug: String,
    post_stream: StreamJson,
}

/// `posts.json` answers `{"post_stream": {"posts": [...]}, "id": topic}`.
#[derive(Deserialize)]
struct PostsJson {
    post_stream: StreamJson,
}

#[derive(Deserialize)]
struct StreamJson {
    #[serde(default)]
    posts: Vec<serde_json::Value>,
    #[serde(default)]
    stream: Vec<i64>,
}

impl Discourse {
    pub fn new(base: Url, timeout: Duration) -> anyhow::Result<Discourse> {
        let http = reqwest::Client::builder()
            .user_agent(concat!(
                "twir-picks/",
                env!("CARGO_PKG_VERSION"),
                " (This Week in Rust Crate and Quote of the Week)"
            ))
            .connect_timeout(timeout)
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let first = attempt.previous().first();
                let same_site = first.is_some_and(|f| {
                    f.scheme() == attempt.url().scheme()
                        && f.host_str() == attempt.url().host_str()
                        && f.port_or_known_default() == attempt.url().port_or_known_default()
                });
                if same_site && attempt.previous().len() <= MAX_REDIRECTS {
                    attempt.follow()
                } else {
                    attempt.stop()
                }
            }))
            .build()?;
        Ok(Discourse { http, base })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.as_str().trim_end_matches('/'))
    }

    /// `GET /t/{topic}.json`.
    pub async fn topic(&self, topic: i64, budget: &Budget) -> Result<Topic, FetchError> {
        let body: TopicJson = self
            .get_json(&self.url(&format!("/t/{topic}.json")), &[], budget)
            .await?;
        Ok(Topic {
            id: body.id,
            slug: body.slug,
            stream: body.post_stream.stream,
            posts: posts_of(body.post_stream.posts),
        })
    }

    /// `GET /t/{topic}/posts.json?post_ids[]=…` for at most `BATCH` ids. Ids the forum no
    /// longer shows (deleted by staff) are simply absent from the answer.
    pub async fn posts(&self, topic: i64, ids: &[i64], budget: &Budget) -> Result<Vec<Post>, FetchError> {
        let query: Vec<(&str, String)> = ids.iter().map(|id| ("post_ids[]", id.to_string())).collect();
        let body: PostsJson = self
            .get_json(&self.url(&format!("/t/{topic}/posts.json")), &query, budget)
            .await?;
        Ok(posts_of(body.post_stream.posts))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, String)],
        budget: &Budget,
    ) -> Result<T, FetchError> {
        let mut waited = false;
        loop {
            budget.take()?;
            let mut response = self
                .http
                .get(url)
                .query(query)
                .header("Accept", "application/json")
                .send()
                .await
                .map_err(|e| FetchError::Unreachable(e.without_url().to_string()))?;
            let status = response.status().as_u16();
            if status == 429 {
                let wait = retry_after(&response);
                if waited || wait > MAX_RETRY_AFTER {
                    return Err(FetchError::RateLimited(wait));
                }
                tracing::info!(seconds = wait.as_secs_f64(), "forum rate limit: waiting");
                tokio::time::sleep(wait).await;
                waited = true;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(FetchError::Status(status));
            }
            if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
                return Err(FetchError::TooLarge);
            }
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| FetchError::Unreachable(e.without_url().to_string()))?
            {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(FetchError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            return serde_json::from_slice(&body).map_err(|e| FetchError::Malformed(e.to_string()));
        }
    }
}

/// `Retry-After` in seconds (Discourse sends seconds), else 5 s.
fn retry_after(response: &reqwest::Response) -> Duration {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(3600.0)))
        .unwrap_or(Duration::from_secs(5))
}

/// Posts that parse; those that do not are skipped, with one warning for the whole answer
/// (a hostile answer of a million broken posts is one line in the log, not a million).
fn posts_of(values: Vec<serde_json::Value>) -> Vec<Post> {
    let (posts, skipped) = parse_posts(values);
    if let Some((count, first)) = skipped {
        tracing::warn!(count, first_error = %first, "skipping forum posts that could not be read");
    }
    posts
}

/// The posts that parse, and how many did not with the first reason.
fn parse_posts(values: Vec<serde_json::Value>) -> (Vec<Post>, Option<(usize, String)>) {
    let mut posts = Vec::with_capacity(values.len());
    let mut skipped: Option<(usize, String)> = None;
    for value in values {
        match serde_json::from_value::<Post>(value) {
            Ok(p) => posts.push(p),
            Err(e) => match &mut skipped {
                Some((count, _)) => *count += 1,
                None => skipped = Some((1, e.to_string())),
            },
        }
    }
    (posts, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_posts_are_counted_once_per_answer() {
        let mut values = vec![serde_json::json!({ "broken": true }); 1000];
        values.push(serde_json::json!({
            "id": 1, "post_number": 2, "username": "a", "created_at": "2026-11-19T08:00:00Z"
        }));
        let (posts, skipped) = parse_posts(values);
        assert_eq!(posts.len(), 1);
        assert_eq!(skipped.map(|(n, _)| n), Some(1000));
    }

    #[test]
    fn a_budget_runs_out() {
        let budget = Budget::new(2);
        assert!(budget.take().is_ok() && budget.take().is_ok());
        assert!(matches!(budget.take(), Err(FetchError::OutOfRequests)));
    }
}
