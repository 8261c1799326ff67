//! `twir-picks backup FILE`: a consistent copy of the SQLite database, safe while the service
//! runs, without the `sqlite3` shell. `VACUUM INTO` a temporary file beside FILE (one read
//! transaction: one consistent snapshot, the live database is not blocked), checked with
//! `PRAGMA integrity_check`, readable by its owner only, then renamed into place, so FILE is
//! either absent or a whole, checked copy. PostgreSQL has `pg_dump` for this; the command says
//! the line to use.

use crate::settings::DatabaseUrl;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::sqlite::SqliteConnection;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists already: choose a new name (a backup never overwrites a file)")]
    Exists(PathBuf),
    #[error("this database is PostgreSQL: back it up with\n  pg_dump -Fc '{0}' > {1}")]
    Postgres(String, String),
    #[error("the copy failed its integrity check: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Failed(String),
}

#[derive(QueryableByName)]
struct Check {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// Copy the database at `url` to `file`; returns the copy's size in bytes.
pub fn backup(url: &DatabaseUrl, file: &Path) -> Result<u64, BackupError> {
    let source = match url {
        DatabaseUrl::Sqlite(path) => path.clone(),
        DatabaseUrl::Postgres(_) => {
            return Err(BackupError::Postgres(url.redacted(), file.display().to_string()));
        }
    };
    // Opening a missing SQLite file would create an empty one, and "back it up".
    if !source.exists() {
        return Err(BackupError::Failed(format!(
            "there is no database at {}",
            source.display()
        )));
    }
    if file.exists() {
        return Err(BackupError::Exists(file.to_path_buf()));
    }
    let name = file
        .file_name()
        .ok_or_else(|| BackupError::Failed(format!("{} is not a file name", file.display())))?;
    let partial = file.with_file_name(format!(
        ".{}.partial-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&partial);
    // Created empty and owner-only first (`VACUUM INTO` accepts an empty file): the copy is
    // never readable by others, not even before `restrict`.
    crate::db::create_private(&partial).map_err(|e| BackupError::Failed(e.to_string()))?;
    let result = copy_checked(&source, &partial).and_then(|()| {
        restrict(&partial)?;
        std::fs::rename(&partial, file)
            .map_err(|e| BackupError::Failed(format!("cannot rename into {}: {e}", file.display())))?;
        std::fs::metadata(file)
            .map(|m| m.len())
            .map_err(|e| BackupError::Failed(e.to_string()))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

fn copy_checked(source: &Path, partial: &Path) -> Result<(), BackupError> {
    let mut conn = SqliteConnection::establish(&source.to_string_lossy())
        .map_err(|e| BackupError::Failed(format!("cannot open {}: {e}", source.display())))?;
    // Readers never wait for a writer in WAL mode; wait a little if a checkpoint holds a lock.
    diesel::sql_query("PRAGMA busy_timeout = 10000")
        .execute(&mut conn)
        .map_err(|e| BackupError::Failed(e.to_string()))?;
    let target = partial.to_string_lossy().replace('\'', "''");
    diesel::sql_query(format!("VACUUM INTO '{target}'"))
        .execute(&mut conn)
        .map_err(|e| BackupError::Failed(format!("VACUUM INTO failed: {e}")))?;
    let mut copy = SqliteConnection::establish(&partial.to_string_lossy())
        .map_err(|e| BackupError::Failed(format!("cannot open the copy: {e}")))?;
    let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut copy)
        .map_err(|e| BackupError::Corrupt(e.to_string()))?;
    let problems: Vec<String> = checks
        .into_iter()
        .map(|c| c.integrity_check)
        .filter(|c| c != "ok")
        .collect();
    if !problems.is_empty() {
        return Err(BackupError::Corrupt(problems.join("; ")));
    }
    Ok(())
}

/// Owner only (0600), like the database itself: it holds every account and vote.
fn restrict(path: &Path) -> Result<(), BackupError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| BackupError::Failed(format!("cannot restrict {}: {e}", path.display())))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
