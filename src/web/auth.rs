//! Logging in with GitHub (and DEV_LOGIN), logging out.

use super::extract::Viewer;
use super::page;
use super::session::{self, OAuthPending, SessionAuth, OAUTH_TTL_SECS};
use crate::actions::login::{self, Identity, LoggedIn};
use crate::domain::validate::{self, safe_next_path};
use crate::error::AppError;
use crate::github::GithubError;
use crate::models::{session as session_rows, user};
use crate::state::AppState;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Send the browser to GitHub with a fresh state and PKCE challenge kept in this session.
#[get("/login")]
pub async fn start_login(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = query.next.as_deref().and_then(safe_next_path);
    let Some(github) = state.github.as_ref() else {
        if state.settings.dev_login {
            let target = match &next {
                Some(n) => format!("/dev/login?next={}", urlencode(n)),
                None => "/dev/login".into(),
            };
            return Ok(page::see_other(&target));
        }
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            "login_disabled",
            "Logging in is not set up on this site (no GitHub OAuth app is configured).",
        ));
    };
    let authorization = github.authorize();
    session::set_pending(
        &session,
        &OAuthPending {
            state: authorization.state,
            verifier: authorization.verifier,
            started_at: state.clock.now().timestamp(),
            next,
        },
    );
    Ok(HttpResponse::Found()
        .insert_header(("Location", authorization.url.as_str()))
        .insert_header(("Cache-Control", "no-store"))
        .finish())
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// GitHub sends the browser back here. Every failure says what happened and leaves the
/// session as it was (logged in or not).
#[get("/auth/github/callback")]
pub async fn github_callback(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<CallbackQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    // A failed callback changes nothing: it is a GET anyone can send to a logged-in browser.
    finish_login(&state, &session, query.into_inner(), browser(&req)).await
}

async fn finish_login(
    state: &AppState,
    session: &Session,
    query: CallbackQuery,
    browser: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let github = state
        .github
        .as_ref()
        .ok_or_else(|| AppError::not_found("GitHub login"))?;
    let pending = session::pending(session);
    if let Some(error) = query.error {
        let message = if error == "access_denied" {
            "You chose not to let twir-picks see your GitHub profile, so you are not logged in. You can still browse the ballot.".to_string()
        } else {
            format!("GitHub did not complete the login ({error}). Please try again.")
        };
        return Err(AppError::forbidden(message));
    }
    let expired =
        || AppError::bad_request("This login link has expired or was already used. Please log in again.");
    let pending = pending.ok_or_else(expired)?;
    let (Some(code), Some(returned_state)) = (query.code, query.state) else {
        return Err(AppError::bad_request(
            "GitHub's answer is missing the code or state. Please log in again.",
        ));
    };
    if !bool::from(pending.state.as_bytes().ct_eq(returned_state.as_bytes())) {
        return Err(AppError::bad_request(
            "This login answer does not belong to the login started in this browser. Please log in again.",
        ));
    }
    let now = state.clock.now();
    if now.timestamp() - pending.started_at > OAUTH_TTL_SECS {
        return Err(expired());
    }
    // Single use, decided by the database: a copy of this browser's cookie cannot present
    // the same state again, not even with another code from the same authorize URL.
    let first_use = state
        .db
        .write(move |tx| Ok(user::use_oauth_state(tx, &returned_state, now)?))
        .await?;
    if !first_use {
        return Err(expired());
    }
    let profile = github.login(code, pending.verifier).await.map_err(|e| match e {
        GithubError::Rejected(reason) => {
            tracing::info!(reason = %reason, "GitHub rejected a login code");
            AppError::bad_request("GitHub did not accept this login (the code expired or was already used). Please log in again.")
        }
        GithubError::Unreachable(detail) | GithubError::Unexpected(detail) => {
            tracing::warn!(detail = %detail, "GitHub login failed");
            AppError::bad_gateway("GitHub could not be reached to complete the login. Please try again in a minute.")
        }
    })?;
    let logged_in = login::log_in(state, Identity::Github(profile), browser).await?;
    start_session(session, logged_in)?;
    Ok(page::see_other(pending.next.as_deref().unwrap_or("/")))
}

