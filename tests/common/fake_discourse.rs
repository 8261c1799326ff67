//! A fake Discourse forum on port 0, answering as Discourse's API documents it (see
//! `tests/fixtures/forum/SHAPES.md`): `GET /t/{topic}.json` with the topic's slug, every visible
//! post id in `post_stream.stream` and the first 20 posts inline; `GET /t/{topic}/posts.json?
//! post_ids[]=…` with the asked-for posts in `post_stream.posts` (posts deleted by staff left
//! out). The posts start as the fixtures built from the real threads; tests then like, edit,
//! delete, add, rate-limit (429 with `Retry-After`) or silence it.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Discourse's chunk size: posts inline in the topic JSON.
const CHUNK: usize = 20;

struct Topic {
    slug: String,
    title: String,
    /// In post order; `deleted` ones are left out of every answer (deleted by staff).
    posts: Vec<Value>,
}

/// How a hostile forum answers `/t/{topic}.json`.
#[derive(Clone, Debug)]
pub enum Hostile {
    /// The stream claims this many more posts, newest of all, that no answer ever gives.
    Phantoms(usize),
    /// A body of this many bytes, streamed without a length.
    Huge(usize),
    /// `302 Found` to the same path on another server.
    RedirectTo(String),
}

#[derive(Default)]
struct Inner {
    topics: Mutex<HashMap<i64, Topic>>,
    hostile: Mutex<Option<Hostile>>,
    silent: AtomicBool,
    /// Answer this many next requests with 429.
    rate_limited: AtomicUsize,
    requests: AtomicUsize,
    /// Requests without a User-Agent (Discourse may refuse them; we count them).
    without_user_agent: AtomicUsize,
}

#[derive(Clone)]
pub struct FakeDiscourse {
    pub base: String,
    inner: Arc<Inner>,
    handle: actix_web::dev::ServerHandle,
}

