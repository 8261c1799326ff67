//! The HTTP surface: route table and middleware. Handlers stay thin; rules live in `domain`,
//! SQL in `models`.

pub mod account;
pub mod api;
pub mod archive;
pub mod assets;
pub mod auth;
pub mod ballot_html;
pub mod cached;
pub mod csrf;
pub mod desk;
pub mod editor;
pub mod errors;
pub mod extract;
pub mod forum;
pub mod limits;
pub mod logging;
pub mod me;
pub mod memo;
pub mod nominate;
pub mod nomination_page;
pub mod page;
pub mod profile;
pub mod public;
pub mod session;
pub mod stitched;
pub mod view;
pub mod views;
pub mod vote;
pub mod wording;

use crate::error::AppError;
use crate::settings::Settings;
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpRequest};

/// Largest form body accepted (a quote is at most 5,000 characters; forms are small).
pub const FORM_LIMIT: usize = 64 * 1024;

/// Security headers on every response, errors and 404s included (docs/security.md item 15).
pub fn security_headers(settings: &Settings) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' https://avatars.githubusercontent.com; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"));
    if settings.is_https() {
        headers.add(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    } else {
        headers
    }
}

/// `application/json` answers say their charset too (docs/security.md item 15).
pub async fn json_charset(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::http::header::{HeaderValue, CONTENT_TYPE};
    let mut res = next.call(req).await?;
    let is_bare_json = res
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/json");
    if is_bare_json {
        res.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    Ok(res)
}

/// Register every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::FormConfig::default()
            .limit(FORM_LIMIT)
            .error_handler(|err, _req: &HttpRequest| form_error(err).into()),
    )
    .app_data(web::PayloadConfig::new(FORM_LIMIT))
    .service(public::livez)
    .service(public::healthz)
    .service(public::index)
    .service(auth::start_login)
    .service(auth::github_callback)
    .service(auth::log_out)
    .service(auth::dev_login_form)
    .service(auth::dev_log_in)
    .service(public::issue_page)
    .service(nomination_page::nomination_page)
    .service(me::me_page)
    .service(account::sessions_page)
    .service(account::end_other_sessions)
    .service(account::end_session)
    .service(account::export)
    .service(account::delete)
    .service(account::privacy)
    .service(nominate::nominate_page)
    .service(nominate::submit_nomination)
    .service(nominate::withdraw_nomination)
    .service(vote::cast_vote)
    .service(vote::withdraw_vote)
    .service(desk::desk)
    .service(desk::shortlist_json)
    .service(editor::pick)
    .service(editor::unpick)
    .service(editor::hide)
    .service(editor::unhide)
    .service(editor::ban)
    .service(editor::unban)
    .service(account::sign_out_form)
    .service(account::sign_out)
    .service(editor::change_week)
    .service(editor::close_week)
    .service(editor::publish)
    .service(editor::propose_to_draft)
    .service(desk::audit_log)
    .service(wording::edit_form)
    .service(wording::edit)
    .service(forum::needs_look_form)
    .service(forum::dismiss_post)
    .service(forum::nominate_from_post)
    .service(archive::winners_page)
    .service(archive::winners_json)
    .service(archive::feed)
    .service(api::me_json)
    .service(api::current_week_json)
    .service(api::week_json)
    .service(api::nomination_json)
    .service(profile::profile_page)
    .service(profile::profile_feed)
    .service(profile::crate_badge)
    .configure(assets::routes);
}

fn form_error(err: actix_web::error::UrlencodedError) -> AppError {
    use actix_web::error::UrlencodedError;
    use actix_web::http::StatusCode;
    match err {
        UrlencodedError::Overflow { .. } => AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("The form is larger than {} KiB.", FORM_LIMIT / 1024),
        ),
        UrlencodedError::ContentType => AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Please send the form as application/x-www-form-urlencoded.",
        ),
        other => AppError::bad_request(format!("The form could not be read: {other}.")),
    }
}
