//! Reading This Week in Rust issue files (the `content/` folder of the this-week-in-rust
//! repository) for their Crate and Quote of the Week. Pure: text in, findings out. Ten years
//! of formats: headings of any level, "This week's crate is …" and its variants, several
//! crates in one week, GitHub links instead of crates.io, weeks without a crate or a quote,
//! quotes without a leading dash or a block quote, quotes in several paragraphs.

use crate::domain::validate::{crate_key, quote_key, CrateName};
use regex::Regex;
use std::sync::OnceLock;

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

fn link_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\[([^\]]+)\]\(([^)\s]+)\)").expect("valid regex"))
}

fn reference_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\[([^\]]+)\]\[([^\]]*)\]").expect("valid regex"))
}

fn heading_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^#{1,6}\s+(.*?)\s*#*\s*$").expect("valid regex"))
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

/// A crate's name from its link: the crates.io, docs.rs or lib.rs path, else the link text when
/// it is a crate name, else the repository's name.
pub fn crate_name_from_link(text: &str, url: &str) -> String {
    if let Ok(u) = url::Url::parse(url) {
        let segments: Vec<&str> = u
            .path_segments()
            .map(|s| s.filter(|p| !p.is_empty()).collect())
            .unwrap_or_default();
        let host = u.host_str().unwrap_or_default().trim_start_matches("www.");
        let from_path = match (host, segments.as_slice()) {
            ("crates.io" | "lib.rs", ["crates", name, ..]) => Some(*name),
            ("docs.rs", ["crate", name, ..]) => Some(*name),
            ("docs.rs", [name, ..]) => Some(*name),
            ("lib.rs", [name, ..]) if *name != "crates" => Some(*name),
            _ => None,
        };
        if let Some(name) = from_path {
            return name.to_string();
        }
        let text = text.replace('\\', "").trim_matches('`').trim().to_string();
        if CrateName::parse(&text).is_ok() {
            return text;
        }
        if matches!(
            host,
            "github.com" | "gitlab.com" | "codeberg.org" | "sr.ht" | "git.sr.ht"
        ) {
            if let Some(repo) = segments.get(1) {
                return repo.trim_end_matches(".git").to_string();
            }
        }
    }
    text.replace('\\', "").trim().to_string()
}

fn count_word(intro: &str) -> Option<usize> {
    let lower = intro.to_lowercase();
    [("two", 2), ("three", 3), ("four", 4), ("2 ", 2), ("3 ", 3)]
        .iter()
        .find(|(w, _)| lower.contains(&format!("{w} crates")) || lower.contains(&format!("{w}crates")))
        .map(|(_, n)| *n)
}

fn parse_crates(body: &str) -> Section<Vec<FeaturedCrate>> {
    if body.is_empty() {
        return Section::Unreadable("the section is empty".into());
    }
    let (intro, thanks) = split_thanks(body);
    // Links before "crate is …" (a call for nominations, say) are not the featured crate.
    let lower_intro = intro.to_lowercase();
    let from = [
        "crate of the week is",
        "crate is",
        "crates are",
        "crates:",
        "crates this week",
        "two crates",
        "three crates",
    ]
    .iter()
    .filter_map(|p| lower_intro.find(p))
    .min()
    .unwrap_or(0);
    let links: Vec<(String, String)> = link_re()
        .captures_iter(&intro[from..])
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .filter(|(text, _)| !text.trim().is_empty())
        .collect();
    if links.is_empty() {
        if says_none(
            intro,
            &["no crate", "no nominations", "no suggestions", "sadly", "lack of"],
        ) {
            return Section::NoneThatWeek;
        }
        return Section::Unreadable("no link to a crate in the section".into());
    }
    let lower = intro.to_lowercase();
    let plural = lower.contains("crates are") || lower.contains("crates:") || count_word(intro).is_some();
    let take = match (plural, count_word(intro)) {
        (false, _) => 1,
        (true, Some(n)) => n,
        (true, None) => links.len(),
    };
    let credits = credits_of(thanks);
    let crates = links
        .into_iter()
        .take(take)
        .map(|(text, url)| FeaturedCrate {
            name: crate_name_from_link(&text, &url),
            url: url.starts_with("http").then_some(url),
            credits: credits.clone(),
            body: body.to_string(),
        })
        .collect();
    Section::Found(crates)
}

fn is_attribution_line(line: &str) -> bool {
    let t = line.trim_start();
    ["–", "—", "--", "- ", "~"].iter().any(|d| t.starts_with(d)) || t.starts_with('[')
}

fn parse_quote(body: &str) -> Section<FeaturedQuote> {
    if body.is_empty() {
        return Section::Unreadable("the section is empty".into());
    }
    let first_paragraph = body.split("\n\n").next().unwrap_or_default();
    if !first_paragraph.trim_start().starts_with('>')
        && first_paragraph.len() < 200
        && says_none(
            first_paragraph,
            &["no quote", "sadly", "no nominations", "not selected"],
        )
    {
        return Section::NoneThatWeek;
    }
    let lines: Vec<&str> = body.lines().collect();
    let quoted: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].trim_start().starts_with('>'))
        .collect();
    let (text, after) = if let (Some(&first), Some(&last)) = (quoted.first(), quoted.last()) {
        let text = lines[first..=last]
            .iter()
            .map(|l| {
                let l = l.trim_start().trim_start_matches('>');
                l.strip_prefix(' ').unwrap_or(l)
            })
            .collect::<Vec<_>>()
            .join("\n");
        (text, last + 1)
    } else {
        // No block quote: the paragraphs before the attribution line (or the thanks).
        let end = lines
            .iter()
            .position(|l| is_attribution_line(l) || l.trim_start().to_lowercase().starts_with("thanks"))
            .unwrap_or(lines.len());
        let text = lines[..end].join("\n").trim().to_string();
        (text, end)
    };
    let text = text.trim_matches('\n').to_string();
    let rest = lines[after.min(lines.len())..].join("\n");
    let (_, thanks) = split_thanks(&rest);
    if text.trim().is_empty()
        || says_none(&text, &["no quote", "sadly", "no nominations"])
            && !text.contains('\n')
            && quoted.is_empty()
    {
        if says_none(
            body,
            &["no quote", "sadly", "none", "no nominations", "not selected"],
        ) {
            return Section::NoneThatWeek;
        }
        return Section::Unreadable("no quote text in the section".into());
    }
    let attribution_line = lines[after.min(lines.len())..]
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty())
        .filter(|l| is_attribution_line(l));
    let (attribution, url) = match attribution_line {
        Some(line) => {
            let line = line.trim_start_matches(['–', '—', '-', '~']).trim();
            let reference = reference_re()
                .captures(line)
                .map(|c| (c[1].to_string(), c[2].to_string()));
            let url = link_re().captures(line).map(|c| c[2].to_string()).or_else(|| {
                // "[text][ref]" with "[ref]: URL" further down.
                let (text, label) = reference.as_ref()?;
                let label = if label.is_empty() { text } else { label };
                body.lines().find_map(|l| {
                    l.trim()
                        .strip_prefix(&format!("[{label}]:"))
                        .map(|u| u.trim().to_string())
                })
            });
            let plain = link_re().replace_all(line, "$1");
            let plain = reference_re().replace_all(&plain, "$1").trim().to_string();
            (Some(plain), url)
        }
        None => (None, None),
    };
    Section::Found(FeaturedQuote {
        text,
        attribution,
        url,
        credits: credits_of(thanks),
        body: body.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
