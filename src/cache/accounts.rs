//! Who a session cookie names, kept for `REFRESH` so a member's every page does not read their
//! account again. Any committed write but a vote empties it
//! (a logout, a ban, a role change are writes), so this instance sees such changes at once;
//! another instance's or the command line's within `REFRESH`, like everything else it keeps.
//! Editors' sessions are not kept (`web::extract`): losing the role shows at once.

use crate::actor::CurrentUser;
use crate::domain::session::Standing;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// A session as its cookie names it: the user and the session's id.
pub type SessionKey = (i32, String);

/// Past this many sessions the cache starts again empty (a bound on memory, not a policy).
const MAX_SESSIONS: usize = 20_000;

/// A session that stands: who it names, and the session as read.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub current: CurrentUser,
    pub session: Standing,
}

#[derive(Default)]
pub struct AccountCache {
    kept: RwLock<HashMap<SessionKey, (Instant, Option<SignedIn>)>>,
    /// Bumped by `clear`: an answer read before a clear is not kept after it.
    generation: AtomicU64,
}

impl AccountCache {
    /// The account behind `key` as read within `REFRESH` (`Some(None)`: the session no longer
    /// stands), or `None` when it must be read.
    pub fn get(&self, key: &SessionKey) -> Option<Option<SignedIn>> {
        let kept = self.kept.read();
        let (at, account) = kept.get(key)?;
        (at.elapsed() < super::REFRESH).then(|| account.clone())
    }

    /// The generation to hand back to `put` with what is read now.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keep what was read while `generation` held, unless a write came since.
    pub fn put(&self, key: SessionKey, account: Option<SignedIn>, read_at: Instant, generation: u64) {
        let mut kept = self.kept.write();
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if kept.len() >= MAX_SESSIONS {
            kept.clear();
        }
        kept.insert(key, (read_at, account));
    }

    pub fn clear(&self) {
        let mut kept = self.kept.write();
        self.generation.fetch_add(1, Ordering::SeqCst);
        kept.clear();
    }
}
