//! Two crates in one week: an editor adds a second crate
//! beside the week's pick; the section prints TWiR's two-crate shape; the database keeps one
//! pick per place when editors race; the archive, API, feed and `fill-draft` carry both.

use crate::common;

use common::{spawn_app_with, Browser, Profile, TestApp};

async fn app_with_two_editors(backend: common::Backend) -> (TestApp, Browser, Browser) {
    let app = spawn_app_with(backend, |a| a.editors = "llogiq,nellshamrell".into()).await;
    let llogiq = app.logged_in(Profile::new(99, "llogiq")).await;
    let nell = app.logged_in(Profile::new(98, "nellshamrell")).await;
    (app, llogiq, nell)
}

fn id(n: i32) -> String {
    n.to_string()
}

async fn post(b: &Browser, form: Vec<(&'static str, String)>) -> reqwest::Response {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post("/editor/picks", &form).await
}

on_both_backends! {
    async fn a_second_crate_prints_the_two_crate_section_everywhere(backend) {
        let (app, editor, _) = app_with_two_editors(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice").named("Alice")).await;
        let bob = app.logged_in(Profile::new(2, "bob").named("Bob")).await;
        let serde = alice.nominated_crate("serde").await;
        let tokio = bob.nominated_crate("tokio").await;
        let rayon = bob.nominated_crate("rayon").await;
        let quote = alice.nominated_quote("Fearless concurrency.").await;

        // A second needs a first, and only crates have one.
        let second = |n: i32| vec![("nomination_id", id(n)), ("second", "1".to_string())];
        assert_eq!(post(&editor, second(tokio)).await.status(), 409);
        assert_eq!(post(&editor, vec![("nomination_id", id(serde))]).await.status(), 303);
        assert_eq!(post(&editor, vec![("nomination_id", id(quote))]).await.status(), 303);
        assert_eq!(post(&editor, second(quote)).await.status(), 409);
        // A plain pick still finds the place taken (and says a second is possible).
        let taken = post(&editor, vec![("nomination_id", id(tokio))]).await;
        assert_eq!(taken.status(), 409);
        assert!(taken.text().await.unwrap().contains("second crate"));
        let desk = editor.get_text("/editor").await;
        assert!(desk.contains("Add as a second crate"), "the desk offers a second crate");

        let res = post(&editor, second(tokio)).await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/editor?issue=680#section-crate");
        assert_eq!(post(&editor, second(rayon)).await.status(), 409, "two crates at most");
        assert_eq!(post(&editor, second(serde)).await.status(), 409, "a nomination is picked once");

        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        assert_eq!(shortlist["picks"]["crate"]["nomination_id"], serde);
        assert_eq!(shortlist["picks"]["crate"]["second"]["nomination_id"], tokio);
        assert!(shortlist["picks"]["quote"].get("second").is_none());
        let (a, b) = (
            app.settings().absolute(&format!("/nominations/{serde}")),
            app.settings().absolute(&format!("/nominations/{tokio}")),
        );
        let expected = format!(
            "## Crate of the Week\n\nThis week's crates are [serde](https://crates.io/crates/serde), a crate worth a look and [tokio](https://crates.io/crates/tokio), a crate worth a look.\n\nThanks to [Alice]({a}) and [Bob]({b}) for the suggestions!\n\n[Please submit your suggestions and votes for next week][submit_crate]!\n\n[submit_crate]: {}",
            app.settings().submit_crate_url
        );
        assert_eq!(shortlist["sections"]["crate"], expected.as_str());
        let desk = editor.get_text("/editor").await;
        assert!(desk.contains("This week&#x27;s crates are [serde]") || desk.contains("This week's crates are [serde]"), "{desk}");
        assert!(!desk.contains("Add as a second crate"));

        // The public week marks both, once the issue is out (before, the pick is embargoed).
        let week = app.get("/api/v1/weeks/current").await.json::<serde_json::Value>().await.unwrap();
        assert!(week["picks"]["crate"].is_null(), "embargoed: {week}");
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        assert_eq!(shortlist["picks"]["crate"]["second"]["nomination_id"], tokio);

        // fill-draft prints the pair.
        let dir = tempfile::tempdir().unwrap();
        let draft = dir.path().join("draft.md");
        std::fs::write(&draft, include_str!("../fixtures/DRAFT_TEMPLATE.md")).unwrap();
        let out = app.cli(&["fill-draft", "--allow-local", "--week", "680", draft.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let filled = std::fs::read_to_string(&draft).unwrap();
        assert!(filled.contains(&format!("This week's crates are [serde](https://crates.io/crates/serde), a crate worth a look and [tokio](https://crates.io/crates/tokio), a crate worth a look.\n\nThanks to [Alice]({a}) and [Bob]({b}) for the suggestions!")), "{filled}");

        // Taking back one crate leaves the other as the week's crate.
        let res = editor.post("/editor/unpick", &[("category", "crate"), ("nomination_id", &id(serde))]).await;
        let status = res.status();
        assert_eq!(status, 303, "{}", res.text().await.unwrap_or_default());
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        assert_eq!(shortlist["picks"]["crate"]["nomination_id"], tokio);
        assert!(shortlist["sections"]["crate"].as_str().unwrap().contains("This week's crate is [tokio]"));
        let res = post(&editor, second(serde)).await;
        let status = res.status();
        assert_eq!(status, 303, "{}", res.text().await.unwrap_or_default());

        // Published: the archive, the API and the feed list both.
        assert_eq!(editor.post("/editor/weeks/680/publish", &[]).await.status(), 303);
        let winners = app.get("/api/v1/winners").await.json::<serde_json::Value>().await.unwrap();
        let crates: Vec<&str> = winners
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["issue"] == 680 && w["category"] == "crate")
            .map(|w| w["name"].as_str().unwrap())
            .collect();
        assert_eq!(crates, ["tokio", "serde"]);
        let page = app.get("/winners").await.text().await.unwrap();
        assert!(page.contains(">tokio</a>") && page.contains(">serde</a>"));
        let feed: atom_syndication::Feed = app.get("/feed.xml").await.text().await.unwrap().parse().unwrap();
        let ids: std::collections::HashSet<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), feed.entries.len(), "feed ids are unique");
        let titles: Vec<&str> = feed.entries.iter().map(|e| e.title.as_str()).collect();
        assert!(titles.contains(&"Crate of the Week in issue 680: tokio") && titles.contains(&"Crate of the Week in issue 680: serde"), "{titles:?}");
    }
}

on_both_backends! {
    async fn two_editors_adding_a_second_crate_at_once_get_one(backend) {
        let (app, llogiq, nell) = app_with_two_editors(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let first = alice.nominated_crate("serde").await;
        let a = alice.nominated_crate("tokio").await;
        let b = alice.nominated_crate("rayon").await;
        assert_eq!(llogiq.post("/editor/picks", &[("nomination_id", &id(first))]).await.status(), 303);
        for _ in 0..3 {
            let (ra, rb) = tokio::join!(
                post(&llogiq, vec![("nomination_id", id(a)), ("second", "1".into())]),
                post(&nell, vec![("nomination_id", id(b)), ("second", "1".into())]),
            );
            let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
            statuses.sort();
            assert_eq!(statuses, [303, 409]);
            let week = llogiq.json("/api/v1/editor/shortlist").await;
            let second = week["picks"]["crate"]["second"]["nomination_id"].as_i64().unwrap() as i32;
            assert!(second == a || second == b);
            let res = llogiq.post("/editor/unpick", &[("category", "crate"), ("nomination_id", &id(second))]).await;
            assert_eq!(res.status(), 303);
        }
    }
}
