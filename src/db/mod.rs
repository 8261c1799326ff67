//! Storage: one binary over SQLite and PostgreSQL. The backend is picked by the URL scheme in
//! a small r2d2 manager (so a wrong PostgreSQL URL shows libpq's own message), SQLite gets
//! its pragmas, migrations are embedded per backend, and blocking diesel work runs off the
//! async executor.
//!
//! Reads and writes are different doors. `Db::read` lends a connection from a pool whose
//! connections the database itself keeps read-only (SQLite `query_only`, PostgreSQL
//! `default_transaction_read_only`), so a read cannot write. `Db::write` (see `write.rs`) is
//! the one way to write.

mod connection;
mod group_commit;
pub mod migrate;
mod wal;
mod write;

pub use connection::DbConnection;
pub use group_commit::{Counters as WriteCounters, Mergeable};
pub use write::{Change, Listener, Tx};

use crate::error::AppError;
use crate::settings::{DatabaseUrl, Synchronous};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use std::time::Duration;

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Connect(#[from] diesel::ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("cannot create the SQLite file {0}")]
    Create(String),
}

/// Opens connections of the backend its URL names.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    /// Connections refuse to write (the reader pool).
    read_only: bool,
    synchronous: Synchronous,
}

impl Manager {
    pub fn new(url: DatabaseUrl) -> Self {
        Manager {
            url,
            read_only: false,
            synchronous: Synchronous::default(),
        }
    }

    pub fn with_synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }

    fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    pub fn backend(&self) -> Backend {
        match self.url {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// Open one connection, with the per-connection SQLite pragmas applied.
    pub fn open(&self) -> Result<DbConnection, ConnectError> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                // Every command that opens a new SQLite file (`serve`, `migrate`, `copy`'s
                // target) creates it here, owner-only.
                create_private(path).map_err(|e| ConnectError::Create(e.to_string()))?;
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // Per connection: wait for a writer instead of failing, keep foreign keys on,
                // and sync as `SQLITE_SYNCHRONOUS` says (see `Synchronous`).
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA synchronous = {}; PRAGMA foreign_keys = ON;",
                    self.synchronous.pragma()
                ))?;
                if self.read_only {
                    conn.batch_execute("PRAGMA query_only = ON;")?;
                }
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                if self.read_only {
                    conn.batch_execute("SET default_transaction_read_only = on")?;
                }
                Ok(DbConnection::Pg(conn))
            }
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        self.open()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1").map_err(ConnectError::from)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        match conn {
            DbConnection::Pg(pg) => diesel::r2d2::R2D2Connection::is_broken(pg),
            DbConnection::Sqlite(_) => false,
        }
    }
}

/// How long a SQLite connection waits for another writer before "database is locked".
pub const BUSY_TIMEOUT_MS: u32 = 5000;

/// The size the SQLite write-ahead log is brought back to (64 MiB).
pub const WAL_SIZE_LIMIT: u64 = 64 * 1024 * 1024;

/// Settings that apply to the database file, not to a connection: set once, on one
/// connection, before the pool opens others (WAL cannot be switched while they are open).
fn prepare_sqlite_file(conn: &mut DbConnection) -> Result<(), ConnectError> {
    if let DbConnection::Sqlite(c) = conn {
        c.batch_execute(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA journal_size_limit = {WAL_SIZE_LIMIT};"
        ))?;
    }
    Ok(())
}

/// The pools and what the service needs to know about its backend.
#[derive(Clone)]
pub struct Db {
    readers: Pool,
    writers: Pool,
    backend: Backend,
    /// SQLite has one writer at a time; queueing writers here is cheaper than letting them
    /// spin on `busy_timeout` (which sleeps in growing steps).
    sqlite_writer: std::sync::Arc<parking_lot::Mutex<()>>,
    /// The SQLite file, for watching its write-ahead log.
    sqlite_path: Option<std::path::PathBuf>,
    /// Told what each committed write changed (the service's caches).
    listener: std::sync::Arc<std::sync::OnceLock<Listener>>,
    /// The queue `write` puts its work in, and the writer threads that commit it in batches.
    group_commit: std::sync::Arc<group_commit::GroupCommit>,
}

