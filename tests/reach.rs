//! Reach: public profiles and their feeds, README badges for crates, link previews, and
//! webhooks that tell chat rooms when to nominate and vote.

mod common;

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
        assert_eq!(badge.headers()["content-type"], "image/svg+xml");
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
