//! Logging in with GitHub through the whole flow, sessions, editors and CSRF.

use crate::common;

use common::browser::location;
use common::{spawn_app, spawn_app_with, Profile};
use diesel::prelude::*;
use twir_picks::schema::{audit_log, users};

on_both_backends! {
    async fn a_full_login_creates_the_user_and_a_session(backend) {
        let app = spawn_app(backend).await;
        let browser = app.browser();
        let (status, _) = browser.me().await;
        assert_eq!(status, 401);

        let res = browser.login(Profile::new(101, "alice").named("Alice Liddell")).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/");
        let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
        assert!(cookie.starts_with("twir-picks="), "{cookie}");
        for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(cookie.contains(flag), "{flag} missing: {cookie}");
        }
        assert!(!cookie.contains("Domain="), "{cookie}");
        assert!(cookie.len() < 4096);

        let (status, me) = browser.me().await;
        assert_eq!(status, 200);
        assert_eq!(me["login"], "alice");
        assert_eq!(me["name"], "Alice Liddell");
        assert_eq!(me["is_editor"], false);
        assert_eq!(me["can_vote"], true);
        let home = browser.get_text("/").await;
        assert!(home.contains("Log out") && home.contains("alice"));

        // The token was used once for /user, and the login is audited.
        assert_eq!((app.github.token_requests(), app.github.user_requests()), (1, 1));
        let mut conn = app.state.db.get().unwrap();
        let actions: Vec<String> = audit_log::table.select(audit_log::action).load(&mut *conn).unwrap();
        assert_eq!(actions, vec!["login"]);
    }
}

on_both_backends! {
    async fn a_second_login_updates_the_row_keyed_on_the_github_id(backend) {
        let app = spawn_app(backend).await;
        app.browser().login(Profile::new(7, "old-name")).await;
        let browser = app.browser();
        let res = browser.login(Profile::new(7, "new-name").named("Renamed")).await;
        assert_eq!(res.status(), 303);
        let mut conn = app.state.db.get().unwrap();
        let rows: Vec<(Option<i64>, String, Option<String>)> = users::table
            .select((users::github_id, users::login, users::name))
            .load(&mut *conn)
            .unwrap();
        assert_eq!(rows, vec![(Some(7), "new-name".to_string(), Some("Renamed".to_string()))]);
        assert_eq!(browser.me().await.1["login"], "new-name");
    }
}

