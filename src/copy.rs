//! `twir-picks copy --to URL`: every table from `DATABASE_URL` into the empty database at URL,
//! SQLite to PostgreSQL or back. The target is migrated first, then must hold no data; rows go
//! in dependency order with their ids, PostgreSQL's id sequences are set past them, and at the
//! end each table's row count and checksum are compared on both sides. The source is read in
//! one read-only transaction: one consistent snapshot, so the service may keep running on it.

use crate::db::{self, DbConnection};
use crate::settings::DatabaseUrl;
use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

/// One table: how to summarise it and how to copy it.
struct Table {
    name: &'static str,
    /// (rows, checksum) on one side. The checksum does not depend on row order, and reads
    /// timestamps to the microsecond (PostgreSQL's precision).
    summary: fn(&mut DbConnection) -> QueryResult<(u64, u64)>,
    /// Copy every row, ids included; calls `progress` once per row.
    copy: fn(&mut DbConnection, &mut DbConnection, &dyn Fn()) -> QueryResult<u64>,
}

/// A column value as the checksum reads it.
trait Canon {
    fn canon(&self, out: &mut String);
}

macro_rules! canon_display {
    ($($t:ty),+) => {$(
        impl Canon for $t {
            fn canon(&self, out: &mut String) {
                out.push_str(&self.to_string());
                out.push('\u{1f}');
            }
        }
    )+};
}
canon_display!(i32, i64, bool, String);

impl Canon for NaiveDateTime {
    fn canon(&self, out: &mut String) {
        out.push_str(&self.and_utc().timestamp_micros().to_string());
        out.push('\u{1f}');
    }
}

impl<T: Canon> Canon for Option<T> {
    fn canon(&self, out: &mut String) {
        match self {
            Some(v) => v.canon(out),
            None => out.push_str("\u{0}\u{1f}"),
        }
    }
}

