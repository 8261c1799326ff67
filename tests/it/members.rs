//! Members in control of their account: sessions listed and ended one by one, an editor's
//! sign-out, the export of everything stored about them, and the deletion of the account.

use crate::common;

use common::browser::{counts, location, Browser};
use common::{spawn_app_with, Profile, TestApp};
use diesel::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use twir_picks::schema::{audit_log, sessions, users, votes};

async fn app_with_editor(backend: common::Backend) -> (TestApp, Browser) {
    let app = spawn_app_with(backend, |a| {
        a.editors = "llogiq".into();
        a.privacy_contact = Some("privacy@picks.example".into());
    })
    .await;
    let editor = app.logged_in(Profile::new(99, "llogiq").named("llogiq")).await;
    (app, editor)
}

/// The session ids `/me/sessions` lists, and which one is the browser's own.
async fn listed_sessions(browser: &Browser) -> (Vec<String>, String) {
    let html = browser.get_text("/me/sessions").await;
    let mut ids = Vec::new();
    let mut this = String::new();
    for row in html.split("<li").skip(1) {
        let Some(start) = row.find("/me/sessions/") else {
            continue;
        };
        let id: String = row[start + "/me/sessions/".len()..]
            .chars()
            .take_while(|c| c.is_ascii_hexdigit())
            .collect();
        if id.is_empty() {
            continue;
        }
        if row.contains("(this session)") {
            this = id.clone();
        }
        ids.push(id);
    }
    (ids, this)
}

fn last_seen(app: &TestApp, id: &str) -> chrono::NaiveDateTime {
    let mut conn = app.state.db.get().unwrap();
    sessions::table
        .find(id)
        .select(sessions::last_seen_at)
        .first(&mut *conn)
        .unwrap()
}

