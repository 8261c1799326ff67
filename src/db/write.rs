//! The one way to write (ARCHITECTURE.md "Adding a write"). `Db::write` hands the work a
//! `Tx`: a connection inside one transaction on the writer pool, after the other SQLite
//! writers of this process (they queue here rather than spin on `busy_timeout`). Model
//! functions that write take `&mut Tx`, so nothing can write outside a transaction, and they
//! say what they changed (`Tx::changed`); once the transaction commits, the listener the
//! service registered (`AppState`: the ranked ballot, the archive pages, the open week) hears
//! it. A write that says nothing is taken to have changed everything, so forgetting costs a
//! reload, never a stale page.

use super::DbConnection;
use crate::domain::validate::Category;
use std::ops::{Deref, DerefMut};

/// What a committed write changed, for the caches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A vote cast or moved (`Some`) or withdrawn (`None`) in week `issue`: the tally moves by
    /// one, nothing else is read again.
    Vote {
        issue: i32,
        user_id: i32,
        category: Category,
        nomination: Option<i32>,
    },
    /// What stands on a ballot or in the archive: a nomination, nominator, pick, hide, ban or
    /// crates.io check.
    Ballot,
    /// The open week: rollover, an editor's change, close, publish.
    Week,
    /// Nothing any page shows: accounts, sessions, audit rows, caches of outside services.
    Nothing,
    /// Only a session's last-seen time moved: nothing any cache keeps, not even who a session
    /// names (written once a minute per session, it must not empty the account cache).
    Seen,
}

/// A connection inside a write transaction, and what the work says it changed.
pub struct Tx<'c> {
    conn: &'c mut DbConnection,
    changes: Vec<Change>,
}

impl<'c> Tx<'c> {
    pub(super) fn new(conn: &'c mut DbConnection) -> Self {
        Tx {
            conn,
            changes: Vec::new(),
        }
    }

    /// Say what this write changes (every model function that writes does).
    pub fn changed(&mut self, change: Change) {
        say_once(&mut self.changes, change);
    }

    /// The connection, for one diesel call (`.execute(tx.conn())`); `tx` stays usable after.
    pub fn conn(&mut self) -> &mut DbConnection {
        self.conn
    }

    /// What to tell the caches: as said, or everything when nothing was said.
    pub(super) fn into_changes(self) -> Vec<Change> {
        if self.changes.is_empty() {
            vec![Change::Week, Change::Ballot]
        } else {
            self.changes
        }
    }
}

impl Deref for Tx<'_> {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        self.conn
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut DbConnection {
        self.conn
    }
}

/// Hears every committed write's changes (set once by the service; the command line has none).
pub type Listener = std::sync::Arc<dyn Fn(&[Change]) + Send + Sync>;

/// Add `change` to `changes`, once: said again, it moves to the end. The caches replay votes in
/// order, so a vote for A, then B, then A again must end on A (as the database does).
pub(super) fn say_once(changes: &mut Vec<Change>, change: Change) {
    changes.retain(|c| *c != change);
    changes.push(change);
}
