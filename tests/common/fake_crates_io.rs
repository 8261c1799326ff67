//! A fake crates.io API on port 0: `GET /api/v1/crates/{name}` answers as crates.io documents
//! it (the canonical name whatever the case or `-`/`_`, 404 with an `errors` body for unknown
//! crates, 403 without a User-Agent), or, in silent mode, does not answer at all. Also
//! `GET /api/v1/crates/{name}/owners` and `GET /api/v1/summary` (new and just-updated crates,
//! each crate in the summary's shape).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// (name, description, repository) by folded name.
type Known = HashMap<String, (String, String, Option<String>)>;

#[derive(Default)]
struct Inner {
    crates: Mutex<Known>,
    /// Owner logins by folded name.
    owners: Mutex<HashMap<String, Vec<String>>>,
    /// The summary's `new_crates` and `just_updated`, by name (known crates).
    summary: Mutex<(Vec<String>, Vec<String>)>,
    summary_requests: AtomicUsize,
    silent: AtomicBool,
    requests: AtomicUsize,
}

#[derive(Clone)]
pub struct FakeCratesIo {
    pub base: String,
    inner: Arc<Inner>,
    handle: actix_web::dev::ServerHandle,
}

fn key(name: &str) -> String {
    name.to_ascii_lowercase().replace('-', "_")
}

impl FakeCratesIo {
    pub async fn start() -> FakeCratesIo {
        let inner = Arc::new(Inner::default());
        let data = web::Data::new(inner.clone());
        let (base, handle) = super::serve_fake(data, |cfg| {
            cfg.route("/api/v1/crates/{name}", web::get().to(get_crate))
                .route("/api/v1/crates/{name}/owners", web::get().to(get_owners))
                .route("/api/v1/summary", web::get().to(get_summary));
        });
        let fake = FakeCratesIo {
            base: format!("{base}/api/v1"),
            inner,
            handle,
        };
        for (name, description) in [
            ("serde", "A generic serialization/deserialization framework"),
            ("rayon", "Simple work-stealing parallelism for Rust"),
            ("tokio", "An event-driven, non-blocking I/O platform for writing asynchronous I/O backed applications."),
            ("literator", "Efficient conversion of iterators to readable strings"),
            ("type_description", "Machine-readable type descriptions"),
            ("anyhow", "Flexible concrete Error type built on std::error::Error"),
        ] {
            fake.add(name, description, Some(&format!("https://github.com/example/{name}")));
        }
        fake
    }

    pub fn add(&self, name: &str, description: &str, repository: Option<&str>) {
        self.inner.crates.lock().unwrap().insert(
            key(name),
            (
                name.to_string(),
                description.to_string(),
                repository.map(str::to_string),
            ),
        );
    }

    /// The crate's owners, as `GET /api/v1/crates/{name}/owners` lists them.
    pub fn set_owners(&self, name: &str, logins: &[&str]) {
        self.inner
            .owners
            .lock()
            .unwrap()
            .insert(key(name), logins.iter().map(|l| l.to_string()).collect());
    }

    /// What `GET /api/v1/summary` lists as new and as just updated (names of known crates).
    pub fn set_summary(&self, new_crates: &[&str], just_updated: &[&str]) {
        let names = |l: &[&str]| l.iter().map(|n| n.to_string()).collect();
        *self.inner.summary.lock().unwrap() = (names(new_crates), names(just_updated));
    }

    pub fn summary_requests(&self) -> usize {
        self.inner.summary_requests.load(Ordering::SeqCst)
    }

    /// Accept connections but never answer (crates.io down or very slow).
    pub fn go_silent(&self, silent: bool) {
        self.inner.silent.store(silent, Ordering::SeqCst);
    }

    pub fn requests(&self) -> usize {
        self.inner.requests.load(Ordering::SeqCst)
    }

    pub fn stop(&self) {
        drop(self.handle.stop(false));
    }
}

