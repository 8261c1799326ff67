//! Markdown that is safe to paste into This Week in Rust, whatever a person typed.
//!
//! The attribution is read by two dialects: CommonMark (GitHub, our own checks) and
//! Python-Markdown with the `extra`, `meta` and `toc` extensions, which This Week in Rust's
//! site uses. Python-Markdown passes raw HTML through, does not honour `\<` (it prints the
//! backslash and then the tag), lets `{: onclick=…}` set attributes (`attr_list`), and keeps
//! its own placeholders in control characters. So every routine here writes only what both
//! dialects read the same way:
//!
//! - `<` becomes `&lt;` outside code spans: an entity both read as text, never a tag.
//! - Backslash escapes only for the characters Python-Markdown escapes too
//!   (`PYTHON_MARKDOWN_ESCAPES`); any other backslash is written as `\\`.
//! - Every `[`, `]`, `{` and `}` is escaped, except the brackets of an inline link to a
//!   validated http(s) URL that a pitch or quote keeps. No image, autolink, reference or
//!   attribute list can be formed.
//! - Code spans are kept verbatim when they close on the same line; both dialects print
//!   their content as text.
//! - Control characters are dropped (Python-Markdown keeps its placeholders in `\x02…\x03`).
//!
//! Names (`plain_text`) keep nothing: every character shows as typed.

/// The characters Python-Markdown honours a backslash before (its `ESCAPED_CHARS`); CommonMark
/// honours it before every ASCII punctuation character, so these mean the same in both.
pub const PYTHON_MARKDOWN_ESCAPES: &[char] = &[
    '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '>', '#', '+', '-', '.', '!',
];

fn is_escapable(c: char) -> bool {
    PYTHON_MARKDOWN_ESCAPES.contains(&c)
}

/// Text without control characters (tabs become spaces; newlines are kept when `lines`).
fn without_controls(text: &str, lines: bool) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\n' if lines => Some('\n'),
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// `&` that would start an entity (`&lt;`, `&#60;`): written as `&amp;` so it shows as typed.
fn starts_entity(rest: &[char]) -> bool {
    let body: Vec<char> = rest
        .iter()
        .skip(1)
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '#')
        .copied()
        .collect();
    !body.is_empty() && rest.get(1 + body.len()) == Some(&';')
}

/// Text that must appear exactly as typed (a name, an author, where it was said), on one line:
/// nothing in it can open a link, code, emphasis, an attribute list or HTML.
/// `plain_text` for a paragraph of its own (an editor's credit line): also nothing at the start
/// of the line may open a block (a heading, a list, a fence).
pub fn plain_line(text: &str) -> String {
    let line = plain_text(text);
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    match line.chars().next() {
        Some('#' | '-' | '+' | '~' | '=') => format!("\\{line}"),
        Some(c) if c.is_ascii_digit() && matches!(line[digits..].chars().next(), Some('.' | ')')) => {
            format!("{}\\{}", &line[..digits], &line[digits..])
        }
        _ => line,
    }
}

pub fn plain_text(text: &str) -> String {
    let text = without_controls(text, false)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        // `_` inside a word is never emphasis in either dialect; written as typed.
        // Between ASCII letters or digits only: Python-Markdown's `\w` leaves out some of what
        // Rust calls alphanumeric (vowel signs), and there `_` would open emphasis.
        let intraword = i > 0
            && chars[i - 1].is_ascii_alphanumeric()
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric());
        match c {
            '<' => out.push_str("&lt;"),
            '&' if starts_entity(&chars[i..]) => out.push_str("&amp;"),
            '_' if intraword => out.push('_'),
            '\\' | '`' | '*' | '_' | '[' | ']' | '{' | '}' | '>' => {
                out.push('\\');
                out.push(c);
            }
            // `!` before an (escaped) bracket is harmless; escaped anyway so it reads the same.
            '!' if chars.get(i + 1) == Some(&'[') => out.push_str("\\!"),
            '/' if starts_placeholder(&chars[i..]) => out.push_str("&#47;"),
            c => out.push(c),
        }
    }
    out
}

