//! Small presentation helpers for templates: dates for people (from `domain::week`), and
//! ballot entries.

pub use crate::domain::week::{human_time, relative};

/// Ballot entries as templates show them, with the visitor's own vote and nominations marked.
pub mod ballot {
    use crate::domain::validate::Category;
    use crate::models::ballot::{Entry, RankedWeek};
    use serde::Serialize;
    use std::collections::HashMap;

    /// What the visitor has to do with this week's ballot.
    #[derive(Debug, Default)]
    pub struct Personal {
        pub user_id: Option<i32>,
        /// Category → the nomination this user votes for this week.
        pub votes: HashMap<String, i32>,
        /// Voting is possible on this page: the week is open and the user may vote.
        pub can_vote: bool,
    }

    /// What about the visitor changes an entry's HTML. Everything else on an entry is the
    /// same for everyone, so its HTML is made once per shape and shared.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct Shape {
        /// The visitor's vote in this category is for this entry.
        pub mine: bool,
        /// The visitor nominated (or co-nominated) it.
        pub own: bool,
        /// A vote button is shown.
        pub can_vote: bool,
        /// The visitor has a vote elsewhere in this category (the button moves it).
        pub has_vote: bool,
        /// The week takes votes (withdrawing is offered).
        pub week_open: bool,
    }

    impl Shape {
        /// The shape as a small number, for cache keys.
        pub fn bits(self) -> u8 {
            [self.mine, self.own, self.can_vote, self.has_vote, self.week_open]
                .iter()
                .enumerate()
                .fold(0, |bits, (i, &on)| bits | (u8::from(on) << i))
        }
    }

    pub fn shape(e: &Entry, personal: &Personal, week_open: bool) -> Shape {
        let category = e.nomination.category();
        let own = personal
            .user_id
            .is_some_and(|id| e.credits.iter().any(|c| c.user_id == Some(id)));
        let my_vote = personal.votes.get(category.as_str());
        let mine = my_vote == Some(&e.nomination_id);
        Shape {
            mine,
            own,
            can_vote: personal.can_vote && !own && !mine && !e.nomination.hidden,
            has_vote: my_vote.is_some(),
            week_open,
        }
    }

    /// One entry as `templates/ballot_entry.hbs` (and the pages that list entries) show it.
    #[derive(Debug, Serialize)]
    pub struct EntryView<'a> {
        pub rank: usize,
        pub nomination_id: i32,
        pub category: &'static str,
        pub title: String,
        pub link: &'a str,
        pub summary: &'a str,
        pub is_quote: bool,
        pub votes: i64,
        pub one_vote: bool,
        pub earlier_votes: i64,
        /// The forum post that suggested it, and the likes of every post that did.
        pub forum_url: Option<&'a str>,
        pub forum_likes: i64,
        pub one_like: bool,
        /// Everyone credited, first first: "Ann, Bob".
        pub nominators: String,
        pub verified: bool,
        pub hidden: bool,
        pub mine: bool,
        pub own: bool,
        pub can_vote: bool,
        pub my_vote: bool,
        pub week_open: bool,
        pub picked: bool,
    }

    /// An entry for pages other than the ballot (no withdraw button there).
    pub fn entry<'a>(
        e: &'a Entry,
        personal: &Personal,
        picked: Option<&crate::models::ballot::PickView>,
    ) -> EntryView<'a> {
        entry_shaped(e, shape(e, personal, false), picked)
    }

    pub fn entry_shaped<'a>(
        e: &'a Entry,
        shape: Shape,
        picked: Option<&crate::models::ballot::PickView>,
    ) -> EntryView<'a> {
        let (title, link, summary) = match (&e.crate_, &e.quote) {
            (Some(c), _) => (c.name.clone(), c.url.as_str(), c.pitch.as_str()),
            (_, Some(q)) => (
                format!("{} {}", q.author, q.where_said).trim().to_string(),
                q.url.as_str(),
                q.text.as_str(),
            ),
            _ => (String::new(), "", ""),
        };
        let category = e.nomination.category();
        EntryView {
            rank: e.rank,
            nomination_id: e.nomination_id,
            category: category.as_str(),
            title,
            link,
            summary,
            is_quote: category == Category::Quote,
            votes: e.votes,
            one_vote: e.votes == 1,
            earlier_votes: e.earlier_votes,
            forum_url: e.forum.as_ref().map(|f| f.url.as_str()),
            forum_likes: e.forum_likes(),
            one_like: e.forum_likes() == 1,
            nominators: e
                .credits
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            verified: e.crate_.as_ref().map(|c| c.verified).unwrap_or(true),
            hidden: e.nomination.hidden,
            mine: shape.mine,
            own: shape.own,
            can_vote: shape.can_vote,
            my_vote: shape.has_vote,
            week_open: shape.week_open,
            picked: picked.is_some_and(|p| p.includes(e.nomination_id)),
        }
    }

    /// One category of a week with its entries.
    #[derive(Debug, Serialize)]
    pub struct CategoryView<'a> {
        pub key: &'static str,
        pub heading: &'static str,
        pub entries: Vec<EntryView<'a>>,
        pub my_vote: Option<i32>,
    }

    pub fn categories<'a>(week: &'a RankedWeek, personal: &Personal) -> Vec<CategoryView<'a>> {
        Category::ALL
            .iter()
            .map(|&c| {
                let picked = week.picks.get(c).as_ref();
                CategoryView {
                    key: c.as_str(),
                    heading: c.heading(),
                    entries: week
                        .categories
                        .get(c)
                        .iter()
                        .map(|e| entry(e, personal, picked))
                        .collect(),
                    my_vote: personal.votes.get(c.as_str()).copied(),
                }
            })
            .collect()
    }
}
