//! What browsers, monitors and crawlers ask of every web server: `HEAD` wherever `GET` works,
//! a favicon and `robots.txt`, static files cacheable for a year under versioned names, a
//! description on every page, links only to weeks that exist, and an archive API that says it
//! is paged (`Link: rel="next"`, `X-Total-Count`), followed here through a whole archive.

use crate::common;

use common::{spawn_app_with, Profile, TestApp};
use twir_picks::domain::validate::Category;
use twir_picks::models::history::{self, Featured};

/// Ten years and more of Crate and Quote of the Week: `weeks` issues, a crate and a quote each.
fn imported_archive(app: &TestApp, weeks: i32) {
    let now = app.clock.now().naive_utc();
    app.state
        .db
        .write_blocking(move |tx| {
            for issue in 1..=weeks {
                for (category, name) in [
                    (Category::Crate, format!("crate{issue}")),
                    (Category::Quote, format!("Person {issue}")),
                ] {
                    let item = Featured {
                        id: 0,
                        issue,
                        published_on: "2016-01-01".into(),
                        category,
                        position: 0,
                        name: name.clone(),
                        dedupe_key: name.to_lowercase(),
                        url: Some(format!("https://crates.io/crates/crate{issue}")),
                        body: format!("This week's crate is {name}."),
                        credits: None,
                        source_file: format!("{issue}.md"),
                        imported_at: now,
                    };
                    history::insert_if_new(tx, &item)?;
                }
            }
            Ok(())
        })
        .unwrap();
}

on_both_backends! {
    async fn head_is_answered_wherever_get_is(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
        let author = app.logged_in(Profile::new(3, "carol")).await;
        let id = author.nominated_crate("serde").await;
        let issue = app.state.open_week().await.unwrap().issue;
        let client = app.client();
        for path in [
            "/".to_string(),
            format!("/weeks/{issue}"),
            format!("/nominations/{id}"),
            "/winners".into(),
            "/feed.xml".into(),
            "/static/style.css".into(),
            "/static/copy.js".into(),
            "/favicon.ico".into(),
            "/robots.txt".into(),
            "/livez".into(),
            "/healthz".into(),
            "/api/v1/weeks/current".into(),
            format!("/api/v1/weeks/{issue}"),
            format!("/api/v1/nominations/{id}"),
            "/api/v1/winners".into(),
        ] {
            let get = client.get(app.url(&path)).send().await.unwrap();
            let head = client.head(app.url(&path)).send().await.unwrap();
            assert_eq!(get.status(), 200, "GET {path}");
            assert_eq!(head.status(), 200, "HEAD {path}");
            assert_eq!(head.headers().get("content-type"), get.headers().get("content-type"), "{path}");
            assert!(head.bytes().await.unwrap().is_empty(), "HEAD {path} sends no body");
        }
        // A page that needs a login still says so to HEAD; a missing one is still a 404.
        assert_eq!(client.head(app.url("/editor")).send().await.unwrap().status(), 401);
        assert_eq!(client.head(app.url("/no/such/page")).send().await.unwrap().status(), 404);
        // HEAD changes nothing: it is a GET.
        assert_eq!(client.head(app.url("/logout")).send().await.unwrap().status(), 404);
    }
}