/// Prose a person wrote (a pitch, a `why`), on one line: code spans, emphasis and inline
/// links to http(s) URLs are kept as typed; nothing else can be opened.
pub fn prose(text: &str) -> String {
    let text = without_controls(text, false);
    Prose::new(&text).render()
}

/// A quote as one markdown block quote: paragraphs kept (a blank line becomes `>`), each line
/// prefixed, a line that would start a nested quote escaped. The text is escaped as a whole,
/// so nothing (a link, a reference definition) can span two lines.
pub fn blockquote(text: &str) -> String {
    let text = without_controls(text, true);
    let escaped = Prose::new(text.trim_matches('\n')).render();
    escaped
        .lines()
        .map(|line| {
            if line.trim().is_empty() {
                ">".to_string()
            } else {
                let indent = line.len() - line.trim_start().len();
                let start = line.trim_start();
                let body = if let Some(rest) = start.strip_prefix('>') {
                    format!("{}\\>{rest}", &line[..indent])
                } else if start.starts_with("~~~") {
                    // A CommonMark code fence (its info string becomes a class): the first
                    // tilde as an entity, which neither dialect reads as a fence.
                    format!("{}&#126;{}", &line[..indent], &start[1..])
                } else {
                    line.to_string()
                };
                format!("> {body}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A link destination the template makes (a crate page, a source, a permalink): an http(s)
/// URL, with every character that could end the destination or start a title encoded;
/// anything else becomes `#`.
pub fn link_destination(url: &str) -> String {
    let url = url.trim();
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => {
            let chars: Vec<char> = url.chars().collect();
            let mut out = String::with_capacity(url.len());
            for (i, &c) in chars.iter().enumerate() {
                // An entity would be decoded in the destination: `&amp;` stays as typed.
                if is_url_char(c) && !(c == '&' && starts_entity(&chars[i..])) {
                    out.push(c);
                } else {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("%{b:02X}"));
                    }
                }
            }
            out
        }
        _ => "#".to_string(),
    }
}

/// Characters a destination keeps as typed: both dialects read them as part of the URL.
/// Not brackets: Python-Markdown finds reference links (`[a][b]`) before inline links, even
/// inside a destination, and rewrites them there.
fn is_url_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '-' | '.'
                | '_'
                | '~'
                | ':'
                | '/'
                | '?'
                | '#'
                | '@'
                | '!'
                | '$'
                | '&'
                | '*'
                | '+'
                | ','
                | ';'
                | '='
                | '%'
        )
        || (!c.is_ascii() && c.is_alphanumeric())
}

/// A URL typed inside a pitch or quote is kept as a link only when every character is one
/// that means the same to both dialects (no parentheses, quotes, spaces or brackets).
fn keepable_url(url: &str) -> bool {
    let chars: Vec<char> = url.chars().collect();
    !url.is_empty()
        && chars.iter().all(|&c| is_url_char(c))
        && !(0..chars.len()).any(|i| chars[i] == '&' && starts_entity(&chars[i..]))
        && crate::domain::validate::http_url(url).is_ok()
}

/// Whether code-span text is safe from Python-Markdown's raw-HTML pass, which reads the whole
/// document before code spans exist: a `<!--` or an unclosed `<a title="` inside a code span
/// would swallow or reshape the rest of the issue. Every `<` that could start markup must close
/// with `>` within the span, with no quoted attribute on the way (`Vec<T>`, `<T: 'a>` are fine).
fn harmless_to_html_pass(text: &[char]) -> bool {
    text.iter().enumerate().all(|(i, &c)| {
        if c != '<' {
            return true;
        }
        match text.get(i + 1) {
            Some('!' | '?') => false,
            Some(&n) if n.is_ascii_alphabetic() || n == '/' => {
                let rest = &text[i + 1..];
                let Some(end) = rest.iter().position(|&x| x == '>') else {
                    return false;
                };
                let tag = &rest[..end];
                let quoted_value = tag.iter().enumerate().any(|(k, &x)| {
                    x == '"'
                        || (x == '\'' && tag[..k].iter().rev().find(|c| !c.is_whitespace()) == Some(&'='))
                });
                !quoted_value
            }
            _ => true,
        }
    })
}

/// Python-Markdown's footnotes extension moves the footnotes to wherever this text
/// stands; its first `/` is written as an entity so that it never matches.
const FOOTNOTE_PLACEHOLDER: &str = "///Footnotes Go Here///";

