//! Voting: one vote per user per category per week, moving and withdrawing it, every refusal
//! rule, the weekly rollover, the ranking, and concurrency.

use crate::common;

use common::browser::{counts, location};
use common::{spawn_app, Browser, Profile, TestApp};
use diesel::prelude::*;
use twir_picks::schema::{nominations, users, votes};

/// Carol nominates two crates and a quote; returns (browser, crate a, crate b, quote).
async fn ballot(app: &TestApp) -> (Browser, i32, i32, i32) {
    let carol = app.logged_in(Profile::new(3, "carol")).await;
    let a = carol.nominated_crate("serde").await;
    let b = carol.nominated_crate("rayon").await;
    let q = carol.nominated_quote("Ownership is a superpower.").await;
    (carol, a, b, q)
}

fn vote_rows(app: &TestApp) -> Vec<(i32, i32, String, i32, bool)> {
    let mut conn = app.state.db.get().unwrap();
    votes::table
        .order(votes::id)
        .select((
            votes::user_id,
            votes::week_issue,
            votes::category,
            votes::nomination_id,
            votes::withdrawn,
        ))
        .load(&mut *conn)
        .unwrap()
}

on_both_backends! {
    async fn vote_move_and_withdraw(backend) {
        let app = spawn_app(backend).await;
        let (_carol, a, b, q) = ballot(&app).await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;

        let res = bob.vote(a).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), format!("/#nomination-{a}"));
        let week = bob.json("/api/v1/weeks/current").await;
        assert_eq!(counts(&week, "crate"), vec![(a, 1), (b, 0)]);
        let home = bob.get_text("/").await;
        assert!(home.contains("Your vote is counted"));
        assert!(home.contains(&format!(r#"class="entry mine" id="nomination-{a}""#)), "own vote marked");

        // Moving: the vote follows, the count stays one.
        assert_eq!(bob.vote(b).await.status(), 303);
        let week = bob.json("/api/v1/weeks/current").await;
        assert_eq!(counts(&week, "crate"), vec![(b, 1), (a, 0)]);
        // A vote in the other category is separate.
        assert_eq!(bob.vote(q).await.status(), 303);

        let res = bob.post("/votes/withdraw", &[("category", "crate")]).await;
        assert_eq!(res.status(), 303);
        let week = bob.json("/api/v1/weeks/current").await;
        assert_eq!(counts(&week, "crate"), vec![(a, 0), (b, 0)]);
        assert_eq!(counts(&week, "quote"), vec![(q, 1)]);
        // Nothing deleted: the withdrawn vote is a flag.
        let rows = vote_rows(&app);
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().any(|r| r.2 == "crate" && r.4));

        assert_eq!(bob.post("/votes/withdraw", &[("category", "poem")]).await.status(), 422);
    }
}

on_both_backends! {
    async fn each_refusal_has_its_own_message(backend) {
        let app = spawn_app(backend).await;
        let (carol, a, _b, _q) = ballot(&app).await;

        // Own nomination (and co-nomination).
        let res = carol.vote(a).await;
        assert_eq!(res.status(), 403);
        assert!(res.text().await.unwrap().contains("a nomination you made or co-nominated"));
        let dave = app.logged_in(Profile::new(4, "dave")).await;
        dave.nominate_crate("serde", "co-nominating").await;
        assert_eq!(dave.vote(a).await.status(), 403);

        // A young account.
        let young = app.logged_in(Profile::new(5, "young").created("2026-11-01T00:00:00Z")).await;
        let res = young.vote(a).await;
        assert_eq!(res.status(), 403);
        assert!(res.text().await.unwrap().contains("younger than 30 days"));

        // Not a number, not there, not logged in.
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        let res = bob.post("/votes", &[("nomination_id", "12abc")]).await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("nomination_id must be the number"));
        assert_eq!(bob.vote(9999).await.status(), 404);

        // Hidden by the editors.
        // Through the one write path, as the editors' hide does: the caches hear of it.
        app.state.db.write_blocking(|tx| {
            Ok(diesel::update(nominations::table.find(a)).set(nominations::hidden.eq(true)).execute(tx.conn())?)
        }).unwrap();
        let res = bob.vote(a).await;
        assert_eq!(res.status(), 409);
        assert!(res.text().await.unwrap().contains("taken this nomination off the ballot"));

        // Banned.
        app.state.db.write_blocking(|tx| {
            Ok(diesel::update(users::table.filter(users::login.eq("bob"))).set(users::banned.eq(true)).execute(tx.conn())?)
        }).unwrap();
        let res = bob.vote(_b).await;
        assert_eq!(res.status(), 403);
        assert!(res.text().await.unwrap().contains("banned"));
        assert!(vote_rows(&app).is_empty());
    }
}

