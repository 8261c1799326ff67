//! GitHub's REST endpoints for repository contents, refs and pull requests, on the fake GitHub's
//! server, as GitHub documents them: `GET`/`PUT /repos/{o}/{r}/contents/{path}` (base64 content
//! wrapped at 60 columns, the blob `sha`; a `PUT` whose `sha` is not the file's is a 409),
//! `GET /repos/{o}/{r}/git/ref/heads/{branch}`, `POST /repos/{o}/{r}/git/refs` (422 when the
//! ref exists), `PATCH /repos/{o}/{r}/git/refs/heads/{branch}`, `GET`/`POST /repos/{o}/{r}/pulls`
//! (422 "A pull request already exists for …"), `PATCH /repos/{o}/{r}/pulls/{n}` and
//! `GET /repos/{o}/{r}/commits/{ref}`. Every call needs the bot's bearer token (401 "Bad
//! credentials"); a spent rate limit answers 403 with `x-ratelimit-remaining: 0` or 429 with
//! `retry-after`. Forks share commits with their upstream, as on GitHub.

use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const BOT_LOGIN: &str = "twir-picks-bot";

#[derive(Default, Clone)]
struct Repo {
    branches: HashMap<String, String>,
}

#[derive(Clone, Debug)]
pub struct Pull {
    pub number: i64,
    pub head: String,
    pub base: String,
    pub title: String,
    pub body: String,
    pub open: bool,
}

/// How the next answers go wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trouble {
    /// 403 with `x-ratelimit-remaining: 0` and a reset time.
    RateLimited,
    /// 429 with `retry-after: 60`.
    TooManyRequests,
    /// 503: GitHub is down.
    Down,
}

#[derive(Default)]
pub struct World {
    pub token: String,
    repos: HashMap<String, Repo>,
    /// Commit sha → (parent, files by path).
    commits: HashMap<String, (Option<String>, HashMap<String, String>)>,
    pub pulls: HashMap<String, Vec<Pull>>,
    next_pull: i64,
    pub trouble: Option<Trouble>,
    /// The next contents `PUT` answers 409 (someone else committed a moment before).
    pub conflict_next_put: bool,
    /// The next pull request list misses an open one (GitHub's lists lag writes).
    pub hide_pulls_once: bool,
    /// (method, path and query) of every repository call.
    pub calls: Vec<(String, String)>,
    /// Every `Authorization` header seen, to show the token went nowhere else.
    pub authorizations: Vec<String>,
}

pub type Shared = Arc<Mutex<World>>;

fn blob_sha(text: &str) -> String {
    hex::encode(Sha256::digest(format!("blob {}\0{text}", text.len()).as_bytes()))[..40].to_string()
}

impl World {
    fn commit(&mut self, parent: Option<String>, files: HashMap<String, String>) -> String {
        let mut hasher = Sha256::new();
        hasher.update(parent.clone().unwrap_or_default());
        let mut paths: Vec<_> = files.iter().collect();
        paths.sort();
        for (p, t) in paths {
            hasher.update(p.as_bytes());
            hasher.update(t.as_bytes());
        }
        hasher.update(self.commits.len().to_le_bytes());
        let sha = hex::encode(hasher.finalize())[..40].to_string();
        self.commits.insert(sha.clone(), (parent, files));
        sha
    }

    /// A repository with `branch` holding `files` (a fork: the same commit, shared).
    pub fn create_repo(&mut self, full: &str, branch: &str, files: &[(&str, &str)]) -> String {
        let files = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        let sha = self.commit(None, files);
        let mut repo = Repo::default();
        repo.branches.insert(branch.into(), sha.clone());
        self.repos.insert(full.into(), repo);
        sha
    }

    /// An empty fork of a repository (it shares commits, holds no branch of its own yet).
    pub fn create_fork(&mut self, full: &str) {
        self.repos.insert(full.into(), Repo::default());
    }

