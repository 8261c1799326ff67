//! Reading This Week in Rust issue files (the `content/` folder of the this-week-in-rust
//! repository) for their Crate and Quote of the Week. Pure: text in, findings out. Ten years
//! of formats: headings of any level, "This week's crate is …" and its variants, several
//! crates in one week, GitHub links instead of crates.io, weeks without a crate or a quote,
//! quotes without a leading dash or a block quote, quotes in several paragraphs.

use crate::domain::validate::{crate_key, quote_key, CrateName};
use regex::Regex;
use std::sync::LazyLock;

mod crates;
mod quote;

pub use crates::crate_name_from_link;
use crates::parse_crates;
use quote::parse_quote;

/// What one issue file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueFile {
    pub issue: i32,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub crates: Section<Vec<FeaturedCrate>>,
    pub quote: Section<FeaturedQuote>,
}

/// A section's fate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section<T> {
    /// The issue has no such section.
    Missing,
    /// The section says there was none that week.
    NoneThatWeek,
    Found(T),
    /// The section is there but nothing could be taken from it.
    Unreadable(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeaturedCrate {
    pub name: String,
    /// `None` when the issue's link was not a web address (a typo in the issue).
    pub url: Option<String>,
    /// Who was thanked, as printed.
    pub credits: Option<String>,
    /// The section as published, without the call for suggestions.
    pub body: String,
}

impl FeaturedCrate {
    pub fn key(&self) -> String {
        crate_key(&self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeaturedQuote {
    pub text: String,
    /// "Author on where", as printed after the quote.
    pub attribution: Option<String>,
    pub url: Option<String>,
    pub credits: Option<String>,
    pub body: String,
}

impl FeaturedQuote {
    pub fn key(&self) -> String {
        quote_key(&self.text)
    }
}

static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([^\]]+)\]\(([^)\s]+)\)").expect("valid regex"));
static REFERENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([^\]]+)\]\[([^\]]*)\]").expect("valid regex"));
static HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^#{1,6}\s+(.*?)\s*#*\s*$").expect("valid regex"));

fn link_re() -> &'static Regex {
    &LINK
}

fn reference_re() -> &'static Regex {
    &REFERENCE
}

fn heading_re() -> &'static Regex {
    &HEADING
}

/// Read one issue file. `Err` names why the file is not an issue (no number, say).
pub fn parse_issue(file_name: &str, content: &str) -> Result<IssueFile, String> {
    let content = content.replace("\r\n", "\n");
    let meta = front_matter(&content);
    let field = |key: &str| {
        meta.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.trim().to_string())
    };
    let issue = field("Number")
        .and_then(|n| n.parse::<i32>().ok())
        .or_else(|| field("Title").and_then(|t| trailing_number(&t)))
        .ok_or("no issue number (no `Number:` and no number in `Title:`)")?;
    let date = field("Date")
        .map(|d| d.chars().take(10).collect::<String>())
        .or_else(|| date_from_file_name(file_name))
        .ok_or("no date (no `Date:` and none in the file name)")?;
    Ok(IssueFile {
        issue,
        date,
        crates: match section(&content, "crate of the week") {
            None => Section::Missing,
            Some(body) => parse_crates(&body),
        },
        quote: match section(&content, "quote of the week") {
            None => Section::Missing,
            Some(body) => parse_quote(&body),
        },
    })
}

/// `Key: value` lines at the top (Pelican metadata), with or without `---` fences.
fn front_matter(content: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in content.lines().skip_while(|l| l.trim() == "---") {
        if line.trim().is_empty() || line.trim() == "---" {
            break;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.contains(' ') => out.push((k.trim().to_string(), v.trim().to_string())),
            _ => break,
        }
    }
    out
}

fn trailing_number(title: &str) -> Option<i32> {
    title
        .split(|c: char| !c.is_ascii_digit())
        .rfind(|s| !s.is_empty())?
        .parse()
        .ok()
}

