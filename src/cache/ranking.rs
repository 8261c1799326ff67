//! The ranked open week in memory, and the protocol that keeps it true: a committed vote is
//! applied to the tally at once, any other change (nomination, pick, hide, ban, week) drops
//! the snapshot, and changes made by other instances (or the command line) show within
//! `REFRESH`. It knows nothing of pages: readers get a `View` with its `Version`, and whatever
//! they build from it (the web layer's page memo) they key by that version.
//!
//! The protocol, in the order it matters:
//! - A reload reads the database outside any lock. Votes this instance commits meanwhile are
//!   heard (`heard_while_reading`) and applied to what was read before it is kept: the read
//!   may have missed them, and recording a vote twice changes nothing.
//! - Any other change announced meanwhile (`invalidate`, counted in `invalidations`) means
//!   what was read may lack it, so the reload reads again (three attempts); when changes keep
//!   coming it answers with what it read and keeps nothing (an unsettled view, which votes do
//!   not check against).
//! - A reload that finds the ranking as it was keeps the version, so everything built for it
//!   stays; when only the closing time reads otherwise ("in 3 hours"), the revision moves.
//! - Lock order: `snapshot`, then `heard_while_reading`; never the other way.

use super::tally::{Recorded, Tally};
use super::REFRESH;
use crate::domain::validate::Category;
use crate::error::AppError;
use crate::models::ballot::{self, RankedWeek};
use crate::models::week::Week;
use parking_lot::{Mutex, RwLock};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Which ranking a reader got: `snapshot` names one reload's reading (never repeated, not
/// even across reloads), `revision` counts what changed in it since (votes applied, the
/// closing time read anew). Anything built from a view is good for exactly its version; what
/// is built per entry (whose rank and votes are part of its key) for the whole snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version {
    pub snapshot: u64,
    pub revision: u64,
}

impl Version {
    /// One number for an ETag: distinct for distinct versions.
    pub fn tag(self) -> String {
        format!("{:x}-{:x}", self.snapshot, self.revision)
    }
}

struct Snapshot {
    issue: i32,
    loaded_at: Instant,
    ranked: Arc<RankedWeek>,
    /// This week's counted votes.
    tally: Tally,
    version: Version,
    /// How long voting stays open, as readers of `version` were told it ("in 3 hours"): a
    /// reload that finds the ranking unchanged keeps the snapshot only while this reads the
    /// same.
    closes_in: String,
}

/// What a reader gets: the ranking and the version it belongs to.
#[derive(Clone)]
pub struct View {
    pub ranked: Arc<RankedWeek>,
    pub version: Version,
    /// Kept as the snapshot: no change announced while it was read is missing from it.
    /// A view read while changes kept coming is not, and votes do not check against it.
    settled: bool,
}

impl View {
    /// What this view knows about a nomination on its public ballot: its category and who
    /// nominated it. `None`: not on it (ask the database why).
    pub fn ballot_entry(&self, nomination_id: i32) -> Option<(Category, Vec<i32>)> {
        if !self.settled {
            return None;
        }
        let entry = self.ranked.entry(nomination_id)?;
        Some((
            entry.nomination.category(),
            entry.credits.iter().filter_map(|c| c.user_id).collect(),
        ))
    }
}

/// A vote as the listener hears it: (week, user, category, nomination or withdrawn).
type HeardVote = (i32, i32, Category, Option<i32>);

/// What a reload reads: the ranking and this week's counted votes (user, category, nomination).
pub type Reading = (RankedWeek, Vec<(i32, Category, i32)>);

/// How many times a reload reads before it answers without keeping.
const ATTEMPTS: usize = 3;

pub struct BallotCache {
    snapshot: RwLock<Option<Snapshot>>,
    loading: tokio::sync::Mutex<()>,
    /// The next snapshot's number: snapshots are never numbered alike.
    snapshots: AtomicU64,
    /// Counts `invalidate` calls: a reload that read the database before one (so may have
    /// missed the change it announced) does not keep what it read.
    invalidations: AtomicU64,
    /// The votes heard while a reload reads (`None`: no reload is reading). Locked after
    /// `snapshot`, never before.
    heard_while_reading: Mutex<Option<Vec<HeardVote>>>,
}

