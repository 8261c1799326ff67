//! The skeleton: migrations on both backends, schema rules, probes, the open week, settings.

use crate::common;

use chrono::NaiveDateTime;
use common::spawn_app;
use diesel::prelude::*;
use twir_picks::db::{is_unique_violation, migrate, DbConnection};
use twir_picks::schema::{nominations, picks, users, votes, weeks};

fn now() -> NaiveDateTime {
    common::default_now().naive_utc()
}

fn add_user(conn: &mut DbConnection, login: &str) -> i32 {
    diesel::insert_into(users::table)
        .values((
            users::login.eq(login),
            users::created_at.eq(now()),
            users::updated_at.eq(now()),
        ))
        .execute(conn)
        .unwrap();
    users::table
        .filter(users::login.eq(login))
        .select(users::id)
        .first(conn)
        .unwrap()
}

fn add_crate(conn: &mut DbConnection, issue: i32, by: i32, name: &str) -> i32 {
    diesel::insert_into(nominations::table)
        .values((
            nominations::category.eq("crate"),
            nominations::week_issue.eq(issue),
            nominations::nominated_by.eq(by),
            nominations::created_at.eq(now()),
            nominations::dedupe_key.eq(name),
            nominations::crate_name.eq(name),
            nominations::pitch.eq("a crate"),
        ))
        .execute(conn)
        .unwrap();
    nominations::table
        .filter(nominations::crate_name.eq(name))
        .select(nominations::id)
        .first(conn)
        .unwrap()
}

fn vote(conn: &mut DbConnection, user: i32, issue: i32, nomination: i32) -> QueryResult<usize> {
    diesel::insert_into(votes::table)
        .values((
            votes::user_id.eq(user),
            votes::week_issue.eq(issue),
            votes::category.eq("crate"),
            votes::nomination_id.eq(nomination),
            votes::created_at.eq(now()),
            votes::updated_at.eq(now()),
        ))
        .execute(conn)
}

on_both_backends! {
    async fn migrations_create_the_whole_model(backend) {
        let app = spawn_app(backend).await;
        let mut conn = app.state.db.get().unwrap();
        // Every table of the model exists and is empty but for the first week.
        for table in ["users", "editors", "nominations", "nominators", "votes", "picks", "featured_history", "audit_log", "crates_io_cache"] {
            diesel::sql_query(format!("SELECT 1 FROM {table}")).execute(&mut *conn).unwrap_or_else(|e| panic!("{table}: {e}"));
        }
        assert_eq!(weeks::table.count().get_result::<i64>(&mut *conn).unwrap(), 1);
        // Running them again applies nothing.
        assert!(migrate::run_pending(&mut common::raw_connection(&app.database_url)).unwrap().is_empty());
    }
}

on_both_backends! {
    async fn the_database_refuses_a_second_vote_row(backend) {
        let app = spawn_app(backend).await;
        let issue = app.state.open_week().await.unwrap().issue;
        let mut conn = common::raw_connection(&app.database_url);
        let alice = add_user(&mut conn, "alice");
        let bob = add_user(&mut conn, "bob");
        let first = add_crate(&mut conn, issue, bob, "serde");
        let second = add_crate(&mut conn, issue, bob, "rayon");
        vote(&mut conn, alice, issue, first).unwrap();
        let err = vote(&mut conn, alice, issue, second).unwrap_err();
        assert!(is_unique_violation(&err), "{err:?}");
        // Another user, or another week, is fine.
        vote(&mut conn, bob, issue, first).unwrap();
    }
}

on_both_backends! {
    async fn one_standing_pick_per_category_and_week(backend) {
        let app = spawn_app(backend).await;
        let issue = app.state.open_week().await.unwrap().issue;
        let mut conn = common::raw_connection(&app.database_url);
        let editor = add_user(&mut conn, "llogiq");
        let a = add_crate(&mut conn, issue, editor, "a");
        let b = add_crate(&mut conn, issue, editor, "b");
        let pick = |conn: &mut DbConnection, n: i32| {
            diesel::insert_into(picks::table)
                .values((picks::week_issue.eq(issue), picks::category.eq("crate"), picks::nomination_id.eq(n),
                         picks::picked_by.eq(editor), picks::picked_at.eq(now())))
                .execute(conn)
        };
        pick(&mut conn, a).unwrap();
        assert!(is_unique_violation(&pick(&mut conn, b).unwrap_err()));
        // Once unpicked (a flag, never a delete), another pick may stand.
        diesel::update(picks::table).set(picks::unpicked_at.eq(Some(now()))).execute(&mut *conn).unwrap();
        pick(&mut conn, b).unwrap();
    }
}

