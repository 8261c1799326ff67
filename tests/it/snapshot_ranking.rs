//! The ranked open week in memory (`cache::BallotCache`) against the database: after any
//! sequence of nominations, votes, withdrawals, hides and bans made through the actions, the
//! ranking the pages serve equals the ranking read afresh from the database.
//!
//! A property test: the sequences are drawn by proptest (seeded, so a failure repeats), run
//! against one service per case; a failure prints the sequence.

use crate::common;

use common::{spawn_app, Backend, TestApp};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use twir_picks::actor::CurrentUser;
use twir_picks::domain::validate::{Category, NominationForm};
use twir_picks::models::ballot;
use twir_picks::models::user::{self, User};

const USERS: usize = 5;
const CRATES: [&str; 4] = ["serde", "rayon", "tokio", "anyhow"];

#[derive(Debug, Clone)]
enum Step {
    NominateCrate { by: usize, krate: usize },
    NominateQuote { by: usize, quote: usize },
    Vote { by: usize, nomination: usize },
    Withdraw { by: usize, crates: bool },
    Hide { nomination: usize, hidden: bool },
    Ban { user: usize, banned: bool },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => (0..USERS, 0..CRATES.len()).prop_map(|(by, krate)| Step::NominateCrate { by, krate }),
        1 => (0..USERS, 0..3usize).prop_map(|(by, quote)| Step::NominateQuote { by, quote }),
        4 => (0..USERS, 0..8usize).prop_map(|(by, nomination)| Step::Vote { by, nomination }),
        1 => (0..USERS, any::<bool>()).prop_map(|(by, crates)| Step::Withdraw { by, crates }),
        1 => (0..8usize, any::<bool>()).prop_map(|(nomination, hidden)| Step::Hide { nomination, hidden }),
        1 => (0..USERS, any::<bool>()).prop_map(|(user, banned)| Step::Ban { user, banned }),
    ]
}

/// (category, nomination, votes) in ranked order: what the pages show.
type Ranking = Vec<(Category, i32, i64)>;

fn ranking_of(ranked: &ballot::RankedWeek) -> Ranking {
    Category::ALL
        .iter()
        .flat_map(|c| {
            ranked
                .categories
                .get(*c)
                .iter()
                .map(move |e| (*c, e.nomination_id, e.votes))
        })
        .collect()
}

/// The ranking read afresh from the database, bypassing the cache.
async fn from_database(app: &TestApp) -> Ranking {
    let week = app.state.open_week().await.unwrap();
    let ballot_weeks = app.settings().ballot_weeks;
    let (calendar, now) = (app.settings().calendar, app.clock.now());
    app.state
        .db
        .read(move |conn| {
            let audience = ballot::Audience::Public {
                calendar: &calendar,
                now,
            };
            let mut ranked = ballot::ranked_week(conn, &week, ballot_weeks, audience)?;
            let counted = twir_picks::models::vote::counted_in_week(conn, week.issue)?;
            for c in Category::ALL {
                let list = ranked.categories.get_mut(c);
                for e in list.iter_mut() {
                    e.votes = counted
                        .iter()
                        .filter(|v| v.nomination_id == e.nomination_id)
                        .count() as i64;
                }
                ballot::rank_entries(list);
            }
            Ok(ranking_of(&ranked))
        })
        .await
        .unwrap()
}

async fn from_cache(app: &TestApp) -> Ranking {
    let week = app.state.open_week().await.unwrap();
    let view = app
        .state
        .ballot
        .view(
            &app.state.db,
            &week,
            app.settings().ballot_weeks,
            &app.settings().calendar,
            app.clock.now(),
        )
        .await
        .unwrap();
    ranking_of(&view.ranked)
}

async fn users(app: &TestApp) -> Vec<User> {
    let now = app.clock.now();
    let mut out = Vec::new();
    for i in 0..USERS {
        let login = format!("voter{i}");
        out.push(
            app.state
                .db
                .write(move |tx| Ok(user::upsert_dev(tx, &login, now)?))
                .await
                .unwrap(),
        );
    }
    out
}

async fn reload(app: &TestApp, u: &User) -> CurrentUser {
    let id = u.id;
    let user = app
        .state
        .db
        .read(move |conn| Ok(user::find(conn, id)?))
        .await
        .unwrap()
        .unwrap();
    CurrentUser {
        user,
        is_editor: true,
    }
}

