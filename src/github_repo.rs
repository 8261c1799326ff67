//! The few GitHub REST endpoints the draft proposal uses, with the bot's token: a file's
//! contents (read, commit), branch refs (read, create, move), pull requests (find, open,
//! update) and a branch's head commit. Every URL comes from `GITHUB_API_URL`, so tests run it
//! against a fake. The token goes into the `Authorization` header and nowhere else: errors
//! carry status codes and GitHub's `message`, never a request.

use crate::settings::{RepoName, Secret};
use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use url::Url;

/// What went wrong talking to GitHub, worded for the desk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoError {
    /// 401, or a 403 that is not a rate limit: the token is wrong, expired or lacks a scope.
    #[error("GitHub refused the bot's token ({status}): check DRAFT_GITHUB_TOKEN and that the bot may push to its fork and open pull requests")]
    Refused { status: u16 },
    /// 403 or 429 with the rate limit spent; `until` when GitHub said.
    #[error("GitHub's rate limit for the bot is spent{}", until.map(|t| format!(": try again after {}", t.format("%H:%M UTC"))).unwrap_or_default())]
    RateLimited { until: Option<DateTime<Utc>> },
    /// No such file, branch or repository (404).
    #[error("not found on GitHub: {0}")]
    NotFound(String),
    /// The file changed since it was read (409 on a contents PUT).
    #[error("the file changed on GitHub while it was being written")]
    Conflict,
    /// 422: GitHub did not accept the request as made (`message`).
    #[error("GitHub did not accept the request: {0}")]
    Unprocessable(String),
    #[error("GitHub could not be reached: {0}")]
    Unreachable(String),
    #[error("GitHub answered unexpectedly: {0}")]
    Unexpected(String),
}

/// A text file as stored at one ref: its text and its blob sha (needed to replace it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoFile {
    pub text: String,
    pub sha: String,
}

/// An open pull request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PullRequest {
    pub number: i64,
    pub html_url: String,
}

#[derive(Clone)]
pub struct GithubRepos {
    http: reqwest::Client,
    api_url: Url,
    token: Secret,
}

#[derive(Deserialize)]
struct ContentsAnswer {
    #[serde(default)]
    content: String,
    #[serde(default)]
    encoding: String,
    sha: String,
}

#[derive(Deserialize)]
struct RefAnswer {
    object: RefObject,
}

#[derive(Deserialize)]
struct RefObject {
    sha: String,
}

#[derive(Deserialize)]
struct CommitAnswer {
    sha: String,
}

#[derive(Deserialize)]
struct PutAnswer {
    commit: CommitAnswer,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    #[serde(default)]
    message: String,
    #[serde(default)]
    errors: Vec<ErrorDetail>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    message: String,
}

#[derive(Serialize)]
struct PutContents<'a> {
    message: &'a str,
    content: String,
    sha: &'a str,
    branch: &'a str,
}

#[derive(Serialize)]
struct NewRef<'a> {
    #[serde(rename = "ref")]
    ref_: String,
    sha: &'a str,
}

#[derive(Serialize)]
struct MoveRef<'a> {
    sha: &'a str,
    force: bool,
}

#[derive(Serialize)]
struct NewPull<'a> {
    title: &'a str,
    head: String,
    base: &'a str,
    body: &'a str,
    maintainer_can_modify: bool,
}

#[derive(Serialize)]
struct EditPull<'a> {
    title: &'a str,
    body: &'a str,
}

/// What the bot's token says about itself (`GET /user`).
#[derive(Debug, Clone, Deserialize)]
pub struct TokenOwner {
    pub login: String,
}

