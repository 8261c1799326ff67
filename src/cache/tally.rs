//! The open week's counted votes in memory, pure: who votes for what in each category, and
//! how many votes each nomination has. No database, no clock, no locks; `BallotCache` holds
//! one inside its snapshot and re-ranks the entries from `count`.

use crate::domain::validate::Category;
use std::collections::HashMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// (user, category) → nomination: one vote per user per category, as the schema holds it.
    votes: HashMap<(i32, Category), i32>,
    /// nomination → votes, kept equal to counting `votes`.
    counts: HashMap<i32, i64>,
}

/// What recording a vote did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The user's vote in that category was already that (or already withdrawn).
    Unchanged,
    /// One vote moved: `from` lost one (if any), `to` gained one (if any).
    Moved { from: Option<i32>, to: Option<i32> },
}

impl Tally {
    /// From the counted votes as stored: (user, category, nomination).
    pub fn new(votes: impl IntoIterator<Item = (i32, Category, i32)>) -> Tally {
        let mut tally = Tally::default();
        for (user, category, nomination) in votes {
            tally.record(user, category, Some(nomination));
        }
        tally
    }

    /// A committed vote (`Some`) or withdrawal (`None`) of `user` in `category`.
    pub fn record(&mut self, user: i32, category: Category, nomination: Option<i32>) -> Recorded {
        let before = match nomination {
            Some(n) => self.votes.insert((user, category), n),
            None => self.votes.remove(&(user, category)),
        };
        if before == nomination {
            return Recorded::Unchanged;
        }
        if let Some(from) = before {
            let count = self.counts.entry(from).or_default();
            *count -= 1;
            if *count == 0 {
                self.counts.remove(&from);
            }
        }
        if let Some(to) = nomination {
            *self.counts.entry(to).or_default() += 1;
        }
        Recorded::Moved {
            from: before,
            to: nomination,
        }
    }

    pub fn count(&self, nomination: i32) -> i64 {
        self.counts.get(&nomination).copied().unwrap_or(0)
    }

    /// The user's vote in each category, if any.
    pub fn votes_of(&self, user: i32) -> Vec<(Category, i32)> {
        Category::ALL
            .iter()
            .filter_map(|c| self.votes.get(&(user, *c)).map(|n| (*c, *n)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_moved_vote_leaves_one_and_joins_the_other() {
        let mut t = Tally::new([(1, Category::Crate, 10), (2, Category::Crate, 10)]);
        assert_eq!(t.count(10), 2);
        assert_eq!(
            t.record(1, Category::Crate, Some(11)),
            Recorded::Moved {
                from: Some(10),
                to: Some(11)
            }
        );
        assert_eq!((t.count(10), t.count(11)), (1, 1));
        assert_eq!(t.record(1, Category::Crate, Some(11)), Recorded::Unchanged);
        assert_eq!(t.votes_of(1), vec![(Category::Crate, 11)]);
    }

    #[test]
    fn a_withdrawal_takes_the_vote_back_once() {
        let mut t = Tally::new([(1, Category::Quote, 5)]);
        assert_eq!(
            t.record(1, Category::Quote, None),
            Recorded::Moved {
                from: Some(5),
                to: None
            }
        );
        assert_eq!(t.record(1, Category::Quote, None), Recorded::Unchanged);
        assert_eq!(t.count(5), 0);
        assert!(t.votes_of(1).is_empty());
    }

    #[test]
    fn categories_are_separate_votes() {
        let t = Tally::new([(1, Category::Crate, 10), (1, Category::Quote, 20)]);
        assert_eq!(t.votes_of(1), vec![(Category::Crate, 10), (Category::Quote, 20)]);
        assert_eq!((t.count(10), t.count(20)), (1, 1));
    }

    proptest! {
        /// After any sequence of votes and withdrawals, the counts are what counting the
        /// standing votes gives, and every user has at most one vote per category.
        #[test]
        fn counts_equal_a_recount(steps in proptest::collection::vec(
            (0..6i32, any::<bool>(), proptest::option::weighted(0.8, 0..5i32)), 0..80)
        ) {
            let mut t = Tally::default();
            for (user, crates, nomination) in steps {
                let category = if crates { Category::Crate } else { Category::Quote };
                t.record(user, category, nomination);
            }
            let mut recount: HashMap<i32, i64> = HashMap::new();
            for n in t.votes.values() {
                *recount.entry(*n).or_default() += 1;
            }
            prop_assert_eq!(&t.counts, &recount);
            prop_assert!(t.counts.values().all(|c| *c > 0));
        }
    }
}
