//! Who may vote (docs/contract.md §2): not banned, and a GitHub account at least `min_account_age_days`
//! old (sock puppets are young). Anyone logged in may nominate.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

/// Whether an account created on GitHub at `github_created_at` is old enough to vote at `now`.
/// An unknown age (an account made by DEV_LOGIN) counts only when no age is required.
pub fn old_enough(
    github_created_at: Option<NaiveDateTime>,
    min_account_age_days: i64,
    now: DateTime<Utc>,
) -> bool {
    match github_created_at {
        Some(created) => now - created.and_utc() >= Duration::days(min_account_age_days),
        None => min_account_age_days == 0,
    }
}

/// Whether an account may vote at `now`.
pub fn can_vote(
    banned: bool,
    github_created_at: Option<NaiveDateTime>,
    min_account_age_days: i64,
    now: DateTime<Utc>,
) -> bool {
    !banned && old_enough(github_created_at, min_account_age_days, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn thirty_days_on_github_and_not_banned() {
        let now = at("2026-11-24T13:00:00Z");
        let month_ago = Some(at("2026-10-25T13:00:00Z").naive_utc());
        let last_week = Some(at("2026-11-17T13:00:00Z").naive_utc());
        assert!(can_vote(false, month_ago, 30, now));
        assert!(!can_vote(false, last_week, 30, now));
        assert!(!can_vote(true, month_ago, 30, now));
        assert!(can_vote(false, None, 0, now));
        assert!(!can_vote(false, None, 30, now));
    }
}
