//! The forum bridge against a fake Discourse (port 0) serving posts built from the real threads:
//! suggestions reach the ballot, the JSON API (with their forum likes) and the desk (with
//! TWiR's attribution, linked to the forum post); reading twice, or from two instances at once,
//! changes nothing; likes, edits and deletions follow the forum; a forum that rate-limits or
//! hangs never breaks a page.

use crate::common;

use common::{spawn_app_with, Backend, FakeDiscourse, Hostile, Profile, TestApp};
use diesel::prelude::*;
use serde_json::Value;
use std::time::Duration;
use twir_picks::actions::forum::{self, Bridge, Report};
use twir_picks::schema::{forum_credits, forum_posts, nominations};

/// The crates the fixtures suggest, as crates.io knows them.
const CRATES: &[(&str, &str)] = &[
    ("tracing-flame-lite", "Folded stacks from tracing spans"),
    ("sqlx-migrate-lint", "Lints SQLx migrations"),
    ("bytesize-fmt", "Human-readable byte sizes"),
    ("kdl-config", "Typed KDL configuration"),
    ("cargo-unfold", "Expand one macro in place"),
    ("rowan-lite", "Lossless syntax trees"),
    ("jiff-tz-embed", "Embedded time zones for jiff"),
];

async fn app_with_forum(backend: Backend, fake: &FakeDiscourse) -> TestApp {
    let base = fake.base.clone();
    let app = spawn_app_with(backend, move |a| {
        a.editors = "llogiq".into();
        a.forum_url = Some(base);
        // The service reads once at start; the tests read when they choose.
        a.forum_poll_seconds = 3600;
    })
    .await;
    for (name, description) in CRATES {
        app.crates_io.add(name, description, None);
    }
    app.crates_io.set_owners("tracing-flame-lite", &["mkerrigan"]);
    // Trent does not say so, but crates.io lists him as an owner.
    app.crates_io
        .set_owners("sqlx-migrate-lint", &["someone", "TrentDev"]);
    app
}

/// The read the service makes at start, finished (both threads recorded).
async fn first_read(app: &TestApp) {
    for _ in 0..200 {
        let read: i64 = {
            let mut conn = common::raw_connection(&app.database_url);
            twir_picks::schema::forum_topics::table
                .filter(twir_picks::schema::forum_topics::last_read_at.is_not_null())
                .count()
                .get_result(&mut *conn)
                .unwrap()
        };
        if read == 2 {
            return;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the service did not read the forum at start");
}

fn bridge(app: &TestApp) -> Bridge {
    Bridge::with_timeout(app.settings().forum.as_ref().unwrap(), Duration::from_secs(1)).unwrap()
}

async fn sync(app: &TestApp) -> Report {
    forum::sync(&app.state, &bridge(app), None).await.unwrap()
}

/// (nominations, forum posts, forum credits) stored.
fn row_counts(app: &TestApp) -> (i64, i64, i64) {
    let mut conn = common::raw_connection(&app.database_url);
    (
        nominations::table.count().get_result(&mut *conn).unwrap(),
        forum_posts::table.count().get_result(&mut *conn).unwrap(),
        forum_credits::table.count().get_result(&mut *conn).unwrap(),
    )
}

fn entry<'a>(week: &'a Value, category: &str, pred: impl Fn(&Value) -> bool) -> &'a Value {
    week["categories"][category]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| pred(e))
        .unwrap_or_else(|| panic!("no such {category} entry in {week:#}"))
}

fn crate_named<'a>(week: &'a Value, name: &str) -> &'a Value {
    entry(week, "crate", |e| e["crate"]["name"] == name)
}

