//! One typed `Settings`, read from environment variables or the same-named flags (docs/contract.md §3)
//! and validated once at start, so a bad value fails early with a message naming it.

mod args;
mod database_url;
mod parse;

pub use args::SettingsArgs;
pub use database_url::{DatabaseUrl, Synchronous};
pub use parse::decode_session_key;

use crate::domain::week::{Calendar, Cutoff};
use chrono::NaiveDate;
use parse::{boolean, http_url, is_loopback_url};
use std::net::SocketAddr;
use url::Url;

#[derive(Debug, Clone)]
pub struct GithubSettings {
    pub client_id: String,
    pub client_secret: String,
    pub auth_url: Url,
    pub token_url: Url,
    pub api_url: Url,
}

/// Validated settings: everything the service needs, typed.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseUrl,
    pub bind: SocketAddr,
    pub public_url: Url,
    /// `None`: login through GitHub is disabled; public pages still work.
    pub github: Option<GithubSettings>,
    pub crates_io_api_url: Url,
    pub session_key: Option<Vec<u8>>,
    pub editors: Vec<String>,
    pub min_account_age_days: i64,
    pub ballot_weeks: i32,
    pub allow_repeat_after_weeks: i32,
    pub calendar: Calendar,
    pub submit_crate_url: String,
    pub submit_quote_url: String,
    pub rate_limits: bool,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub dev_login: bool,
    /// `None`: the forum bridge is off.
    pub forum: Option<ForumSettings>,
    /// Where `/metrics` is served (`None`: nowhere).
    pub metrics_bind: Option<SocketAddr>,
    /// SQLite's `synchronous` (`SQLITE_SYNCHRONOUS`; PostgreSQL ignores it).
    pub sqlite_synchronous: Synchronous,
    /// Receivers of the weekly events (empty: none).
    pub webhooks: Vec<Webhook>,
    pub webhook_secret: Option<String>,
    pub remind_before_close_hours: i64,
    /// `TEMPLATES_DIR`: a folder that exists (`None`: the built-in templates).
    pub templates_dir: Option<std::path::PathBuf>,
    /// `PRIVACY_CONTACT`, shown on `/privacy` (`None`: "the operator of this site").
    pub privacy_contact: Option<String>,
    /// `DRAFT_*`: where the week's sections are proposed (`None`: off).
    pub draft: Option<DraftSettings>,
}

/// A GitHub repository, `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoName {
    pub owner: String,
    pub name: String,
}

impl RepoName {
    /// `owner/name` with GitHub's characters (letters, digits, `-`, `_`, `.`).
    pub fn parse(raw: &str) -> Option<RepoName> {
        let (owner, name) = raw.trim().split_once('/')?;
        let ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 100
                && s != "."
                && s != ".."
                && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        (ok(owner) && ok(name)).then(|| RepoName {
            owner: owner.into(),
            name: name.into(),
        })
    }
}

impl std::fmt::Display for RepoName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// A secret setting: shown as `[redacted]` by `Debug`, so no log or error can print it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The value, for the one place that sends it (an `Authorization` header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where and how the week's sections are proposed to the issue draft.
#[derive(Debug, Clone)]
pub struct DraftSettings {
    pub repo: RepoName,
    pub branch: String,
    /// With `{date}` for the issue's publication date, `YYYY-MM-DD`.
    pub path: String,
    pub fork: RepoName,
    pub token: Secret,
    /// GitHub's REST API (`GITHUB_API_URL`).
    pub api_url: Url,
}

impl DraftSettings {
    /// The draft's path for an issue published on `date`.
    pub fn path_for(&self, date: chrono::NaiveDate) -> String {
        self.path.replace("{date}", &date.format("%Y-%m-%d").to_string())
    }
}