on_both_backends! {
    async fn a_nomination_leaves_the_ballot_after_four_weeks(backend) {
        let app = spawn_app(backend).await;
        let (_carol, a, _b, _q) = ballot(&app).await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        // Step week by week (visiting keeps the session alive) to issue 684: still on.
        for _ in 0..4 {
            app.clock.advance(chrono::Duration::days(7));
            let _ = app.logged_in(Profile::new(2, "bob")).await;
        }
        let bob = { let _ = bob; app.logged_in(Profile::new(2, "bob")).await };
        assert_eq!(bob.json("/api/v1/weeks/current").await["issue"], 684);
        assert_eq!(bob.vote(a).await.status(), 303);
        app.clock.advance(chrono::Duration::days(7));
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        let res = bob.vote(a).await;
        assert_eq!(res.status(), 409);
        assert!(res.text().await.unwrap().contains("not on the ballot of issue 685"));
    }
}

on_both_backends! {
    async fn a_vote_after_the_cutoff_lands_in_the_next_week(backend) {
        let app = spawn_app(backend).await;
        let (_carol, a, b, _q) = ballot(&app).await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        app.clock.set("2026-12-01T11:59:59Z".parse().unwrap());
        let bob = { let _ = bob; app.logged_in(Profile::new(2, "bob")).await };
        assert_eq!(bob.vote(a).await.status(), 303);
        app.clock.set("2026-12-01T12:00:00Z".parse().unwrap());
        assert_eq!(bob.vote(b).await.status(), 303);

        let rows = vote_rows(&app);
        assert_eq!(rows.iter().map(|r| (r.1, r.3)).collect::<Vec<_>>(), vec![(680, a), (681, b)]);
        let current = bob.json("/api/v1/weeks/current").await;
        assert_eq!(current["issue"], 681);
        assert_eq!(current["opens_at"], "2026-12-01T12:00:00Z");
        assert_eq!(current["closes_at"], "2026-12-08T12:00:00Z");
        // This week's votes first; last week's vote is an earlier vote.
        let first = &current["categories"]["crate"][0];
        assert_eq!((first["nomination_id"].as_i64().unwrap() as i32, first["votes"].as_i64().unwrap()), (b, 1));
        let second = &current["categories"]["crate"][1];
        assert_eq!((second["votes"].as_i64().unwrap(), second["earlier_votes"].as_i64().unwrap()), (0, 1));
        let last = bob.json("/api/v1/weeks/680").await;
        assert_eq!(last["status"], "closed");
        assert_eq!(counts(&last, "crate"), vec![(a, 1), (b, 0)]);
        assert_eq!(app.get("/weeks/680").await.status(), 200);
        assert_eq!(app.get("/weeks/9999").await.status(), 404);
        assert_eq!(app.get("/weeks/abc").await.status(), 404);
    }
}

