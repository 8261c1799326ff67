//! Rendering pages: the shared `site` context (who is logged in, CSRF token, dev-login banner)
//! plus one template per route.

use super::csrf;
use super::extract::Viewer;
use crate::error::AppError;
use crate::state::AppState;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::{json, Value};

/// The `site` context for a visitor who is not logged in.
pub fn anonymous_site(state: &AppState) -> Value {
    json!({
        "login_enabled": state.settings.github.is_some() || state.settings.dev_login,
        "dev_login": state.settings.dev_login,
        "user": null,
    })
}

const FLASH: &str = "flash";

/// A one-time message for the next page this browser sees ("Your vote is counted").
pub fn flash(session: &Session, message: impl Into<String>) {
    let _ = session.insert(FLASH, message.into());
}

/// The `site` context for this visitor; logged-in pages carry the CSRF token for their forms.
pub fn site(state: &AppState, viewer: &Viewer, session: &Session) -> Value {
    let mut site = anonymous_site(state);
    if let Some(Ok(message)) = session.remove_as::<String>(FLASH) {
        site["flash"] = json!(message);
    }
    if let Some(current) = &viewer.0 {
        let now = state.clock.now();
        site["user"] = json!({
            "id": current.user.id,
            "login": current.user.login,
            "name": current.user.display_name(),
            "avatar_url": current.user.avatar_url,
            "is_editor": current.is_editor,
            "can_vote": current.can_vote(state.settings.min_account_age_days, now),
        });
        site["csrf_token"] = json!(csrf::token(session));
    }
    site
}

/// The `site` context for a page with a form that anonymous visitors may send.
pub fn site_with_form(state: &AppState, viewer: &Viewer, session: &Session) -> Value {
    let mut site = site(state, viewer, session);
    site["csrf_token"] = json!(csrf::token(session));
    site
}

/// Render `template` with `data` (an object) and the `site` context. Pages for a logged-in
/// user are never stored by caches.
pub fn render(
    state: &AppState,
    site: Value,
    template: &str,
    status: StatusCode,
    data: Value,
) -> Result<HttpResponse, AppError> {
    let personal = !site["user"].is_null();
    let html = render_html(state, site, template, data)?;
    html_response(status, personal, html)
}

/// The HTML of `template` with `data` and the `site` context.
pub fn render_html(
    state: &AppState,
    site: Value,
    template: &str,
    mut data: Value,
) -> Result<String, AppError> {
    if let Some(obj) = data.as_object_mut() {
        obj.insert("site".into(), site);
    }
    // Hand the data over as the context: no copy of the whole tree per render.
    state
        .templates
        .render_with_context(template, &handlebars::Context::from(data))
        .map_err(|e| AppError::internal(format!("template {template}: {e}")))
}

pub fn html_response(status: StatusCode, personal: bool, html: String) -> Result<HttpResponse, AppError> {
    let mut response = HttpResponse::build(status);
    response.content_type("text/html; charset=utf-8");
    if personal {
        response.insert_header(("Cache-Control", "no-store"));
    }
    Ok(response.body(html))
}

/// Whether a one-time message waits for this browser.
pub fn has_flash(session: &Session) -> bool {
    session.contains_key(FLASH)
}

/// 303 See Other to `location` (the answer to every successful form).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}
