//! A fake GitHub on port 0 that behaves as GitHub documents its OAuth web flow and `/user`:
//! authorize redirects back with code and state (or `error=access_denied`); the token endpoint
//! checks client id and secret, the single-use code, redirect_uri and the PKCE verifier, answers
//! JSON or form-encoded by `Accept`, and reports a bad code with HTTP 200 and an `error` body;
//! `/user` needs a bearer token and a User-Agent.

use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const CLIENT_ID: &str = "test-client-id";
pub const CLIENT_SECRET: &str = "test-client-secret";

#[derive(Debug, Clone)]
pub struct Profile {
    pub id: i64,
    pub login: String,
    pub name: Option<String>,
    pub created_at: String,
}

impl Profile {
    /// An account old enough to vote.
    pub fn new(id: i64, login: &str) -> Self {
        Profile {
            id,
            login: login.into(),
            name: None,
            created_at: "2015-05-15T10:00:00Z".into(),
        }
    }

    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.into());
        self
    }

    pub fn created(mut self, at: &str) -> Self {
        self.created_at = at.into();
        self
    }
}

struct Grant {
    challenge: String,
    redirect_uri: String,
    profile: Profile,
}

#[derive(Default)]
struct Inner {
    /// Who approves the next authorize request; `None` denies it.
    approver: Option<Profile>,
    codes: HashMap<String, Grant>,
    tokens: HashMap<String, Profile>,
    token_requests: usize,
    user_requests: usize,
    /// When set, the token endpoint sleeps this long (a slow GitHub).
    token_delay: Option<std::time::Duration>,
    last_code: Option<String>,
}

#[derive(Clone)]
pub struct FakeGithub {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
    /// The repositories, for the draft proposal's REST calls (`fake_github_repos`).
    pub repos: super::fake_github_repos::Shared,
    handle: actix_web::dev::ServerHandle,
}

impl FakeGithub {
    pub async fn start() -> FakeGithub {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let repos = super::fake_github_repos::Shared::default();
        let (data, repo_data) = (web::Data::new(inner.clone()), web::Data::new(repos.clone()));
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new()
                .app_data(data.clone())
                .app_data(repo_data.clone())
                .route("/login/oauth/authorize", web::get().to(authorize))
                .route("/login/oauth/access_token", web::post().to(access_token))
                .route("/user", web::get().to(user))
                .configure(super::fake_github_repos::routes)
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        FakeGithub {
            base: format!("http://{addr}"),
            inner,
            repos,
            handle,
        }
    }

    /// The repositories' state, to set up and to inspect.
    pub fn world(&self) -> std::sync::MutexGuard<'_, super::fake_github_repos::World> {
        self.repos.lock().unwrap()
    }

    pub fn auth_url(&self) -> String {
        format!("{}/login/oauth/authorize", self.base)
    }
    pub fn token_url(&self) -> String {
        format!("{}/login/oauth/access_token", self.base)
    }
    pub fn api_url(&self) -> String {
        self.base.clone()
    }

    /// The account that approves the next login.
    pub fn approve_as(&self, profile: Profile) {
        self.inner.lock().unwrap().approver = Some(profile);
    }

    /// The next login is denied by the user on GitHub's page.
    pub fn deny_next(&self) {
        self.inner.lock().unwrap().approver = None;
    }

    pub fn slow_token_endpoint(&self, delay: std::time::Duration) {
        self.inner.lock().unwrap().token_delay = Some(delay);
    }

    pub fn token_requests(&self) -> usize {
        self.inner.lock().unwrap().token_requests
    }

    pub fn user_requests(&self) -> usize {
        self.inner.lock().unwrap().user_requests
    }

    /// The last code handed out (for replay tests).
    pub fn last_code(&self) -> Option<String> {
        self.inner.lock().unwrap().last_code.clone()
    }

    pub fn stop(&self) {
        drop(self.handle.stop(false));
    }
}

fn random_token(prefix: &str) -> String {
    let bytes: [u8; 16] = rand::random();
    format!("{prefix}{}", hex::encode(bytes))
}