fn row_hash(row: &str) -> u64 {
    let digest = Sha256::digest(row.as_bytes());
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// One table's summary and copy, from its columns as listed. The list must be the table's
/// every column in schema order: checked when this compiles, against diesel's `all_columns`,
/// so a column added to `schema.rs` and not here is a build error, never a column left behind.
macro_rules! copy_table {
    ($t:ident, [$($col:ident : $ty:ty),+ $(,)?]) => {{
        #[allow(unused_parens)]
        let _every_column: ($(crate::schema::$t::$col,)+) = crate::schema::$t::all_columns;
        Table {
            name: stringify!($t),
            summary: |conn| {
                use crate::schema::$t;
                let rows: Vec<($($ty,)+)> = $t::table.select(($($t::$col,)+)).load(conn)?;
                let mut sum = 0u64;
                for ($($col,)+) in &rows {
                    let mut s = String::new();
                    $( Canon::canon($col, &mut s); )+
                    sum = sum.wrapping_add(row_hash(&s));
                }
                Ok((rows.len() as u64, sum))
            },
            copy: |src, dst, progress| {
                use crate::schema::$t;
                let rows: Vec<($($ty,)+)> = $t::table.select(($($t::$col,)+)).load(src)?;
                for ($($col,)+) in &rows {
                    diesel::insert_into($t::table)
                        .values(($($t::$col.eq($col),)+))
                        .execute(dst)?;
                    progress();
                }
                Ok(rows.len() as u64)
            },
        }
    }};
}

/// Every table, parents before the tables that refer to them.
fn tables() -> Vec<Table> {
    vec![
        copy_table!(users, [id: i32, github_id: Option<i64>, login: String, name: Option<String>, avatar_url: Option<String>, github_created_at: Option<NaiveDateTime>, banned: bool, banned_reason: Option<String>, session_epoch: i32, created_at: NaiveDateTime, updated_at: NaiveDateTime, deleted_at: Option<NaiveDateTime>]),
        copy_table!(editors, [login: String, granted_by: String, granted_at: NaiveDateTime, revoked_at: Option<NaiveDateTime>]),
        copy_table!(weeks, [issue: i32, opens_at: NaiveDateTime, closes_at: NaiveDateTime, status: String, published_at: Option<NaiveDateTime>]),
        copy_table!(nominations, [id: i32, category: String, week_issue: i32, nominated_by: i32, created_at: NaiveDateTime, dedupe_key: String, editors_choice: bool, crate_name: Option<String>, pitch: Option<String>, url: Option<String>, why: Option<String>, description: Option<String>, repository: Option<String>, verified: bool, verified_at: Option<NaiveDateTime>, quote_text: Option<String>, author: Option<String>, where_said: Option<String>, source_url: Option<String>, context: Option<String>, hidden: bool, hidden_reason: Option<String>, withdrawn: bool, credit_line: Option<String>, withdrawn_reason: Option<String>]),
        copy_table!(nominators, [nomination_id: i32, user_id: i32, self_suggestion: bool, created_at: NaiveDateTime, owner_check: Option<String>, credited_as: Option<String>, pitch: Option<String>, why: Option<String>]),
        copy_table!(votes, [id: i32, user_id: i32, week_issue: i32, category: String, nomination_id: i32, withdrawn: bool, created_at: NaiveDateTime, updated_at: NaiveDateTime]),
        copy_table!(picks, [id: i32, week_issue: i32, category: String, nomination_id: i32, picked_by: i32, picked_at: NaiveDateTime, unpicked_at: Option<NaiveDateTime>, unpicked_by: Option<i32>, position: i32]),
        copy_table!(featured_history, [id: i32, issue: i32, published_on: String, category: String, position: i32, name: String, dedupe_key: String, url: Option<String>, body: String, credits: Option<String>, source_file: String, imported_at: NaiveDateTime]),
        copy_table!(audit_log, [id: i32, at: NaiveDateTime, actor_user_id: Option<i32>, actor: String, action: String, target: String, reason: Option<String>, detail: Option<String>]),
        copy_table!(crates_io_cache, [name: String, found: bool, canonical_name: Option<String>, description: Option<String>, repository: Option<String>, fetched_at: NaiveDateTime, downloads: Option<i64>, recent_downloads: Option<i64>, created_at: Option<NaiveDateTime>]),
        copy_table!(editor_bindings, [login: String, user_id: i32, bound_at: NaiveDateTime]),
        copy_table!(sessions, [id: String, user_id: i32, created_at: NaiveDateTime, last_seen_at: NaiveDateTime, user_agent: Option<String>, ended_at: Option<NaiveDateTime>, ended_reason: Option<String>]),
        copy_table!(draft_proposals, [issue: i32, number: i64, url: String, branch: String, commit_sha: String, proposed_at: NaiveDateTime, proposed_by: String]),
        copy_table!(used_oauth_states, [state_hash: String, used_at: NaiveDateTime]),
        copy_table!(forum_posts, [post_id: i64, topic_id: i64, topic_slug: String, post_number: i32, permalink: String, category: String, username: String, name: Option<String>, posted_at: NaiveDateTime, edited_at: NaiveDateTime, cooked: String, likes: i32, reading: String, problem: Option<String>, draft: Option<String>, week_issue: i32, first_read_at: NaiveDateTime, read_at: NaiveDateTime, dismissed_at: Option<NaiveDateTime>]),
        copy_table!(forum_credits, [post_id: i64, nomination_id: i32, self_suggestion: bool]),
        copy_table!(forum_topics, [topic_id: i64, slug: Option<String>, floor_post_id: i64, last_read_at: Option<NaiveDateTime>, last_error: Option<String>, last_error_at: Option<NaiveDateTime>]),
        copy_table!(outbox, [id: i32, target: String, event: String, dedupe_key: String, payload: String, created_at: NaiveDateTime, attempts: i32, next_attempt_at: NaiveDateTime, claimed_until: Option<NaiveDateTime>, delivered_at: Option<NaiveDateTime>, given_up_at: Option<NaiveDateTime>, last_error: Option<String>]),
        copy_table!(crate_owners, [name: String, owners: String, fetched_at: NaiveDateTime]),
        copy_table!(original_wording, [nomination_id: i32, pitch: Option<String>, why: Option<String>, url: Option<String>, quote_text: Option<String>, author: Option<String>, where_said: Option<String>, source_url: Option<String>, first_edited_at: NaiveDateTime]),
        copy_table!(forum_lease, [name: String, holder: String, until: NaiveDateTime]),
    ]
}

/// The names of the tables `copy` copies, in its order.
pub fn table_names() -> Vec<&'static str> {
    tables().iter().map(|t| t.name).collect()
}

/// Tables whose `id` PostgreSQL numbers from a sequence.
const SERIAL_TABLES: &[&str] = &[
    "users",
    "nominations",
    "votes",
    "picks",
    "featured_history",
    "audit_log",
    "outbox",
];

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("the source and the target are the same database")]
    Same,
    #[error("the target holds data already ({0}): copy only into an empty database; nothing was changed")]
    NotEmpty(String),
    #[error("after the copy, {0} differs between the databases: {1}")]
    Mismatch(&'static str, String),
    #[error("{0}")]
    Failed(String),
}

