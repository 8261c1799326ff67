//! The Crate of the Week section: which crates, with which links and credits.

use super::*;

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

/// A link into the Rust forums: a thread, a user's profile. Never a crate.
fn is_forum_link(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        matches!(
            u.host_str().unwrap_or_default().trim_start_matches("www."),
            "users.rust-lang.org" | "internals.rust-lang.org" | "discuss.rust-lang.org"
        )
    })
}

fn count_word(intro: &str) -> Option<usize> {
    let lower = intro.to_lowercase();
    [("two", 2), ("three", 3), ("four", 4), ("2 ", 2), ("3 ", 3)]
        .iter()
        .find(|(w, _)| lower.contains(&format!("{w} crates")) || lower.contains(&format!("{w}crates")))
        .map(|(_, n)| *n)
}

pub(super) fn parse_crates(body: &str) -> Section<Vec<FeaturedCrate>> {
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
        // The forum (a thread to nominate in, a user's profile) is never the crate.
        .filter(|(_, url)| !is_forum_link(url))
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
