//! Group commit: the writes waiting in the queue are committed together, in one transaction
//! with one savepoint each, so one fsync covers many of them.
//!
//! `Db::write` puts its work in the queue and waits for its answer. A writer thread takes the
//! first waiting write and every other one already queued (up to `MAX_BATCH`), opens one
//! transaction (`BEGIN IMMEDIATE` on SQLite), runs each write in its own savepoint — a write
//! that fails or refuses is rolled back to its savepoint alone, the others stay — commits once,
//! tells the caches what the committed writes changed, and only then answers each waiting
//! request. A write is acknowledged only after the commit that holds it, so with
//! `synchronous=FULL` an acknowledged vote survives a power cut.
//!
//! Writes of one kind that can share a statement (`Mergeable`: a vote) and stand next to each
//! other in the queue are written together, by one statement in one savepoint: on PostgreSQL
//! every statement is a round trip to another process, and a batch of votes as one upsert
//! takes one instead of two per vote. When the statement fails (one vote names a nomination
//! that is gone), the run is rolled back to its savepoint and each is written alone, so only
//! the failing one is refused.
//!
//! SQLite gets one writer thread (it has one writer at a time anyway). PostgreSQL gets two,
//! each batching what it finds waiting: one runs its writes while the other waits for its
//! commit to reach the disk (measured on 2 cores: one thread 1.7k votes/s, two 4.0k, three
//! 3.5k, four 3.4k).

use super::write::{Change, Listener, Tx};
use super::{checkout, write_transaction, Backend, DbConnection, Pool};
use crate::error::AppError;
use parking_lot::Mutex;
use std::any::{Any, TypeId};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::sync::{Arc, OnceLock};

/// At most this many writes share one transaction: a bound on how long the first one waits.
/// PostgreSQL: each write's savepoint is a subtransaction, and past 64 of them in one
/// transaction every other session's snapshots get slower (the subtransaction cache overflows).
pub const MAX_BATCH: usize = 256;
const MAX_BATCH_POSTGRES: usize = 64;

