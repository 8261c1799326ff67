//! A member's controls over their account: `/me/sessions` (list, end one, end the others),
//! `/me/export.json`, `/me/delete`, an editor's `/editor/users/{login}/sign-out`, and `/privacy`.

use super::extract::{CurrentUser, Editor, Viewer};
use super::{me, page, session};
use crate::actions::account;
use crate::domain::session::{ABSOLUTE_LIFETIME_SECS, IDLE_TIMEOUT_SECS};
use crate::domain::validate;
use crate::domain::week::{human_and_relative, rfc3339};
use crate::error::AppError;
use crate::state::AppState;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};

/// `templates/sessions.hbs`.
#[derive(Serialize)]
struct SessionsPage {
    title: &'static str,
    sessions: Vec<SessionLine>,
    /// How many sessions besides this one stand.
    others: usize,
    idle_days: i64,
    absolute_days: i64,
}

#[derive(Serialize)]
struct SessionLine {
    id: String,
    browser: String,
    this_one: bool,
    created_at: String,
    created_human: String,
    last_seen_at: String,
    last_seen_human: String,
    expires_at: String,
    expires_human: String,
}

/// The id of the session asking (the cookie's).
fn this_session(session: &Session) -> String {
    session::auth(session).map(|a| a.sid).unwrap_or_default()
}

#[get("/me/sessions")]
pub async fn sessions_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    session: Session,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let user_id = current.user.id;
    let rows = state
        .db
        .read(move |conn| Ok(crate::models::session::standing_of(conn, user_id, now)?))
        .await?;
    let this = this_session(&session);
    let when = |t: chrono::NaiveDateTime| human_and_relative(t.and_utc(), now);
    let sessions: Vec<SessionLine> = rows
        .iter()
        .map(|s| SessionLine {
            id: s.id.clone(),
            browser: s
                .user_agent
                .clone()
                .unwrap_or_else(|| "An unknown browser".into()),
            this_one: s.id == this,
            created_at: rfc3339(s.created_at),
            created_human: when(s.created_at),
            last_seen_at: rfc3339(s.last_seen_at),
            last_seen_human: when(s.last_seen_at),
            expires_at: rfc3339(s.standing().expires_at()),
            expires_human: when(s.standing().expires_at()),
        })
        .collect();
    let others = sessions.iter().filter(|s| !s.this_one).count();
    page::render(
        &state,
        page::site(&state, &viewer, &session),
        "sessions",
        StatusCode::OK,
        &SessionsPage {
            title: "Where you are signed in",
            sessions,
            others,
            idle_days: IDLE_TIMEOUT_SECS / 86_400,
            absolute_days: ABSOLUTE_LIFETIME_SECS / 86_400,
        },
    )
}

/// End one of the member's sessions; ending this one is logging out.
#[post("/me/sessions/{id}/end")]
pub async fn end_session(
    state: web::Data<AppState>,
    session: Session,
    current: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let this_one = id == this_session(&session);
    if !account::end_session(&state, &current, id).await? {
        return Err(AppError::not_found("That session"));
    }
    if this_one {
        session.purge();
        return Ok(page::see_other("/"));
    }
    page::flash(&session, "That session has ended: the browser is signed out.");
    Ok(page::see_other("/me/sessions"))
}

#[post("/me/sessions/end-others")]
pub async fn end_other_sessions(
    state: web::Data<AppState>,
    session: Session,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let ended = account::end_other_sessions(&state, &current, this_session(&session)).await?;
    page::flash(
        &session,
        match ended {
            0 => "There was no other session to end.".to_string(),
            1 => "1 other session has ended.".to_string(),
            n => format!("{n} other sessions have ended."),
        },
    );
    Ok(page::see_other("/me/sessions"))
}

#[derive(Deserialize)]
pub struct SignOutForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    reason: String,
}

async fn sign_out_member(
    state: &AppState,
    editor: &Editor,
    session: &Session,
    login: &str,
    reason: &str,
) -> Result<HttpResponse, AppError> {
    let login = validate::github_login(login).map_err(|e| AppError::unprocessable("invalid_login", e))?;
    let reason = validate::optional_text(reason, 500, "the reason")
        .map_err(|e| AppError::unprocessable("invalid_reason", e))?;
    let ended = account::sign_out(state, &editor.0, login.clone(), reason).await?;
    page::flash(
        session,
        format!(
            "{login} is signed out everywhere ({ended} session{} ended).",
            if ended == 1 { "" } else { "s" }
        ),
    );
    Ok(page::see_other("/editor#moderation"))
}

/// An editor ends every session of `login` (field `reason`); audited.
#[post("/editor/users/{login}/sign-out")]
pub async fn sign_out(
    state: web::Data<AppState>,
    editor: Editor,
    session: Session,
    path: web::Path<String>,
    form: web::Form<SignOutForm>,
) -> Result<HttpResponse, AppError> {
    sign_out_member(&state, &editor, &session, &path, &form.reason).await
}

/// The desk's form, which names the login in a field rather than the path.
#[post("/editor/users/sign-out")]
pub async fn sign_out_form(
    state: web::Data<AppState>,
    editor: Editor,
    session: Session,
    form: web::Form<SignOutForm>,
) -> Result<HttpResponse, AppError> {
    sign_out_member(&state, &editor, &session, &form.login, &form.reason).await
}

/// `GET /me/export.json`: everything stored about the member, as a download.
#[get("/me/export.json")]
pub async fn export(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, AppError> {
    let stored = account::export(&state, &current).await?;
    let body = serde_json::to_vec_pretty(&super::views::EncodableExport::from(&stored))
        .map_err(|e| AppError::internal(format!("export: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"twir-picks-{}.json\"", current.user.login),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    confirm_login: String,
}

/// `POST /me/delete`: the account erased, this browser signed out, a page that says so.
#[post("/me/delete")]
pub async fn delete(
    state: web::Data<AppState>,
    viewer: Viewer,
    session: Session,
    current: CurrentUser,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    match account::delete(&state, &current, &form.confirm_login).await {
        Ok(_) => {
            session.purge();
            page::render(
                &state,
                page::anonymous_site(&state),
                "account_deleted",
                StatusCode::OK,
                &Titled {
                    title: "Your account is deleted",
                },
            )
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let typed = me::DeleteForm {
                typed: form.confirm_login.clone(),
                error: e.message,
            };
            me::render(
                &state,
                &viewer,
                &session,
                &current,
                Some(typed),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Serialize)]
struct Titled {
    title: &'static str,
}

/// `templates/privacy.hbs`.
#[derive(Serialize)]
struct PrivacyPage<'a> {
    title: &'static str,
    contact: Option<&'a str>,
    absolute_days: i64,
}

#[get("/privacy")]
pub async fn privacy(
    state: web::Data<AppState>,
    viewer: Viewer,
    session: Session,
) -> Result<HttpResponse, AppError> {
    page::render(
        &state,
        page::site(&state, &viewer, &session),
        "privacy",
        StatusCode::OK,
        &PrivacyPage {
            title: "Privacy",
            contact: state.settings.privacy_contact.as_deref(),
            absolute_days: ABSOLUTE_LIFETIME_SECS / 86_400,
        },
    )
}