/// The `User-Agent` a login came with (summarised before it is stored).
fn browser(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

fn start_session(session: &Session, logged_in: LoggedIn) -> Result<(), AppError> {
    let Some(sid) = logged_in.session_id else {
        return Err(AppError::forbidden(
            "This account has been banned from twir-picks.",
        ));
    };
    session::log_in(
        session,
        &SessionAuth {
            user_id: logged_in.user.id,
            sid,
        },
    );
    Ok(())
}

/// Log out for good: the session is remembered as ended, so a copy of the cookie taken
/// before no longer works, and the cookie is cleared.
#[post("/logout")]
pub async fn log_out(state: web::Data<AppState>, session: Session) -> Result<HttpResponse, AppError> {
    if let Some(auth) = session::auth(&session) {
        let now = state.clock.now();
        state
            .db
            .write(move |tx| {
                let why = session_rows::reason::LOGGED_OUT;
                Ok(session_rows::end(tx, &auth.sid, auth.user_id, why, now)?)
            })
            .await?;
    }
    session.purge();
    Ok(page::see_other("/"))
}

/// DEV_LOGIN is on, the request came from this machine, and it names this machine in its
/// own `Host`: a page on another site rebound by DNS to 127.0.0.1 is same-origin to the
/// browser, but its Host says otherwise. Only the connection's own `Host` and peer address
/// decide: `X-Forwarded-Host` and `Forwarded` are anyone's to write.
fn dev_login_allowed(state: &AppState, req: &HttpRequest) -> Result<(), AppError> {
    if !state.settings.dev_login {
        return Err(AppError::not_found("Dev login"));
    }
    let refused = || {
        AppError::forbidden(
            "Dev login answers only to requests for this machine (localhost or a loopback address).",
        )
    };
    if !req.peer_addr().is_some_and(|peer| peer.ip().is_loopback()) {
        return Err(refused());
    }
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or_default()
        .to_string();
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name.to_string(),
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    let loopback = name.eq_ignore_ascii_case("localhost")
        || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(refused());
    }
    Ok(())
}

/// `templates/dev_login.hbs`: the form, and what was typed when it is refused.
#[derive(Serialize)]
struct DevLoginPage<'a> {
    title: &'static str,
    next: Option<&'a str>,
    login: Option<&'a str>,
    error: Option<&'a str>,
}

#[get("/dev/login")]
pub async fn dev_login_form(
    state: web::Data<AppState>,
    viewer: Viewer,
    session: Session,
    query: web::Query<NextQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    dev_login_allowed(&state, &req)?;
    let next = query.next.as_deref().and_then(safe_next_path);
    let site = page::site_with_form(&state, &viewer, &session);
    page::render(
        &state,
        site,
        "dev_login",
        StatusCode::OK,
        &DevLoginPage {
            title: "Dev login",
            next: next.as_deref(),
            login: None,
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct DevLoginForm {
    login: String,
    next: Option<String>,
}

#[post("/dev/login")]
pub async fn dev_log_in(
    state: web::Data<AppState>,
    viewer: Viewer,
    session: Session,
    form: web::Form<DevLoginForm>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    dev_login_allowed(&state, &req)?;
    let login = match validate::github_login(&form.login) {
        Ok(login) => login,
        Err(problem) => {
            let site = page::site_with_form(&state, &viewer, &session);
            return page::render(
                &state,
                site,
                "dev_login",
                StatusCode::UNPROCESSABLE_ENTITY,
                &DevLoginPage {
                    title: "Dev login",
                    next: form.next.as_deref(),
                    login: Some(&form.login),
                    error: Some(problem),
                },
            );
        }
    };
    let logged_in = login::log_in(&state, Identity::Dev(login), browser(&req)).await?;
    start_session(&session, logged_in)?;
    let next = form.next.as_deref().and_then(safe_next_path);
    Ok(page::see_other(next.as_deref().unwrap_or("/")))
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