/// What a write returns, boxed so writes of every type share the queue.
type Answer = Result<Box<dyn Any + Send>, AppError>;
type Work = Box<dyn FnOnce(&mut Tx<'_>) -> Answer + Send>;
/// A write's answer, and what it changed when it stands.
type Outcome = (Answer, Vec<Change>);

/// A write that can share one statement with the writes of its kind queued next to it.
pub trait Mergeable: Send + Sized + 'static {
    /// Write `items`, in queue order, together (what stands at the end is what writing them
    /// one after another would leave). On `Err` the run is rolled back and each is written
    /// alone with `write_alone`.
    fn write_together(tx: &mut Tx<'_>, items: &[&Self]) -> Result<(), AppError>;
    /// Write this one alone.
    fn write_alone(&self, tx: &mut Tx<'_>) -> Result<(), AppError>;
}

/// A `Mergeable` write in the queue, its type erased; `kind` says which runs it may join.
struct MergeableJob {
    kind: TypeId,
    item: Box<dyn Any + Send>,
    together: fn(&mut Tx<'_>, &[&(dyn Any + Send)]) -> Result<(), AppError>,
    alone: fn(&mut Tx<'_>, &(dyn Any + Send)) -> Result<(), AppError>,
}

fn together<M: Mergeable>(tx: &mut Tx<'_>, items: &[&(dyn Any + Send)]) -> Result<(), AppError> {
    let items: Vec<&M> = items.iter().filter_map(|item| item.downcast_ref::<M>()).collect();
    M::write_together(tx, &items)
}

fn alone<M: Mergeable>(tx: &mut Tx<'_>, item: &(dyn Any + Send)) -> Result<(), AppError> {
    match item.downcast_ref::<M>() {
        Some(item) => item.write_alone(tx),
        None => Err(AppError::internal("a queued write of another kind")),
    }
}

/// What a queued job does: any work, alone in its savepoint, or a write that may be merged.
enum Task {
    Alone(Work),
    Mergeable(MergeableJob),
}

struct Job {
    task: Task,
    answer: tokio::sync::oneshot::Sender<Answer>,
}

/// Batches committed since the start (the batch sizes go to the metrics), and the writes
/// that were written together with others.
#[derive(Debug, Default)]
pub struct Counters {
    pub batches: AtomicU64,
    pub merged: AtomicU64,
}

/// The queue of writes and the threads that commit them.
pub struct GroupCommit {
    queue: Sender<Job>,
    pub counters: Arc<Counters>,
}

/// What a writer thread needs.
struct Writer {
    jobs: Arc<Mutex<Receiver<Job>>>,
    writers: Pool,
    sqlite_turn: Arc<Mutex<()>>,
    backend: Backend,
    listener: Arc<OnceLock<Listener>>,
    counters: Arc<Counters>,
}

impl GroupCommit {
    pub(super) fn start(
        backend: Backend,
        writers: Pool,
        sqlite_turn: Arc<Mutex<()>>,
        listener: Arc<OnceLock<Listener>>,
    ) -> GroupCommit {
        let (queue, jobs) = std::sync::mpsc::channel::<Job>();
        let counters = Arc::new(Counters::default());
        let jobs = Arc::new(Mutex::new(jobs));
        let threads = match backend {
            Backend::Sqlite => 1,
            Backend::Postgres => 2,
        };
        for i in 0..threads {
            let writer = Writer {
                jobs: jobs.clone(),
                writers: writers.clone(),
                sqlite_turn: sqlite_turn.clone(),
                backend,
                listener: listener.clone(),
                counters: counters.clone(),
            };
            // The thread ends when the last `Db` is dropped (the queue's sender with it).
            std::thread::Builder::new()
                .name(format!("db-writer-{i}"))
                .spawn(move || writer.run())
                .expect("a writer thread starts");
        }
        GroupCommit { queue, counters }
    }

    /// Queue `work` and wait for the answer, given after the commit that holds it.
    pub(super) async fn write<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, AppError> + Send + 'static,
    {
        let task = Task::Alone(Box::new(move |tx| {
            work(tx).map(|v| Box::new(v) as Box<dyn Any + Send>)
        }));
        let value = self.queue_and_wait(task).await?;
        value
            .downcast::<T>()
            .map(|v| *v)
            .map_err(|_| AppError::internal("a write answered with another type"))
    }

    /// Queue `item`, written together with the writes of its kind queued next to it, and wait
    /// for the commit that holds it.
    pub(super) async fn write_mergeable<M: Mergeable>(&self, item: M) -> Result<(), AppError> {
        let task = Task::Mergeable(MergeableJob {
            kind: TypeId::of::<M>(),
            item: Box::new(item),
            together: together::<M>,
            alone: alone::<M>,
        });
        self.queue_and_wait(task).await.map(|_| ())
    }

    async fn queue_and_wait(&self, task: Task) -> Answer {
        let (answer, answered) = tokio::sync::oneshot::channel();
        // The writer threads live as long as the queue: sending fails only once all stopped.
        self.queue
            .send(Job { task, answer })
            .map_err(|_| AppError::unavailable())?;
        answered
            .await
            .map_err(|_| AppError::internal("the database writer stopped before answering"))?
    }
}

impl Writer {
    fn run(self) {
        loop {
            let batch = {
                let jobs = self.jobs.lock();
                let Ok(first) = jobs.recv() else { return };
                let mut batch = vec![first];
                let most = match self.backend {
                    Backend::Sqlite => MAX_BATCH,
                    Backend::Postgres => MAX_BATCH_POSTGRES,
                };
                while batch.len() < most {
                    match jobs.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
                    }
                }
                batch
            };
            self.commit(batch);
        }
    }

    /// One transaction for the batch, a savepoint per write; answers after the commit.
    fn commit(&self, batch: Vec<Job>) {
        let size = batch.len();
        let (tasks, answers): (Vec<Task>, Vec<_>) = batch.into_iter().map(|j| (j.task, j.answer)).unzip();
        let outcome = {
            let _turn = (self.backend == Backend::Sqlite).then(|| self.sqlite_turn.lock());
            checkout(&self.writers).and_then(|mut conn| run_batch(&mut conn, tasks))
        };
        match outcome {
            Ok((results, merged)) => {
                self.counters.batches.fetch_add(1, Ordering::Relaxed);
                self.counters.merged.fetch_add(merged, Ordering::Relaxed);
                metrics::histogram!("twir_db_write_batch_size").record(size as f64);
                let mut changes: Vec<Change> = Vec::new();
                for (_, said) in results.iter().filter(|(answer, _)| answer.is_ok()) {
                    for change in said {
                        super::write::say_once(&mut changes, *change);
                    }
                }
                // The caches first: a request answered next reads what it wrote.
                if let (Some(listener), false) = (self.listener.get(), changes.is_empty()) {
                    listener(&changes);
                }
                for ((answer, _), to) in results.into_iter().zip(answers) {
                    let _ = to.send(answer);
                }
            }
            // Nothing was committed: every write in the batch hears why.
            Err(e) => {
                tracing::error!(error = %e.message, writes = size, "a batch of writes was not committed");
                for to in answers {
                    let _ = to.send(Err(AppError::unavailable()));
                }
            }
        }
    }
}

/// Run every write of a batch in its own savepoint of one transaction (a run of mergeable
/// writes shares one) and commit it. Each write's answer (and what it changed, when it
/// stands) comes back in order.
///
/// The savepoint is one name used again: releasing one write's and opening the next's is one
/// round trip to the database, and a failed write is rolled back to it (which keeps it).
/// Writes that open transactions of their own get diesel's nested savepoints inside it.
/// Also returns how many writes stood written together.
fn run_batch(conn: &mut DbConnection, tasks: Vec<Task>) -> Result<(Vec<Outcome>, u64), AppError> {
    write_transaction(conn, |conn| {
        let mut batch = Savepoints {
            conn,
            opened: false,
            merged: 0,
            results: Vec::with_capacity(tasks.len()),
        };
        let mut tasks = tasks.into_iter().peekable();
        while let Some(task) = tasks.next() {
            match task {
                Task::Alone(work) => batch.alone(work)?,
                Task::Mergeable(first) => {
                    let mut run = vec![first];
                    while let Some(Task::Mergeable(next)) =
                        tasks.next_if(|t| matches!(t, Task::Mergeable(m) if m.kind == run[0].kind))
                    {
                        run.push(next);
                    }
                    batch.merged(run)?;
                }
            }
        }
        Ok::<_, AppError>((batch.results, batch.merged))
    })
}

/// A batch's transaction as it runs: one savepoint name, opened before each write.
struct Savepoints<'c> {
    conn: &'c mut DbConnection,
    opened: bool,
    /// Writes that stood as part of a run written together.
    merged: u64,
    results: Vec<Outcome>,
}

impl Savepoints<'_> {
    /// Open a savepoint for the next write, releasing the last one in the same round trip.
    fn next(&mut self) -> Result<(), AppError> {
        use diesel::connection::SimpleConnection;
        self.conn.batch_execute(if self.opened {
            "RELEASE SAVEPOINT batched_write; SAVEPOINT batched_write"
        } else {
            "SAVEPOINT batched_write"
        })?;
        self.opened = true;
        Ok(())
    }

    /// Run `work` in the savepoint opened last; keep what it did, or roll it back when it
    /// fails, refuses or panics. Returns whether it stood, its answer and what it changed.
    fn attempt<T>(
        &mut self,
        work: impl FnOnce(&mut Tx<'_>) -> Result<T, AppError>,
    ) -> Result<(Result<T, AppError>, Vec<Change>), AppError> {
        use diesel::connection::SimpleConnection;
        let mut tx = Tx::new(self.conn);
        // A panicking write is refused alone, like a failing one.
        let answer = catch_unwind(AssertUnwindSafe(|| work(&mut tx)))
            .unwrap_or_else(|_| Err(AppError::internal("a write panicked")));
        let said = tx.into_changes();
        match answer {
            Ok(value) => Ok((Ok(value), said)),
            Err(refused) => {
                self.conn.batch_execute("ROLLBACK TO SAVEPOINT batched_write")?;
                Ok((Err(refused), Vec::new()))
            }
        }
    }

    fn alone(&mut self, work: Work) -> Result<(), AppError> {
        self.next()?;
        let outcome = self.attempt(work)?;
        self.results.push(outcome);
        Ok(())
    }

    /// A run of mergeable writes of one kind: together in one savepoint, or, when that fails,
    /// each alone in its own.
    fn merged(&mut self, run: Vec<MergeableJob>) -> Result<(), AppError> {
        // A run of one is written alone: its own statement, the same shape every time.
        if run.len() > 1 {
            self.next()?;
            let items: Vec<&(dyn Any + Send)> = run.iter().map(|job| job.item.as_ref()).collect();
            let together = run[0].together;
            if let (Ok(()), said) = self.attempt(|tx| together(tx, &items))? {
                // The caches hear the run's changes once (with its first write's answer).
                self.results.push((Ok(Box::new(())), said));
                for _ in 1..run.len() {
                    self.results.push((Ok(Box::new(())), Vec::new()));
                }
                self.merged += run.len() as u64;
                return Ok(());
            }
        }
        for job in &run {
            self.next()?;
            let (answer, said) = self.attempt(|tx| (job.alone)(tx, job.item.as_ref()))?;
            self.results
                .push((answer.map(|()| Box::new(()) as Box<dyn Any + Send>), said));
        }
        Ok(())
    }
}