    /// Someone commits `text` to `path` on `branch` of `full`.
    pub fn push(&mut self, full: &str, branch: &str, path: &str, text: &str) -> String {
        let head = self.repos[full].branches[branch].clone();
        let mut files = self.commits[&head].1.clone();
        files.insert(path.into(), text.into());
        let sha = self.commit(Some(head), files);
        self.repos
            .get_mut(full)
            .unwrap()
            .branches
            .insert(branch.into(), sha.clone());
        sha
    }

    pub fn file(&self, full: &str, branch: &str, path: &str) -> Option<String> {
        let head = self.repos.get(full)?.branches.get(branch)?;
        self.commits[head].1.get(path).cloned()
    }

    pub fn head(&self, full: &str, branch: &str) -> Option<String> {
        self.repos.get(full)?.branches.get(branch).cloned()
    }

    /// The parent of a commit.
    pub fn parent(&self, sha: &str) -> Option<String> {
        self.commits.get(sha)?.0.clone()
    }

    pub fn open_pulls(&self, full: &str) -> Vec<Pull> {
        self.pulls
            .get(full)
            .map(|p| p.iter().filter(|p| p.open).cloned().collect())
            .unwrap_or_default()
    }

    fn resolve(&self, full: &str, reference: &str) -> Option<String> {
        if let Some(sha) = self.repos.get(full)?.branches.get(reference) {
            return Some(sha.clone());
        }
        self.commits
            .contains_key(reference)
            .then(|| reference.to_string())
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/repos/{owner}/{repo}/contents/{path:.*}",
        web::get().to(get_contents),
    )
    .route(
        "/repos/{owner}/{repo}/contents/{path:.*}",
        web::put().to(put_contents),
    )
    .route(
        "/repos/{owner}/{repo}/git/ref/heads/{branch:.*}",
        web::get().to(get_ref),
    )
    .route("/repos/{owner}/{repo}/git/refs", web::post().to(create_ref))
    .route(
        "/repos/{owner}/{repo}/git/refs/heads/{branch:.*}",
        web::patch().to(update_ref),
    )
    .route("/repos/{owner}/{repo}/pulls", web::get().to(list_pulls))
    .route("/repos/{owner}/{repo}/pulls", web::post().to(create_pull))
    .route(
        "/repos/{owner}/{repo}/pulls/{number}",
        web::patch().to(update_pull),
    )
    .route(
        "/repos/{owner}/{repo}/commits/{reference:.*}",
        web::get().to(get_commit),
    );
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(json!({ "message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404" }))
}

fn unprocessable(message: &str, errors: serde_json::Value) -> HttpResponse {
    HttpResponse::UnprocessableEntity().json(json!({ "message": message, "errors": errors, "documentation_url": "https://docs.github.com/rest", "status": "422" }))
}

/// Authentication, troubles and the call log, for every route: `Err` is the answer to give.
fn admit(req: &HttpRequest, world: &mut World) -> Result<(), Box<HttpResponse>> {
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    world.authorizations.push(auth.clone());
    world
        .calls
        .push((req.method().to_string(), req.uri().to_string()));
    if req.headers().get("user-agent").is_none() {
        return Err(Box::new(
            HttpResponse::Forbidden().body("Request forbidden by administrative rules."),
        ));
    }
    match world.trouble {
        Some(Trouble::RateLimited) => {
            let reset = chrono::Utc::now().timestamp() + 600;
            return Err(Box::new(HttpResponse::Forbidden()
                .insert_header(("x-ratelimit-limit", "5000"))
                .insert_header(("x-ratelimit-remaining", "0"))
                .insert_header(("x-ratelimit-reset", reset.to_string()))
                .json(json!({ "message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api", "status": "403" }))));
        }
        Some(Trouble::TooManyRequests) => {
            return Err(Box::new(
                HttpResponse::TooManyRequests()
                    .insert_header(("retry-after", "60"))
                    .json(json!({ "message": "You have exceeded a secondary rate limit.", "status": "429" })),
            ));
        }
        Some(Trouble::Down) => return Err(Box::new(HttpResponse::ServiceUnavailable().body("Unicorn!"))),
        None => {}
    }
    if auth != format!("Bearer {}", world.token) && auth != format!("token {}", world.token) {
        return Err(Box::new(HttpResponse::Unauthorized().json(json!({ "message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401" }))));
    }
    Ok(())
}

