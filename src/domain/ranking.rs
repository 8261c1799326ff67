//! The one ranking (docs/contract.md §2, §8), used by every page, the JSON API and the editor's shortlist:
//! this week's votes, descending; ties broken by the likes of the forum posts that suggested it
//! (zero without the forum bridge), then by votes summed over earlier weeks, then by the
//! earlier nomination (and, for a total order, the lower id). Likes are never votes: they only
//! order what the votes leave tied.

use chrono::NaiveDateTime;
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub nomination_id: i32,
    pub votes: i64,
    pub forum_likes: i64,
    pub earlier_votes: i64,
    pub nominated_at: NaiveDateTime,
}

/// `Less` when `a` ranks above `b`.
pub fn compare(a: &Standing, b: &Standing) -> Ordering {
    b.votes
        .cmp(&a.votes)
        .then(b.forum_likes.cmp(&a.forum_likes))
        .then(b.earlier_votes.cmp(&a.earlier_votes))
        .then(a.nominated_at.cmp(&b.nominated_at))
        .then(a.nomination_id.cmp(&b.nomination_id))
}

/// Sort `items` best first; the rank of an item is its index plus one.
pub fn rank_by<T>(items: &mut [T], standing: impl Fn(&T) -> Standing) {
    items.sort_by(|a, b| compare(&standing(a), &standing(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 20)
            .unwrap()
            .and_hms_opt(10, minute, 0)
            .unwrap()
    }

    fn s(id: i32, votes: i64, earlier: i64, minute: u32) -> Standing {
        Standing {
            nomination_id: id,
            votes,
            forum_likes: 0,
            earlier_votes: earlier,
            nominated_at: at(minute),
        }
    }

    fn ids(mut v: Vec<Standing>) -> Vec<i32> {
        rank_by(&mut v, |x| *x);
        v.iter().map(|x| x.nomination_id).collect()
    }

    #[test]
    fn votes_first() {
        assert_eq!(
            ids(vec![s(1, 1, 9, 0), s(2, 3, 0, 5), s(3, 2, 0, 1)]),
            vec![2, 3, 1]
        );
    }

    #[test]
    fn ties_by_earlier_votes_then_earlier_nomination() {
        assert_eq!(
            ids(vec![s(1, 2, 0, 0), s(2, 2, 4, 9), s(3, 2, 4, 3)]),
            vec![3, 2, 1]
        );
    }

    #[test]
    fn forum_likes_break_ties_after_this_weeks_votes_before_earlier_votes() {
        let liked = |id, votes, likes, earlier| Standing {
            forum_likes: likes,
            ..s(id, votes, earlier, 0)
        };
        // More votes win whatever the likes.
        assert_eq!(ids(vec![liked(1, 1, 50, 0), liked(2, 2, 0, 0)]), vec![2, 1]);
        // Tied votes: likes first, before earlier votes.
        assert_eq!(ids(vec![liked(1, 2, 0, 9), liked(2, 2, 3, 0)]), vec![2, 1]);
        // Tied likes too: earlier votes.
        assert_eq!(ids(vec![liked(1, 2, 3, 0), liked(2, 2, 3, 1)]), vec![2, 1]);
    }

    #[test]
    fn a_full_tie_is_still_a_stable_total_order() {
        assert_eq!(ids(vec![s(9, 0, 0, 0), s(4, 0, 0, 0)]), vec![4, 9]);
        assert_eq!(ids(vec![s(4, 0, 0, 0), s(9, 0, 0, 0)]), vec![4, 9]);
    }
}
