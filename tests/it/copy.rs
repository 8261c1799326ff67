//! `twir-picks copy --to URL`: a database filled through the real flows (accounts, weeks,
//! nominations with co-nominators, votes, a pick and its audit row, imported history), copied
//! SQLite → PostgreSQL → SQLite, answers every JSON endpoint the same at each step; a target
//! that holds data is refused and left as it was.

use crate::common;

use common::{spawn_app_on, spawn_app_with, Backend, Profile, TestApp, TestDb};
use std::process::Command;

fn copy(from: &str, to: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_twir-picks"))
        .args(["copy", "--to", to])
        .env("DATABASE_URL", from)
        .env("RUST_LOG", "error")
        .env_remove("EDITORS")
        .output()
        .expect("run twir-picks copy")
}

/// Every public JSON answer about the data, with the service's own address left out.
async fn answers(app: &TestApp, issue: i32, ids: &[i32]) -> Vec<(String, serde_json::Value)> {
    let mut paths = vec![
        "/api/v1/weeks/current".to_string(),
        format!("/api/v1/weeks/{issue}"),
        "/api/v1/winners".into(),
    ];
    paths.extend(ids.iter().map(|id| format!("/api/v1/nominations/{id}")));
    let mut out = Vec::new();
    for path in paths {
        let res = app.get(&path).await;
        assert_eq!(res.status(), 200, "{path}");
        // Permalinks name each service's own address; the rest must be the same.
        let body = res.text().await.unwrap().replace(&app.base, "PUBLIC_URL");
        out.push((path, serde_json::from_str(&body).unwrap()));
    }
    out
}

#[actix_web::test]
async fn a_database_copied_to_postgresql_and_back_answers_the_same() {
    if Backend::postgres_url().is_none() {
        Backend::skip_postgres();
        return;
    }
    // The real flows, on SQLite.
    let source = spawn_app_with(Backend::Sqlite, |a| a.editors = "llogiq".into()).await;
    let carol = source.logged_in(Profile::new(3, "carol").named("Carol")).await;
    let serde = carol.nominated_crate("serde").await;
    let rayon = carol.nominated_crate("rayon").await;
    let quote = carol.nominated_quote("Ownership is a superpower.").await;
    let dave = source.logged_in(Profile::new(4, "dave")).await;
    assert_eq!(
        dave.nominate_crate("serde", "the serialization framework")
            .await
            .status(),
        303
    );
    for (id, login, target) in [(5, "bob", serde), (6, "eve", rayon), (7, "finn", serde)] {
        let voter = source.logged_in(Profile::new(id, login)).await;
        assert_eq!(voter.vote(target).await.status(), 303);
    }
    let editor = source.logged_in(Profile::new(1, "llogiq")).await;
    let issue = source.state.open_week().await.unwrap().issue;
    let res = editor
        .post(
            "/editor/picks",
            &[
                ("nomination_id", &serde.to_string()),
                ("issue", &issue.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // A week with two crates: the second pick's place must survive the copy.
    let res = editor
        .post(
            "/editor/picks",
            &[
                ("nomination_id", &rayon.to_string()),
                ("issue", &issue.to_string()),
                ("second", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let history = format!("{}/tests/fixtures/history", env!("CARGO_MANIFEST_DIR"));
    assert!(source.cli(&["import-history", &history]).status.success());
    let ids = [serde, rayon, quote];
    let expected = answers(&source, issue, &ids).await;

    // To PostgreSQL, while the service keeps running on the source.
    let (_pg, pg_url) = TestDb::create(Backend::Postgres);
    let out = copy(&source.database_url, &pg_url);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("every table's row count and checksum match"),
        "{stdout}"
    );
    assert!(stdout.contains("votes") && stdout.contains("3 rows"), "{stdout}");
    let on_pg = spawn_app_on(&pg_url).await;
    assert_eq!(
        answers(&on_pg, issue, &ids).await,
        expected,
        "PostgreSQL answers as SQLite did"
    );
    // New rows get new ids after the copied ones (the sequences were moved on).
    let zoe = on_pg.logged_in(Profile::new(9, "zoe")).await;
    let new_id = zoe.nominated_crate("tokio").await;
    assert!(new_id > quote, "a fresh id: {new_id}");

    // A target that holds data is refused, and nothing changes.
    let refused = copy(&source.database_url, &pg_url);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("holds data already"));
    assert_eq!(
        on_pg.get(&format!("/api/v1/nominations/{new_id}")).await.status(),
        200
    );

    // And back to a new SQLite file.
    let (_back, back_url) = TestDb::create(Backend::Sqlite);
    drop(on_pg);
    let (_pg2, pg2_url) = TestDb::create(Backend::Postgres);
    assert!(copy(&source.database_url, &pg2_url).status.success());
    let out = copy(&pg2_url, &back_url);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let on_sqlite = spawn_app_on(&back_url).await;
    assert_eq!(
        answers(&on_sqlite, issue, &ids).await,
        expected,
        "SQLite again answers the same"
    );
}
