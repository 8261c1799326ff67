//! Row types and their queries, one module per table family. SQL lives here only.

pub mod account;
pub mod audit;
pub mod ballot;
pub mod crates_cache;
pub mod credits;
pub mod draft_proposal;
pub mod dry_week;
pub mod editor;
pub mod forum;
pub mod forum_status;
pub mod history;
pub mod nomination;
pub mod outbox;
pub mod pick;
pub mod session;
pub mod user;
pub mod vote;
pub mod week;
pub mod wording;
