//! The attribution oracle: generated hostile text, put through every field of a real
//! attribution, filled into a real published issue (tests/fixtures/issue-2026-08-12.md) the
//! way `fill-draft` fills a draft, rendered whole by Python-Markdown as This Week in Rust's
//! site renders it (tests/support/attribution_oracle.py) and by CommonMark (pulldown-cmark).
//!
//! For every case:
//! - the rest of the issue renders exactly as it does around harmless paragraphs, under both;
//! - the entries hold only `p`, `blockquote`, `a`, `code`, `em`, `strong`, `br`, and every
//!   `href` is the crate's page, the quote's source, a permalink or an http(s) link typed in
//!   a pitch or quote;
//! - their visible text is the same under Python-Markdown as under CommonMark, and each field
//!   read back by CommonMark is the tree its input means (`domain::markdown::parse`).
//!
//! `ORACLE_CASES` (default 5,000) generated cases a run, from `ORACLE_SEED` (default: the
//! fixed seed below; CI runs the same cases each time, a developer can run others). A failure
//! is shrunk and kept in `tests/it/attribution_oracle.regressions.json`, which runs first, with
//! the known attack vectors, every time. Needs `python3` with `markdown` and `pygments`; without
//! them the Python-Markdown half says "skipped", and fails when `REQUIRE_PYTHON_MARKDOWN=1`.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::LazyLock;
use twir_picks::domain::attribution::{
    link_destination, CrateAttribution, CratePairAttribution, Credit, QuoteAttribution, Renderer,
};
use twir_picks::domain::draft;
use twir_picks::domain::markdown::{self, tree::Inline, Kind};

const ISSUE: &str = include_str!("../fixtures/issue-2026-08-12.md");
/// The issue's own entries, replaced by the draft's placeholders to make the draft.
const ISSUE_CRATE: &str = "This week's crate is [literator](https://crates.io/crates/literator), a crate for efficiently displaying the items of an iterator without temporary allocations.\n\nThanks to [Nora](https://users.rust-lang.org/t/crate-of-the-week/2704/1644) for the suggestion!";
const ISSUE_QUOTE_START: &str = "> The AI discussion was already put to bed";
const ISSUE_QUOTE_END: &str = "/1788) for the suggestion!";
const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/it/attribution_oracle.regressions.json"
);
const PERMALINK: &str = "https://picks.example.org/nominations/12";
const FORUM_PERMALINK: &str = "https://users.rust-lang.org/t/crate-of-the-week/2704/1654";
const DEFAULT_SEED: u64 = 0x7477_6972_2025;

/// Known attack vectors (each once made it through an earlier design), each through every field.
const VECTORS: &[&str] = &[
    "a &#`</p><img src=x onerror=alert(document.domain)>` b",
    "&#`<img src=x onerror=alert(1)>`",
    "#heading without a space\n#2",
    "\\<GitHub\\> and \\*stars\\*",
    "a crate <script>alert(1)</script> for things",
    "[[x](https://a.example)](javascript:alert(1))",
    "[click\n](javascript:alert(document.domain))",
    "[ref\n]: javascript:alert(3)\n\n[ref]",
    "![img](https://evil.example/i.png)",
    "<https://evil.example/auto>",
    "*em*{: onclick=\"alert(1)\"}",
    "a paragraph\n{: onclick=\"alert(1)\" }",
    "[x](https://a.example){: onclick=\"alert(1)\"}",
    "x \u{2}wzxhzdk:0\u{3} y",
    "<!-- comment --> <div>block</div>",
    "`a\n\nb<script>` c",
    "[x][submit_crate] [TOC] [^1]\n\n[^1]: note",
    "*[HTML]: Hyper Text\n\nHTML",
    "<a href=\"javascript:alert(1)\">x</a>",
    "&lt;script&gt; &#60;b&#62; &#x; &#",
    "[ok](https://docs.rs/x) and [bad](data:text/html,x)",
    "> nested\n>> deeper",
    "```\n<script>\n```",
    "    <script>indented</script>",
    "cut [...] here [...](javascript:x) [...][submit_crate]",
    "It is fast...really fast\n*[...] : Malicious tooltip",
    "///Footnotes Go Here///",
    "~~~ onclick\nalert(1)\n~~~",
    "\u{93e}_boo_\u{93e}",
    "eats `<!--` comments and `<a title=\"` too",
    "<div markdown=\"1\">*x*</div>",
    "Term\n: definition",
    "a | b\n--|--\nc | d",
    "Title\n===",
    "1. one\n2) two\n- three\n+ four",
    "\u{202e}evil\u{202c} \u{200b}zero\u{feff}",
];