fn date_from_file_name(name: &str) -> Option<String> {
    let prefix: String = name.chars().take(10).collect();
    chrono::NaiveDate::parse_from_str(&prefix, "%Y-%m-%d")
        .ok()
        .map(|d| d.to_string())
}

/// The lines under the first heading (any level) whose title contains `title`, up to the next
/// heading, without the call for suggestions.
fn section(content: &str, title: &str) -> Option<String> {
    let mut lines = content.lines();
    lines.find(|l| {
        heading_re()
            .captures(l)
            .is_some_and(|c| c[1].to_lowercase().contains(title))
    })?;
    let body: Vec<&str> = lines
        .take_while(|l| !heading_re().is_match(l))
        .filter(|l| !is_call_for_suggestions(l))
        .collect();
    Some(body.join("\n").trim().to_string())
}

fn is_call_for_suggestions(line: &str) -> bool {
    let l = line.trim().to_lowercase();
    [
        "[please submit",
        "please submit",
        "[submit",
        "submit your",
        "this week in rust is edited by",
    ]
    .iter()
    .any(|p| l.starts_with(p))
}

/// Where the thanks start ("Thanks to …", "llogiq is pleased …"): the rest is the introduction.
fn split_thanks(body: &str) -> (&str, Option<&str>) {
    let lower = body.to_lowercase();
    let markers = [
        "thanks to",
        "thanks,",
        "thanks go",
        "thank you",
        "despite a lack",
        "is pleased",
        "is very pleased",
        "is overjoyed",
        "feels very smug",
    ];
    let cut = markers
        .iter()
        .filter_map(|m| lower.find(m))
        .map(|i| {
            // Start the thanks at the beginning of its sentence or line.
            let before = &body[..i];
            before
                .rfind(['\n', '.', '!'])
                .map(|j| j + 1)
                .filter(|&j| body[j..i].split_whitespace().count() <= 4)
                .unwrap_or(i)
        })
        .min();
    match cut {
        Some(i) => (body[..i].trim(), Some(body[i..].trim())),
        None => (body.trim(), None),
    }
}

/// The names thanked: link texts, else the sentence as printed.
fn credits_of(thanks: Option<&str>) -> Option<String> {
    let thanks = thanks?.lines().next()?.trim();
    let names: Vec<String> = link_re()
        .captures_iter(thanks)
        .map(|c| {
            // "[Aleksey Kladov for the suggestion](…)": the name is the part before " for ".
            let text = c[1].trim();
            match text.to_lowercase().find(" for the ") {
                Some(i) => text[..i].trim().to_string(),
                None => text.to_string(),
            }
        })
        .filter(|n| {
            !matches!(
                n.to_lowercase().as_str(),
                "suggestion" | "suggestions" | "nomination" | "nominations" | "tip"
            )
        })
        .collect();
    if !names.is_empty() {
        return Some(names.join(", "));
    }
    // "Thanks to NAME for the suggestion": the name is plain text.
    let lower = thanks.to_lowercase();
    if let (Some(start), Some(end)) = (lower.find("thanks to "), lower.find(" for the")) {
        if start + 10 < end {
            return Some(thanks[start + 10..end].trim().to_string());
        }
    }
    let first_word = thanks.split_whitespace().next()?;
    (!first_word.eq_ignore_ascii_case("thanks") && !first_word.eq_ignore_ascii_case("despite"))
        .then(|| {
            first_word
                .trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '_')
                .to_string()
        })
        .filter(|s| !s.is_empty())
}