async fn get_crate(req: HttpRequest, inner: web::Data<Arc<Inner>>, name: web::Path<String>) -> HttpResponse {
    inner.requests.fetch_add(1, Ordering::SeqCst);
    if inner.silent.load(Ordering::SeqCst) {
        actix_web::rt::time::sleep(std::time::Duration::from_secs(30)).await;
    }
    if req.headers().get("user-agent").is_none() {
        return HttpResponse::Forbidden().body("We require that all requests include a `User-Agent` header.");
    }
    let found = inner.crates.lock().unwrap().get(&key(&name)).cloned();
    match found {
        Some((name, description, repository)) => HttpResponse::Ok().json(json!({
            "crate": {
                "id": name,
                "name": name,
                "description": description,
                "repository": repository,
                "homepage": null,
                "documentation": format!("https://docs.rs/{name}"),
                "downloads": 1000,
                "recent_downloads": 120,
                "max_version": "1.0.0",
                "created_at": "2019-01-01T00:00:00.000000+00:00",
                "updated_at": "2026-01-01T00:00:00.000000+00:00",
            },
            "versions": [],
            "keywords": [],
            "categories": [],
        })),
        None => HttpResponse::NotFound()
            .json(json!({ "errors": [{ "detail": format!("crate `{name}` does not exist") }] })),
    }
}

async fn get_owners(inner: web::Data<Arc<Inner>>, name: web::Path<String>) -> HttpResponse {
    inner.requests.fetch_add(1, Ordering::SeqCst);
    if inner.silent.load(Ordering::SeqCst) {
        actix_web::rt::time::sleep(std::time::Duration::from_secs(30)).await;
    }
    if !inner.crates.lock().unwrap().contains_key(&key(&name)) {
        return HttpResponse::NotFound()
            .json(json!({ "errors": [{ "detail": format!("crate `{name}` does not exist") }] }));
    }
    let logins = inner
        .owners
        .lock()
        .unwrap()
        .get(&key(&name))
        .cloned()
        .unwrap_or_default();
    let users: Vec<_> = logins
        .iter()
        .enumerate()
        .map(|(i, login)| {
            json!({
                "id": i + 1,
                "login": login,
                "kind": "user",
                "name": null,
                "avatar": null,
                "url": format!("https://github.com/{login}"),
            })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "users": users }))
}

/// One crate as the summary lists it (crates.io's `EncodableCrate`).
fn summary_crate(name: &str, description: &str, repository: &Option<String>) -> serde_json::Value {
    json!({
        "id": name,
        "name": name,
        "updated_at": "2026-11-30T10:00:00.000000Z",
        "versions": null,
        "keywords": null,
        "categories": null,
        "badges": [],
        "created_at": "2026-11-29T10:00:00.000000Z",
        "downloads": 12,
        "recent_downloads": 12,
        "default_version": "0.1.0",
        "num_versions": 1,
        "yanked": false,
        "max_version": "0.1.0",
        "newest_version": "0.1.0",
        "max_stable_version": "0.1.0",
        "description": description,
        "homepage": null,
        "documentation": null,
        "repository": repository,
        "links": {
            "version_downloads": format!("/api/v1/crates/{name}/downloads"),
            "versions": format!("/api/v1/crates/{name}/versions"),
            "owners": format!("/api/v1/crates/{name}/owners"),
            "owner_team": format!("/api/v1/crates/{name}/owner_team"),
            "owner_user": format!("/api/v1/crates/{name}/owner_user"),
            "reverse_dependencies": format!("/api/v1/crates/{name}/reverse_dependencies"),
        },
        "exact_match": false,
    })
}

async fn get_summary(req: HttpRequest, inner: web::Data<Arc<Inner>>) -> HttpResponse {
    inner.summary_requests.fetch_add(1, Ordering::SeqCst);
    if inner.silent.load(Ordering::SeqCst) {
        actix_web::rt::time::sleep(std::time::Duration::from_secs(30)).await;
    }
    if req.headers().get("user-agent").is_none() {
        return HttpResponse::Forbidden().body("We require that all requests include a `User-Agent` header.");
    }
    let crates = inner.crates.lock().unwrap().clone();
    let (new_crates, just_updated) = inner.summary.lock().unwrap().clone();
    let list = |names: &[String]| -> Vec<serde_json::Value> {
        names
            .iter()
            .filter_map(|n| crates.get(&key(n)))
            .map(|(name, description, repository)| summary_crate(name, description, repository))
            .collect()
    };
    HttpResponse::Ok().json(json!({
        "num_downloads": 123456789,
        "num_crates": crates.len(),
        "new_crates": list(&new_crates),
        "most_downloaded": [],
        "most_recently_downloaded": [],
        "just_updated": list(&just_updated),
        "popular_keywords": [],
        "popular_categories": [],
    }))
}
