//! The public JSON shapes (docs/contract.md §3, §8): what the API and `export --format json`
//! answer, made from the models by `From` conversions. Names and formats outside tools rely on
//! live here and only here: `"crate"` and `"where"` for Rust's `crate_` and `where_said`, times
//! as RFC 3339 strings, fields left out when empty. Fields may be added, never renamed.

use crate::actions::shortlist::Shortlist;
use crate::domain::week::rfc3339;
use crate::models::ballot::{ByCategory, CrateView, Entry, ForumView, PickView, QuoteView, RankedWeek};
use serde::Serialize;

/// Both categories, as the JSON names them.
#[derive(Debug, Serialize)]
pub struct EncodableByCategory<T> {
    #[serde(rename = "crate")]
    pub crate_: T,
    pub quote: T,
}

impl<T> EncodableByCategory<T> {
    fn of<'a, M>(models: &'a ByCategory<M>, each: impl Fn(&'a M) -> T) -> Self {
        EncodableByCategory {
            crate_: each(&models.crate_),
            quote: each(&models.quote),
        }
    }
}

/// `GET /api/v1/weeks/current` and `/api/v1/weeks/{issue}`; with `E` a shortlist entry, the
/// head of `EncodableShortlist`.
#[derive(Debug, Serialize)]
pub struct EncodableWeek<'a, E = EncodableEntry<'a>> {
    pub issue: i32,
    pub opens_at: String,
    pub closes_at: String,
    pub status: &'a str,
    pub categories: EncodableByCategory<Vec<E>>,
    pub picks: EncodableByCategory<Option<EncodablePick<'a>>>,
}

impl<'a, E> EncodableWeek<'a, E> {
    /// The week with each entry made by `entry`.
    fn with_entries(week: &'a RankedWeek, entry: impl Fn(&'a Entry) -> E) -> Self {
        EncodableWeek {
            issue: week.issue,
            opens_at: rfc3339(week.opens_at),
            closes_at: rfc3339(week.closes_at),
            status: week.status.as_str(),
            categories: EncodableByCategory::of(&week.categories, |list| list.iter().map(&entry).collect()),
            picks: EncodableByCategory::of(&week.picks, |p| p.as_ref().map(EncodablePick::from)),
        }
    }
}

impl<'a> From<&'a RankedWeek> for EncodableWeek<'a> {
    fn from(week: &'a RankedWeek) -> Self {
        EncodableWeek::with_entries(week, EncodableEntry::from)
    }
}

/// One ranked entry of a ballot.
#[derive(Debug, Serialize)]
pub struct EncodableEntry<'a> {
    pub rank: usize,
    pub nomination_id: i32,
    pub votes: i64,
    pub earlier_votes: i64,
    pub nominated_at: String,
    /// Suggested on the forum: the first post, its poster, and the likes of every post that
    /// suggested it (shown apart from votes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forum: Option<EncodableForum<'a>>,
    /// Logins, first nominator first.
    pub nominators: &'a [String],
    pub self_suggestion: bool,
    #[serde(rename = "crate", skip_serializing_if = "Option::is_none")]
    pub crate_: Option<EncodableCrate<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<EncodableQuote<'a>>,
}

impl<'a> From<&'a Entry> for EncodableEntry<'a> {
    fn from(e: &'a Entry) -> Self {
        EncodableEntry {
            rank: e.rank,
            nomination_id: e.nomination_id,
            votes: e.votes,
            earlier_votes: e.earlier_votes,
            nominated_at: rfc3339(e.nominated_at),
            forum: e.forum.as_ref().map(EncodableForum::from),
            nominators: &e.nominators,
            self_suggestion: e.self_suggestion,
            crate_: e.crate_.as_ref().map(EncodableCrate::from),
            quote: e.quote.as_ref().map(EncodableQuote::from),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct EncodableCrate<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub pitch: &'a str,
    pub description: Option<&'a str>,
    pub repository: Option<&'a str>,
    pub why: Option<&'a str>,
    pub verified: bool,
}

impl<'a> From<&'a CrateView> for EncodableCrate<'a> {
    fn from(c: &'a CrateView) -> Self {
        EncodableCrate {
            name: &c.name,
            url: &c.url,
            pitch: &c.pitch,
            description: c.description.as_deref(),
            repository: c.repository.as_deref(),
            why: c.why.as_deref(),
            verified: c.verified,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct EncodableQuote<'a> {
    pub text: &'a str,
    pub author: &'a str,
    #[serde(rename = "where")]
    pub where_said: &'a str,
    pub url: &'a str,
    pub context: Option<&'a str>,
}

impl<'a> From<&'a QuoteView> for EncodableQuote<'a> {
    fn from(q: &'a QuoteView) -> Self {
        EncodableQuote {
            text: &q.text,
            author: &q.author,
            where_said: &q.where_said,
            url: &q.url,
            context: q.context.as_deref(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct EncodableForum<'a> {
    pub url: &'a str,
    pub author: &'a str,
    pub likes: i64,
}

impl<'a> From<&'a ForumView> for EncodableForum<'a> {
    fn from(f: &'a ForumView) -> Self {
        EncodableForum {
            url: &f.url,
            author: &f.author,
            likes: f.likes,
        }
    }
}

/// A category's standing pick, and in a two-crate week the second crate, shaped the same.
#[derive(Debug, Serialize)]
pub struct EncodablePick<'a> {
    pub nomination_id: i32,
    pub picked_by: &'a str,
    pub picked_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub second: Option<Box<EncodablePick<'a>>>,
}

impl<'a> From<&'a PickView> for EncodablePick<'a> {
    fn from(p: &'a PickView) -> Self {
        EncodablePick {
            nomination_id: p.nomination_id,
            picked_by: &p.picked_by,
            picked_at: rfc3339(p.picked_at),
            second: p.second.as_deref().map(|s| Box::new(EncodablePick::from(s))),
        }
    }
}

/// `GET /api/v1/editor/shortlist` and `twir-picks export --format json`: the week's public
/// shape, every entry with its attribution and what only editors see, each category's section.
#[derive(Debug, Serialize)]
pub struct EncodableShortlist<'a> {
    #[serde(flatten)]
    pub week: EncodableWeek<'a, EncodableShortlistEntry<'a>>,
    pub sections: EncodableByCategory<Option<&'a str>>,
    pub published: bool,
}

/// One shortlist entry: the public entry and what the editors see besides.
#[derive(Debug, Serialize)]
pub struct EncodableShortlistEntry<'a> {
    #[serde(flatten)]
    pub entry: EncodableEntry<'a>,
    pub attribution: Option<&'a str>,
    pub hidden: bool,
    pub hidden_reason: Option<&'a str>,
    /// Votes within an hour from new GitHub accounts (`domain::vote_bursts`), when a burst.
    pub vote_burst: Option<usize>,
}

impl<'a> From<&'a Shortlist> for EncodableShortlist<'a> {
    fn from(s: &'a Shortlist) -> Self {
        EncodableShortlist {
            week: EncodableWeek::with_entries(&s.week, |entry| EncodableShortlistEntry {
                entry: EncodableEntry::from(entry),
                attribution: s.attribution.get(&entry.nomination_id).map(String::as_str),
                hidden: entry.nomination.hidden,
                hidden_reason: entry.nomination.hidden_reason.as_deref(),
                vote_burst: s.vote_bursts.get(&entry.nomination_id).copied(),
            }),
            sections: EncodableByCategory::of(&s.sections, |section| section.as_deref()),
            published: s.published,
        }
    }
}
