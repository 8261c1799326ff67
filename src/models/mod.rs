//! Row types and their queries, one module per table family. SQL lives here only.

pub mod audit;
pub mod editor;
pub mod user;
pub mod week;
