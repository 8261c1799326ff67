//! Reading a Discourse forum's public JSON API, as its documentation describes it:
//! `GET /t/{topic}.json` (the topic's slug, `post_stream.stream` with every visible post id
//! in order, the first posts inline) and `GET /t/{topic}/posts.json?post_ids[]=…` for the rest,
//! in batches of 20 (`post_stream.posts`). Sends a User-Agent, gives up fast, and on `429`
//! waits what `Retry-After` asks (bounded) and tries once more.
//!
//! A post that does not parse is logged and skipped; the others still count.

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
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()?;
        Ok(Discourse { http, base })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.as_str().trim_end_matches('/'))
    }

    /// `GET /t/{topic}.json`.
    pub async fn topic(&self, topic: i64) -> Result<Topic, FetchError> {
        let body: TopicJson = self.get_json(&self.url(&format!("/t/{topic}.json")), &[]).await?;
        Ok(Topic {
            id: body.id,
            slug: body.slug,
            stream: body.post_stream.stream,
            posts: posts_of(body.post_stream.posts),
        })
    }

    /// `GET /t/{topic}/posts.json?post_ids[]=…` for at most `BATCH` ids. Ids the forum no
    /// longer shows (deleted by staff) are simply absent from the answer.
    pub async fn posts(&self, topic: i64, ids: &[i64]) -> Result<Vec<Post>, FetchError> {
        let query: Vec<(&str, String)> = ids.iter().map(|id| ("post_ids[]", id.to_string())).collect();
        let body: PostsJson = self
            .get_json(&self.url(&format!("/t/{topic}/posts.json")), &query)
            .await?;
        Ok(posts_of(body.post_stream.posts))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, String)],
    ) -> Result<T, FetchError> {
        let mut waited = false;
        loop {
            let response = self
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
            let bytes = response
                .bytes()
                .await
                .map_err(|e| FetchError::Unreachable(e.without_url().to_string()))?;
            return serde_json::from_slice(&bytes).map_err(|e| FetchError::Malformed(e.to_string()));
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

/// Posts that parse; each one that does not is logged and skipped.
fn posts_of(values: Vec<serde_json::Value>) -> Vec<Post> {
    values
        .into_iter()
        .filter_map(|v| match serde_json::from_value::<Post>(v) {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::warn!(error = %e, "skipping a forum post that could not be read");
                None
            }
        })
        .collect()
}
