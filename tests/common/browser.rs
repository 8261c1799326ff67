//! A browser-like client: one cookie jar, redirects followed by hand so tests see each step,
//! forms sent with this session's CSRF token.

use super::fake_github::{FakeGithub, Profile};
use reqwest::{Response, StatusCode};

pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    github: FakeGithub,
}

impl Browser {
    pub fn new(base: String, github: FakeGithub) -> Self {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser { base, client, github }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_text(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// Start a login and follow it to GitHub's authorize page, returning where GitHub sends
    /// the browser back (the callback URL with code and state, or an error).
    pub async fn authorize(&self, login_path: &str) -> String {
        let start = self.get(login_path).await;
        assert_eq!(start.status(), StatusCode::FOUND, "/login redirects to GitHub");
        let to_github = location(&start);
        assert!(to_github.starts_with(&self.github.base), "{to_github}");
        let back = self.client.get(&to_github).send().await.unwrap();
        assert_eq!(back.status(), StatusCode::FOUND, "GitHub redirects back");
        location(&back)
    }

    /// The whole login flow as `profile`; returns the callback's answer.
    pub async fn login(&self, profile: Profile) -> Response {
        self.login_via("/login", profile).await
    }

    pub async fn login_via(&self, login_path: &str, profile: Profile) -> Response {
        self.github.approve_as(profile);
        let callback = self.authorize(login_path).await;
        self.client.get(&callback).send().await.unwrap()
    }

    /// This session's CSRF token, as the home page's forms carry it.
    pub async fn csrf_token(&self) -> String {
        let html = self.get_text("/").await;
        extract_csrf(&html).expect("a page with a csrf_token field (are we logged in?)")
    }

    /// POST a form with this session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf_token().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_raw(path, &all).await
    }

    /// POST exactly these fields.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    pub async fn me(&self) -> (StatusCode, serde_json::Value) {
        let res = self.get("/api/v1/me").await;
        let status = res.status();
        (status, res.json().await.unwrap_or_default())
    }
}

pub fn location(res: &Response) -> String {
    res.headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location on {}", res.status()))
        .to_str()
        .unwrap()
        .to_string()
}

pub fn extract_csrf(html: &str) -> Option<String> {
    let marker = r#"name="csrf_token" value=""#;
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

impl Browser {
    /// Nominate a crate; returns the answer (303 to the nomination on success).
    pub async fn nominate_crate(&self, name: &str, pitch: &str) -> Response {
        self.post(
            "/nominations",
            &[("category", "crate"), ("crate_name", name), ("pitch", pitch)],
        )
        .await
    }

    pub async fn nominate_quote(&self, text: &str, author: &str) -> Response {
        self.post(
            "/nominations",
            &[
                ("category", "quote"),
                ("text", text),
                ("author", author),
                ("where", "on rust-users"),
                (
                    "source_url",
                    "https://users.rust-lang.org/t/twir-quote-of-the-week/328/1",
                ),
            ],
        )
        .await
    }

    /// Nominate a crate and return the new nomination's id.
    pub async fn nominated_crate(&self, name: &str) -> i32 {
        let res = self.nominate_crate(name, "a crate worth a look").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "nominating {name}");
        nomination_id(&res)
    }

    pub async fn nominated_quote(&self, text: &str) -> i32 {
        let res = self.nominate_quote(text, "Ferris").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "nominating a quote");
        nomination_id(&res)
    }

    pub async fn vote(&self, nomination_id: i32) -> Response {
        self.post("/votes", &[("nomination_id", &nomination_id.to_string())])
            .await
    }

    pub async fn json(&self, path: &str) -> serde_json::Value {
        let res = self.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "GET {path}");
        res.json().await.unwrap()
    }
}

/// The id in a `Location: /nominations/{id}`.
pub fn nomination_id(res: &Response) -> i32 {
    location(res)
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a nomination location: {}", location(res)))
}

/// Vote counts by nomination id in one category of a week's JSON.
pub fn counts(week: &serde_json::Value, category: &str) -> Vec<(i32, i64)> {
    week["categories"][category]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["nomination_id"].as_i64().unwrap() as i32,
                e["votes"].as_i64().unwrap(),
            )
        })
        .collect()
}
