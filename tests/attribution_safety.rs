//! The attribution markdown is safe to paste into This Week in Rust whatever a nominator,
//! a GitHub profile or an editor typed (SPEC §8 "Attribution safety", SECURITY.md 11):
//! parsed as CommonMark (pulldown-cmark) and rendered by Python-Markdown with TWiR's own
//! extensions, it holds no HTML, no image, and links only to destinations the template made
//! or to http(s) URLs typed in a pitch or quote.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use pulldown_cmark::{Event, LinkType, Options, Parser, Tag};
use twir_picks::domain::attribution::{CrateAttribution, Credit, QuoteAttribution, Renderer};

const SUBMIT_CRATE: &str = "https://picks.example.org/nominate?category=crate";
const SUBMIT_QUOTE: &str = "https://picks.example.org/nominate?category=quote";

/// What hostile people type, from the review that found the holes.
const PAYLOADS: &[&str] = &[
    "a crate <script>alert(1)</script> for things",
    "[[x](https://a.example)](javascript:alert(1))",
    "[click\n](javascript:alert(document.domain))",
    "[ref\n]: javascript:alert(3)\n\n[ref]",
    "![img](https://evil.example/i.png)",
    "<https://evil.example/auto>",
    "\\<img src=x onerror=alert(1)>",
    "*em*{: onclick=\"alert(1)\"}",
    "a paragraph\n{: onclick=\"alert(1)\" }",
    "[x](https://a.example){: onclick=\"alert(1)\"}",
    "x \u{2}wzxhzdk:0\u{3} y",
    "<!-- comment --> <div>block</div>",
    "`a\n\nb<script>` c",
    "[a`]`](javascript:x)",
    "[x][submit_crate] [TOC] [^1]\n\n[^1]: note",
    "*[HTML]: Hyper Text\n\nHTML",
    "<a href=\"javascript:alert(1)\">x</a>",
    "&lt;script&gt; &#60;b&#62;",
    "[ok](https://docs.rs/x) and [bad](data:text/html,x)",
    "> nested\n>> deeper",
    "```\n<script>\n```",
    "    <script>indented</script>",
    "[...]: javascript:alert(1)\n\n[...]",
    "cut [...] here [...](javascript:x) [...][submit_crate]",
    // From a second review: abbreviations, references and footnotes through kept text.
    "It is fast...really fast\n*[...] : Malicious tooltip, visit evil.example",
    "see [...] [submit_crate](https://a.b/x) now",
    "see [^1](https://a.b/x) here",
    "///Footnotes Go Here///",
    "~~~ onclick\nalert(1)\n~~~",
    "\u{93e}_boo_\u{93e}",
    "eats `<!--` comments and `<a title=\"` too",
];

/// Links the templates make for `a` and `q`, and the submit links.
fn template_destinations(credits: &[Credit], crate_url: &str, quote_url: &str) -> Vec<String> {
    use twir_picks::domain::attribution::link_destination;
    let mut out: Vec<String> = credits.iter().map(|c| link_destination(&c.permalink)).collect();
    out.push(link_destination(crate_url));
    out.push(link_destination(quote_url));
    out.push(SUBMIT_CRATE.into());
    out.push(SUBMIT_QUOTE.into());
    out.push("#".into());
    out
}

/// Every attribution a set of fields can produce: entries and whole sections, suggested and
/// editor's own choice, one crate and two.
fn render_all(fields: &Fields) -> Vec<String> {
    static RENDERER: std::sync::OnceLock<Renderer> = std::sync::OnceLock::new();
    let r = RENDERER.get_or_init(|| Renderer::new(None).unwrap());
    let mut out = Vec::new();
    for editors_choice in [false, true] {
        let c = CrateAttribution {
            name: fields.crate_name.clone(),
            url: fields.crate_url.clone(),
            pitch: fields.pitch.clone(),
            nominators: fields.credits.clone(),
            self_suggestion: fields.self_suggestion,
            editors_choice,
            editor: fields.editor.clone(),
            credit_line: Some(fields.editor.clone()),
        };
        let q = QuoteAttribution {
            text: fields.text.clone(),
            author: fields.author.clone(),
            where_said: fields.where_said.clone(),
            url: fields.quote_url.clone(),
            nominators: fields.credits.clone(),
            self_suggestion: fields.self_suggestion,
            editors_choice,
            editor: fields.editor.clone(),
            credit_line: Some(fields.editor.clone()),
        };
        out.push(r.crate_entry(&c));
        out.push(r.crate_section(&c, SUBMIT_CRATE));
        out.push(r.quote_entry(&q));
        out.push(r.quote_section(&q, SUBMIT_QUOTE));
        // A week with two crates: the same fields in both places.
        let pair = twir_picks::domain::attribution::CratePairAttribution::new(c.clone(), c);
        out.push(r.crate_pair_entry(&pair));
        out.push(r.crate_pair_section(&pair, SUBMIT_CRATE));
    }
    out
}

