//! The editor's desk: access, shortlist with attribution, picks, moderation, weeks, audit,
//! the archive and feed, and the export and fill-draft commands.

use crate::common;

use common::browser::{counts, location};
use common::{spawn_app_with, Browser, Profile, TestApp};
use diesel::prelude::*;
use twir_picks::schema::{audit_log, nominations, picks, users, votes};

async fn app_with_editor(backend: common::Backend) -> (TestApp, Browser) {
    let app = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
    let editor = app.logged_in(Profile::new(99, "llogiq").named("llogiq")).await;
    (app, editor)
}

on_both_backends! {
    async fn non_editors_get_403_on_every_editor_route(backend) {
        let (app, _editor) = app_with_editor(backend).await;
        let member = app.logged_in(Profile::new(1, "alice")).await;
        for path in ["/editor", "/editor?issue=680", "/editor/audit"] {
            assert_eq!(member.get(path).await.status(), 403, "{path}");
            assert_eq!(app.browser().get(path).await.status(), 401, "{path} logged out");
        }
        let res = member.get("/api/v1/editor/shortlist").await;
        assert_eq!(res.status(), 403);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"], "forbidden");
        for path in [
            "/editor/picks", "/editor/unpick", "/editor/nominations/1/hide", "/editor/nominations/1/unhide",
            "/editor/users/ban", "/editor/users/unban", "/editor/week", "/editor/week/close", "/editor/weeks/680/publish",
        ] {
            let res = member.post(path, &[("nomination_id", "1"), ("category", "crate"), ("login", "bob")]).await;
            assert_eq!(res.status(), 403, "{path}");
        }
        let mut conn = app.state.db.get().unwrap();
        assert_eq!(picks::table.count().get_result::<i64>(&mut *conn).unwrap(), 0);
    }
}

