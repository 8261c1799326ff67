//! The ranked open week in memory, so the pages everyone opens do not query and render per
//! request. Kept exact for this instance: a committed vote is applied to the tally at once,
//! any other change (nomination, pick, hide, ban, week) drops the snapshot. Changes made by
//! other instances (or the command line) show within `REFRESH` (see ARCHITECTURE.md).

// Fragment keys are numbers from this instance's own ranking (never chosen by a visitor), and
// a member's page looks up about 160 of them: a fast hash, without SipHash's flood resistance.
use crate::domain::validate::Category;
use crate::error::AppError;
use crate::models::ballot::{self, RankedWeek};
use crate::models::week::Week;
use parking_lot::RwLock;
use rustc_hash::FxHashMap;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub mod accounts;
mod bodies;
pub mod deflate;
mod tally;

pub use bodies::{PageCache, Rendered};
use deflate::Piece;
pub use tally::Recorded;
use tally::Tally;

/// The one freshness bound of everything this instance keeps in memory (the ranked open week,
/// the archive's pages, the open week itself): what this instance writes it sees at once
/// (`db::Change`), what another instance or the command line writes it sees within this.
pub const REFRESH: Duration = Duration::from_secs(1);

struct Snapshot {
    issue: i32,
    loaded_at: Instant,
    ranked: Arc<RankedWeek>,
    /// This week's counted votes.
    tally: Tally,
    /// Bumped on every change; part of the ETag.
    version: u64,
    /// How long voting stays open, as the pages rendered for `version` say it ("in 3
    /// hours"): a reload that finds the ranking unchanged keeps the version only while this
    /// still reads the same.
    closes_in: String,
    rendered: HashMap<&'static str, (u64, Rendered)>,
    /// Pages with room for each visitor's own parts, by name, for a version.
    skeletons: HashMap<&'static str, (u64, Arc<Skeleton>)>,
    /// HTML of single entries (plain and compressed), by `FragmentKey`; dropped with the
    /// snapshot.
    fragments: FxHashMap<FragmentKey, Arc<Piece>>,
    /// An entry compressed to follow another (`deflate::deflate_after`), by (above, entry).
    follow_ons: FxHashMap<(FragmentKey, FragmentKey), Arc<Vec<u8>>>,
}

/// A page the same for many visitors but for a few parts of their own: the shared text in
/// pieces compressed once, and where each visitor's parts go (`web::stitched`).
#[derive(Debug)]
pub struct Skeleton {
    pub parts: Vec<SkeletonPart>,
    /// The shared pieces' sizes, plain and compressed, for sizing a page's buffer.
    pub plain_len: usize,
    pub deflated_len: usize,
}

#[derive(Debug, Clone)]
pub enum SkeletonPart {
    Shared(Piece),
    /// The visitor's login, escaped.
    Login,
    /// The visitor's CSRF token.
    Csrf,
    /// A category's entries as the visitor sees them.
    Entries(Category),
}

impl Skeleton {
    pub fn new(parts: Vec<SkeletonPart>) -> Skeleton {
        let shared = || {
            parts.iter().filter_map(|p| match p {
                SkeletonPart::Shared(piece) => Some(piece),
                _ => None,
            })
        };
        Skeleton {
            plain_len: shared().map(|p| p.plain.len()).sum(),
            deflated_len: shared().map(|p| p.deflated.len()).sum(),
            parts,
        }
    }
}

/// One entry's HTML as one kind of visitor sees it. Rank and votes are part of the key, so a
/// vote elsewhere on the ballot leaves the other entries' HTML usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FragmentKey {
    pub nomination_id: i32,
    pub rank: usize,
    pub votes: i64,
    /// `web::view::ballot::Shape::bits`: which buttons and marks this visitor sees.
    pub shape: u8,
}

/// Enough for every entry in every shape a page can ask for; past it, fragments are made
/// but not kept.
const MAX_FRAGMENTS: usize = 4096;

/// What a reader gets: the ranking and the version it belongs to.
#[derive(Clone)]
pub struct View {
    pub ranked: Arc<RankedWeek>,
    pub version: u64,
    /// Kept as the snapshot: no change announced while it was read is missing from it.
    /// A view read while changes kept coming is not, and votes do not check against it.
    settled: bool,
}

/// A vote as the listener hears it: (week, user, category, nomination or withdrawn).
type HeardVote = (i32, i32, Category, Option<i32>);

pub struct BallotCache {
    snapshot: RwLock<Option<Snapshot>>,
    loading: tokio::sync::Mutex<()>,
    /// Distinguishes snapshots across reloads, so ETags never repeat.
    generation: AtomicU64,
    /// Counts `invalidate` calls: a reload that read the database before one (so may have
    /// missed the change it announced) does not keep what it read.
    invalidations: AtomicU64,
    /// The votes heard while a reload reads (`None`: no reload is reading). Its read may
    /// have missed them, so the reload applies them to what it read before keeping it
    /// (recording a vote twice changes nothing). Locked after `snapshot`, never before.
    heard_while_reading: parking_lot::Mutex<Option<Vec<HeardVote>>>,
}

