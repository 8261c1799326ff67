//! Readings of posts built from the structure of real posts in the two threads
//! (`tests/fixtures/forum/`).

use super::*;

fn posts(file: &str) -> Vec<serde_json::Value> {
    let path = format!("{}/tests/fixtures/forum/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn cooked(file: &str, post_number: i64) -> String {
    posts(file)
        .into_iter()
        .find(|p| p["post_number"] == post_number)
        .unwrap_or_else(|| panic!("post {post_number} in {file}"))["cooked"]
        .as_str()
        .unwrap()
        .to_string()
}

fn forum() -> Forum {
    Forum {
        base: Url::parse("https://users.rust-lang.org").unwrap(),
        quote_topic: 328,
    }
}

fn one(reading: Reading) -> NominationForm {
    match reading {
        Reading::Suggestions(mut forms) if forms.len() == 1 => forms.remove(0),
        other => panic!("expected one suggestion, got {other:?}"),
    }
}

#[test]
fn a_self_suggestion_with_a_onebox() {
    let f = one(read_crate_post(&cooked("crate-posts.json", 1648)));
    assert_eq!(f.crate_name, "tracing-flame-lite");
    assert_eq!(
        f.pitch,
        "a crate that turns `tracing` spans into flamegraph-compatible folded stacks with almost no overhead, so you can leave it on in production"
    );
    assert!(f.self_suggestion.is_some());
    assert!(f.validate().is_ok());
}

#[test]
fn a_linked_suggestion_takes_the_sentence_after_the_name() {
    let f = one(read_crate_post(&cooked("crate-posts.json", 1649)));
    assert_eq!(f.crate_name, "sqlx-migrate-lint");
    assert_eq!(
        f.pitch,
        "a crate that checks your SQLx migrations for operations that take long table locks before they reach production"
    );
    assert!(f.self_suggestion.is_none());
}

#[test]
fn docs_rs_and_lib_rs_links_name_the_crate() {
    let f = one(read_crate_post(&cooked("crate-posts.json", 1650)));
    assert_eq!(f.crate_name, "bytesize-fmt");
    let f = one(read_crate_post(&cooked("crate-posts.json", 1651)));
    assert_eq!(f.crate_name, "kdl-config");
    assert!(
        f.pitch
            .starts_with("typed configuration files in [KDL](https://kdl.dev) with serde support"),
        "{}",
        f.pitch
    );
}

#[test]
fn an_inline_onebox_is_named_by_its_url_not_its_title() {
    let f = one(read_crate_post(&cooked("crate-posts.json", 1655)));
    assert_eq!(f.crate_name, "cargo-unfold");
    assert!(f.self_suggestion.is_some());
    assert!(
        f.pitch.starts_with("a cargo subcommand that expands"),
        "{}",
        f.pitch
    );
}

#[test]
fn replies_and_announcements_are_not_suggestions() {
    for n in [1, 1652, 1653, 1660] {
        let reading = read_crate_post(&cooked("crate-posts.json", n));
        // Post 1 invites suggestions; it is skipped by the sync by its number, and reads as
        // a call without a crate.
        if n == 1 {
            assert!(!matches!(reading, Reading::Suggestions(_)), "post 1: {reading:?}");
        } else {
            assert_eq!(reading, Reading::Discussion, "post {n}");
        }
    }
}

#[test]
fn a_suggestion_without_a_crate_link_needs_a_look_with_a_draft() {
    match read_crate_post(&cooked("crate-posts.json", 1654)) {
        Reading::NeedsLook { draft, .. } => assert_eq!(draft.crate_name, "ferrite-ecs"),
        other => panic!("{other:?}"),
    }
    match read_crate_post(&cooked("crate-posts.json", 1659)) {
        Reading::NeedsLook { draft, .. } => {
            assert_eq!(draft.crate_name, "tower-governor-lite");
            assert!(
                draft.pitch.starts_with("per-key rate limiting middleware"),
                "{}",
                draft.pitch
            );
            assert_eq!(draft.url, "https://github.com/rbuchholz/tower-governor-lite");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_list_suggests_each_crate() {
    match read_crate_post(&cooked("crate-posts.json", 1661)) {
        Reading::Suggestions(forms) => {
            let names: Vec<_> = forms.iter().map(|f| f.crate_name.as_str()).collect();
            assert_eq!(names, ["rowan-lite", "jiff-tz-embed"]);
            assert_eq!(forms[0].pitch, "lossless syntax trees for hand-written parsers");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_block_quote_with_its_source() {
    let f = one(read_quote_post(&cooked("quote-posts.json", 1938), &forum()));
    assert_eq!(
        f.text,
        "The compiler isn’t rejecting your program, it’s rejecting your *explanation* of the program. Once you explain it properly, it agrees with you."
    );
    assert_eq!(f.author, "u/ferrous_wheel");
    assert_eq!(f.where_said, "on r/rust");
    assert_eq!(
        f.source_url,
        "https://www.reddit.com/r/rust/comments/1gq7x2k/comment/lx4c2ze/"
    );
    assert!(f.validate().is_ok());
}

#[test]
fn paragraphs_of_a_quote_are_kept() {
    let f = one(read_quote_post(&cooked("quote-posts.json", 1939), &forum()));
    assert_eq!(f.text.matches("\n\n").count(), 1, "{}", f.text);
    assert_eq!(
        (f.author.as_str(), f.where_said.as_str()),
        ("kaimana", "on rust-users")
    );
}

#[test]
fn a_quote_of_a_forum_post_names_its_poster_and_permalink() {
    let f = one(read_quote_post(&cooked("quote-posts.json", 1940), &forum()));
    assert_eq!(f.author, "rbuchholz");
    assert_eq!(f.where_said, "on rust-users");
    assert_eq!(
        f.source_url,
        "https://users.rust-lang.org/t/is-unsafe-code-really-that-dangerous/135790/4"
    );
    assert!(f
        .text
        .starts_with("Unsafe Rust is not “turning off the borrow checker”."));
}

#[test]
fn a_pasted_forum_link_takes_the_poster_from_the_avatar() {
    let f = one(read_quote_post(&cooked("quote-posts.json", 1944), &forum()));
    assert_eq!(f.author, "vesper_io");
    assert!(f.source_url.ends_with("/136002/12"), "{}", f.source_url);
}

#[test]
fn quotes_that_cannot_be_read_whole_need_a_look() {
    assert_eq!(
        read_quote_post(&cooked("quote-posts.json", 1941), &forum()),
        Reading::Discussion
    );
    for n in [1942, 1945] {
        assert!(
            matches!(
                read_quote_post(&cooked("quote-posts.json", n), &forum()),
                Reading::NeedsLook { .. }
            ),
            "post {n}"
        );
    }
}

#[test]
fn crate_links() {
    assert_eq!(
        crate_from_url("https://crates.io/crates/serde").as_deref(),
        Some("serde")
    );
    assert_eq!(
        crate_from_url("https://docs.rs/serde/latest/serde/").as_deref(),
        Some("serde")
    );
    assert_eq!(
        crate_from_url("https://docs.rs/crate/serde/1.0.0").as_deref(),
        Some("serde")
    );
    assert_eq!(
        crate_from_url("https://lib.rs/crates/serde").as_deref(),
        Some("serde")
    );
    assert_eq!(crate_from_url("https://github.com/serde-rs/serde"), None);
    assert_eq!(crate_from_url("https://crates.io/"), None);
    assert_eq!(crate_from_url("javascript:alert(1)"), None);
}

#[test]
fn hostile_markup_is_text() {
    let cooked = r#"<p>I'd like to self-suggest <a href="https://crates.io/crates/evil">evil</a>, a crate that <img src=x onerror=alert(1)> does <a href="javascript:alert(1)">things</a></p>"#;
    let f = one(read_crate_post(cooked));
    assert_eq!(f.pitch, "a crate that does things");
}

#[test]
fn pitch_separators() {
    assert_eq!(
        pitch_after_name("`foo` is Quite fast. More.", "foo").as_deref(),
        Some("quite fast")
    );
    assert_eq!(
        pitch_after_name("**foo**: GCRA limits", "foo").as_deref(),
        Some("GCRA limits")
    );
    assert_eq!(pitch_after_name("foo", "foo"), None);
}