fn says_none(text: &str, words: &[&str]) -> bool {
    let lower = text.to_lowercase();
    lower.trim() == "none" || words.iter().any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prose-style issues link the forum thread or the suggester's profile before the crate.
    #[test]
    fn a_forum_link_is_never_the_crate() {
        for (file, crate_name) in [
            ("2015-09-07-this-week-in-rust.md", "Serde"),
            ("2016-06-20-this-week-in-rust.md", "bins"),
            ("2016-07-18-this-week-in-rust.md", "trace"),
        ] {
            let path = format!(
                "{}/tests/fixtures/history-prose/{file}",
                env!("CARGO_MANIFEST_DIR")
            );
            let issue = parse_issue(file, &std::fs::read_to_string(path).unwrap()).unwrap();
            match issue.crates {
                Section::Found(crates) => {
                    let names: Vec<&str> = crates.iter().map(|c| c.name.as_str()).collect();
                    assert_eq!(names, [crate_name], "{file}");
                }
                other => panic!("{file}: {other:?}"),
            }
        }
    }

    fn fixture(name: &str) -> IssueFile {
        let path = format!("{}/tests/fixtures/history/{name}", env!("CARGO_MANIFEST_DIR"));
        parse_issue(name, &std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn crates(f: &IssueFile) -> Vec<(String, String)> {
        match &f.crates {
            Section::Found(list) => list
                .iter()
                .map(|c| (c.name.clone(), c.url.clone().unwrap_or_default()))
                .collect(),
            other => panic!("no crates: {other:?}"),
        }
    }

    fn quote(f: &IssueFile) -> FeaturedQuote {
        match &f.quote {
            Section::Found(q) => q.clone(),
            other => panic!("no quote: {other:?}"),
        }
    }

    #[test]
    fn a_github_crate_and_a_dashed_quote_with_the_link_after_the_author() {
        let f = fixture("2019-01-29-this-week-in-rust.md");
        assert_eq!((f.issue, f.date.as_str()), (271, "2019-01-29"));
        assert_eq!(
            crates(&f),
            vec![("typetag".into(), "https://github.com/dtolnay/typetag".into())]
        );
        let Section::Found(list) = &f.crates else { panic!() };
        assert_eq!(list[0].credits.as_deref(), Some("Christopher Durham"));
        assert!(!list[0].body.contains("Submit your suggestions"));
        let q = quote(&f);
        assert!(q.text.starts_with("Rust is kind of nice"));
        assert_eq!(
            q.attribution.as_deref(),
            Some("Brook Heisler on discord (login needed, sorry!)")
        );
        assert!(q.url.unwrap().starts_with("https://discordapp.com/"));
        assert_eq!(q.credits.as_deref(), Some("scottmcm"));
    }

    #[test]
    fn the_older_crate_of_the_week_is_wording_and_a_quote_without_a_block_quote() {
        let f = fixture("2016-05-02-this-week-in-rust.markdown");
        assert_eq!(f.issue, 129);
        assert_eq!(
            crates(&f),
            vec![("rustfmt".into(), "https://crates.io/crates/rustfmt".into())]
        );
        let q = quote(&f);
        assert_eq!(q.text, "We regrettably lack nominations,\nso as I can't choose fresh quotations,\nI'll offer this rhyme.");
        assert_eq!(q.attribution.as_deref(), Some("a very sorry llogiq"));
    }

    #[test]
    fn two_crates_in_one_week_and_a_quote_in_two_paragraphs() {
        let f = fixture("2020-02-25-this-week-in-rust.md");
        assert_eq!(
            crates(&f),
            vec![
                (
                    "wundergraph".into(),
                    "https://crates.io/crates/wundergraph".into()
                ),
                ("kibi".into(), "https://github.com/ilai-deutel/kibi".into()),
            ]
        );
        let Section::Found(list) = &f.crates else { panic!() };
        assert_eq!(list[0].credits.as_deref(), Some("Georg Semmler, Vikrant"));
        let q = quote(&f);
        assert_eq!(q.text.matches('\n').count(), 2, "{:?}", q.text);
        assert!(q.text.contains("\n\nAdvanced Rust"));
        assert_eq!(q.attribution.as_deref(), Some("qDot on twitter"));
    }

    #[test]
    fn this_week_has_two_crates_with_docs_rs_and_a_quote_without_a_dash() {
        let f = fixture("2021-06-16-this-week-in-rust.md");
        assert_eq!(
            crates(&f),
            vec![
                (
                    "nativeshell".into(),
                    "https://github.com/nativeshell/nativeshell".into()
                ),
                ("static-rc".into(), "https://docs.rs/static-rc".into()),
            ]
        );
        let q = quote(&f);
        assert!(q.text.starts_with("This is just to say,  \nI have rebased"));
        assert_eq!(q.attribution.as_deref(), Some("tomcatfish on the orange website"));
    }

    #[test]
    fn only_the_featured_crate_not_other_links_in_its_pitch() {
        let f = fixture("2023-05-17-this-week-in-rust.md");
        assert_eq!(
            crates(&f),
            vec![("Qdrant".into(), "https://github.com/qdrant/qdrant".into())]
        );
        let Section::Found(list) = &f.crates else { panic!() };
        assert_eq!(list[0].credits.as_deref(), Some("llogiq"));
        assert_eq!(f.quote, Section::NoneThatWeek);
    }

    #[test]
    fn weeks_without_a_crate_or_a_quote() {
        let f = fixture("2019-04-23-this-week-in-rust.md");
        assert_eq!(f.crates, Section::NoneThatWeek);
        assert_eq!(f.quote, Section::NoneThatWeek);
    }

    #[test]
    fn lib_rs_links_headings_of_level_three_and_the_number_from_the_title() {
        let f = fixture("2022-10-05-this-week-in-rust.md");
        assert_eq!(f.issue, 463);
        assert_eq!(
            crates(&f),
            vec![("humansize".into(), "https://lib.rs/crates/humansize".into())]
        );
        let q = quote(&f);
        assert_eq!(
            q.text,
            "BurntSushi is a super experienced programmer\n\nDtolnay is an AI written in rust."
        );
    }

    #[test]
    fn sections_with_nothing_to_take_are_reported() {
        let f = fixture("2018-01-02-this-week-in-rust.md");
        assert!(matches!(f.crates, Section::Unreadable(_)), "{:?}", f.crates);
        assert!(matches!(f.quote, Section::Unreadable(_)), "{:?}", f.quote);
    }

    #[test]
    fn files_that_are_not_issues_are_refused_with_a_reason() {
        let err = parse_issue("README.md", "# Notes\n\nJust notes.").unwrap_err();
        assert!(err.contains("no issue number"));
        let err = parse_issue("x.md", "Title: This Week in Rust 5\n\n").unwrap_err();
        assert!(err.contains("no date"));
        // Garbage does not panic.
        let _ = parse_issue(
            "x.md",
            "Number: 1\nDate: 2020-01-01\n\n# Crate of the Week\n\n[](\n# Quote of the Week\n>\n–",
        );
    }

    #[test]
    fn credits_as_printed() {
        assert_eq!(
            credits_of(Some(
                "Thanks to [Havvy](https://u/1) for the [suggestion](https://u/2)."
            ))
            .as_deref(),
            Some("Havvy")
        );
        assert_eq!(
            credits_of(Some(
                "Thanks to [Aleksey Kladov for the suggestion](https://u/3)!"
            ))
            .as_deref(),
            Some("Aleksey Kladov")
        );
        assert_eq!(
            credits_of(Some("Thanks to filsmick for the tip.")).as_deref(),
            Some("filsmick")
        );
        assert_eq!(
            credits_of(Some("llogiq is very pleased with his suggestion.")).as_deref(),
            Some("llogiq")
        );
    }

    #[test]
    fn names_from_links() {
        assert_eq!(
            crate_name_from_link("x", "https://crates.io/crates/serde_json"),
            "serde_json"
        );
        assert_eq!(
            crate_name_from_link("x", "https://docs.rs/crate/heph/latest"),
            "heph"
        );
        assert_eq!(
            crate_name_from_link("type\\_description", "https://example.org/"),
            "type_description"
        );
        assert_eq!(
            crate_name_from_link("Dose Response", "https://github.com/tryjumping/dose-response"),
            "dose-response"
        );
        assert_eq!(
            crate_name_from_link("Dose Response", "https://tryjumping.itch.io/dose-response"),
            "Dose Response"
        );
    }
}
