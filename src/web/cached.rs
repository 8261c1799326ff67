//! Answering from a body kept ready in memory: `304 Not Modified` for a matching ETag, gzip
//! when the client accepts it.

use super::memo::Rendered;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

pub fn respond(req: &HttpRequest, body: &Rendered, content_type: &str) -> HttpResponse {
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == body.etag || tag.trim() == "*")
        });
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, body.etag.as_str()))
        // Shared caches may keep it, but must ask again each time (the ETag makes that cheap).
        .insert_header((header::CACHE_CONTROL, "public, no-cache"))
        .insert_header((header::VARY, "Accept-Encoding, Cookie"));
    if matches {
        return response.finish();
    }
    let gzip = accepts_gzip(req);
    response.content_type(content_type);
    if gzip && !body.gzip.is_empty() {
        response
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(body.gzip.clone())
    } else {
        response.body(body.plain.clone())
    }
}

/// Whether the request's `Accept-Encoding` takes gzip (`gzip`, `gzip;q=0.8`; not `gzip;q=0`).
pub fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|coding| {
                let mut parts = coding.split(';');
                let name = parts.next().unwrap_or("").trim();
                let refused = parts.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                name.eq_ignore_ascii_case("gzip") && !refused
            })
        })
}
