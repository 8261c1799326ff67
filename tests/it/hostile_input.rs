//! Inputs that once crashed a route or slipped past a rule, found by a security review:
//! out-of-range weeks and pages, invisible characters in quotes, spoofed addresses and
//! secrets in the log, world-readable database files, headers on the framework's own errors.

use crate::common;

use common::browser::nomination_id;
use common::{spawn_app, spawn_app_with, Profile};

on_both_backends! {
    async fn week_numbers_and_cutoffs_out_of_range_are_refused(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        for issue in ["2147483647", "100001", "0", "-3"] {
            let res = editor.post("/editor/week", &[("issue", issue)]).await;
            assert_eq!(res.status(), 422, "issue {issue}");
        }
        for closes_at in ["2036-12-01T12:00", "9999-12-31T23:59"] {
            let res = editor.post("/editor/week", &[("closes_at", closes_at)]).await;
            assert_eq!(res.status(), 422, "cut-off {closes_at}");
        }
        for path in ["/", "/api/v1/weeks/current", "/editor"] {
            assert_eq!(editor.get(path).await.status(), 200, "{path}");
        }
        for path in ["/weeks/2147483647", "/weeks/-2147483648", "/api/v1/weeks/2147483647", "/editor?issue=2147483647"] {
            let status = editor.get(path).await.status();
            assert!(status.is_client_error(), "{path}: {status}");
        }
    }
}

on_both_backends! {
    async fn page_numbers_are_bounded(backend) {
        let app = spawn_app(backend).await;
        for path in ["/winners", "/api/v1/winners"] {
            for page in ["9223372036854775807", "100001", "-1"] {
                let res = app.get(&format!("{path}?page={page}")).await;
                assert_eq!(res.status(), 400, "{path}?page={page}");
            }
            assert_eq!(app.get(&format!("{path}?page=100000")).await.status(), 200, "{path}");
        }
    }
}

on_both_backends! {
    async fn invisible_characters_do_not_make_a_quote_new(backend) {
        let app = spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        let first = alice.nominated_quote("Rust is great").await;
        for disguised in ["rust\u{a0}is great\u{200b}", "Rust\u{2060} is\u{feff} GREAT", "ｒｕｓｔ is great"] {
            let res = bob.nominate_quote(disguised, "Ferris").await;
            assert_eq!(res.status(), 303, "{disguised:?}");
            assert_eq!(nomination_id(&res), first, "{disguised:?} is the same quote");
        }
    }
}

on_both_backends! {
    async fn the_frameworks_own_errors_carry_security_headers(backend) {
        let app = spawn_app(backend).await;
        let client = app.client();
        let requests = [
            client.get(app.url("/weeks/not-a-number")),
            client.get(app.url("/winners?page=%ZZ")),
            client.get(app.url("/%ZZ")),
            client.post(app.url("/votes")).header("content-type", "text/plain").body("x"),
            client.post(app.url("/nominations")).header("content-type", "application/x-www-form-urlencoded").body("%"),
        ];
        for request in requests {
            let res = request.send().await.unwrap();
            let what = format!("{} {}", res.status(), res.url());
            assert!(res.status().is_client_error(), "{what}");
            let h = res.headers();
            assert!(h.contains_key("content-security-policy"), "{what}");
            assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
        }
    }
}

#[cfg(unix)]
#[actix_web::test]
async fn the_sqlite_files_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app(common::Backend::Sqlite).await;
    // A write, so the write-ahead log and its index exist.
    app.logged_in(Profile::new(1, "alice")).await;
    let path = app.database_url.strip_prefix("sqlite://").unwrap().to_string();
    for file in [path.clone(), format!("{path}-wal"), format!("{path}-shm")] {
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file} is {mode:o}");
    }
}

/// `migrate` on a new file (the README's upgrade step), `copy --to` a new SQLite file and
/// `backup` under the usual umask 022: every file they leave, the write-ahead log and its
/// index included, is owner-only.
#[cfg(unix)]
#[test]
fn files_the_commands_create_are_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    let run = |args: String| {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("umask 022; exec \"$0\" {args}"))
            .arg(env!("CARGO_BIN_EXE_twir-picks"))
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .env("BIND", "127.0.0.1:0")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run("migrate".into());
    run(format!(
        "copy --to sqlite://{}",
        dir.path().join("copy.db").display()
    ));
    run(format!("backup {}", dir.path().join("backup.db").display()));
    let mut seen = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is {mode:o}", path.display());
        seen += 1;
    }
    assert!(seen >= 3, "{seen} files");
}

