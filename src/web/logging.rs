//! The request log: one span per request, with the client address the rate limiter believes
//! (never a spoofable header on its own) and no secrets (OAuth codes and states arrive in the
//! query string of `/auth/*`, so those query strings are not logged).

use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{web, Error};
use tracing::field::Empty;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};

pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(req: &ServiceRequest) -> Span {
        let client_ip = req
            .app_data::<web::Data<AppState>>()
            .and_then(|state| super::limits::client_ip(&state.limits, req))
            .map(|ip| ip.to_string())
            .unwrap_or_default();
        let route = req.match_pattern().unwrap_or_else(|| "(no route)".into());
        let user_agent = req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        tracing::info_span!(
            "HTTP request",
            http.method = %req.method(),
            http.route = %route,
            http.target = %logged_target(req.match_info().as_str(), req.query_string()),
            http.client_ip = %client_ip,
            // Debug-formatted: a header cannot forge a log line.
            http.user_agent = ?user_agent,
            http.status_code = Empty,
            otel.status_code = Empty,
            exception.message = Empty,
            exception.details = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// The path and query as logged: the query of `/auth/*` (OAuth `code`, `state`) redacted.
pub fn logged_target(path: &str, query: &str) -> String {
    match query {
        "" => path.to_string(),
        _ if path.starts_with("/auth/") => format!("{path}?[redacted]"),
        q => format!("{path}?{q}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_answers_are_not_logged() {
        assert_eq!(
            logged_target("/auth/github/callback", "code=abc&state=def"),
            "/auth/github/callback?[redacted]"
        );
        assert_eq!(logged_target("/winners", "page=2"), "/winners?page=2");
        assert_eq!(logged_target("/", ""), "/");
    }
}