/// One generated case: hostile text for every field; `variant` picks which attributions.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Case {
    variant: u8,
    crate_name: String,
    crate_path: String,
    pitch: String,
    second_pitch: String,
    text: String,
    author: String,
    where_said: String,
    source_path: String,
    display_name: String,
    forum_name: String,
    credit_line: String,
    editor: String,
}

impl Case {
    fn all(s: &str, variant: u8) -> Case {
        Case {
            variant,
            crate_name: s.into(),
            crate_path: s.into(),
            pitch: s.into(),
            second_pitch: s.into(),
            text: s.into(),
            author: s.into(),
            where_said: s.into(),
            source_path: s.into(),
            display_name: s.into(),
            forum_name: s.into(),
            credit_line: s.into(),
            editor: s.into(),
        }
    }

    fn crate_url(&self) -> String {
        format!("https://crates.io/crates/{}", self.crate_path)
    }

    fn source_url(&self) -> String {
        format!("https://users.rust-lang.org/t/{}", self.source_path)
    }

    fn credits(&self, forum: bool) -> Vec<Credit> {
        let mut credits = vec![Credit {
            name: self.display_name.clone(),
            permalink: PERMALINK.into(),
        }];
        if forum {
            credits.push(Credit {
                name: self.forum_name.clone(),
                permalink: FORUM_PERMALINK.into(),
            });
        }
        credits
    }

    fn crate_attribution(
        &self,
        pitch: &str,
        nominators: Vec<Credit>,
        credit_line: Option<String>,
    ) -> CrateAttribution {
        CrateAttribution {
            name: self.crate_name.clone(),
            url: self.crate_url(),
            pitch: pitch.into(),
            editors_choice: nominators.is_empty(),
            self_suggestion: self.variant == 2,
            nominators,
            editor: self.editor.clone(),
            credit_line,
        }
    }

    fn quote_attribution(&self, nominators: Vec<Credit>, credit_line: Option<String>) -> QuoteAttribution {
        QuoteAttribution {
            text: self.text.clone(),
            author: self.author.clone(),
            where_said: self.where_said.clone(),
            url: self.source_url(),
            editors_choice: nominators.is_empty(),
            self_suggestion: self.variant == 0,
            nominators,
            editor: self.editor.clone(),
            credit_line,
        }
    }

    /// The crate entry and the quote entry, as the desk and `fill-draft` write them:
    /// 0: suggested on the site and the forum; 1: two crates, the second the editor's own
    /// choice, and an own-choice quote with the editor's credit line; 2: an own-choice crate
    /// in the template's words, a self-suggested quote.
    fn entries(&self) -> (String, String) {
        let r = &*RENDERER;
        let credit_line = Some(self.credit_line.clone());
        match self.variant % 3 {
            0 => (
                r.crate_entry(&self.crate_attribution(&self.pitch, self.credits(true), None)),
                r.quote_entry(&self.quote_attribution(self.credits(false), None)),
            ),
            1 => {
                let first = self.crate_attribution(&self.pitch, self.credits(false), None);
                let second = self.crate_attribution(&self.second_pitch, vec![], credit_line.clone());
                (
                    r.crate_pair_entry(&CratePairAttribution::new(first, second)),
                    r.quote_entry(&self.quote_attribution(vec![], credit_line)),
                )
            }
            _ => (
                r.crate_entry(&self.crate_attribution(&self.pitch, vec![], None)),
                r.quote_entry(&self.quote_attribution(self.credits(true), None)),
            ),
        }
    }

    /// Destinations an entry may link to: what the templates make, and what was typed.
    fn allowed(&self) -> Vec<String> {
        let mut allowed: Vec<String> = [PERMALINK, FORUM_PERMALINK]
            .iter()
            .map(|u| link_destination(u))
            .collect();
        allowed.push(link_destination(&self.crate_url()));
        allowed.push(link_destination(&self.source_url()));
        for (text, kind) in [
            (&self.pitch, Kind::Prose),
            (&self.second_pitch, Kind::Prose),
            (&self.text, Kind::Quote),
        ] {
            for paragraph in markdown::parse(text, kind) {
                collect_links(&paragraph, &mut allowed);
            }
        }
        allowed
    }
}

