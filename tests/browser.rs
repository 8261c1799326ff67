//! A real browser (headless Chromium through chromedriver) using the service end to end: log in
//! through the fake GitHub, nominate, vote, see the vote, log in as an editor, copy the
//! attribution, pick. Screenshots of the leaderboard, a nomination and the editor's desk at
//! phone and desktop widths go to `target/screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the
//! test says so and passes, unless REQUIRE_BROWSER=1 (as in CI).

mod common;

use common::{spawn_app_with, Profile, TestApp};
use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver() -> Option<Driver> {
    let binary = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(binary) = binary else {
        assert!(
            std::env::var("REQUIRE_BROWSER").is_err(),
            "REQUIRE_BROWSER is set but chromedriver is not installed"
        );
        eprintln!("chromedriver is not installed: the browser test is skipped (apt-get install chromium chromium-driver)");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _profile: tempfile::tempdir().unwrap(),
    })
}

async fn browser(driver: &Driver) -> Client {
    browser_with(driver, false).await
}

fn screenshot_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Save the current page at phone and desktop widths.
async fn screenshots(client: &Client, name: &str) {
    for (size, w, h) in [("phone", 390, 844), ("desktop", 1280, 900)] {
        client.set_window_size(w, h).await.unwrap();
        let png = client.screenshot().await.unwrap();
        std::fs::write(screenshot_dir().join(format!("{name}-{size}.png")), png).unwrap();
    }
}

/// Type `text` into the element `at`.
async fn type_into(client: &Client, at: Locator<'_>, text: &str) {
    client.find(at).await.unwrap().send_keys(text).await.unwrap();
}

/// Click the element `at`.
async fn click(client: &Client, at: Locator<'_>) {
    client.find(at).await.unwrap().click().await.unwrap();
}

