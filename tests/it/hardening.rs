//! Hostile input, abuse limits, security headers and cookie flags: nothing answers 500,
//! nothing user-typed reaches a page unescaped.

use crate::common;

use common::browser::location;
use common::{spawn_app, spawn_app_with, Profile};
use diesel::prelude::*;
use twir_picks::schema::nominations;

on_both_backends! {
    async fn security_headers_on_every_answer(backend) {
        let app = spawn_app(backend).await;
        for path in ["/", "/no/such/page", "/api/v1/weeks/current", "/api/v1/me", "/winners", "/static/style.css"] {
            let res = app.get(path).await;
            let h = res.headers();
            let csp = h["content-security-policy"].to_str().unwrap();
            for directive in ["default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"] {
                assert!(csp.contains(directive), "{path}: {csp}");
            }
            assert!(!csp.contains("unsafe-inline"), "{path}: no inline scripts allowed");
            assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(h["referrer-policy"], "same-origin", "{path}");
            assert!(h["content-type"].to_str().unwrap().contains("charset=utf-8") || path.ends_with(".css"), "{path}");
            assert!(!h.contains_key("strict-transport-security"), "no HSTS on plain http");
        }
        // Pages for a logged-in user are never stored.
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let res = alice.get("/").await;
        assert_eq!(res.headers()["cache-control"], "no-store");
        assert_eq!(alice.get("/api/v1/me").await.headers()["cache-control"], "no-store");
    }
}

on_both_backends! {
    async fn behind_https_cookies_are_secure_and_host_prefixed(backend) {
        let app = spawn_app_with(backend, |a| a.public_url = Some("https://picks.example.org".into())).await;
        let res = app.get("/").await;
        assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
        // Start a login: the session cookie that carries the OAuth state is set here.
        let res = app.client().get(app.url("/login")).send().await.unwrap();
        let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.starts_with("__Host-twir-picks="), "{cookie}");
        for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(cookie.contains(flag), "{flag}: {cookie}");
        }
        assert!(!cookie.contains("Domain="));
        let to = res.headers()["location"].to_str().unwrap();
        assert!(to.contains("redirect_uri=https%3A%2F%2Fpicks.example.org%2Fauth%2Fgithub%2Fcallback"), "{to}");
    }
}

on_both_backends! {
    async fn sessions_end_thirty_days_after_login_however_busy(backend) {
        let app = spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        for days in [6, 6, 6, 6, 5] {
            app.clock.advance(chrono::Duration::days(days));
            let (status, body) = alice.me().await;
            assert_eq!(status, 200, "in use, 29 days at most: still logged in: {body}");
        }
        app.clock.advance(chrono::Duration::days(2));
        assert_eq!(alice.me().await.0, 401, "31 days after login (used 2 days ago): over");
    }
}

on_both_backends! {
    async fn rate_limits_answer_429_with_retry_after(backend) {
        let app = spawn_app_with(backend, |a| a.rate_limits = "on".into()).await;
        let client = app.client();
        let mut limited = None;
        for i in 0..40 {
            // Spelled with a percent-encoded letter after the first: the same route, the same limit.
            let path = if i == 0 { "/login" } else { "/%6cogin" };
            let res = client.get(app.url(path)).send().await.unwrap();
            if res.status() == 429 {
                limited = Some(res);
                break;
            }
        }
        let res = limited.expect("logins per IP are limited");
        let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry));
        assert!(res.text().await.unwrap().contains(&format!("Please try again in {retry} seconds")));

        // Votes per user.
        let app = spawn_app_with(backend, |a| a.rate_limits = "on".into()).await;
        let carol = app.logged_in(Profile::new(3, "carol")).await;
        let a = carol.nominated_crate("serde").await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        let token = bob.csrf_token().await;
        let mut statuses = Vec::new();
        for _ in 0..15 {
            statuses.push(bob.post_raw("/votes", &[("nomination_id", &a.to_string()), ("csrf_token", &token)]).await.status().as_u16());
        }
        assert!(statuses.contains(&303) && statuses.contains(&429), "{statuses:?}");
        let res = bob.post_raw("/api/v1/../votes", &[]).await;
        assert!(res.status().as_u16() < 500);
    }
}

