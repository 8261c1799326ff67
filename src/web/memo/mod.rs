//! What the web layer keeps of pages it built, so the pages everyone opens are not rendered
//! or compressed again per request. Everything here is keyed by what it was built from: the
//! open week's `cache::Version` (the ballot's pages, skeletons and entries) or
//! `cache::ChangeCount` (the archive's bodies), so nothing here needs telling when the data
//! changes; a new version simply finds nothing kept.
//!
//! - `PageMemo`: for the open week, whole bodies per page (`rendered`), member page skeletons
//!   (`skeleton`), each entry's HTML per kind of visitor (`fragments`) and entries compressed
//!   to follow one another (`follow_ons`). Whole pages are good for one version; entries (whose
//!   rank and votes are part of their key) for the whole snapshot, so a vote elsewhere on the
//!   ballot leaves them usable.
//! - `bodies`: `Rendered` (a body with its ETag, plain and gzip) and `PageCache`.
//! - `deflate`: one gzip stream stitched from pieces compressed apart.

pub mod bodies;
pub mod deflate;

pub use bodies::{PageCache, Rendered};

use crate::cache::Version;
use crate::domain::validate::Category;
use crate::error::AppError;
use deflate::Piece;
use parking_lot::RwLock;
use rustc_hash::FxHashMap;
use std::collections::HashMap;
use std::sync::Arc;

/// The web layer's memos, shared by every worker (registered as app data beside `AppState`).
pub struct Memos {
    /// The open week's pages.
    pub ballot: PageMemo,
    /// The archive's pages, feed and JSON, briefly.
    pub archive: PageCache,
}

impl Default for Memos {
    fn default() -> Self {
        Memos {
            ballot: PageMemo::default(),
            archive: PageCache::new(crate::cache::REFRESH),
        }
    }
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
    /// The visitor's "Your votes: …" line, escaped.
    YourVotes,
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

/// What is kept for one snapshot of the open week.
#[derive(Default)]
struct Kept {
    snapshot: u64,
    rendered: HashMap<&'static str, (Version, Rendered)>,
    skeletons: HashMap<&'static str, (Version, Arc<Skeleton>)>,
    // Fragment keys are numbers from this instance's own ranking (never chosen by a visitor),
    // and a member's page looks up about 160 of them: a fast hash, without SipHash's flood
    // resistance.
    fragments: FxHashMap<FragmentKey, Arc<Piece>>,
    /// An entry compressed to follow another (`deflate::deflate_after`), by (above, entry).
    follow_ons: FxHashMap<(FragmentKey, FragmentKey), Arc<Vec<u8>>>,
}

/// The open week's pages, kept for the snapshot they were built from.
#[derive(Default)]
pub struct PageMemo {
    kept: RwLock<Kept>,
}

impl PageMemo {
    /// Runs `keep` on what is kept for `version`'s snapshot, when that is still worth keeping:
    /// a newer snapshot replaces everything, an older one keeps nothing.
    fn keep(&self, version: Version, keep: impl FnOnce(&mut Kept)) {
        let mut kept = self.kept.write();
        if version.snapshot > kept.snapshot {
            *kept = Kept {
                snapshot: version.snapshot,
                ..Kept::default()
            };
        }
        if version.snapshot == kept.snapshot {
            keep(&mut kept);
        }
    }

    /// A rendered body for `version`, made once per version by `render`.
    pub fn rendered(
        &self,
        key: &'static str,
        version: Version,
        render: impl FnOnce() -> Result<Vec<u8>, AppError>,
    ) -> Result<Rendered, AppError> {
        if let Some((v, r)) = self.kept.read().rendered.get(key) {
            if *v == version {
                return Ok(r.clone());
            }
        }
        let rendered = Rendered::new(format!("W/\"{key}-{}\"", version.tag()), render()?);
        self.keep(version, |k| {
            k.rendered.insert(key, (version, rendered.clone()));
        });
        Ok(rendered)
    }