/// The text of the element, waiting for it to appear (clicks may still be navigating: an
/// element found on the page being left goes stale, and is looked for again).
async fn text_of(client: &Client, css: &str) -> String {
    let started = Instant::now();
    loop {
        let found = client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(element) => match element.text().await {
                Ok(text) => return text,
                Err(e) if started.elapsed() < Duration::from_secs(10) => {
                    eprintln!("{css}: {e}; looking again");
                }
                Err(e) => panic!("{css}: {e}"),
            },
            Err(e) => panic!("{css}: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Wait until the browser is on a page whose path satisfies `ok`.
async fn wait_for_path(client: &Client, ok: impl Fn(&str) -> bool) -> url::Url {
    let started = Instant::now();
    loop {
        let url = client.current_url().await.unwrap();
        if ok(url.path()) {
            return url;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "stuck on {url}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn log_in(client: &Client, app: &TestApp, profile: Profile, next: &str) {
    app.github.approve_as(profile);
    // The browser follows /login → GitHub's authorize (the fake) → the callback → `next`.
    client
        .goto(&app.url(&format!("/login?next={next}")))
        .await
        .unwrap();
    // The last redirect may still be under way when `goto` returns.
    let want = next.split('?').next().unwrap();
    let started = Instant::now();
    loop {
        let url = client.current_url().await.unwrap();
        if url.path() == want {
            return;
        }
        if started.elapsed() > Duration::from_secs(10) {
            let page = client.source().await.unwrap_or_default();
            let text: String = page.chars().take(1500).collect();
            panic!("landed on {url}, not {want}:\n{text}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn log_out(client: &Client) {
    click(client, Locator::Css("form[action='/logout'] button")).await;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("a.button[href='/login']"))
        .await
        .unwrap();
}

on_both_backends! {
    async fn a_person_and_an_editor_use_the_site_in_a_browser(backend) {
        let Some(driver) = chromedriver() else { return };
        let app = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
        let client = browser(&driver).await;
        let tag = format!("{backend:?}").to_lowercase();

        // Alice nominates a crate.
        log_in(&client, &app, Profile::new(1, "alice").named("Alice"), "/nominate").await;
        type_into(&client, Locator::Id("crate_name"), "serde").await;
        type_into(&client, Locator::Id("pitch"), "a generic serialization framework").await;
        click(&client, Locator::Css("form[action='/nominations'] button[type=submit]")).await;
        let url = wait_for_path(&client, |p| p.starts_with("/nominations/")).await;
        let id: i32 = url.path().rsplit('/').next().unwrap().parse().unwrap();
        assert!(text_of(&client, ".flash").await.contains("Thank you!"));
        screenshots(&client, &format!("{tag}-nomination")).await;
        log_out(&client).await;

        // Bob votes for it and sees his vote on the leaderboard.
        log_in(&client, &app, Profile::new(2, "bob").named("Bob"), "/").await;
        // Nominating serde again would join Alice: the form says so before it is sent.
        client.goto(&app.url("/nominate")).await.unwrap();
        type_into(&client, Locator::Id("crate_name"), "serde").await;
        click(&client, Locator::Id("pitch")).await;
        let started = Instant::now();
        while !text_of(&client, "#joining").await.contains("you will join 1 other") {
            assert!(started.elapsed() < Duration::from_secs(5), "no note about joining");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        client.goto(&app.url("/")).await.unwrap();
        // With JavaScript the vote is counted in place: no page load, the count moves.
        client.execute("window.stayedOnPage = true", vec![]).await.unwrap();
        click(&client, Locator::Css(&format!("#nomination-{id} button[form='vote-form']"))).await;
        assert!(text_of(&client, &format!("#nomination-{id} .flash")).await.contains("Your vote is counted"));
        assert!(text_of(&client, &format!("#nomination-{id} .votes")).await.starts_with("1"));
        assert!(text_of(&client, &format!("#nomination-{id}")).await.contains("Your vote"));
        let stayed = client.execute("return window.stayedOnPage === true", vec![]).await.unwrap();
        assert_eq!(stayed, serde_json::json!(true), "voted without reloading the page");
        screenshots(&client, &format!("{tag}-leaderboard")).await;
        log_out(&client).await;

        // The editor polishes the pitch, copies the attribution and picks.
        log_in(&client, &app, Profile::new(99, "llogiq"), "/editor").await;
        client.goto(&app.url(&format!("/editor/nominations/{id}/edit"))).await.unwrap();
        let pitch = client.find(Locator::Id("pitch")).await.unwrap();
        pitch.clear().await.unwrap();
        pitch.send_keys("a generic serialization framework for Rust").await.unwrap();
        type_into(&client, Locator::Id("reason-crate"), "clearer").await;
        click(&client, Locator::Css("form[action$='/edit'] button[type=submit]")).await;
        wait_for_path(&client, |p| p == "/editor").await;
        text_of(&client, ".flash").await;
        // Each entry's details open on demand.
        click(&client, Locator::Css(&format!("#nomination-{id} details.more > summary"))).await;
        let attribution = text_of(&client, &format!("#attribution-{id}")).await;
        assert!(attribution.starts_with("This week's crate is [serde](https://crates.io/crates/serde), a generic serialization framework for Rust."), "{attribution}");
        assert!(attribution.contains("Thanks to [Alice]("));
        let copy = client.find(Locator::Css(&format!("button.copy[data-copy='attribution-{id}']"))).await.unwrap();
        copy.click().await.unwrap();
        let started = Instant::now();
        loop {
            // The clipboard answers asynchronously: "Copied", or the text gets selected instead.
            let label = copy.text().await.unwrap();
            if label == "Copied" || label.starts_with("Selected") {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(5), "the copy button did nothing: {label:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        click(&client, Locator::Css(&format!("#nomination-{id} form[action='/editor/picks'] button"))).await;
        // Voting is still open: the desk asks first.
        let started = Instant::now();
        loop {
            if let Ok(text) = client.get_alert_text().await {
                assert!(text.contains("still open"), "{text}");
                client.accept_alert().await.unwrap();
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(5), "no confirmation asked");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        text_of(&client, ".flash").await;
        let section = text_of(&client, "#section-crate").await;
        assert!(section.starts_with("## Crate of the Week\n\nThis week's crate is [serde](https://crates.io/crates/serde), a generic serialization framework for Rust."), "{section}");
        // After the pick the desk opens at the section and copies it (or selects it).
        let started = Instant::now();
        loop {
            let label = text_of(&client, "button.copy[data-copy='section-crate']").await;
            if label == "Copied" || label.starts_with("Selected") {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(5), "the section was not copied: {label:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        screenshots(&client, &format!("{tag}-editor")).await;
        client.close().await.unwrap();
    }
}

/// axe-core (vendored, MPL-2.0: `tests/fixtures/axe/`), run in the page.
const AXE: &str = include_str!("fixtures/axe/axe.min.js");

/// The WCAG 2.2 AA rules and axe's best practices (landmarks, scrollable regions).
const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } })
  .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\s+/g, ' ')).join(' | '))))
  .catch(e => done(['axe did not run: ' + e]));
"#;

/// What axe finds wrong on the current page.
async fn axe_violations(client: &Client) -> Vec<String> {
    client.execute(AXE, vec![]).await.expect("axe loads");
    let found = client.execute_async(AXE_RUN, vec![]).await.expect("axe runs");
    serde_json::from_value(found).expect("a list of violations")
}

async fn browser_with(driver: &Driver, dark: bool) -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--window-size=1280,900".into(),
        format!(
            "--user-data-dir={}",
            driver
                ._profile
                .path()
                .join(if dark { "dark" } else { "light" })
                .display()
        ),
    ];
    if dark {
        args.push("--force-dark-mode".into());
        args.push("--blink-settings=preferredColorScheme=0".into());
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": "/usr/bin/chromium", "args": args }),
    );
    ClientBuilder::rustls()
        .unwrap()
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a browser session")
}

/// Accessibility does not depend on the database: this runs on SQLite only.
#[actix_web::test]
async fn every_page_passes_axe_in_light_and_dark_at_phone_and_desktop_widths() {
    let Some(driver) = chromedriver() else { return };
    let app = spawn_app_with(common::Backend::Sqlite, |a| {
        a.editors = "llogiq".into();
        a.dev_login = "true".into();
    })
    .await;
    // A ballot with a pick, a vote, a hidden entry and a crate crates.io has not confirmed yet.
    let alice = app.logged_in(Profile::new(1, "alice").named("Alice")).await;
    let serde = alice.nominated_crate("serde").await;
    let rayon = alice.nominated_crate("rayon").await;
    let quote = alice.nominated_quote("Ownership is a superpower.").await;
    app.crates_io.go_silent(true);
    assert_eq!(
        alice
            .nominate_crate("not-yet-checked", "a crate crates.io has not answered for")
            .await
            .status(),
        303
    );
    app.crates_io.go_silent(false);

    let mut problems = Vec::new();
    for dark in [false, true] {
        let client = browser_with(&driver, dark).await;
        log_in(&client, &app, Profile::new(99, "llogiq"), "/").await;
        let is_dark: bool = serde_json::from_value(
            client
                .execute(
                    "return matchMedia('(prefers-color-scheme: dark)').matches",
                    vec![],
                )
                .await
                .unwrap(),
        )
        .unwrap();
        assert_eq!(is_dark, dark, "the browser's colour scheme");
        let scheme = if dark { "dark" } else { "light" };
        // The editor votes, hides one entry and picks the quote, so every mark shows.
        if !dark {
            client.goto(&app.url("/")).await.unwrap();
            // The member's page came as the stitched gzip stream, and the browser read it.
            let sizes: (u64, u64) = serde_json::from_value(
                client
                    .execute(
                        "const n = performance.getEntriesByType('navigation')[0]; return [n.encodedBodySize, n.decodedBodySize];",
                        vec![],
                    )
                    .await
                    .unwrap(),
            )
            .unwrap();
            assert!(sizes.0 > 0 && sizes.0 < sizes.1, "a compressed page: {sizes:?}");
            click(
                &client,
                Locator::Css(&format!("#nomination-{serde} button[form='vote-form']")),
            )
            .await;
            text_of(&client, ".flash").await;
            let editor = app.logged_in(Profile::new(99, "llogiq")).await;
            let issue = app.state.open_week().await.unwrap().issue.to_string();
            editor
                .post(
                    &format!("/editor/nominations/{rayon}/hide"),
                    &[("reason", "duplicate")],
                )
                .await;
            editor
                .post(
                    "/editor/picks",
                    &[("nomination_id", &quote.to_string()), ("issue", &issue)],
                )
                .await;
        }
        for (name, path) in [
            ("leaderboard", "/".to_string()),
            ("nomination", format!("/nominations/{serde}")),
            ("nominate", "/nominate".into()),
            ("me", "/me".into()),
            ("sessions", "/me/sessions".into()),
            ("privacy", "/privacy".into()),
            ("winners", "/winners".into()),
            ("profile", "/users/alice".into()),
            ("editor", "/editor".into()),
            ("audit", "/editor/audit".into()),
        ] {
            client.goto(&app.url(&path)).await.unwrap();
            if name == "nominate" {
                // With the notes of a refused form showing.
                type_into(&client, Locator::Id("crate_name"), "not a crate!").await;
                type_into(&client, Locator::Id("pitch"), "x").await;
                click(
                    &client,
                    Locator::Css("form[action='/nominations'] button[type=submit]"),
                )
                .await;
                text_of(&client, ".field-error").await;
            }
            for (size, w, h) in [("phone", 390, 844), ("desktop", 1280, 900)] {
                client.set_window_size(w, h).await.unwrap();
                for v in axe_violations(&client).await {
                    problems.push(format!("{path} ({scheme}, {size}): {v}"));
                }
                let png = client.screenshot().await.unwrap();
                std::fs::write(
                    screenshot_dir().join(format!("axe-{name}-{scheme}-{size}.png")),
                    png,
                )
                .unwrap();
            }
        }
        client.close().await.unwrap();
    }
    assert!(
        problems.is_empty(),
        "accessibility violations:\n{}",
        problems.join("\n")
    );
}

#[actix_web::test]
async fn a_member_deletes_their_account_through_the_page() {
    let Some(driver) = chromedriver() else { return };
    let app = spawn_app_with(common::Backend::Sqlite, |_| {}).await;
    let client = browser(&driver).await;
    log_in(&client, &app, Profile::new(1, "alice").named("Alice"), "/me").await;
    let mut problems = Vec::new();

    // The form is behind a disclosure; a wrong login comes back with the note and the text.
    click(&client, Locator::Css("#delete-account summary")).await;
    type_into(&client, Locator::Id("confirm_login"), "alicia").await;
    click(
        &client,
        Locator::Css("form[action='/me/delete'] button[type=submit]"),
    )
    .await;
    assert!(text_of(&client, ".field-error")
        .await
        .contains("type your login (alice)"));
    let typed = client.find(Locator::Id("confirm_login")).await.unwrap();
    assert_eq!(typed.prop("value").await.unwrap().as_deref(), Some("alicia"));
    problems.extend(
        axe_violations(&client)
            .await
            .into_iter()
            .map(|v| format!("/me (refused): {v}")),
    );
    screenshots(&client, "delete-refused").await;

    typed.clear().await.unwrap();
    typed.send_keys("alice").await.unwrap();
    click(
        &client,
        Locator::Css("form[action='/me/delete'] button[type=submit]"),
    )
    .await;
    assert!(text_of(&client, "h1").await.contains("Your account is deleted"));
    problems.extend(
        axe_violations(&client)
            .await
            .into_iter()
            .map(|v| format!("deleted page: {v}")),
    );
    screenshots(&client, "account-deleted").await;
    // Signed out: the header offers to log in again.
    client
        .find(Locator::Css("a.button[href='/login']"))
        .await
        .expect("signed out");
    assert_eq!(app.get("/users/alice").await.status(), 404);
    client.close().await.unwrap();
    assert!(
        problems.is_empty(),
        "accessibility violations:\n{}",
        problems.join("\n")
    );
}

/// The week of the walkthrough: 14 crates, 8 quotes, 41 voters. The desk must fit an editor's
/// evening (about 4,500 px on a desktop) and the phone ballot must not be endless; both heights
/// are printed for the record, and the desk is checked with axe at both widths.
#[actix_web::test]
async fn the_desk_and_the_phone_ballot_fit_a_busy_week() {
    let Some(driver) = chromedriver() else { return };
    let app = spawn_app_with(common::Backend::Sqlite, |a| a.editors = "llogiq".into()).await;
    let mut crates = Vec::new();
    let mut quotes = Vec::new();
    for i in 0..14 {
        let name = format!("crate-number-{i}");
        app.crates_io.add(
            &name,
            "A crate with a description as long as crates.io descriptions usually are",
            None,
        );
        let member = app
            .logged_in(Profile::new(1000 + i, &format!("nominator{i}")))
            .await;
        let res = member
            .nominate_crate(&name, "a crate that does one thing well, explained in a sentence or two as nominators do, with a `code span` and a reason to look at it this week")
            .await;
        crates.push(common::browser::nomination_id(&res));
    }
    for i in 0..8 {
        let member = app.logged_in(Profile::new(2000 + i, &format!("quoter{i}"))).await;
        quotes.push(
            member
                .nominated_quote(&format!("Quote number {i}: the borrow checker is not your enemy, it is the colleague who reads every line you write and never gets tired of it."))
                .await,
        );
    }
    for v in 0..41 {
        let voter = app.logged_in(Profile::new(3000 + v, &format!("voter{v}"))).await;
        voter.vote(crates[(v as usize * 7) % crates.len()]).await;
        voter.vote(quotes[(v as usize * 3) % quotes.len()]).await;
    }
    let editor = app.logged_in(Profile::new(99, "llogiq")).await;
    editor
        .post(
            &format!("/editor/nominations/{}/hide", crates[13]),
            &[("reason", "spam")],
        )
        .await;

    let client = browser(&driver).await;
    log_in(&client, &app, Profile::new(99, "llogiq"), "/editor").await;
    let height = |client: &Client| {
        let client = client.clone();
        async move {
            let v = client
                .execute("return document.documentElement.scrollHeight", vec![])
                .await
                .unwrap();
            v.as_u64().unwrap()
        }
    };
    let mut problems = Vec::new();
    client.set_window_size(1280, 900).await.unwrap();
    client.goto(&app.url("/editor")).await.unwrap();
    let desk_desktop = height(&client).await;
    problems.extend(
        axe_violations(&client)
            .await
            .into_iter()
            .map(|v| format!("desk (desktop): {v}")),
    );
    std::fs::write(
        screenshot_dir().join("desk-busy-desktop.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    client.set_window_size(390, 844).await.unwrap();
    client.goto(&app.url("/editor")).await.unwrap();
    let desk_phone = height(&client).await;
    problems.extend(
        axe_violations(&client)
            .await
            .into_iter()
            .map(|v| format!("desk (phone): {v}")),
    );
    client.goto(&app.url("/")).await.unwrap();
    let ballot_phone = height(&client).await;
    std::fs::write(
        screenshot_dir().join("ballot-busy-phone.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();
    println!("heights: desk {desk_desktop} px on a desktop, {desk_phone} px on a phone; ballot {ballot_phone} px on a phone");
    assert!(
        desk_desktop <= 4_500,
        "the desk is {desk_desktop} px tall on a desktop"
    );
    assert!(
        desk_phone <= 12_000,
        "the desk is {desk_phone} px tall on a phone"
    );
    client.close().await.unwrap();
    assert!(
        problems.is_empty(),
        "accessibility violations:\n{}",
        problems.join("\n")
    );
}
