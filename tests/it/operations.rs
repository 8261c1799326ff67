//! The operator's commands and signals: `backup` during a stream of votes gives a whole, checked
//! copy holding every vote acknowledged before it started; a SIGTERM lets the requests in
//! flight finish and loses no acknowledged vote; `LOG_FORMAT=json` logs one JSON object a line.

use crate::common;

use common::vote_stream::{assert_every_acknowledged_vote_stored, seed, stored_votes, VoteStream};
use common::{Backend, ServerProcess, TestDb};
use std::process::Command;
use std::time::{Duration, Instant};

fn twir_picks(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_twir-picks"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "error")
        .env_remove("EDITORS")
        .output()
        .expect("run twir-picks")
}

#[actix_web::test]
async fn a_backup_during_a_vote_stream_is_whole_and_holds_every_acknowledged_vote() {
    let (db, url) = TestDb::create(Backend::Sqlite);
    let (issue, a, b) = seed(&url);
    let server = ServerProcess::start(&url);
    let stream = VoteStream::start(&server.base, 12, a, b).await;
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let before = stream.acknowledged();
    assert!(
        before.values().filter(|l| l.accepted.is_some()).count() >= 6,
        "the votes were flowing"
    );

    let TestDb::Sqlite(dir) = &db else { unreachable!() };
    let file = dir.path().join("backup.db");
    let out = actix_web::web::block({
        let (url, file) = (url.clone(), file.clone());
        move || twir_picks(&url, &["backup", file.to_str().unwrap()])
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("integrity check ok"));
    let logs = stream.stop().await;
    drop(server);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // The copy opens as a database of its own; every voter acknowledged before it began is in
    // it (with that vote or a later one).
    let copy_url = format!("sqlite://{}", file.display());
    let copied = stored_votes(&copy_url, issue);
    for (login, log) in &before {
        if log.accepted.is_some() {
            assert!(
                copied.contains_key(login),
                "{login} voted before the backup began"
            );
        }
    }
    assert!(logs.len() >= before.len());
    // Nothing half-written is left beside it, and a second backup never overwrites the first.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty());
    // A database that is not there is not created to be backed up.
    let missing = dir.path().join("missing.db");
    let out = twir_picks(
        &format!("sqlite://{}", missing.display()),
        &["backup", dir.path().join("b2.db").to_str().unwrap()],
    );
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("there is no database"));
    assert!(!missing.exists() && !dir.path().join("b2.db").exists());
    let again = twir_picks(&url, &["backup", file.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
}

#[actix_web::test]
async fn a_backup_of_postgresql_names_pg_dump() {
    if Backend::postgres_url().is_none() {
        Backend::skip_postgres();
        return;
    }
    let (_db, url) = TestDb::create(Backend::Postgres);
    let out = twir_picks(&url, &["backup", "/tmp/never-written.db"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump -Fc"));
    assert!(!std::path::Path::new("/tmp/never-written.db").exists());
}

on_both_backends! {
    async fn a_sigterm_finishes_the_requests_in_flight_and_loses_no_acknowledged_vote(backend) {
        let (_db, url) = TestDb::create(backend);
        let (issue, a, b) = seed(&url);
        let mut server = ServerProcess::start(&url);
        let stream = VoteStream::start(&server.base, 16, a, b).await;
        actix_web::rt::time::sleep(Duration::from_millis(400)).await;
        let pid = server.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let logs = stream.stop().await;
        // It stops by itself, and says all went well.
        let started = Instant::now();
        let status = loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                break status;
            }
            assert!(started.elapsed() < Duration::from_secs(35), "the server did not stop");
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(status.success(), "exit {status:?}");
        let acknowledged = logs.values().filter(|l| l.accepted.is_some()).count();
        assert!(acknowledged >= 8, "the load was running: {logs:?}");
        assert_every_acknowledged_vote_stored(&logs, &stored_votes(&url, issue));
    }
}

#[actix_web::test]
async fn json_logs_are_one_object_a_line() {
    let (_db, url) = TestDb::create(Backend::Sqlite);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_twir-picks"))
        .env("DATABASE_URL", &url)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("SESSION_KEY", "ab".repeat(64))
        .env_remove("EDITORS")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    common::wait_for_port(port);
    let _ = reqwest::get(format!("http://127.0.0.1:{port}/livez"))
        .await
        .unwrap();
    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let out = child.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 2, "{logs}");
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v["timestamp"].is_string() && v["level"].is_string(), "{line}");
    }
    assert!(logs.contains("twir-picks is serving"));
    // A bad value is refused at start, naming the setting.
    let bad = Command::new(env!("CARGO_BIN_EXE_twir-picks"))
        .args(["migrate"])
        .env("DATABASE_URL", &url)
        .env("LOG_FORMAT", "xml")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("LOG_FORMAT"));
}