fn fixture(file: &str) -> Vec<Value> {
    let path = format!("{}/tests/fixtures/forum/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Replies that only discuss, posted before the fixtures' suggestions, so the crate thread has
/// more than one chunk of posts and the newest must come from `posts.json`.
fn filler(count: usize) -> Vec<Value> {
    (0..count)
        .map(|i| {
            json!({
                "id": 811_000 + i as i64,
                "name": format!("Reader {i}"),
                "username": format!("reader{i}"),
                "created_at": format!("2026-11-19T{:02}:00:00.000Z", 8 + i),
                "updated_at": format!("2026-11-19T{:02}:00:00.000Z", 8 + i),
                "cooked": "<p>Thanks, I will try some of these out this weekend!</p>",
                "post_number": 1630 + i as i64,
                "post_type": 1,
                "actions_summary": [],
                "hidden": false,
                "user_deleted": false,
                "deleted_at": null,
            })
        })
        .collect()
}

impl FakeDiscourse {
    pub async fn start() -> FakeDiscourse {
        let inner = Arc::new(Inner::default());
        {
            let mut crate_posts = fixture("crate-posts.json");
            // Post #1 first, then the older replies, then the fixtures' suggestions.
            let first = crate_posts.remove(0);
            let mut posts = vec![first];
            posts.extend(filler(12));
            posts.extend(crate_posts);
            let mut topics = inner.topics.lock().unwrap();
            topics.insert(
                2704,
                Topic {
                    slug: "crate-of-the-week".into(),
                    title: "Crate of the Week".into(),
                    posts,
                },
            );
            topics.insert(
                328,
                Topic {
                    slug: "twir-quote-of-the-week".into(),
                    title: "TWiR Quote of the Week".into(),
                    posts: fixture("quote-posts.json"),
                },
            );
        }
        let data = web::Data::new(inner.clone());
        let (base, handle) = super::serve_fake(data, |cfg| {
            cfg.route("/t/{topic}/posts.json", web::get().to(posts_json))
                .route("/t/{topic}.json", web::get().to(topic_json));
        });
        FakeDiscourse { base, inner, handle }
    }

    fn with_post(&self, topic: i64, post_number: i64, change: impl FnOnce(&mut Value)) {
        let mut topics = self.inner.topics.lock().unwrap();
        let post = topics
            .get_mut(&topic)
            .and_then(|t| t.posts.iter_mut().find(|p| p["post_number"] == post_number))
            .unwrap_or_else(|| panic!("post {post_number} of topic {topic}"));
        change(post);
    }

    pub fn set_likes(&self, topic: i64, post_number: i64, likes: i64) {
        self.with_post(topic, post_number, |p| {
            p["actions_summary"] = if likes == 0 {
                json!([])
            } else {
                json!([{ "id": 2, "count": likes }])
            };
        });
    }

    /// The poster edits the post: new cooked HTML, a later `updated_at`, a new version.
    pub fn edit(&self, topic: i64, post_number: i64, cooked: &str, at: &str) {
        self.with_post(topic, post_number, |p| {
            p["cooked"] = json!(cooked);
            p["updated_at"] = json!(at);
            let version = p["version"].as_i64().unwrap_or(1) + 1;
            p["version"] = json!(version);
        });
    }

    /// The poster deletes the post: it stays, marked, with Discourse's notice as its text.
    pub fn delete_by_author(&self, topic: i64, post_number: i64) {
        self.with_post(topic, post_number, |p| {
            p["user_deleted"] = json!(true);
            p["cooked"] = json!("<p>(post deleted by author)</p>");
        });
    }

    /// Staff delete the post: it disappears from the stream and from every answer.
    pub fn delete_by_staff(&self, topic: i64, post_number: i64) {
        self.with_post(topic, post_number, |p| p["deleted"] = json!(true));
    }

    /// Flagged by the community: hidden, its text replaced by a notice.
    pub fn hide(&self, topic: i64, post_number: i64) {
        self.with_post(topic, post_number, |p| {
            p["hidden"] = json!(true);
            p["cooked_hidden"] = json!(true);
            p["cooked"] = json!("<p>This post was flagged by the community and is temporarily hidden.</p>");
        });
    }

    /// A new post at the end of the thread.
    pub fn add_post(&self, topic: i64, post: Value) {
        self.inner
            .topics
            .lock()
            .unwrap()
            .get_mut(&topic)
            .unwrap()
            .posts
            .push(post);
    }

    /// The next `n` requests are answered `429 Too Many Requests` with `Retry-After: 1`.
    pub fn rate_limit_next(&self, n: usize) {
        self.inner.rate_limited.store(n, Ordering::SeqCst);
    }

    /// Answer `/t/{topic}.json` as a hostile forum would (`None`: as Discourse does).
    pub fn set_hostile(&self, hostile: Option<Hostile>) {
        *self.inner.hostile.lock().unwrap() = hostile;
    }

    /// Accept connections but never answer.
    pub fn go_silent(&self, silent: bool) {
        self.inner.silent.store(silent, Ordering::SeqCst);
    }

    pub fn requests(&self) -> usize {
        self.inner.requests.load(Ordering::SeqCst)
    }

    pub fn requests_without_user_agent(&self) -> usize {
        self.inner.without_user_agent.load(Ordering::SeqCst)
    }

    pub fn stop(&self) {
        drop(self.handle.stop(false));
    }
}

/// Every answer passes here first: counting, silence, rate limits.
async fn gate(req: &HttpRequest, inner: &Inner) -> Option<HttpResponse> {
    inner.requests.fetch_add(1, Ordering::SeqCst);
    if req.headers().get("user-agent").is_none() {
        inner.without_user_agent.fetch_add(1, Ordering::SeqCst);
    }
    if inner.silent.load(Ordering::SeqCst) {
        actix_web::rt::time::sleep(std::time::Duration::from_secs(120)).await;
    }
    let limited = inner
        .rate_limited
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if limited {
        return Some(
            HttpResponse::TooManyRequests()
                .insert_header(("Retry-After", "1"))
                .insert_header(("Discourse-Rate-Limit-Error-Code", "ip_10_secs_limit"))
                .json(json!({
                    "errors": ["You’ve performed this action too many times. Please wait 1 seconds before trying again."],
                    "error_type": "rate_limit",
                    "extras": { "wait_seconds": 1, "time_left": "1 second" },
                })),
        );
    }
    None
}

fn visible(post: &&Value) -> bool {
    post["deleted"] != json!(true)
}

/// What Discourse sends of a post: the fixture minus the fake's own markers.
fn shown(post: &Value, topic: i64, slug: &str) -> Value {
    let mut p = post.clone();
    if let Some(o) = p.as_object_mut() {
        o.remove("deleted");
        o.insert("topic_id".into(), json!(topic));
        o.insert("topic_slug".into(), json!(slug));
    }
    p
}

/// Discourse's 404, as JSON.
fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(json!({
        "errors": ["The requested URL or resource could not be found."],
        "error_type": "not_found",
    }))
}

fn find_topic<'a>(topics: &'a HashMap<i64, Topic>, raw: &str) -> Option<(i64, &'a Topic)> {
    let id = raw.parse::<i64>().ok()?;
    topics.get(&id).map(|t| (id, t))
}

