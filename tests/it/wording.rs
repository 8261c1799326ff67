//! Rewording a nomination before picking (the nominator's words
//! kept, the attribution printing the editors'), and an own choice's credit line worded by the
//! editor.

use crate::common;

use common::{spawn_app_with, Profile};
use diesel::prelude::*;

on_both_backends! {
    async fn an_editor_rewords_a_nomination_and_the_attribution_prints_it(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
        let alice = app.logged_in(Profile::new(2, "alice").named("Alice")).await;
        let serde = alice.nominated_crate("serde").await;
        let path = format!("/editor/nominations/{serde}/edit");

        let reader = app.logged_in(Profile::new(5, "reader")).await;
        assert_eq!(reader.post(&path, &[("pitch", "x")]).await.status(), 403);

        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        let form = editor.get_text(&path).await;
        assert!(form.contains(r#"value="a crate worth a look""#), "prefilled: {form}");
        // Refused: the typed text comes back.
        let res = editor.post(&path, &[("pitch", ""), ("why", "kept words"), ("reason", "shorter")]).await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(body.contains("kept words") && body.contains(r#"value="shorter""#), "{body}");

        let res = editor
            .post(&path, &[("pitch", "a framework for serializing and deserializing Rust data structures"), ("reason", "clearer")])
            .await;
        assert_eq!(res.status(), 303);
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        let entry = &shortlist["categories"]["crate"][0];
        assert!(entry["attribution"].as_str().unwrap().starts_with(
            "This week's crate is [serde](https://crates.io/crates/serde), a framework for serializing and deserializing Rust data structures."
        ));
        assert_eq!(entry["crate"]["pitch"], "a framework for serializing and deserializing Rust data structures");
        // The nominator's words are kept; the page says the wording was edited; the audit log
        // has before and after.
        let mut conn = common::raw_connection(&app.database_url);
        let kept: Option<String> = twir_picks::schema::original_wording::table
            .find(serde)
            .select(twir_picks::schema::original_wording::pitch)
            .first(&mut *conn)
            .unwrap();
        assert_eq!(kept.as_deref(), Some("a crate worth a look"));
        assert!(app.get(&format!("/nominations/{serde}")).await.text().await.unwrap().contains("Wording edited by the editors."));
        let audit = editor.get_text("/editor/audit").await;
        assert!(audit.contains("edit_wording") && audit.contains("clearer") && audit.contains("a crate worth a look"), "{audit}");

        // Once the issue is published with it, the wording is final.
        editor.post("/editor/picks", &[("nomination_id", &serde.to_string())]).await;
        let issue = app.state.open_week().await.unwrap().issue;
        assert_eq!(editor.post(&format!("/editor/weeks/{issue}/publish"), &[]).await.status(), 303);
        assert_eq!(editor.post(&path, &[("pitch", "too late"), ("reason", "")]).await.status(), 409);
    }
}

on_both_backends! {
    async fn an_own_choice_prints_the_credit_line_the_editor_wrote(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        let res = editor
            .post(
                "/editor/picks",
                &[
                    ("category", "crate"),
                    ("crate_name", "serde"),
                    ("pitch", "a serialization framework"),
                    ("credit", "llogiq is exceedingly pleased with his <b>suggestion</b>."),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        let section = shortlist["sections"]["crate"].as_str().unwrap();
        assert!(
            section.contains("a serialization framework.\n\nllogiq is exceedingly pleased with his &lt;b>suggestion&lt;/b>.\n"),
            "the editor's words, as text: {section}"
        );
    }
}

on_both_backends! {
    /// Golden: a nomination typed in a hurry, reworded by the editor, prints issue 2023-04-19's
    /// section byte for byte (the forum link replaced by this service's permalink).
    async fn an_edited_wording_rebuilds_a_real_section(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
        app.crates_io.add("onlyerror", "Obsessively tiny error derive macro", Some("https://github.com/parasyte/onlyerror"));
        let jay = app.logged_in(Profile::new(2, "jayoster").named("Jay Oster")).await;
        let res = jay
            .post(
                "/nominations",
                &[
                    ("category", "crate"),
                    ("crate_name", "onlyerror"),
                    ("pitch", "derive Error, works with no_std"),
                    ("self_suggestion", "on"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let id: i32 = res.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().parse().unwrap();
        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        let res = editor
            .post(
                &format!("/editor/nominations/{id}/edit"),
                &[
                    ("pitch", "a `#[derive(Error)]` macro with support for `no_std` on nightly compilers"),
                    ("reason", "TWiR's wording"),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
        let section = include_str!("../fixtures/twir-examples/crate-of-the-week.md")
            .split("## 2023-04-19-this-week-in-rust.md\n\n")
            .nth(1)
            .unwrap()
            .split("\n\n## ")
            .next()
            .unwrap()
            .trim()
            .replace(
                "https://users.rust-lang.org/t/crate-of-the-week/2704/1186",
                &app.settings().absolute(&format!("/nominations/{id}")),
            );
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        assert_eq!(shortlist["categories"]["crate"][0]["attribution"], section.as_str());
    }
}
