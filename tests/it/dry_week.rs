//! Dry weeks: with fewer than three entries and no pick,
//! the desk offers unpicked nominations from earlier weeks (with their votes; picking one
//! thanks its nominator) and recent crates from crates.io's summary that were never featured,
//! each opening the own-choice form prefilled; the public page says the category is empty.

use crate::common;

use common::{spawn_app_with, Profile};

on_both_backends! {
    async fn a_dry_week_offers_earlier_nominations_and_recent_crates(backend) {
        let app = spawn_app_with(backend, |a| {
            a.editors = "llogiq".into();
            a.ballot_weeks = 0;
        })
        .await;
        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        let alice = app.logged_in(Profile::new(2, "alice").named("Alice")).await;
        let bob = app.logged_in(Profile::new(3, "bob")).await;
        // Issue 680: serde wins; tokio gets a vote but is not picked; rayon is withdrawn.
        let serde = alice.nominated_crate("serde").await;
        let tokio = alice.nominated_crate("tokio").await;
        let quote = bob.nominated_quote("Old but gold.").await;
        assert_eq!(bob.vote(tokio).await.status(), 303);
        assert_eq!(editor.post("/editor/picks", &[("nomination_id", &serde.to_string())]).await.status(), 303);
        // Not dry in 680 (the pick stands): an old nomination cannot be picked into a full week.
        assert_eq!(editor.post("/editor/week/close", &[]).await.status(), 303);
        assert_eq!(app.browser().json("/api/v1/weeks/current").await["issue"], 681);

        // The public page says plainly that nothing is nominated, and invites.
        let page = app.get("/").await.text().await.unwrap();
        assert!(page.contains("Nothing nominated yet this week: no crate suggestions so far."), "{page}");
        assert!(page.contains("nominate one"), "{page}");

        // crates.io down: the earlier nominations still show, with the reason for the rest.
        app.crates_io.set_summary(&["literator", "serde"], &["anyhow", "literator"]);
        app.crates_io.go_silent(true);
        // The desk opens the week just closed (680) until it is published: 681 by its number.
        let desk = editor.get_text("/editor?issue=681").await;
        assert!(desk.contains("A dry week: candidates"), "{desk}");
        assert!(desk.contains("crates.io could not be read"), "{desk}");
        assert!(desk.contains(&format!(r#"id="earlier-{tokio}""#)), "{desk}");
        app.crates_io.go_silent(false);

        let desk = editor.get_text("/editor?issue=681").await;
        assert!(desk.contains("1 vote ·"), "tokio had one vote: {desk}");
        assert!(desk.contains(&format!(r#"id="earlier-{quote}""#)), "the quote too: {desk}");
        assert!(!desk.contains(&format!(r#"id="earlier-{serde}""#)), "serde was picked");
        // Recent crates, new first, each once, never-featured only, with the description.
        let literator = desk.find(r#"id="recent-literator""#).expect("literator offered");
        let anyhow = desk.find(r#"id="recent-anyhow""#).expect("anyhow offered");
        assert!(literator < anyhow);
        assert_eq!(desk.matches(r#"id="recent-literator""#).count(), 1);
        assert!(!desk.contains(r#"id="recent-serde""#), "serde was Crate of the Week");
        assert!(desk.contains("Efficient conversion of iterators to readable strings"));
        assert!(desk.contains("/editor?issue=681&amp;choose=literator#own-choice-crate"), "{desk}");
        // The summary is asked for once an hour, not on every page.
        let asked = app.crates_io.summary_requests();
        editor.get_text("/editor?issue=681").await;
        assert_eq!(app.crates_io.summary_requests(), asked);

        // "Choose literator" opens the own-choice form prefilled.
        let form = editor.get_text("/editor?issue=681&choose=literator").await;
        assert!(form.contains(r#"id="own-choice-crate" open"#), "{form}");
        assert!(form.contains(r#"name="crate_name" required maxlength="64" value="literator""#), "{form}");
        assert!(form.contains(r#"value="efficient conversion of iterators to readable strings""#), "{form}");

        // Picking tokio from issue 680 thanks its nominator.
        let res = editor.post("/editor/picks", &[("nomination_id", &tokio.to_string())]).await;
        assert_eq!(res.status(), 303);
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        assert_eq!(shortlist["picks"]["crate"]["nomination_id"], tokio);
        let permalink = app.settings().absolute(&format!("/nominations/{tokio}"));
        assert!(
            shortlist["sections"]["crate"].as_str().unwrap().contains(&format!("Thanks to [Alice]({permalink}) for the suggestion!")),
            "{}", shortlist["sections"]["crate"]
        );
        // With the pick the crate category is no longer dry; the quote one still is.
        let desk = editor.get_text("/editor?issue=681").await;
        assert!(!desk.contains(r#"id="dry-crate""#) && desk.contains(r#"id="dry-quote""#), "{desk}");
    }
}

on_both_backends! {
    async fn an_old_nomination_is_not_picked_into_a_full_week(backend) {
        let app = spawn_app_with(backend, |a| {
            a.editors = "llogiq".into();
            a.ballot_weeks = 0;
        })
        .await;
        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        let alice = app.logged_in(Profile::new(2, "alice")).await;
        let old = alice.nominated_crate("serde").await;
        assert_eq!(editor.post("/editor/week/close", &[]).await.status(), 303);
        for name in ["tokio", "rayon", "anyhow"] {
            alice.nominated_crate(name).await;
        }
        let res = editor.post("/editor/picks", &[("nomination_id", &old.to_string())]).await;
        assert_eq!(res.status(), 409, "three entries: not a dry week");
        let open = app.state.open_week().await.unwrap().issue;
        assert!(!editor.get_text(&format!("/editor?issue={open}")).await.contains(r#"id="dry-crate""#));
    }
}
