//! Use cases that combine rules (`domain`), storage (`models`) and outside services: what a
//! handler asks for, with typed outcomes the handler turns into HTTP.

pub mod account;
pub mod crate_lookup;
pub mod dry_week;
pub mod editor;
pub mod file_nomination;
pub mod forum;
pub mod import_history;
pub mod login;
pub mod moderation;
pub mod nominate;
pub mod propose_draft;
pub mod shortlist;
pub mod vote;
pub mod webhooks;
pub mod wording;