async fn authorize(
    inner: web::Data<Arc<Mutex<Inner>>>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let q = query.into_inner();
    if q.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return HttpResponse::NotFound().body("unknown client_id");
    }
    let (Some(redirect_uri), Some(state)) = (q.get("redirect_uri"), q.get("state")) else {
        return HttpResponse::BadRequest().body("redirect_uri and state are required");
    };
    if q.get("code_challenge_method").map(String::as_str) != Some("S256") || !q.contains_key("code_challenge")
    {
        return HttpResponse::BadRequest().body("PKCE S256 is required");
    }
    let mut inner = inner.lock().unwrap();
    let mut target = url::Url::parse(redirect_uri).unwrap();
    match inner.approver.clone() {
        None => {
            target
                .query_pairs_mut()
                .append_pair("error", "access_denied")
                .append_pair(
                    "error_description",
                    "The user has denied your application access.",
                )
                .append_pair("error_uri", "https://docs.github.com/apps/troubleshooting")
                .append_pair("state", state);
        }
        Some(profile) => {
            let code = random_token("code");
            inner.codes.insert(
                code.clone(),
                Grant {
                    challenge: q["code_challenge"].clone(),
                    redirect_uri: redirect_uri.clone(),
                    profile,
                },
            );
            inner.last_code = Some(code.clone());
            target
                .query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("state", state);
        }
    }
    HttpResponse::Found()
        .insert_header(("Location", target.as_str()))
        .finish()
}

fn token_answer(req: &HttpRequest, fields: serde_json::Value) -> HttpResponse {
    let wants_json = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    if wants_json {
        HttpResponse::Ok().json(fields)
    } else {
        let pairs: Vec<(String, String)> = fields
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
        HttpResponse::Ok()
            .content_type("application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(pairs).unwrap())
    }
}

fn error_body(code: &str, description: &str) -> serde_json::Value {
    json!({ "error": code, "error_description": description, "error_uri": "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors" })
}

async fn access_token(
    req: HttpRequest,
    inner: web::Data<Arc<Mutex<Inner>>>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let delay = inner.lock().unwrap().token_delay;
    if let Some(d) = delay {
        actix_web::rt::time::sleep(d).await;
    }
    let f = form.into_inner();
    let mut inner = inner.lock().unwrap();
    inner.token_requests += 1;
    if f.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || f.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
    {
        return token_answer(
            &req,
            error_body(
                "incorrect_client_credentials",
                "The client_id and/or client_secret passed are incorrect.",
            ),
        );
    }
    // Codes are single-use: taken out whether or not the rest checks out.
    let Some(grant) = f.get("code").and_then(|c| inner.codes.remove(c)) else {
        return token_answer(
            &req,
            error_body(
                "bad_verification_code",
                "The code passed is incorrect or expired.",
            ),
        );
    };
    if f.get("redirect_uri") != Some(&grant.redirect_uri) {
        return token_answer(
            &req,
            error_body(
                "redirect_uri_mismatch",
                "The redirect_uri MUST match the registered callback URL for this application.",
            ),
        );
    }
    let verifier = f.get("code_verifier").cloned().unwrap_or_default();
    let computed =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if computed != grant.challenge {
        return token_answer(
            &req,
            error_body(
                "bad_verification_code",
                "The code_verifier does not match the code_challenge.",
            ),
        );
    }
    let token = random_token("gho_");
    inner.tokens.insert(token.clone(), grant.profile);
    token_answer(
        &req,
        json!({ "access_token": token, "token_type": "bearer", "scope": "" }),
    )
}

async fn user(
    req: HttpRequest,
    inner: web::Data<Arc<Mutex<Inner>>>,
    repos: web::Data<super::fake_github_repos::Shared>,
) -> HttpResponse {
    if let Some(bot) = super::fake_github_repos::bot_user(&req, &repos) {
        return bot;
    }
    let mut inner = inner.lock().unwrap();
    inner.user_requests += 1;
    if req.headers().get("user-agent").is_none() {
        return HttpResponse::Forbidden().body("Request forbidden by administrative rules. Please make sure your request has a User-Agent header.");
    }
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("token ")));
    let Some(profile) = token.and_then(|t| inner.tokens.get(t)) else {
        return HttpResponse::Unauthorized().json(json!({ "message": "Requires authentication", "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user", "status": "401" }));
    };
    HttpResponse::Ok().json(json!({
        "login": profile.login,
        "id": profile.id,
        "node_id": "MDQ6VXNlcjE=",
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{}?v=4", profile.id),
        "type": "User",
        "site_admin": false,
        "name": profile.name,
        "company": null,
        "blog": "",
        "location": null,
        "email": null,
        "bio": null,
        "public_repos": 8,
        "followers": 20,
        "following": 0,
        "created_at": profile.created_at,
        "updated_at": "2026-01-01T00:00:00Z",
    }))
}
