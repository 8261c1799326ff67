//! Group commit: the writes waiting together are committed
//! in one transaction, a savepoint each. A vote refused inside a batch, or one the database
//! rejects, is rolled back alone: the other votes of the batch are stored and acknowledged.
//! Votes queued next to each other are written by one statement; when it fails, each is
//! written alone, and again only the failing one is refused.

use crate::common;

use common::{spawn_app, Profile};
use diesel::prelude::*;
use std::sync::atomic::Ordering;
use twir_picks::domain::validate::Category;
use twir_picks::error::AppError;
use twir_picks::models::{user, vote};
use twir_picks::schema::votes;

on_both_backends! {
    async fn a_vote_refused_in_a_batch_leaves_the_others_stored(backend) {
        let app = spawn_app(backend).await;
        let bob = app.logged_in(Profile::new(100, "bob")).await;
        let serde = bob.nominated_crate("serde").await;
        let ids = voters(&app, 8).await;
        let issue = app.state.open_week().await.unwrap().issue;
        let now = app.clock.now();
        let db = app.state.db.clone();
        let batches_before = db.write_counters().batches.load(Ordering::SeqCst);

        // Hold the writer, so everything below waits in the queue and goes in one batch.
        let blocker = hold_the_writer(&db).await;
        let mut writes = Vec::new();
        for (i, &user_id) in ids.iter().enumerate() {
            let db = db.clone();
            writes.push(tokio::spawn(async move {
                db.write(move |tx| {
                    match i {
                        // Votes, then refused: its vote must not stay.
                        2 => {
                            vote::cast(tx, user_id, issue, Category::Crate, serde, now)?;
                            Err(AppError::conflict("refused", "refused after writing"))
                        }
                        // The database refuses (no such nomination): on PostgreSQL this
                        // aborts the transaction unless the savepoint is rolled back.
                        5 => Ok(vote::cast(tx, user_id, issue, Category::Crate, 999_999, now)?),
                        _ => Ok(vote::cast(tx, user_id, issue, Category::Crate, serde, now)?),
                    }
                })
                .await
            }));
        }
        blocker.await.unwrap().unwrap();
        let mut answers = Vec::new();
        for w in writes {
            answers.push(w.await.unwrap());
        }
        for (i, answer) in answers.iter().enumerate() {
            match i {
                2 => assert_eq!(answer.as_ref().unwrap_err().code, "refused"),
                5 => assert!(answer.is_err()),
                _ => assert!(answer.is_ok(), "vote {i}: {answer:?}"),
            }
        }
        let batches = db.write_counters().batches.load(Ordering::SeqCst) - batches_before;
        assert!(batches <= 3, "the waiting writes were batched: {batches} batches for 9 writes");

        let mut conn = common::raw_connection(&app.database_url);
        let stored: Vec<i32> = votes::table
            .filter(votes::week_issue.eq(issue))
            .select(votes::user_id)
            .order(votes::user_id)
            .load(&mut *conn)
            .unwrap();
        let expected: Vec<i32> = ids.iter().enumerate().filter(|(i, _)| *i != 2 && *i != 5).map(|(_, id)| *id).collect();
        assert_eq!(stored, expected);
        // The cache counted exactly the stored votes.
        let week = app.browser().json("/api/v1/weeks/current").await;
        assert_eq!(week["categories"]["crate"][0]["votes"], 6);
    }
}

/// Hold the writer for a moment: what is queued meanwhile goes in one batch.
async fn hold_the_writer(db: &twir_picks::db::Db) -> tokio::task::JoinHandle<Result<(), AppError>> {
    let (started, wait) = std::sync::mpsc::channel();
    let db = db.clone();
    let blocker = tokio::spawn(async move {
        db.write(move |tx| {
            // Changes nothing a page shows: the caches keep what they hold.
            tx.changed(twir_picks::db::Change::Nothing);
            started.send(()).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(400));
            Ok(())
        })
        .await
    });
    // (This runtime has one thread: let the spawned write start, without blocking it.)
    while wait.try_recv().is_err() {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    blocker
}

