//! Faults: a killed server loses no acknowledged vote; a database that goes away gives 503s
//! and the service recovers by itself; a busy SQLite file is waited for, not a 500.

use crate::common;

use common::vote_stream::{assert_every_acknowledged_vote_stored, seed, stored_votes, VoteStream};
use common::{spawn_app, Backend, Profile, ServerProcess, TestDb};
use diesel::prelude::*;
use std::sync::{Arc, Mutex};
use twir_picks::db::Db;
use twir_picks::schema::users;
use twir_picks::settings::DatabaseUrl;

on_both_backends! {
    async fn acknowledged_votes_survive_sigkill(backend) {
        let (_db, url) = TestDb::create(backend);
        let (issue, a, b) = seed(&url);
        let mut server = ServerProcess::start(&url);
        let stream = VoteStream::start(&server.base, 16, a, b).await;
        actix_web::rt::time::sleep(std::time::Duration::from_millis(400)).await;
        server.kill(); // mid-load
        let logs = stream.stop().await;
        let acknowledged = logs.values().filter(|l| l.accepted.is_some()).count();
        assert!(acknowledged >= 8, "the load was running: {logs:?}");

        // Restart on the same data: every acknowledged vote is there (or the one sent after it,
        // which may have been stored without its answer arriving).
        let server = ServerProcess::start(&url);
        let stored = stored_votes(&url, issue);
        assert_every_acknowledged_vote_stored(&logs, &stored);
        let week: serde_json::Value = reqwest::get(format!("{}/api/v1/weeks/current", server.base)).await.unwrap().json().await.unwrap();
        let total: i64 = week["categories"]["crate"].as_array().unwrap().iter().map(|e| e["votes"].as_i64().unwrap()).sum();
        assert_eq!(total as usize, stored.len());
    }
}