on_both_backends! {
    async fn forum_suggestions_reach_the_ballot_the_api_and_the_desk(backend) {
        let fake = FakeDiscourse::start().await;
        let app = app_with_forum(backend, &fake).await;
        first_read(&app).await;
        assert_eq!(fake.requests_without_user_agent(), 0);
        // More than one chunk: the newest posts came from posts.json.
        let week = app.browser().json("/api/v1/weeks/current").await;

        let flame = crate_named(&week, "tracing-flame-lite");
        let permalink = format!("{}/t/crate-of-the-week/2704/1648", fake.base);
        assert_eq!(flame["forum"]["url"], permalink.as_str());
        assert_eq!(flame["forum"]["author"], "Maeve Kerrigan");
        assert_eq!(flame["forum"]["likes"], 3);
        assert_eq!(flame["votes"], 0, "likes are not votes");
        assert_eq!(flame["self_suggestion"], true);
        assert_eq!(crate_named(&week, "cargo-unfold")["forum"]["likes"], 2);
        assert_eq!(crate_named(&week, "sqlx-migrate-lint")["self_suggestion"], true, "an owner on crates.io");
        assert_eq!(crate_named(&week, "kdl-config")["self_suggestion"], false);
        // A list suggests each crate.
        crate_named(&week, "rowan-lite");
        crate_named(&week, "jiff-tz-embed");
        // Replies, questions, the editor's announcement, deleted and hidden posts: nothing.
        let names: Vec<&str> = week["categories"]["crate"].as_array().unwrap().iter()
            .filter_map(|e| e["crate"]["name"].as_str()).collect();
        assert_eq!(names.len(), 7, "{names:?}");
        // Without votes, forum likes order the ballot.
        assert_eq!(names[0], "sqlx-migrate-lint");
        assert_eq!(names[1], "tracing-flame-lite");

        let quote = entry(&week, "quote", |e| e["quote"]["author"] == "u/ferrous_wheel");
        assert_eq!(quote["quote"]["where"], "on r/rust");
        assert_eq!(quote["forum"]["likes"], 6);
        assert_eq!(quote["forum"]["url"], format!("{}/t/twir-quote-of-the-week/328/1938", fake.base).as_str());
        let quoted_post = entry(&week, "quote", |e| e["quote"]["author"] == "rbuchholz");
        assert_eq!(quoted_post["quote"]["where"], "on rust-users");
        assert_eq!(quoted_post["quote"]["url"], "https://users.rust-lang.org/t/is-unsafe-code-really-that-dangerous/135790/4");

        // The home page shows the likes apart from the votes.
        let home = app.browser().get_text("/").await;
        assert!(home.contains("tracing-flame-lite"));
        assert!(home.contains("3 likes on the forum"), "{home}");

        // The desk: attribution exactly as TWiR prints it, linked to the forum post.
        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        let flame = crate_named(&shortlist, "tracing-flame-lite");
        assert_eq!(
            flame["attribution"],
            format!(
                "This week's crate is [tracing-flame-lite](https://crates.io/crates/tracing-flame-lite), a crate that turns `tracing` spans into flamegraph-compatible folded stacks with almost no overhead, so you can leave it on in production.\n\nThanks to [Maeve Kerrigan]({permalink}) for the self-suggestion!"
            ).as_str()
        );
        let quote = entry(&shortlist, "quote", |e| e["quote"]["author"] == "u/ferrous_wheel");
        assert_eq!(
            quote["attribution"],
            format!(
                "> The compiler isn’t rejecting your program, it’s rejecting your *explanation* of the program. Once you explain it properly, it agrees with you.\n\n– [u/ferrous_wheel on r/rust](https://www.reddit.com/r/rust/comments/1gq7x2k/comment/lx4c2ze/)\n\nThanks to [Vesper]({}/t/twir-quote-of-the-week/328/1938) for the suggestion!",
                fake.base
            ).as_str()
        );
        let desk = editor.get_text("/editor").await;
        assert!(desk.contains("From the forum: needs a look"), "{desk}");
        assert!(desk.contains("ferrite-ecs"), "the draft is prefilled: {desk}");
        assert!(desk.contains(&format!("{}/t/crate-of-the-week/2704/1654", fake.base)));
        assert!(desk.contains("Forum last read"), "{desk}");

        // Reading again changes nothing.
        let before = row_counts(&app);
        let report = sync(&app).await;
        assert_eq!(report.new_posts, 0, "{report:?}");
        assert_eq!(report.nominations, 0, "{report:?}");
        assert_eq!(row_counts(&app), before);

        // Not a suggestion after all: dismissed (audited), and it stays so when read again.
        let waiting: Vec<String> = desk
            .split(r#"action="/editor/forum/posts/"#)
            .skip(1)
            .map(|rest| rest.chars().take_while(|c| c.is_ascii_digit()).collect())
            .collect();
        assert!(!waiting.is_empty());
        for post_id in &waiting {
            let res = editor.post(&format!("/editor/forum/posts/{post_id}/dismiss"), &[("reason", "a discussion")]).await;
            assert_eq!(res.status(), 303);
        }
        let post_id = &waiting[0];
        assert!(!editor.get_text("/editor").await.contains("From the forum: needs a look"));
        assert_eq!(editor.post(&format!("/editor/forum/posts/{post_id}/dismiss"), &[]).await.status(), 409);
        sync(&app).await;
        assert!(!editor.get_text("/editor").await.contains("From the forum: needs a look"));
        assert!(editor.get_text("/editor/audit").await.contains("dismissed forum post"));
    }
}

on_both_backends! {
    async fn a_site_vote_outranks_forum_likes_and_a_site_user_may_vote_for_a_forum_nomination(backend) {
        let fake = FakeDiscourse::start().await;
        let app = app_with_forum(backend, &fake).await;
        first_read(&app).await;
        let week = app.browser().json("/api/v1/weeks/current").await;
        let id = crate_named(&week, "kdl-config")["nomination_id"].as_i64().unwrap() as i32;
        let voter = app.logged_in(Profile::new(7, "voter")).await;
        assert_eq!(voter.vote(id).await.status(), 303);
        let week = app.browser().json("/api/v1/weeks/current").await;
        let first = &week["categories"]["crate"][0];
        assert_eq!(first["crate"]["name"], "kdl-config");
        assert_eq!(first["votes"], 1);
        assert_eq!(first["forum"]["likes"], 1);

        // A site nomination of the same crate: one nomination thanking both, each linked to
        // where they suggested it.
        let site = app.logged_in(Profile::new(8, "sitefan")).await;
        assert_eq!(site.nominate_crate("kdl-config", "typed KDL configuration").await.status(), 303);
        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        let kdl = crate_named(&shortlist, "kdl-config");
        assert_eq!(kdl["nomination_id"].as_i64().unwrap() as i32, id);
        let thanks = kdl["attribution"].as_str().unwrap().lines().last().unwrap().to_string();
        assert_eq!(
            thanks,
            format!(
                "Thanks to [h2o_oxide]({}/t/crate-of-the-week/2704/1651) and [sitefan]({}) for the suggestion!",
                fake.base,
                app.settings().absolute(&format!("/nominations/{id}"))
            )
        );
    }
}

on_both_backends! {
    async fn likes_edits_and_deletions_follow_the_forum(backend) {
        let fake = FakeDiscourse::start().await;
        let app = app_with_forum(backend, &fake).await;
        first_read(&app).await;

        fake.set_likes(2704, 1651, 12);
        fake.edit(
            2704,
            1649,
            r#"<p>I’d like to nominate <a href="https://crates.io/crates/sqlx-migrate-lint">sqlx-migrate-lint</a>, a linter for SQLx migrations that flags long table locks.</p>"#,
            "2026-11-28T10:00:00.000Z",
        );
        fake.delete_by_author(2704, 1650);
        fake.delete_by_staff(2704, 1655);
        fake.hide(328, 1939);
        let report = sync(&app).await;
        assert_eq!((report.likes_changed, report.edited, report.gone), (1, 1, 3), "{report:?}");

        let week = app.browser().json("/api/v1/weeks/current").await;
        let kdl = crate_named(&week, "kdl-config");
        assert_eq!(kdl["forum"]["likes"], 12);
        assert_eq!(week["categories"]["crate"][0]["crate"]["name"], "kdl-config");
        assert_eq!(
            crate_named(&week, "sqlx-migrate-lint")["crate"]["pitch"],
            "a linter for SQLx migrations that flags long table locks"
        );
        let names: Vec<&str> = week["categories"]["crate"].as_array().unwrap().iter()
            .filter_map(|e| e["crate"]["name"].as_str()).collect();
        assert!(!names.contains(&"bytesize-fmt") && !names.contains(&"cargo-unfold"), "{names:?}");
        assert!(week["categories"]["quote"].as_array().unwrap().iter().all(|e| e["quote"]["author"] != "kaimana"));

        // Hidden with the reason, never deleted.
        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        let bytesize = crate_named(&shortlist, "bytesize-fmt");
        assert_eq!(bytesize["hidden"], true);
        assert_eq!(bytesize["hidden_reason"], "deleted on the forum");
        let quote = entry(&shortlist, "quote", |e| e["quote"]["author"] == "kaimana");
        assert_eq!(quote["hidden_reason"], "hidden on the forum");

        // Once the editors reword it, the forum's edits no longer do.
        let sqlx = crate_named(&week, "sqlx-migrate-lint")["nomination_id"].as_i64().unwrap();
        let res = editor
            .post(&format!("/editor/nominations/{sqlx}/edit"), &[("pitch", "the editors' words"), ("reason", "tighter")])
            .await;
        assert_eq!(res.status(), 303);
        fake.edit(
            2704,
            1649,
            r#"<p>I’d like to nominate <a href="https://crates.io/crates/sqlx-migrate-lint">sqlx-migrate-lint</a>, a third wording from the poster.</p>"#,
            "2026-11-29T10:00:00.000Z",
        );
        sync(&app).await;
        let week = app.browser().json("/api/v1/weeks/current").await;
        assert_eq!(crate_named(&week, "sqlx-migrate-lint")["crate"]["pitch"], "the editors' words");

        // A new post after the first read arrives on the next.
        let mut post: Value = serde_json::from_str(r#"{
            "id": 812700, "post_number": 1662, "username": "ferris", "name": "Ferris",
            "created_at": "2026-11-30T09:00:00.000Z", "updated_at": "2026-11-30T09:00:00.000Z",
            "cooked": "<p>Self-suggesting <a href=\"https://crates.io/crates/rowan-lite\">rowan-lite</a>: lossless syntax trees.</p>",
            "actions_summary": [{"id": 2, "count": 2}], "hidden": false, "user_deleted": false
        }"#).unwrap();
        post["deleted_at"] = Value::Null;
        fake.add_post(2704, post);
        let before = row_counts(&app);
        let report = sync(&app).await;
        assert_eq!((report.new_posts, report.nominations), (1, 0), "a credit on the nomination already there: {report:?}");
        assert_eq!(row_counts(&app).0, before.0);
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        let rowan = crate_named(&shortlist, "rowan-lite");
        assert_eq!(rowan["forum"]["likes"], 3, "likes of both posts");
        assert!(rowan["attribution"].as_str().unwrap().contains("[Trent Okafor]("), "{rowan:#}");
        assert!(rowan["attribution"].as_str().unwrap().contains(" and [Ferris]("), "{rowan:#}");
    }
}

on_both_backends! {
    async fn two_instances_reading_at_once_create_no_duplicate(backend) {
        let fake = FakeDiscourse::start().await;
        // The instances do not poll; the test starts both reads at the same moment.
        let one = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
        for (name, description) in CRATES {
            one.crates_io.add(name, description, None);
        }
        let two = common::spawn_app_on(&one.database_url).await;
        for (name, description) in CRATES {
            two.crates_io.add(name, description, None);
        }
        let settings = twir_picks::settings::ForumSettings {
            url: url::Url::parse(&fake.base).unwrap(),
            crate_topic: 2704,
            quote_topic: 328,
            poll: Duration::from_secs(3600),
        };
        let (b1, b2) = (Bridge::new(&settings).unwrap(), Bridge::new(&settings).unwrap());
        let (r1, r2) = futures_util::join!(forum::sync(&one.state, &b1, None), forum::sync(&two.state, &b2, None));
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        assert!(r1.errors.is_empty() && r2.errors.is_empty(), "{r1:?} {r2:?}");
        assert_eq!(r1.nominations + r2.nominations, 7 + 4, "{r1:?} {r2:?}");
        let mut conn = common::raw_connection(&one.database_url);
        let keys: Vec<(String, String)> = nominations::table
            .select((nominations::category, nominations::dedupe_key))
            .load(&mut *conn)
            .unwrap();
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(keys.len(), distinct.len(), "duplicates: {keys:?}");
        let posts: i64 = forum_posts::table.count().get_result(&mut *conn).unwrap();
        assert_eq!(r1.new_posts + r2.new_posts, posts as usize);
    }
}

on_both_backends! {
    async fn a_forum_that_rate_limits_or_hangs_never_breaks_a_page(backend) {
        let fake = FakeDiscourse::start().await;
        let app = app_with_forum(backend, &fake).await;
        first_read(&app).await;

        // One 429: wait what Retry-After asks, then read.
        fake.rate_limit_next(1);
        let report = sync(&app).await;
        assert!(report.errors.is_empty(), "{report:?}");

        // A forum that does not answer: pages stay fast, the read gives up, the desk says so.
        fake.go_silent(true);
        let reading = {
            let state = app.state.clone();
            let bridge = bridge(&app);
            actix_web::rt::spawn(async move { forum::sync(&state, &bridge, None).await })
        };
        let started = std::time::Instant::now();
        assert_eq!(app.browser().get("/").await.status(), 200);
        assert_eq!(app.browser().get("/api/v1/weeks/current").await.status(), 200);
        assert!(started.elapsed() < Duration::from_secs(1), "pages waited for the forum");
        let report = reading.await.unwrap().unwrap();
        assert_eq!(report.errors.len(), 2, "{report:?}");
        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        let desk = editor.get_text("/editor").await;
        assert!(desk.contains("could not be reached"), "{desk}");
        assert!(desk.contains("Forum last read"), "{desk}");
        fake.go_silent(false);
    }
}

fn post_id(app: &TestApp, topic: i64, post_number: i32) -> i64 {
    let mut conn = common::raw_connection(&app.database_url);
    forum_posts::table
        .filter(forum_posts::topic_id.eq(topic))
        .filter(forum_posts::post_number.eq(post_number))
        .select(forum_posts::post_id)
        .first(&mut *conn)
        .unwrap()
}

on_both_backends! {
    async fn an_editor_turns_a_post_that_needs_a_look_into_a_nomination_in_one_step(backend) {
        let fake = FakeDiscourse::start().await;
        let app = app_with_forum(backend, &fake).await;
        app.crates_io.add("ferrite-ecs", "An archetype-based ECS", None);
        first_read(&app).await;
        let path = format!("/editor/forum/posts/{}", post_id(&app, 2704, 1654));

        // Not for readers.
        let reader = app.logged_in(Profile::new(5, "reader")).await;
        assert_eq!(reader.get(&path).await.status(), 403);
        assert_eq!(reader.post(&path, &[("crate_name", "ferrite-ecs"), ("pitch", "an ECS")]).await.status(), 403);

        let editor = app.logged_in(Profile::new(1, "llogiq")).await;
        let form = editor.get_text(&path).await;
        assert!(form.contains(r#"value="ferrite-ecs""#), "prefilled: {form}");
        assert!(form.contains("Daan de Jong"), "{form}");

        // A missing pitch: 422, and what was typed comes back.
        let res = editor.post(&path, &[("crate_name", "ferrite-ecs"), ("pitch", ""), ("why", "my notes")]).await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(body.contains(r#"value="ferrite-ecs""#) && body.contains("my notes"), "{body}");

        let res = editor.post(&path, &[("crate_name", "ferrite-ecs"), ("pitch", "a small archetype-based ECS that compiles in under two seconds")]).await;
        assert_eq!(res.status(), 303);
        let shortlist = editor.json("/api/v1/editor/shortlist").await;
        let ecs = crate_named(&shortlist, "ferrite-ecs");
        assert_eq!(
            ecs["attribution"],
            format!(
                "This week's crate is [ferrite-ecs](https://crates.io/crates/ferrite-ecs), a small archetype-based ECS that compiles in under two seconds.\n\nThanks to [Daan de Jong]({}/t/crate-of-the-week/2704/1654) for the suggestion!",
                fake.base
            ).as_str()
        );
        assert_eq!(ecs["forum"]["likes"], 2);
        // Done once: the post no longer waits, and a second submission is refused.
        assert!(!editor.get_text("/editor").await.contains(&path));
        assert_eq!(editor.post(&path, &[("crate_name", "ferrite-ecs"), ("pitch", "again")]).await.status(), 409);
    }
}

on_both_backends! {
    async fn the_command_line_reads_the_forum_once_and_a_broken_post_is_skipped(backend) {
        let fake = FakeDiscourse::start().await;
        // A post that does not parse (no username): logged and skipped, the others count.
        fake.add_post(2704, serde_json::json!({
            "id": 812800, "post_number": 1663, "created_at": "2026-11-30T10:00:00.000Z",
            "cooked": "<p>Suggesting <a href=\"https://crates.io/crates/serde\">serde</a>, a framework.</p>"
        }));
        // No FORUM_URL for the service: only the command reads.
        let app = spawn_app_with(backend, |_| {}).await;
        for (name, description) in CRATES {
            app.crates_io.add(name, description, None);
        }
        let out = app.cli(&["--crates-io-api-url", &app.crates_io.base, "--forum-url", &fake.base, "forum", "sync"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("32 new posts, 11 new nominations, 4 need a look"), "{stdout}");
        let counts = row_counts(&app);
        let again = app.cli(&["--crates-io-api-url", &app.crates_io.base, "--forum-url", &fake.base, "forum", "sync"]);
        assert!(String::from_utf8_lossy(&again.stdout).contains("0 new posts, 0 new nominations"));
        assert_eq!(row_counts(&app), counts);

        // Without a forum to read, the command says so.
        let out = app.cli(&["forum", "sync"]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("FORUM_URL"));
    }
}

on_both_backends! {
    async fn one_instance_polls_at_a_time(backend) {
        let app = spawn_app_with(backend, |_| {}).await;
        let now = app.clock.now();
        let lease = |holder: &'static str, at: chrono::DateTime<chrono::Utc>| {
            app.state
                .db
                .write_blocking(move |tx| {
                    Ok(twir_picks::models::forum_status::take_lease(tx, holder, at, at + chrono::Duration::minutes(15))?)
                })
                .unwrap()
        };
        assert!(lease("a", now));
        assert!(!lease("b", now), "held by a");
        assert!(lease("a", now + chrono::Duration::minutes(5)), "a renews");
        assert!(!lease("b", now + chrono::Duration::minutes(19)));
        assert!(lease("b", now + chrono::Duration::minutes(21)), "a stopped renewing: b takes over");
        assert!(!lease("a", now + chrono::Duration::minutes(22)));
    }
}

on_both_backends! {
    async fn a_hostile_forum_is_read_within_bounds(backend) {
        let fake = FakeDiscourse::start().await;
        let app = app_with_forum(backend, &fake).await;
        first_read(&app).await;
        let stored = row_counts(&app);

        // A thread claiming 200,000 more posts that no answer ever gives: a few requests, not
        // one per 20 ids.
        fake.set_hostile(Some(Hostile::Phantoms(200_000)));
        let before = fake.requests();
        sync(&app).await;
        let made = fake.requests() - before;
        assert!(made <= forum::REQUESTS_PER_POLL, "{made} requests in one poll");
        assert!(made <= 8, "{made} requests for posts the forum never gives");

        // An answer far larger than any real one is refused after a few MiB, not read.
        fake.set_hostile(Some(Hostile::Huge(64 << 20)));
        let report = sync(&app).await;
        assert!(report.errors.iter().any(|e| e.contains("larger than 4 MiB")), "{:?}", report.errors);

        // A redirect to another host is not followed.
        let other = FakeDiscourse::start().await;
        fake.set_hostile(Some(Hostile::RedirectTo(other.base.clone())));
        let report = sync(&app).await;
        assert_eq!(other.requests(), 0, "followed a redirect to another host");
        assert!(report.errors.iter().any(|e| e.contains("302")), "{:?}", report.errors);

        // Nothing stored changed, and the site still answers.
        assert_eq!(row_counts(&app), stored);
        assert_eq!(reqwest::get(app.url("/")).await.unwrap().status(), 200);
        fake.set_hostile(None);
        assert!(sync(&app).await.errors.is_empty());
    }
}

on_both_backends! {
    async fn the_export_names_the_forum_poster(backend) {
        let fake = FakeDiscourse::start().await;
        let app = app_with_forum(backend, &fake).await;
        first_read(&app).await;
        let issue = app.state.open_week().await.unwrap().issue.to_string();
        let out = app.cli(&["export", "--allow-local", "--week", &issue, "--format", "markdown"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains(" on the forum"), "{text}");
        for line in text.lines().filter(|l| l.contains("nominated by")) {
            assert!(!line.trim_end().ends_with("nominated by") && !line.contains("nominated by  ["), "{line}");
        }
    }
}