fn collect_links(inlines: &[Inline], out: &mut Vec<String>) {
    for inline in inlines {
        match inline {
            Inline::Link { destination, content } => {
                out.push(link_destination(destination));
                collect_links(content, out);
            }
            Inline::Emphasis(c) | Inline::Strong(c) => collect_links(c, out),
            _ => {}
        }
    }
}

static RENDERER: LazyLock<Renderer> = LazyLock::new(|| Renderer::new(None).unwrap());

/// The issue as a draft, cut at its two placeholders.
static FRAME: LazyLock<[String; 3]> = LazyLock::new(|| {
    let start = ISSUE.find(ISSUE_QUOTE_START).expect("the issue's quote");
    let end = ISSUE.find(ISSUE_QUOTE_END).expect("the issue's quote credit") + ISSUE_QUOTE_END.len();
    let draft = format!("{}{}{}", &ISSUE[..start], draft::QOTW_PLACEHOLDER, &ISSUE[end..]);
    assert_eq!(draft.matches(ISSUE_CRATE).count(), 1, "the issue's crate entry");
    let draft = draft.replacen(ISSUE_CRATE, draft::COTW_PLACEHOLDER, 1);
    let (before, rest) = draft.split_once(draft::COTW_PLACEHOLDER).unwrap();
    let (between, after) = rest.split_once(draft::QOTW_PLACEHOLDER).unwrap();
    [before.into(), between.into(), after.into()]
});

/// The issue with these entries, byte for byte what `fill-draft` writes.
fn filled_issue(crate_md: &str, quote_md: &str) -> String {
    let [before, between, after] = &*FRAME;
    format!("{before}{crate_md}{between}{quote_md}{after}")
}

fn commonmark_html(markdown: &str) -> String {
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, pulldown_cmark::Parser::new(markdown));
    out
}

/// CommonMark's HTML of the issue around harmless paragraphs, cut where they stand.
static COMMONMARK_FRAME: LazyLock<[String; 3]> = LazyLock::new(|| {
    let html = commonmark_html(&filled_issue("HARMLESSCRATE", "HARMLESSQUOTE"));
    let (a, rest) = html.split_once("<p>HARMLESSCRATE</p>").unwrap();
    let (b, c) = rest.split_once("<p>HARMLESSQUOTE</p>").unwrap();
    [a.into(), b.into(), c.into()]
});

/// What one case asks of Python-Markdown, with what Rust found already.
#[derive(Serialize)]
struct Question {
    id: usize,
    #[serde(rename = "crate")]
    crate_md: String,
    quote: String,
    cm_crate: String,
    cm_quote: String,
    allowed: Vec<String>,
}

/// Rust's half of the checks; the question for Python when it passes.
fn check_in_rust(id: usize, case: &Case) -> Result<Question, Vec<String>> {
    let mut problems = Vec::new();
    check_fields_read_back(case, &mut problems);
    let (crate_md, quote_md) = case.entries();
    let allowed = case.allowed();
    for entry in [&crate_md, &quote_md] {
        problems.extend(commonmark_problems(entry, &allowed));
    }
    let filled = filled_issue(&crate_md, &quote_md);
    let expected = draft::fill(
        &filled_issue(draft::COTW_PLACEHOLDER, draft::QOTW_PLACEHOLDER),
        Some(&crate_md),
        Some(&quote_md),
    );
    if expected.as_ref() != Ok(&filled) {
        problems.push("fill-draft writes other bytes than the oracle renders".into());
    }
    let html = commonmark_html(&filled);
    let [a, b, c] = &*COMMONMARK_FRAME;
    let middle =
        (html.starts_with(a.as_str()) && html.ends_with(c.as_str()) && html.len() >= a.len() + c.len())
            .then(|| &html[a.len()..html.len() - c.len()]);
    let Some((cm_crate, cm_quote)) = middle.and_then(|m| m.split_once(b.as_str())) else {
        problems.push(format!(
            "the rest of the issue renders differently under CommonMark:\n{crate_md}\n---\n{quote_md}"
        ));
        return Err(problems);
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Question {
        id,
        cm_crate: cm_crate.into(),
        cm_quote: cm_quote.into(),
        crate_md,
        quote: quote_md,
        allowed,
    })
}

