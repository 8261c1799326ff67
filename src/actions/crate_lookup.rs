//! crates.io answers through the database cache: a found crate is trusted for a day, a missing
//! one for minutes; failures are not cached. The client itself is `crate::crates_io`.

use crate::crates_io::Lookup;
use crate::models::crates_cache::{self, CachedCrate};
use crate::models::nomination::CrateFacts;
use crate::state::AppState;
use chrono::Duration;

const FOUND_TTL_HOURS: i64 = 24;
const NOT_FOUND_TTL_MINUTES: i64 = 10;

/// Look `name` up through the cache (a found crate is trusted for a day, a missing one for
/// minutes); failures are not cached.
pub async fn lookup(state: &AppState, name: &str) -> Lookup {
    let key = crate::domain::validate::crate_key(name);
    let now = state.clock.now();
    let cached = {
        let key = key.clone();
        state
            .db
            .read(move |conn| Ok(crates_cache::get(conn, &key)?))
            .await
    };
    if let Ok(Some(entry)) = cached {
        let ttl = if entry.found {
            Duration::hours(FOUND_TTL_HOURS)
        } else {
            Duration::minutes(NOT_FOUND_TTL_MINUTES)
        };
        if crates_cache::is_fresh(&entry, now, ttl) {
            return if entry.found {
                Lookup::Found {
                    name: entry.canonical_name.unwrap_or_else(|| name.to_string()),
                    facts: CrateFacts {
                        description: entry.description,
                        repository: entry.repository,
                        downloads: entry.downloads,
                        recent_downloads: entry.recent_downloads,
                        created_at: entry.created_at,
                    },
                }
            } else {
                Lookup::NotFound
            };
        }
    }
    let answer = state.crates_io.fetch(name).await;
    let entry = match &answer {
        Lookup::Found { name, facts } => Some(CachedCrate {
            name: key,
            found: true,
            canonical_name: Some(name.clone()),
            description: facts.description.clone(),
            repository: facts.repository.clone(),
            fetched_at: now.naive_utc(),
            downloads: facts.downloads,
            recent_downloads: facts.recent_downloads,
            created_at: facts.created_at,
        }),
        Lookup::NotFound => Some(CachedCrate {
            name: key,
            found: false,
            canonical_name: None,
            description: None,
            repository: None,
            fetched_at: now.naive_utc(),
            downloads: None,
            recent_downloads: None,
            created_at: None,
        }),
        Lookup::Unreachable(reason) => {
            tracing::warn!(crate_name = %name, reason = %reason, "crates.io lookup failed");
            None
        }
    };
    if let Some(entry) = entry {
        let stored = state.db.write(move |tx| Ok(crates_cache::put(tx, &entry)?)).await;
        if let Err(e) = stored {
            tracing::warn!(error = %e, "could not cache a crates.io answer");
        }
    }
    answer
}

/// A crate's owners (logins; teams as `github:org:team`), cached for a day like the crate
/// itself. `None` when crates.io did not answer: the caller keeps the nominator's word and
/// checks again later.
pub async fn owners(state: &AppState, name: &str) -> Option<Vec<String>> {
    let key = crate::domain::validate::crate_key(name);
    let now = state.clock.now();
    let cached = {
        let key = key.clone();
        state
            .db
            .read(move |conn| Ok(crates_cache::owners(conn, &key)?))
            .await
    };
    if let Ok(Some((owners, at))) = cached {
        if now - at.and_utc() < Duration::hours(FOUND_TTL_HOURS) {
            return Some(owners);
        }
    }
    let owners = state.crates_io.owners(name).await?;
    let stored = {
        let owners = owners.clone();
        state
            .db
            .write(move |tx| Ok(crates_cache::put_owners(tx, &key, &owners, now)?))
            .await
    };
    if let Err(e) = stored {
        tracing::warn!(error = %e, "could not cache a crate's owners");
    }
    Some(owners)
}

pub use crate::domain::owners::{owner_check, OwnerCheck};