#[derive(Debug, Clone)]
struct Fields {
    crate_name: String,
    crate_url: String,
    pitch: String,
    text: String,
    author: String,
    where_said: String,
    quote_url: String,
    editor: String,
    credits: Vec<Credit>,
    self_suggestion: bool,
}

impl Fields {
    fn all(s: &str) -> Fields {
        Fields {
            crate_name: s.into(),
            crate_url: format!("https://crates.io/crates/{s}"),
            pitch: s.into(),
            text: s.into(),
            author: s.into(),
            where_said: s.into(),
            quote_url: s.into(),
            editor: s.into(),
            credits: vec![
                Credit {
                    name: s.into(),
                    permalink: "https://picks.example.org/nominations/1".into(),
                },
                Credit {
                    name: s.into(),
                    permalink: s.into(),
                },
            ],
            self_suggestion: s.len() % 2 == 0,
        }
    }

    fn typed_prose(&self) -> String {
        format!("{}\n{}", self.pitch, self.text)
    }

    fn allowed(&self) -> Vec<String> {
        template_destinations(&self.credits, &self.crate_url, &self.quote_url)
    }
}

/// What is wrong with `markdown` read as CommonMark, if anything.
fn commonmark_problems(markdown: &str, fields: &Fields) -> Vec<String> {
    let allowed = fields.allowed();
    let typed = fields.typed_prose();
    let mut problems = Vec::new();
    for event in Parser::new_ext(markdown, Options::empty()) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => problems.push(format!("HTML {h:?}")),
            Event::Start(Tag::Image { dest_url, .. }) => problems.push(format!("image {dest_url:?}")),
            Event::Start(Tag::HtmlBlock) => problems.push("HTML block".into()),
            // A fence's info string becomes a `class` attribute.
            Event::Start(Tag::CodeBlock(pulldown_cmark::CodeBlockKind::Fenced(info))) if !info.is_empty() => {
                problems.push(format!("fenced code with info {info:?}"))
            }
            Event::Start(Tag::Link {
                link_type, dest_url, ..
            }) => {
                let dest = dest_url.to_string();
                let made_by_template =
                    allowed.contains(&dest) && matches!(link_type, LinkType::Inline | LinkType::Reference);
                let typed_http = link_type == LinkType::Inline
                    && (dest.starts_with("https://") || dest.starts_with("http://"))
                    && url::Url::parse(&dest).is_ok_and(|u| u.has_host())
                    && typed.contains(&dest);
                if !(made_by_template || typed_http) {
                    problems.push(format!("{link_type:?} link to {dest:?}"));
                }
            }
            _ => {}
        }
    }
    problems
}

fn assert_safe(fields: &Fields) {
    for markdown in render_all(fields) {
        let problems = commonmark_problems(&markdown, fields);
        assert!(
            problems.is_empty(),
            "{problems:?} in\n{markdown}\nfrom {fields:?}"
        );
    }
}

#[test]
fn the_reviews_payloads_are_text_in_every_field() {
    for payload in PAYLOADS {
        let fields = Fields::all(payload);
        assert_safe(&fields);
        if payload.contains('`') {
            continue; // a code span may hold `<script>`: text in both dialects
        }
        for markdown in render_all(&fields) {
            for tag in ["<script", "<img", "<div", "<a ", "<!--", "<https"] {
                assert!(!markdown.contains(tag), "{tag} in {markdown:?}");
            }
        }
    }
}

#[test]
fn display_names_render_as_plain_text() {
    let r = Renderer::new(None).unwrap();
    let credit = |name: &str| Credit {
        name: name.into(),
        permalink: "https://picks.example.org/nominations/7".into(),
    };
    let a = CrateAttribution {
        name: "literator".into(),
        url: "https://crates.io/crates/literator".into(),
        pitch: "a crate".into(),
        nominators: vec![credit("<script>x</script>"), credit("[x](javascript:alert(1))")],
        self_suggestion: false,
        editors_choice: false,
        editor: String::new(),
        credit_line: None,
    };
    assert_eq!(
        r.crate_entry(&a),
        "This week's crate is [literator](https://crates.io/crates/literator), a crate.\n\n\
         Thanks to [&lt;script\\>x&lt;/script\\>](https://picks.example.org/nominations/7) and \
         [\\[x\\](javascript:alert(1))](https://picks.example.org/nominations/7) for the suggestion!"
    );
}

