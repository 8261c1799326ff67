//! Row types and their queries, one module per table family. SQL lives here only.

pub mod week;