fn starts_placeholder(chars: &[char]) -> bool {
    let len = FOOTNOTE_PLACEHOLDER.chars().count();
    chars.iter().copied().take(len).eq(FOOTNOTE_PLACEHOLDER.chars())
}

/// One pass over prose, emitting only constructs both dialects read alike.
struct Prose {
    chars: Vec<char>,
    out: String,
}

impl Prose {
    fn new(text: &str) -> Prose {
        Prose {
            chars: text.chars().collect(),
            out: String::with_capacity(text.len() + 16),
        }
    }

    fn render(mut self) -> String {
        let mut i = 0;
        while i < self.chars.len() {
            i = self.step(i);
        }
        self.out
    }

    /// Emit what starts at `i`; returns where the next thing starts.
    fn step(&mut self, i: usize) -> usize {
        let c = self.chars[i];
        match c {
            '\\' => match self.chars.get(i + 1) {
                Some(&n) if is_escapable(n) => {
                    self.out.push('\\');
                    self.out.push(n);
                    i + 2
                }
                _ => {
                    self.out.push_str("\\\\");
                    i + 1
                }
            },
            '`' => {
                let run = self.run_of_backticks(i);
                match self.code_span_end(i, run) {
                    Some(end) => {
                        self.out.extend(&self.chars[i..end]);
                        end
                    }
                    None => {
                        for _ in 0..run {
                            self.out.push_str("\\`");
                        }
                        i + run
                    }
                }
            }
            '[' => match self.link_at(i) {
                Some((close, end)) => {
                    let text: String = self.chars[i + 1..close].iter().collect();
                    self.out.push('[');
                    self.out.push_str(&Prose::new(&text).render());
                    self.out.extend(&self.chars[close..end]);
                    end
                }
                None => match self.elision_at(i) {
                    Some(end) => {
                        self.out.extend(&self.chars[i..end]);
                        end
                    }
                    None => {
                        self.out.push_str("\\[");
                        i + 1
                    }
                },
            },
            ']' | '{' | '}' => {
                self.out.push('\\');
                self.out.push(c);
                i + 1
            }
            // No images: `![…](…)` would otherwise be a kept link after a `!`.
            '!' if self.chars.get(i + 1) == Some(&'[') => {
                self.out.push_str("\\!");
                i + 1
            }
            '<' => {
                self.out.push_str("&lt;");
                i + 1
            }
            '/' if starts_placeholder(&self.chars[i..]) => {
                self.out.push_str("&#47;");
                i + 1
            }
            c => {
                self.out.push(c);
                i + 1
            }
        }
    }

    /// `[...]` or `[…]` where a quote was cut, kept as printed: no label a definition could
    /// give a destination, and not followed by anything that would make it a link.
    fn elision_at(&self, start: usize) -> Option<usize> {
        let len = self.chars[start + 1..]
            .iter()
            .take_while(|&&c| matches!(c, '.' | '…' | ' '))
            .count();
        let close = start + 1 + len;
        let dots = self.chars[start + 1..close].iter().any(|&c| c != ' ');
        let closes = self.chars.get(close) == Some(&']');
        // Python-Markdown reads `*[…]: title` as an abbreviation and `[…] [x]` (one space or
        // line break between) as a reference: what follows after whitespace must not continue it.
        let next = self.chars[(close + 1).min(self.chars.len())..]
            .iter()
            .find(|c| !c.is_whitespace());
        let then_link = matches!(next, Some('(' | '[' | ':' | '{'));
        let abbreviation = start > 0 && self.chars[start - 1] == '*';
        (dots && closes && !then_link && !abbreviation).then_some(close + 1)
    }

    fn run_of_backticks(&self, from: usize) -> usize {
        self.chars[from..].iter().take_while(|&&x| x == '`').count()
    }

    /// The end of a code span opened by `run` backticks at `start`: the next run of exactly
    /// `run` backticks on the same line, with something in between.
    fn code_span_end(&self, start: usize, run: usize) -> Option<usize> {
        let mut j = start + run;
        while j < self.chars.len() {
            match self.chars[j] {
                '\n' => return None,
                '`' => {
                    let len = self.run_of_backticks(j);
                    if len == run {
                        let inside = &self.chars[start + run..j];
                        return (!inside.is_empty() && harmless_to_html_pass(inside)).then_some(j + len);
                    }
                    j += len;
                }
                _ => j += 1,
            }
        }
        None
    }

