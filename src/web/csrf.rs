//! CSRF defence for every state-changing request: a per-session token that each form carries
//! as `csrf_token`, plus Fetch Metadata (`Sec-Fetch-Site`) with an `Origin` check as fallback.
//! Done as middleware so no POST route can forget it.

use crate::error::AppError;
use crate::state::AppState;
use actix_session::{Session, SessionExt};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use base64::Engine;
use subtle::ConstantTimeEq;

const KEY: &str = "csrf";
pub const FIELD: &str = "csrf_token";

/// This session's token, created on first use.
pub fn token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(KEY) {
        return t;
    }
    let bytes: [u8; 32] = rand::random();
    let t = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let _ = session.insert(KEY, &t);
    t
}

/// Whether `submitted` is this session's token (constant-time).
fn matches(session: &Session, submitted: &str) -> bool {
    match session.get::<String>(KEY) {
        Ok(Some(expected)) => {
            !submitted.is_empty() && bool::from(expected.as_bytes().ct_eq(submitted.as_bytes()))
        }
        _ => false,
    }
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Cross-site by Fetch Metadata, or (for older browsers) by an Origin that is not ours.
fn is_cross_site(req: &ServiceRequest) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return site == "cross-site";
    }
    let Some(origin) = header("origin") else {
        return false;
    };
    let ours = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.public_url.origin().ascii_serialization());
    let host = req.connection_info().host().to_string();
    let scheme = req.connection_info().scheme().to_string();
    Some(origin.to_string()) != ours && origin != format!("{scheme}://{host}")
}

pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if is_state_changing(req.method()) {
        if let Err(refused) = check(&mut req).await {
            // An answer, not an `Err`, so the error pages render it like any other.
            return Ok(req.error_response(refused).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

async fn check(req: &mut ServiceRequest) -> Result<(), actix_web::Error> {
    if is_cross_site(req) {
        return Err(AppError::forbidden("Forms on this site can only be sent from this site.").into());
    }
    // Read the (size-limited) body, find the token, and put the body back for the handler.
    let body = req.extract::<Bytes>().await?;
    let submitted = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    if !matches(&req.get_session(), &submitted) {
        return Err(AppError::forbidden(
            "This form has expired or did not come from this site. Please go back, reload the page and try again.",
        )
        .into());
    }
    req.set_payload(body.into());
    Ok(())
}