/// The bot's `/user`, answered by the fake GitHub's `/user` when the token is the bot's.
pub fn bot_user(req: &HttpRequest, world: &Shared) -> Option<HttpResponse> {
    let mut world = world.lock().unwrap();
    let auth = req.headers().get("authorization")?.to_str().ok()?.to_string();
    // Logins' own tokens (`gho_…`) are the OAuth fake's business, not the bot's.
    if !auth.starts_with("Bearer gho_") {
        world.authorizations.push(auth.clone());
    }
    if world.token.is_empty() || auth != format!("Bearer {}", world.token) {
        return None;
    }
    Some(HttpResponse::Ok().json(
        json!({ "login": BOT_LOGIN, "id": 4242, "type": "User", "created_at": "2020-01-01T00:00:00Z" }),
    ))
}

#[derive(Deserialize)]
struct RefQuery {
    #[serde(rename = "ref")]
    reference: Option<String>,
}

async fn get_contents(
    req: HttpRequest,
    world: web::Data<Shared>,
    path: web::Path<(String, String, String)>,
    query: web::Query<RefQuery>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(answer) = admit(&req, &mut world) {
        return *answer;
    }
    let (owner, repo, path) = path.into_inner();
    let full = format!("{owner}/{repo}");
    let reference = query.reference.clone().unwrap_or_else(|| "main".into());
    let Some(sha) = world.resolve(&full, &reference) else {
        return not_found();
    };
    let Some(text) = world.commits[&sha].1.get(&path).cloned() else {
        return not_found();
    };
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let wrapped: Vec<String> = encoded
        .as_bytes()
        .chunks(60)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    HttpResponse::Ok().json(json!({
        "type": "file", "encoding": "base64", "size": text.len(),
        "name": path.rsplit('/').next(), "path": path,
        "content": wrapped.join("\n") + "\n",
        "sha": blob_sha(&text),
    }))
}

#[derive(Deserialize)]
struct PutBody {
    message: String,
    content: String,
    sha: Option<String>,
    branch: Option<String>,
}

async fn put_contents(
    req: HttpRequest,
    world: web::Data<Shared>,
    path: web::Path<(String, String, String)>,
    body: web::Json<PutBody>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(answer) = admit(&req, &mut world) {
        return *answer;
    }
    let (owner, repo, path) = path.into_inner();
    let full = format!("{owner}/{repo}");
    let branch = body.branch.clone().unwrap_or_else(|| "main".into());
    if body.message.is_empty() {
        return unprocessable("Invalid request.\n\n\"message\" wasn't supplied.", json!([]));
    }
    let Some(head) = world.head(&full, &branch) else {
        return not_found();
    };
    if std::mem::take(&mut world.conflict_next_put) {
        return HttpResponse::Conflict().json(json!({ "message": format!("{path} does not match {}", body.sha.clone().unwrap_or_default()), "status": "409" }));
    }
    let current = world.commits[&head].1.get(&path).cloned();
    match (&current, &body.sha) {
        (Some(_), None) => return unprocessable("Invalid request.\n\n\"sha\" wasn't supplied.", json!([])),
        (Some(text), Some(sha)) if *sha != blob_sha(text) => {
            return HttpResponse::Conflict()
                .json(json!({ "message": format!("{path} does not match {sha}"), "status": "409" }))
        }
        _ => {}
    }
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(body.content.replace('\n', "")) else {
        return unprocessable("content is not valid Base64", json!([]));
    };
    let text = String::from_utf8(bytes).unwrap();
    let mut files = world.commits[&head].1.clone();
    files.insert(path.clone(), text.clone());
    let sha = world.commit(Some(head), files);
    world
        .repos
        .get_mut(&full)
        .unwrap()
        .branches
        .insert(branch, sha.clone());
    let status = if current.is_some() { 200 } else { 201 };
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(json!({
        "content": { "name": path.rsplit('/').next(), "path": path, "sha": blob_sha(&text) },
        "commit": { "sha": sha, "html_url": format!("https://github.com/{full}/commit/{sha}"), "message": body.message },
    }))
}