/// `DRAFT_*` as set: all of repo and token, or none (then the feature is off).
fn draft_settings(
    args: &SettingsArgs,
    api_url: Option<&Url>,
    errors: &mut Vec<String>,
) -> Option<DraftSettings> {
    let set = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (repo, token) = (set(&args.draft_repo), set(&args.draft_github_token));
    let repo = match (repo, &token) {
        (None, None) => return None,
        (None, Some(_)) => {
            errors.push("DRAFT_GITHUB_TOKEN is set but DRAFT_REPO is not: set both to propose drafts".into());
            return None;
        }
        (Some(_), None) => {
            errors.push("DRAFT_REPO is set but DRAFT_GITHUB_TOKEN is not: the bot needs a token".into());
            return None;
        }
        (Some(repo), Some(_)) => repo,
    };
    let parse = |what: &str, raw: &str, errors: &mut Vec<String>| {
        RepoName::parse(raw).or_else(|| {
            errors.push(format!("{what}: {raw:?} must be owner/name"));
            None
        })
    };
    let repo = parse("DRAFT_REPO", &repo, errors)?;
    let fork = match set(&args.draft_fork) {
        Some(raw) => parse("DRAFT_FORK", &raw, errors)?,
        None => repo.clone(),
    };
    let branch = args.draft_branch.trim().to_string();
    if branch.is_empty()
        || branch.contains("..")
        || branch
            .chars()
            .any(|c| c.is_whitespace() || "~^:?*[\\".contains(c))
    {
        errors.push(format!("DRAFT_BRANCH: {branch:?} is not a branch name"));
        return None;
    }
    let path = args.draft_path.trim().trim_start_matches('/').to_string();
    if !path.contains("{date}") || path.contains("..") {
        errors.push(format!(
            "DRAFT_PATH: {path:?} must name the file with {{date}}, inside the repository"
        ));
        return None;
    }
    let token = token.expect("checked above");
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        errors.push("DRAFT_GITHUB_TOKEN: a token has no spaces or control characters".into());
        return None;
    }
    Some(DraftSettings {
        repo,
        branch,
        path,
        fork,
        token: Secret::new(token),
        api_url: api_url?.clone(),
    })
}

/// What a webhook receiver understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookKind {
    /// `{"text": …}`: Slack, Zulip's Slack-compatible incoming webhook, Mattermost.
    Slack,
    /// `{"content": …}`.
    Discord,
    /// The event itself, signed.
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub kind: WebhookKind,
    pub url: Url,
}

impl Webhook {
    /// The receiver as configured, `KIND=URL`: how the outbox names it.
    pub fn target(&self) -> String {
        let kind = match self.kind {
            WebhookKind::Slack => "slack",
            WebhookKind::Discord => "discord",
            WebhookKind::Json => "json",
        };
        format!("{kind}={}", self.url)
    }

    pub fn parse_target(target: &str) -> Option<Webhook> {
        let (kind, url) = target.split_once('=')?;
        let kind = match kind.trim().to_ascii_lowercase().as_str() {
            "slack" => WebhookKind::Slack,
            "discord" => WebhookKind::Discord,
            "json" => WebhookKind::Json,
            _ => return None,
        };
        let url = Url::parse(url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))?;
        Some(Webhook { kind, url })
    }
}

/// How log lines look (`LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    pub fn parse(raw: &str) -> Option<LogFormat> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "text" | "" => Some(LogFormat::Text),
            "json" => Some(LogFormat::Json),
            _ => None,
        }
    }
}

/// The forum threads the ballot reads (`FORUM_*`).
#[derive(Debug, Clone)]
pub struct ForumSettings {
    pub url: Url,
    pub crate_topic: i64,
    pub quote_topic: i64,
    pub poll: std::time::Duration,
}

/// Every problem found, one per line, each naming its setting.
#[derive(Debug, thiserror::Error)]
#[error("invalid settings:\n{}", .0.join("\n"))]
pub struct SettingsError(pub Vec<String>);

fn forum_settings(args: &SettingsArgs, errors: &mut Vec<String>) -> Option<ForumSettings> {
    let raw = args
        .forum_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())?;
    let url = http_url("FORUM_URL", raw, errors)?;
    if args.forum_crate_topic < 1 || args.forum_quote_topic < 1 {
        errors.push("FORUM_CRATE_TOPIC, FORUM_QUOTE_TOPIC: must be topic ids (positive numbers)".into());
    }
    if args.forum_poll_seconds < 1 {
        errors.push("FORUM_POLL_SECONDS: must be 1 or more".into());
    }
    Some(ForumSettings {
        url,
        crate_topic: args.forum_crate_topic,
        quote_topic: args.forum_quote_topic,
        poll: std::time::Duration::from_secs(args.forum_poll_seconds),
    })
}

