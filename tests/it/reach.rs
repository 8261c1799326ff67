//! Reach: public profiles and their feeds, README badges for crates, link previews, and
//! webhooks that tell chat rooms when to nominate and vote.

use crate::common;

use common::{spawn_app_with, Profile};

on_both_backends! {
    async fn profiles_feeds_badges_and_link_previews(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
        let carol = app
            .logged_in(Profile::new(3, "carol").named("<script>alert('Carol')</script>"))
            .await;
        let serde = carol.nominated_crate("serde").await;
        let rayon = carol.nominated_crate("rayon").await;
        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        let issue = app.state.open_week().await.unwrap().issue;
        let res = editor.post("/editor/picks", &[("nomination_id", &serde.to_string()), ("issue", &issue.to_string())]).await;
        assert_eq!(res.status(), 303);
        // Embargoed until the issue's publication day: no win on the profile, feed or badge yet.
        let early = app.get("/users/carol").await.text().await.unwrap();
        assert!(!early.contains(&format!("This Week in Rust {issue}")), "{early}");
        let badge = app.get("/badges/crates/serde.svg").await.text().await.unwrap();
        assert!(!badge.contains("TWiR"), "{badge}");
        let feed = app.get("/users/carol/feed.xml").await.text().await.unwrap();
        assert!(atom_syndication::Feed::read_from(feed.as_bytes()).unwrap().entries().is_empty());
        // The publication day: public, though nobody marked the issue published.
        let published_on = app.settings().calendar.publication_date(issue);
        app.clock.set(published_on.and_hms_opt(6, 0, 0).unwrap().and_utc());

        // The profile: wins and nominations, everything escaped.
        let page = app.get("/users/carol").await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(!html.contains("<script>alert"), "the name is text");
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains(&format!("This Week in Rust {issue}")), "{html}");
        assert!(html.contains(&format!("/nominations/{rayon}")));
        assert!(html.contains("/users/carol/feed.xml"));
        assert_eq!(app.get("/users/nobody-here").await.status(), 404);
        // A member with nothing picked yet has an empty feed, updated at a real time.
        let dave = app.logged_in(Profile::new(44, "dave")).await;
        dave.nominated_quote("Nothing picked yet.").await;
        let empty = app.get("/users/dave/feed.xml").await.text().await.unwrap();
        let empty = atom_syndication::Feed::read_from(empty.as_bytes()).expect("valid Atom");
        assert!(empty.entries().is_empty());
        assert!(empty.updated().timestamp() > 0, "updated in {}", empty.updated());
        // Logins are case-insensitive.
        assert_eq!(app.get("/users/CAROL").await.status(), 200);

        // The feed: what happened to her nominations, well-formed Atom.
        let feed = app.get("/users/carol/feed.xml").await;
        assert_eq!(feed.headers()["content-type"], "application/atom+xml; charset=utf-8");
        let xml = feed.text().await.unwrap();
        let parsed = atom_syndication::Feed::read_from(xml.as_bytes()).expect("valid Atom");
        assert_eq!(parsed.entries().len(), 1, "picked (not yet published)");
        assert!(parsed.entries()[0].title().as_str().contains("serde"));
        assert!(parsed.title().as_str().contains("<script>"), "the title is text in the XML, escaped by the writer");

        // Badges: a winner, a crate on the ballot, and nothing else.
        let badge = app.get("/badges/crates/serde.svg").await;
        assert_eq!(badge.status(), 200);
        assert_eq!(badge.headers()["content-type"], "image/svg+xml; charset=utf-8");
        let svg = badge.text().await.unwrap();
        assert!(svg.contains(&format!("TWiR {issue}")), "{svg}");
        let ballot = app.get("/badges/crates/rayon.svg").await.text().await.unwrap();
        assert!(ballot.contains("nominated · vote now"), "{ballot}");
        assert_eq!(app.get("/badges/crates/tokio.svg").await.status(), 404);
        assert_eq!(app.get("/badges/crates/%3Cscript%3E.svg").await.status(), 404);
        // The nomination page offers the badge's markdown, and a link preview.
        let nomination = app.get(&format!("/nominations/{rayon}")).await.text().await.unwrap();
        assert!(nomination.contains("/badges/crates/rayon.svg"));
        assert!(nomination.contains(r#"<meta property="og:title""#));
        assert!(nomination.contains(&format!(r#"<link rel="canonical" href="{}/nominations/{rayon}">"#, app.base)));
        let winners = app.get("/winners").await.text().await.unwrap();
        assert!(winners.contains(r#"<meta name="twitter:card" content="summary">"#));
    }
}

use common::fake_receiver::FakeReceiver;
use twir_picks::domain::webhook;

const SECRET: &str = "a webhook secret";

fn hooks(receiver: &FakeReceiver) -> String {
    format!("slack={0}/slack,discord={0}/discord,json={0}/json", receiver.base)
}

fn events(received: &[common::fake_receiver::Received]) -> Vec<serde_json::Value> {
    received
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

on_both_backends! {
    async fn every_event_reaches_each_kind_of_receiver_with_its_body_and_signature(backend) {
        let receiver = FakeReceiver::start().await;
        let app = spawn_app_with(backend, |a| {
            a.editors = "llogiq".into();
            a.webhooks = hooks(&receiver);
            a.webhook_secret = Some(SECRET.into());
        })
        .await;
        let issue = app.state.open_week().await.unwrap().issue;
        let carol = app.logged_in(Profile::new(3, "carol")).await;
        let serde = carol.nominated_crate("serde").await;
        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        let res = editor.post("/editor/picks", &[("nomination_id", &serde.to_string()), ("issue", &issue.to_string())]).await;
        assert_eq!(res.status(), 303);
        // A day before the cut-off, the reminders: one per category, a plea for the empty one.
        // The pick waits for the issue: no `week.picked` while voting is open.
        app.clock.advance(chrono::Duration::days(6));
        let before = events(&receiver.wait_for("/json", 4, 20).await);
        let kinds: Vec<&str> = before.iter().map(|e| e["event"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["week.opened", "nomination.created", "week.closing", "week.closing"], "{before:#?}");
        // Published: now the pick goes out.
        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        assert_eq!(editor.post(&format!("/editor/weeks/{issue}/publish"), &[]).await.status(), 303);

        let json = receiver.wait_for("/json", 5, 20).await;
        let got = events(&json);
        let kinds: Vec<&str> = got.iter().map(|e| e["event"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            ["week.opened", "nomination.created", "week.closing", "week.closing", "week.picked"],
            "{got:#?}"
        );
        for r in &json {
            assert_eq!(r.content_type.as_deref(), Some("application/json"));
            assert_eq!(r.signature.as_deref(), Some(webhook::signature(SECRET, &r.body).as_str()), "signed");
        }
        assert_eq!(got[0]["issue"], issue);
        assert_eq!(got[1]["nomination_id"], serde);
        assert!(got[4]["attribution"].as_str().unwrap().starts_with("This week's crate is [serde](https://crates.io/crates/serde)"));
        let quote_plea = got.iter().find(|e| e["event"] == "week.closing" && e["category"] == "quote").unwrap();
        assert_eq!(quote_plea["nominations"], 0);
        assert!(quote_plea["text"].as_str().unwrap().contains("no one has suggested a quote yet"));

        let slack = receiver.wait_for("/slack", 5, 10).await;
        let discord = receiver.wait_for("/discord", 5, 10).await;
        for (i, e) in got.iter().enumerate() {
            assert_eq!(events(&slack)[i], serde_json::json!({ "text": e["text"] }));
            assert_eq!(
                events(&discord)[i],
                serde_json::json!({ "content": e["text"], "allowed_mentions": { "parse": [] } })
            );
            assert!(slack[i].signature.is_none(), "only json is signed");
        }

        // The reminder goes out once a week per category.
        app.clock.advance(chrono::Duration::hours(2));
        actix_web::rt::time::sleep(std::time::Duration::from_millis(2500)).await;
        assert_eq!(receiver.received("/json").len(), 5);
    }
}

on_both_backends! {
    async fn a_receiver_that_was_down_gets_every_event_once_in_order_from_two_instances(backend) {
        let receiver = FakeReceiver::start().await;
        receiver.set_down(true);
        let hooks = format!("json={}/json", receiver.base);
        let one = spawn_app_with(backend, {
            let hooks = hooks.clone();
            move |a| {
                a.editors = "llogiq".into();
                a.webhooks = hooks;
                a.webhook_secret = Some(SECRET.into());
            }
        })
        .await;
        let url = one.database_url.clone();
        let two = spawn_app_with(backend, move |a| {
            a.database_url = url;
            a.webhooks = hooks;
            a.webhook_secret = Some(SECRET.into());
        })
        .await;
        let carol = one.logged_in(Profile::new(3, "carol")).await;
        let mut ids = Vec::new();
        for name in ["serde", "rayon", "tokio"] {
            ids.push(carol.nominated_crate(name).await);
        }
        // Down for a while: tried, nothing accepted, nothing lost.
        actix_web::rt::time::sleep(std::time::Duration::from_secs(3)).await;
        assert!(receiver.attempts() >= 1);
        assert!(receiver.received("/json").is_empty());
        // The desk says what is stuck, without the receiver's URL.
        let editor = one.logged_in(Profile::new(1, "llogiq")).await;
        let desk = editor.get_text("/editor").await;
        assert!(desk.contains("Webhooks not delivered") && desk.contains("503"), "{desk}");
        assert!(!desk.contains(&receiver.base));
        receiver.set_down(false);
        let got = events(&receiver.wait_for("/json", 4, 30).await);
        actix_web::rt::time::sleep(std::time::Duration::from_secs(2)).await;
        let got_after = events(&receiver.received("/json"));
        assert_eq!(got_after.len(), 4, "each event once: {got_after:#?}");
        assert_eq!(got[0]["event"], "week.opened");
        let created: Vec<i64> = got[1..].iter().map(|e| e["nomination_id"].as_i64().unwrap()).collect();
        assert_eq!(created, ids.iter().map(|i| *i as i64).collect::<Vec<_>>(), "in order");
        drop(two);
    }
}