    /// The page skeleton `key` for `version`, built with `build` when missing.
    pub fn skeleton(
        &self,
        key: &'static str,
        version: Version,
        build: impl FnOnce() -> Result<Skeleton, AppError>,
    ) -> Result<Arc<Skeleton>, AppError> {
        if let Some((v, kept)) = self.kept.read().skeletons.get(key) {
            if *v == version {
                return Ok(kept.clone());
            }
        }
        let built = Arc::new(build()?);
        self.keep(version, |k| {
            k.skeletons.insert(key, (version, built.clone()));
        });
        Ok(built)
    }

    /// The HTML for `keys` (from `version`'s snapshot), plain and compressed, making what is
    /// missing with `render(index into keys)`.
    pub fn fragments(
        &self,
        version: Version,
        keys: &[FragmentKey],
        mut render: impl FnMut(usize) -> Result<String, AppError>,
    ) -> Result<Vec<Arc<Piece>>, AppError> {
        let mut found: Vec<Option<Arc<Piece>>> = {
            let kept = self.kept.read();
            let same = kept.snapshot == version.snapshot;
            keys.iter()
                .map(|k| same.then(|| kept.fragments.get(k).cloned()).flatten())
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
            self.keep(version, |k| {
                for (key, html) in made {
                    if k.fragments.len() >= MAX_FRAGMENTS {
                        break;
                    }
                    k.fragments.insert(key, html);
                }
            });
        }
        Ok(found.into_iter().flatten().collect())
    }

    /// For a run of entries as they follow one another on a page (from `fragments`), each one
    /// but the first compressed after the one above it (the first goes in alone, as its
    /// `Piece::deflated`). Made once per pair and kept with the snapshot.
    pub fn follow_ons(&self, version: Version, run: &[(FragmentKey, Arc<Piece>)]) -> Vec<Arc<Vec<u8>>> {
        let pair = |i: usize| (run[i - 1].0, run[i].0);
        let mut found: Vec<Option<Arc<Vec<u8>>>> = {
            let kept = self.kept.read();
            let same = kept.snapshot == version.snapshot;
            (1..run.len())
                .map(|i| same.then(|| kept.follow_ons.get(&pair(i)).cloned()).flatten())
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
            self.keep(version, |k| {
                for (key, bytes) in made {
                    if k.follow_ons.len() >= 2 * MAX_FRAGMENTS {
                        break;
                    }
                    k.follow_ons.insert(key, bytes);
                }
            });
        }
        found.into_iter().flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(snapshot: u64, revision: u64) -> Version {
        Version { snapshot, revision }
    }

    #[test]
    fn a_page_is_kept_for_its_version_and_entries_for_their_snapshot() {
        let memo = PageMemo::default();
        let made = std::cell::Cell::new(0);
        let render = || {
            made.set(made.get() + 1);
            Ok(b"page".to_vec())
        };
        memo.rendered("home", version(2, 0), render).unwrap();
        memo.rendered("home", version(2, 0), render).unwrap();
        assert_eq!(made.get(), 1, "kept for its version");
        memo.rendered("home", version(2, 1), render).unwrap();
        assert_eq!(made.get(), 2, "a vote makes the page again");

        let key = FragmentKey {
            nomination_id: 1,
            rank: 1,
            votes: 0,
            shape: 0,
        };
        let entries = std::cell::Cell::new(0);
        let entry = |_| {
            entries.set(entries.get() + 1);
            Ok("<li>x</li>".to_string())
        };
        memo.fragments(version(2, 1), &[key], entry).unwrap();
        memo.fragments(version(2, 5), &[key], entry).unwrap();
        assert_eq!(entries.get(), 1, "an entry is good for the whole snapshot");
        memo.fragments(version(3, 0), &[key], entry).unwrap();
        assert_eq!(entries.get(), 2, "a new snapshot keeps nothing of the old");
        // An older snapshot's reader (still in flight) is answered, and keeps nothing.
        memo.fragments(version(2, 9), &[key], entry).unwrap();
        memo.fragments(version(3, 0), &[key], entry).unwrap();
        assert_eq!(entries.get(), 3);
    }
}
