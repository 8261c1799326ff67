//! The integration tests, one binary (a module per area): one link instead of one per file,
//! so touching a source file rebuilds the tests once. Each test starts the real application on
//! port 0 against its own database (`common::spawn_app`); `on_both_backends!` runs a test on
//! SQLite and, with `TEST_DATABASE_URL`, on PostgreSQL. The browser test stays a binary of its
//! own (`tests/browser.rs`).

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod attribution_oracle;
mod auth;
mod copy;
mod draft_pr;
mod dry_week;
mod editor;
mod forum;
mod foundation;
mod golden_attribution;
mod group_commit;
mod hardening;
mod history;
mod hostile_input;
mod http_manners;
mod members;
mod metrics;
mod nominate;
mod operations;
mod owners;
mod properties;
mod reach;
mod resilience;
mod snapshot_ranking;
mod stitched_page;
mod tuesday;
mod two_crates;
mod vote;
mod wording;