impl Settings {
    pub fn from_args(args: &SettingsArgs) -> Result<Settings, SettingsError> {
        let mut errors = Vec::new();

        let database = DatabaseUrl::parse(&args.database_url)
            .map_err(|e| errors.push(format!("DATABASE_URL: {e}")))
            .ok();
        let bind = args
            .bind
            .parse::<SocketAddr>()
            .map_err(|_| {
                errors.push(format!(
                    "BIND: {:?} is not an address such as 127.0.0.1:8080",
                    args.bind
                ))
            })
            .ok();
        let public_url = match (&args.public_url, bind) {
            (Some(raw), _) => http_url("PUBLIC_URL", raw, &mut errors),
            (None, Some(bind)) => Url::parse(&format!("http://{bind}")).ok(),
            (None, None) => None,
        };
        let auth_url = http_url("GITHUB_AUTH_URL", &args.github_auth_url, &mut errors);
        let token_url = http_url("GITHUB_TOKEN_URL", &args.github_token_url, &mut errors);
        let api_url = http_url("GITHUB_API_URL", &args.github_api_url, &mut errors);
        let crates_io_api_url = http_url("CRATES_IO_API_URL", &args.crates_io_api_url, &mut errors);

        let non_empty = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let github = match (
            non_empty(&args.github_client_id),
            non_empty(&args.github_client_secret),
        ) {
            (Some(client_id), Some(client_secret)) => match (&auth_url, &token_url, &api_url) {
                (Some(a), Some(t), Some(u)) => Some(GithubSettings {
                    client_id,
                    client_secret,
                    auth_url: a.clone(),
                    token_url: t.clone(),
                    api_url: u.clone(),
                }),
                _ => None,
            },
            (None, None) => None,
            _ => {
                errors.push("GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET must be set together".into());
                None
            }
        };

        let session_key = non_empty(&args.session_key).and_then(|raw| {
            decode_session_key(&raw)
                .map_err(|e| errors.push(format!("SESSION_KEY: {e}")))
                .ok()
        });

        let editors = args
            .editors
            .split(',')
            .map(|l| l.trim().to_ascii_lowercase())
            .filter(|l| !l.is_empty())
            .collect();

        if args.min_account_age_days < 0 {
            errors.push("MIN_ACCOUNT_AGE_DAYS: must be 0 or more".into());
        }
        if args.ballot_weeks < 0 {
            errors.push("BALLOT_WEEKS: must be 0 or more".into());
        }
        if args.allow_repeat_after_weeks < 0 {
            errors.push("ALLOW_REPEAT_AFTER_WEEKS: must be 0 or more".into());
        }
        if args.anchor_issue < 1 {
            errors.push("ANCHOR_ISSUE: must be a positive issue number".into());
        }
        let anchor_date = NaiveDate::parse_from_str(&args.anchor_date, "%Y-%m-%d")
            .map_err(|_| {
                errors.push(format!(
                    "ANCHOR_DATE: {:?} is not a date as YYYY-MM-DD",
                    args.anchor_date
                ))
            })
            .ok();
        let cutoff = args
            .cutoff
            .parse::<Cutoff>()
            .map_err(|e| errors.push(format!("CUTOFF: {e}")))
            .ok();

        let rate_limits = boolean("RATE_LIMITS", &args.rate_limits, &mut errors);
        let trusted_proxies: Vec<std::net::IpAddr> = args
            .trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .filter_map(|s| {
                s.parse::<std::net::IpAddr>()
                    .map_err(|_| errors.push(format!("TRUSTED_PROXIES: {s:?} is not an IP address")))
                    .ok()
            })
            .collect();
        let dev_login = boolean("DEV_LOGIN", &args.dev_login, &mut errors);
        if dev_login {
            // A password-free login only where nobody else can reach it: behind a reverse
            // proxy a loopback BIND is public.
            let refuse = |why: String, errors: &mut Vec<String>| {
                errors.push(format!(
                    "DEV_LOGIN: dev login signs anyone in without a password, so it is allowed only when the service is reachable from this machine alone; {why}"
                ))
            };
            if bind.is_some_and(|b| !b.ip().is_loopback()) {
                refuse(
                    format!("BIND is {}, not a loopback address", args.bind),
                    &mut errors,
                );
            }
            if public_url.as_ref().is_some_and(|u| !is_loopback_url(u)) {
                refuse(
                    format!(
                        "PUBLIC_URL is {}, not a loopback address",
                        args.public_url.as_deref().unwrap_or("")
                    ),
                    &mut errors,
                );
            }
            if !trusted_proxies.is_empty() {
                refuse(
                    "TRUSTED_PROXIES is set (a proxy forwards to it)".into(),
                    &mut errors,
                );
            }
        }

        let submit = |name: &str, raw: &Option<String>, category: &str, errors: &mut Vec<String>| match raw {
            Some(raw) => http_url(name, raw, errors).map(String::from),
            None => public_url.as_ref().map(|p| {
                let mut url = p.join("nominate").expect("a relative path joins");
                url.set_query(Some(&format!("category={category}")));
                url.to_string()
            }),
        };
        let submit_crate_url = submit("SUBMIT_CRATE_URL", &args.submit_crate_url, "crate", &mut errors);
        let submit_quote_url = submit("SUBMIT_QUOTE_URL", &args.submit_quote_url, "quote", &mut errors);

        let forum = forum_settings(args, &mut errors);
        let draft = draft_settings(args, api_url.as_ref(), &mut errors);
        let webhooks: Vec<Webhook> = args
            .webhooks
            .split(',')
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .filter_map(|w| {
                Webhook::parse_target(w)
                    .ok_or_else(|| {
                        errors.push(format!(
                            "WEBHOOKS: {w:?} must be KIND=URL, KIND slack, discord or json, URL http(s)"
                        ))
                    })
                    .ok()
            })
            .collect();
        let webhook_secret = args.webhook_secret.clone().filter(|s| !s.trim().is_empty());
        if webhooks.iter().any(|w| w.kind == WebhookKind::Json) && webhook_secret.is_none() {
            errors.push("WEBHOOK_SECRET: json webhooks are signed; set a secret".into());
        }
        let templates_dir = args.templates_dir.clone().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = &templates_dir {
            if !dir.is_dir() {
                errors.push(format!("TEMPLATES_DIR: {} is not a folder", dir.display()));
            }
        }
        if !(1..=24 * 14).contains(&args.remind_before_close_hours) {
            errors.push("REMIND_BEFORE_CLOSE_HOURS: must be between 1 and 336".into());
        }
        let metrics_bind = match args
            .metrics_bind
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(raw) => raw
                .parse::<SocketAddr>()
                .map_err(|_| {
                    errors.push(format!(
                        "METRICS_BIND: {raw:?} is not an address such as 127.0.0.1:9090"
                    ))
                })
                .ok(),
        };
        let sqlite_synchronous = Synchronous::parse(&args.sqlite_synchronous)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        if LogFormat::parse(&args.log_format).is_none() {
            errors.push(format!("LOG_FORMAT: {:?} must be text or json", args.log_format));
        }