on_both_backends! {
    async fn oversized_and_malformed_bodies_get_4xx(backend) {
        let app = spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let token = alice.csrf_token().await;
        let huge = "x".repeat(200 * 1024);
        let res = alice.post_raw("/nominations", &[("category", "crate"), ("why", &huge), ("csrf_token", &token)]).await;
        assert_eq!(res.status(), 413);
        let text = res.text().await.unwrap();
        assert!(text.contains("larger than"), "{text}");

        // Invalid UTF-8 (percent-encoded) in a field.
        let body = format!("category=crate&crate_name=%FF%FE&pitch=x&csrf_token={token}");
        let res = alice.client.post(alice.url("/nominations"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body).send().await.unwrap();
        assert!(res.status().is_client_error(), "{}", res.status());
        // Raw invalid UTF-8 bytes.
        let mut raw = format!("csrf_token={token}&category=quote&text=").into_bytes();
        raw.extend([0xff, 0xfe, 0xfd]);
        let res = alice.client.post(alice.url("/nominations"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(raw).send().await.unwrap();
        assert!(res.status().is_client_error(), "{}", res.status());
        // Deeply nested keys are just unknown fields.
        let nested = format!("{}=1", "a[b]".repeat(500));
        let res = alice.post("/nominations", &[(nested.as_str(), "1"), ("category", "crate")]).await;
        assert_eq!(res.status(), 422);
        // A JSON body where a form is expected.
        let res = alice.client.post(alice.url("/votes")).json(&serde_json::json!({"nomination_id": 1})).send().await.unwrap();
        assert!(res.status().is_client_error());
    }
}

on_both_backends! {
    async fn html_and_script_are_escaped_everywhere_and_sql_is_just_text(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
        let evil_name = "<script>alert('name')</script>";
        let alice = app.logged_in(Profile::new(1, "alice").named(evil_name)).await;
        let pitch = "<img src=x onerror=alert(1)> '; DROP TABLE votes; --";
        let res = alice.post("/nominations", &[
            ("category", "crate"), ("crate_name", "serde"), ("pitch", pitch),
            ("why", "<iframe src=javascript:alert(2)>"), ("url", "https://example.org/\"><script>alert(3)</script>"),
        ]).await;
        assert_eq!(res.status(), 303);
        let id = common::browser::nomination_id(&res);
        let res = alice.post("/nominations", &[
            ("category", "quote"), ("text", "<b>bold</b>\n\n> [x](javascript:alert(4))"), ("author", "<svg onload=alert(5)>"),
            ("where", "on \"rust-users\""), ("source_url", "https://users.rust-lang.org/t/1"), ("context", "<style>*{}</style>"),
        ]).await;
        assert_eq!(res.status(), 303);
        let q = common::browser::nomination_id(&res);
        let editor = app.logged_in(Profile::new(99, "llogiq")).await;
        let pages = [
            alice.get_text("/").await,
            alice.get_text(&format!("/nominations/{id}")).await,
            alice.get_text(&format!("/nominations/{q}")).await,
            alice.get_text("/me").await,
            editor.get_text("/editor").await,
            app.get("/").await.text().await.unwrap(),
        ];
        for html in &pages {
            for raw in ["<script>alert", "<img src=x", "<iframe", "<svg onload", "<style>*", "<b>bold"] {
                assert!(!html.contains(raw), "{raw} reached a page unescaped");
            }
        }
        assert!(pages[1].contains("&#x27;; DROP TABLE votes; --") || pages[1].contains("'; DROP TABLE votes; --"));
        // The markdown for the issue: names and authors cannot open links or HTML (`<` as `&lt;`,
        // which CommonMark and Python-Markdown both read as text).
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        let crate_md = shortlist["categories"]["crate"][0]["attribution"].as_str().unwrap();
        assert!(crate_md.contains("&lt;img src=x onerror=alert(1)>"), "{crate_md}");
        assert!(crate_md.contains("Thanks to [&lt;script>alert('name')&lt;/script>]("), "{crate_md}");
        let quote_md = shortlist["categories"]["quote"][0]["attribution"].as_str().unwrap();
        assert!(quote_md.contains("> &lt;b>bold&lt;/b>"), "{quote_md}");
        assert!(quote_md.contains("> \\> \\[x\\](javascript:alert(4))"), "{quote_md}");
        assert!(quote_md.contains("– [&lt;svg onload=alert(5)> on \"rust-users\"](https://users.rust-lang.org/t/1)"), "{quote_md}");
        // SQL metacharacters are stored as typed, and the table is still there.
        let mut conn = app.state.db.get().unwrap();
        let stored: Option<String> = nominations::table.find(id).select(nominations::pitch).first(&mut *conn).unwrap();
        assert_eq!(stored.as_deref(), Some(pitch));
        diesel::sql_query("SELECT count(*) FROM votes").execute(&mut *conn).unwrap();
    }
}

on_both_backends! {
    async fn javascript_and_data_urls_are_refused(backend) {
        let app = spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        for url in ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x", "file:///etc/passwd", "//evil.com/x"] {
            let res = alice.post("/nominations", &[("category", "crate"), ("crate_name", "serde"), ("pitch", "p"), ("url", url)]).await;
            assert_eq!(res.status(), 422, "{url}");
            let res = alice.post("/nominations", &[
                ("category", "quote"), ("text", "t"), ("author", "a"), ("where", "w"), ("source_url", url),
            ]).await;
            assert_eq!(res.status(), 422, "{url}");
        }
    }
}

on_both_backends! {
    async fn odd_requests_never_answer_500(backend) {
        let app = spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let client = &alice.client;
        let cases: Vec<(&str, &str)> = vec![
            ("GET", "/nominations/abc"), ("GET", "/nominations/-1"), ("GET", "/nominations/99999999999"),
            ("GET", "/weeks/abc"), ("GET", "/weeks/0"), ("GET", "/api/v1/weeks/abc"), ("GET", "/api/v1/nominations/1.5"),
            ("GET", "/winners?page=abc"), ("GET", "/winners?page=0"), ("GET", "/winners?page=99999"),
            ("GET", "/editor?issue=abc"), ("GET", "/nominate?category=<script>"), ("GET", "/login?next=%00"),
            ("GET", "/auth/github/callback"), ("GET", "/auth/github/callback?code=&state="),
            ("DELETE", "/"), ("PUT", "/votes"), ("PATCH", "/nominations"), ("OPTIONS", "/"), ("GET", "/%ZZ"),
            ("GET", "/static/../Cargo.toml"), ("POST", "/no/such/route"),
        ];
        for (method, path) in cases {
            let res = client
                .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), alice.url(path))
                .send()
                .await
                .unwrap();
            assert!(res.status().as_u16() < 500, "{method} {path}: {}", res.status());
        }
        // The error page itself is generic: no internals.
        let res = alice.get("/nominations/abc").await;
        let html = res.text().await.unwrap();
        assert!(!html.contains("diesel") && !html.contains("panicked") && !html.contains("SELECT"));
        let res = alice.get("/login?next=%2Fme").await;
        assert_eq!(res.status(), 302);
        // To GitHub's consent screen, with a state and a PKCE challenge, back to our callback.
        let to = location(&res);
        for part in ["/login/oauth/authorize?", "state=", "code_challenge_method=S256", "auth%2Fgithub%2Fcallback"] {
            assert!(to.contains(part), "{part} missing from {to}");
        }
    }
}
