//! The editors' last mile: the week's sections proposed to This Week in Rust's draft as a pull
//! request, against a fake GitHub that answers the documented endpoints and status codes.

use crate::common;

use common::browser::location;
use common::fake_github_repos::{Trouble, BOT_LOGIN};
use common::{spawn_app_with, Browser, Profile, TestApp};
use diesel::prelude::*;
use twir_picks::schema::{audit_log, outbox};

const UPSTREAM: &str = "rust-lang/this-week-in-rust";
const FORK: &str = "twir-picks-bot/this-week-in-rust";
const TOKEN: &str = "ghp_botTOKENthatMustNeverShow1234";
const TEMPLATE: &str = include_str!("../fixtures/DRAFT_TEMPLATE.md");

async fn app_with_draft(backend: common::Backend, token: &str) -> (TestApp, Browser) {
    let token = token.to_string();
    let app = spawn_app_with(backend, move |a| {
        a.editors = "llogiq".into();
        a.draft_repo = Some(UPSTREAM.into());
        a.draft_fork = Some(FORK.into());
        a.draft_github_token = Some(token);
        // A receiver that never answers: the event waits in the outbox, where the test reads it.
        a.webhooks = "json=http://127.0.0.1:9/hook".into();
        a.webhook_secret = Some("webhook secret".into());
    })
    .await;
    app.github.world().token = TOKEN.into();
    let editor = app.logged_in(Profile::new(99, "llogiq").named("llogiq")).await;
    (app, editor)
}

/// The draft's path for `issue`, as DRAFT_PATH's default names it.
fn draft_path(app: &TestApp, issue: i32) -> String {
    let date = app.settings().calendar.publication_date(issue);
    format!("draft/{}-this-week-in-rust.md", date.format("%Y-%m-%d"))
}

/// Upstream with the draft of issue 680 on `main`, and the bot's empty fork.
fn repositories(app: &TestApp, draft: &str) {
    let path = draft_path(app, 680);
    let mut world = app.github.world();
    world.create_repo(
        UPSTREAM,
        "main",
        &[(path.as_str(), draft), ("README.md", "# TWiR\n")],
    );
    world.create_fork(FORK);
}

/// A crate and a quote nominated by alice and picked.
async fn picked_week(app: &TestApp, editor: &Browser) -> (i32, i32) {
    let alice = app.logged_in(Profile::new(1, "alice").named("Alice")).await;
    let c = alice.nominated_crate("serde").await;
    let q = alice.nominated_quote("Fearless concurrency.").await;
    for id in [c, q] {
        assert_eq!(
            editor
                .post("/editor/picks", &[("nomination_id", &id.to_string())])
                .await
                .status(),
            303
        );
    }
    (c, q)
}