impl Default for BallotCache {
    fn default() -> Self {
        BallotCache {
            snapshot: RwLock::new(None),
            loading: tokio::sync::Mutex::new(()),
            snapshots: AtomicU64::new(1),
            invalidations: AtomicU64::new(0),
            heard_while_reading: Mutex::new(None),
        }
    }
}

/// Set every entry's votes from `tally` and re-rank each category.
fn apply_tally(ranked: &mut RankedWeek, tally: &Tally) {
    for c in Category::ALL {
        let list = ranked.categories.get_mut(c);
        for e in list.iter_mut() {
            e.votes = tally.count(e.nomination_id);
        }
        ballot::rank_entries(list);
    }
}

impl BallotCache {
    fn kept(&self, issue: i32, fresh_only: bool) -> Option<View> {
        let guard = self.snapshot.read();
        let s = guard.as_ref().filter(|s| s.issue == issue)?;
        (!fresh_only || s.loaded_at.elapsed() < REFRESH).then(|| View {
            ranked: s.ranked.clone(),
            version: s.version,
            settled: true,
        })
    }

    fn next_snapshot(&self) -> u64 {
        self.snapshots.fetch_add(1, Ordering::Relaxed)
    }

    /// The public ranking of `week` (the open one) at `now`, from memory when fresh.
    pub async fn view(
        &self,
        db: &crate::db::Db,
        week: &Week,
        ballot_weeks: i32,
        calendar: &crate::domain::week::Calendar,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<View, AppError> {
        let read = || {
            let w = week.clone();
            let calendar = *calendar;
            db.read(move |conn| {
                let audience = ballot::Audience::Public {
                    calendar: &calendar,
                    now,
                };
                let ranked = ballot::ranked_week(conn, &w, ballot_weeks, audience)?;
                let votes = crate::models::vote::counted_in_week(conn, w.issue)?
                    .into_iter()
                    .map(|v| (v.user_id, v.category, v.nomination_id))
                    .collect();
                Ok((ranked, votes))
            })
        };
        let closes_in = crate::domain::week::relative(week.closes_at.and_utc(), now);
        self.view_reading(week.issue, closes_in, read).await
    }

    /// `view`, with the database's reading given as `read` (the protocol's own tests read
    /// from memory, and change things while they read).
    pub async fn view_reading<F, Fut>(&self, issue: i32, closes_in: String, read: F) -> Result<View, AppError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Reading, AppError>>,
    {
        if let Some(v) = self.kept(issue, true) {
            return Ok(v);
        }
        // One reload at a time; meanwhile others keep serving a slightly older snapshot.
        let _loading = match self.loading.try_lock() {
            Ok(guard) => guard,
            Err(_) => match self.kept(issue, false) {
                Some(v) => return Ok(v),
                None => self.loading.lock().await,
            },
        };
        if let Some(v) = self.kept(issue, true) {
            return Ok(v);
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let invalidations = self.invalidations.load(Ordering::SeqCst);
            let loaded_at = Instant::now();
            let hearing = HearingWhileReading::start(&self.heard_while_reading);
            let (mut ranked, votes) = read().await?;
            let mut tally = Tally::new(votes);
            let mut guard = self.snapshot.write();
            // Votes committed while this read ran, which it may have missed.
            let mut missing_entry = false;
            for (heard_issue, user, category, nomination) in hearing.finish() {
                if heard_issue == issue {
                    tally.record(user, category, nomination);
                    missing_entry |= nomination.is_some_and(|n| ranked.entry(n).is_none());
                }
            }
            apply_tally(&mut ranked, &tally);
            if self.invalidations.load(Ordering::SeqCst) != invalidations || missing_entry {
                drop(guard);
                if attempt < ATTEMPTS {
                    continue;
                }
                // Changes keep coming: answer with what was read, keep nothing.
                return Ok(View {
                    ranked: Arc::new(ranked),
                    version: Version {
                        snapshot: self.next_snapshot(),
                        revision: 0,
                    },
                    settled: false,
                });
            }
            // Read again and found as it was: keep the version (and all built for it).
            if let Some(s) = guard
                .as_mut()
                .filter(|s| s.issue == issue && *s.ranked == ranked && s.tally == tally)
            {
                s.loaded_at = loaded_at;
                if s.closes_in != closes_in {
                    s.closes_in = closes_in;
                    s.version.revision += 1;
                }
                return Ok(View {
                    ranked: s.ranked.clone(),
                    version: s.version,
                    settled: true,
                });
            }
            let view = View {
                ranked: Arc::new(ranked),
                version: Version {
                    snapshot: self.next_snapshot(),
                    revision: 0,
                },
                settled: true,
            };
            *guard = Some(Snapshot {
                issue,
                loaded_at,
                ranked: view.ranked.clone(),
                tally,
                version: view.version,
                closes_in,
            });
            return Ok(view);
        }
    }

    /// A committed vote (or, with `None`, a withdrawal) in week `issue`.
    /// Returns what the vote did to the tally (`None`: no snapshot of that week is loaded).
    pub fn record_vote(
        &self,
        issue: i32,
        user_id: i32,
        category: Category,
        nomination: Option<i32>,
    ) -> Option<Recorded> {
        let mut guard = self.snapshot.write();
        if let Some(heard) = self.heard_while_reading.lock().as_mut() {
            heard.push((issue, user_id, category, nomination));
        }
        let s = guard.as_mut().filter(|s| s.issue == issue)?;
        let recorded = s.tally.record(user_id, category, nomination);
        let Recorded::Moved { from, to } = recorded else {
            return Some(recorded);
        };
        // A vote for something this snapshot does not show: read everything again.
        if to.is_some_and(|n| s.ranked.entry(n).is_none()) {
            self.forget(&mut guard);
            return Some(recorded);
        }
        let ranked = Arc::make_mut(&mut s.ranked);
        let list = ranked.categories.get_mut(category);
        for e in list.iter_mut() {
            if Some(e.nomination_id) == from || Some(e.nomination_id) == to {
                e.votes = s.tally.count(e.nomination_id);
            }
        }
        ballot::rank_entries(list);
        s.version.revision += 1;
        Some(recorded)
    }

    /// This user's counted votes in the snapshot of week `issue`, if one is loaded.
    pub fn votes_of(&self, issue: i32, user_id: i32) -> Option<Vec<(Category, i32)>> {
        let guard = self.snapshot.read();
        let s = guard
            .as_ref()
            .filter(|s| s.issue == issue && s.loaded_at.elapsed() < REFRESH)?;
        Some(s.tally.votes_of(user_id))
    }

    /// Anything else changed: the next reader loads a new snapshot.
    pub fn invalidate(&self) {
        self.forget(&mut self.snapshot.write());
    }

    /// Drop the snapshot, under its lock, counting it: a reload whose read began before
    /// then keeps nothing it read.
    fn forget(&self, snapshot: &mut Option<Snapshot>) {
        self.invalidations.fetch_add(1, Ordering::SeqCst);
        *snapshot = None;
    }
}

/// The votes heard while a reload reads: started before the read, finished (under the
/// snapshot's lock) before what was read is kept; also stops hearing when the read fails.
struct HearingWhileReading<'a> {
    heard: &'a Mutex<Option<Vec<HeardVote>>>,
}

