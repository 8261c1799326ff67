//! Importing past Crate and Quote of the Week from issue files: counts, idempotence, the
//! archive, and the "already featured" rule.

use crate::common;

use common::{spawn_app, Profile};
use diesel::prelude::*;
use twir_picks::schema::featured_history;

fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/history")
}

/// Copy the fixture folder so a test can add files to it.
fn copy_fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

fn line<'a>(out: &'a str, label: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in {out}"))
}

on_both_backends! {
    async fn importing_twice_finds_the_same_and_adds_nothing(backend) {
        let app = spawn_app(backend).await;
        let dir = copy_fixtures();
        let first = app.cli(&["import-history", dir.path().to_str().unwrap()]);
        assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
        let first = String::from_utf8(first.stdout).unwrap();
        assert_eq!(line(&first, "issues read"), "issues read: 8");
        assert_eq!(line(&first, "crates found"), "crates found: 8");
        assert_eq!(line(&first, "quotes found"), "quotes found: 5");
        assert_eq!(line(&first, "added"), "added: 13 (already imported: 0)");
        assert!(first.contains("2018-01-02-this-week-in-rust.md: Crate of the Week: no link to a crate"), "{first}");
        assert!(first.contains("README-not-an-issue.md: no issue number"));

        let count = || {
            let mut conn = app.state.db.get().unwrap();
            featured_history::table.count().get_result::<i64>(&mut *conn).unwrap()
        };
        assert_eq!(count(), 13);
        let second = String::from_utf8(app.cli(&["import-history", dir.path().to_str().unwrap()]).stdout).unwrap();
        for label in ["issues read", "crates found", "quotes found"] {
            assert_eq!(line(&first, label), line(&second, label));
        }
        assert_eq!(line(&second, "added"), "added: 0 (already imported: 13)");
        assert_eq!(count(), 13);

        // One new issue: only it is added.
        std::fs::write(
            dir.path().join("2026-11-18-this-week-in-rust.md"),
            "Title: This Week in Rust 678\nNumber: 678\nDate: 2026-11-18\n\n## Crate of the Week\n\nThis week's crate is [serde](https://crates.io/crates/serde), the serialization framework.\n\nThanks to [Alice](https://users.rust-lang.org/t/crate-of-the-week/2704/1500) for the suggestion!\n\n# Quote of the Week\n\n> Types are a design tool.\n\n– [Ferris on rust-users](https://users.rust-lang.org/t/1)\n",
        )
        .unwrap();
        let third = String::from_utf8(app.cli(&["import-history", dir.path().to_str().unwrap()]).stdout).unwrap();
        assert_eq!(line(&third, "issues read"), "issues read: 9");
        assert_eq!(line(&third, "added"), "added: 2 (already imported: 13)");
        assert_eq!(count(), 15);

        // A crate featured within ALLOW_REPEAT_AFTER_WEEKS is refused, naming the issue.
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        let res = alice.nominate_crate("serde", "again?").await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("Crate of the Week in issue 678"));
        // The same for a quote, compared on folded text.
        let res = alice.nominate_quote("types are a   DESIGN tool.", "Ferris").await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("Quote of the Week in issue 678"));
        // Featured long ago: welcome again.
        assert_eq!(alice.nominate_crate("typetag", "serde trait objects").await.status(), 422, "typetag is not on the fake crates.io");
        app.crates_io.add("typetag", "Serde serializable and deserializable trait objects", None);
        app.clock.advance(chrono::Duration::minutes(11)); // "not found" is cached for minutes
        assert_eq!(alice.nominate_crate("typetag", "serde trait objects").await.status(), 303);

        // The archive, its API and the feed show imported history.
        let winners = alice.json("/api/v1/winners").await;
        assert_eq!(winners[0]["issue"], 678);
        assert_eq!(winners[0]["name"], "serde");
        assert!(winners[0]["attribution"].as_str().unwrap().contains("This week's crate is [serde]"));
        let issues: Vec<i64> = winners.as_array().unwrap().iter().map(|w| w["issue"].as_i64().unwrap()).collect();
        assert!(issues.windows(2).all(|w| w[0] >= w[1]), "newest first: {issues:?}");
        assert!(issues.contains(&327) && issues.contains(&129));
        let page = alice.get_text("/winners").await;
        assert!(page.contains("wundergraph") && page.contains("kibi"));
        let feed: atom_syndication::Feed = app.get("/feed.xml").await.text().await.unwrap().parse().unwrap();
        assert!(feed.entries.iter().any(|e| e.title.as_str() == "Crate of the Week in issue 327: kibi"));
    }
}

#[test]
fn a_missing_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_twir-picks"))
        .args(["import-history", "/no/such/folder"])
        .env("DATABASE_URL", dir.path().join("x.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the folder /no/such/folder"));
}