/// What CommonMark reads in an entry that it must not hold: HTML, an image, a block other
/// than a paragraph or a quote, a link of another kind or to another destination.
fn commonmark_problems(markdown: &str, allowed: &[String]) -> Vec<String> {
    use pulldown_cmark::{Event, LinkType, Tag};
    let mut problems = Vec::new();
    for event in pulldown_cmark::Parser::new(markdown) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => problems.push(format!("HTML {h:?}")),
            Event::Start(Tag::Link {
                link_type, dest_url, ..
            }) if link_type != LinkType::Inline || !allowed.contains(&dest_url.to_string()) => {
                problems.push(format!("{link_type:?} link to {dest_url:?}"))
            }
            Event::Start(
                tag @ (Tag::Image { .. }
                | Tag::Heading { .. }
                | Tag::List(_)
                | Tag::CodeBlock(_)
                | Tag::HtmlBlock
                | Tag::Table(_)
                | Tag::FootnoteDefinition(_)),
            ) => problems.push(format!("{tag:?}")),
            _ => {}
        }
    }
    problems
        .into_iter()
        .map(|p| format!("{p} in {markdown:?}"))
        .collect()
}

/// Each field, as written, read back by CommonMark is the tree its input means.
fn check_fields_read_back(case: &Case, problems: &mut Vec<String>) {
    for pitch in [&case.pitch, &case.second_pitch] {
        // Read where it stands: inside the template's sentence.
        let written = markdown::prose(pitch);
        if markdown::parse(&written, Kind::Prose) != markdown::parse(pitch, Kind::Prose) {
            problems.push(format!(
                "pitch {pitch:?} written as {written:?} reads back otherwise"
            ));
        }
    }
    let written = markdown::blockquote(&case.text);
    let unquoted: String = written
        .split('\n')
        .map(|l| l.strip_prefix("> ").or_else(|| l.strip_prefix('>')).unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    if markdown::parse(&unquoted, Kind::Quote) != markdown::parse(&case.text, Kind::Quote) {
        problems.push(format!(
            "quote {:?} written as {written:?} reads back otherwise",
            case.text
        ));
    }
    for name in [
        &case.crate_name,
        &case.author,
        &case.where_said,
        &case.display_name,
        &case.forum_name,
        &case.editor,
        &case.credit_line,
    ] {
        // Inside a line (after "a "), as names stand in links and sentences; and as a line
        // of its own, as a credit line stands.
        let meant = markdown::parse(&format!("a {name}"), Kind::Name);
        let inside = format!("a {}", markdown::plain_text(name));
        if markdown::parse(&inside, Kind::Prose) != meant {
            problems.push(format!(
                "name {name:?} written as {inside:?} reads back otherwise"
            ));
        }
        let line = markdown::plain_line(name);
        if markdown::parse(&line, Kind::Prose) != markdown::parse(name, Kind::Name) {
            problems.push(format!("name {name:?} written as {line:?} reads back otherwise"));
        }
    }
}

/// Pieces of hostile text: markdown and HTML syntax, both dialects' extensions, entities,
/// URLs good and bad, line structure, bidi and zero-width characters.
const PIECES: &[&str] = &[
    "`",
    "``",
    "&#",
    "&",
    ";",
    "&#x",
    "&#60;",
    "&lt;",
    "&amp;",
    "<",
    ">",
    "</p>",
    "<p>",
    "<div>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">",
    "<!--",
    "-->",
    "<?",
    "<![CDATA[",
    "[",
    "]",
    "(",
    ")",
    "[x](https://a.example/x)",
    "](",
    "javascript:",
    "https://a.example/x?a=1&b=2",
    "\\",
    "*",
    "**",
    "_",
    "__",
    "#",
    "# ",
    "|",
    ":",
    ": ",
    "{:",
    "{: onclick=x}",
    "}",
    "\n",
    "\n\n",
    "  \n",
    "    ",
    " ",
    "\t",
    "-",
    "- ",
    "+ ",
    "1. ",
    "1)",
    "=",
    "===",
    "~~~",
    "```",
    ">",
    "> ",
    "!",
    "![",
    "^",
    "[^1]",
    "[TOC]",
    "*[",
    "[...]",
    "\"",
    "'",
    "markdown=\"1\"",
    "///Footnotes Go Here///",
    "\u{202e}",
    "\u{2066}",
    "\u{200b}",
    "\u{200d}",
    "\u{feff}",
    "\u{a0}",
    "\u{2028}",
    "\u{2}",
    "\u{3}",
    "wzxhzdk:0",
    "é",
    "日本",
    "\u{93e}",
    "Vec<T>",
    "&mut",
];

fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        12 => proptest::sample::select(PIECES).prop_map(String::from),
        3 => "[a-z]{1,5}",
        1 => "\\PC",
    ];
    proptest::collection::vec(piece, 0..14).prop_map(|v| v.concat())
}

