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

/// `GET /me/export.json`: everything stored about one member (`models::account::Stored`).
#[derive(Debug, Serialize)]
pub struct EncodableExport<'a> {
    pub account: EncodableAccount<'a>,
    pub sessions: Vec<EncodableSession<'a>>,
    pub nominations: Vec<EncodableOwnNomination<'a>>,
    pub votes: Vec<EncodableOwnVote<'a>>,
    pub audit: Vec<EncodableAuditRow<'a>>,
}

#[derive(Debug, Serialize)]
pub struct EncodableAccount<'a> {
    pub id: i32,
    pub github_id: Option<i64>,
    pub login: &'a str,
    pub name: Option<&'a str>,
    pub avatar_url: Option<&'a str>,
    pub github_created_at: Option<String>,
    pub banned: bool,
    pub banned_reason: Option<&'a str>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize)]
pub struct EncodableSession<'a> {
    pub id: &'a str,
    pub browser: Option<&'a str>,
    pub created_at: String,
    pub last_seen_at: String,
    pub ended_at: Option<String>,
    pub ended_reason: Option<&'a str>,
}

/// A nomination the member made (`"nominator"`) or joined (`"co-nominator"`), with the words
/// as they stand and, when editors reworded it, as the nominator first wrote them.
#[derive(Debug, Serialize)]
pub struct EncodableOwnNomination<'a> {
    pub role: &'static str,
    pub joined_at: String,
    pub self_suggestion: bool,
    pub owner_check: Option<&'a str>,
    #[serde(flatten)]
    pub nomination: &'a crate::models::nomination::Nomination,
    pub original_wording: Option<EncodableWording<'a>>,
}

#[derive(Debug, Serialize)]
pub struct EncodableWording<'a> {
    pub pitch: Option<&'a str>,
    pub why: Option<&'a str>,
    pub url: Option<&'a str>,
    pub text: Option<&'a str>,
    pub author: Option<&'a str>,
    #[serde(rename = "where")]
    pub where_said: Option<&'a str>,
    pub source_url: Option<&'a str>,
    pub first_edited_at: String,
}

#[derive(Debug, Serialize)]
pub struct EncodableOwnVote<'a> {
    pub issue: i32,
    pub category: &'a str,
    pub nomination_id: i32,
    pub withdrawn: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize)]
pub struct EncodableAuditRow<'a> {
    pub id: i32,
    pub at: String,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub reason: Option<&'a str>,
    pub detail: Option<&'a str>,
}

impl<'a> From<&'a crate::models::account::Stored> for EncodableExport<'a> {
    fn from(s: &'a crate::models::account::Stored) -> Self {
        let u = &s.user;
        EncodableExport {
            account: EncodableAccount {
                id: u.id,
                github_id: u.github_id,
                login: &u.login,
                name: u.name.as_deref(),
                avatar_url: u.avatar_url.as_deref(),
                github_created_at: u.github_created_at.map(rfc3339),
                banned: u.banned,
                banned_reason: u.banned_reason.as_deref(),
                created_at: rfc3339(u.created_at),
                updated_at: rfc3339(u.updated_at),
            },
            sessions: s
                .sessions
                .iter()
                .map(|x| EncodableSession {
                    id: &x.id,
                    browser: x.user_agent.as_deref(),
                    created_at: rfc3339(x.created_at),
                    last_seen_at: rfc3339(x.last_seen_at),
                    ended_at: x.ended_at.map(rfc3339),
                    ended_reason: x.ended_reason.as_deref(),
                })
                .collect(),
            nominations: s
                .nominators
                .iter()
                .filter_map(|own| {
                    let nomination = s.nominations.iter().find(|n| n.id == own.nomination_id)?;
                    let original = s.originals.iter().find(|o| o.nomination_id == own.nomination_id);
                    Some(EncodableOwnNomination {
                        role: if nomination.nominated_by == u.id {
                            "nominator"
                        } else {
                            "co-nominator"
                        },
                        joined_at: rfc3339(own.joined_at),
                        self_suggestion: own.self_suggestion,
                        owner_check: own.owner_check.as_deref(),
                        nomination,
                        original_wording: original.map(|o| EncodableWording {
                            pitch: o.pitch.as_deref(),
                            why: o.why.as_deref(),
                            url: o.url.as_deref(),
                            text: o.quote_text.as_deref(),
                            author: o.author.as_deref(),
                            where_said: o.where_said.as_deref(),
                            source_url: o.source_url.as_deref(),
                            first_edited_at: rfc3339(o.first_edited_at),
                        }),
                    })
                })
                .collect(),
            votes: s
                .votes
                .iter()
                .map(|v| EncodableOwnVote {
                    issue: v.week_issue,
                    category: &v.category,
                    nomination_id: v.nomination_id,
                    withdrawn: v.withdrawn,
                    created_at: rfc3339(v.created_at),
                    updated_at: rfc3339(v.updated_at),
                })
                .collect(),
            audit: s
                .audit
                .iter()
                .map(|a| EncodableAuditRow {
                    id: a.id,
                    at: rfc3339(a.at),
                    actor: &a.actor,
                    action: &a.action,
                    target: &a.target,
                    reason: a.reason.as_deref(),
                    detail: a.detail.as_deref(),
                })
                .collect(),
        }
    }
}