/// Hostile text: markdown's special characters, URLs good and bad, newlines, entities.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("[".to_string()),
        Just("]".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("<".to_string()),
        Just(">".to_string()),
        Just("!".to_string()),
        Just("`".to_string()),
        Just("``".to_string()),
        Just("\\".to_string()),
        Just("*".to_string()),
        Just("_".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(":".to_string()),
        Just("&".to_string()),
        Just("&lt;".to_string()),
        Just("#".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just(" ".to_string()),
        Just("    ".to_string()),
        Just("https://a.example/x".to_string()),
        Just("javascript:alert(1)".to_string()),
        Just("script".to_string()),
        Just("img src=x".to_string()),
        Just("\u{2}".to_string()),
        "[a-z]{1,4}",
        "\\PC",
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

fn fields() -> impl Strategy<Value = Fields> {
    (
        (hostile(), hostile(), hostile(), hostile(), hostile()),
        (hostile(), hostile(), hostile(), hostile(), any::<bool>()),
    )
        .prop_map(
            |((name, url, pitch, text, author), (where_said, source, editor, nominator, self_suggestion))| {
                Fields {
                    crate_name: name,
                    crate_url: url,
                    pitch,
                    text,
                    author,
                    where_said,
                    quote_url: source,
                    editor,
                    credits: vec![
                        Credit {
                            name: nominator.clone(),
                            permalink: "https://picks.example.org/nominations/3".into(),
                        },
                        Credit {
                            name: nominator,
                            permalink: "https://users.rust-lang.org/t/x/2704/9".into(),
                        },
                    ],
                    self_suggestion,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 768, ..ProptestConfig::default() })]

    #[test]
    fn any_text_in_any_field_is_safe_commonmark(f in fields()) {
        for markdown in render_all(&f) {
            let problems = commonmark_problems(&markdown, &f);
            prop_assert!(problems.is_empty(), "{:?} in\n{}", problems, markdown);
        }
    }
}

/// The same attributions through Python-Markdown, as This Week in Rust's site renders them.
/// Needs `python3` with the `markdown` package (`.ci/run` installs it); without them this
/// says "skipped", and fails when `REQUIRE_PYTHON_MARKDOWN=1`.
#[test]
fn any_text_in_any_field_is_safe_under_python_markdown() {
    let mut corpus: Vec<Fields> = PAYLOADS.iter().map(|p| Fields::all(p)).collect();
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let strategy = fields();
    for _ in 0..400 {
        corpus.push(strategy.new_tree(&mut runner).unwrap().current());
    }
    let cases: Vec<serde_json::Value> = corpus
        .iter()
        .flat_map(|f| {
            let allowed = f.allowed();
            let typed = f.typed_prose();
            render_all(f).into_iter().map(move |markdown| {
                // Typed links count as allowed when they are in the typed prose.
                let mut allowed = allowed.clone();
                allowed.extend(typed_http_urls(&typed));
                serde_json::json!({ "markdown": markdown, "allowed": allowed })
            })
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cases.json");
    std::fs::write(&input, serde_json::to_vec(&cases).unwrap()).unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/check_python_markdown.py"
    );
    let required = std::env::var("REQUIRE_PYTHON_MARKDOWN").is_ok_and(|v| v == "1");
    let output = match std::process::Command::new("python3")
        .arg(script)
        .arg(&input)
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            assert!(!required, "python3 is needed: {e}");
            eprintln!("skipped: no python3 ({e})");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    match output.status.code() {
        Some(0) => eprintln!("{stdout}"),
        Some(3) => {
            assert!(
                !required,
                "the Python `markdown` package is needed (pip install markdown)"
            );
            eprintln!("skipped: the Python `markdown` package is not installed");
        }
        _ => panic!(
            "Python-Markdown renders unsafe HTML:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// Every http(s) URL in `text`, cut at the first character a destination cannot hold.
fn typed_http_urls(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("http") {
        let rest = &text[i..];
        let end = rest
            .find(|c: char| c.is_whitespace() || c == ')')
            .unwrap_or(rest.len());
        out.push(rest[..end].to_string());
    }
    out
}
