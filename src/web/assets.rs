//! The files every page asks for: the stylesheet and script (cached for a year under a name
//! that carries their content's hash, `/static/style.3f2a….css`, so a new release is fetched
//! at once), the favicon and `robots.txt`.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const STYLE: &str = include_str!("../../static/style.css");
const COPY_SCRIPT: &str = include_str!("../../static/copy.js");
const SITE_SCRIPT: &str = include_str!("../../static/site.js");
const FAVICON: &[u8] = include_bytes!("../../static/favicon.ico");

/// Crawlers may read the public pages; the editor's desk, logins and forms are not for them.
const ROBOTS: &str = "User-agent: *\nAllow: /\nDisallow: /editor\nDisallow: /api/v1/editor\nDisallow: /auth/\nDisallow: /login\nDisallow: /dev/\nDisallow: /me\n";

const A_YEAR: &str = "public, max-age=31536000, immutable";

/// The first 12 hex digits of the SHA-256 of `content`.
fn short_hash(content: &[u8]) -> String {
    hex::encode(&Sha256::digest(content)[..6])
}

/// The versioned paths the layout links, made once.
#[derive(Debug, serde::Serialize)]
pub struct AssetPaths {
    pub style: String,
    pub copy_script: String,
    pub site_script: String,
}

static PATHS: LazyLock<AssetPaths> = LazyLock::new(|| AssetPaths {
    style: format!("/static/style.{}.css", short_hash(STYLE.as_bytes())),
    copy_script: format!("/static/copy.{}.js", short_hash(COPY_SCRIPT.as_bytes())),
    site_script: format!("/static/site.{}.js", short_hash(SITE_SCRIPT.as_bytes())),
});

pub fn paths() -> &'static AssetPaths {
    &PATHS
}

/// A file that never changes under its versioned name: a year in caches, and `304` for a
/// matching ETag (the content's hash). Under its plain name, or an old version's, it is
/// kept for minutes only.
fn immutable(req: &HttpRequest, content_type: &str, body: &'static [u8]) -> HttpResponse {
    cached_file(req, content_type, body, A_YEAR)
}

fn versioned(req: &HttpRequest, version: &str, content_type: &str, body: &'static [u8]) -> HttpResponse {
    let policy = if version == short_hash(body) {
        A_YEAR
    } else {
        SHORT
    };
    cached_file(req, content_type, body, policy)
}

const SHORT: &str = "public, max-age=300";

fn cached_file(
    req: &HttpRequest,
    content_type: &str,
    body: &'static [u8],
    policy: &'static str,
) -> HttpResponse {
    let etag = format!("\"{}\"", short_hash(body));
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, policy));
    if matches {
        return response.finish();
    }
    response.content_type(content_type).body(body)
}

#[get("/static/style.css")]
pub async fn style(req: HttpRequest) -> HttpResponse {
    versioned(&req, "", "text/css; charset=utf-8", STYLE.as_bytes())
}

#[get("/static/style.{version}.css")]
pub async fn style_versioned(req: HttpRequest, version: web::Path<String>) -> HttpResponse {
    versioned(&req, &version, "text/css; charset=utf-8", STYLE.as_bytes())
}

#[get("/static/copy.js")]
pub async fn copy_script(req: HttpRequest) -> HttpResponse {
    versioned(&req, "", "text/javascript; charset=utf-8", COPY_SCRIPT.as_bytes())
}

#[get("/static/copy.{version}.js")]
pub async fn copy_script_versioned(req: HttpRequest, version: web::Path<String>) -> HttpResponse {
    versioned(
        &req,
        &version,
        "text/javascript; charset=utf-8",
        COPY_SCRIPT.as_bytes(),
    )
}

#[get("/static/site.js")]
pub async fn site_script(req: HttpRequest) -> HttpResponse {
    versioned(&req, "", "text/javascript; charset=utf-8", SITE_SCRIPT.as_bytes())
}

#[get("/static/site.{version}.js")]
pub async fn site_script_versioned(req: HttpRequest, version: web::Path<String>) -> HttpResponse {
    versioned(
        &req,
        &version,
        "text/javascript; charset=utf-8",
        SITE_SCRIPT.as_bytes(),
    )
}

#[get("/favicon.ico")]
pub async fn favicon(req: HttpRequest) -> HttpResponse {
    immutable(&req, "image/x-icon", FAVICON)
}

#[get("/robots.txt")]
pub async fn robots() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(ROBOTS)
}

/// `HEAD` is answered wherever `GET` is (uptime monitors and link checkers use it): the
/// request is routed as a GET, and the server sends the GET's headers without the body, as
/// HTTP asks of a response to HEAD.
pub async fn head_as_get(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(req).await
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(style)
        .service(style_versioned)
        .service(copy_script)
        .service(copy_script_versioned)
        .service(site_script)
        .service(site_script_versioned)
        .service(favicon)
        .service(robots);
}
