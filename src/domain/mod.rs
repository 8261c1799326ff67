//! Pure rules of docs/contract.md §2: no HTTP, no SQL. Each module owns one rule and its unit tests.

pub mod attribution;
pub mod ballot;
pub mod draft;
pub mod draft_checks;
pub mod dry_week;
pub mod eligibility;
pub mod forum_post;
pub mod markdown;
pub mod owners;
pub mod ranking;
pub mod session;
pub mod validate;
pub mod vote_bursts;
pub mod webhook;
pub mod week;
