//! Bursts of votes from new accounts (docs/security.md item 19): sock puppets arrive together. When
//! several young GitHub accounts vote for one nomination within a short time, the desk flags
//! that nomination so the editor looks before picking. A flag decides nothing: the editor may
//! ban the accounts (their votes stop counting) or pick anyway. How long an account has been
//! here says little (on launch day everybody is new here), so only GitHub's age counts.

use chrono::{Duration, NaiveDateTime};
use std::collections::BTreeMap;

/// This many votes from new accounts…
pub const BURST_VOTES: usize = 3;
/// …for one nomination within this long is a burst.
pub const BURST_WINDOW: Duration = Duration::hours(1);
/// A GitHub account younger than this when it votes is new.
pub const NEW_ON_GITHUB: Duration = Duration::days(90);

/// One counted vote, as the rule needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CastVote {
    pub nomination_id: i32,
    pub cast_at: NaiveDateTime,
    /// When the voter's GitHub account was created (unknown for dev logins).
    pub github_created_at: Option<NaiveDateTime>,
}

impl CastVote {
    /// Whether the voter's GitHub account was new at the time of this vote.
    pub fn from_new_account(&self) -> bool {
        self.github_created_at
            .is_some_and(|created| self.cast_at - created < NEW_ON_GITHUB)
    }
}

/// For each nomination with a burst: the most votes from new accounts within one
/// `BURST_WINDOW`. Nominations without a burst are absent.
pub fn bursts(votes: &[CastVote]) -> BTreeMap<i32, usize> {
    let mut times: BTreeMap<i32, Vec<NaiveDateTime>> = BTreeMap::new();
    for vote in votes.iter().filter(|v| v.from_new_account()) {
        times.entry(vote.nomination_id).or_default().push(vote.cast_at);
    }
    let mut out = BTreeMap::new();
    for (nomination, mut at) in times {
        at.sort();
        // The largest number of votes in any window that starts at a vote.
        let most = (0..at.len())
            .map(|i| at[i..].iter().take_while(|t| **t - at[i] <= BURST_WINDOW).count())
            .max()
            .unwrap_or(0);
        if most >= BURST_VOTES {
            out.insert(nomination, most);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn vote(nomination_id: i32, cast: &str, github: &str) -> CastVote {
        CastVote {
            nomination_id,
            cast_at: at(cast),
            github_created_at: Some(at(github)),
        }
    }

    #[test]
    fn three_new_accounts_within_an_hour_is_a_burst() {
        let puppets = [
            vote(1, "2026-11-25 10:00", "2026-10-01 00:00"),
            vote(1, "2026-11-25 10:20", "2026-10-02 00:00"),
            vote(1, "2026-11-25 10:59", "2026-10-03 00:00"),
        ];
        assert_eq!(bursts(&puppets), BTreeMap::from([(1, 3)]));
    }

    #[test]
    fn old_accounts_or_votes_spread_out_are_not() {
        let regulars = [
            vote(1, "2026-11-25 10:00", "2015-01-01 00:00"),
            vote(1, "2026-11-25 10:01", "2016-01-01 00:00"),
            vote(1, "2026-11-25 10:02", "2017-01-01 00:00"),
        ];
        assert!(bursts(&regulars).is_empty());
        let spread = [
            vote(2, "2026-11-25 10:00", "2026-10-01 00:00"),
            vote(2, "2026-11-25 11:30", "2026-10-01 00:00"),
            vote(2, "2026-11-25 13:00", "2026-10-01 00:00"),
        ];
        assert!(bursts(&spread).is_empty());
    }

    #[test]
    fn young_on_github_is_new_and_unknown_is_not() {
        assert!(vote(1, "2026-11-25 10:00", "2026-09-01 00:00").from_new_account());
        assert!(!vote(1, "2026-11-25 10:00", "2012-01-01 00:00").from_new_account());
        let dev = CastVote {
            github_created_at: None,
            ..vote(1, "2026-11-25 10:00", "2026-09-01 00:00")
        };
        assert!(!dev.from_new_account());
    }
}