        if !errors.is_empty() {
            return Err(SettingsError(errors));
        }
        // Every None above pushed an error, so these hold.
        let (Some(database), Some(bind), Some(public_url)) = (database, bind, public_url) else {
            unreachable!("a missing value always records an error")
        };
        Ok(Settings {
            database,
            bind,
            public_url,
            github,
            crates_io_api_url: crates_io_api_url.expect("checked above"),
            session_key,
            editors,
            min_account_age_days: args.min_account_age_days,
            ballot_weeks: args.ballot_weeks,
            allow_repeat_after_weeks: args.allow_repeat_after_weeks,
            calendar: Calendar {
                anchor_issue: args.anchor_issue,
                anchor_date: anchor_date.expect("checked above"),
                cutoff: cutoff.expect("checked above"),
            },
            submit_crate_url: submit_crate_url.expect("checked above"),
            submit_quote_url: submit_quote_url.expect("checked above"),
            rate_limits,
            trusted_proxies,
            dev_login,
            forum,
            metrics_bind,
            sqlite_synchronous,
            webhooks,
            webhook_secret,
            remind_before_close_hours: args.remind_before_close_hours,
            templates_dir,
            privacy_contact: args
                .privacy_contact
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string),
            draft,
        })
    }

    /// Whether `PUBLIC_URL` is this machine (loopback, or unset so that it is `http://BIND`):
    /// fine for trying things out, never for permalinks in a published issue.
    pub fn public_url_is_local(&self) -> bool {
        let unspecified = match self.public_url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_unspecified(),
            Some(url::Host::Ipv6(ip)) => ip.is_unspecified(),
            _ => false,
        };
        unspecified || is_loopback_url(&self.public_url)
    }

    /// The webhook receivers as the outbox names them (`KIND=URL`).
    pub fn webhook_targets(&self) -> Vec<String> {
        self.webhooks.iter().map(Webhook::target).collect()
    }

    /// Cookies get the Secure flag (and the `__Host-` prefix) only behind https.
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// An absolute URL on this site for `path` (which starts with `/`).
    pub fn absolute(&self, path: &str) -> String {
        let base = self.public_url.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn args() -> SettingsArgs {
        SettingsArgs::default()
    }

    fn errors_of(a: SettingsArgs) -> String {
        Settings::from_args(&a).unwrap_err().to_string()
    }

    #[test]
    fn the_forum_bridge_is_off_unless_forum_url_is_set() {
        assert!(Settings::from_args(&args()).unwrap().forum.is_none());
        let mut a = args();
        a.forum_url = Some("https://users.rust-lang.org".into());
        let forum = Settings::from_args(&a).unwrap().forum.unwrap();
        assert_eq!(
            (forum.crate_topic, forum.quote_topic, forum.poll.as_secs()),
            (2704, 328, 300)
        );
        a.forum_url = Some("ftp://forum".into());
        assert!(errors_of(a.clone()).contains("FORUM_URL"));
        a.forum_url = Some("https://users.rust-lang.org".into());
        a.forum_poll_seconds = 0;
        assert!(errors_of(a).contains("FORUM_POLL_SECONDS"));
    }

    #[test]
    fn templates_dir_must_be_a_folder() {
        assert!(Settings::from_args(&args()).unwrap().templates_dir.is_none());
        let mut a = args();
        a.templates_dir = Some("/no/such/folder".into());
        let e = Settings::from_args(&a).unwrap_err();
        assert!(e.0.iter().any(|m| m.starts_with("TEMPLATES_DIR")), "{:?}", e.0);
        a.templates_dir = Some(std::env::temp_dir());
        assert_eq!(
            Settings::from_args(&a).unwrap().templates_dir,
            Some(std::env::temp_dir())
        );
    }

    #[test]
    fn defaults_are_valid() {
        let s = Settings::from_args(&args()).unwrap();
        assert_eq!(s.database, DatabaseUrl::Sqlite("twir-picks.db".into()));
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.public_url.as_str(), "http://127.0.0.1:8080/");
        assert!(s.github.is_none());
        assert_eq!(
            s.submit_crate_url,
            "http://127.0.0.1:8080/nominate?category=crate"
        );
        assert_eq!(
            s.submit_quote_url,
            "http://127.0.0.1:8080/nominate?category=quote"
        );
        assert!(s.rate_limits && !s.dev_login);
        assert_eq!(
            (s.min_account_age_days, s.ballot_weeks, s.allow_repeat_after_weeks),
            (30, 4, 52)
        );
    }

    #[test]
    fn database_urls() {
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/x.db").unwrap(),
            DatabaseUrl::Sqlite("/var/lib/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("data/x.db").unwrap(),
            DatabaseUrl::Sqlite("data/x.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(DatabaseUrl::parse("mysql://h/db").unwrap_err().contains("mysql"));
        assert!(DatabaseUrl::parse("").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert_eq!(
            DatabaseUrl::parse("postgres://me:secret@h/db")
                .unwrap()
                .redacted(),
            "postgres://me:***@h/db"
        );
    }

    #[test]
    fn every_bad_setting_is_named() {
        let mut a = args();
        a.database_url = "mysql://x/y".into();
        a.bind = "nowhere".into();
        a.cutoff = "Someday".into();
        a.anchor_date = "02/11/2022".into();
        a.rate_limits = "maybe".into();
        a.github_client_id = Some("id-only".into());
        a.crates_io_api_url = "ftp://crates.io".into();
        let e = errors_of(a);
        for name in [
            "DATABASE_URL",
            "BIND",
            "CUTOFF",
            "ANCHOR_DATE",
            "RATE_LIMITS",
            "GITHUB_CLIENT_SECRET",
            "CRATES_IO_API_URL",
        ] {
            assert!(e.contains(name), "{name} missing from: {e}");
        }
    }

    #[test]
    fn dev_login_only_on_loopback() {
        let mut a = args();
        a.dev_login = "true".into();
        assert!(Settings::from_args(&a).unwrap().dev_login);
        a.public_url = Some("http://localhost:8080".into());
        assert!(Settings::from_args(&a).unwrap().dev_login);
        let mut public = a.clone();
        public.public_url = Some("https://picks.example.org".into());
        assert!(errors_of(public).contains("PUBLIC_URL is https://picks.example.org"));
        let mut proxied = a.clone();
        proxied.trusted_proxies = "127.0.0.1".into();
        assert!(errors_of(proxied).contains("TRUSTED_PROXIES"));
        a.bind = "0.0.0.0:8080".into();
        a.public_url = None;
        assert!(errors_of(a).contains("DEV_LOGIN"));
    }

    #[test]
    fn session_keys() {
        assert!(decode_session_key(&"ab".repeat(64)).is_ok());
        assert!(decode_session_key(&"ab".repeat(10))
            .unwrap_err()
            .contains("10 bytes"));
        assert!(decode_session_key("not a key!").is_err());
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
        assert_eq!(decode_session_key(&b64).unwrap(), vec![7u8; 64]);
    }

    #[test]
    fn https_public_url_and_permalinks() {
        let mut a = args();
        a.public_url = Some("https://picks.example.org/".into());
        let s = Settings::from_args(&a).unwrap();
        assert!(s.is_https());
        assert_eq!(
            s.absolute("/nominations/3"),
            "https://picks.example.org/nominations/3"
        );
        a.public_url = Some("javascript:alert(1)".into());
        assert!(errors_of(a).contains("PUBLIC_URL"));
    }
}