impl<'a> HearingWhileReading<'a> {
    fn start(heard: &'a Mutex<Option<Vec<HeardVote>>>) -> Self {
        *heard.lock() = Some(Vec::new());
        HearingWhileReading { heard }
    }

    fn finish(self) -> Vec<HeardVote> {
        self.heard.lock().take().unwrap_or_default()
    }
}

impl Drop for HearingWhileReading<'_> {
    fn drop(&mut self) {
        *self.heard.lock() = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::week::WeekStatus;
    use crate::models::ballot::{entry_of, ByCategory};
    use crate::models::nomination::Nomination;
    use std::sync::atomic::AtomicUsize;

    const ISSUE: i32 = 680;

    fn nomination(id: i32) -> Nomination {
        Nomination {
            id,
            category: Category::Crate,
            week_issue: ISSUE,
            nominated_by: 1,
            created_at: chrono::DateTime::UNIX_EPOCH.naive_utc(),
            dedupe_key: format!("crate-{id}"),
            editors_choice: false,
            crate_name: Some(format!("crate-{id}")),
            pitch: Some("a crate".into()),
            url: None,
            why: None,
            description: None,
            repository: None,
            verified: true,
            verified_at: None,
            quote_text: None,
            author: None,
            where_said: None,
            source_url: None,
            context: None,
            hidden: false,
            hidden_reason: None,
            withdrawn: false,
            credit_line: None,
            withdrawn_reason: None,
        }
    }

    fn week_of(ids: &[i32]) -> RankedWeek {
        RankedWeek {
            issue: ISSUE,
            opens_at: chrono::DateTime::UNIX_EPOCH.naive_utc(),
            closes_at: chrono::DateTime::UNIX_EPOCH.naive_utc(),
            status: WeekStatus::Open,
            categories: ByCategory {
                crate_: ids.iter().map(|&id| entry_of(nomination(id), vec![])).collect(),
                quote: vec![],
            },
            picks: ByCategory::default(),
        }
    }

    fn votes(view: &View, id: i32) -> i64 {
        view.ranked.entry(id).map_or(-1, |e| e.votes)
    }

    #[actix_web::test]
    async fn a_reload_racing_an_invalidate_reads_again() {
        let cache = BallotCache::default();
        let reads = AtomicUsize::new(0);
        let view = cache
            .view_reading(ISSUE, "in 3 hours".into(), || {
                let n = reads.fetch_add(1, Ordering::SeqCst);
                // The first read misses a nomination committed while it ran.
                if n == 0 {
                    cache.invalidate();
                }
                let ids: &[i32] = if n == 0 { &[1] } else { &[1, 2] };
                std::future::ready(Ok((week_of(ids), vec![])))
            })
            .await
            .unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 2, "read again");
        assert!(view.ballot_entry(2).is_some(), "the second read is kept");
        // And it is what the next reader gets, without reading.
        let again = cache
            .view_reading(ISSUE, "in 3 hours".into(), || async {
                panic!("fresh: not read again")
            })
            .await
            .unwrap();
        assert_eq!(again.version, view.version);
    }

    #[actix_web::test]
    async fn changes_that_keep_coming_are_answered_but_not_kept() {
        let cache = BallotCache::default();
        let view = cache
            .view_reading(ISSUE, String::new(), || {
                cache.invalidate();
                std::future::ready(Ok((week_of(&[1]), vec![])))
            })
            .await
            .unwrap();
        assert!(
            view.ballot_entry(1).is_none(),
            "unsettled: votes do not check against it"
        );
        assert_eq!(view.ranked.entry(1).map(|e| e.nomination_id), Some(1));
        assert!(cache.votes_of(ISSUE, 7).is_none(), "nothing kept");
    }

    #[actix_web::test]
    async fn votes_heard_while_reading_are_applied_to_what_was_read() {
        let cache = BallotCache::default();
        let view = cache
            .view_reading(ISSUE, String::new(), || {
                // Committed (and heard) while the read ran; the read itself missed it.
                cache.record_vote(ISSUE, 7, Category::Crate, Some(2));
                std::future::ready(Ok((week_of(&[1, 2]), vec![(8, Category::Crate, 1)])))
            })
            .await
            .unwrap();
        assert_eq!((votes(&view, 1), votes(&view, 2)), (1, 1));
        assert_eq!(cache.votes_of(ISSUE, 7), Some(vec![(Category::Crate, 2)]));
    }

    #[actix_web::test]
    async fn a_vote_moves_the_revision_and_a_reload_finding_the_same_keeps_the_snapshot() {
        let cache = BallotCache::default();
        let read = || std::future::ready(Ok((week_of(&[1, 2]), vec![(8, Category::Crate, 1)])));
        let first = cache
            .view_reading(ISSUE, "in 3 hours".into(), read)
            .await
            .unwrap();
        cache.record_vote(ISSUE, 9, Category::Crate, Some(2));
        let voted = cache
            .view_reading(ISSUE, "in 3 hours".into(), read)
            .await
            .unwrap();
        assert_eq!(voted.version.snapshot, first.version.snapshot);
        assert_eq!(voted.version.revision, first.version.revision + 1);
        assert_eq!(votes(&voted, 2), 1);
        // A vote for something the snapshot does not show drops it: the next reader reads.
        cache.record_vote(ISSUE, 10, Category::Crate, Some(3));
        let reread = cache
            .view_reading(ISSUE, "in 3 hours".into(), || {
                std::future::ready(Ok((
                    week_of(&[1, 2, 3]),
                    vec![
                        (8, Category::Crate, 1),
                        (9, Category::Crate, 2),
                        (10, Category::Crate, 3),
                    ],
                )))
            })
            .await
            .unwrap();
        assert!(reread.version.snapshot > voted.version.snapshot);
        assert_eq!(votes(&reread, 3), 1);
    }
}
