//! What stands on a ballot and which votes count (docs/contract.md §2): one predicate each, used by the
//! SQL that loads ballots, the vote and pick checks, and the in-memory snapshot.

/// Nominations (own or co-) one member may make per category per week: enough for anyone
/// honest, few enough that one account cannot flood a ballot.
pub const PER_USER_WEEKLY_LIMIT: i64 = 5;

/// Whether a member who made `made` nominations in a category this week may make another.
pub fn within_weekly_limit(made: i64) -> bool {
    made < PER_USER_WEEKLY_LIMIT
}

/// What the membership rule needs to know about one nomination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The week it was nominated in.
    pub week_issue: i32,
    pub withdrawn: bool,
    pub hidden: bool,
    /// It is the standing pick of a week before the one asked about.
    pub picked_earlier: bool,
}

/// Whether `c` stands on the ballot of week `issue`: nominated in that week or the
/// `ballot_weeks` before it, not withdrawn, not picked in an earlier week, and not hidden
/// (hidden ones stay on the editors' view, `with_hidden`). This week's pick stays on.
pub fn stands(c: &Candidate, issue: i32, ballot_weeks: i32, with_hidden: bool) -> bool {
    let in_window = (issue.saturating_sub(ballot_weeks)..=issue).contains(&c.week_issue);
    in_window && !c.withdrawn && !c.picked_earlier && (with_hidden || !c.hidden)
}

/// Whether `c`, nominated before the ballot window of week `issue`, may still be picked there
/// in a dry week (`domain::dry_week`): not withdrawn, not hidden, never picked. Its earlier
/// votes come with it; it is not back on the public ballot.
pub fn from_earlier_weeks(c: &Candidate, issue: i32, ballot_weeks: i32) -> bool {
    c.week_issue < issue.saturating_sub(ballot_weeks) && !c.withdrawn && !c.hidden && !c.picked_earlier
}

/// Whether a vote counts: it was not withdrawn and its voter is not banned. (Votes for hidden
/// nominations count for nothing because hidden nominations are off the public ballot.)
pub fn vote_counts(withdrawn: bool, voter_banned: bool) -> bool {
    !withdrawn && !voter_banned
}

/// A crate or quote featured in issue `won` may be nominated again from this issue on.
pub fn again_from(won: i32, allow_repeat_after_weeks: i32) -> i32 {
    won.saturating_add(allow_repeat_after_weeks)
}

/// Whether having won in `won` keeps it off the ballot of issue `issue`.
pub fn too_recent_a_winner(won: Option<i32>, issue: i32, allow_repeat_after_weeks: i32) -> bool {
    won.is_some_and(|w| again_from(w, allow_repeat_after_weeks) > issue)
}

/// Why a nomination cannot be a week's second pick; `None` when it can. TWiR has featured two
/// crates in one week, never two quotes, and a second crate stands beside a first.
pub fn second_pick_refusal(
    category: crate::domain::validate::Category,
    picks_standing: usize,
) -> Option<&'static str> {
    use crate::domain::validate::Category;
    match (category, picks_standing) {
        (Category::Quote, _) => Some("A week has one Quote of the Week: only a crate can be a second pick."),
        (Category::Crate, 0) => Some("Pick the week's first crate before adding a second one."),
        (Category::Crate, 1) => None,
        (Category::Crate, _) => Some("The week has two crates already: unpick one first."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weekly_limit_allows_five() {
        assert!(within_weekly_limit(0) && within_weekly_limit(4));
        assert!(!within_weekly_limit(5) && !within_weekly_limit(6));
    }

    #[test]
    fn earlier_weeks_are_those_before_the_window() {
        assert!(from_earlier_weeks(&candidate(675), 680, 4));
        assert!(
            !from_earlier_weeks(&candidate(676), 680, 4),
            "still on the ballot"
        );
        let picked = Candidate {
            picked_earlier: true,
            ..candidate(600)
        };
        assert!(!from_earlier_weeks(&picked, 680, 4));
        let hidden = Candidate {
            hidden: true,
            ..candidate(600)
        };
        assert!(!from_earlier_weeks(&hidden, 680, 4));
    }

    #[test]
    fn only_a_crate_beside_one_other_can_be_second() {
        use crate::domain::validate::Category;
        assert!(second_pick_refusal(Category::Crate, 1).is_none());
        assert!(second_pick_refusal(Category::Crate, 0).is_some());
        assert!(second_pick_refusal(Category::Crate, 2).is_some());
        assert!(second_pick_refusal(Category::Quote, 1).is_some());
    }

    fn candidate(week_issue: i32) -> Candidate {
        Candidate {
            week_issue,
            withdrawn: false,
            hidden: false,
            picked_earlier: false,
        }
    }

    #[test]
    fn a_nomination_stands_for_its_week_and_the_ballot_weeks_after() {
        for week in 676..=680 {
            assert!(stands(&candidate(week), 680, 4, false), "{week}");
        }
        assert!(!stands(&candidate(675), 680, 4, false));
        assert!(!stands(&candidate(681), 680, 4, false));
    }

    #[test]
    fn withdrawn_hidden_or_picked_before_is_off() {
        let c = candidate(680);
        assert!(!stands(&Candidate { withdrawn: true, ..c }, 680, 4, true));
        assert!(!stands(
            &Candidate {
                picked_earlier: true,
                ..c
            },
            680,
            4,
            true
        ));
        let hidden = Candidate { hidden: true, ..c };
        assert!(!stands(&hidden, 680, 4, false));
        assert!(stands(&hidden, 680, 4, true), "editors still see it");
    }

    #[test]
    fn votes_and_repeat_winners() {
        assert!(vote_counts(false, false));
        assert!(!vote_counts(true, false) && !vote_counts(false, true));
        assert!(too_recent_a_winner(Some(650), 680, 52));
        assert!(!too_recent_a_winner(Some(600), 680, 52));
        assert!(!too_recent_a_winner(None, 680, 52));
        assert_eq!(again_from(650, 52), 702);
    }
}
