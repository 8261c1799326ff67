//! Logging in: the account found or made for who proved themselves (GitHub, or the dev login
//! on a machine of one's own), the login audited, and an editor's role bound to the account
//! (`EDITORS`) — one write, whichever way they came.

use crate::error::AppError;
use crate::github::GithubUser;
use crate::models::{audit, editor, user, user::User};
use crate::state::AppState;

/// Who proved themselves, and how.
pub enum Identity {
    Github(GithubUser),
    /// `DEV_LOGIN`: a login name typed on this machine.
    Dev(String),
}

/// The account `identity` logs in to, stored and audited. A banned account is returned as
/// it is: starting a session for it is the caller's refusal to make.
pub async fn log_in(state: &AppState, identity: Identity) -> Result<User, AppError> {
    let now = state.clock.now();
    let editors = state.settings.editors.clone();
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
            Ok(user)
        })
        .await
}
