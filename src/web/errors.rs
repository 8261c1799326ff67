//! Every 4xx/5xx answer, ours or the framework's (unknown route, oversized body, bad form),
//! becomes a page in the site's layout, or JSON `{error, message}` under `/api/`.

use crate::error::ErrorInfo;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, HttpResponse};
use serde::Serialize;

/// The JSON body of every error under `/api/`: `{"error": code, "message": …}` (docs/contract.md §3).
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
}

/// `templates/error.hbs`.
#[derive(Serialize)]
struct ErrorPage<'a> {
    title: &'a str,
    status: u16,
    message: &'a str,
    site: super::page::Site,
}

pub fn handlers<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(render)
}

/// A code and a message for errors the framework raised without an `ErrorInfo`.
fn generic(status: StatusCode) -> ErrorInfo {
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "There is no page at this address."),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "This address does not accept that kind of request.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "What you sent is larger than this site accepts.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "Please send a normal web form."),
        StatusCode::UNAUTHORIZED => ("unauthorized", "Please log in first."),
        StatusCode::FORBIDDEN => ("forbidden", "You are not allowed to do that."),
        StatusCode::TOO_MANY_REQUESTS => (
            "rate_limited",
            "Too many requests. Please slow down and try again shortly.",
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            "unavailable",
            "The service is not available right now. Please try again in a moment.",
        ),
        s if s.is_server_error() => (
            "internal",
            "Something went wrong on our side. It has been logged.",
        ),
        _ => ("bad_request", "The request could not be understood."),
    };
    ErrorInfo {
        code,
        message: message.to_string(),
    }
}

fn render<B: MessageBody + 'static>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Pages that already rendered themselves (a form shown again with 422) pass through.
    let already = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("application/json"));
    if already {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let info = res
        .response()
        .extensions()
        .get::<ErrorInfo>()
        .cloned()
        .unwrap_or_else(|| generic(status));
    let (req, old) = res.into_parts();
    let mut fresh = if req.match_info().as_str().starts_with("/api/") {
        HttpResponse::build(status).json(ErrorBody {
            error: info.code,
            message: &info.message,
        })
    } else {
        let page = req
            .app_data::<web::Data<AppState>>()
            .and_then(|state| {
                let context = ErrorPage {
                    title: status.canonical_reason().unwrap_or("Error"),
                    status: status.as_u16(),
                    message: &info.message,
                    site: super::page::anonymous_site(state),
                };
                state.templates.render("error", &context).ok()
            })
            .unwrap_or_else(|| info.message.clone());
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(page)
    };
    // Keep headers the error set (Retry-After, Allow) that the fresh body does not replace.
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            fresh.headers_mut().insert(name.clone(), value.clone());
        }
    }
    fresh
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let res = ServiceResponse::new(req, fresh.map_into_boxed_body());
    Ok(ErrorHandlerResponse::Response(res.map_into_right_body()))
}