on_both_backends! {
    async fn foreign_keys_are_enforced(backend) {
        let app = spawn_app(backend).await;
        let mut conn = common::raw_connection(&app.database_url);
        let alice = add_user(&mut conn, "alice");
        let err = vote(&mut conn, alice, 680, 999).unwrap_err();
        assert!(matches!(err, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::ForeignKeyViolation, _)), "{err:?}");
    }
}

on_both_backends! {
    async fn probes_answer(backend) {
        let app = spawn_app(backend).await;
        let live = app.get("/livez").await;
        assert_eq!(live.status(), 200);
        assert_eq!(live.text().await.unwrap(), "ok");
        let health = app.get("/healthz").await;
        assert_eq!(health.status(), 200);
        let body: serde_json::Value = health.json().await.unwrap();
        assert_eq!(body["database"], "ok");
    }
}

on_both_backends! {
    async fn the_home_page_shows_the_open_week(backend) {
        let app = spawn_app(backend).await;
        let res = app.get("/").await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
        let html = res.text().await.unwrap();
        assert!(html.contains("This Week in Rust 680"), "{html}");
        assert!(html.contains("Tuesday 1 December 2026, 12:00 UTC"));
        assert!(html.contains("Nothing nominated yet"));
    }
}

on_both_backends! {
    async fn unknown_routes_get_a_page_and_api_gets_json(backend) {
        let app = spawn_app(backend).await;
        let res = app.get("/no/such/page").await;
        assert_eq!(res.status(), 404);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(res.headers().contains_key("content-security-policy"));
        assert!(res.text().await.unwrap().contains("There is no page at this address"));
        let res = app.get("/api/v1/nothing").await;
        assert_eq!(res.status(), 404);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"], "not_found");
    }
}

#[test]
fn a_bad_database_url_fails_fast_and_says_why() {
    let bin = env!("CARGO_BIN_EXE_twir-picks");
    let started = std::time::Instant::now();
    let out = std::process::Command::new(bin)
        .arg("migrate")
        .env("DATABASE_URL", "mysql://localhost/db")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("DATABASE_URL") && stderr.contains("mysql"),
        "{stderr}"
    );

    // Nothing listens on port 1: the driver's own message comes back within seconds.
    let out = std::process::Command::new(bin)
        .arg("serve")
        .env(
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/none?sslmode=disable",
        )
        .env("BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot open the database") && stderr.contains("127.0.0.1"),
        "{stderr}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn bad_settings_are_each_named() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_twir-picks"))
        .arg("migrate")
        .env("BIND", "0.0.0.0:8080")
        .env("DEV_LOGIN", "true")
        .env("CUTOFF", "someday")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("DEV_LOGIN") && stderr.contains("CUTOFF"),
        "{stderr}"
    );
}

/// The bundled SQLite is built with the query planner stability guarantee (.cargo/config.toml):
/// without it every statement with a bound LIMIT is parsed again at each run.
#[test]
fn sqlite_keeps_prepared_statements_prepared() {
    #[derive(QueryableByName)]
    struct Used {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        used: i32,
    }
    let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
    let row: Used = diesel::sql_query("SELECT sqlite_compileoption_used('ENABLE_QPSG') AS used")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(row.used, 1, "build with LIBSQLITE3_FLAGS=-DSQLITE_ENABLE_QPSG");
}

on_both_backends! {
    async fn instances_starting_at_once_all_migrate(backend) {
        // Four `migrate` at once on a fresh database (a rolling deploy): all succeed, and the
        // schema is applied once.
        let (_db, url) = common::TestDb::create(backend);
        let children: Vec<_> = (0..4)
            .map(|_| {
                std::process::Command::new(env!("CARGO_BIN_EXE_twir-picks"))
                    .arg("migrate")
                    .env("DATABASE_URL", &url)
                    .env("RUST_LOG", "warn")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
        let state = twir_picks::build_state(
            twir_picks::Settings::from_args(&common::base_args(&url)).unwrap(),
            twir_picks::Clock::manual(common::default_now()),
        )
        .await
        .unwrap();
        let mut conn = state.db.get().unwrap();
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let applied = diesel::sql_query("SELECT COUNT(*) AS n FROM __diesel_schema_migrations")
            .get_result::<Count>(&mut *conn)
            .unwrap();
        let folders = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).unwrap().count();
        assert_eq!(applied.n, folders as i64);
    }
}