impl Db {
    /// Connect (failing within seconds with the driver's own message), prepare the SQLite file,
    /// run pending migrations, and open the pools.
    pub fn connect(url: &DatabaseUrl) -> anyhow::Result<Db> {
        Db::connect_with(url, Synchronous::default())
    }

    /// `connect`, with SQLite's `synchronous` as `SQLITE_SYNCHRONOUS` says.
    pub fn connect_with(url: &DatabaseUrl, synchronous: Synchronous) -> anyhow::Result<Db> {
        let manager = Manager::new(url.clone()).with_synchronous(synchronous);
        let backend = manager.backend();
        if let DatabaseUrl::Sqlite(path) = url {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    anyhow::anyhow!(
                        "cannot create the directory {} for the SQLite file: {e}",
                        dir.display()
                    )
                })?;
            }
        }
        let mut first = manager
            .open()
            .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", url.redacted()))?;
        prepare_sqlite_file(&mut first)?;
        migrate::run_pending(&mut first)?;
        migrate::rekey_quotes(&mut first)?;
        drop(first);
        // SQLite writes one at a time whatever the pool size; two leave room for a checkpoint.
        let (readers, writers) = match backend {
            Backend::Sqlite => (8, 2),
            Backend::Postgres => (12, 8),
        };
        let pool = |manager: Manager, size: u32| {
            r2d2::Pool::builder()
                .max_size(size)
                .min_idle(Some(1))
                // Checking each connection on checkout costs a round trip per request; a broken
                // one is noticed by `has_broken` when it comes back instead.
                .test_on_check_out(false)
                .connection_timeout(Duration::from_secs(5))
                .build(manager)
                .map_err(|e| anyhow::anyhow!("cannot open a connection pool to {}: {e}", url.redacted()))
        };
        let writers = pool(manager.clone(), writers)?;
        let sqlite_writer: std::sync::Arc<parking_lot::Mutex<()>> = Default::default();
        let listener: std::sync::Arc<std::sync::OnceLock<Listener>> = Default::default();
        let group_commit = group_commit::GroupCommit::start(
            backend,
            writers.clone(),
            sqlite_writer.clone(),
            listener.clone(),
        );
        Ok(Db {
            readers: pool(manager.read_only(), readers)?,
            writers,
            backend,
            sqlite_writer,
            sqlite_path: match url {
                DatabaseUrl::Sqlite(path) => Some(path.clone()),
                DatabaseUrl::Postgres(_) => None,
            },
            listener,
            group_commit: std::sync::Arc::new(group_commit),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Who hears what each committed write changed; set once, by the service.
    pub fn set_listener(&self, listener: Listener) {
        if self.listener.set(listener).is_err() {
            tracing::error!("the database already has a listener");
        }
    }

    /// A read-only connection for command-line work and tests (no async runtime involved).
    pub fn get(&self) -> Result<PooledConn, AppError> {
        checkout(&self.readers)
    }

    /// Run blocking diesel reads on the blocking thread pool, on a read-only connection.
    pub async fn read<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        let db = self.clone();
        off_executor(move || work(&mut *db.get()?)).await
    }

    /// Whether the database answers (`/healthz`): a trivial query on a reader connection.
    pub async fn ping(&self) -> Result<(), AppError> {
        self.read(|conn| conn.batch_execute("SELECT 1").map_err(AppError::from))
            .await
    }

    /// The one way to write: `work` in a transaction of its own or, with the other writes
    /// waiting at the same moment, in its own savepoint of one shared transaction (group
    /// commit, `group_commit.rs`), on a writer thread, in turn with this process's other SQLite
    /// writers. It is answered after the commit, once the listener has heard what changed.
    pub async fn write<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, AppError> + Send + 'static,
    {
        self.group_commit.write(work).await
    }

    /// `write` for a write that may share one statement with the writes of its kind queued
    /// beside it (`Mergeable`: a vote), in the same transaction path.
    pub async fn write_mergeable<M: Mergeable>(&self, item: M) -> Result<(), AppError> {
        self.group_commit.write_mergeable(item).await
    }

    /// Batches of writes committed since the start.
    pub fn write_counters(&self) -> &WriteCounters {
        &self.group_commit.counters
    }

    /// `write`, for code that is not async (the command line, the history import): its own
    /// transaction, on the calling thread, in turn with the writer thread.
    pub fn write_blocking<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut Tx<'_>) -> Result<T, AppError>,
    {
        let (value, changes) = self.with_writer(|conn| {
            write_transaction(conn, |conn| {
                let mut tx = Tx::new(conn);
                let value = work(&mut tx)?;
                Ok::<_, AppError>((value, tx.into_changes()))
            })
        })?;
        if let Some(listener) = self.listener.get() {
            listener(&changes);
        }
        Ok(value)
    }

    /// Wait until the SQLite write in progress has committed (PostgreSQL's commit on their
    /// own): the last step of a stop, after the server has answered every request in flight.
    pub async fn flush(&self) -> Result<(), AppError> {
        let db = self.clone();
        off_executor(move || {
            let _turn = (db.backend == Backend::Sqlite).then(|| db.sqlite_writer.lock());
            Ok(())
        })
        .await
    }

    /// A writer connection, in turn with the other SQLite writers of this process.
    fn with_writer<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let _turn = (self.backend == Backend::Sqlite).then(|| self.sqlite_writer.lock());
        let mut conn = checkout(&self.writers)?;
        work(&mut conn)
    }
}