on_both_backends! {
    async fn ties_are_broken_by_earlier_votes_then_the_earlier_nomination(backend) {
        let app = spawn_app(backend).await;
        let carol = app.logged_in(Profile::new(3, "carol")).await;
        let first = carol.nominated_crate("serde").await;
        app.clock.advance(chrono::Duration::minutes(1));
        let second = carol.nominated_crate("rayon").await;
        app.clock.advance(chrono::Duration::minutes(1));
        let third = carol.nominated_crate("tokio").await;
        // Last week (680): one vote for `third`.
        let voter = app.logged_in(Profile::new(10, "v10")).await;
        voter.vote(third).await;
        app.clock.set("2026-12-01T13:00:00Z".parse().unwrap());
        // This week (681): one vote each.
        for (i, id) in [(11, first), (12, second), (13, third)] {
            let v = app.logged_in(Profile::new(i, &format!("v{i}"))).await;
            assert_eq!(v.vote(id).await.status(), 303);
        }
        let week = carol.json("/api/v1/weeks/current").await;
        let order: Vec<i64> = week["categories"]["crate"].as_array().unwrap().iter().map(|e| e["nomination_id"].as_i64().unwrap()).collect();
        assert_eq!(order, vec![third as i64, first as i64, second as i64]);
        let ranks: Vec<i64> = week["categories"]["crate"].as_array().unwrap().iter().map(|e| e["rank"].as_i64().unwrap()).collect();
        assert_eq!(ranks, vec![1, 2, 3]);

        // The page shows the same order.
        let html = app.get("/").await.text().await.unwrap();
        let positions: Vec<usize> = order.iter().map(|id| html.find(&format!(r#"id="nomination-{id}""#)).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "HTML order differs from JSON: {positions:?}");
    }
}

on_both_backends! {
    async fn fifty_users_voting_at_once_leave_fifty_votes(backend) {
        let app = spawn_app(backend).await;
        let (_carol, a, b, _q) = ballot(&app).await;
        let mut voters = Vec::new();
        for i in 0..50 {
            voters.push(app.logged_in(Profile::new(100 + i, &format!("voter{i}"))).await);
        }
        let mut tokens = Vec::new();
        for v in &voters {
            tokens.push(v.csrf_token().await);
        }
        let requests = voters.iter().zip(&tokens).enumerate().map(|(i, (v, token))| {
            let target = if i % 5 < 3 { a } else { b };
            let id = target.to_string();
            let token = token.clone();
            async move { v.post_raw("/votes", &[("nomination_id", id.as_str()), ("csrf_token", token.as_str())]).await.status() }
        });
        let statuses = futures_util::future::join_all(requests).await;
        assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
        assert_eq!(vote_rows(&app).len(), 50);
        let week = app.browser().json("/api/v1/weeks/current").await;
        assert_eq!(counts(&week, "crate"), vec![(a, 30), (b, 20)]);
    }
}

on_both_backends! {
    async fn twenty_concurrent_votes_from_one_user_leave_one(backend) {
        let app = spawn_app(backend).await;
        let (_carol, a, b, _q) = ballot(&app).await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        let token = bob.csrf_token().await;
        let requests = (0..20).map(|i| {
            let id = if i % 2 == 0 { a } else { b }.to_string();
            let (bob, token) = (&bob, token.clone());
            async move { bob.post_raw("/votes", &[("nomination_id", id.as_str()), ("csrf_token", token.as_str())]).await.status() }
        });
        let statuses = futures_util::future::join_all(requests).await;
        assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
        let rows = vote_rows(&app);
        assert_eq!(rows.len(), 1, "{rows:?}");
        let week = app.browser().json("/api/v1/weeks/current").await;
        let total: i64 = counts(&week, "crate").iter().map(|(_, n)| n).sum();
        assert_eq!(total, 1);
    }
}

on_both_backends! {
    async fn voting_needs_a_login(backend) {
        let app = spawn_app(backend).await;
        let (_carol, a, _b, _q) = ballot(&app).await;
        // A visitor without a session has no CSRF token: 403 before anything else.
        let anon = app.browser();
        let res = anon.post_raw("/votes", &[("nomination_id", &a.to_string())]).await;
        assert_eq!(res.status(), 403);
        let home = anon.get_text("/").await;
        assert!(!home.contains(r#"action="/votes""#), "no vote forms for visitors");
        assert!(!home.contains(r#"form="vote-form""#), "no vote buttons for visitors");
    }
}

on_both_backends! {
    async fn week_show_and_close_from_the_command_line(backend) {
        let app = spawn_app(backend).await;
        let out = app.cli(&["week", "show"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        // The CLI runs on the real clock: it names some open issue.
        assert!(text.starts_with("issue ") && text.contains("(open)"), "{text}");
        let out = app.cli(&["week", "close"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("closed issue") && text.contains("opened issue"), "{text}");
    }
}

on_both_backends! {
    async fn cached_pages_revalidate_with_etags_and_stay_exact(backend) {
        let app = spawn_app(backend).await;
        let (_carol, a, _b, _q) = ballot(&app).await;
        let client = app.client();
        let first = client.get(app.url("/api/v1/weeks/current")).send().await.unwrap();
        let etag = first.headers()["etag"].to_str().unwrap().to_string();
        assert_eq!(first.headers()["cache-control"], "public, no-cache");
        let again = client.get(app.url("/api/v1/weeks/current")).header("If-None-Match", &etag).send().await.unwrap();
        assert_eq!(again.status(), 304);
        let gz = client.get(app.url("/")).header("Accept-Encoding", "gzip").send().await.unwrap();
        assert_eq!(gz.headers()["content-encoding"], "gzip");

        // A vote changes the ETag and shows at once.
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        bob.vote(a).await;
        let after = client.get(app.url("/api/v1/weeks/current")).header("If-None-Match", &etag).send().await.unwrap();
        assert_eq!(after.status(), 200);
        assert_ne!(after.headers()["etag"].to_str().unwrap(), etag);
        let json: serde_json::Value = after.json().await.unwrap();
        assert_eq!(counts(&json, "crate")[0], (a, 1));
        // And on the shared page: the entry (there before the vote too) now shows the vote.
        let page = app.get("/").await.text().await.unwrap();
        assert!(entry_html(&page, a).contains("1 <small>vote"), "{}", entry_html(&page, a));
    }
}

/// The markup of entry `id` on `page`: its `<li>` up to the next entry.
fn entry_html(page: &str, id: i32) -> &str {
    let start = page
        .find(&format!(r#"id="nomination-{id}""#))
        .expect("entry on the page");
    let rest = &page[start..];
    &rest[..rest.find("</li>").unwrap()]
}

on_both_backends! {
    async fn each_visitor_sees_their_own_votes_on_the_shared_page(backend) {
        let app = spawn_app(backend).await;
        let (carol, a, b, q) = ballot(&app).await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        let dave = app.logged_in(Profile::new(4, "dave")).await;
        assert_eq!(bob.vote(a).await.status(), 303);
        assert_eq!(dave.vote(b).await.status(), 303);

        // Entries are rendered once per kind of visitor and shared: each page must still be
        // its visitor's own, token included.
        let bob_page = bob.get_text("/").await;
        let dave_page = dave.get_text("/").await;
        let carol_page = carol.get_text("/").await;
        let anon_page = app.browser().get_text("/").await;
        assert!(entry_html(&bob_page, a).contains("Your vote"));
        assert!(entry_html(&bob_page, b).contains("Move my vote here"));
        assert!(entry_html(&bob_page, q).contains(">Vote<"), "no quote vote yet");
        assert!(entry_html(&dave_page, b).contains("Your vote"));
        assert!(entry_html(&dave_page, a).contains("Move my vote here"));
        assert!(entry_html(&carol_page, a).contains("You nominated this."));
        assert!(!entry_html(&carol_page, a).contains("<button"), "no vote for your own");
        assert!(!entry_html(&anon_page, a).contains("<button"));
        let bob_token = common::browser::extract_csrf(&bob_page).unwrap();
        let dave_token = common::browser::extract_csrf(&dave_page).unwrap();
        assert!(!dave_page.contains(&bob_token) && !bob_page.contains(&dave_token));
        assert!(common::browser::extract_csrf(&anon_page).is_none());

        // What a browser sends for bob's "Move my vote here": the button's name and value with
        // the fields of the form it names.
        assert!(entry_html(&bob_page, b).contains(&format!(
            r#"form="vote-form" name="nomination_id" value="{b}""#
        )));
        assert!(bob_page.contains(r#"<form method="post" action="/votes" id="vote-form""#));
        let res = bob
            .post_raw("/votes", &[("csrf_token", &bob_token), ("nomination_id", &b.to_string())])
            .await;
        assert_eq!(res.status(), 303);
        let week = bob.json("/api/v1/weeks/current").await;
        assert_eq!(counts(&week, "crate"), vec![(b, 2), (a, 0)]);
        let bob_page = bob.get_text("/").await;
        assert!(entry_html(&bob_page, b).contains("Your vote"));
        assert!(entry_html(&bob_page, a).contains("Move my vote here"));
        // And dave's page, made from the same pieces, did not change hands.
        let dave_page = dave.get_text("/").await;
        assert!(entry_html(&dave_page, b).contains("Your vote"));
        assert!(entry_html(&dave_page, b).contains("2 <small>votes"));

        // Withdrawing: the button names the category, the form carries the token.
        assert!(entry_html(&bob_page, b).contains(r#"form="withdraw-form" name="category" value="crate""#));
        let res = bob
            .post_raw("/votes/withdraw", &[("csrf_token", &bob_token), ("category", "crate")])
            .await;
        assert_eq!(res.status(), 303);
        assert!(entry_html(&bob.get_text("/").await, b).contains(">Vote<"));
    }
}