    /// `[text](url)` at `start` that may stay a link: on one line, no other bracket in the
    /// text (code spans with brackets count as brackets), an http(s) URL made of plain
    /// characters, no entity. Returns where the `]` is and where the link ends.
    fn link_at(&self, start: usize) -> Option<(usize, usize)> {
        let mut j = start + 1;
        let close = loop {
            match *self.chars.get(j)? {
                ']' => break j,
                '[' | '\n' => return None,
                '\\' if self.chars.get(j + 1).is_some_and(|&n| is_escapable(n)) => j += 2,
                '`' => {
                    let run = self.run_of_backticks(j);
                    match self.code_span_end(j, run) {
                        Some(end) if !self.chars[j..end].iter().any(|&x| x == '[' || x == ']') => j = end,
                        Some(_) => return None,
                        None => j += run,
                    }
                }
                _ => j += 1,
            }
        };
        // `[^1](…)` is a footnote reference to Python-Markdown before it is a link.
        let footnote = self.chars.get(start + 1) == Some(&'^');
        if close == start + 1 || footnote || self.chars.get(close + 1) != Some(&'(') {
            return None;
        }
        let url_start = close + 2;
        let url_len = self.chars[url_start..].iter().position(|&c| c == ')')?;
        let url: String = self.chars[url_start..url_start + url_len].iter().collect();
        keepable_url(&url).then_some((close, url_start + url_len + 1))
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_line_of_its_own_opens_no_block() {
        assert_eq!(plain_line("llogiq is pleased."), "llogiq is pleased.");
        assert_eq!(plain_line("# not a heading"), "\\# not a heading");
        assert_eq!(plain_line("~~~ not a fence"), "\\~~~ not a fence");
        assert_eq!(plain_line("- not a list"), "\\- not a list");
        assert_eq!(plain_line("1. not a list"), "1\\. not a list");
        assert_eq!(plain_line("2026 was a year"), "2026 was a year");
    }

    use super::*;

    #[test]
    fn names_show_as_typed() {
        assert_eq!(
            plain_text("[x](javascript:alert(1))"),
            "\\[x\\](javascript:alert(1))"
        );
        assert_eq!(plain_text("*bold* `code` <b>"), "\\*bold\\* \\`code\\` &lt;b\\>");
        assert_eq!(plain_text("snake_case _lead"), "snake_case \\_lead");
        assert_eq!(plain_text("two\n\nlines"), "two lines");
        assert_eq!(plain_text("Kim Dong-Hyun"), "Kim Dong-Hyun");
        assert_eq!(plain_text("a {: onclick=x}"), "a \\{: onclick=x\\}");
        assert_eq!(plain_text("&lt; & co"), "&amp;lt; & co");
        assert_eq!(plain_text("x\u{2}wzxhzdk:0\u{3}"), "xwzxhzdk:0");
        assert_eq!(
            plain_text("![i](https://e.x/i.png)"),
            "\\!\\[i\\](https://e.x/i.png)"
        );
    }

    #[test]
    fn prose_keeps_code_spans_emphasis_and_http_links() {
        assert_eq!(prose("a `#[safe]` attribute"), "a `#[safe]` attribute");
        assert_eq!(prose("*really* _fast_"), "*really* _fast_");
        assert_eq!(
            prose("see [docs](https://docs.rs/x)."),
            "see [docs](https://docs.rs/x)."
        );
        assert_eq!(
            prose("[`Ord`](https://doc.rust-lang.org/x)"),
            "[`Ord`](https://doc.rust-lang.org/x)"
        );
        assert_eq!(prose("an ``a ` b`` span"), "an ``a ` b`` span");
        assert_eq!(prose("already \\[escaped\\]"), "already \\[escaped\\]");
        assert_eq!(prose("`Vec<T>` and Vec<T>"), "`Vec<T>` and Vec&lt;T>");
    }

    #[test]
    fn prose_opens_nothing_else() {
        assert_eq!(
            prose("a crate <script>alert(1)</script> for things"),
            "a crate &lt;script>alert(1)&lt;/script> for things"
        );
        assert_eq!(prose("\\<script>"), "\\\\&lt;script>");
        assert_eq!(
            prose("[[x](https://a.example)](javascript:alert(1))"),
            "\\[[x](https://a.example)\\](javascript:alert(1))"
        );
        assert_eq!(prose("see [docs](javascript:x)"), "see \\[docs\\](javascript:x)");
        assert_eq!(
            prose("![img](https://evil.example/i.png)"),
            "\\![img](https://evil.example/i.png)"
        );
        assert_eq!(
            prose("<https://evil.example/auto>"),
            "&lt;https://evil.example/auto>"
        );
        assert_eq!(prose("[x][ref] and [y]: z"), "\\[x\\]\\[ref\\] and \\[y\\]: z");
        assert_eq!(prose("*em*{: onclick=\"x\"}"), "*em*\\{: onclick=\"x\"\\}");
        assert_eq!(prose("a lone ` tick"), "a lone \\` tick");
        assert_eq!(prose("[a`]`](https://x.org)"), "\\[a`]`\\](https://x.org)");
        assert_eq!(prose("[x](https://x.org/a_(b))"), "\\[x\\](https://x.org/a_(b))");
        assert_eq!(prose("two\nlines"), "two lines");
        assert_eq!(prose("cut [...] here […]"), "cut [...] here […]");
        assert_eq!(
            prose("[...](javascript:x) [...]: x"),
            "\\[...\\](javascript:x) \\[...\\]: x"
        );
    }

    #[test]
    fn quotes_are_one_block_quote_and_escaped_as_a_whole() {
        assert_eq!(blockquote("one\n\ntwo"), "> one\n>\n> two");
        assert_eq!(blockquote("> nested?\n\n\n>"), "> \\> nested?\n>\n>\n> \\>");
        assert_eq!(blockquote("keep  \nhard break"), "> keep  \n> hard break");
        assert_eq!(
            blockquote("[click\n](javascript:alert(document.domain))"),
            "> \\[click\n> \\](javascript:alert(document.domain))"
        );
        assert_eq!(
            blockquote("[ref\n]: javascript:alert(3)\n\n[ref]"),
            "> \\[ref\n> \\]: javascript:alert(3)\n>\n> \\[ref\\]"
        );
        assert_eq!(blockquote("`a\n<b>`"), "> \\`a\n> &lt;b>\\`");
    }

    #[test]
    fn what_a_review_found_in_python_markdown() {
        // Abbreviations and references through a kept elision.
        assert_eq!(
            blockquote("fast...really\n*[...] : evil"),
            "> fast...really\n> *\\[...\\] : evil"
        );
        assert_eq!(
            prose("see [...] [submit_crate](https://a.b/x) now"),
            "see \\[...\\] [submit_crate](https://a.b/x) now"
        );
        // Markup inside code spans that the raw-HTML pass would read.
        assert_eq!(prose("eats `<!--` comments"), "eats \\`&lt;!--\\` comments");
        assert_eq!(prose("see `<a title=\"` here"), "see \\`&lt;a title=\"\\` here");
        assert_eq!(
            prose("`Option<Ref<T>>` and `<T: 'a>`"),
            "`Option<Ref<T>>` and `<T: 'a>`"
        );
        // Footnotes.
        assert_eq!(prose("see [^1](https://a.b/x)"), "see \\[^1\\](https://a.b/x)");
        assert_eq!(
            blockquote("///Footnotes Go Here///"),
            "> &#47;//Footnotes Go Here///"
        );
        // Emphasis inside a name in another script, and a fence in a quote.
        assert_eq!(plain_text("\u{93e}_boo_\u{93e}"), "\u{93e}\\_boo\\_\u{93e}");
        assert_eq!(
            blockquote("~~~ onclick\nalert(1)\n~~~"),
            "> &#126;~~ onclick\n> alert(1)\n> &#126;~~"
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
            link_destination("https://users.rust-lang.org/t/crate-of-the-week/2704/1654"),
            "https://users.rust-lang.org/t/crate-of-the-week/2704/1654"
        );
    }
}
