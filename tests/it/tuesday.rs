//! The editor's Tuesday evening and the voter's phone: the desk opens the week to pick, names
//! instead of numbers, the audit log in sentences, a vote that returns to its entry.

use crate::common;

use common::browser::location;
use common::{spawn_app_with, Profile};

on_both_backends! {
    async fn the_desk_opens_the_closed_week_until_its_issue_is_published(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let serde = alice.nominated_crate("serde").await;
        let editor = app.logged_in(Profile::new(99, "llogiq")).await;
        let desk = editor.get_text("/editor").await;
        assert!(desk.contains("<h1>Issue 680</h1>") && !desk.contains("banner-closed"), "the open week while it is open");

        // Tuesday evening: issue 680 closed, 681 open; the desk opens 680 and says so.
        app.clock.set("2026-12-01T18:00:00Z".parse().unwrap());
        let editor = app.logged_in(Profile::new(99, "llogiq")).await;
        let desk = editor.get_text("/editor").await;
        assert!(desk.contains("<h1>Issue 680</h1>"), "{desk}");
        assert!(desk.contains("Issue 680 closed on Tuesday 1 December 2026, 12:00 UTC (6 hours ago): nothing picked yet."), "{desk}");
        assert!(desk.contains(r#"<a href="/editor?issue=681">the open week, issue 681</a>"#), "{desk}");
        assert_eq!(app.state.open_week().await.unwrap().issue, 681);

        // Picked: the banner says what is left; the pick is named, not numbered.
        assert_eq!(editor.post("/editor/picks", &[("nomination_id", &serde.to_string()), ("issue", "680")]).await.status(), 303);
        let desk = editor.get_text("/editor").await;
        assert!(desk.contains("the crate is picked, the other not yet."), "{desk}");
        assert!(desk.contains(&format!(r#"Picked: <a href="/nominations/{serde}">serde</a> by llogiq"#)), "{desk}");

        // Wednesday, still unpublished: still 680. Published: the open week.
        app.clock.set("2026-12-02T09:00:00Z".parse().unwrap());
        assert!(editor.get_text("/editor").await.contains("<h1>Issue 680</h1>"));
        assert_eq!(editor.post("/editor/weeks/680/publish", &[]).await.status(), 303);
        assert!(editor.get_text("/editor").await.contains("<h1>Issue 681</h1>"));
        // Never published, the week after: the open week.
        app.clock.set("2026-12-08T18:00:00Z".parse().unwrap());
        let editor = app.logged_in(Profile::new(99, "llogiq")).await;
        let desk = editor.get_text("/editor").await;
        assert!(desk.contains("<h1>Issue 681</h1>"), "681 closed, not published, its day to pick");
        app.clock.set("2026-12-10T08:00:00Z".parse().unwrap());
        let editor = app.logged_in(Profile::new(99, "llogiq")).await;
        assert!(editor.get_text("/editor").await.contains("<h1>Issue 682</h1>"), "after 681's publication day");

        // The audit log reads as sentences.
        let audit = editor.get_text("/editor/audit").await;
        assert!(audit.contains(&format!("<strong>llogiq</strong> picked nomination {serde}.")), "{audit}");
        assert!(audit.contains("<strong>llogiq</strong> marked issue 680 published."), "{audit}");
    }
}

on_both_backends! {
    async fn a_vote_returns_to_its_entry_and_names_are_names(backend) {
        let app = spawn_app_with(backend, |_| {}).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let rayon = alice.nominated_crate("rayon").await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        let res = bob.vote(rayon).await;
        assert_eq!(location(&res), format!("/#nomination-{rayon}"));
        let me = bob.get_text("/me").await;
        assert!(me.contains(&format!(r#"crate: <a href="/nominations/{rayon}">rayon</a>"#)), "{me}");
        assert!(!me.contains("nomination {rayon}"));
        let home = bob.get_text("/").await;
        assert!(home.contains("Nominate and vote for the Crate and the Quote of the Week"), "what the site is for, in a line");
        assert!(home.contains(r#"<p class="your-votes" id="your-votes">Your votes: Crate ✓ rayon · Quote: not yet</p>"#), "{home}");
        // The same line in the gzip stream stitched for members.
        let gz = bob.client.get(bob.url("/")).header("accept-encoding", "gzip").send().await.unwrap().text().await.unwrap();
        assert!(gz.contains("Your votes: Crate ✓ rayon · Quote: not yet"));
        let alice_home = alice.get_text("/").await;
        assert!(alice_home.contains("Your votes: Crate: not yet · Quote: not yet"), "each member their own");
        assert!(home.contains(r##"<a href="#crate">Crates</a> · <a href="#quote">Quotes</a>"##));

        // A young account is told why it has no vote buttons, where they would be.
        let young = app.logged_in(Profile::new(3, "young").created("2026-11-20T00:00:00Z")).await;
        let page = young.get_text("/").await;
        assert!(page.contains(r#"id="why-no-vote""#), "{page}");
        assert!(!bob.get_text("/").await.contains(r#"id="why-no-vote""#), "not for a member who can vote");
        let anonymous = app.get("/").await.text().await.unwrap();
        assert!(!anonymous.contains(r#"id="why-no-vote""#));
    }
}

on_both_backends! {
    async fn picks_stay_embargoed_until_the_issue_is_out(backend) {
        let app = spawn_app_with(backend, |a| {
            a.editors = "llogiq".into();
            a.webhooks = "json=http://127.0.0.1:9/hook".into();
            a.webhook_secret = Some("secret".into());
        })
        .await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let serde = alice.nominated_crate("serde").await;
        // Tuesday evening: 680 closed, picked on the desk.
        app.clock.set("2026-12-01T18:00:00Z".parse().unwrap());
        let editor = app.logged_in(Profile::new(99, "llogiq")).await;
        assert_eq!(editor.post("/editor/picks", &[("nomination_id", &serde.to_string()), ("issue", "680")]).await.status(), 303);
        let picked_events = || {
            use diesel::prelude::*;
            use twir_picks::schema::outbox;
            let mut conn = app.state.db.get().unwrap();
            outbox::table.filter(outbox::event.eq("week.picked")).count().get_result::<i64>(&mut *conn).unwrap()
        };
        // The public sees nothing of it: week page and API, winners, feed, profile, badge, webhooks.
        let week = app.browser().json("/api/v1/weeks/680").await;
        assert!(week["picks"]["crate"].is_null(), "{week}");
        assert!(!app.get("/weeks/680").await.text().await.unwrap().contains("badge win"));
        assert!(!app.browser().json("/api/v1/winners").await.to_string().contains("serde"));
        assert!(!app.get("/winners").await.text().await.unwrap().contains("serde"));
        assert!(!app.get("/feed.xml").await.text().await.unwrap().contains("serde"));
        assert!(!app.get("/users/alice").await.text().await.unwrap().contains("This Week in Rust 680"));
        assert!(!app.get("/badges/crates/serde.svg").await.text().await.unwrap().contains("TWiR 680"));
        assert_eq!(picked_events(), 0);
        twir_picks::actions::editor::announce_published_picks(&app.state).await.unwrap();
        assert_eq!(picked_events(), 0, "not before the publication day");
        // The desk sees it.
        assert!(editor.get_text("/editor").await.contains(&format!(r#"Picked: <a href="/nominations/{serde}">serde</a>"#)));

        // Wednesday, publication day: public everywhere, and the webhook goes out once.
        app.clock.set("2026-12-02T00:00:30Z".parse().unwrap());
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await; // the archive's cache
        assert_eq!(app.browser().json("/api/v1/weeks/680").await["picks"]["crate"]["nomination_id"], serde);
        assert!(app.browser().json("/api/v1/winners").await.to_string().contains("serde"));
        let profile = app.get("/users/alice").await.text().await.unwrap();
        assert!(profile.contains("This Week in Rust 680"));
        assert!(profile.contains("Suggested 1 winner of This Week in Rust&#x27;s Crates and Quotes of the Week, the latest serde in issue 680."), "{profile}");
        assert!(profile.contains(r#"<img src="/badges/crates/serde.svg""#), "the headline's badge");
        assert!(app.get("/badges/crates/serde.svg").await.text().await.unwrap().contains("TWiR 680"));
        twir_picks::actions::editor::announce_published_picks(&app.state).await.unwrap();
        twir_picks::actions::editor::announce_published_picks(&app.state).await.unwrap();
        assert_eq!(picked_events(), 1);
    }
}

on_both_backends! {
    async fn a_nominations_page_shows_its_standing_and_its_preview_says_what_it_won(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let serde = alice.nominated_crate("serde").await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        bob.vote(serde).await;
        let page = app.get(&format!("/nominations/{serde}")).await.text().await.unwrap();
        assert!(page.contains("On the ballot of issue 680: <strong>#1</strong> with 1 vote. Voting closes"), "{page}");
        assert!(page.contains(&format!(r#"<a href="/login?next&#x3D;%2Fnominations%2F{serde}">Log in with GitHub to vote</a>"#)), "{page}");
        assert!(page.contains(r#"content="serde · Nominated for Crate of the Week, This Week in Rust 680""#), "{page}");

        let editor = app.logged_in(Profile::new(99, "llogiq")).await;
        editor.post("/editor/picks", &[("nomination_id", &serde.to_string())]).await;
        let page = app.get(&format!("/nominations/{serde}")).await.text().await.unwrap();
        assert!(page.contains("Nominated for Crate of the Week"), "embargoed: the preview does not tell");
        assert_eq!(editor.post("/editor/weeks/680/publish", &[]).await.status(), 303);
        let page = app.get(&format!("/nominations/{serde}")).await.text().await.unwrap();
        assert!(page.contains(r#"content="serde · Crate of the Week, This Week in Rust 680""#), "{page}");
        assert!(page.contains("Crate of the Week in This Week in Rust 680"));
    }
}

on_both_backends! {
    async fn the_desk_flags_a_crate_that_won_before(backend) {
        let app = spawn_app_with(backend, |a| {
            a.editors = "llogiq".into();
            a.allow_repeat_after_weeks = 1;
            a.ballot_weeks = 1;
        })
        .await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let serde = alice.nominated_crate("serde").await;
        let editor = app.logged_in(Profile::new(99, "llogiq")).await;
        editor.post("/editor/picks", &[("nomination_id", &serde.to_string())]).await;
        assert_eq!(editor.post("/editor/weeks/680/publish", &[]).await.status(), 303);
        // Three weeks later serde is nominated again: allowed, and flagged on the desk.
        app.clock.set("2026-12-16T13:00:00Z".parse().unwrap());
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        let again = bob.nominated_crate("serde").await;
        assert_ne!(again, serde);
        let editor = app.logged_in(Profile::new(99, "llogiq")).await;
        let issue = app.state.open_week().await.unwrap().issue;
        let desk = editor.get_text(&format!("/editor?issue={issue}")).await;
        let entry = &desk[desk.find(&format!(r#"id="nomination-{again}""#)).unwrap()..];
        let entry = &entry[..entry.find("</li>").unwrap()];
        assert!(entry.contains("Crate of the Week in issue 680 already"), "{entry}");
        // What crates.io said of it, from the answer fetched for the nomination.
        assert!(entry.contains("1k downloads (120 in 90 days) · on crates.io for 7 years"), "{entry}");
        assert!(entry.contains("<dt>Nominated before</dt><dd>issue 680 (no vote)</dd>"), "{entry}");
    }
}

on_both_backends! {
    async fn winners_are_worth_sharing_and_imported_issues_have_a_page(backend) {
        let app = spawn_app_with(backend, |_| {}).await;
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/history/2019-01-29-this-week-in-rust.md"),
            dir.path().join("2019-01-29-this-week-in-rust.md"),
        )
        .unwrap();
        let out = app.cli(&["import-history", dir.path().to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        // /weeks/271, from before the site: what the issue printed.
        let page = app.get("/weeks/271").await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("<h1>This Week in Rust 271</h1>"), "{html}");
        assert!(html.contains("it lets you choose between type erasure and monomorphization"), "the quote itself: {html}");
        assert!(html.contains(r#"href="https://this-week-in-rust.org/blog/"#), "a link to the issue");
        assert_eq!(app.get("/weeks/3").await.status(), 404);
        // The winners page shows the quote, not only who said it.
        let winners = app.get("/winners").await.text().await.unwrap();
        assert!(winners.contains("<blockquote class=\"prose\">Rust is kind of nice"), "{winners}");
    }
}

on_both_backends! {
    async fn every_nominators_words_are_kept_and_the_editor_chooses(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
        let alice = app.logged_in(Profile::new(1, "alice").named("Alice")).await;
        let serde = alice.nominated_crate("serde").await;
        let bob = app.logged_in(Profile::new(2, "bob").named("Bob")).await;
        let res = bob.post("/nominations", &[
            ("category", "crate"), ("crate_name", "serde"), ("pitch", "the way Rust speaks JSON, YAML and more"),
            ("why", "it saved my week"),
        ]).await;
        assert_eq!(res.status(), 303);
        let editor = app.logged_in(Profile::new(99, "llogiq")).await;
        let desk = editor.get_text("/editor").await;
        let entry = &desk[desk.find(&format!(r#"id="nomination-{serde}""#)).unwrap()..];
        let entry = &entry[..entry.find("</li>").unwrap()];
        assert!(entry.contains("Bob's own words"), "{entry}");
        assert!(entry.contains("the way Rust speaks JSON, YAML and more") && entry.contains("it saved my week"), "{entry}");
        // The editor prints Bob's wording; Alice's stays kept as hers.
        let res = editor.post(&format!("/editor/nominations/{serde}/edit"), &[
            ("pitch", "the way Rust speaks JSON, YAML and more"), ("why", "it saved my week"), ("url", ""), ("reason", "Bob's wording"),
        ]).await;
        assert_eq!(res.status(), 303);
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        let attribution = shortlist["categories"]["crate"][0]["attribution"].as_str().unwrap();
        assert!(attribution.contains("the way Rust speaks JSON, YAML and more."), "{attribution}");
        assert!(attribution.contains("Thanks to [Alice](") && attribution.contains(" and [Bob]("), "{attribution}");
        // Bob's export holds his own words.
        let export = bob.json("/me/export.json").await;
        assert_eq!(export["nominations"][0]["role"], "co-nominator");
    }
}
