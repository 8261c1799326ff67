//! Accounts and sessions against the holes a security review found: roles bound to GitHub's
//! numeric id, logout that really ends a session, OAuth states accepted once, callbacks that
//! cannot log anyone out, and a dev login that only works where nobody else can reach it.

use crate::common;

use common::browser::{extract_csrf, location};
use common::{spawn_app_with, Profile, TestApp};
use diesel::prelude::*;
use twir_picks::schema::audit_log;

/// A client without a cookie jar: the test carries the cookie itself, as a thief would.
fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `name=value` of the response's session cookie.
fn session_cookie(res: &reqwest::Response) -> String {
    let header = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("twir-picks="))
        .expect("a session cookie");
    header.split(';').next().unwrap().to_string()
}

/// Start a login by hand: the pre-callback cookie and GitHub's authorize URL.
async fn start_login(app: &TestApp, client: &reqwest::Client) -> (String, String) {
    let res = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(res.status(), 302);
    (session_cookie(&res), location(&res))
}

/// GitHub's answer to an authorize URL: the callback URL with a fresh code.
async fn authorize(client: &reqwest::Client, authorize_url: &str) -> String {
    let res = client.get(authorize_url).send().await.unwrap();
    assert_eq!(res.status(), 302);
    location(&res)
}

async fn get_with(client: &reqwest::Client, url: &str, cookie: &str) -> reqwest::Response {
    client.get(url).header("cookie", cookie).send().await.unwrap()
}

fn audit_actions(app: &TestApp) -> Vec<(String, String)> {
    let mut conn = app.state.db.get().unwrap();
    audit_log::table
        .order(audit_log::id)
        .select((audit_log::action, audit_log::target))
        .load(&mut *conn)
        .unwrap()
}

on_both_backends! {
    async fn the_editor_role_belongs_to_the_account_not_the_login(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "ghed".into()).await;
        let editor = app.logged_in(Profile::new(501, "ghed")).await;
        assert_eq!(editor.me().await.1["is_editor"], true);

        // The editor renames the account: still the editor.
        let renamed = app.logged_in(Profile::new(501, "ghed-renamed")).await;
        assert_eq!(renamed.me().await.1["is_editor"], true);
        assert_eq!(renamed.get("/editor").await.status(), 200);

        // Someone registers the freed login (in any case): not an editor, and audited.
        for login in ["ghed", "GHed"] {
            let squatter = app.logged_in(Profile::new(666, login)).await;
            assert_eq!(squatter.me().await.1["is_editor"], false, "{login}");
            assert_eq!(squatter.get("/editor").await.status(), 403);
        }
        let actions = audit_actions(&app);
        assert!(actions.contains(&("editor_bound".into(), "ghed".into())), "{actions:?}");
        assert!(actions.contains(&("editor_login_taken".into(), "ghed".into())), "{actions:?}");
    }
}

on_both_backends! {
    async fn a_granted_login_binds_to_the_account_that_holds_it(backend) {
        let app = spawn_app_with(backend, |_| {}).await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        assert!(app.cli(&["editor", "grant", "BOB"]).status.success());
        assert_eq!(bob.me().await.1["is_editor"], true);
        // A second grant differing only by case is the same grant.
        let out = app.cli(&["editor", "grant", "bob"]);
        assert!(String::from_utf8_lossy(&out.stdout).contains("already"));
        // Another account later named bob is not the editor.
        let other = app.logged_in(Profile::new(3, "Bob")).await;
        assert_eq!(other.me().await.1["is_editor"], false);
    }
}

on_both_backends! {
    async fn editors_cannot_ban_an_editor_or_themselves(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "ann,ben".into()).await;
        let ann = app.logged_in(Profile::new(11, "ann")).await;
        let ben = app.logged_in(Profile::new(12, "ben")).await;
        for target in ["ben", "ann"] {
            let res = ann.post("/editor/users/ban", &[("login", target), ("reason", "no")]).await;
            assert_eq!(res.status(), 409, "{target}");
        }
        assert_eq!(ben.me().await.1["is_editor"], true);
        assert_eq!(ann.me().await.0, 200);
    }
}

on_both_backends! {
    async fn a_cookie_copied_before_logout_no_longer_works(backend) {
        let app = spawn_app_with(backend, |_| {}).await;
        let client = bare_client();
        app.github.approve_as(Profile::new(21, "carol"));
        let (pre, authorize_url) = start_login(&app, &client).await;
        let callback = authorize(&client, &authorize_url).await;
        let res = get_with(&client, &callback, &pre).await;
        assert_eq!(res.status(), 303);
        let cookie = session_cookie(&res);
        assert_eq!(get_with(&client, &app.url("/api/v1/me"), &cookie).await.status(), 200);

        let home = get_with(&client, &app.url("/"), &cookie).await;
        // The page may hand out the session's CSRF token in a rewritten cookie.
        let current = if home.headers().contains_key("set-cookie") { session_cookie(&home) } else { cookie.clone() };
        let token = extract_csrf(&home.text().await.unwrap()).unwrap();
        let res = client
            .post(app.url("/logout"))
            .header("cookie", &current)
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        // The copies kept from before are dead.
        for copy in [&cookie, &current] {
            assert_eq!(get_with(&client, &app.url("/api/v1/me"), copy).await.status(), 401);
        }
    }
}