impl Default for BallotCache {
    fn default() -> Self {
        BallotCache {
            snapshot: RwLock::new(None),
            loading: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(1),
            invalidations: AtomicU64::new(0),
            heard_while_reading: parking_lot::Mutex::new(None),
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

impl BallotCache {
    fn fresh(&self, issue: i32) -> Option<View> {
        let guard = self.snapshot.read();
        let s = guard.as_ref().filter(|s| s.issue == issue)?;
        (s.loaded_at.elapsed() < REFRESH).then(|| View {
            ranked: s.ranked.clone(),
            version: s.version,
            settled: true,
        })
    }

    fn any(&self, issue: i32) -> Option<View> {
        let guard = self.snapshot.read();
        let s = guard.as_ref().filter(|s| s.issue == issue)?;
        Some(View {
            ranked: s.ranked.clone(),
            version: s.version,
            settled: true,
        })
    }

    /// The public ranking of `week` (the open one) at `now`, from memory when fresh.
    pub async fn view(
        &self,
        db: &crate::db::Db,
        week: &Week,
        ballot_weeks: i32,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<View, AppError> {
        if let Some(v) = self.fresh(week.issue) {
            return Ok(v);
        }
        // One reload at a time; meanwhile others keep serving a slightly older snapshot.
        let _loading = match self.loading.try_lock() {
            Ok(guard) => guard,
            Err(_) => match self.any(week.issue) {
                Some(v) => return Ok(v),
                None => self.loading.lock().await,
            },
        };
        if let Some(v) = self.fresh(week.issue) {
            return Ok(v);
        }
        let closes_in = crate::domain::week::relative(week.closes_at.and_utc(), now);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let invalidations = self.invalidations.load(Ordering::SeqCst);
            let loaded_at = Instant::now();
            let hearing = HearingWhileReading::start(&self.heard_while_reading);
            let w = week.clone();
            let (mut ranked, rows) = db
                .read(move |conn| {
                    let ranked = ballot::ranked_week(conn, &w, ballot_weeks, false)?;
                    let rows = crate::models::vote::counted_in_week(conn, w.issue)?;
                    Ok((ranked, rows))
                })
                .await?;
            let mut tally = Tally::new(rows.into_iter().map(|v| (v.user_id, v.category, v.nomination_id)));
            let mut guard = self.snapshot.write();
            // Votes committed while this read ran, which it may have missed.
            let mut missing_entry = false;
            for (issue, user, category, nomination) in hearing.finish() {
                if issue == week.issue {
                    tally.record(user, category, nomination);
                    missing_entry |= nomination.is_some_and(|n| ranked.entry(n).is_none());
                }
            }
            apply_tally(&mut ranked, &tally);
            // A change committed while this read ran is announced by `invalidate` (under this
            // lock): what was read may lack it (a hide, a co-nomination a vote is checked
            // against), so it is read again rather than kept.
            if self.invalidations.load(Ordering::SeqCst) != invalidations || missing_entry {
                drop(guard);
                if attempt < 3 {
                    continue;
                }
                // Changes keep coming: answer with what was read, keep nothing.
                return Ok(View {
                    ranked: Arc::new(ranked),
                    version: self.generation.fetch_add(1, Ordering::Relaxed) << 32,
                    settled: false,
                });
            }
            // Read again and found as it was (the usual case: this instance wrote everything,
            // or nothing happened): keep the version, and with it every rendered and
            // compressed piece, instead of making them all again once a second. The pages
            // also say how long voting stays open: when that reads otherwise, the version
            // moves (its lower half, so the entries' pieces stay) and the pages are made again.
            if let Some(s) = guard
                .as_mut()
                .filter(|s| s.issue == week.issue && *s.ranked == ranked && s.tally == tally)
            {
                s.loaded_at = loaded_at;
                if s.closes_in != closes_in {
                    s.closes_in = closes_in;
                    s.version += 1;
                }
                return Ok(View {
                    ranked: s.ranked.clone(),
                    version: s.version,
                    settled: true,
                });
            }
            let version = self.generation.fetch_add(1, Ordering::Relaxed) << 32;
            let view = View {
                ranked: Arc::new(ranked),
                version,
                settled: true,
            };
            *guard = Some(Snapshot {
                issue: week.issue,
                loaded_at,
                ranked: view.ranked.clone(),
                tally,
                version,
                closes_in,
                rendered: HashMap::new(),
                skeletons: HashMap::new(),
                fragments: FxHashMap::default(),
                follow_ons: FxHashMap::default(),
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
        s.version += 1;
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

    /// A rendered body for `view`, made once per version by `render`.
    pub fn rendered(
        &self,
        key: &'static str,
        view: &View,
        render: impl FnOnce() -> Result<Vec<u8>, AppError>,
    ) -> Result<Rendered, AppError> {
        {
            let guard = self.snapshot.read();
            if let Some((v, r)) = guard.as_ref().and_then(|s| s.rendered.get(key)) {
                if *v == view.version {
                    return Ok(r.clone());
                }
            }
        }
        let rendered = Rendered::new(format!("W/\"{key}-{:x}\"", view.version), render()?);
        let mut guard = self.snapshot.write();
        if let Some(s) = guard.as_mut().filter(|s| s.version == view.version) {
            s.rendered.insert(key, (view.version, rendered.clone()));
        }
        Ok(rendered)
    }
}

impl BallotCache {
    /// For a run of entries as they follow one another on a page (from `fragments`), each one
    /// but the first compressed after the one above it (the first goes in alone, as its
    /// `Piece::deflated`). Made once per pair and kept with the snapshot.
    pub fn follow_ons(&self, view: &View, run: &[(FragmentKey, Arc<Piece>)]) -> Vec<Arc<Vec<u8>>> {
        let same_snapshot = |s: &Snapshot| s.version >> 32 == view.version >> 32;
        let pair = |i: usize| (run[i - 1].0, run[i].0);
        let mut found: Vec<Option<Arc<Vec<u8>>>> = {
            let guard = self.snapshot.read();
            let kept = guard.as_ref().filter(|s| same_snapshot(s)).map(|s| &s.follow_ons);
            (1..run.len())
                .map(|i| kept.and_then(|f| f.get(&pair(i)).cloned()))
                .collect()
        };
        let mut made = Vec::new();
        for (slot, i) in found.iter_mut().zip(1..) {
            if slot.is_none() {
                let bytes = Arc::new(deflate::deflate_after(
                    run[i - 1].1.plain.as_bytes(),
                    run[i].1.plain.as_bytes(),
                ));
                made.push((pair(i), bytes.clone()));
                *slot = Some(bytes);
            }
        }
        if !made.is_empty() {
            let mut guard = self.snapshot.write();
            if let Some(s) = guard.as_mut().filter(|s| same_snapshot(s)) {
                for (key, bytes) in made {
                    if s.follow_ons.len() >= 2 * MAX_FRAGMENTS {
                        break;
                    }
                    s.follow_ons.insert(key, bytes);
                }
            }
        }
        found.into_iter().flatten().collect()
    }

    /// The page skeleton `key` for `view`'s version, built with `build` when missing.
    pub fn skeleton(
        &self,
        key: &'static str,
        view: &View,
        build: impl FnOnce() -> Result<Skeleton, AppError>,
    ) -> Result<Arc<Skeleton>, AppError> {
        {
            let guard = self.snapshot.read();
            if let Some((v, kept)) = guard.as_ref().and_then(|s| s.skeletons.get(key)) {
                if *v == view.version {
                    return Ok(kept.clone());
                }
            }
        }
        let built = Arc::new(build()?);
        let mut guard = self.snapshot.write();
        if let Some(s) = guard.as_mut().filter(|s| s.version == view.version) {
            s.skeletons.insert(key, (view.version, built.clone()));
        }
        Ok(built)
    }

    /// The HTML for `keys` (from the snapshot `view` came from), plain and compressed, making
    /// what is missing with `render(index into keys)`.
    pub fn fragments(
        &self,
        view: &View,
        keys: &[FragmentKey],
        mut render: impl FnMut(usize) -> Result<String, AppError>,
    ) -> Result<Vec<Arc<Piece>>, AppError> {
        // The upper half of a version names the snapshot; the lower half counts votes in it.
        let same_snapshot = |s: &Snapshot| s.version >> 32 == view.version >> 32;
        let mut found: Vec<Option<Arc<Piece>>> = {
            let guard = self.snapshot.read();
            let kept = guard.as_ref().filter(|s| same_snapshot(s)).map(|s| &s.fragments);
            keys.iter()
                .map(|k| kept.and_then(|f| f.get(k).cloned()))
                .collect()
        };
        let mut made = Vec::new();
        for (i, slot) in found.iter_mut().enumerate() {
            if slot.is_none() {
                let piece = Arc::new(Piece::new(render(i)?));
                made.push((keys[i], piece.clone()));
                *slot = Some(piece);
            }
        }
        if !made.is_empty() {
            let mut guard = self.snapshot.write();
            if let Some(s) = guard.as_mut().filter(|s| same_snapshot(s)) {
                for (key, html) in made {
                    if s.fragments.len() >= MAX_FRAGMENTS {
                        break;
                    }
                    s.fragments.insert(key, html);
                }
            }
        }
        Ok(found.into_iter().flatten().collect())
    }
}

/// The votes heard while a reload reads: started before the read, finished (under the
/// snapshot's lock) before what was read is kept; also stops hearing when the read fails.
struct HearingWhileReading<'a> {
    heard: &'a parking_lot::Mutex<Option<Vec<HeardVote>>>,
}

impl<'a> HearingWhileReading<'a> {
    fn start(heard: &'a parking_lot::Mutex<Option<Vec<HeardVote>>>) -> Self {
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