/// A TCP proxy in front of PostgreSQL that the test can cut and restore.
struct Proxy {
    port: u16,
    down: Arc<std::sync::atomic::AtomicBool>,
    connections: Arc<Mutex<Vec<actix_web::rt::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: std::net::SocketAddr) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down: Arc<std::sync::atomic::AtomicBool> = Arc::default();
        let connections: Arc<Mutex<Vec<actix_web::rt::task::JoinHandle<()>>>> = Arc::default();
        let (d, c) = (down.clone(), connections.clone());
        actix_web::rt::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if d.load(std::sync::atomic::Ordering::SeqCst) {
                    continue; // dropped: the client sees the connection close
                }
                let handle = actix_web::rt::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                c.lock().unwrap().push(handle);
            }
        });
        Proxy {
            port,
            down,
            connections,
        }
    }

    fn cut(&self) {
        self.down.store(true, std::sync::atomic::Ordering::SeqCst);
        for h in self.connections.lock().unwrap().drain(..) {
            h.abort();
        }
    }

    fn restore(&self) {
        self.down.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

#[actix_web::test]
async fn postgresql_going_away_gives_503_and_the_service_recovers() {
    let Some(admin) = Backend::postgres_url() else {
        Backend::skip_postgres();
        return;
    };
    let (_db, url) = TestDb::create(Backend::Postgres);
    let parsed = url::Url::parse(&admin).unwrap();
    let upstream = format!("{}:{}", parsed.host_str().unwrap(), parsed.port().unwrap_or(5432));
    let upstream: std::net::SocketAddr = tokio::net::lookup_host(upstream).await.unwrap().next().unwrap();
    let proxy = Proxy::start(upstream).await;
    let mut via_proxy = url::Url::parse(&url).unwrap();
    via_proxy.set_port(Some(proxy.port)).unwrap();
    let app = common::spawn_app_on(via_proxy.as_str()).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/").await.status(), 200);

    proxy.cut();
    // Past the in-memory copies' lifetimes, everything that needs the database says so.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 503);
    let page = app.get("/").await;
    assert_eq!(page.status(), 503);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("The database is not answering right now"));
    let api = app.get("/api/v1/weeks/current").await;
    assert_eq!(api.status(), 503);
    assert_eq!(
        api.json::<serde_json::Value>().await.unwrap()["error"],
        "unavailable"
    );
    assert_eq!(
        app.get("/livez").await.status(),
        200,
        "the process itself is fine"
    );

    proxy.restore();
    let started = std::time::Instant::now();
    loop {
        if app.get("/healthz").await.status() == 200 && app.get("/").await.status() == 200 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "did not recover"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[actix_web::test]
async fn a_busy_sqlite_file_is_waited_for_not_a_500() {
    let app = spawn_app(Backend::Sqlite).await;
    let carol = app.logged_in(Profile::new(3, "carol")).await;
    let a = carol.nominated_crate("serde").await;
    let bob = app.logged_in(Profile::new(2, "bob")).await;
    let token = bob.csrf_token().await;
    let path = match &app.settings().database {
        DatabaseUrl::Sqlite(p) => p.clone(),
        _ => unreachable!(),
    };
    // Another process-like connection holds the write lock for a second.
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        use diesel::connection::SimpleConnection;
        let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy()).unwrap();
        conn.batch_execute("BEGIN IMMEDIATE; UPDATE weeks SET status = status;")
            .unwrap();
        locked_tx.send(()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1_000));
        conn.batch_execute("COMMIT;").unwrap();
    });
    locked_rx.recv().unwrap();
    let started = std::time::Instant::now();
    let res = bob
        .post_raw(
            "/votes",
            &[("nomination_id", &a.to_string()), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(res.status(), 303, "waited for the lock");
    assert!(started.elapsed() >= std::time::Duration::from_millis(500));
    holder.join().unwrap();
}

/// SQLite refuses at once ("database is locked", whatever the busy timeout) a deferred
/// transaction that read and then tries to write after another connection committed in
/// between. Write transactions therefore take the write lock first; the other writer waits.
#[test]
fn a_write_transaction_that_reads_first_survives_a_writer_in_between() {
    let (_db_guard, url) = TestDb::create(Backend::Sqlite);
    let _migrated = Db::connect(&DatabaseUrl::parse(&url).unwrap()).unwrap();
    let path = match DatabaseUrl::parse(&url).unwrap() {
        DatabaseUrl::Sqlite(p) => p,
        _ => unreachable!(),
    };
    let add_user = |conn: &mut twir_picks::db::DbConnection, login: &str| {
        let n = chrono::Utc::now().naive_utc();
        diesel::insert_into(users::table)
            .values((
                users::login.eq(login),
                users::created_at.eq(n),
                users::updated_at.eq(n),
            ))
            .execute(conn)
    };
    let mut conn = common::raw_connection(&url);
    let (read_tx, read_rx) = std::sync::mpsc::channel();
    let other = std::thread::spawn(move || {
        let mut other = twir_picks::db::Manager::new(DatabaseUrl::Sqlite(path))
            .open()
            .unwrap();
        read_rx.recv().unwrap();
        let n = chrono::Utc::now().naive_utc();
        diesel::insert_into(users::table)
            .values((
                users::login.eq("other"),
                users::created_at.eq(n),
                users::updated_at.eq(n),
            ))
            .execute(&mut other)
    });
    let outcome = twir_picks::db::write_transaction(&mut conn, |conn| {
        let before: i64 = users::table.count().get_result(conn)?;
        read_tx.send(()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        add_user(conn, "first")?;
        Ok::<_, diesel::result::Error>(before)
    });
    assert_eq!(outcome.unwrap(), 0);
    assert_eq!(
        other.join().unwrap().unwrap(),
        1,
        "the other writer waited its turn"
    );
    let logins: Vec<String> = users::table
        .select(users::login)
        .order(users::id)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(logins, ["first", "other"]);
}

/// Past the limit the write-ahead log is checkpointed and truncated; below it, left alone.
#[actix_web::test]
async fn a_large_write_ahead_log_is_brought_back_to_empty() {
    let (_db_guard, url) = TestDb::create(Backend::Sqlite);
    let db = Db::connect(&DatabaseUrl::parse(&url).unwrap()).unwrap();
    let wal = format!("{}-wal", url.strip_prefix("sqlite://").unwrap());
    let wal_size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    {
        let mut conn = common::raw_connection(&url);
        let n = chrono::Utc::now().naive_utc();
        for i in 0..50 {
            diesel::insert_into(users::table)
                .values((
                    users::login.eq(format!("u{i}")),
                    users::created_at.eq(n),
                    users::updated_at.eq(n),
                ))
                .execute(&mut *conn)
                .unwrap();
        }
    }
    let grown = wal_size();
    assert!(grown > 0);
    db.checkpoint_if_larger_than(grown + 1).await.unwrap();
    assert_eq!(wal_size(), grown, "below the limit: untouched");
    db.checkpoint_if_larger_than(grown - 1).await.unwrap();
    assert_eq!(wal_size(), 0, "past the limit: truncated");
    let mut conn = db.get().unwrap();
    let count: i64 = users::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(count, 50, "nothing lost");
    // The connection that checkpointed went back to the pool with its usual busy timeout.
    #[derive(QueryableByName)]
    struct Timeout {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        timeout: i32,
    }
    for _ in 0..3 {
        let mut conn = db.get().unwrap();
        let t: Timeout = diesel::sql_query("PRAGMA busy_timeout")
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(t.timeout, 5000);
    }
}
