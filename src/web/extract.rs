//! Who is asking: `Viewer` (maybe nobody), `CurrentUser` (401 otherwise), `Editor` (403 otherwise).
//! The cookie names a user and an epoch; the database decides whether that still stands.

use super::session::{self, SessionAuth, SEEN_REFRESH_SECS};
use crate::error::AppError;
use crate::models::user;
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
            let found = resolve(&state, auth.clone(), now).await?;
            match found {
                Some(current) => {
                    if now.timestamp() - auth.seen_at > SEEN_REFRESH_SECS {
                        session::set_auth(
                            &session,
                            &SessionAuth {
                                seen_at: now.timestamp(),
                                ..auth
                            },
                        );
                    }
                    Viewer(Some(current))
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

/// The user the session names, if the session still stands (timeouts, epoch, account exists).
async fn resolve(
    state: &AppState,
    auth: SessionAuth,
    now: DateTime<Utc>,
) -> Result<Option<CurrentUser>, AppError> {
    if !auth.is_current(now.timestamp()) {
        return Ok(None);
    }
    let key = (auth.user_id, auth.sid.clone(), auth.epoch);
    if let Some(known) = state.accounts.get(&key) {
        return Ok(known);
    }
    let (generation, read_at) = (state.accounts.generation(), std::time::Instant::now());
    let editors = state.settings.editors.clone();
    let found = state
        .db
        .read(move |conn| {
            let Some(account) = user::find_account(conn, auth.user_id, &editors, &auth.sid)? else {
                return Ok(None);
            };
            if account.user.session_epoch != auth.epoch || account.session_ended {
                return Ok(None);
            }
            Ok(Some(CurrentUser {
                user: account.user,
                is_editor: account.is_editor,
            }))
        })
        .await?;
    // An editor's session is read every time: a revoked editor (`editor revoke`, from any
    // process) loses the desk at once. Everyone else's is kept for `REFRESH`.
    if !found.as_ref().is_some_and(|c| c.is_editor) {
        state.accounts.put(key, found.clone(), read_at, generation);
    }
    Ok(found)
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
