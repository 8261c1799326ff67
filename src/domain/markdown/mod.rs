//! Markdown that is safe to paste into This Week in Rust, whatever a person typed.
//!
//! The attribution is read by two dialects: CommonMark (GitHub, our own checks) and
//! Python-Markdown with the `extra`, `meta`, `toc` and `codehilite` extensions, which This
//! Week in Rust's site renders with. Escaping what looks dangerous failed three times, so
//! every piece of user text takes one road, parse then emit:
//!
//! 1. `parse` reads it as CommonMark (pulldown-cmark) into the allowlisted tree (`tree`):
//!    text, code spans, emphasis, strong, inline links to validated http(s) URLs, and for
//!    quotes paragraphs and line breaks. Everything else (raw HTML, images, autolinks,
//!    references and their definitions, headings, lists, code blocks, footnotes, attribute
//!    lists) becomes the text that was typed for it. Names are text only, never read as
//!    markdown.
//! 2. `emit` writes markdown from the tree that both dialects read back as the same tree.
//!
//! The proof is `tests/it/attribution_oracle.rs`: generated hostile text through every field,
//! placed in a real published issue, rendered whole by Python-Markdown and by CommonMark.

mod emit;
mod parse;
pub mod tree;

pub use emit::destination as link_destination;
pub use parse::{parse, Kind};

/// A name, an author, where something was said: exactly as typed, inside a line.
pub fn plain_text(text: &str) -> String {
    emit::line(parse(text, Kind::Name).first(), emit::Place::MidLine)
}

/// Text as typed for a paragraph of its own (an editor's credit line): also nothing at the
/// start of the line opens a block (a heading, a list, a fence).
pub fn plain_line(text: &str) -> String {
    emit::line(parse(text, Kind::Name).first(), emit::Place::LineStart)
}

/// Prose a person wrote (a pitch, a `why`), on one line inside the template's sentence:
/// code spans, emphasis and inline http(s) links kept; everything else as typed.
pub fn prose(text: &str) -> String {
    emit::line(parse(text, Kind::Prose).first(), emit::Place::MidLine)
}

