//! `DATABASE_URL`: which backend, and where.

use std::path::{Path, PathBuf};
use url::Url;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("is empty".into());
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Url::parse(raw).map_err(|e| format!("is not a valid PostgreSQL URL: {e}"))?;
            return Ok(DatabaseUrl::Postgres(raw.to_string()));
        }
        let path = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
            .unwrap_or(raw);
        if let Some((scheme, _)) = raw.split_once("://") {
            if scheme != "sqlite" {
                return Err(format!(
                    "has the scheme {scheme:?}; use sqlite://PATH or postgres://…"
                ));
            }
        }
        if path.is_empty() || path == ":memory:" {
            return Err("needs a file path for SQLite, e.g. sqlite://twir-picks.db".into());
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }

    /// Where files that belong with the data (the generated session key) are kept.
    pub fn data_dir(&self) -> Option<&Path> {
        match self {
            DatabaseUrl::Sqlite(path) => Some(path.parent().unwrap_or(Path::new("."))),
            DatabaseUrl::Postgres(_) => None,
        }
    }

    /// For logs: never print a password.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(raw) => match Url::parse(raw) {
                Ok(mut url) => {
                    if url.password().is_some() {
                        let _ = url.set_password(Some("***"));
                    }
                    url.to_string()
                }
                Err(_) => "postgres://…".into(),
            },
        }
    }
}

/// SQLite's `synchronous` (`SQLITE_SYNCHRONOUS`): `Full` syncs the write-ahead log at every
/// commit, so a committed write survives a power cut or kernel crash; `Normal` syncs at
/// checkpoints only, which survives a crash of the process but may lose the last commits
/// when the machine stops. Group commit makes `Full` cheap: one sync per batch of writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    #[default]
    Full,
    Normal,
}

impl Synchronous {
    pub fn parse(raw: &str) -> Result<Synchronous, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "full" => Ok(Synchronous::Full),
            "normal" => Ok(Synchronous::Normal),
            other => Err(format!(
                "SQLITE_SYNCHRONOUS must be full or normal, not {other:?}"
            )),
        }
    }

    /// The value of SQLite's `PRAGMA synchronous`.
    pub fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}
