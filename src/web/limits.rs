//! Applying the abuse limits (`crate::limits`) to requests: per client IP on logging in and
//! on every state-changing request, answered with 429 and `Retry-After`.

use crate::error::AppError;
use crate::limits::RateLimits;
use crate::state::AppState;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;
use std::net::IpAddr;

pub use crate::limits::Limit;

/// The client's address of `req` (see `RateLimits::client_of`).
pub fn client_ip(limits: &RateLimits, req: &ServiceRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    Some(limits.client_of(peer, &forwarded))
}

fn is_login(path: &str) -> bool {
    matches!(path, "/login" | "/auth/github/callback" | "/dev/login")
}

/// Per-IP limits on logging in and on every state-changing request.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if let Err(refused) = check(&req) {
        // An answer, not an `Err`, so the error pages render it like any other.
        return Ok(req.error_response(refused).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

fn check(req: &ServiceRequest) -> Result<(), AppError> {
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return Ok(());
    };
    let limits = &state.limits;
    if let Some(ip) = client_ip(limits, req) {
        // The path as routed (percent-decoded): `/%6cogin` is `/login` too.
        if is_login(req.match_info().as_str()) {
            limits.check_login(ip)?;
        }
        if req.method() != Method::GET && req.method() != Method::HEAD {
            limits.check_form(ip)?;
        }
    }
    Ok(())
}
