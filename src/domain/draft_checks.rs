//! What goes wrong with Crate and Quote of the Week after they reach the issue, as This Week in
//! Rust's own fix-up commits show: empty links (`[graft]()`), relative ones (`[office2pdf](office2pdf)`),
//! a missing scheme, a quote source on a moving branch, a sentence cut short. Checked before a
//! section is proposed; each problem says how to fix it.

use pulldown_cmark::{Event, Parser, Tag};

/// One thing to fix before the section is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    /// A ready fix, when there is one (a permalink to use instead).
    pub fix: Option<String>,
}

impl Problem {
    fn new(message: String) -> Problem {
        Problem { message, fix: None }
    }
}

/// Every link of a markdown section: (link text, destination), in order.
pub fn links(markdown: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String)> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Link { dest_url, .. }) => open = Some((String::new(), dest_url.to_string())),
            Event::Text(t) | Event::Code(t) => {
                if let Some((text, _)) = open.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::End(pulldown_cmark::TagEnd::Link) => out.extend(open.take()),
            _ => {}
        }
    }
    out
}

/// Empty, relative and non-web links of `section`.
pub fn link_problems(section: &str) -> Vec<Problem> {
    links(section)
        .into_iter()
        .filter_map(|(text, dest)| {
            let dest = dest.trim();
            if dest.is_empty() {
                return Some(Problem::new(format!("The link “{text}” has no address.")));
            }
            match url::Url::parse(dest) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => None,
                Ok(u) => Some(Problem::new(format!(
                    "The link “{text}” points to a {} address ({dest}); the issue needs http or https.",
                    u.scheme()
                ))),
                Err(_) => Some(Problem::new(format!(
                    "The link “{text}” points to “{dest}”, which is not a full web address (it would be relative to the issue's page)."
                ))),
            }
        })
        .collect()
}

/// A GitHub page of a file or folder at a named ref: `https://github.com/O/R/blob/REF/path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubRefLink {
    pub owner: String,
    pub repo: String,
    pub reference: String,
    url: url::Url,
}

impl GithubRefLink {
    /// The same page pinned to `sha`.
    pub fn pinned_to(&self, sha: &str) -> String {
        let mut url = self.url.clone();
        let segments: Vec<String> = url
            .path_segments()
            .map(|s| s.map(str::to_string).collect())
            .unwrap_or_default();
        let mut pinned = segments;
        if pinned.len() > 3 {
            pinned[3] = sha.to_string();
        }
        url.set_path(&pinned.join("/"));
        url.to_string()
    }
}

/// `url` when it is a GitHub `blob`/`tree`/`blame` page at a branch or tag rather than a commit
/// (those move: the line quoted may be gone next week).
pub fn moving_github_link(url: &str) -> Option<GithubRefLink> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    if !matches!(parsed.host_str(), Some("github.com") | Some("www.github.com")) {
        return None;
    }
    let segments: Vec<&str> = parsed.path_segments()?.collect();
    let [owner, repo, kind, reference, ..] = segments.as_slice() else {
        return None;
    };
    if !matches!(*kind, "blob" | "tree" | "blame") {
        return None;
    }
    let is_commit = reference.len() == 40 && reference.chars().all(|c| c.is_ascii_hexdigit());
    (!is_commit && !reference.is_empty()).then(|| GithubRefLink {
        owner: owner.to_string(),
        repo: repo.to_string(),
        reference: reference.to_string(),
        url: parsed.clone(),
    })
}

/// The problem a moving source link is, with the permalink when the branch's commit is known.
pub fn moving_link_problem(link: &GithubRefLink, sha: Option<&str>) -> Problem {
    Problem {
        message: format!(
            "The quote's source is on GitHub at “{}”, which moves: link to a commit so the quoted lines stay where they are.",
            link.reference
        ),
        fix: sha.map(|sha| link.pinned_to(sha)),
    }
}

/// Words a sentence does not end on.
const DANGLING_WORDS: &[&str] = &[
    "a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "is", "of", "on", "or", "that",
    "the", "to", "with",
];

/// Does `text` (a pitch or a quote, as the attribution prints it) stop mid-sentence? `original`
/// is how its author wrote it, when the editors reworded it: a wording that is a cut-off start
/// of the original is cut short however it ends.
pub fn cut_short(what: &str, text: &str, original: Option<&str>) -> Option<Problem> {
    let trimmed = text.trim_end();
    if trimmed.is_empty() {
        return None;
    }
    if let Some(original) = original.map(str::trim_end) {
        if original.len() > trimmed.len() && original.starts_with(trimmed) {
            return Some(Problem::new(format!(
                "The {what} stops at “…{}” where its author went on: “{}”.",
                tail(trimmed),
                tail(original)
            )));
        }
    }
    let last_char = trimmed.chars().last().unwrap_or(' ');
    let last_word = trimmed
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let opened = |open: char, close: char| trimmed.matches(open).count() > trimmed.matches(close).count();
    let cut = matches!(last_char, ',' | ';' | ':' | '-' | '–' | '—' | '(' | '[' | '/')
        || DANGLING_WORDS.contains(&last_word.as_str())
        || opened('(', ')')
        || opened('[', ']')
        || trimmed.matches('`').count() % 2 == 1;
    cut.then(|| {
        Problem::new(format!(
            "The {what} seems cut short: it ends “…{}”.",
            tail(trimmed)
        ))
    })
}

/// The last few words of `text`, for a message.
fn tail(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    words[words.len().saturating_sub(6)..].join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_relative_and_schemeless_links_are_problems() {
        let section = "This week's crate is [graft](), and [office2pdf](office2pdf) and [x](www.example.com) and [ok](https://crates.io/crates/ok) and [mail](mailto:a@b.c).";
        let found: Vec<String> = link_problems(section).into_iter().map(|p| p.message).collect();
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].contains("“graft” has no address"));
        assert!(found[1].contains("“office2pdf”"));
        assert!(found[2].contains("www.example.com"));
        assert!(found[3].contains("mailto"));
    }

    #[test]
    fn a_source_on_a_branch_gets_its_permalink() {
        let link =
            moving_github_link("https://github.com/rust-lang/rust/blob/main/src/lib.rs#L10-L12").unwrap();
        assert_eq!(link.reference, "main");
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            link.pinned_to(sha),
            format!("https://github.com/rust-lang/rust/blob/{sha}/src/lib.rs#L10-L12")
        );
        assert!(moving_github_link(&format!("https://github.com/o/r/blob/{sha}/x.rs")).is_none());
        assert!(moving_github_link("https://github.com/o/r/issues/3#issuecomment-1").is_none());
        assert!(moving_github_link("https://users.rust-lang.org/t/x/1").is_none());
        let problem = moving_link_problem(&link, Some(sha));
        assert!(problem.fix.unwrap().contains(sha));
    }

    #[test]
    fn sentences_cut_short() {
        assert!(cut_short("pitch", "a crate that makes parsing easy", None).is_none());
        assert!(cut_short("pitch", "a crate that makes parsing easy, and", None).is_some());
        assert!(cut_short("pitch", "a crate that makes parsing easy,", None).is_some());
        assert!(cut_short("pitch", "a crate for `Vec<T", None).is_some());
        assert!(cut_short("pitch", "a crate (for parsing", None).is_some());
        let original = "a crate that makes parsing easy and fast";
        let problem = cut_short("pitch", "a crate that makes parsing easy", Some(original)).unwrap();
        assert!(problem.message.contains("went on"), "{}", problem.message);
        assert!(cut_short(
            "pitch",
            "a crate that makes parsing easy",
            Some("a crate that makes parsing easy")
        )
        .is_none());
    }
}
