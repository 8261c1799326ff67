//! The encrypted cookie session: its settings, its key, and what we keep in it. The cookie names
//! a session (`sessions` table, `models::session`); the row decides whether it stands, so one
//! session can be ended without the others, from any instance.

use crate::domain::session::ABSOLUTE_LIFETIME_SECS;
use crate::settings::Settings;
use actix_session::config::{CookieContentSecurity, PersistentSession, TtlExtensionPolicy};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::{Key, SameSite};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A started GitHub login must come back within this.
pub const OAUTH_TTL_SECS: i64 = 10 * 60;

const AUTH: &str = "auth";
const OAUTH: &str = "oauth";
/// A nomination typed before logging in, kept through the login (only the visitor's own text).
const PENDING_NOMINATION: &str = "pending_nomination";

/// Who is logged in, as the cookie says: the account and its session's row (which alone
/// decides whether the session stands: ending sessions ends rows).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: i32,
    #[serde(default)]
    pub sid: String,
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

/// Start a fresh logged-in session: new identity, no leftovers from before login but the
/// nomination the visitor typed before (their own words, to submit now).
pub fn log_in(session: &Session, auth: &SessionAuth) {
    let typed = pending_nomination(session);
    session.clear();
    session.renew();
    set_auth(session, auth);
    if let Some(form) = typed {
        keep_pending_nomination(session, &form);
    }
}

/// Keep a nomination typed by a visitor who is not logged in yet.
pub fn keep_pending_nomination(session: &Session, form: &crate::domain::validate::NominationForm) {
    if let Err(e) = session.insert(PENDING_NOMINATION, form) {
        tracing::warn!(error = %e, "cannot keep the typed nomination in the session");
    }
}

/// The nomination typed before logging in, if any (it stays until submitted or replaced).
pub fn pending_nomination(session: &Session) -> Option<crate::domain::validate::NominationForm> {
    session.get(PENDING_NOMINATION).ok().flatten()
}

pub fn forget_pending_nomination(session: &Session) {
    if session.contains_key(PENDING_NOMINATION) {
        session.remove(PENDING_NOMINATION);
    }
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