/// What `fill-draft` writes into TEMPLATE for issue 680.
fn fill_draft_output(app: &TestApp) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("draft.md");
    std::fs::write(&file, TEMPLATE).unwrap();
    let out = app.cli(&[
        "fill-draft",
        "--allow-local",
        "--week",
        "680",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read_to_string(&file).unwrap()
}

/// `propose-draft --week 680` run by the real binary with `token`: whether it succeeded, and
/// everything it printed.
fn propose_from_the_command_line(app: &TestApp, token: &str) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_twir-picks"))
        .args(["propose-draft", "--week", "680"])
        .env("DATABASE_URL", &app.database_url)
        .env("PUBLIC_URL", app.settings().public_url.as_str())
        .env("BIND", "127.0.0.1:0")
        .env("GITHUB_API_URL", app.github.api_url())
        .env("DRAFT_REPO", UPSTREAM)
        .env("DRAFT_FORK", FORK)
        .env("DRAFT_GITHUB_TOKEN", token)
        .env("RUST_LOG", "debug")
        .env_remove("EDITORS")
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

/// Press the desk's button; the flash the desk then shows.
async fn press(editor: &Browser) -> String {
    let res = editor.post("/editor/draft", &[("issue", "680")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/editor?issue=680#draft");
    let desk = editor.get_text("/editor?issue=680").await;
    let start = desk
        .find(r#"<p class="flash" role="status">"#)
        .expect("a message on the desk");
    let rest = &desk[start..];
    rest[..rest.find("</p>").unwrap()].to_string()
}

fn branch_file(app: &TestApp, path: &str) -> Option<String> {
    app.github.world().file(FORK, "twir-picks/issue-680", path)
}

on_both_backends! {
    async fn the_first_press_opens_one_pull_request_with_fill_drafts_bytes_and_the_second_updates_it(backend) {
        let (app, editor) = app_with_draft(backend, TOKEN).await;
        repositories(&app, TEMPLATE);
        let (c, _q) = picked_week(&app, &editor).await;
        let path = draft_path(&app, 680);

        let desk = editor.get_text("/editor?issue=680").await;
        assert!(desk.contains("Propose as a pull request"), "the button on the desk");
        assert!(desk.contains(&path));

        let message = press(&editor).await;
        assert!(message.contains("Opened pull request #1: https://github.com/rust-lang/this-week-in-rust/pull/1"), "{message}");
        let pulls = app.github.world().open_pulls(UPSTREAM);
        assert_eq!(pulls.len(), 1);
        assert_eq!(pulls[0].head, "twir-picks-bot:twir-picks/issue-680");
        assert_eq!(pulls[0].base, "main");
        assert_eq!(pulls[0].title, "Crate and Quote of the Week for issue 680");
        assert!(pulls[0].body.contains("Picked by @llogiq") && pulls[0].body.contains("| 1 | [serde]("), "{}", pulls[0].body);
        // The file on the bot's branch is fill-draft's output, byte for byte; upstream untouched.
        assert_eq!(branch_file(&app, &path).unwrap(), fill_draft_output(&app));
        assert_eq!(app.github.world().file(UPSTREAM, "main", &path).unwrap(), TEMPLATE);
        // One commit on top of upstream's head.
        let (head, ours) = {
            let world = app.github.world();
            (world.head(UPSTREAM, "main").unwrap(), world.head(FORK, "twir-picks/issue-680").unwrap())
        };
        assert_eq!(app.github.world().parent(&ours).as_deref(), Some(head.as_str()));
        let desk = editor.get_text("/editor?issue=680").await;
        assert!(desk.contains(r#"<a href="https://github.com/rust-lang/this-week-in-rust/pull/1">pull request #1</a>"#), "the desk shows the pull request");
        assert!(desk.contains("Update the pull request"));

        // Audited, and the webhook queued.
        let mut conn = app.state.db.get().unwrap();
        let audited: Vec<(String, Option<String>)> = audit_log::table
            .filter(audit_log::action.eq("draft_propose"))
            .select((audit_log::actor, audit_log::detail))
            .load(&mut *conn)
            .unwrap();
        assert_eq!(audited.len(), 1);
        assert_eq!(audited[0].0, "llogiq");
        drop(conn);

        // A re-pick, upstream moved meanwhile: the second press updates the same pull request.
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        let r = bob.nominated_crate("rayon").await;
        assert_eq!(editor.post("/editor/unpick", &[("category", "crate"), ("issue", "680")]).await.status(), 303);
        assert_eq!(editor.post("/editor/picks", &[("nomination_id", &r.to_string())]).await.status(), 303);
        let moved = app.github.world().push(UPSTREAM, "main", "README.md", "# This Week in Rust\n");
        let message = press(&editor).await;
        assert!(message.contains("Updated the pull request #1"), "{message}");
        assert_eq!(app.github.world().open_pulls(UPSTREAM).len(), 1, "no second pull request");
        let filled = branch_file(&app, &path).unwrap();
        assert_eq!(filled, fill_draft_output(&app));
        assert!(filled.contains("This week's crate is [rayon]") && !filled.contains(&format!("/nominations/{c})")));
        let ours = app.github.world().head(FORK, "twir-picks/issue-680").unwrap();
        assert_eq!(app.github.world().parent(&ours), Some(moved), "the branch follows upstream's head");

        let mut conn = app.state.db.get().unwrap();
        let events: Vec<String> = outbox::table
            .filter(outbox::event.eq("draft.proposed"))
            .select(outbox::payload)
            .load(&mut *conn)
            .unwrap();
        assert_eq!(events.len(), 2, "one event per commit pushed");
        let event: serde_json::Value = serde_json::from_str(&events[0]).unwrap();
        assert_eq!(event["event"], "draft.proposed");
        assert_eq!(event["issue"], 680);
        assert_eq!(event["url"], "https://github.com/rust-lang/this-week-in-rust/pull/1");
    }
}

on_both_backends! {
    async fn a_draft_already_filled_or_missing_changes_nothing(backend) {
        let (app, editor) = app_with_draft(backend, TOKEN).await;
        picked_week(&app, &editor).await;
        let path = draft_path(&app, 680);

        // No draft yet.
        app.github.world().create_repo(UPSTREAM, "main", &[("README.md", "# TWiR\n")]);
        app.github.world().create_fork(FORK);
        let message = press(&editor).await;
        assert!(message.contains("There is no draft of issue 680 yet"), "{message}");
        assert!(message.contains(&path));

        // Someone filled the crate by hand.
        let by_hand = TEMPLATE.replace("<!-- COTW goes here -->", "This week's crate is [x](https://crates.io/crates/x).");
        app.github.world().push(UPSTREAM, "main", &path, &by_hand);
        let calls_before = app.github.world().calls.len();
        let message = press(&editor).await;
        assert!(message.contains("was left as it is") && message.contains("no &lt;!-- COTW goes here --&gt; placeholder"), "{message}");
        let world = app.github.world();
        assert!(world.open_pulls(UPSTREAM).is_empty());
        assert!(world.head(FORK, "twir-picks/issue-680").is_none(), "no branch made");
        assert!(world.calls[calls_before..].iter().all(|(m, _)| m == "GET"), "only reads: {:?}", &world.calls[calls_before..]);
    }
}

on_both_backends! {
    async fn failures_say_what_happened_and_the_next_press_finishes(backend) {
        let (app, editor) = app_with_draft(backend, TOKEN).await;
        repositories(&app, TEMPLATE);
        picked_week(&app, &editor).await;
        let path = draft_path(&app, 680);

        // Rate limited (403, remaining 0): said with the time to come back.
        app.github.world().trouble = Some(Trouble::RateLimited);
        let message = press(&editor).await;
        assert!(message.contains("rate limit") && message.contains("try again after"), "{message}");
        app.github.world().trouble = Some(Trouble::TooManyRequests);
        assert!(press(&editor).await.contains("rate limit"));
        app.github.world().trouble = Some(Trouble::Down);
        assert!(press(&editor).await.contains("GitHub could not be reached"));
        app.github.world().trouble = None;
        assert!(app.github.world().open_pulls(UPSTREAM).is_empty());

        // A branch left without a pull request (a failure after the push) is reused; a 409 on
        // the commit is read again and retried once; a pull request the list missed (422 on
        // create) is found and updated rather than duplicated.
        app.github.world().push(UPSTREAM, "main", "README.md", "moved\n");
        let head = app.github.world().head(UPSTREAM, "main").unwrap();
        app.github.world().conflict_next_put = true;
        let message = press(&editor).await;
        assert!(message.contains("Opened pull request #1"), "{message}");
        let ours = app.github.world().head(FORK, "twir-picks/issue-680").unwrap();
        assert_eq!(app.github.world().parent(&ours), Some(head));
        app.github.world().hide_pulls_once = true;
        let message = press(&editor).await;
        assert!(message.contains("Updated the pull request #1"), "{message}");
        assert_eq!(app.github.world().open_pulls(UPSTREAM).len(), 1);
        assert_eq!(branch_file(&app, &path).unwrap(), fill_draft_output(&app));
    }
}

on_both_backends! {
    async fn a_bad_token_is_a_clear_message_and_the_token_shows_nowhere(backend) {
        let wrong = "ghp_wrongTOKENnobodyMayRead9876";
        let (app, editor) = app_with_draft(backend, wrong).await;
        repositories(&app, TEMPLATE);
        picked_week(&app, &editor).await;
        let message = press(&editor).await;
        assert!(message.contains("GitHub refused the bot&#x27;s token (401)") && message.contains("DRAFT_GITHUB_TOKEN"), "{message}");
        assert!(app.github.world().open_pulls(UPSTREAM).is_empty());
        // The token went only into Authorization headers.
        assert!(app.github.world().authorizations.iter().all(|a| a == &format!("Bearer {wrong}")));
        for path in ["/editor?issue=680", "/editor/audit", "/api/v1/editor/shortlist?issue=680"] {
            let body = editor.get_text(path).await;
            assert!(!body.contains(wrong) && !body.contains(TOKEN), "{path}");
        }

        // The command line says the same, and prints no token either.
        let (ok, said) = propose_from_the_command_line(&app, wrong);
        assert!(!ok);
        assert!(said.contains("GitHub refused the bot's token (401)"), "{said}");
        assert!(!said.contains(wrong), "{said}");

        // With the right token the command line opens the pull request.
        let (ok, said) = propose_from_the_command_line(&app, TOKEN);
        assert!(ok, "{said}");
        assert!(said.contains("opened pull request #1 for issue 680"), "{said}");
        assert!(!said.contains(TOKEN));
    }
}

/// The server's own log, as an operator reads it: a refused token is said at start, and the
/// token itself appears nowhere.
#[actix_web::test]
async fn the_token_is_checked_at_start_and_never_logged() {
    use std::io::Read;
    let github = common::FakeGithub::start().await;
    github.world().token = TOKEN.into();
    let dir = tempfile::tempdir().unwrap();
    for (token, expect) in [
        (
            "ghp_wrongTOKENnobodyMayRead9876",
            "DRAFT_GITHUB_TOKEN does not work",
        ),
        (TOKEN, BOT_LOGIN),
    ] {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_twir-picks"))
            .arg("serve")
            .env("DATABASE_URL", dir.path().join("x.db"))
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("SESSION_KEY", "ab".repeat(64))
            .env("GITHUB_API_URL", github.api_url())
            .env("DRAFT_REPO", UPSTREAM)
            .env("DRAFT_GITHUB_TOKEN", token)
            .env("RUST_LOG", "debug")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        common::wait_for_port(port);
        let started = std::time::Instant::now();
        while github.world().authorizations.is_empty()
            && started.elapsed() < std::time::Duration::from_secs(10)
        {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
        let _ = child.kill();
        let mut log = String::new();
        child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
        let _ = child.wait();
        assert!(log.contains(expect), "{log}");
        assert!(!log.contains(token), "the token in the log:\n{log}");
        github.world().authorizations.clear();
    }
    github.stop();
}

on_both_backends! {
    async fn the_desk_lists_what_to_fix_before_proposing(backend) {
        let (app, editor) = app_with_draft(backend, TOKEN).await;
        repositories(&app, TEMPLATE);
        let master = app.github.world().create_repo("rust-lang/rust", "master", &[("src/lib.rs", "//! std\n")]);
        let alice = app.logged_in(Profile::new(1, "alice").named("Alice")).await;
        let res = alice.post("/nominations", &[
            ("category", "crate"), ("crate_name", "serde"), ("pitch", "a framework for serializing and"),
        ]).await;
        assert_eq!(res.status(), 303);
        let c = common::browser::nomination_id(&res);
        let res = alice.post("/nominations", &[
            ("category", "quote"), ("text", "The borrow checker is a friend."), ("author", "Ferris"),
            ("where", "in the standard library"),
            ("source_url", "https://github.com/rust-lang/rust/blob/master/src/lib.rs#L1"),
        ]).await;
        assert_eq!(res.status(), 303);
        let q = common::browser::nomination_id(&res);
        for id in [c, q] {
            assert_eq!(editor.post("/editor/picks", &[("nomination_id", &id.to_string())]).await.status(), 303);
        }
        let desk = editor.get_text("/editor?issue=680").await;
        let panel = &desk[desk.find(r#"id="draft""#).unwrap()..];
        let panel = &panel[..panel.find("</section>").unwrap()];
        assert!(panel.contains("Check before proposing"), "{panel}");
        assert!(panel.contains("seems cut short") && panel.contains("serializing and"), "{panel}");
        assert!(panel.contains("which moves"), "{panel}");
        assert!(panel.contains(&format!("https://github.com/rust-lang/rust/blob/{master}/src/lib.rs#L1")), "the permalink offered: {panel}");
        assert!(panel.contains("PUBLIC_URL is this machine"), "{panel}");
        // Listed, not blocking: the button is there.
        assert!(panel.contains("Propose as a pull request"));
    }
}