fn cases() -> impl Strategy<Value = Case> {
    (
        0u8..3,
        (hostile(), hostile(), hostile(), hostile(), hostile(), hostile()),
        (hostile(), hostile(), hostile(), hostile(), hostile(), hostile()),
    )
        .prop_map(
            |(
                variant,
                (crate_name, crate_path, pitch, second_pitch, text, author),
                (where_said, source_path, display_name, forum_name, credit_line, editor),
            )| Case {
                variant,
                crate_name,
                crate_path,
                pitch,
                second_pitch,
                text,
                author,
                where_said,
                source_path,
                display_name,
                forum_name,
                credit_line,
                editor,
            },
        )
}

/// A Python-Markdown renderer: a `python3` child answering one line per case.
struct Python {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

#[derive(Deserialize)]
struct Answer {
    id: usize,
    problems: Vec<String>,
}

impl Python {
    fn spawn() -> Python {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/attribution_oracle.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let frame = serde_json::json!({ "frame": &*FRAME });
        writeln!(stdin, "{frame}").unwrap();
        Python {
            child,
            stdin: Some(stdin),
            stdout,
        }
    }

    fn ask(&mut self, question: &Question) -> Vec<String> {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{}", serde_json::to_string(question).unwrap()).unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        serde_json::from_str::<Answer>(&line)
            .unwrap_or_else(|e| panic!("the oracle's answer {line:?}: {e}"))
            .problems
    }

    /// Every question at once (written by a thread, so neither side waits on a full pipe).
    fn ask_all(mut self, questions: Vec<Question>) -> Vec<Answer> {
        let mut stdin = self.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            for q in &questions {
                writeln!(stdin, "{}", serde_json::to_string(q).unwrap()).unwrap();
            }
        });
        let answers: Vec<Answer> = (&mut self.stdout)
            .lines()
            .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
            .collect();
        writer.join().unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "the Python-Markdown oracle failed: {status}");
        answers
    }
}