impl GithubRepos {
    pub fn new(api_url: Url, token: Secret) -> anyhow::Result<GithubRepos> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .user_agent(crate::github::USER_AGENT)
            .build()?;
        Ok(GithubRepos { http, api_url, token })
    }

    fn url(&self, path: &str) -> Result<Url, RepoError> {
        let base = self.api_url.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}{path}")).map_err(|e| RepoError::Unexpected(e.to_string()))
    }

    /// One request; a success body parsed as `T`, anything else as a `RepoError`.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&(dyn erased::Body + Sync)>,
    ) -> Result<T, RepoError> {
        let mut request = self
            .http
            .request(method, self.url(path)?)
            .bearer_auth(self.token.expose())
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28");
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_json());
        }
        let response = request
            .send()
            .await
            .map_err(|e| RepoError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        if status.is_success() {
            return response
                .json::<T>()
                .await
                .map_err(|e| RepoError::Unexpected(format!("{path}: {}", e.without_url())));
        }
        Err(error_of(status, response, path).await)
    }

    /// The bot's own account: proves the token works.
    pub async fn token_owner(&self) -> Result<TokenOwner, RepoError> {
        self.call(Method::GET, "/user", None).await
    }

    /// `path` at `branch` of `repo`.
    pub async fn file(&self, repo: &RepoName, path: &str, branch: &str) -> Result<RepoFile, RepoError> {
        let answer: ContentsAnswer = self
            .call(
                Method::GET,
                &format!(
                    "/repos/{repo}/contents/{}?ref={}",
                    encode_path(path),
                    encode(branch)
                ),
                None,
            )
            .await?;
        if answer.encoding != "base64" {
            return Err(RepoError::Unexpected(format!(
                "{path} came as {:?}, not base64 (is it larger than 1 MB?)",
                answer.encoding
            )));
        }
        // GitHub wraps the base64 at 60 columns.
        let packed: String = answer.content.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(packed)
            .map_err(|e| RepoError::Unexpected(format!("{path}: {e}")))?;
        let text =
            String::from_utf8(bytes).map_err(|_| RepoError::Unexpected(format!("{path} is not UTF-8")))?;
        Ok(RepoFile {
            text,
            sha: answer.sha,
        })
    }

    /// Replace `path` on `branch` (whose blob was `sha`) with `text`; the new commit's sha.
    pub async fn commit_file(
        &self,
        repo: &RepoName,
        path: &str,
        branch: &str,
        sha: &str,
        text: &str,
        message: &str,
    ) -> Result<String, RepoError> {
        let body = PutContents {
            message,
            content: base64::engine::general_purpose::STANDARD.encode(text.as_bytes()),
            sha,
            branch,
        };
        let answer: PutAnswer = self
            .call(
                Method::PUT,
                &format!("/repos/{repo}/contents/{}", encode_path(path)),
                Some(&body),
            )
            .await?;
        Ok(answer.commit.sha)
    }

    /// The commit `branch` of `repo` points at; `None` when there is no such branch.
    pub async fn branch_head(&self, repo: &RepoName, branch: &str) -> Result<Option<String>, RepoError> {
        match self
            .call::<RefAnswer>(
                Method::GET,
                &format!("/repos/{repo}/git/ref/heads/{}", encode_path(branch)),
                None,
            )
            .await
        {
            Ok(answer) => Ok(Some(answer.object.sha)),
            Err(RepoError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Create `branch` on `repo` at `sha`.
    pub async fn create_branch(&self, repo: &RepoName, branch: &str, sha: &str) -> Result<(), RepoError> {
        let body = NewRef {
            ref_: format!("refs/heads/{branch}"),
            sha,
        };
        self.call::<serde_json::Value>(Method::POST, &format!("/repos/{repo}/git/refs"), Some(&body))
            .await
            .map(|_| ())
    }

    /// Point `branch` of `repo` at `sha`, whatever it held (it is the bot's own branch).
    pub async fn move_branch(&self, repo: &RepoName, branch: &str, sha: &str) -> Result<(), RepoError> {
        let body = MoveRef { sha, force: true };
        self.call::<serde_json::Value>(
            Method::PATCH,
            &format!("/repos/{repo}/git/refs/heads/{}", encode_path(branch)),
            Some(&body),
        )
        .await
        .map(|_| ())
    }

    /// The open pull request into `repo` from `head` (`owner:branch`), if there is one.
    pub async fn open_pull(&self, repo: &RepoName, head: &str) -> Result<Option<PullRequest>, RepoError> {
        let found: Vec<PullRequest> = self
            .call(
                Method::GET,
                &format!("/repos/{repo}/pulls?state=open&head={}", encode(head)),
                None,
            )
            .await?;
        Ok(found.into_iter().next())
    }

    /// Open a pull request from `head` into `base`.
    pub async fn create_pull(
        &self,
        repo: &RepoName,
        head: &str,
        base: &str,
        title: &str,
        body: &str,
    ) -> Result<PullRequest, RepoError> {
        let request = NewPull {
            title,
            head: head.to_string(),
            base,
            body,
            maintainer_can_modify: true,
        };
        self.call(Method::POST, &format!("/repos/{repo}/pulls"), Some(&request))
            .await
    }

    /// Give an open pull request a new title and description.
    pub async fn update_pull(
        &self,
        repo: &RepoName,
        number: i64,
        title: &str,
        body: &str,
    ) -> Result<(), RepoError> {
        self.call::<serde_json::Value>(
            Method::PATCH,
            &format!("/repos/{repo}/pulls/{number}"),
            Some(&EditPull { title, body }),
        )
        .await
        .map(|_| ())
    }

    /// The commit a branch (or tag) of `repo` names now.
    pub async fn commit_of(&self, repo: &RepoName, reference: &str) -> Result<String, RepoError> {
        let answer: CommitAnswer = self
            .call(
                Method::GET,
                &format!("/repos/{repo}/commits/{}", encode_path(reference)),
                None,
            )
            .await?;
        Ok(answer.sha)
    }
}

/// Serialising a request body without making `call` generic over it twice.
mod erased {
    pub trait Body {
        fn to_json(&self) -> Vec<u8>;
    }
    impl<T: serde::Serialize> Body for T {
        fn to_json(&self) -> Vec<u8> {
            serde_json::to_vec(self).unwrap_or_default()
        }
    }
}

/// A failed answer as a `RepoError`: rate limits told apart from a refused token by GitHub's
/// documented headers (`x-ratelimit-remaining: 0`, `retry-after`).
async fn error_of(status: StatusCode, response: reqwest::Response, path: &str) -> RepoError {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let remaining = header("x-ratelimit-remaining");
    let reset = header("x-ratelimit-reset").and_then(|v| v.parse::<i64>().ok());
    let retry_after = header("retry-after").and_then(|v| v.parse::<i64>().ok());
    let answer: Option<ErrorAnswer> = response.json().await.ok();
    let message = answer
        .map(|a| {
            let details: Vec<String> = a
                .errors
                .into_iter()
                .map(|d| d.message)
                .filter(|m| !m.is_empty())
                .collect();
            if details.is_empty() {
                a.message
            } else {
                format!("{}: {}", a.message, details.join("; "))
            }
        })
        .unwrap_or_default();
    let limited = status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::FORBIDDEN
            && (remaining.as_deref() == Some("0")
                || retry_after.is_some()
                || message.to_ascii_lowercase().contains("rate limit")));
    if limited {
        let until = retry_after
            .map(|secs| Utc::now() + chrono::Duration::seconds(secs))
            .or_else(|| reset.and_then(|t| Utc.timestamp_opt(t, 0).single()));
        return RepoError::RateLimited { until };
    }
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => RepoError::Refused {
            status: status.as_u16(),
        },
        StatusCode::NOT_FOUND => RepoError::NotFound(path.split('?').next().unwrap_or(path).to_string()),
        StatusCode::CONFLICT => RepoError::Conflict,
        StatusCode::UNPROCESSABLE_ENTITY => RepoError::Unprocessable(message),
        s if s.is_server_error() => RepoError::Unreachable(format!("{s} from GitHub")),
        s => RepoError::Unexpected(format!("{s} for {}", path.split('?').next().unwrap_or(path))),
    }
}

/// A query value, percent-encoded.
fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// What a path segment keeps as it is: RFC 3986's unreserved characters.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A path inside the repository (slashes kept), each segment percent-encoded.
fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|segment| percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_keep_their_slashes() {
        assert_eq!(
            encode_path("draft/2026-12-02-this-week-in-rust.md"),
            "draft/2026-12-02-this-week-in-rust.md"
        );
        assert_eq!(encode_path("a b/c#d"), "a%20b/c%23d");
        assert_eq!(encode("bot:twir-picks/issue-681"), "bot%3Atwir-picks%2Fissue-681");
    }

    #[test]
    fn the_token_never_shows_in_debug() {
        let repos = GithubRepos::new(
            Url::parse("http://127.0.0.1:1").unwrap(),
            Secret::new("ghp_secret".into()),
        )
        .unwrap();
        assert!(!format!("{:?}", repos.token).contains("ghp_secret"));
    }
}