on_both_backends! {
    async fn a_member_ends_one_session_and_the_other_keeps_working(backend) {
        let (app, editor) = app_with_editor(backend).await;
        let laptop = app.logged_in(Profile::new(1, "alice")).await;
        let phone = app.logged_in(Profile::new(1, "alice")).await;
        let (ids, this) = listed_sessions(&laptop).await;
        assert_eq!(ids.len(), 2, "both sessions listed");
        assert!(ids.contains(&this));
        let page = laptop.get_text("/me/sessions").await;
        assert!(page.contains("after 7 days without use, and 30 days after you logged in"), "lifetimes shown");
        let (_, phone_id) = listed_sessions(&phone).await;
        assert_ne!(phone_id, this);

        // Another member cannot end alice's session, nor learn that it exists.
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        let res = bob.post(&format!("/me/sessions/{phone_id}/end"), &[]).await;
        assert_eq!(res.status(), 404);
        assert_eq!(phone.me().await.0, 200);
        // No GET ends anything.
        assert_eq!(laptop.get(&format!("/me/sessions/{phone_id}/end")).await.status(), 404);

        // The lost phone is signed out from the laptop; the laptop keeps working.
        let res = laptop.post(&format!("/me/sessions/{phone_id}/end"), &[]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/me/sessions");
        assert_eq!(phone.me().await.0, 401);
        assert_eq!(laptop.me().await.0, 200);
        assert_eq!(listed_sessions(&laptop).await.0, vec![this.clone()]);

        // End every other session: two more browsers signed out, this one kept.
        let tablet = app.logged_in(Profile::new(1, "alice")).await;
        let desktop = app.logged_in(Profile::new(1, "alice")).await;
        let res = laptop.post("/me/sessions/end-others", &[]).await;
        assert_eq!(res.status(), 303);
        assert!(laptop.get_text("/me/sessions").await.contains("2 other sessions have ended."));
        assert_eq!(tablet.me().await.0, 401);
        assert_eq!(desktop.me().await.0, 401);
        assert_eq!(laptop.me().await.0, 200);

        // Last seen is written at most once a minute, not per page view.
        let seen = last_seen(&app, &this);
        for _ in 0..5 {
            laptop.get("/me").await;
        }
        assert_eq!(last_seen(&app, &this), seen);
        app.clock.advance(chrono::Duration::seconds(61));
        laptop.get("/me").await;
        assert_eq!(last_seen(&app, &this), app.clock.now().naive_utc());

        // Ending this session is logging out.
        let res = laptop.post(&format!("/me/sessions/{this}/end"), &[]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(laptop.me().await.0, 401);

        // An editor signs a member out everywhere, with a reason, audited.
        let again = app.logged_in(Profile::new(1, "alice")).await;
        let res = editor.post("/editor/users/alice/sign-out", &[("reason", "cookie stolen")]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(again.me().await.0, 401);
        assert_eq!(editor.me().await.0, 200);
        let mut conn = app.state.db.get().unwrap();
        let audited: Vec<(String, String, Option<String>)> = audit_log::table
            .filter(audit_log::action.eq("sign_out"))
            .select((audit_log::actor, audit_log::target, audit_log::reason))
            .load(&mut *conn)
            .unwrap();
        assert_eq!(audited, vec![("llogiq".into(), "user alice".into(), Some("cookie stolen".into()))]);
        // Members cannot sign anyone out; an unknown login is a 404.
        assert_eq!(bob.post("/editor/users/llogiq/sign-out", &[("reason", "x")]).await.status(), 403);
        assert_eq!(editor.post("/editor/users/nobody-here/sign-out", &[]).await.status(), 404);
        // The desk's form does the same.
        let again = app.logged_in(Profile::new(1, "alice")).await;
        let res = editor.post("/editor/users/sign-out", &[("login", "alice"), ("reason", "")]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(again.me().await.0, 401);

        // A ban ends the sessions, and the list says why.
        let again = app.logged_in(Profile::new(1, "alice")).await;
        editor.post("/editor/users/ban", &[("login", "alice"), ("reason", "spam")]).await;
        assert_eq!(again.me().await.0, 401);
        let reasons: Vec<Option<String>> = sessions::table
            .inner_join(users::table)
            .filter(users::login.eq("alice"))
            .select(sessions::ended_reason)
            .load(&mut *conn)
            .unwrap();
        assert!(reasons.iter().all(Option::is_some), "every session of alice ended: {reasons:?}");
        assert!(reasons.contains(&Some("account banned".into())));
        assert!(reasons.contains(&Some("signed out by an editor".into())));
    }
}

on_both_backends! {
    async fn the_export_holds_every_row_about_the_member_and_nothing_of_another(backend) {
        let (app, editor) = app_with_editor(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice").named("Alice Liddell")).await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        let serde = alice.nominated_crate("serde").await;
        let quote = alice.nominated_quote("Types are documentation that the compiler checks.").await;
        let rayon = bob.nominated_crate("rayon").await;
        let tokio = bob.nominated_crate("tokio").await;
        // Alice joins bob's rayon; bob votes for her serde, alice for his tokio.
        assert_eq!(alice.nominated_crate("rayon").await, rayon);
        assert_eq!(alice.vote(tokio).await.status(), 303);
        assert_eq!(bob.vote(serde).await.status(), 303);
        // The editors reword alice's pitch: both wordings are hers to see.
        let res = editor.post(&format!("/editor/nominations/{serde}/edit"), &[
            ("pitch", "serialization, reworded by the editors"), ("reason", "typo"),
        ]).await;
        assert_eq!(res.status(), 303);

        let res = alice.get("/me/export.json").await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
        assert_eq!(res.headers()["cache-control"], "no-store");
        let text = res.text().await.unwrap();
        let export: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(export["account"]["login"], "alice");
        assert_eq!(export["account"]["github_id"], 1);
        assert_eq!(export["account"]["name"], "Alice Liddell");
        assert_eq!(export["sessions"].as_array().unwrap().len(), 1);
        let nominations = export["nominations"].as_array().unwrap();
        let by_id: HashMap<i64, &serde_json::Value> =
            nominations.iter().map(|n| (n["id"].as_i64().unwrap(), n)).collect();
        assert_eq!(by_id.len(), 3, "{nominations:?}");
        assert_eq!(by_id[&i64::from(serde)]["role"], "nominator");
        assert_eq!(by_id[&i64::from(serde)]["pitch"], "serialization, reworded by the editors");
        assert_eq!(by_id[&i64::from(serde)]["original_wording"]["pitch"], "a crate worth a look");
        assert_eq!(by_id[&i64::from(quote)]["role"], "nominator");
        assert_eq!(by_id[&i64::from(rayon)]["role"], "co-nominator");
        let votes = export["votes"].as_array().unwrap();
        assert_eq!(votes.len(), 1);
        assert_eq!(votes[0]["nomination_id"], tokio);
        assert_eq!(votes[0]["issue"], 680);
        let actions: Vec<&str> = export["audit"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
        assert!(actions.contains(&"login"), "{actions:?}");
        // Nothing of bob's: not his login, not his vote, not his session.
        assert!(!text.contains("bob"), "{text}");
        assert!(!text.contains("llogiq"), "the editor's own rows are not alice's");
        // Anonymous visitors have nothing to export.
        assert_eq!(app.get("/me/export.json").await.status(), 401);
    }
}

on_both_backends! {
    async fn deleting_an_account_keeps_the_past_loses_no_other_vote_and_starts_fresh(backend) {
        let (app, editor) = app_with_editor(backend).await;
        app.crates_io.add("clap", "Command line argument parser", Some("https://github.com/clap-rs/clap"));
        let alice = app.logged_in(Profile::new(1, "alice").named("Alice Liddell")).await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;

        // Issue 680: alice's rayon is picked; alice votes for bob's tokio.
        let rayon = alice.nominated_crate("rayon").await;
        let tokio = bob.nominated_crate("tokio").await;
        assert_eq!(alice.vote(tokio).await.status(), 303);
        assert_eq!(editor.post("/editor/picks", &[("nomination_id", &rayon.to_string())]).await.status(), 303);
        app.clock.set("2026-12-01T12:30:00Z".parse().unwrap());
        let editor = app.logged_in(Profile::new(99, "llogiq").named("llogiq")).await;
        assert_eq!(editor.post("/editor/weeks/680/publish", &[]).await.status(), 303);
        let past_before = app.browser().json("/api/v1/weeks/680").await;
        let winners_before = app.browser().json("/api/v1/winners").await;
        assert!(winners_before.to_string().contains("Alice Liddell"));

        // Issue 681: alice nominates anyhow alone, joins bob's clap and votes for it.
        let alice = app.logged_in(Profile::new(1, "alice").named("Alice Liddell")).await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        let anyhow = alice.nominated_crate("anyhow").await;
        let clap = bob.nominated_crate("clap").await;
        assert_eq!(alice.nominated_crate("clap").await, clap);
        let serde = bob.nominated_crate("serde").await;
        assert_eq!(alice.vote(serde).await.status(), 303);

        // Twelve members keep voting while alice deletes her account.
        let mut voters = Vec::new();
        for i in 0..12 {
            voters.push(Arc::new(app.logged_in(Profile::new(100 + i, &format!("voter{i}"))).await));
        }
        let stream: Vec<_> = voters
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let v = v.clone();
                tokio::spawn(async move {
                    let mut last = None;
                    for round in 0..6 {
                        let target = if (i + round) % 2 == 0 { clap } else { serde };
                        if v.vote(target).await.status() == 303 {
                            last = Some(target);
                        }
                    }
                    last
                })
            })
            .collect();
        let res = alice.post("/me/delete", &[("confirm_login", "Alice")]).await;
        assert_eq!(res.status(), 200, "the login compares without case");
        assert!(res.text().await.unwrap().contains("Your account is deleted"));
        let mut expected: HashMap<String, i32> = HashMap::new();
        for (i, handle) in stream.into_iter().enumerate() {
            expected.insert(format!("voter{i}"), handle.await.unwrap().expect("acknowledged votes"));
        }

        // Every other member's last acknowledged vote is stored and counted.
        let mut conn = app.state.db.get().unwrap();
        let stored: Vec<(String, i32)> = votes::table
            .inner_join(users::table)
            .filter(votes::week_issue.eq(681))
            .filter(votes::withdrawn.eq(false))
            .select((users::login, votes::nomination_id))
            .load(&mut *conn)
            .unwrap();
        let stored: HashMap<String, i32> = stored.into_iter().collect();
        assert_eq!(stored, expected, "no other vote lost, alice's gone");
        let week = app.browser().json("/api/v1/weeks/current").await;
        let want_clap = expected.values().filter(|&&n| n == clap).count() as i64;
        let want_serde = expected.values().filter(|&&n| n == serde).count() as i64;
        let mut got = counts(&week, "crate");
        got.sort();
        // bob's tokio stays on the ballot from issue 680, with no vote of this week.
        let mut want = vec![(clap, want_clap), (serde, want_serde), (tokio, 0)];
        want.sort();
        assert_eq!(got, want, "anyhow withdrawn; clap stays for bob; alice's vote not counted");
        assert_eq!(week.to_string().matches("Alice").count(), 0);

        // The past stands: issue 680's pick, its printed attribution and its tally (alice's vote
        // for tokio still counts, without her name).
        let mut past_after = app.browser().json("/api/v1/weeks/680").await;
        let rayon_entry = past_after["categories"]["crate"].as_array_mut().unwrap().iter_mut().find(|e| e["nomination_id"] == rayon).unwrap();
        assert_eq!(rayon_entry["nominators"], serde_json::json!([]), "no login for a deleted account");
        rayon_entry["nominators"] = serde_json::json!(["alice"]);
        assert_eq!(past_after, past_before, "picks, votes and ranks of issue 680 unchanged");
        assert_eq!(app.browser().json("/api/v1/winners").await, winners_before);

        // Nowhere does the login show again; the profile is gone.
        assert_eq!(app.get("/users/alice").await.status(), 404);
        assert_eq!(app.get("/users/alice/feed.xml").await.status(), 404);
        for path in [
            "/".to_string(), "/winners".into(), "/feed.xml".into(), "/editor".into(), "/editor?issue=680".into(),
            "/editor/audit".into(), format!("/nominations/{rayon}"), format!("/nominations/{clap}"),
            format!("/nominations/{anyhow}"), "/api/v1/weeks/680".into(), "/api/v1/editor/shortlist".into(),
        ] {
            let body = editor.get_text(&path).await;
            assert!(!body.contains("alice"), "{path} shows the deleted login");
            assert!(!body.contains("/users/(deleted)"), "{path} links to a tombstone");
        }
        let bob_export = bob.get_text("/me/export.json").await;
        assert!(!bob_export.contains("alice"), "{bob_export}");
        let audit: Vec<(String, String)> = audit_log::table
            .filter(audit_log::action.eq("account_delete"))
            .select((audit_log::actor, audit_log::target))
            .load(&mut *conn)
            .unwrap();
        assert_eq!(audit, vec![("a deleted member".into(), "a deleted member".into())]);

        // The old session is over; the same GitHub account starts a new, empty account.
        assert_eq!(alice.me().await.0, 401);
        let returning = app.logged_in(Profile::new(1, "alice")).await;
        assert_eq!(returning.me().await.0, 200);
        let export = returning.json("/me/export.json").await;
        assert_eq!(export["nominations"].as_array().unwrap().len(), 0);
        assert_eq!(export["votes"].as_array().unwrap().len(), 0);
        type Tombstone = (i32, Option<i64>, Option<String>, Option<String>);
        let tombstones: Vec<Tombstone> = users::table
            .filter(users::deleted_at.is_not_null())
            .select((users::id, users::github_id, users::name, users::avatar_url))
            .load(&mut *conn)
            .unwrap();
        assert_eq!(tombstones.len(), 1);
        assert_eq!((tombstones[0].1, tombstones[0].2.clone(), tombstones[0].3.clone()), (None, None, None));
        assert_ne!(export["account"]["id"], tombstones[0].0, "a new account");
    }
}

on_both_backends! {
    async fn deletion_asks_for_the_login_and_keeps_what_was_typed(backend) {
        let (app, _editor) = app_with_editor(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let res = alice.post("/me/delete", &[("confirm_login", "alicia")]).await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(html.contains("type your login (alice)"), "{html}");
        assert!(html.contains(r#"value="alicia""#), "the typed text comes back");
        assert_eq!(alice.me().await.0, 200, "nothing deleted");
        // An editor's role goes with the account: the grant is revoked, the binding released.
        assert!(app.cli(&["editor", "grant", "ed"]).status.success());
        let ed = app.logged_in(Profile::new(7, "ed")).await;
        assert_eq!(ed.me().await.1["is_editor"], true);
        assert_eq!(ed.post("/me/delete", &[("confirm_login", "ed")]).await.status(), 200);
        let again = app.logged_in(Profile::new(7, "ed")).await;
        assert_eq!(again.me().await.1["is_editor"], false);
        assert_eq!(again.get("/editor").await.status(), 403);
    }
}

on_both_backends! {
    async fn the_privacy_page_says_what_is_kept_and_who_to_ask(backend) {
        let (app, _editor) = app_with_editor(backend).await;
        let html = app.get("/privacy").await.text().await.unwrap();
        for needed in ["GitHub", "avatar", "sessions", "audit", "crates.io", "forum", "webhooks", "/me/export.json", "Delete your account", "privacy@picks.example", "in memory"] {
            assert!(html.contains(needed), "privacy page lacks {needed}");
        }
        assert!(app.get("/").await.text().await.unwrap().contains(r#"<a href="/privacy">Privacy</a>"#));
    }
}