async fn get_ref(
    req: HttpRequest,
    world: web::Data<Shared>,
    path: web::Path<(String, String, String)>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(answer) = admit(&req, &mut world) {
        return *answer;
    }
    let (owner, repo, branch) = path.into_inner();
    match world.head(&format!("{owner}/{repo}"), &branch) {
        Some(sha) => HttpResponse::Ok().json(json!({
            "ref": format!("refs/heads/{branch}"), "node_id": "REF_x",
            "object": { "type": "commit", "sha": sha },
        })),
        None => not_found(),
    }
}

#[derive(Deserialize)]
struct NewRef {
    #[serde(rename = "ref")]
    reference: String,
    sha: String,
}

async fn create_ref(
    req: HttpRequest,
    world: web::Data<Shared>,
    path: web::Path<(String, String)>,
    body: web::Json<NewRef>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(answer) = admit(&req, &mut world) {
        return *answer;
    }
    let (owner, repo) = path.into_inner();
    let full = format!("{owner}/{repo}");
    let Some(branch) = body.reference.strip_prefix("refs/heads/") else {
        return unprocessable("Reference name must start with 'refs/'.", json!([]));
    };
    if !world.commits.contains_key(&body.sha) {
        return unprocessable("Object does not exist", json!([]));
    }
    let Some(target) = world.repos.get_mut(&full) else {
        return not_found();
    };
    if target.branches.contains_key(branch) {
        return unprocessable("Reference already exists", json!([]));
    }
    target.branches.insert(branch.to_string(), body.sha.clone());
    HttpResponse::Created()
        .json(json!({ "ref": body.reference, "object": { "type": "commit", "sha": body.sha } }))
}

#[derive(Deserialize)]
struct MoveRef {
    sha: String,
    #[serde(default)]
    force: bool,
}

async fn update_ref(
    req: HttpRequest,
    world: web::Data<Shared>,
    path: web::Path<(String, String, String)>,
    body: web::Json<MoveRef>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(answer) = admit(&req, &mut world) {
        return *answer;
    }
    let (owner, repo, branch) = path.into_inner();
    let full = format!("{owner}/{repo}");
    if !world.commits.contains_key(&body.sha) {
        return unprocessable("Object does not exist", json!([]));
    }
    let Some(current) = world.head(&full, &branch) else {
        return unprocessable("Reference does not exist", json!([]));
    };
    // Without `force`, only a fast-forward.
    if !body.force {
        let mut at = Some(body.sha.clone());
        let mut descends = false;
        while let Some(sha) = at {
            if sha == current {
                descends = true;
                break;
            }
            at = world.parent(&sha);
        }
        if !descends {
            return unprocessable("Update is not a fast forward", json!([]));
        }
    }
    world
        .repos
        .get_mut(&full)
        .unwrap()
        .branches
        .insert(branch.clone(), body.sha.clone());
    HttpResponse::Ok().json(
        json!({ "ref": format!("refs/heads/{branch}"), "object": { "type": "commit", "sha": body.sha } }),
    )
}

fn pull_json(full: &str, p: &Pull) -> serde_json::Value {
    let (owner, branch) = p.head.split_once(':').unwrap_or(("", &p.head));
    json!({
        "number": p.number, "state": if p.open { "open" } else { "closed" },
        "html_url": format!("https://github.com/{full}/pull/{}", p.number),
        "title": p.title, "body": p.body,
        "head": { "label": p.head, "ref": branch, "user": { "login": owner } },
        "base": { "ref": p.base },
    })
}

#[derive(Deserialize)]
struct PullQuery {
    head: Option<String>,
    state: Option<String>,
}

