//! The encrypted cookie session: its settings, its key, and what we keep in it.
//! A cookie store cannot be revoked server-side, so a per-user epoch in the cookie is compared
//! with the database on every request (a ban or an editor revocation bumps it).

use crate::settings::Settings;
use actix_session::config::{CookieContentSecurity, PersistentSession, TtlExtensionPolicy};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::{Key, SameSite};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A session unused this long is over (checked on each request).
pub const IDLE_TIMEOUT_SECS: i64 = 7 * 24 * 3600;
/// A session is over this long after login, used or not (also the cookie's Max-Age).
pub const ABSOLUTE_LIFETIME_SECS: i64 = 30 * 24 * 3600;
/// A started GitHub login must come back within this.
pub const OAUTH_TTL_SECS: i64 = 10 * 60;
/// How stale `seen_at` may get before the cookie is rewritten (saves a Set-Cookie per request).
pub const SEEN_REFRESH_SECS: i64 = 10 * 60;

const AUTH: &str = "auth";
const OAUTH: &str = "oauth";

/// Who is logged in, as the cookie says.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: i32,
    /// This session's own id, so logging out can end it for good (`ended_sessions`). Empty in
    /// cookies from before it existed: those end with the user's epoch.
    #[serde(default)]
    pub sid: String,
    pub epoch: i32,
    pub login_at: i64,
    pub seen_at: i64,
}

impl SessionAuth {
    /// Still within the idle timeout and the absolute lifetime at `now` (Unix seconds)?
    pub fn is_current(&self, now: i64) -> bool {
        now - self.seen_at < IDLE_TIMEOUT_SECS && now - self.login_at < ABSOLUTE_LIFETIME_SECS
    }
}

/// A login in flight: the single-use state and PKCE verifier, bound to this browser's session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OAuthPending {
    pub state: String,
    pub verifier: String,
    pub started_at: i64,
    pub next: Option<String>,
}

pub fn auth(session: &Session) -> Option<SessionAuth> {
    session.get::<SessionAuth>(AUTH).ok().flatten()
}

pub fn set_auth(session: &Session, auth: &SessionAuth) {
    if let Err(e) = session.insert(AUTH, auth) {
        tracing::error!(error = %e, "cannot write the session");
    }
}

/// A new session id: 128 random bits, hex.
pub fn new_session_id() -> String {
    let bytes: [u8; 16] = rand::Rng::gen(&mut rand::thread_rng());
    hex::encode(bytes)
}

/// Start a fresh logged-in session: new identity, no leftovers from before login.
pub fn log_in(session: &Session, auth: &SessionAuth) {
    session.clear();
    session.renew();
    set_auth(session, auth);
}

pub fn set_pending(session: &Session, pending: &OAuthPending) {
    if let Err(e) = session.insert(OAUTH, pending) {
        tracing::error!(error = %e, "cannot write the session");
    }
}

/// The login in flight, if any. Reading it changes nothing: a state is made single-use on the
/// server (`used_oauth_states`), so a failed or forged callback leaves the session as it was.
pub fn pending(session: &Session) -> Option<OAuthPending> {
    session.get::<OAuthPending>(OAUTH).ok().flatten()
}

/// The cookie's name: `__Host-` prefixed (Secure, Path=/, no Domain) behind https.
pub fn cookie_name(settings: &Settings) -> &'static str {
    if settings.is_https() {
        "__Host-twir-picks"
    } else {
        "twir-picks"
    }
}

pub fn middleware(settings: &Settings, key: Key) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name(cookie_name(settings).to_string())
        .cookie_secure(settings.is_https())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_path("/".into())
        .cookie_domain(None)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(
            PersistentSession::default()
                .session_ttl(actix_web::cookie::time::Duration::seconds(ABSOLUTE_LIFETIME_SECS))
                .session_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
        )
        .build()
}

/// The key from SESSION_KEY, else from a file generated once (next to the SQLite file, or in
/// the working directory for PostgreSQL): never a new key per start, which would log everyone out.
pub fn load_key(settings: &Settings) -> anyhow::Result<Key> {
    if let Some(bytes) = &settings.session_key {
        return Ok(Key::derive_from(bytes));
    }
    let path = key_file(settings);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let bytes = crate::settings::decode_session_key(&text)
                .map_err(|e| anyhow::anyhow!("session key file {}: {e}", path.display()))?;
            Ok(Key::derive_from(&bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 64];
            rand::Rng::fill(&mut rand::thread_rng(), &mut bytes[..]);
            write_private(&path, &hex::encode(bytes))?;
            tracing::warn!(
                path = %path.display(),
                "SESSION_KEY is not set: generated a session key and saved it; set SESSION_KEY when running several instances"
            );
            Ok(Key::derive_from(&bytes))
        }
        Err(e) => Err(anyhow::anyhow!(
            "cannot read the session key file {}: {e}",
            path.display()
        )),
    }
}

fn key_file(settings: &Settings) -> PathBuf {
    settings
        .database
        .data_dir()
        .map(|d| d.join("twir-picks.session-key"))
        .unwrap_or_else(|| PathBuf::from("twir-picks.session-key"))
}

fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create the session key file {}: {e}", path.display()))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_and_absolute_limits() {
        let login = 1_000_000;
        let auth = SessionAuth {
            user_id: 1,
            sid: new_session_id(),
            epoch: 0,
            login_at: login,
            seen_at: login,
        };
        assert!(auth.is_current(login + 60));
        assert!(!auth.is_current(login + IDLE_TIMEOUT_SECS));
        let busy = SessionAuth {
            seen_at: login + ABSOLUTE_LIFETIME_SECS - 10,
            ..auth
        };
        assert!(!busy.is_current(login + ABSOLUTE_LIFETIME_SECS));
    }
}
