//! When a signed-in session stands, when its last-seen time is worth writing, and how a browser
//! is described to its member. One rule each, used by every caller.

use chrono::{DateTime, NaiveDateTime, Utc};

/// A session unused this long is over.
pub const IDLE_TIMEOUT_SECS: i64 = 7 * 24 * 3600;
/// A session is over this long after login, used or not (also the cookie's Max-Age).
pub const ABSOLUTE_LIFETIME_SECS: i64 = 30 * 24 * 3600;
/// A session's last-seen time is written at most this often: a page view is not a write.
pub const SEEN_WRITE_SECS: i64 = 60;

/// A session as stored: when it started, when it was last seen, whether it was ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub ended: bool,
}

impl Standing {
    /// Not ended, used within the idle timeout, and younger than the absolute lifetime.
    pub fn stands(&self, now: DateTime<Utc>) -> bool {
        let now = now.naive_utc();
        !self.ended
            && (now - self.last_seen_at).num_seconds() < IDLE_TIMEOUT_SECS
            && (now - self.created_at).num_seconds() < ABSOLUTE_LIFETIME_SECS
    }

    /// Is the stored last-seen time old enough to be written again?
    pub fn seen_is_stale(&self, now: DateTime<Utc>) -> bool {
        (now.naive_utc() - self.last_seen_at).num_seconds() >= SEEN_WRITE_SECS
    }

    /// When the session ends by itself if nothing else ends it (idle or absolute, the earlier).
    pub fn expires_at(&self) -> NaiveDateTime {
        (self.last_seen_at + chrono::Duration::seconds(IDLE_TIMEOUT_SECS))
            .min(self.created_at + chrono::Duration::seconds(ABSOLUTE_LIFETIME_SECS))
    }
}

/// "Firefox on Linux": enough for a member to tell their browsers apart, and all that is kept
/// of the `User-Agent` header (a whole header is a fingerprint, and none of our business).
pub fn describe_browser(user_agent: &str) -> String {
    let ua = user_agent;
    // Order matters: Edge and Opera say "Chrome", Chrome says "Safari".
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Macintosh", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => format!("A browser on {s}"),
        (None, None) => "An unknown browser".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: i64) -> NaiveDateTime {
        Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap().naive_utc()
    }
    fn now(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn idle_absolute_and_ended() {
        let s = Standing {
            created_at: at(0),
            last_seen_at: at(0),
            ended: false,
        };
        assert!(s.stands(now(60)));
        assert!(!s.stands(now(IDLE_TIMEOUT_SECS)));
        let busy = Standing {
            last_seen_at: at(ABSOLUTE_LIFETIME_SECS - 10),
            ..s
        };
        assert!(!busy.stands(now(ABSOLUTE_LIFETIME_SECS)));
        assert!(!Standing { ended: true, ..s }.stands(now(1)));
        assert_eq!(s.expires_at(), at(IDLE_TIMEOUT_SECS));
    }

    #[test]
    fn last_seen_is_written_once_a_minute() {
        let s = Standing {
            created_at: at(0),
            last_seen_at: at(0),
            ended: false,
        };
        assert!(!s.seen_is_stale(now(59)));
        assert!(s.seen_is_stale(now(60)));
    }

    #[test]
    fn browsers_described() {
        let firefox = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe_browser(firefox), "Firefox on Linux");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
        assert_eq!(describe_browser(edge), "Edge on Windows");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_browser(iphone), "Safari on iPhone");
        let android = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36";
        assert_eq!(describe_browser(android), "Chrome on Android");
        assert_eq!(describe_browser(""), "An unknown browser");
    }
}