/// Sign in `voter0`…`voter{n-1}` and return their user ids.
async fn voters(app: &common::TestApp, n: i64) -> Vec<i32> {
    let mut ids = Vec::new();
    for i in 0..n {
        app.logged_in(Profile::new(i + 1, &format!("voter{i}"))).await;
        let mut conn = app.state.db.get().unwrap();
        ids.push(
            user::find_by_login(&mut conn, &format!("voter{i}"))
                .unwrap()
                .unwrap()
                .id,
        );
    }
    ids
}

/// A crate vote through the merging write path.
async fn vote_for(
    db: &twir_picks::db::Db,
    user_id: i32,
    issue: i32,
    nomination_id: i32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    db.write_mergeable(vote::NewVote {
        user_id,
        issue,
        category: Category::Crate,
        nomination_id,
        now,
    })
    .await
}

/// The week's crate entries with the votes the API counts, by name.
async fn crate_votes(app: &common::TestApp) -> Vec<(String, i64)> {
    let week = app.browser().json("/api/v1/weeks/current").await;
    let mut counts: Vec<(String, i64)> = week["categories"]["crate"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["crate"]["name"].as_str().unwrap_or_default().to_string(),
                e["votes"].as_i64().unwrap(),
            )
        })
        .collect();
    counts.sort();
    counts
}

on_both_backends! {
    async fn votes_queued_together_are_merged_and_a_bad_one_is_refused_alone(backend) {
        let app = spawn_app(backend).await;
        let bob = app.logged_in(Profile::new(100, "bob")).await;
        let serde = bob.nominated_crate("serde").await;
        let tokio_id = bob.nominated_crate("tokio").await;
        let ids = voters(&app, 6).await;
        let issue = app.state.open_week().await.unwrap().issue;
        let now = app.clock.now();
        let db = app.state.db.clone();

        // Two rounds: every vote good (one statement), then one naming no nomination (the
        // statement fails and each is written alone). In both, voter 0 votes twice in the
        // batch: the later vote stands, as if they had been written in turn.
        for (round, bad) in [(0, None), (1, Some(3usize))] {
            let batches_before = db.write_counters().batches.load(Ordering::SeqCst);
            let merged_before = db.write_counters().merged.load(Ordering::SeqCst);
            let blocker = hold_the_writer(&db).await;
            let mut plan: Vec<(i32, i32)> = ids.iter().map(|&id| (id, serde)).collect();
            plan.push((ids[0], tokio_id));
            if let Some(bad) = bad {
                plan[bad].1 = 999_999;
            }
            let mut writes = Vec::new();
            for &(user_id, nomination_id) in &plan {
                let db = db.clone();
                writes.push(tokio::spawn(async move { vote_for(&db, user_id, issue, nomination_id, now).await }));
            }
            blocker.await.unwrap().unwrap();
            for (i, w) in writes.into_iter().enumerate() {
                let answer = w.await.unwrap();
                assert_eq!(answer.is_err(), Some(i) == bad, "round {round}, vote {i}: {answer:?}");
            }
            let batches = db.write_counters().batches.load(Ordering::SeqCst) - batches_before;
            assert!(batches <= 3, "round {round}: {batches} batches for 8 writes");
            // Round 0: the seven votes were one statement (a run may be cut where a batch
            // ends, so at least most of them); round 1: each was written alone.
            let merged = db.write_counters().merged.load(Ordering::SeqCst) - merged_before;
            match bad {
                None => assert!(merged >= 4, "round {round}: {merged} votes written together"),
                Some(_) => assert!(merged < 4, "round {round}: {merged} votes written together"),
            }

            let mut conn = common::raw_connection(&app.database_url);
            let stored: Vec<(i32, i32)> = votes::table
                .filter(votes::week_issue.eq(issue))
                .select((votes::user_id, votes::nomination_id))
                .order(votes::user_id)
                .load(&mut *conn)
                .unwrap();
            let mut expected: Vec<(i32, i32)> = ids.iter().map(|&id| (id, serde)).collect();
            expected[0].1 = tokio_id;
            assert_eq!(stored, expected, "round {round}");
            let counts = crate_votes(&app).await;
            assert!(counts.contains(&("serde".to_string(), 5)), "round {round}: {counts:?}");
            assert!(counts.contains(&("tokio".to_string(), 1)), "round {round}: {counts:?}");
        }
    }
}

