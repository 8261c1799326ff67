//! Property tests over the pure parsers and renderers: no input makes them panic, and their
//! safety promises hold for every input.

use proptest::prelude::*;
use twir_picks::domain::markdown::{blockquote, link_destination, plain_line, plain_text, prose};
use twir_picks::domain::validate::{http_url, quote_key, CrateName, NominationForm};
use twir_picks::history::parse_issue;

/// Every occurrence of `c` in `s` is preceded by a backslash that is itself not escaped.
fn all_escaped(s: &str, c: char) -> bool {
    let chars: Vec<char> = s.chars().collect();
    (0..chars.len()).filter(|&i| chars[i] == c).all(|i| {
        let backslashes = chars[..i].iter().rev().take_while(|&&b| b == '\\').count();
        backslashes % 2 == 1
    })
}

/// Read markdown inline text as CommonMark does for our purpose: backslash escapes, code spans
/// (a run of N backticks up to the next run of exactly N), and otherwise a bare `<`.
fn no_raw_html(s: &str) -> bool {
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '\\' if c.get(i + 1).is_some_and(|n| n.is_ascii_punctuation()) => i += 2,
            '`' => {
                let run = c[i..].iter().take_while(|&&x| x == '`').count();
                let mut j = i + run;
                let mut closed = None;
                while j < c.len() {
                    if c[j] == '`' {
                        let len = c[j..].iter().take_while(|&&x| x == '`').count();
                        if len == run {
                            closed = Some(j + len);
                            break;
                        }
                        j += len;
                    } else {
                        j += 1;
                    }
                }
                i = closed.unwrap_or(i + run);
            }
            '<' => return false,
            _ => i += 1,
        }
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn names_never_open_links_code_or_html(name in ".{0,80}") {
        let out = plain_text(&name);
        // `>` inside a line opens nothing in either dialect (no `<` is ever raw), so names
        // keep it as typed; at a line's start (`plain_line`) it is escaped.
        for c in ['[', ']', '`', '<', '*'] {
            prop_assert!(all_escaped(&out, c), "{c} unescaped in {out:?}");
        }
        prop_assert!(!plain_line(&name).starts_with('>'));
        prop_assert!(!out.contains('\n'));
    }

    #[test]
    fn inline_text_never_opens_raw_html(text in ".{0,120}") {
        let out = prose(&text);
        prop_assert!(no_raw_html(&out), "{out:?}");
    }

    #[test]
    fn quotes_stay_one_block_quote(text in "(.{0,40}\n){0,6}") {
        let out = blockquote(&text);
        for line in out.lines() {
            prop_assert!(line == ">" || line.starts_with("> "), "{line:?} in {out:?}");
            prop_assert!(!line.starts_with("> >"), "nested quote in {out:?}");
        }
    }

    #[test]
    fn link_destinations_are_http_or_nothing(url in ".{0,60}") {
        let out = link_destination(&url);
        prop_assert!(out == "#" || out.starts_with("http://") || out.starts_with("https://"));
        prop_assert!(!out.contains(')') && !out.contains(' '));
    }

    #[test]
    fn crate_names_accepted_are_crates_io_names(name in "\\PC{0,70}") {
        if let Ok(n) = CrateName::parse(&name) {
            let s = n.as_str();
            prop_assert!(s.len() <= 64);
            prop_assert!(s.starts_with(|c: char| c.is_ascii_alphabetic()));
            prop_assert!(s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        }
    }

    #[test]
    fn only_http_urls_pass(url in "\\PC{0,60}") {
        if let Ok(u) = http_url(&url) {
            prop_assert!(u.starts_with("http://") || u.starts_with("https://"));
        }
    }

    #[test]
    fn forms_never_panic(category in "crate|quote|.{0,5}", a in ".{0,50}", b in ".{0,50}", c in ".{0,50}") {
        let form = NominationForm {
            category, crate_name: a.clone(), pitch: b.clone(), url: c.clone(), text: a, author: b,
            where_said: c.clone(), source_url: c, ..Default::default()
        };
        match form.validate() {
            // Accepted: of the category asked for, with a key to find its duplicates by.
            Ok(valid) => {
                prop_assert_eq!(valid.category().as_str(), form.category.as_str());
                prop_assert!(!valid.dedupe_key().is_empty());
            }
            // Refused: every problem named next to a field of the form, for a person.
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for (field, message) in &errors {
                    prop_assert!(
                        ["category", "crate_name", "pitch", "url", "why", "text", "author", "where", "source_url", "context"].contains(field),
                        "unknown field {}", field
                    );
                    prop_assert!(!message.trim().is_empty());
                }
            }
        }
    }

    #[test]
    fn quote_keys_ignore_spacing_and_case(words in proptest::collection::vec("[a-zA-Z]{1,8}", 1..8)) {
        let tight = words.join(" ");
        let loose = words.join("  \n ").to_uppercase();
        prop_assert_eq!(quote_key(&tight), quote_key(&loose));
    }

    #[test]
    fn issue_files_never_panic(body in "(#{0,3} ?(Crate|Quote) of the Week\n|> .{0,30}\n|– \\[.{0,10}\\]\\(https://x\\.org/.{0,5}\\)\n|.{0,40}\n){0,12}") {
        let text = format!("Title: This Week in Rust 1\nNumber: 1\nDate: 2020-01-01\n\n{body}");
        // With its front matter it is issue 1 of that date, whatever its sections hold.
        let issue = parse_issue("2020-01-01-this-week-in-rust.md", &text);
        prop_assert!(issue.is_ok(), "{:?}", issue.err());
        let issue = issue.unwrap();
        prop_assert_eq!((issue.issue, issue.date.as_str()), (1, "2020-01-01"));
        // Without it, and without a number in its name, it is refused with a reason.
        match parse_issue("x.md", &body) {
            Ok(found) => prop_assert!(found.issue > 0),
            Err(why) => prop_assert!(!why.trim().is_empty()),
        }
    }
}