on_both_backends! {
    async fn logout_ends_the_session(backend) {
        let app = spawn_app(backend).await;
        let browser = app.logged_in(Profile::new(1, "alice")).await;
        let res = browser.post("/logout", &[]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(browser.me().await.0, 401);
    }
}

on_both_backends! {
    async fn a_state_mismatch_ends_without_a_session(backend) {
        let app = spawn_app(backend).await;
        let browser = app.browser();
        app.github.approve_as(Profile::new(1, "alice"));
        let callback = browser.authorize("/login").await;
        let mut url = url::Url::parse(&callback).unwrap();
        let code = url.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
        url.query_pairs_mut().clear().append_pair("code", &code).append_pair("state", "forged-state");
        let res = browser.get(url.as_str()).await;
        assert_eq!(res.status(), 400);
        assert!(res.text().await.unwrap().contains("does not belong to the login started in this browser"));
        assert_eq!(browser.me().await.0, 401);
        // The code was never exchanged.
        assert_eq!(app.github.token_requests(), 0);
    }
}

on_both_backends! {
    async fn a_callback_without_a_started_login_is_refused(backend) {
        let app = spawn_app(backend).await;
        let res = app.browser().get("/auth/github/callback?code=abc&state=def").await;
        assert_eq!(res.status(), 400);
        assert!(res.text().await.unwrap().contains("expired or was already used"));
    }
}

on_both_backends! {
    async fn a_reused_code_is_refused(backend) {
        let app = spawn_app(backend).await;
        app.logged_in(Profile::new(1, "alice")).await;
        let used = app.github.last_code().unwrap();
        // Another browser starts its own login but presents the code already exchanged.
        let thief = app.browser();
        let callback = thief.authorize("/login").await;
        let mut url = url::Url::parse(&callback).unwrap();
        let state = url.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
        url.query_pairs_mut().clear().append_pair("code", &used).append_pair("state", &state);
        let res = thief.get(url.as_str()).await;
        assert_eq!(res.status(), 400);
        assert!(res.text().await.unwrap().contains("GitHub did not accept this login"));
        assert_eq!(thief.me().await.0, 401);
        // And the same callback twice in one browser: the state is single-use.
        let browser = app.browser();
        let callback = browser.authorize("/login").await;
        assert_eq!(browser.get(&callback).await.status(), 303);
        browser.post("/logout", &[]).await;
        assert_eq!(browser.get(&callback).await.status(), 400);
        assert_eq!(browser.me().await.0, 401);
    }
}

on_both_backends! {
    async fn denied_access_on_github_ends_without_a_session(backend) {
        let app = spawn_app(backend).await;
        let browser = app.browser();
        app.github.deny_next();
        let callback = browser.authorize("/login").await;
        assert!(callback.contains("error=access_denied"));
        let res = browser.get(&callback).await;
        assert_eq!(res.status(), 403);
        assert!(res.text().await.unwrap().contains("chose not to"));
        assert_eq!(browser.me().await.0, 401);
    }
}

on_both_backends! {
    async fn a_bad_code_answered_with_200_by_github_ends_without_a_session(backend) {
        let app = spawn_app(backend).await;
        let browser = app.browser();
        app.github.approve_as(Profile::new(1, "alice"));
        let callback = browser.authorize("/login").await;
        let mut url = url::Url::parse(&callback).unwrap();
        let state = url.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
        url.query_pairs_mut().clear().append_pair("code", "not-a-real-code").append_pair("state", &state);
        let res = browser.get(url.as_str()).await;
        assert_eq!(res.status(), 400);
        assert_eq!(browser.me().await.0, 401);
        assert_eq!(app.github.token_requests(), 1);
        assert_eq!(app.github.user_requests(), 0);
    }
}

on_both_backends! {
    async fn a_login_older_than_ten_minutes_is_refused(backend) {
        let app = spawn_app(backend).await;
        let browser = app.browser();
        app.github.approve_as(Profile::new(1, "alice"));
        let callback = browser.authorize("/login").await;
        app.clock.advance(chrono::Duration::minutes(11));
        let res = browser.get(&callback).await;
        assert_eq!(res.status(), 400);
        assert_eq!(browser.me().await.0, 401);
    }
}

on_both_backends! {
    async fn next_returns_only_to_a_path_on_this_site(backend) {
        let app = spawn_app(backend).await;
        let res = app.browser().login_via("/login?next=%2Fnominate%3Fcategory%3Dquote", Profile::new(1, "a")).await;
        assert_eq!(location(&res), "/nominate?category=quote");
        for evil in ["//evil.com", "https://evil.com/x", "/%5Cevil.com", "%2F%2Fevil.com"] {
            let path = format!("/login?next={}", url::form_urlencoded::byte_serialize(evil.as_bytes()).collect::<String>());
            let res = app.browser().login_via(&path, Profile::new(1, "a")).await;
            assert_eq!(location(&res), "/", "{evil}");
        }
    }
}

on_both_backends! {
    async fn posts_without_a_valid_csrf_token_are_forbidden(backend) {
        let app = spawn_app(backend).await;
        let browser = app.logged_in(Profile::new(1, "alice")).await;
        let other = app.logged_in(Profile::new(2, "bob")).await;

        let res = browser.post_raw("/logout", &[]).await;
        assert_eq!(res.status(), 403);
        let other_token = other.csrf_token().await;
        let res = browser.post_raw("/logout", &[("csrf_token", &other_token)]).await;
        assert_eq!(res.status(), 403);
        let token = browser.csrf_token().await;
        let res = browser
            .client
            .post(browser.url("/logout"))
            .header("Sec-Fetch-Site", "cross-site")
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        let res = browser
            .client
            .post(browser.url("/logout"))
            .header("Origin", "https://evil.example")
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        // Still logged in after all that; the right token works.
        assert_eq!(browser.me().await.0, 200);
        assert_eq!(browser.post("/logout", &[]).await.status(), 303);
    }
}

on_both_backends! {
    async fn editors_from_the_setting(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "Llogiq, nellshamrell".into()).await;
        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        assert_eq!(editor.me().await.1["is_editor"], true);
        let member = app.logged_in(Profile::new(2, "alice")).await;
        assert_eq!(member.me().await.1["is_editor"], false);
        assert!(editor.get_text("/").await.contains(r#"href="/editor""#));
    }
}

on_both_backends! {
    async fn editors_from_the_command_line_and_revocation_ends_their_session(backend) {
        let app = spawn_app(backend).await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        assert_eq!(bob.me().await.1["is_editor"], false);

        let out = app.cli(&["editor", "grant", "Bob"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        // Another process's change shows within `cache::REFRESH` (a member's session is kept
        // that long); losing the role shows at once, below.
        let granted = std::time::Instant::now();
        while bob.me().await.1["is_editor"] != true {
            assert!(granted.elapsed() < twir_picks::cache::REFRESH * 2, "the grant shows within REFRESH");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let listed = String::from_utf8(app.cli(&["editor", "list"]).stdout).unwrap();
        assert!(listed.contains("bob"), "{listed}");

        let out = app.cli(&["editor", "revoke", "bob"]);
        assert!(out.status.success());
        assert_eq!(bob.me().await.0, 401, "revocation ends the session at once");
        let bob_again = app.logged_in(Profile::new(2, "bob")).await;
        assert_eq!(bob_again.me().await.1["is_editor"], false);

        let mut conn = app.state.db.get().unwrap();
        let actions: Vec<String> = audit_log::table.order(audit_log::id).select(audit_log::action).load(&mut *conn).unwrap();
        assert!(actions.contains(&"editor_grant".into()) && actions.contains(&"editor_revoke".into()), "{actions:?}");
        assert!(!app.cli(&["editor", "grant", "<script>"]).status.success());
    }
}

on_both_backends! {
    async fn api_me_when_logged_out_is_a_json_401(backend) {
        let app = spawn_app(backend).await;
        let res = app.get("/api/v1/me").await;
        assert_eq!(res.status(), 401);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"], "unauthorized");
        assert!(body["message"].as_str().unwrap().contains("log in"));
    }
}

on_both_backends! {
    async fn a_young_account_can_log_in_but_not_vote(backend) {
        let app = spawn_app(backend).await;
        let young = app.logged_in(Profile::new(9, "newbie").created("2026-11-10T00:00:00Z")).await;
        let (status, me) = young.me().await;
        assert_eq!(status, 200);
        assert_eq!(me["can_vote"], false);
    }
}

on_both_backends! {
    async fn sessions_expire_when_idle(backend) {
        let app = spawn_app(backend).await;
        let browser = app.logged_in(Profile::new(1, "alice")).await;
        app.clock.advance(chrono::Duration::days(8));
        assert_eq!(browser.me().await.0, 401);
    }
}

on_both_backends! {
    async fn github_unreachable_gives_a_clear_page_and_no_session(backend) {
        // Nothing listens on port 1.
        let app = spawn_app_with(backend, |a| a.github_token_url = "http://127.0.0.1:1/login/oauth/access_token".into()).await;
        let browser = app.browser();
        let res = browser.login(Profile::new(1, "alice")).await;
        assert_eq!(res.status(), 502);
        assert!(res.text().await.unwrap().contains("GitHub could not be reached"));
        assert_eq!(browser.me().await.0, 401);
    }
}

on_both_backends! {
    async fn the_generated_session_key_is_kept_beside_the_database(backend) {
        let app = spawn_app(backend).await;
        if let twir_picks::settings::DatabaseUrl::Sqlite(path) = &app.settings().database {
            let key = path.parent().unwrap().join("twir-picks.session-key");
            let meta = std::fs::metadata(&key).expect("key file");
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
            let again = twir_picks::web::session::load_key(app.settings()).unwrap();
            let first = twir_picks::web::session::load_key(app.settings()).unwrap();
            assert_eq!(again.master(), first.master(), "the same key at every start");
        }
    }
}

on_both_backends! {
    async fn dev_login_signs_in_without_github_and_says_so(backend) {
        let app = spawn_app_with(backend, |a| a.dev_login = "true".into()).await;
        let browser = app.browser();
        let form = browser.get_text("/dev/login").await;
        assert!(form.contains("Dev login is on"));
        let token = common::browser::extract_csrf(&form).unwrap();
        let res = browser.post_raw("/dev/login", &[("login", "<b>x</b>"), ("csrf_token", &token)]).await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("&lt;b&gt;x&lt;"));
        let res = browser.post_raw("/dev/login", &[("login", "tryer"), ("csrf_token", &token)]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(browser.me().await.1["login"], "tryer");
    }
}

on_both_backends! {
    async fn dev_login_is_absent_unless_enabled(backend) {
        let app = spawn_app(backend).await;
        assert_eq!(app.get("/dev/login").await.status(), 404);
    }
}

#[test]
fn dev_login_is_refused_at_start_on_a_public_bind() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_twir-picks"))
        .arg("serve")
        .env("DATABASE_URL", dir.path().join("x.db"))
        .env("BIND", "0.0.0.0:0")
        .env("DEV_LOGIN", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}