/// The `index`th known nomination, wrapping round, so most steps find one.
fn pick(nominations: &[i32], index: usize) -> Option<&i32> {
    (!nominations.is_empty()).then(|| &nominations[index % nominations.len()])
}

fn remember(nominations: &mut Vec<i32>, done: twir_picks::actions::nominate::Nominated) {
    use twir_picks::actions::nominate::Nominated::*;
    let (Created(id) | CoNominated(id) | AlreadyYours(id)) = done;
    if !nominations.contains(&id) {
        nominations.push(id);
    }
}

/// Run one step; refusals (banned, limit reached, hidden, …) are part of the property.
async fn run(app: &TestApp, people: &[User], nominations: &mut Vec<i32>, step: &Step) {
    use twir_picks::actions::{moderation, nominate, vote};
    let state = &app.state;
    match step {
        Step::NominateCrate { by, krate } => {
            let form = NominationForm {
                category: "crate".into(),
                crate_name: CRATES[*krate].into(),
                pitch: format!("{} is worth a look", CRATES[*krate]),
                ..Default::default()
            };
            if let Ok(done) = nominate::nominate(state, &reload(app, &people[*by]).await, &form).await {
                remember(nominations, done);
            }
        }
        Step::NominateQuote { by, quote } => {
            let form = NominationForm {
                category: "quote".into(),
                text: format!("Quote number {quote} about ownership."),
                author: format!("Author {quote}"),
                where_said: "on rust-users".into(),
                source_url: format!("https://users.rust-lang.org/t/{quote}"),
                ..Default::default()
            };
            if let Ok(done) = nominate::nominate(state, &reload(app, &people[*by]).await, &form).await {
                remember(nominations, done);
            }
        }
        Step::Vote { by, nomination } => {
            if let Some(id) = pick(nominations, *nomination) {
                let _ = vote::cast(state, &reload(app, &people[*by]).await, *id).await;
            }
        }
        Step::Withdraw { by, crates } => {
            let category = if *crates { Category::Crate } else { Category::Quote };
            let _ = vote::withdraw(state, &reload(app, &people[*by]).await, category).await;
        }
        Step::Hide { nomination, hidden } => {
            if let Some(id) = pick(nominations, *nomination) {
                let reason = hidden.then(|| "off topic".to_string());
                let editor = reload(app, &people[0]).await;
                moderation::set_hidden(state, &editor, *id, *hidden, reason)
                    .await
                    .unwrap();
            }
        }
        Step::Ban { user, banned } => {
            // The editor (user 0) does not ban themselves.
            if *user != 0 {
                let editor = reload(app, &people[0]).await;
                let login = people[*user].login.clone();
                moderation::set_banned(state, &editor, &login, *banned, Some("spam".into()))
                    .await
                    .unwrap();
            }
        }
    }
}

async fn check(backend: Backend, cases: u32, steps: usize) {
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let sequences = proptest::collection::vec(step(), 1..=steps);
    // The property says nothing if the steps were all refused: count what was ranked.
    let (mut most_nominations, mut most_votes) = (0, 0);
    for case in 0..cases {
        let sequence = sequences.new_tree(&mut runner).unwrap().current();
        let app = spawn_app(backend).await;
        let people = users(&app).await;
        let mut nominations = Vec::new();
        for (i, s) in sequence.iter().enumerate() {
            run(&app, &people, &mut nominations, s).await;
            let cached = from_cache(&app).await;
            let stored = from_database(&app).await;
            assert_eq!(
                cached, stored,
                "case {case}, after step {i} ({s:?}) of {sequence:#?}: the cached ranking differs from the database's"
            );
        }
        let last = from_database(&app).await;
        most_nominations = most_nominations.max(last.len());
        most_votes = most_votes.max(last.iter().map(|(_, _, v)| *v).sum::<i64>());
    }
    assert!(
        most_nominations >= 3 && most_votes >= 3,
        "the sequences did too little: {most_nominations} nominations, {most_votes} votes"
    );
}

#[actix_web::test]
async fn the_cached_ranking_equals_the_database_ranking_sqlite() {
    check(Backend::Sqlite, 16, 40).await;
}

#[actix_web::test]
async fn the_cached_ranking_equals_the_database_ranking_postgres() {
    if Backend::postgres_url().is_none() {
        Backend::skip_postgres();
        return;
    }
    check(Backend::Postgres, 6, 40).await;
}
