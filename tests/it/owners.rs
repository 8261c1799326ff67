//! Credits checked against crates.io owners: an owner is thanked for the self-suggestion even
//! unticked; a claim that is not borne out stands but is shown on the desk; with crates.io down
//! the word stands, marked unchecked, and is checked again later.

use crate::common;

use common::{spawn_app_with, Profile};

fn self_suggestion_of(shortlist: &serde_json::Value, name: &str) -> (bool, String) {
    let e = shortlist["categories"]["crate"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["crate"]["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {shortlist:#}"));
    (
        e["self_suggestion"].as_bool().unwrap(),
        e["attribution"].as_str().unwrap().to_string(),
    )
}

on_both_backends! {
    async fn credits_are_checked_against_crates_io_owners(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
        app.crates_io.set_owners("serde", &["Alice", "github:serde-rs:maintainers"]);
        app.crates_io.set_owners("rayon", &["someone-else"]);
        app.crates_io.set_owners("tokio", &["carol"]);

        // An owner who did not tick the box.
        let alice = app.logged_in(Profile::new(2, "alice")).await;
        assert_eq!(alice.nominate_crate("serde", "a serialization framework").await.status(), 303);
        // A claim crates.io does not bear out.
        let bob = app.logged_in(Profile::new(3, "bob")).await;
        let res = bob
            .post("/nominations", &[("category", "crate"), ("crate_name", "rayon"), ("pitch", "data parallelism"), ("self_suggestion", "on")])
            .await;
        assert_eq!(res.status(), 303);
        // crates.io down when Carol says it is hers.
        let carol = app.logged_in(Profile::new(4, "carol")).await;
        app.crates_io.add("tokio", "An event-driven, non-blocking I/O platform", None);
        app.crates_io.go_silent(true);
        let res = carol
            .post("/nominations", &[("category", "crate"), ("crate_name", "tokio"), ("pitch", "async I/O"), ("self_suggestion", "on")])
            .await;
        assert_eq!(res.status(), 303);
        app.crates_io.go_silent(false);

        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        let (serde, serde_text) = self_suggestion_of(&shortlist, "serde");
        assert!(serde && serde_text.ends_with("for the self-suggestion!"), "an owner: {serde_text}");
        let (rayon, _) = self_suggestion_of(&shortlist, "rayon");
        assert!(rayon, "the nominator's word stands");
        let desk = editor.get_text("/editor").await;
        assert!(desk.contains("bob says self-suggestion, not an owner on crates.io"), "{desk}");
        assert!(desk.contains("carol says self-suggestion, not yet checked on crates.io"), "{desk}");

        // Checked again once crates.io answers.
        let checked = twir_picks::actions::nominate::check_pending_owners(&app.state).await.unwrap();
        assert_eq!(checked, 1);
        let desk = editor.get_text("/editor").await;
        assert!(!desk.contains("carol says self-suggestion"));
        let (tokio, _) = self_suggestion_of(&editor.json("/api/v1/editor/shortlist").await, "tokio");
        assert!(tokio);
    }
}