/// Whether Python-Markdown can be run here; `false` is a skip, or a failure when required.
fn python_markdown_available() -> bool {
    let required = std::env::var("REQUIRE_PYTHON_MARKDOWN").is_ok_and(|v| v == "1");
    let ok = Command::new("python3")
        .args(["-c", "import markdown, pygments"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok || !required,
        "REQUIRE_PYTHON_MARKDOWN=1: python3 with `markdown` and `pygments` is needed"
    );
    if !ok {
        eprintln!("skipped: python3 with the `markdown` and `pygments` packages is not installed");
    }
    ok
}

/// Every problem of one case, Rust's and Python's.
fn problems_of(case: &Case, python: &mut Python) -> Vec<String> {
    match check_in_rust(0, case) {
        Err(problems) => problems,
        Ok(question) => python.ask(&question),
    }
}

/// Checks `cases` on both renderers, two Python processes side by side; the failing ones.
fn failing(cases: &[Case]) -> Vec<(usize, Vec<String>)> {
    let mut failures = Vec::new();
    let mut questions: Vec<Vec<Question>> = vec![Vec::new(), Vec::new()];
    for (id, case) in cases.iter().enumerate() {
        match check_in_rust(id, case) {
            Err(problems) => failures.push((id, problems)),
            Ok(q) => questions[id % 2].push(q),
        }
    }
    let pythons: Vec<_> = questions
        .into_iter()
        .map(|qs| {
            let python = Python::spawn();
            std::thread::spawn(move || python.ask_all(qs))
        })
        .collect();
    for handle in pythons {
        for answer in handle.join().unwrap() {
            if !answer.problems.is_empty() {
                failures.push((answer.id, answer.problems));
            }
        }
    }
    failures.sort_by_key(|(id, _)| *id);
    failures
}

/// Without Python-Markdown: CommonMark's half of the checks, each case on its own.
fn assert_safe_in_rust(cases: &[Case]) {
    for case in cases {
        if let Err(problems) = check_in_rust(0, case) {
            panic!("{case:?}\n{}", problems.join("\n"));
        }
    }
}

fn regressions() -> Vec<Case> {
    std::fs::read_to_string(REGRESSIONS)
        .map(|s| serde_json::from_str(&s).expect("the regressions file is a JSON list of cases"))
        .unwrap_or_default()
}

fn named_cases() -> Vec<Case> {
    let mut cases = regressions();
    for v in VECTORS {
        for variant in 0..3 {
            cases.push(Case::all(v, variant));
        }
    }
    cases
}

#[test]
fn the_frame_is_the_issue_and_fill_draft_fills_it() {
    let quote = &ISSUE[ISSUE.find(ISSUE_QUOTE_START).unwrap()
        ..ISSUE.find(ISSUE_QUOTE_END).unwrap() + ISSUE_QUOTE_END.len()];
    assert_eq!(filled_issue(ISSUE_CRATE, quote), ISSUE);
}

#[test]
fn named_vectors_are_safe_in_every_field_under_both_renderers() {
    let cases = named_cases();
    if !python_markdown_available() {
        return assert_safe_in_rust(&cases);
    }
    let failures = failing(&cases);
    let report: Vec<String> = failures
        .iter()
        .map(|(id, problems)| format!("{:?}\n  {}", cases[*id], problems.join("\n  ")))
        .collect();
    assert!(
        report.is_empty(),
        "{} named cases fail:\n{}",
        report.len(),
        report.join("\n\n")
    );
    eprintln!(
        "{} named cases safe under Python-Markdown and CommonMark",
        cases.len()
    );
}

#[test]
fn generated_hostile_text_is_safe_in_a_real_issue_under_both_renderers() {
    let count: usize = std::env::var("ORACLE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let seed: u64 = std::env::var("ORACLE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let strategy = cases();
    let trees: Vec<_> = (0..count)
        .map(|_| strategy.new_tree(&mut runner).unwrap())
        .collect();
    let cases: Vec<Case> = trees.iter().map(|t| t.current()).collect();
    if !python_markdown_available() {
        return assert_safe_in_rust(&cases);
    }
    let failures = failing(&cases);
    eprintln!(
        "ORACLE_SEED={seed}: {count} generated cases, {} failing under Python-Markdown or CommonMark",
        failures.len()
    );
    let Some((first, _)) = failures.first() else {
        return;
    };
    // Shrink the first failure and keep it where every run checks it first.
    let mut tree = trees.into_iter().nth(*first).unwrap();
    let mut python = Python::spawn();
    let mut shrunk = tree.current();
    let mut problems = problems_of(&shrunk, &mut python);
    let mut more = tree.simplify();
    for _ in 0..500 {
        if !more {
            break;
        }
        let p = problems_of(&tree.current(), &mut python);
        more = if p.is_empty() {
            tree.complicate()
        } else {
            shrunk = tree.current();
            problems = p;
            tree.simplify()
        };
    }
    let mut kept = regressions();
    if !kept.contains(&shrunk) {
        kept.push(shrunk.clone());
        let _ = std::fs::write(REGRESSIONS, serde_json::to_string_pretty(&kept).unwrap() + "\n");
    }
    let others: Vec<String> = failures
        .iter()
        .skip(1)
        .take(4)
        .map(|(_, p)| p.join("\n  "))
        .collect();
    panic!(
        "{} of {count} cases fail (ORACLE_SEED={seed}); the first, shrunk and kept in {REGRESSIONS}:\n{shrunk:#?}\n{}\n\nand others, as generated:\n  {}",
        failures.len(),
        problems.join("\n"),
        others.join("\n\n  ")
    );
}
