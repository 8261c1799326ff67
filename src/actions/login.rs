//! Logging in: the account found or made for who proved themselves (GitHub, or the dev login
//! on a machine of one's own), the login audited, and an editor's role bound to the account
//! (`EDITORS`), and the new session's row — one write, whichever way they came.

use crate::error::AppError;
use crate::github::GithubUser;
use crate::models::{audit, editor, session, user, user::User};
use crate::state::AppState;

/// Who proved themselves, and how.
pub enum Identity {
    Github(GithubUser),
    /// `DEV_LOGIN`: a login name typed on this machine.
    Dev(String),
}

/// A login that succeeded: the account, and the new session's id (none for a banned account,
/// which gets no session).
pub struct LoggedIn {
    pub user: User,
    pub session_id: Option<String>,
}

/// The account `identity` logs in to, stored and audited, with a new session in `browser`
/// (the `User-Agent` header, of which only a summary is kept). A banned account gets no
/// session: refusing it is the caller's to say.
pub async fn log_in(
    state: &AppState,
    identity: Identity,
    browser: Option<&str>,
) -> Result<LoggedIn, AppError> {
    let now = state.clock.now();
    let editors = state.settings.editors.clone();
    let browser = browser.map(crate::domain::session::describe_browser);
    state
        .db
        .write(move |tx| {
            let (user, action) = match &identity {
                Identity::Github(profile) => (user::upsert_github(tx, profile, now)?, "login"),
                Identity::Dev(login) => (user::upsert_dev(tx, login, now)?, "dev_login"),
            };
            audit::record(
                tx,
                audit::Entry::new(&user.login, action, &user.login).by_user(user.id),
                now,
            )?;
            editor::bind_at_login(tx, &user, &editors, now)?;
            let session_id = if user.banned {
                None
            } else {
                let id = new_session_id();
                session::start(tx, &id, user.id, browser.as_deref(), now)?;
                Some(id)
            };
            Ok(LoggedIn { user, session_id })
        })
        .await
}

/// A new session id: 128 random bits, hex.
fn new_session_id() -> String {
    let bytes: [u8; 16] = rand::Rng::gen(&mut rand::thread_rng());
    hex::encode(bytes)
}
