//! Who is asking: `Viewer` (maybe nobody), `CurrentUser` (401 otherwise), `Editor` (403 otherwise).
//! The cookie names a session; its row in the database decides whether it still stands.

use super::session::{self, SessionAuth};
use crate::cache::accounts::SignedIn;
use crate::error::AppError;
use crate::models::{session as session_rows, user};
use crate::state::AppState;
use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use chrono::{DateTime, Utc};
use std::future::Future;
use std::pin::Pin;

pub use crate::actor::CurrentUser;

/// The visitor: logged in or not.
#[derive(Debug, Clone)]
pub struct Viewer(pub Option<CurrentUser>);

async fn load(req: HttpRequest) -> Result<Viewer, AppError> {
    if let Some(v) = req.extensions().get::<Viewer>() {
        return Ok(v.clone());
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal("no app state"))?
        .clone();
    let session = req.get_session();
    let viewer = match session::auth(&session) {
        None => Viewer(None),
        Some(auth) => {
            let now = state.clock.now();
            match resolve(&state, &auth, now).await? {
                Some(signed_in) => {
                    if signed_in.session.seen_is_stale(now) {
                        see(&state, &auth, signed_in.clone(), now).await;
                    }
                    Viewer(Some(signed_in.current))
                }
                None => {
                    session.purge();
                    Viewer(None)
                }
            }
        }
    };
    req.extensions_mut().insert(viewer.clone());
    Ok(viewer)
}

/// The session the cookie names, if it still stands (its row: not ended, within the idle and
/// absolute lifetimes; the account not deleted).
async fn resolve(
    state: &AppState,
    auth: &SessionAuth,
    now: DateTime<Utc>,
) -> Result<Option<SignedIn>, AppError> {
    let key = (auth.user_id, auth.sid.clone());
    if let Some(known) = state.accounts.get(&key) {
        return Ok(known.filter(|s| s.session.stands(now)));
    }
    let (generation, read_at) = (state.accounts.generation(), std::time::Instant::now());
    let editors = state.settings.editors.clone();
    let (user_id, sid) = key.clone();
    let found = state
        .db
        .read(move |conn| {
            let Some(account) = user::find_account(conn, user_id, &editors, &sid)? else {
                return Ok(None);
            };
            let Some(session) = account.session.filter(|s| s.stands(now)) else {
                return Ok(None);
            };
            let current = CurrentUser {
                user: account.user,
                is_editor: account.is_editor,
            };
            Ok(Some(SignedIn { current, session }))
        })
        .await?;
    // An editor's session is read every time: a revoked editor (`editor revoke`, from any
    // process) loses the desk at once. Everyone else's is kept for `REFRESH`.
    if !found.as_ref().is_some_and(|s| s.current.is_editor) {
        state.accounts.put(key, found.clone(), read_at, generation);
    }
    Ok(found)
}

/// Write that the session was seen (at most once a minute: `domain::session`). A failure costs
/// a stale "last seen" on the sessions page, never the page being asked for.
async fn see(state: &AppState, auth: &SessionAuth, mut signed_in: SignedIn, now: DateTime<Utc>) {
    let sid = auth.sid.clone();
    let (generation, read_at) = (state.accounts.generation(), std::time::Instant::now());
    match state
        .db
        .write(move |tx| Ok(session_rows::touch(tx, &sid, now)?))
        .await
    {
        Ok(_) => {
            if !signed_in.current.is_editor {
                signed_in.session.last_seen_at = now.naive_utc();
                let key = (auth.user_id, auth.sid.clone());
                state.accounts.put(key, Some(signed_in), read_at, generation);
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot write a session's last-seen time"),
    }
}

impl FromRequest for Viewer {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(load(req.clone()))
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { load(req).await?.0.ok_or_else(AppError::unauthorized) })
    }
}

/// A logged-in editor; the role is checked on the server for every editor route.
#[derive(Debug, Clone)]
pub struct Editor(pub CurrentUser);

impl FromRequest for Editor {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let current = load(req).await?.0.ok_or_else(AppError::unauthorized)?;
            if current.is_editor {
                Ok(Editor(current))
            } else {
                Err(AppError::forbidden(
                    "This page is for This Week in Rust's editors.",
                ))
            }
        })
    }
}