/// A quote as one block quote: its paragraphs and lines kept, each line prefixed.
pub fn blockquote(text: &str) -> String {
    emit::blockquote(&parse(text, Kind::Quote))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_of_its_own_opens_no_block() {
        assert_eq!(plain_line("llogiq is pleased."), "llogiq is pleased.");
        assert_eq!(plain_line("# not a heading"), "\\# not a heading");
        assert_eq!(plain_line("#not a heading either"), "\\#not a heading either");
        assert_eq!(plain_line("~~~ not a fence"), "&#126;~~ not a fence");
        assert_eq!(plain_line("- not a list"), "\\- not a list");
        assert_eq!(plain_line("1. not a list"), "1\\. not a list");
        assert_eq!(plain_line("2026 was a year"), "2026 was a year");
        assert_eq!(plain_line(": not a definition"), "&#58; not a definition");
    }

    #[test]
    fn names_show_as_typed() {
        assert_eq!(
            plain_text("[x](javascript:alert(1))"),
            "\\[x\\](javascript:alert(1))"
        );
        assert_eq!(plain_text("*bold* `code` <b>"), "\\*bold\\* \\`code\\` &lt;b>");
        assert_eq!(plain_text("snake_case _lead"), "snake_case \\_lead");
        assert_eq!(plain_text("two\n\nlines"), "two lines");
        assert_eq!(plain_text("Kim Dong-Hyun"), "Kim Dong-Hyun");
        assert_eq!(plain_text("a {: onclick=x}"), "a \\{: onclick=x\\}");
        assert_eq!(plain_text("&lt; & co"), "&amp;lt; &amp; co");
        assert_eq!(plain_text("x\u{2}wzxhzdk:0\u{3}"), "xwzxhzdk:0");
        assert_eq!(plain_text("a|b"), "a\\|b");
        assert_eq!(
            plain_text("![i](https://e.x/i.png)"),
            "!\\[i\\](https://e.x/i.png)"
        );
    }

    #[test]
    fn prose_keeps_code_spans_emphasis_and_http_links() {
        assert_eq!(prose("a `#[safe]` attribute"), "a `#[safe]` attribute");
        assert_eq!(prose("*really* _fast_"), "*really* *fast*");
        assert_eq!(
            prose("see [docs](https://docs.rs/x)."),
            "see [docs](https://docs.rs/x)."
        );
        assert_eq!(
            prose("[`Ord`](https://doc.rust-lang.org/x)"),
            "[`Ord`](https://doc.rust-lang.org/x)"
        );
        assert_eq!(prose("already \\[escaped\\]"), "already \\[escaped\\]");
        assert_eq!(prose("`Vec<T>` and Vec<T>"), "`Vec<T>` and Vec&lt;T>");
        assert_eq!(prose("wow\\![x](https://a.b/)"), "wow\\![x](https://a.b/)");
        assert_eq!(
            parse("\\*not emphasis\\*", Kind::Prose),
            vec![vec![tree::Inline::Text("*not emphasis*".into())]]
        );
    }

    #[test]
    fn prose_opens_nothing_else() {
        assert_eq!(
            prose("a crate <script>alert(1)</script> for things"),
            "a crate &lt;script>alert(1)&lt;/script> for things"
        );
        assert_eq!(
            prose("[[x](https://a.example)](javascript:alert(1))"),
            "\\[[x](https://a.example)\\](javascript:alert(1))"
        );
        assert_eq!(prose("see [docs](javascript:x)"), "see \\[docs\\](javascript:x)");
        assert_eq!(
            prose("![img](https://evil.example/i.png)"),
            "!\\[img\\](https://evil.example/i.png)"
        );
        assert_eq!(
            prose("<https://evil.example/auto>"),
            "&lt;https://evil.example/auto>"
        );
        assert_eq!(prose("[x][ref] and [y]: z"), "\\[x\\]\\[ref\\] and \\[y\\]: z");
        assert_eq!(prose("*em*{: onclick=\"x\"}"), "*em*\\{: onclick=\"x\"\\}");
        assert_eq!(prose("a lone ` tick"), "a lone \\` tick");
        assert_eq!(prose("two\nlines"), "two lines");
        assert_eq!(prose("cut [...] here"), "cut \\[...\\] here");
        assert_eq!(prose("see [^1](https://a.b/x)"), "see [^1](https://a.b/x)");
    }

    /// The vector that put a live `<img onerror>` into an issue: a bare `&#` before a code span holding tags. Python's
    /// `HTMLParser` lost its place at the `&#` and Python-Markdown then took the tags in the
    /// code span for raw HTML: a live `<img onerror>` in the issue.
    #[test]
    fn a_bare_character_reference_and_tags_in_a_code_span_are_text() {
        assert_eq!(
            prose("a &#`</p><img src=x onerror=alert(document.domain)>` b"),
            "a &amp;#\\`&lt;/p>&lt;img src=x onerror=alert(document.domain)>\\` b"
        );
        assert_eq!(prose("`a &# b`"), "\\`a &amp;# b\\`");
        assert_eq!(prose("`</p>` and `<div>`"), "\\`&lt;/p>\\` and \\`&lt;div>\\`");
    }

    /// Python-Markdown reads `#` at a line's start as a heading, with or without a space.
    #[test]
    fn a_quote_line_starting_with_a_hash_is_no_heading() {
        assert_eq!(
            blockquote("#[derive(Debug)] is\n#1"),
            "> \\#\\[derive(Debug)\\] is\n> \\#1"
        );
        assert_eq!(blockquote("# Title"), "> \\# Title");
    }

    /// A backslash escape typed by a person means the character to CommonMark; written as
    /// typed, Python-Markdown showed the backslash (it does not honour `\<`).
    #[test]
    fn escapes_typed_by_a_person_show_no_backslash() {
        assert_eq!(prose("talks to \\<GitHub\\>"), "talks to &lt;GitHub>");
        assert_eq!(prose("\\*not emphasis\\*"), "\\*not emphasis\\*");
        assert_eq!(prose("\\<script>"), "&lt;script>");
    }

    #[test]
    fn quotes_are_one_block_quote() {
        assert_eq!(blockquote("one\n\ntwo"), "> one\n>\n> two");
        assert_eq!(blockquote("> nested?\n\n\n>"), "> \\> nested?\n>\n> \\>");
        assert_eq!(blockquote("keep  \nhard break"), "> keep  \n> hard break");
        assert_eq!(
            blockquote("[click\n](javascript:alert(document.domain))"),
            "> \\[click\n> \\](javascript:alert(document.domain))"
        );
        assert_eq!(
            blockquote("[ref\n]: javascript:alert(3)\n\n[ref]"),
            "> \\[ref  \n> \\]: javascript:alert(3)\n>\n> \\[ref\\]"
        );
        assert_eq!(blockquote("`a\n<b>`"), "> `a <b>`");
        assert_eq!(blockquote("- one\n- *two*"), "> \\- one  \n> \\- *two*");
        assert_eq!(blockquote("a\n===\nb"), "> a  \n> &#61;==  \n> b");
    }

    #[test]
    fn constructs_python_markdown_reads_its_own_way() {
        assert_eq!(
            blockquote("fast...really\n*[...] : evil"),
            "> fast...really\n> \\*\\[...\\] : evil"
        );
        assert_eq!(prose("eats `<!--` comments"), "eats \\`&lt;!--\\` comments");
        assert_eq!(prose("see `<a title=\"` here"), "see \\`&lt;a title=\"\\` here");
        assert_eq!(
            prose("`Option<Ref<T>>` and `<T: 'a>`"),
            "`Option<Ref<T>>` and \\`&lt;T: 'a>\\`"
        );
        assert_eq!(
            blockquote("///Footnotes Go Here///"),
            "> &#47;//Footnotes Go Here///"
        );
        assert_eq!(plain_text("\u{93e}_boo_\u{93e}"), "\u{93e}\\_boo\\_\u{93e}");
        assert_eq!(
            blockquote("~~~ onclick\nalert(1)\n~~~"),
            "> &#126;~~ onclick  \n> alert(1)  \n> &#126;~~"
        );
    }

    #[test]
    fn destinations_only_http() {
        assert_eq!(link_destination("javascript:alert(1)"), "#");
        assert_eq!(link_destination("https://x.org/a_(b)"), "https://x.org/a_%28b%29");
        assert_eq!(
            link_destination("https://x.org/a b\"c'd"),
            "https://x.org/a%20b%22c%27d"
        );
        assert_eq!(
            link_destination("https://x.org/?a=1&#x"),
            "https://x.org/?a=1%26#x"
        );
        assert_eq!(
            link_destination("https://x.org/?a=1&b=2"),
            "https://x.org/?a=1&b=2"
        );
        assert_eq!(
            link_destination("https://users.rust-lang.org/t/crate-of-the-week/2704/1654"),
            "https://users.rust-lang.org/t/crate-of-the-week/2704/1654"
        );
    }
}
