//! Nominating crates and quotes: validation, co-nomination, past winners, crates.io checks.

use crate::common;

use common::browser::{location, nomination_id};
use common::{spawn_app, Profile};
use diesel::prelude::*;
use twir_picks::schema::{featured_history, nominations, nominators};

on_both_backends! {
    async fn nominating_a_crate(backend) {
        let app = spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice").named("Alice")).await;
        let res = alice.post("/nominations", &[
            ("category", "crate"), ("crate_name", "Literator"), ("pitch", "a crate for turning iterators into readable strings."),
            ("why", "It made my logs readable."), ("self_suggestion", "on"),
        ]).await;
        assert_eq!(res.status(), 303);
        let id = nomination_id(&res);
        let page = alice.get_text(&location(&res)).await;
        assert!(page.contains("Thank you!"), "flash shown");
        assert!(page.contains("This week&#x27;s crate is literator, a crate for turning iterators into readable strings.")
            || page.contains("This week's crate is literator, a crate for turning iterators into readable strings."), "{page}");
        assert!(page.contains("Efficient conversion of iterators to readable strings"), "crates.io description shown");
        assert!(page.contains("(self-suggestion)"));
        let home = alice.get_text("/").await;
        assert!(home.contains(&format!(r#"<a href="/nominations/{id}" class="title">literator</a>"#)), "{home}");

        let json = alice.json(&format!("/api/v1/nominations/{id}")).await;
        assert_eq!(json["crate"]["name"], "literator", "the canonical name from crates.io");
        assert_eq!(json["crate"]["url"], "https://crates.io/crates/literator");
        assert_eq!(json["crate"]["verified"], true);
        assert_eq!(json["nominators"], serde_json::json!(["alice"]));
        assert_eq!(json["self_suggestion"], true);
        assert_eq!(json["issue"], 680);

        let week = alice.json("/api/v1/weeks/current").await;
        assert_eq!(week["issue"], 680);
        assert_eq!(week["categories"]["crate"][0]["nomination_id"], id);
        assert_eq!(week["categories"]["crate"][0]["rank"], 1);
        assert_eq!(week["categories"]["crate"][0]["crate"]["pitch"], "a crate for turning iterators into readable strings");
    }
}

on_both_backends! {
    async fn nominating_a_quote(backend) {
        let app = spawn_app(backend).await;
        let carol = app.logged_in(Profile::new(3, "carol")).await;
        let text = "Rust is 5 languages stacked on top of each other.\n\nSecond paragraph with `code`.";
        let id = carol.nominated_quote(text).await;
        let json = carol.json(&format!("/api/v1/nominations/{id}")).await;
        assert_eq!(json["quote"]["text"], text);
        assert_eq!(json["quote"]["author"], "Ferris");
        assert_eq!(json["quote"]["where"], "on rust-users");
        assert!(json.get("crate").is_none());
        let page = carol.get_text(&format!("/nominations/{id}")).await;
        assert!(page.contains("Second paragraph with &#x60;code&#x60;."), "{page}");
    }
}

on_both_backends! {
    async fn every_validation_error_keeps_what_was_typed(backend) {
        let app = spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let res = alice.post("/nominations", &[
            ("category", "crate"), ("crate_name", "9lives"), ("pitch", ""), ("url", "javascript:alert(1)"),
            ("why", "my <b>reasons</b>"),
        ]).await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(html.contains("A crate name starts with a letter."));
        assert!(html.contains("Please fill in the pitch."));
        assert!(html.contains("Only http:// and https:// links are accepted."));
        assert!(html.contains(r#"value="9lives""#), "typed name kept");
        assert!(html.contains("my &lt;b&gt;reasons&lt;/b&gt;"), "typed why kept, escaped");
        assert!(html.contains(r#"value="javascript:alert(1)""#), "typed url kept for correction");

        let long = "x".repeat(5_001);
        let res = alice.post("/nominations", &[
            ("category", "quote"), ("text", &long), ("author", ""), ("where", "on reddit"), ("source_url", "data:text/html,hi"),
        ]).await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(html.contains("The quote has at most 5000 characters (5001 given)."));
        assert!(html.contains("Please fill in the author."));
        assert!(html.contains("Only http:// and https:// links are accepted."));
        assert!(html.contains(r#"value="on reddit""#));

        let res = alice.post("/nominations", &[("category", "poem")]).await;
        assert_eq!(res.status(), 422);

        let res = alice.nominate_crate("no-such-crate-anywhere", "a ghost").await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(html.contains("There is no crate named"), "{html}");
        assert!(html.contains(r#"value="a ghost""#));

        let mut conn = app.state.db.get().unwrap();
        assert_eq!(nominations::table.count().get_result::<i64>(&mut *conn).unwrap(), 0);
    }
}

on_both_backends! {
    async fn nominating_needs_a_login_and_keeps_what_a_visitor_typed(backend) {
        let app = spawn_app(backend).await;
        // The form is there before logging in, and says what the button will do.
        let visitor = app.browser();
        let page = visitor.get_text("/nominate?category=quote").await;
        assert!(page.contains("Log in with GitHub to submit"), "{page}");
        let token = common::browser::extract_csrf(&page).expect("the visitor's form carries a token");
        let res = visitor.post_raw("/nominations", &[
            ("csrf_token", &token), ("category", "quote"), ("text", "Rust is a <em>language</em> that lets me sleep."),
            ("author", "Ferris"), ("where", "on rust-users"), ("source_url", "https://users.rust-lang.org/t/1"),
        ]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/login?next=%2Fnominate%3Fcategory%3Dquote");
        // Through the login, the text comes back to submit.
        let res = visitor.login_via("/login?next=%2Fnominate%3Fcategory%3Dquote", Profile::new(5, "ferris")).await;
        assert_eq!(location(&res), "/nominate?category=quote");
        let form = visitor.get_text("/nominate?category=quote").await;
        assert!(form.contains("Rust is a &lt;em&gt;language&lt;/em&gt; that lets me sleep."), "{form}");
        assert!(form.contains("Nominate this quote"));
        let res = visitor.post("/nominations", &[
            ("category", "quote"), ("text", "Rust is a <em>language</em> that lets me sleep."),
            ("author", "Ferris"), ("where", "on rust-users"), ("source_url", "https://users.rust-lang.org/t/1"),
        ]).await;
        assert_eq!(res.status(), 303);
        assert!(location(&res).starts_with("/nominations/"));
        assert!(!visitor.get_text("/nominate?category=quote").await.contains("lets me sleep"), "submitted: forgotten");
        // A POST from a session without login: the CSRF token is fine, the login is missing.
        let anon = app.browser();
        let res = anon.get("/dev/login").await; // not enabled: 404, no token
        assert_eq!(res.status(), 404);
    }
}

on_both_backends! {
    async fn a_duplicate_crate_makes_a_co_nominator(backend) {
        let app = spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let bob = app.logged_in(Profile::new(2, "bob").named("Bob B.")).await;
        let first = alice.nominated_crate("serde").await;
        let res = bob.nominate_crate("Serde", "the serialization framework").await;
        assert_eq!(res.status(), 303);
        assert_eq!(nomination_id(&res), first);
        assert!(bob.get_text(&location(&res)).await.contains("co-nominator"));
        // Nominating again changes nothing.
        let res = bob.nominate_crate("serde", "again").await;
        assert_eq!(nomination_id(&res), first);

        let json = alice.json(&format!("/api/v1/nominations/{first}")).await;
        assert_eq!(json["nominators"], serde_json::json!(["alice", "bob"]));
        let mut conn = app.state.db.get().unwrap();
        assert_eq!(nominations::table.count().get_result::<i64>(&mut *conn).unwrap(), 1);
        assert_eq!(nominators::table.count().get_result::<i64>(&mut *conn).unwrap(), 2);
    }
}

on_both_backends! {
    async fn duplicate_quotes_compare_on_folded_text(backend) {
        let app = spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        let first = alice.nominated_quote("Fearless   concurrency\nis real.").await;
        let second = bob.nominated_quote("fearless concurrency is REAL.").await;
        assert_eq!(first, second);
    }
}

on_both_backends! {
    async fn look_alike_quotes_are_the_same_quote(backend) {
        let app = spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let first = alice.nominated_quote("Fearless concurrency is real.").await;
        // Invisible marks, blank fillers, variation selectors and a Cyrillic а.
        for (n, look_alike) in [
            "Fearless con\u{34f}currency is real.",
            "Fearless concurrency is real.\u{fe0f}",
            "Fearless concurrency is re\u{e0100}al.",
            "Fearless\u{17b4} concurrency is real.",
            "Fearless\u{3164} concurrency is real.",
            "Fearless \u{2800}concurrency is real.",
            "Fe\u{430}rless concurrency is real.",
        ]
        .into_iter()
        .enumerate()
        {
            let other = app.logged_in(Profile::new(10 + n as i64, &format!("member{n}"))).await;
            assert_eq!(other.nominated_quote(look_alike).await, first, "{look_alike:?}");
        }
    }
}

on_both_backends! {
    async fn quotes_nominated_before_an_upgrade_get_the_new_key(backend) {
        use twir_picks::schema::nominations;
        let app = spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let first = alice.nominated_quote("Fearless concurrency is real.").await;
        {
            // As an older rule keyed it.
            let mut conn = common::raw_connection(&app.database_url);
            diesel::update(nominations::table.find(first))
                .set(nominations::dedupe_key.eq("fearless concurrency is real."))
                .execute(&mut *conn)
                .unwrap();
        }
        let out = app.cli(&["migrate"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        assert_eq!(bob.nominated_quote("Fe\u{430}rless concurrency is real.").await, first);
    }
}

fn feature(conn: &mut twir_picks::db::DbConnection, issue: i32, name: &str) {
    diesel::insert_into(featured_history::table)
        .values((
            featured_history::issue.eq(issue),
            featured_history::published_on.eq("2026-01-01"),
            featured_history::category.eq("crate"),
            featured_history::position.eq(0),
            featured_history::name.eq(name),
            featured_history::dedupe_key.eq(name),
            featured_history::body.eq("…"),
            featured_history::source_file.eq("fixture.md"),
            featured_history::imported_at.eq(common::default_now().naive_utc()),
        ))
        .execute(conn)
        .unwrap();
}

on_both_backends! {
    async fn a_recent_winner_is_refused_naming_its_issue(backend) {
        let app = spawn_app(backend).await;
        {
            let mut conn = common::raw_connection(&app.database_url);
            feature(&mut conn, 650, "rayon");
            feature(&mut conn, 600, "anyhow");
        }
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let res = alice.nominate_crate("rayon", "data parallelism").await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(html.contains("This crate was Crate of the Week in issue 650; it can be nominated again from issue 702."), "{html}");
        assert!(html.contains(r#"value="data parallelism""#));
        // More than 52 weeks ago: welcome again.
        assert_eq!(alice.nominate_crate("anyhow", "errors made easy").await.status(), 303);
    }
}

on_both_backends! {
    async fn unverified_while_crates_io_is_away_then_verified(backend) {
        let app = spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        app.crates_io.go_silent(true);
        let res = alice.nominate_crate("tokio", "an async runtime").await;
        assert_eq!(res.status(), 303, "kept although crates.io did not answer");
        let id = nomination_id(&res);
        let json = alice.json(&format!("/api/v1/nominations/{id}")).await;
        assert_eq!(json["crate"]["verified"], false);
        assert!(alice.get_text(&format!("/nominations/{id}")).await.contains("Not yet checked on crates.io"));
        assert_eq!(twir_picks::actions::nominate::verify_pending(&app.state).await.unwrap(), 0);

        app.crates_io.go_silent(false);
        assert_eq!(twir_picks::actions::nominate::verify_pending(&app.state).await.unwrap(), 1);
        let json = alice.json(&format!("/api/v1/nominations/{id}")).await;
        assert_eq!(json["crate"]["verified"], true);
        assert!(json["crate"]["description"].as_str().unwrap().contains("event-driven"));
    }
}

on_both_backends! {
    async fn crates_io_answers_are_cached(backend) {
        let app = spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        alice.nominate_crate("no-such-crate", "x").await;
        alice.nominate_crate("no-such-crate", "x").await;
        assert_eq!(app.crates_io.requests(), 1);
    }
}

on_both_backends! {
    async fn a_weekly_limit_per_user_and_category(backend) {
        let app = spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        for name in ["serde", "rayon", "tokio", "literator", "anyhow"] {
            assert_eq!(alice.nominate_crate(name, "good").await.status(), 303, "{name}");
        }
        app.crates_io.add("sixth", "one too many", None);
        let res = alice.nominate_crate("sixth", "one too many").await;
        assert_eq!(res.status(), 429);
        let html = res.text().await.unwrap();
        assert!(html.contains("You have made 5 crate nominations this week"), "{html}");
        assert!(html.contains(r#"value="sixth""#));
        // Quotes are counted apart.
        assert_eq!(alice.nominate_quote("still fine", "me").await.status(), 303);
        // Next week the count starts again.
        app.clock.advance(chrono::Duration::days(4));
        alice.get("/").await; // a visit keeps the session alive
        app.clock.advance(chrono::Duration::days(3));
        assert_eq!(alice.nominate_crate("sixth", "one too many").await.status(), 303);
    }
}

on_both_backends! {
    async fn a_nominator_can_withdraw_and_nothing_is_deleted(backend) {
        let app = spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        let id = alice.nominated_crate("serde").await;
        assert_eq!(bob.post(&format!("/nominations/{id}/withdraw"), &[]).await.status(), 403);
        assert_eq!(alice.post(&format!("/nominations/{id}/withdraw"), &[]).await.status(), 303);
        let week = alice.json("/api/v1/weeks/current").await;
        assert!(week["categories"]["crate"].as_array().unwrap().is_empty());
        let mut conn = app.state.db.get().unwrap();
        let withdrawn: bool = nominations::table.find(id).select(nominations::withdrawn).first(&mut *conn).unwrap();
        assert!(withdrawn);
    }
}

on_both_backends! {
    async fn a_week_changed_by_another_instance_is_not_written_into(backend) {
        use twir_picks::schema::weeks;
        let app = spawn_app(backend).await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        // This instance now remembers issue 680 as the open week.
        let first = alice.nominated_crate("serde").await;
        assert_eq!(alice.json(&format!("/api/v1/nominations/{first}")).await["issue"], 680);
        let token = alice.csrf_token().await;
        // Another instance closes 680 early and opens 681.
        {
            let mut other = common::raw_connection(&app.database_url);
            let now = common::default_now().naive_utc();
            diesel::update(weeks::table.find(680))
                .set((weeks::status.eq("closed"), weeks::closes_at.eq(now)))
                .execute(&mut *other)
                .unwrap();
            diesel::insert_into(weeks::table)
                .values((
                    weeks::issue.eq(681),
                    weeks::opens_at.eq(now),
                    weeks::closes_at.eq(now + chrono::Duration::days(14)),
                    weeks::status.eq("open"),
                ))
                .execute(&mut *other)
                .unwrap();
        }
        // Past the freshness bound (1 s), a write that no page view preceded goes into 681.
        actix_web::rt::time::sleep(std::time::Duration::from_millis(1200)).await;
        let res = alice
            .post_raw(
                "/nominations",
                &[("category", "crate"), ("crate_name", "rayon"), ("pitch", "data parallelism"), ("csrf_token", &token)],
            )
            .await;
        assert_eq!(res.status(), 303);
        let second = nomination_id(&res);
        assert_eq!(alice.json(&format!("/api/v1/nominations/{second}")).await["issue"], 681);
    }
}
