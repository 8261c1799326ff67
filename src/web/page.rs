//! Rendering pages: the shared `site` context (who is logged in, CSRF token, dev-login banner)
//! plus one template per route.

use super::csrf;
use super::extract::Viewer;
use crate::error::AppError;
use crate::state::AppState;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::Serialize;

/// What every page knows about the site and the visitor (`site` in the templates).
#[derive(Debug, Clone, Serialize)]
pub struct Site {
    pub login_enabled: bool,
    pub dev_login: bool,
    pub user: Option<SiteUser>,
    /// A one-time message ("Your vote is counted").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flash: Option<String>,
    /// For the page's forms; logged-in pages and pages with an anonymous form carry it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
    /// The stylesheet's and script's versioned paths.
    pub assets: &'static super::assets::AssetPaths,
}

/// The logged-in visitor, as the layout shows them.
#[derive(Debug, Clone, Serialize)]
pub struct SiteUser {
    pub id: i32,
    pub login: String,
    pub name: String,
    pub avatar_url: Option<String>,
    pub is_editor: bool,
    pub can_vote: bool,
}

/// The `site` context for a visitor who is not logged in.
pub fn anonymous_site(state: &AppState) -> Site {
    Site {
        login_enabled: state.settings.github.is_some() || state.settings.dev_login,
        dev_login: state.settings.dev_login,
        user: None,
        flash: None,
        csrf_token: None,
        assets: super::assets::paths(),
    }
}

const FLASH: &str = "flash";

/// A one-time message for the next page this browser sees ("Your vote is counted").
pub fn flash(session: &Session, message: impl Into<String>) {
    let _ = session.insert(FLASH, message.into());
}

/// The `site` context for this visitor; logged-in pages carry the CSRF token for their forms.
pub fn site(state: &AppState, viewer: &Viewer, session: &Session) -> Site {
    let mut site = anonymous_site(state);
    // Asked first: removing marks the session changed even when there is nothing to remove,
    // and a changed session is a new cookie, encrypted and sent, on every page.
    if session.contains_key(FLASH) {
        if let Some(Ok(message)) = session.remove_as::<String>(FLASH) {
            site.flash = Some(message);
        }
    }
    if let Some(current) = &viewer.0 {
        let now = state.clock.now();
        site.user = Some(SiteUser {
            id: current.user.id,
            login: current.user.login.clone(),
            name: current.user.display_name().to_string(),
            avatar_url: current.user.avatar_url.clone(),
            is_editor: current.is_editor,
            can_vote: current.can_vote(state.settings.min_account_age_days, now),
        });
        site.csrf_token = Some(csrf::token(session));
    }
    site
}

/// The `site` context for a page with a form that anonymous visitors may send.
pub fn site_with_form(state: &AppState, viewer: &Viewer, session: &Session) -> Site {
    let mut site = site(state, viewer, session);
    site.csrf_token = Some(csrf::token(session));
    site
}

/// A link preview (OpenGraph and Twitter cards) for a page worth sharing: a nomination, a
/// week, the winners. The layout turns it into `<meta>` tags and a canonical link.
#[derive(Debug, Clone, Serialize)]
pub struct OpenGraph {
    pub title: String,
    pub description: String,
    /// The page's canonical, absolute URL.
    pub url: String,
}

/// A page's data with the `site` beside it, as the templates see them.
#[derive(Serialize)]
struct WithSite<'a, T: Serialize> {
    site: &'a Site,
    #[serde(flatten)]
    data: &'a T,
}

/// Render `template` with `data` (a typed view struct) and the `site` context. Pages for a
/// logged-in user are never stored by caches.
pub fn render<T: Serialize>(
    state: &AppState,
    site: Site,
    template: &str,
    status: StatusCode,
    data: &T,
) -> Result<HttpResponse, AppError> {
    let personal = site.user.is_some();
    let html = render_html(state, &site, template, data)?;
    html_response(status, personal, html)
}

/// The HTML of `template` with `data` and the `site` context.
pub fn render_html<T: Serialize>(
    state: &AppState,
    site: &Site,
    template: &str,
    data: &T,
) -> Result<String, AppError> {
    state
        .templates
        .render(template, &WithSite { site, data })
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