async fn topic_json(
    req: HttpRequest,
    inner: web::Data<Arc<Inner>>,
    topic: web::Path<String>,
) -> HttpResponse {
    if let Some(answer) = gate(&req, &inner).await {
        return answer;
    }
    let hostile = inner.hostile.lock().unwrap().clone();
    match &hostile {
        Some(Hostile::Huge(bytes)) => return huge(*bytes),
        Some(Hostile::RedirectTo(base)) => {
            return HttpResponse::Found()
                .insert_header(("Location", format!("{base}{}", req.path())))
                .finish()
        }
        _ => {}
    }
    let topics = inner.topics.lock().unwrap();
    let Some((id, t)) = find_topic(&topics, &topic) else {
        return not_found();
    };
    let posts: Vec<Value> = t
        .posts
        .iter()
        .filter(visible)
        .map(|p| shown(p, id, &t.slug))
        .collect();
    let mut stream: Vec<i64> = posts.iter().filter_map(|p| p["id"].as_i64()).collect();
    if let Some(Hostile::Phantoms(n)) = hostile {
        stream.extend((0..n as i64).map(|i| 9_000_000 + i));
    }
    HttpResponse::Ok().json(json!({
        "post_stream": {
            "posts": posts.iter().take(CHUNK).collect::<Vec<_>>(),
            "stream": stream,
        },
        "id": id,
        "title": t.title,
        "fancy_title": t.title,
        "slug": t.slug,
        "posts_count": posts.len(),
        "chunk_size": CHUNK,
        "highest_post_number": posts.last().and_then(|p| p["post_number"].as_i64()),
        "archetype": "regular",
        "visible": true,
        "closed": false,
        "archived": false,
    }))
}

/// A JSON body that never ends within `bytes`: `{"post_stream":{"stream":[1,1,1,…`.
fn huge(bytes: usize) -> HttpResponse {
    const CHUNK_BYTES: usize = 64 * 1024;
    let head = futures_util::stream::once(async {
        Ok::<_, std::io::Error>(web::Bytes::from_static(br#"{"post_stream":{"stream":["#))
    });
    let chunk = web::Bytes::from("1,".repeat(CHUNK_BYTES / 2));
    let body = futures_util::stream::iter((0..bytes / CHUNK_BYTES).map(move |_| Ok(chunk.clone())));
    HttpResponse::Ok()
        .content_type("application/json")
        .streaming(futures_util::StreamExt::chain(head, body))
}

async fn posts_json(
    req: HttpRequest,
    inner: web::Data<Arc<Inner>>,
    topic: web::Path<String>,
) -> HttpResponse {
    if let Some(answer) = gate(&req, &inner).await {
        return answer;
    }

    // `post_ids[]=1&post_ids[]=2`, as Discourse's own client sends them.
    let wanted: Vec<i64> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| k == "post_ids[]")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let topics = inner.topics.lock().unwrap();
    let Some((id, t)) = find_topic(&topics, &topic) else {
        return not_found();
    };
    let posts: Vec<Value> = t
        .posts
        .iter()
        .filter(visible)
        .filter(|p| p["id"].as_i64().is_some_and(|pid| wanted.contains(&pid)))
        .map(|p| shown(p, id, &t.slug))
        .collect();
    HttpResponse::Ok().json(json!({ "post_stream": { "posts": posts }, "id": id }))
}
