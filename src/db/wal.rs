//! SQLite's write-ahead log kept small: readers can keep SQLite's automatic checkpoint from
//! copying the log back into the database file, so under sustained load it would grow until
//! the next quiet moment. The service truncates it every minute and whenever it passes
//! `WAL_SIZE_LIMIT` (`lib.rs`, background work). PostgreSQL has nothing to do here.

use super::{off_executor, Backend, Db, BUSY_TIMEOUT_MS};
use crate::error::AppError;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

impl Db {
    /// SQLite: copy the write-ahead log into the database and truncate it. PostgreSQL: nothing.
    /// Waits at most `wait_ms` for readers to move off the log (writers of this process queue
    /// meanwhile); if they are still busy, the log stays as it is until the next call.
    pub async fn checkpoint(&self, wait_ms: u32) -> Result<(), AppError> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        #[derive(QueryableByName)]
        struct Outcome {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            busy: i32,
        }
        let db = self.clone();
        let busy = off_executor(move || {
            db.with_writer(|conn| {
                conn.batch_execute(&format!("PRAGMA busy_timeout = {wait_ms};"))?;
                let outcome =
                    diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").get_result::<Outcome>(conn);
                // Back to the usual wait whatever happened: this connection returns to the pool.
                conn.batch_execute(&format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};"))?;
                Ok(outcome.map(|o| o.busy != 0).unwrap_or(true))
            })
        })
        .await?;
        if busy {
            tracing::debug!("write-ahead log checkpoint postponed: readers busy");
        }
        Ok(())
    }

    /// SQLite: `checkpoint` once the write-ahead log has grown past `limit` bytes, waiting at
    /// most 100 ms for readers. Automatic checkpoints never shrink it while readers keep using
    /// it, so under sustained load it would grow until the next periodic checkpoint.
    pub async fn checkpoint_if_larger_than(&self, limit: u64) -> Result<(), AppError> {
        if self.wal_bytes().is_some_and(|bytes| bytes > limit) {
            self.checkpoint(100).await?;
        }
        Ok(())
    }

    /// The size of SQLite's write-ahead log (`None` on PostgreSQL).
    pub fn wal_bytes(&self) -> Option<u64> {
        let path = self.sqlite_path.as_ref()?;
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        Some(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0))
    }
}