on_both_backends! {
    async fn a_vote_moved_away_and_back_in_one_batch_shows_where_it_ended(backend) {
        let app = spawn_app(backend).await;
        let bob = app.logged_in(Profile::new(100, "bob")).await;
        let serde = bob.nominated_crate("serde").await;
        let tokio_id = bob.nominated_crate("tokio").await;
        let voter = voters(&app, 1).await[0];
        let issue = app.state.open_week().await.unwrap().issue;
        let now = app.clock.now();
        let db = app.state.db.clone();

        // PostgreSQL has two writer threads: hold both, so the three votes queue together.
        let blockers = [hold_the_writer(&db).await, hold_the_writer(&db).await];
        // The ranking is in memory now: what the batch says it changed moves its counts.
        assert_eq!(crate_votes(&app).await, [("serde".to_string(), 0), ("tokio".to_string(), 0)]);
        let mut writes = Vec::new();
        for nomination_id in [serde, tokio_id, serde] {
            let db = db.clone();
            writes.push(tokio::spawn(async move { vote_for(&db, voter, issue, nomination_id, now).await }));
        }
        for blocker in blockers {
            blocker.await.unwrap().unwrap();
        }
        for w in writes {
            w.await.unwrap().unwrap();
        }
        let mut conn = common::raw_connection(&app.database_url);
        let stored: Vec<i32> = votes::table
            .filter(votes::week_issue.eq(issue))
            .select(votes::nomination_id)
            .load(&mut *conn)
            .unwrap();
        assert_eq!(stored, [serde], "the last vote stands");
        assert_eq!(
            crate_votes(&app).await,
            [("serde".to_string(), 1), ("tokio".to_string(), 0)],
            "the page counts what is stored"
        );
    }
}

on_both_backends! {
    async fn a_vote_committed_while_the_ranking_is_read_again_stays_in_memory(backend) {
        let app = spawn_app(backend).await;
        let bob = app.logged_in(Profile::new(100, "bob")).await;
        let serde = bob.nominated_crate("serde").await;
        let tokio_id = bob.nominated_crate("tokio").await;
        let voters = voters(&app, 16).await;
        let week = app.state.open_week().await.unwrap();
        let (issue, now, ballot_weeks) = (week.issue, app.clock.now(), app.settings().ballot_weeks);
        let state = app.state.clone();
        // Readers keep asking, so the ranking is read again as soon as it is a second old,
        // while votes commit during those reads: each voter, after each acknowledged vote,
        // must find it in memory whenever memory answers.
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(3500);
        let reader = {
            let (state, week) = (state.clone(), week.clone());
            tokio::spawn(async move {
                while std::time::Instant::now() < deadline {
                    state.ballot.view(&state.db, &week, ballot_weeks, &state.settings.calendar, now).await.unwrap();
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
            })
        };
        let mut tasks = Vec::new();
        for (i, user_id) in voters.into_iter().enumerate() {
            let state = state.clone();
            tasks.push(tokio::spawn(async move {
                let mut round = i;
                while std::time::Instant::now() < deadline {
                    let nomination_id = if round % 2 == 0 { serde } else { tokio_id };
                    round += 1;
                    vote_for(&state.db, user_id, issue, nomination_id, now).await.unwrap();
                    if let Some(votes) = state.ballot.votes_of(issue, user_id) {
                        assert!(
                            votes.contains(&(Category::Crate, nomination_id)),
                            "voter {user_id} voted for {nomination_id}, memory says {votes:?}"
                        );
                    }
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        reader.await.unwrap();
    }
}
