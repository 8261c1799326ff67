//! Rendering pages: the shared `site` context (who is logged in, CSRF token, dev-login banner)
//! plus one template per route.

use crate::error::AppError;
use crate::state::AppState;
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

/// Render `template` with `data` (an object) and the `site` context.
pub fn render(
    state: &AppState,
    site: Value,
    template: &str,
    status: StatusCode,
    mut data: Value,
) -> Result<HttpResponse, AppError> {
    if let Some(obj) = data.as_object_mut() {
        obj.insert("site".into(), site);
    }
    let html = state
        .templates
        .render(template, &data)
        .map_err(|e| AppError::internal(format!("template {template}: {e}")))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}