impl From<diesel::result::Error> for CopyError {
    fn from(e: diesel::result::Error) -> Self {
        CopyError::Failed(e.to_string())
    }
}

/// What was copied: per table, rows and checksum (equal on both sides).
pub struct CopyReport {
    pub tables: Vec<(&'static str, u64, u64)>,
}

fn open(url: &DatabaseUrl) -> Result<DbConnection, CopyError> {
    db::Manager::new(url.clone())
        .open()
        .map_err(|e| CopyError::Failed(format!("cannot open {}: {e}", url.redacted())))
}

/// Copy everything from `from` into the empty database `to`. `progress(done, total)` is
/// called as rows go in.
pub fn copy(
    from: &DatabaseUrl,
    to: &DatabaseUrl,
    progress: &dyn Fn(u64, u64),
) -> Result<CopyReport, CopyError> {
    if from == to {
        return Err(CopyError::Same);
    }
    // Opening a missing SQLite file would create an empty one to copy from.
    if let DatabaseUrl::Sqlite(path) = from {
        if !path.exists() {
            return Err(CopyError::Failed(format!(
                "there is no database at {}",
                path.display()
            )));
        }
    }
    let mut src = open(from)?;
    let mut dst = open(to)?;
    db::migrate::run_pending(&mut dst)
        .map_err(|e| CopyError::Failed(format!("migrating the target: {e}")))?;
    let tables = tables();
    let held: Vec<String> = tables
        .iter()
        .map(|t| Ok(((t.summary)(&mut dst)?.0, t.name)))
        .collect::<QueryResult<Vec<_>>>()?
        .into_iter()
        .filter(|(rows, _)| *rows > 0)
        .map(|(rows, name)| format!("{rows} rows in {name}"))
        .collect();
    if !held.is_empty() {
        return Err(CopyError::NotEmpty(held.join(", ")));
    }

    // One snapshot of the source for the whole copy (and its checksums).
    let begin = match &src {
        DbConnection::Pg(_) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        DbConnection::Sqlite(_) => "BEGIN",
    };
    src.batch_execute(begin)?;
    let outcome = copy_in_snapshot(&mut src, &mut dst, &tables, progress);
    let _ = src.batch_execute("COMMIT");
    outcome
}

fn copy_in_snapshot(
    src: &mut DbConnection,
    dst: &mut DbConnection,
    tables: &[Table],
    progress: &dyn Fn(u64, u64),
) -> Result<CopyReport, CopyError> {
    let sources: Vec<(u64, u64)> = tables
        .iter()
        .map(|t| (t.summary)(src))
        .collect::<QueryResult<_>>()?;
    let total: u64 = sources.iter().map(|(rows, _)| rows).sum();
    let done = std::cell::Cell::new(0u64);
    let tick = || {
        done.set(done.get() + 1);
        progress(done.get(), total);
    };
    db::write_transaction(dst, |dst| -> Result<(), CopyError> {
        for t in tables {
            (t.copy)(src, dst, &tick)?;
        }
        if let DbConnection::Pg(_) = dst {
            for table in SERIAL_TABLES {
                dst.batch_execute(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}"
                ))?;
            }
        }
        Ok(())
    })?;
    let mut report = CopyReport { tables: Vec::new() };
    for (t, (rows, sum)) in tables.iter().zip(sources) {
        let (copied, copied_sum) = (t.summary)(dst)?;
        if (copied, copied_sum) != (rows, sum) {
            return Err(CopyError::Mismatch(
                t.name,
                format!("{rows} rows (checksum {sum:016x}) read, {copied} rows (checksum {copied_sum:016x}) written"),
            ));
        }
        report.tables.push((t.name, rows, sum));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    /// Every table `schema.rs` declares is copied (its columns are checked at compile time).
    #[test]
    fn copy_knows_every_table() {
        let schema = include_str!("schema.rs");
        let mut declared: Vec<&str> = schema
            .split("diesel::table! {")
            .skip(1)
            .filter_map(|block| block.split_whitespace().next())
            .collect();
        let mut copied = super::table_names();
        declared.sort_unstable();
        copied.sort_unstable();
        assert_eq!(copied, declared);
    }
}
