//! The settings as typed on the command line or in the environment, before validation.

use clap::Args;

/// The settings as typed: every one an environment variable and a flag.
#[derive(Debug, Clone, Args)]
pub struct SettingsArgs {
    /// `sqlite://PATH` (or a plain file path) for SQLite, `postgres://…` for PostgreSQL.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://twir-picks.db",
        global = true
    )]
    pub database_url: String,
    /// Listen address.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080", global = true)]
    pub bind: String,
    /// The site's external URL (default `http://BIND`).
    #[arg(long, env = "PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    #[arg(long, env = "GITHUB_CLIENT_ID", global = true)]
    pub github_client_id: Option<String>,
    #[arg(long, env = "GITHUB_CLIENT_SECRET", hide_env_values = true, global = true)]
    pub github_client_secret: Option<String>,
    #[arg(
        long,
        env = "GITHUB_AUTH_URL",
        default_value = "https://github.com/login/oauth/authorize",
        global = true
    )]
    pub github_auth_url: String,
    #[arg(
        long,
        env = "GITHUB_TOKEN_URL",
        default_value = "https://github.com/login/oauth/access_token",
        global = true
    )]
    pub github_token_url: String,
    #[arg(
        long,
        env = "GITHUB_API_URL",
        default_value = "https://api.github.com",
        global = true
    )]
    pub github_api_url: String,
    #[arg(
        long,
        env = "CRATES_IO_API_URL",
        default_value = "https://crates.io/api/v1",
        global = true
    )]
    pub crates_io_api_url: String,
    /// 64+ byte secret, hex or base64. Unset: generated once and kept next to the SQLite file.
    #[arg(long, env = "SESSION_KEY", hide_env_values = true, global = true)]
    pub session_key: Option<String>,
    /// Comma-separated GitHub logins who are editors.
    #[arg(long, env = "EDITORS", default_value = "", global = true)]
    pub editors: String,
    #[arg(long, env = "MIN_ACCOUNT_AGE_DAYS", default_value_t = 30, global = true)]
    pub min_account_age_days: i64,
    #[arg(long, env = "BALLOT_WEEKS", default_value_t = 4, global = true)]
    pub ballot_weeks: i32,
    #[arg(long, env = "ALLOW_REPEAT_AFTER_WEEKS", default_value_t = 52, global = true)]
    pub allow_repeat_after_weeks: i32,
    #[arg(long, env = "ANCHOR_ISSUE", default_value_t = 467, global = true)]
    pub anchor_issue: i32,
    #[arg(long, env = "ANCHOR_DATE", default_value = "2022-11-02", global = true)]
    pub anchor_date: String,
    /// Weekly cut-off before publication, UTC.
    #[arg(long, env = "CUTOFF", default_value = "Tue 12:00", global = true)]
    pub cutoff: String,
    #[arg(long, env = "SUBMIT_CRATE_URL", global = true)]
    pub submit_crate_url: Option<String>,
    #[arg(long, env = "SUBMIT_QUOTE_URL", global = true)]
    pub submit_quote_url: Option<String>,
    /// `on` or `off`.
    #[arg(long, env = "RATE_LIMITS", default_value = "on", global = true)]
    pub rate_limits: String,
    /// Comma-separated proxy addresses whose `X-Forwarded-For` names the client.
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "", global = true)]
    pub trusted_proxies: String,
    /// `true` adds a password-less login form; only on a loopback BIND.
    #[arg(long, env = "DEV_LOGIN", default_value = "false", global = true)]
    pub dev_login: String,
    /// Chat rooms and services told about the weeks: `KIND=URL,…` with KIND `slack`, `discord`
    /// or `json`.
    #[arg(long, env = "WEBHOOKS", default_value = "", global = true)]
    pub webhooks: String,
    /// The secret `json` webhooks are signed with (`X-Twir-Picks-Signature`).
    #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true, global = true)]
    pub webhook_secret: Option<String>,
    /// How many hours before the cut-off the "voting closes soon" reminder goes out.
    #[arg(long, env = "REMIND_BEFORE_CLOSE_HOURS", default_value_t = 24, global = true)]
    pub remind_before_close_hours: i64,
    /// Serve Prometheus metrics at `/metrics` on this address (unset: off).
    #[arg(long, env = "METRICS_BIND", global = true)]
    pub metrics_bind: Option<String>,
    /// `text` (one readable line per event) or `json` (one JSON object per line).
    #[arg(long, env = "LOG_FORMAT", default_value = "text", global = true)]
    pub log_format: String,
    /// SQLite's `synchronous`: `full` (a committed write survives a power cut) or `normal`
    /// (survives a crash of the process; the machine stopping may lose the last commits).
    #[arg(long, env = "SQLITE_SYNCHRONOUS", default_value = "full", global = true)]
    pub sqlite_synchronous: String,
    /// The Discourse forum whose threads feed the ballot (unset: the bridge is off).
    #[arg(long, env = "FORUM_URL", global = true)]
    pub forum_url: Option<String>,
    /// The Crate of the Week thread's topic id.
    #[arg(long, env = "FORUM_CRATE_TOPIC", default_value_t = 2704, global = true)]
    pub forum_crate_topic: i64,
    /// The Quote of the Week thread's topic id.
    #[arg(long, env = "FORUM_QUOTE_TOPIC", default_value_t = 328, global = true)]
    pub forum_quote_topic: i64,
    /// Seconds between reads of the threads.
    #[arg(long, env = "FORUM_POLL_SECONDS", default_value_t = 300, global = true)]
    pub forum_poll_seconds: u64,
    /// A copy of `templates/` to render pages and attribution from (unset: the templates built
    /// into the binary); each file found there replaces the built-in one.
    #[arg(long, env = "TEMPLATES_DIR", global = true)]
    pub templates_dir: Option<std::path::PathBuf>,
    /// Who members write to about their data, as `/privacy` shows it (an address or a page).
    #[arg(long, env = "PRIVACY_CONTACT", global = true)]
    pub privacy_contact: Option<String>,
    /// This Week in Rust's repository (`owner/name`) the week's sections are proposed to as a
    /// pull request (unset: off).
    #[arg(long, env = "DRAFT_REPO", global = true)]
    pub draft_repo: Option<String>,
    /// The branch the drafts live on, and the pull request's base.
    #[arg(long, env = "DRAFT_BRANCH", default_value = "main", global = true)]
    pub draft_branch: String,
    /// The draft's path in the repository; `{date}` is the issue's publication date.
    #[arg(
        long,
        env = "DRAFT_PATH",
        default_value = "draft/{date}-this-week-in-rust.md",
        global = true
    )]
    pub draft_path: String,
    /// The bot's fork (`owner/name`) its branches are pushed to (default: DRAFT_REPO itself).
    #[arg(long, env = "DRAFT_FORK", global = true)]
    pub draft_fork: Option<String>,
    /// The bot account's GitHub token (never logged, never shown).
    #[arg(long, env = "DRAFT_GITHUB_TOKEN", hide_env_values = true, global = true)]
    pub draft_github_token: Option<String>,
}

impl Default for SettingsArgs {
    fn default() -> Self {
        use clap::Parser;
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            args: SettingsArgs,
        }
        // Defaults exactly as the flags declare them, ignoring the environment.
        Only::parse_from(["twir-picks"]).args
    }
}
