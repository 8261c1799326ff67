//! Understanding a post of the forum threads (Discourse's `cooked` HTML): is it a suggestion,
//! and of what. Pure: HTML in, a nomination form (or why not) out. The form then goes through
//! the same validation as one typed on the site, so a forum nomination obeys the same rules.
//!
//! Parsed with a real HTML parser (`scraper`). What Discourse makes of a post:
//! - a bare link on its own line becomes a onebox, `<aside class="onebox" data-onebox-src=URL>`,
//!   whose preview text is the linked page's, not the poster's;
//! - a bare link inside a sentence becomes `<a class="inline-onebox">` titled by the page
//!   ("crates.io: Rust Package Registry"), so a crate's name comes from the URL, never the text;
//! - a quote of another forum post is `<aside class="quote" data-username data-post
//!   data-topic>` with a title div and the quoted `<blockquote>`; a pasted link to a forum post
//!   is the same aside without `data-username`.

mod crate_post;
mod html;
mod quote_post;

pub use crate_post::{pitch_after_name, read_crate_post};
pub use html::own_text;
pub use quote_post::read_quote_post;

use super::validate::NominationForm;
use url::Url;

/// What a post is, for the ballot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// One or more suggestions, as forms to validate (a list can suggest several crates).
    Suggestions(Vec<NominationForm>),
    /// A reply that only discusses: "+1", a question, the editor's announcement.
    Discussion,
    /// Looks like a suggestion but could not be read: the editor finishes it by hand.
    NeedsLook {
        problem: String,
        draft: Box<NominationForm>,
    },
}

/// The forum the threads live on, for credits and for quotes of its own posts.
#[derive(Debug, Clone)]
pub struct Forum {
    pub base: Url,
    pub quote_topic: i64,
}

impl Forum {
    /// How TWiR names this forum after "on".
    pub fn short_name(&self) -> String {
        short_name(self.base.host_str().unwrap_or_default())
    }

    /// A post's permalink: `FORUM_URL/t/{slug}/{topic}/{post_number}`.
    pub fn permalink(&self, slug: &str, topic: i64, post_number: i32) -> String {
        let base = self.base.as_str().trim_end_matches('/');
        if slug.is_empty() {
            format!("{base}/t/{topic}/{post_number}")
        } else {
            format!("{base}/t/{slug}/{topic}/{post_number}")
        }
    }
}

/// How TWiR names a forum after "on": `rust-users` for users.rust-lang.org, `rust-internals`
/// for internals.rust-lang.org, else its host.
pub fn short_name(host: &str) -> String {
    match host.trim_start_matches("www.") {
        "users.rust-lang.org" => "rust-users".into(),
        "internals.rust-lang.org" => "rust-internals".into(),
        host => host.to_string(),
    }
}

/// The crate a link points at: `crates.io/crates/NAME`, `docs.rs/NAME` (or `docs.rs/crate/
/// NAME`), `lib.rs/crates/NAME`. Any other link is not a crate link.
pub fn crate_from_url(url: &str) -> Option<String> {
    let u = Url::parse(url).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    let host = u.host_str()?.trim_start_matches("www.");
    let segments: Vec<&str> = u.path_segments()?.filter(|s| !s.is_empty()).collect();
    let name = match (host, segments.as_slice()) {
        ("crates.io" | "lib.rs", ["crates", name, ..]) => *name,
        ("docs.rs", ["crate", name, ..]) => *name,
        ("docs.rs", [name, ..]) if !matches!(*name, "about" | "releases" | "crate" | "-") => name,
        _ => return None,
    };
    super::validate::CrateName::parse(name)
        .ok()
        .map(|n| n.as_str().to_string())
}

/// Words by which a poster says the crate is their own.
const SELF_WORDS: &[&str] = &[
    "self-suggest",
    "self suggest",
    "selfsuggest",
    "my crate",
    "my own crate",
    "my library",
    "my project",
    "i wrote",
    "i've written",
    "i've been working on",
    "i have been working on",
    "i made",
    "i've made",
    "i built",
    "i've built",
    "i created",
    "i maintain",
    "i'm the author",
    "i am the author",
    "our crate",
    "we wrote",
    "we've been working on",
    "shameless plug",
];

/// Words by which a post says it suggests something.
const SUGGESTION_WORDS: &[&str] = &[
    "suggest",
    "nominat",
    "crate of the week",
    "cotw",
    "crate:",
    "quote of the week",
    "qotw",
    "quote:",
    "submit",
    "propose",
    "recommend",
];

/// What announces the week's pick rather than suggesting one.
const ANNOUNCEMENT_WORDS: &[&str] = &[
    "this week's crate is",
    "this week's quote is",
    "thanks for all the suggestions",
];

pub(super) fn normalized(text: &str) -> String {
    text.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'")
}

/// Whether the post says the crate is the poster's own.
pub fn says_self_suggestion(text: &str) -> bool {
    let t = normalized(text);
    SELF_WORDS.iter().any(|w| t.contains(w))
}

pub(super) fn says_suggestion(text: &str) -> bool {
    let t = normalized(text);
    SUGGESTION_WORDS.iter().any(|w| t.contains(w)) || says_self_suggestion(text)
}

pub(super) fn announces(text: &str) -> bool {
    let t = normalized(text);
    ANNOUNCEMENT_WORDS.iter().any(|w| t.contains(w))
}

#[cfg(test)]
mod tests;