/// Blocking diesel work on the blocking thread pool, off the async executor.
async fn off_executor<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    actix_web::web::block(work)
        .await
        .map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?
}

fn checkout(pool: &Pool) -> Result<PooledConn, AppError> {
    // A request waits a little for a connection, then answers 503 rather than hang.
    let started = std::time::Instant::now();
    let conn = pool.get_timeout(Duration::from_secs(3));
    metrics::histogram!("twir_db_pool_wait_seconds").record(started.elapsed().as_secs_f64());
    conn.map_err(|e| {
        tracing::error!(error = %e, "no database connection");
        AppError::unavailable()
    })
}

/// Create the SQLite file readable by its owner only (0600) whatever the umask, before SQLite
/// creates it with the umask's mode (usually 0644). SQLite gives its `-wal`, `-shm` and
/// `-journal` files the mode of the database file.
pub(crate) fn create_private(path: &std::path::Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(anyhow::anyhow!("{}: {e}", path.display())),
    }
}

/// A transaction that will write. PostgreSQL: an ordinary transaction. SQLite: `BEGIN IMMEDIATE`,
/// which takes the write lock first (waiting out `busy_timeout`): a deferred transaction that
/// reads and then writes fails at once with "database is locked" when another connection
/// wrote in between, busy timeout or not. Inside an open transaction it is a savepoint.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <DbConnection as Connection>::TransactionManager;
    let at_top = Manager::transaction_manager_status_mut(conn)
        .transaction_depth()?
        .is_none();
    match conn {
        DbConnection::Sqlite(sqlite) if at_top => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?
        }
        _ => Manager::begin_transaction(conn)?,
    }
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(failure) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(failure),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

impl Db {
    /// (pool name, connections open, of which idle) for the metrics.
    pub fn pool_use(&self) -> [(&'static str, u32, u32); 2] {
        let (r, w) = (self.readers.state(), self.writers.state());
        [
            ("readers", r.connections, r.idle_connections),
            ("writers", w.connections, w.idle_connections),
        ]
    }
}

/// Whether `err` is the database refusing a duplicate (a unique key), on either backend.
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