async fn list_pulls(
    req: HttpRequest,
    world: web::Data<Shared>,
    path: web::Path<(String, String)>,
    query: web::Query<PullQuery>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(answer) = admit(&req, &mut world) {
        return *answer;
    }
    let (owner, repo) = path.into_inner();
    let full = format!("{owner}/{repo}");
    if std::mem::take(&mut world.hide_pulls_once) {
        return HttpResponse::Ok().json(json!([]));
    }
    let open_only = query.state.as_deref().unwrap_or("open") == "open";
    let found: Vec<serde_json::Value> = world
        .pulls
        .get(&full)
        .map(|pulls| {
            pulls
                .iter()
                .filter(|p| !open_only || p.open)
                .filter(|p| query.head.as_deref().map_or(true, |h| h == p.head))
                .map(|p| pull_json(&full, p))
                .collect()
        })
        .unwrap_or_default();
    HttpResponse::Ok().json(found)
}

#[derive(Deserialize)]
struct NewPull {
    title: String,
    head: String,
    base: String,
    #[serde(default)]
    body: String,
}

async fn create_pull(
    req: HttpRequest,
    world: web::Data<Shared>,
    path: web::Path<(String, String)>,
    body: web::Json<NewPull>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(answer) = admit(&req, &mut world) {
        return *answer;
    }
    let (owner, repo) = path.into_inner();
    let full = format!("{owner}/{repo}");
    if world.head(&full, &body.base).is_none() {
        return unprocessable(
            "Validation Failed",
            json!([{ "resource": "PullRequest", "field": "base", "code": "invalid" }]),
        );
    }
    // `head` is `owner:branch`: the branch on that owner's fork of this repository.
    let (head_owner, head_branch) = body.head.split_once(':').unwrap_or((&owner, &body.head));
    let fork = world
        .repos
        .keys()
        .find(|k| k.split('/').next() == Some(head_owner))
        .cloned();
    if fork.and_then(|f| world.head(&f, head_branch)).is_none() {
        return unprocessable(
            "Validation Failed",
            json!([{ "resource": "PullRequest", "field": "head", "code": "invalid" }]),
        );
    }
    if world.open_pulls(&full).iter().any(|p| p.head == body.head) {
        return unprocessable(
            "Validation Failed",
            json!([{ "resource": "PullRequest", "code": "custom", "message": format!("A pull request already exists for {}.", body.head) }]),
        );
    }
    world.next_pull += 1;
    let pull = Pull {
        number: world.next_pull,
        head: body.head.clone(),
        base: body.base.clone(),
        title: body.title.clone(),
        body: body.body.clone(),
        open: true,
    };
    let answer = pull_json(&full, &pull);
    world.pulls.entry(full).or_default().push(pull);
    HttpResponse::Created().json(answer)
}

#[derive(Deserialize)]
struct EditPull {
    title: Option<String>,
    body: Option<String>,
}

async fn update_pull(
    req: HttpRequest,
    world: web::Data<Shared>,
    path: web::Path<(String, String, i64)>,
    body: web::Json<EditPull>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(answer) = admit(&req, &mut world) {
        return *answer;
    }
    let (owner, repo, number) = path.into_inner();
    let full = format!("{owner}/{repo}");
    let Some(pull) = world
        .pulls
        .get_mut(&full)
        .and_then(|p| p.iter_mut().find(|p| p.number == number))
    else {
        return not_found();
    };
    if let Some(t) = &body.title {
        pull.title = t.clone();
    }
    if let Some(b) = &body.body {
        pull.body = b.clone();
    }
    let answer = pull_json(&full, pull);
    HttpResponse::Ok().json(answer)
}

async fn get_commit(
    req: HttpRequest,
    world: web::Data<Shared>,
    path: web::Path<(String, String, String)>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(answer) = admit(&req, &mut world) {
        return *answer;
    }
    let (owner, repo, reference) = path.into_inner();
    match world.resolve(&format!("{owner}/{repo}"), &reference) {
        Some(sha) => HttpResponse::Ok().json(json!({ "sha": sha, "commit": { "message": "" } })),
        None => unprocessable(&format!("No commit found for SHA: {reference}"), json!([])),
    }
}
