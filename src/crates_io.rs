//! crates.io lookups: does a crate exist, and what does it say about itself. Sends a
//! User-Agent (crates.io requires one), gives up fast, and caches answers in the database.

use crate::models::nomination::CrateFacts;
use serde::Deserialize;
use std::time::Duration as StdDuration;
use url::Url;

/// How long crates.io may take before the nomination is kept as unverified.
pub const TIMEOUT: StdDuration = StdDuration::from_secs(2);

#[derive(Debug, Clone)]
pub enum Lookup {
    Found {
        name: String,
        facts: CrateFacts,
    },
    NotFound,
    /// No answer in time, or an answer we cannot use: try again later.
    Unreachable(String),
}

#[derive(Clone)]
pub struct CratesIo {
    http: reqwest::Client,
    base: Url,
    /// The last summary (new and just-updated crates) and when it was read: the desk asks for
    /// it in dry weeks, crates.io asks API users to go easy, and it changes slowly.
    summary: std::sync::Arc<parking_lot::Mutex<Option<KeptSummary>>>,
}

/// The recent crates as last read, and when.
type KeptSummary = (std::time::Instant, Vec<RecentCrate>);

/// How long a summary is kept before crates.io is asked again.
pub const SUMMARY_TTL: StdDuration = StdDuration::from_secs(3600);

/// A crate from crates.io's summary (`GET /summary`: `new_crates` and `just_updated`).
#[derive(Debug, Clone, Deserialize)]
pub struct RecentCrate {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Deserialize)]
struct SummaryResponse {
    #[serde(default)]
    new_crates: Vec<RecentCrate>,
    #[serde(default)]
    just_updated: Vec<RecentCrate>,
}

#[derive(Deserialize)]
struct CrateResponse {
    #[serde(rename = "crate")]
    krate: CrateData,
}

#[derive(Deserialize)]
struct CrateData {
    name: String,
    description: Option<String>,
    repository: Option<String>,
    #[serde(default)]
    downloads: Option<i64>,
    #[serde(default)]
    recent_downloads: Option<i64>,
    #[serde(default)]
    created_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl CratesIo {
    pub fn new(base: Url) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(concat!(
                "twir-picks/",
                env!("CARGO_PKG_VERSION"),
                " (This Week in Rust Crate of the Week)"
            ))
            .connect_timeout(TIMEOUT)
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()?;
        Ok(CratesIo {
            http,
            base,
            summary: Default::default(),
        })
    }

    /// A GET of `path` below the API's base, asking for JSON.
    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        let url = format!("{}/{path}", self.base.as_str().trim_end_matches('/'));
        self.http.get(url).header("Accept", "application/json")
    }

    /// Ask crates.io about `name` (no cache).
    pub async fn fetch(&self, name: &str) -> Lookup {
        let response = match self.get(&format!("crates/{name}")).send().await {
            Ok(r) => r,
            Err(e) => return Lookup::Unreachable(e.without_url().to_string()),
        };
        match response.status().as_u16() {
            200 => match response.json::<CrateResponse>().await {
                Ok(body) => Lookup::Found {
                    name: body.krate.name,
                    facts: CrateFacts {
                        description: body.krate.description.map(|d| d.trim().to_string()),
                        repository: body
                            .krate
                            .repository
                            .filter(|r| crate::domain::validate::http_url(r).is_ok()),
                        downloads: body.krate.downloads,
                        recent_downloads: body.krate.recent_downloads,
                        created_at: body.krate.created_at.map(|t| t.naive_utc()),
                    },
                },
                Err(e) => Lookup::Unreachable(format!("unreadable answer: {e}")),
            },
            404 => Lookup::NotFound,
            status => Lookup::Unreachable(format!("crates.io answered {status}")),
        }
    }
}

#[derive(Deserialize)]
struct OwnersResponse {
    users: Vec<Owner>,
}

#[derive(Deserialize)]
struct Owner {
    login: String,
}

impl CratesIo {
    /// The logins of a crate's owners (`GET /crates/{name}/owners`); teams come as
    /// `github:org:team`. `None` when crates.io did not answer usably.
    pub async fn owners(&self, name: &str) -> Option<Vec<String>> {
        let response = self.get(&format!("crates/{name}/owners")).send().await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        let body: OwnersResponse = response.json().await.ok()?;
        Some(body.users.into_iter().map(|o| o.login).collect())
    }
}

impl CratesIo {
    /// New and just-updated crates from crates.io's summary, new ones first, each once; kept for
    /// `SUMMARY_TTL`. `Err` says why crates.io could not be read.
    pub async fn recent_crates(&self) -> Result<Vec<RecentCrate>, String> {
        if let Some((at, crates)) = self.summary.lock().as_ref() {
            if at.elapsed() < SUMMARY_TTL {
                return Ok(crates.clone());
            }
        }
        let response = self
            .get("summary")
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        if !response.status().is_success() {
            return Err(format!("crates.io answered {}", response.status().as_u16()));
        }
        let body: SummaryResponse = response
            .json()
            .await
            .map_err(|e| format!("unreadable answer: {e}"))?;
        let mut crates: Vec<RecentCrate> = Vec::new();
        for c in body.new_crates.into_iter().chain(body.just_updated) {
            if !crates.iter().any(|k| k.name == c.name) {
                crates.push(RecentCrate {
                    description: c
                        .description
                        .map(|d| d.trim().to_string())
                        .filter(|d| !d.is_empty()),
                    name: c.name,
                });
            }
        }
        *self.summary.lock() = Some((std::time::Instant::now(), crates.clone()));
        Ok(crates)
    }
}