on_both_backends! {
    async fn favicon_robots_static_files_and_descriptions(backend) {
        let app = spawn_app_with(backend, |_| {}).await;
        let icon = app.get("/favicon.ico").await;
        assert_eq!(icon.status(), 200);
        assert_eq!(icon.headers()["content-type"], "image/x-icon");
        assert_eq!(&icon.bytes().await.unwrap()[..4], &[0, 0, 1, 0], "an ICO file");
        let robots = app.get("/robots.txt").await;
        assert_eq!(robots.status(), 200);
        let robots = robots.text().await.unwrap();
        assert!(robots.contains("User-agent: *") && robots.contains("Disallow: /editor"), "{robots}");

        let home = app.get("/").await.text().await.unwrap();
        assert!(home.contains(r#"<meta name="description" content=""#), "{home}");
        assert!(home.contains(r#"<link rel="icon" href="/favicon.ico""#));
        // The stylesheet is linked under a name that changes with its content, and cached a year.
        let start = home.find("/static/style.").expect("a versioned stylesheet");
        let path = &home[start..start + home[start..].find('"').unwrap()];
        let css = app.get(path).await;
        assert_eq!(css.status(), 200);
        assert_eq!(css.headers()["cache-control"], "public, max-age=31536000, immutable");
        let etag = css.headers()["etag"].to_str().unwrap().to_string();
        let again = app.client().get(app.url(path)).header("If-None-Match", &etag).send().await.unwrap();
        assert_eq!(again.status(), 304);
        // The plain name still works, for minutes.
        let plain = app.get("/static/style.css").await;
        assert_eq!(plain.headers()["cache-control"], "public, max-age=300");
    }
}

on_both_backends! {
    async fn the_week_page_links_only_to_weeks_that_exist(backend) {
        let app = spawn_app_with(backend, |_| {}).await;
        let issue = app.state.open_week().await.unwrap().issue;
        let home = app.get("/").await.text().await.unwrap();
        assert!(!home.contains(&format!("/weeks/{}", issue - 1)), "the first week has no week before it");
        // A week later the closed week is one to link to, and the link works.
        app.clock.advance(chrono::Duration::days(7));
        app.state.roll_over().await.unwrap();
        let home = app.get("/").await.text().await.unwrap();
        assert!(home.contains(&format!(r#"href="/weeks/{issue}""#)), "{home}");
        assert_eq!(app.get(&format!("/weeks/{issue}")).await.status(), 200);
    }
}

on_both_backends! {
    async fn the_archive_api_says_it_is_paged_and_the_pages_chain(backend) {
        let app = spawn_app_with(backend, |_| {}).await;
        imported_archive(&app, 560);
        let client = app.client();
        let mut next = Some(app.url("/api/v1/winners"));
        let (mut seen, mut pages) = (Vec::new(), 0);
        while let Some(url) = next.take() {
            let res = client.get(&url).send().await.unwrap();
            assert_eq!(res.status(), 200, "{url}");
            assert_eq!(res.headers()["x-total-count"], "1120");
            let link = res.headers()["link"].to_str().unwrap().to_string();
            next = link
                .split(',')
                .find(|l| l.contains(r#"rel="next""#))
                .and_then(|l| Some(l[l.find('<')? + 1..l.find('>')?].to_string()));
            let page: Vec<serde_json::Value> = res.json().await.unwrap();
            seen.extend(page.iter().map(|w| (w["issue"].as_i64().unwrap(), w["category"].as_str().unwrap().to_string())));
            pages += 1;
            assert!(pages <= 3, "the pages must end");
        }
        assert_eq!(pages, 3);
        let distinct: std::collections::HashSet<_> = seen.iter().collect();
        assert_eq!((seen.len(), distinct.len()), (1120, 1120), "every winner once");
    }
}

on_both_backends! {
    async fn the_open_weeks_etag_stays_while_nothing_changes_and_moves_when_another_instance_writes(backend) {
        use diesel::prelude::*;
        use twir_picks::schema::votes;
        let app = common::spawn_app(backend).await;
        let bob = app.logged_in(Profile::new(100, "bob")).await;
        let serde = bob.nominated_crate("serde").await;
        app.logged_in(Profile::new(101, "carol")).await;
        let etag = |res: &reqwest::Response| res.headers()["etag"].to_str().unwrap().to_string();
        let first = etag(&app.get("/").await);
        // Past `REFRESH` the ranking is read again; found as it was, it keeps its version (so
        // its ETag, and every piece rendered and compressed for it).
        let refresh = twir_picks::cache::REFRESH + std::time::Duration::from_millis(150);
        tokio::time::sleep(refresh).await;
        assert_eq!(etag(&app.get("/").await), first, "read again, unchanged");

        // Another instance (here: straight into the database) records a vote.
        let mut conn = common::raw_connection(&app.database_url);
        let carol = twir_picks::models::user::find_by_login(&mut conn, "carol").unwrap().unwrap().id;
        let issue = app.state.open_week().await.unwrap().issue;
        let now = app.clock.now().naive_utc();
        diesel::insert_into(votes::table)
            .values((
                votes::user_id.eq(carol),
                votes::week_issue.eq(issue),
                votes::category.eq("crate"),
                votes::nomination_id.eq(serde),
                votes::withdrawn.eq(false),
                votes::created_at.eq(now),
                votes::updated_at.eq(now),
            ))
            .execute(&mut *conn)
            .unwrap();
        tokio::time::sleep(refresh).await;
        assert_ne!(etag(&app.get("/").await), first, "read again, changed");
        let week = app.browser().json("/api/v1/weeks/current").await;
        assert_eq!(week["categories"]["crate"][0]["votes"], 1);
    }
}

on_both_backends! {
    async fn the_open_weeks_page_says_how_long_voting_stays_open_as_time_passes(backend) {
        let app = common::spawn_app(backend).await;
        let bob = app.logged_in(Profile::new(100, "bob")).await;
        bob.nominated_crate("serde").await;
        let week = app.state.open_week().await.unwrap();
        let closes_at = week.closes_at.and_utc();
        let refresh = twir_picks::cache::REFRESH + std::time::Duration::from_millis(150);
        let says = |now| format!("({})", twir_picks::domain::week::relative(closes_at, now));

        app.clock.set(closes_at - chrono::Duration::hours(5));
        tokio::time::sleep(refresh).await;
        let first = app.get("/").await;
        let etag = first.headers()["etag"].to_str().unwrap().to_string();
        let page = first.text().await.unwrap();
        assert!(page.contains(&says(app.clock.now())), "{}", says(app.clock.now()));
        assert!(bob.get_text("/").await.contains("(in 5 hours)"), "a member's page too");

        // Nothing changes but the time: the pages say so, with a new ETag.
        app.clock.set(closes_at - chrono::Duration::hours(3));
        tokio::time::sleep(refresh).await;
        let later = app.get("/").await;
        assert_ne!(later.headers()["etag"].to_str().unwrap(), etag);
        assert!(later.text().await.unwrap().contains("(in 3 hours)"));
        assert!(bob.get_text("/").await.contains("(in 3 hours)"), "a member's page too");
    }
}