on_both_backends! {
    async fn an_oauth_state_is_accepted_once_even_from_a_copied_cookie(backend) {
        let app = spawn_app_with(backend, |_| {}).await;
        let client = bare_client();
        app.github.approve_as(Profile::new(31, "dave"));
        let (pre, authorize_url) = start_login(&app, &client).await;
        let first = authorize(&client, &authorize_url).await;
        assert_eq!(get_with(&client, &first, &pre).await.status(), 303);

        // The same pre-callback cookie, with a second code from the same authorize URL.
        let second = authorize(&client, &authorize_url).await;
        assert_ne!(first, second);
        let res = get_with(&client, &second, &pre).await;
        assert_eq!(res.status(), 400);
        assert!(res.headers().get_all("set-cookie").iter().all(|c| !c.to_str().unwrap().contains("Max-Age=2592000")));
        assert!(res.text().await.unwrap().contains("expired or was already used"));
    }
}

on_both_backends! {
    async fn a_callback_with_an_error_does_not_log_anyone_out(backend) {
        let app = spawn_app_with(backend, |_| {}).await;
        let browser = app.logged_in(Profile::new(41, "erin")).await;
        for query in ["error=access_denied&state=x", "code=forged&state=forged", ""] {
            let res = browser.get(&format!("/auth/github/callback?{query}")).await;
            assert!(res.status().is_client_error(), "{query}");
            assert_eq!(browser.me().await.0, 200, "still logged in after ?{query}");
        }
    }
}

on_both_backends! {
    async fn a_callback_without_github_configured_does_not_log_anyone_out(backend) {
        let app = spawn_app_with(backend, |a| {
            a.github_client_id = None;
            a.github_client_secret = None;
            a.dev_login = "true".into();
        })
        .await;
        let (client, _) = common::dev_login(&app.base, "frank").await;
        let res = client.get(app.url("/auth/github/callback?error=access_denied")).send().await.unwrap();
        assert_eq!(res.status(), 404);
        let me = client.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(me.status(), 200);
    }
}

on_both_backends! {
    async fn dev_login_names_compare_case_insensitively(backend) {
        let app = spawn_app_with(backend, |a| {
            a.dev_login = "true".into();
            a.editors = "grace".into();
        })
        .await;
        let (lower, _) = common::dev_login(&app.base, "grace").await;
        let (upper, _) = common::dev_login(&app.base, "Grace").await;
        let me = |c: reqwest::Client| {
            let url = app.url("/api/v1/me");
            async move { c.get(url).send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
        };
        assert_eq!(me(lower).await["is_editor"], true);
        assert_eq!(me(upper).await["login"], "grace", "one account, not two differing by case");
    }
}

/// `serve` with DEV_LOGIN and the given settings: refused at start (exit 2) naming why.
fn refused(settings: &[(&str, &str)], why: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_twir-picks"));
    command
        .arg("serve")
        .env("DATABASE_URL", dir.path().join("x.db"))
        .env("BIND", "127.0.0.1:0")
        .env("DEV_LOGIN", "true")
        .env_remove("PUBLIC_URL")
        .env_remove("TRUSTED_PROXIES");
    for (k, v) in settings {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(why), "{stderr}");
}

#[test]
fn dev_login_is_refused_behind_a_proxy_or_with_a_public_url() {
    refused(&[("PUBLIC_URL", "https://picks.example.org")], "PUBLIC_URL");
    refused(&[("TRUSTED_PROXIES", "127.0.0.1")], "TRUSTED_PROXIES");
    refused(&[("BIND", "0.0.0.0:0")], "BIND");
}

on_both_backends! {
    async fn dev_login_refuses_a_host_that_is_not_this_machine(backend) {
        // DNS rebinding: a page from evil.example rebound to 127.0.0.1 sends Host: evil.example.
        let app = spawn_app_with(backend, |a| a.dev_login = "true".into()).await;
        let client = bare_client();
        let res = client.get(app.url("/dev/login")).header("host", "evil.example:8080").send().await.unwrap();
        assert_eq!(res.status(), 403);
        let res = client
            .post(app.url("/dev/login"))
            .header("host", "evil.example")
            .form(&[("login", "llogiq")])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_client_error());
        // A forwarding header is anyone's to write: it does not turn a foreign Host into this machine.
        for (name, value) in [("x-forwarded-host", "localhost"), ("forwarded", "host=127.0.0.1"), ("forwarded", "for=127.0.0.1;host=localhost")] {
            let res = client.get(app.url("/dev/login")).header("host", "evil.example").header(name, value).send().await.unwrap();
            assert_eq!(res.status(), 403, "{name}: {value}");
            let res = client
                .post(app.url("/dev/login"))
                .header("host", "evil.example")
                .header(name, value)
                .form(&[("login", "llogiq")])
                .send()
                .await
                .unwrap();
            assert!(res.status().is_client_error(), "{name}: {value}");
        }
        assert_eq!(client.get(app.url("/dev/login")).header("host", "localhost:1").send().await.unwrap().status(), 200);
    }
}

on_both_backends! {
    async fn a_revoked_login_granted_again_binds_afresh(backend) {
        let app = spawn_app_with(backend, |_| {}).await;
        app.logged_in(Profile::new(71, "alice")).await;
        assert!(app.cli(&["editor", "grant", "alice"]).status.success());
        assert!(app.cli(&["editor", "revoke", "alice"]).status.success());
        // The first alice renames her account; someone else registers the login.
        let old = app.logged_in(Profile::new(71, "alice-renamed")).await;
        let new = app.logged_in(Profile::new(72, "alice")).await;
        let out = app.cli(&["editor", "grant", "alice"]);
        assert!(String::from_utf8_lossy(&out.stdout).contains("GitHub id 72"), "{out:?}");
        assert_eq!(new.me().await.1["is_editor"], true);
        assert_eq!(old.me().await.1["is_editor"], false);
    }
}
