//! Response bodies kept ready in memory: plain and gzip, with their ETag, and the short-lived
//! cache of rarely changing pages (the archive).

use actix_web::web::Bytes;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A response body kept ready: plain and gzip-compressed, with its ETag.
#[derive(Clone)]
pub struct Rendered {
    pub etag: String,
    pub plain: Bytes,
    pub gzip: Bytes,
}

impl Rendered {
    pub fn new(etag: String, plain: Vec<u8>) -> Rendered {
        use flate2::write::GzEncoder;
        use std::io::Write;
        let mut encoder = GzEncoder::new(Vec::with_capacity(plain.len() / 4), flate2::Compression::fast());
        let gzip = encoder
            .write_all(&plain)
            .and_then(|_| encoder.finish())
            .unwrap_or_default();
        Rendered {
            etag,
            plain: Bytes::from(plain),
            gzip: Bytes::from(gzip),
        }
    }
}

/// Rendered bodies that change rarely (the archive), by key, for at most `ttl`, and only while
/// the data they were built from is as it was (`cache::ChangeCount`: any change this instance
/// makes but a vote moves it). When one has aged past `ttl`, one request rebuilds it while the
/// others are served the last one: a crowd arriving at once does not all query the database
/// (which emptied the reader pool with ten years of history).
pub struct PageCache {
    ttl: Duration,
    /// key → (the change count it was built at, when, the body).
    map: RwLock<HashMap<String, (u64, Instant, Rendered)>>,
    /// The keys some request is rebuilding, since when.
    rebuilding: parking_lot::Mutex<HashMap<String, Instant>>,
}

enum Lookup {
    Found(Rendered),
    /// This request builds it.
    Build,
    /// Another request is building it.
    Wait,
}

/// A rebuild that takes longer than this (or failed) is left to the next request.
const REBUILD_PATIENCE: Duration = Duration::from_secs(5);

impl PageCache {
    pub fn new(ttl: Duration) -> Self {
        PageCache {
            ttl,
            map: RwLock::new(HashMap::new()),
            rebuilding: Default::default(),
        }
    }

    /// The body for `key` at change count `changes`: fresh, or aged while another request
    /// rebuilds it. When there is none yet and another request is building it, waits for that
    /// (at most `REBUILD_PATIENCE`). `None`: the caller builds it and `put`s it.
    pub async fn get(&self, key: &str, changes: u64) -> Option<Rendered> {
        let deadline = Instant::now() + REBUILD_PATIENCE;
        loop {
            match self.lookup(key, changes) {
                Lookup::Found(body) => return Some(body),
                Lookup::Build => return None,
                Lookup::Wait if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                Lookup::Wait => return None,
            }
        }
    }

    fn lookup(&self, key: &str, changes: u64) -> Lookup {
        // Built before a change this instance made: as good as none.
        let kept = {
            let map = self.map.read();
            map.get(key)
                .filter(|(at_changes, ..)| *at_changes == changes)
                .cloned()
        };
        if let Some((_, at, body)) = &kept {
            if at.elapsed() < self.ttl {
                return Lookup::Found(body.clone());
            }
        }
        let mut rebuilding = self.rebuilding.lock();
        match (rebuilding.get(key), kept) {
            (Some(since), Some((_, _, aged))) if since.elapsed() < REBUILD_PATIENCE => Lookup::Found(aged),
            (Some(since), None) if since.elapsed() < REBUILD_PATIENCE => Lookup::Wait,
            _ => {
                rebuilding.insert(key.to_string(), Instant::now());
                Lookup::Build
            }
        }
    }

    /// Keeps `body` for `key`, built at change count `changes`.
    pub fn put(&self, key: &str, changes: u64, body: Vec<u8>) -> Rendered {
        let body = Rendered::new(format!("W/\"{key}-{:x}\"", self.generation()), body);
        let mut map = self.map.write();
        if map.len() > 1_000 {
            map.clear();
        }
        map.insert(key.to_string(), (changes, Instant::now(), body.clone()));
        drop(map);
        self.rebuilding.lock().remove(key);
        body
    }

    fn generation(&self) -> u128 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    }
}