/// The request log of the real binary, as an operator reads it from journald or a file.
#[test]
fn the_request_log_holds_no_oauth_secrets_no_spoofed_addresses_and_no_colours() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_twir-picks"))
        .arg("serve")
        .env("DATABASE_URL", dir.path().join("x.db"))
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("GITHUB_CLIENT_ID", "id")
        .env("GITHUB_CLIENT_SECRET", "secret")
        .env("SESSION_KEY", "ab".repeat(64))
        .env("RUST_LOG", "info")
        .env_remove("TRUSTED_PROXIES")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    common::wait_for_port(port);
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .get(format!(
            "http://127.0.0.1:{port}/auth/github/callback?code=SECRETCODE42&state=SECRETSTATE42"
        ))
        .header("x-forwarded-for", "6.6.6.6")
        .header("forwarded", "for=7.7.7.7")
        .send()
        .unwrap();
    assert!(res.status().is_client_error());
    // The same route spelled with a percent-encoded letter.
    let encoded =
        format!("http://127.0.0.1:{port}/%61uth/github/callback?code=SECRETCODE43&state=SECRETSTATE43");
    assert!(client.get(encoded).send().unwrap().status().is_client_error());
    client
        .get(format!("http://127.0.0.1:{port}/winners?page=2"))
        .send()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let _ = child.kill();
    let mut log = String::new();
    child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    let _ = child.wait();
    assert!(log.contains("/auth/github/callback?[redacted]"), "{log}");
    assert!(log.contains("/winners?page=2"), "{log}");
    for secret in [
        "SECRETCODE42",
        "SECRETSTATE42",
        "SECRETCODE43",
        "SECRETSTATE43",
        "6.6.6.6",
        "7.7.7.7",
        "\u{1b}[",
    ] {
        assert!(!log.contains(secret), "{secret:?} in the log:\n{log}");
    }
    assert!(log.contains("client_ip=127.0.0.1"), "{log}");
}

on_both_backends! {
    async fn a_burst_of_votes_from_new_accounts_is_flagged_to_editors(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        let author = app.logged_in(Profile::new(2, "author")).await;
        let crate_id = author.nominated_crate("serde").await;
        let quote_id = author.nominated_quote("Old friends vote slowly.").await;
        // Three accounts made on GitHub last month, old enough to vote, all at once.
        for id in 10..13 {
            let puppet = app.logged_in(Profile::new(id, &format!("puppet{id}")).created("2026-10-01T00:00:00Z")).await;
            assert_eq!(puppet.vote(crate_id).await.status(), 303);
        }
        // Long-standing accounts voting together are not a burst.
        for id in 20..24 {
            let regular = app.logged_in(Profile::new(id, &format!("regular{id}"))).await;
            assert_eq!(regular.vote(quote_id).await.status(), 303);
        }
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        let entry = |category: &str, id: i32| {
            shortlist["categories"][category]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["nomination_id"] == id)
                .unwrap()
                .clone()
        };
        assert_eq!(entry("crate", crate_id)["vote_burst"], 3);
        assert!(entry("quote", quote_id)["vote_burst"].is_null());
        let desk = editor.get_text("/editor").await;
        assert!(desk.contains("3 votes within an hour from new accounts"), "{desk}");
    }
}

on_both_backends! {
    async fn hostile_markdown_reaches_the_editor_as_text(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        let mallory = app
            .logged_in(Profile::new(2, "mallory").named("<img src=x onerror=alert(1)> [me](javascript:alert(2))"))
            .await;
        let res = mallory.nominate_crate("serde", "a crate <script>alert(1)</script> for things ![i](https://evil.example/i.png)").await;
        assert_eq!(res.status(), 303);
        let res = mallory.nominate_quote("[click\n](javascript:alert(document.domain))", "<b>Ferris</b>").await;
        assert_eq!(res.status(), 303);
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        // What is left once the escaped characters (`\[`, `\!`) are taken out.
        let escaped = regex::Regex::new(r"\\.").unwrap();
        for category in ["crate", "quote"] {
            let markdown = shortlist["categories"][category][0]["attribution"].as_str().unwrap();
            let unescaped = escaped.replace_all(markdown, "");
            for unsafe_text in ["<script", "<img", "<b>", "](javascript:", "!["] {
                assert!(!unescaped.contains(unsafe_text), "{unsafe_text} in {markdown}");
            }
            assert!(markdown.contains("&lt;"), "{markdown}");
        }
    }
}
