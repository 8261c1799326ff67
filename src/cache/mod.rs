//! What this instance keeps in memory about the data, and how fresh it is: the ranked open
//! week (`ranking`), who each session names (`accounts`), and a count of the changes that
//! make built pages stale (`ChangeCount`). It knows nothing of pages: the web layer keeps what
//! it builds keyed by a `ranking::Version` or a change count (`web::memo`), so this layer
//! never needs to tell it anything.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub mod accounts;
pub mod ranking;
mod tally;

pub use ranking::{BallotCache, Version, View};
pub use tally::Recorded;

/// The one freshness bound of everything this instance keeps in memory (the ranked open week,
/// the archive's pages, the open week itself): what this instance writes it sees at once
/// (`db::Change`), what another instance or the command line writes it sees within this.
pub const REFRESH: Duration = Duration::from_secs(1);

/// Counts the committed changes that make pages built from the data stale: every change but a
/// vote (a nomination, a pick, a hide, a week). What is built from the data is good while the
/// count is where it was when it was built.
#[derive(Debug, Default)]
pub struct ChangeCount(AtomicU64);

impl ChangeCount {
    pub fn now(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    pub fn moved(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}