on_both_backends! {
    async fn the_shortlist_carries_attribution_ready_to_paste(backend) {
        let (app, editor) = app_with_editor(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice").named("Alice [the] Great")).await;
        let bob = app.logged_in(Profile::new(2, "bob").named("Bob")).await;
        let id = alice.nominated_crate("serde").await;
        bob.nominate_crate("serde", "co").await;
        let q = bob.nominated_quote("Line one\n\nLine `two` <b>").await;
        let base = app.settings().absolute("");

        let json = editor.json("/api/v1/editor/shortlist").await;
        let entry = &json["categories"]["crate"][0];
        assert_eq!(entry["nomination_id"], id);
        assert_eq!(
            entry["attribution"],
            format!("This week's crate is [serde](https://crates.io/crates/serde), a crate worth a look.\n\nThanks to [Alice \\[the\\] Great]({base}/nominations/{id}) and [Bob]({base}/nominations/{id}) for the suggestion!")
        );
        let quote = &json["categories"]["quote"][0];
        assert_eq!(
            quote["attribution"],
            format!("> Line one\n>\n> Line `two` &lt;b>\n\n– [Ferris on rust-users](https://users.rust-lang.org/t/twir-quote-of-the-week/328/1)\n\nThanks to [Bob]({base}/nominations/{q}) for the suggestion!")
        );
        let section = json["sections"]["crate"].as_str().unwrap();
        assert!(section.starts_with("## Crate of the Week\n\nThis week's crate is [serde]"));
        assert!(section.ends_with(&format!("[submit_crate]: {base}/nominate?category=crate")));

        let html = editor.get_text("/editor").await;
        assert!(html.contains("A generic serialization/deserialization framework"), "crates.io description next to the pitch");
        assert!(html.contains(r#"<pre class="attribution" id="attribution-"#));
        assert!(html.contains("Alice \\[the\\] Great"), "the attribution is shown as text");
        assert!(html.contains("Tuesday 1 December 2026, 12:00 UTC</time> (in 6 days)"), "dates as the public page says them");
    }
}

on_both_backends! {
    async fn pick_unpick_and_the_archive(backend) {
        let (app, editor) = app_with_editor(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let a = alice.nominated_crate("serde").await;
        let b = alice.nominated_crate("rayon").await;

        let res = editor.post("/editor/picks", &[("nomination_id", &a.to_string())]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/editor?issue=680#section-crate");
        // One pick per category and week: a second is refused until the first is taken back.
        let res = editor.post("/editor/picks", &[("nomination_id", &b.to_string())]).await;
        assert_eq!(res.status(), 409);
        assert!(res.text().await.unwrap().contains("already has a crate pick"));
        let res = editor.post("/editor/unpick", &[("category", "crate"), ("issue", "680")]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(editor.post("/editor/picks", &[("nomination_id", &b.to_string())]).await.status(), 303);

        // Embargoed until the issue is out: the desk sees the pick, the public nothing.
        let public = app.browser().json("/api/v1/weeks/current").await;
        assert!(public["picks"]["crate"].is_null(), "{public}");
        assert!(app.browser().json("/api/v1/winners").await.to_string().find("rayon").is_none());
        assert!(!app.get("/feed.xml").await.text().await.unwrap().contains("rayon"));
        assert_eq!(editor.json("/api/v1/editor/shortlist").await["picks"]["crate"]["nomination_id"], b);
        assert_eq!(editor.post("/editor/weeks/680/publish", &[]).await.status(), 303);

        let json = editor.json("/api/v1/weeks/current").await;
        assert_eq!(json["picks"]["crate"]["nomination_id"], b);
        assert_eq!(json["picks"]["crate"]["picked_by"], "llogiq");
        assert!(json["picks"]["quote"].is_null());

        // Archive, API and feed.
        let winners = editor.json("/api/v1/winners").await;
        assert_eq!(winners[0]["issue"], 680);
        assert_eq!(winners[0]["category"], "crate");
        assert_eq!(winners[0]["name"], "rayon");
        assert!(winners[0]["attribution"].as_str().unwrap().starts_with("This week's crate is [rayon]"));
        assert!(app.get("/winners").await.text().await.unwrap().contains(">rayon</a>"));
        let feed_res = app.get("/feed.xml").await;
        assert_eq!(feed_res.headers()["content-type"], "application/atom+xml; charset=utf-8");
        let xml = feed_res.text().await.unwrap();
        let feed: atom_syndication::Feed = xml.parse().expect("a well-formed Atom feed");
        assert_eq!(feed.entries.len(), 1);
        assert_eq!(feed.entries[0].title.as_str(), "Crate of the Week in issue 680: rayon");
        assert!(!feed.id.is_empty() && !feed.authors.is_empty());
        assert!(feed.links.iter().any(|l| l.rel == "self"));

        // The picked nomination leaves the ballot of the weeks after.
        app.clock.set("2026-12-01T12:30:00Z".parse().unwrap());
        let editor = app.logged_in(Profile::new(99, "llogiq")).await;
        let next = editor.json("/api/v1/weeks/current").await;
        assert_eq!(next["issue"], 681);
        assert_eq!(counts(&next, "crate").iter().map(|c| c.0).collect::<Vec<_>>(), vec![a]);
        let voter = app.logged_in(Profile::new(5, "voter")).await;
        assert_eq!(voter.vote(b).await.status(), 409);
        // Past weeks keep showing their pick.
        let last = editor.json("/api/v1/weeks/680").await;
        assert_eq!(last["picks"]["crate"]["nomination_id"], b);
    }
}

on_both_backends! {
    async fn an_editors_own_choice_when_nothing_was_suggested(backend) {
        let (_app, editor) = app_with_editor(backend).await;
        let res = editor.post("/editor/picks", &[
            ("category", "crate"), ("crate_name", "anyhow"), ("pitch", "error handling made easy"),
        ]).await;
        assert_eq!(res.status(), 303);
        let json = editor.json("/api/v1/editor/shortlist").await;
        let section = json["sections"]["crate"].as_str().unwrap();
        assert!(section.contains("This week's crate is [anyhow](https://crates.io/crates/anyhow), error handling made easy.\n\nDespite a lack of suggestions, llogiq is pleased with their choice."), "{section}");
        let res = editor.post("/editor/picks", &[("category", "quote"), ("text", "")]).await;
        assert_eq!(res.status(), 422);
    }
}

on_both_backends! {
    async fn hide_and_ban_change_the_ranking_and_delete_nothing(backend) {
        let (app, editor) = app_with_editor(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let a = alice.nominated_crate("serde").await;
        let b = alice.nominated_crate("rayon").await;
        let v1 = app.logged_in(Profile::new(11, "v1")).await;
        let v2 = app.logged_in(Profile::new(12, "v2")).await;
        let v3 = app.logged_in(Profile::new(13, "v3")).await;
        v1.vote(a).await;
        v2.vote(a).await;
        v3.vote(b).await;
        assert_eq!(counts(&app.browser().json("/api/v1/weeks/current").await, "crate"), vec![(a, 2), (b, 1)]);

        // Ban v1 and v2: their votes stop counting at once, their sessions end.
        for login in ["v1", "v2"] {
            let res = editor.post("/editor/users/ban", &[("login", login), ("reason", "sock puppets")]).await;
            assert_eq!(res.status(), 303);
        }
        assert_eq!(v1.me().await.0, 401);
        assert_eq!(counts(&app.browser().json("/api/v1/weeks/current").await, "crate"), vec![(b, 1), (a, 0)]);
        assert_eq!(editor.post("/editor/users/unban", &[("login", "v2")]).await.status(), 303);
        assert_eq!(counts(&app.browser().json("/api/v1/weeks/current").await, "crate"), vec![(a, 1), (b, 1)]);

        // Hide b: off the public ballot, still on the editor's shortlist, marked.
        let res = editor.post(&format!("/editor/nominations/{b}/hide"), &[("reason", "spam <script>")]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(counts(&app.browser().json("/api/v1/weeks/current").await, "crate"), vec![(a, 1)]);
        assert_eq!(app.get(&format!("/api/v1/nominations/{b}")).await.status(), 404);
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        let hidden: Vec<_> = shortlist["categories"]["crate"].as_array().unwrap().iter().filter(|e| e["hidden"] == true).collect();
        assert_eq!(hidden.len(), 1);
        assert_eq!(hidden[0]["hidden_reason"], "spam <script>");
        assert!(editor.get_text("/editor").await.contains("spam &lt;script&gt;"));
        assert_eq!(editor.post(&format!("/editor/nominations/{b}/unhide"), &[]).await.status(), 303);
        assert_eq!(counts(&app.browser().json("/api/v1/weeks/current").await, "crate").len(), 2);

        let mut conn = app.state.db.get().unwrap();
        assert_eq!(nominations::table.count().get_result::<i64>(&mut *conn).unwrap(), 2);
        assert_eq!(votes::table.count().get_result::<i64>(&mut *conn).unwrap(), 3);
        let banned: Vec<String> = users::table.filter(users::banned.eq(true)).select(users::login).load(&mut *conn).unwrap();
        assert_eq!(banned, vec!["v1"]);
    }
}

on_both_backends! {
    async fn weeks_publishing_and_the_audit_log(backend) {
        let (app, editor) = app_with_editor(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        // A holiday: voting closes a day later.
        let res = editor.post("/editor/week", &[("closes_at", "2026-12-02T12:00"), ("reason", "holiday")]).await;
        assert_eq!(res.status(), 303);
        let week = app.browser().json("/api/v1/weeks/current").await;
        assert_eq!(week["closes_at"], "2026-12-02T12:00:00Z");
        assert_eq!(editor.post("/editor/week", &[("closes_at", "2020-01-01T00:00")]).await.status(), 422);
        assert_eq!(editor.post("/editor/week", &[("closes_at", "soon")]).await.status(), 422);
        // Renumbering is possible while the week is empty.
        assert_eq!(editor.post("/editor/week", &[("issue", "681")]).await.status(), 303);
        assert_eq!(app.browser().json("/api/v1/weeks/current").await["issue"], 681);
        let a = alice.nominated_crate("serde").await;
        assert_eq!(alice.json(&format!("/api/v1/nominations/{a}")).await["issue"], 681);
        assert_eq!(editor.post("/editor/week", &[("issue", "682")]).await.status(), 409);

        editor.post("/editor/picks", &[("nomination_id", &a.to_string())]).await;
        assert_eq!(editor.post("/editor/weeks/681/publish", &[]).await.status(), 303);
        let res = editor.post("/editor/unpick", &[("category", "crate"), ("issue", "681")]).await;
        assert_eq!(res.status(), 409);
        assert!(res.text().await.unwrap().contains("published"));
        let res = editor.post("/editor/week/close", &[]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(app.browser().json("/api/v1/weeks/current").await["issue"], 682);
        editor.post(&format!("/editor/nominations/{a}/hide"), &[("reason", "test")]).await;
        editor.post("/editor/users/ban", &[("login", "alice")]).await;

        let mut conn = app.state.db.get().unwrap();
        let actions: Vec<String> = audit_log::table.order(audit_log::id).select(audit_log::action).load(&mut *conn).unwrap();
        for expected in ["week_change", "pick", "publish", "week_close", "hide", "ban"] {
            assert!(actions.iter().any(|a| a == expected), "{expected} missing from {actions:?}");
        }
        let page = editor.get_text("/editor/audit").await;
        let newest = page.find(r#"data-action="ban""#).unwrap();
        let oldest = page.find(r#"data-action="week_change""#).unwrap();
        assert!(newest < oldest, "newest first");
        assert!(page.contains("holiday"));
    }
}

on_both_backends! {
    async fn export_and_fill_draft(backend) {
        let (app, editor) = app_with_editor(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice").named("Alice")).await;
        let c = alice.nominated_crate("serde").await;
        let q = alice.nominated_quote("Fearless concurrency.").await;
        let dir = tempfile::tempdir().unwrap();
        let draft = dir.path().join("draft.md");
        let template = include_str!("../fixtures/DRAFT_TEMPLATE.md");

        // No picks yet: refused, the file unchanged.
        std::fs::write(&draft, template).unwrap();
        let out = app.cli(&["fill-draft", "--allow-local", "--week", "680", draft.to_str().unwrap()]);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("no Crate of the Week pick") && stderr.contains("no Quote of the Week pick"), "{stderr}");
        assert_eq!(std::fs::read_to_string(&draft).unwrap(), template);

        editor.post("/editor/picks", &[("nomination_id", &c.to_string())]).await;
        editor.post("/editor/picks", &[("nomination_id", &q.to_string())]).await;

        // A draft missing one placeholder: refused, unchanged.
        let broken = template.replace("<!-- QOTW goes here -->", "");
        std::fs::write(&draft, &broken).unwrap();
        let out = app.cli(&["fill-draft", "--allow-local", "--week", "680", draft.to_str().unwrap()]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("no <!-- QOTW goes here --> placeholder"));
        assert_eq!(std::fs::read_to_string(&draft).unwrap(), broken);

        // Both placeholders: filled.
        std::fs::write(&draft, template).unwrap();
        let out = app.cli(&["fill-draft", "--allow-local", "--week", "680", draft.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let filled = std::fs::read_to_string(&draft).unwrap();
        let permalink = app.settings().absolute(&format!("/nominations/{c}"));
        assert!(filled.contains(&format!("## Crate of the Week\n\nThis week's crate is [serde](https://crates.io/crates/serde), a crate worth a look.\n\nThanks to [Alice]({permalink}) for the suggestion!\n\n[Please submit your suggestions")), "{filled}");
        assert!(filled.contains("# Quote of the Week\n\n> Fearless concurrency.\n\n– [Ferris on rust-users]"));
        assert!(!filled.contains("goes here"));

        // Export prints the same shortlist.
        let out = app.cli(&["export", "--allow-local", "--week", "680", "--format", "json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["issue"], 680);
        assert_eq!(json["picks"]["crate"]["nomination_id"], c);
        assert!(json["categories"]["crate"][0]["attribution"].as_str().unwrap().contains(&permalink));
        let out = app.cli(&["export", "--allow-local", "--week", "680", "--format", "markdown"]);
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("# Issue 680 shortlist") && text.contains("[PICKED]") && text.contains("The whole section"), "{text}");
        assert!(!app.cli(&["export", "--allow-local", "--week", "9999"]).status.success());

        // A published issue never links to this machine: without --allow-local a loopback
        // PUBLIC_URL is refused, naming the setting, and the draft is left alone.
        std::fs::write(&draft, template).unwrap();
        let out = app.cli(&["fill-draft", "--week", "680", draft.to_str().unwrap()]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("PUBLIC_URL"));
        assert_eq!(std::fs::read_to_string(&draft).unwrap(), template);
        let out = app.cli(&["export", "--week", "680"]);
        assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--allow-local"));
    }
}

on_both_backends! {
    async fn a_command_that_only_reads_writes_nothing(backend) {
        use twir_picks::schema::weeks;
        let app = common::spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(100, "alice")).await;
        alice.nominated_crate("serde").await;
        // The command line runs on the real clock, years after this test's: a command that
        // rolled the week over at start would close the open week and open today's.
        let stored = || {
            let mut conn = common::raw_connection(&app.database_url);
            weeks::table
                .select((weeks::issue, weeks::closes_at, weeks::status))
                .order(weeks::issue)
                .load::<(i32, chrono::NaiveDateTime, String)>(&mut *conn)
                .unwrap()
        };
        let before = stored();
        let out = app.cli(&["export", "--allow-local", "--week", "680", "--format", "json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let dir = tempfile::tempdir().unwrap();
        let draft = dir.path().join("draft.md");
        std::fs::write(&draft, include_str!("../fixtures/DRAFT_TEMPLATE.md")).unwrap();
        app.cli(&["fill-draft", "--allow-local", "--week", "680", draft.to_str().unwrap()]);
        assert_eq!(stored(), before, "reading commands left the weeks as they were");
        assert_eq!(app.state.open_week().await.unwrap().issue, 680);
    }
}
