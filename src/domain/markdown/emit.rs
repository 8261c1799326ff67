//! Emit: the one writer of attribution markdown, from the allowlisted tree.
//!
//! What it writes means the same tree to CommonMark and to Python-Markdown with the
//! extensions This Week in Rust uses (`extra`, `meta`, `toc`, `codehilite`): no character of
//! text can start a construct in either.
//!
//! - Backslash escapes only before characters both honour (Python-Markdown's
//!   `ESCAPED_CHARS` with `extra`: ``\ ` * _ { } [ ] ( ) > # + - . ! |``); `\`, `` ` ``,
//!   `*`, `[`, `]`, `{`, `}` and `|` always, `_` unless it stands between two ASCII letters
//!   or digits (never emphasis there, and names stay readable).
//! - `&` is always `&amp;` and `<` always `&lt;`: no entity, tag, comment or autolink can
//!   start, and Python's `HTMLParser` (Python-Markdown's raw-HTML pass over the whole issue)
//!   never meets an incomplete `&#`.
//! - At the start of a line nothing opens a block: no indentation; `#`, `>`, `-`, `+` and a
//!   number's `.` or `)` escaped; `=`, `:` and `~` (setext underlines, definition lists,
//!   fences, which one dialect has no escape for) as complete numeric references.
//! - Code spans as the tree holds them (`tree::code_is_writable` decided they are safe), with
//!   a fence longer than any backtick run inside.
//! - Links only from the tree (validated http(s)), destinations through `destination`.

use super::tree::{Inline, Paragraph};

/// Where emitted text stands in the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Inside a line the template started (a pitch after "This week's crate is …, ").
    MidLine,
    /// At the start of a line (a credit line of its own).
    LineStart,
}

/// One paragraph (a name, a pitch, a credit line) as markdown on one line.
pub fn line(paragraph: Option<&Paragraph>, place: Place) -> String {
    let mut w = Writer::new("", place == Place::LineStart);
    if let Some(p) = paragraph {
        w.inlines(p);
    }
    w.out
}

/// Paragraphs as one block quote: `> ` before every line, `>` between paragraphs.
pub fn blockquote(paragraphs: &[Paragraph]) -> String {
    let mut w = Writer::new("> ", true);
    w.out.push_str("> ");
    for (n, paragraph) in paragraphs.iter().enumerate() {
        if n > 0 {
            w.trim_trailing_spaces();
            w.out.push_str("\n>\n> ");
            w.line_start = true;
        }
        w.inlines(paragraph);
    }
    w.trim_trailing_spaces();
    w.out
}

/// Python-Markdown's footnotes extension moves the footnotes to wherever this text
/// stands; its first `/` is written as a reference so that it never matches.
const FOOTNOTE_PLACEHOLDER: &str = "///Footnotes Go Here///";

struct Writer {
    out: String,
    /// What starts every line after the first (`"> "` in a quote).
    prefix: &'static str,
    line_start: bool,
}

impl Writer {
    fn new(prefix: &'static str, line_start: bool) -> Writer {
        Writer {
            out: String::new(),
            prefix,
            line_start,
        }
    }

    fn inlines(&mut self, items: &[Inline]) {
        for (k, item) in items.iter().enumerate() {
            match item {
                Inline::Text(t) => {
                    let before_link = matches!(items.get(k + 1), Some(Inline::Link { .. }));
                    self.text(t, before_link);
                }
                Inline::Code(c) => self.code(c),
                Inline::Emphasis(c) => self.wrapped("*", c),
                Inline::Strong(c) => self.wrapped("**", c),
                Inline::Link {
                    destination: d,
                    content,
                } => {
                    self.raw("[");
                    self.inlines(content);
                    self.raw("](");
                    self.raw(&destination(d));
                    self.raw(")");
                }
                Inline::SoftBreak => self.newline(false),
                Inline::HardBreak => self.newline(true),
            }
        }
    }

    fn wrapped(&mut self, delimiter: &str, content: &[Inline]) {
        self.raw(delimiter);
        self.inlines(content);
        self.raw(delimiter);
    }

    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
        self.line_start = false;
    }

    /// Spaces at a line's end would make (or unmake) a hard break.
    fn trim_trailing_spaces(&mut self) {
        self.out.truncate(self.out.trim_end_matches(' ').len());
    }

    fn newline(&mut self, hard: bool) {
        self.trim_trailing_spaces();
        if hard {
            self.out.push_str("  ");
        }
        self.out.push('\n');
        self.out.push_str(self.prefix);
        self.line_start = true;
    }

    fn code(&mut self, content: &str) {
        let longest = content.split(|c| c != '`').map(str::len).max().unwrap_or(0);
        let fence = "`".repeat(longest + 1);
        let pad = if content.starts_with('`') || content.ends_with('`') {
            " "
        } else {
            ""
        };
        self.raw(&format!("{fence}{pad}{content}{pad}{fence}"));
    }

    fn text(&mut self, text: &str, before_link: bool) {
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if self.line_start {
                if c == ' ' {
                    i += 1;
                    continue;
                }
                if let Some(next) = self.line_opening(&chars[i..]) {
                    i += next;
                    continue;
                }
            }
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            match c {
                '\\' | '`' | '*' | '[' | ']' | '{' | '}' | '|' => {
                    self.out.push('\\');
                    self.out.push(c);
                }
                '_' if prev.is_some_and(|p| p.is_ascii_alphanumeric())
                    && next.is_some_and(|n| n.is_ascii_alphanumeric()) =>
                {
                    self.out.push('_')
                }
                '_' => self.out.push_str("\\_"),
                '<' => self.out.push_str("&lt;"),
                '&' => self.out.push_str("&amp;"),
                '!' if next.is_none() && before_link => self.out.push_str("\\!"),
                '/' if chars[i..]
                    .iter()
                    .copied()
                    .take(23)
                    .eq(FOOTNOTE_PLACEHOLDER.chars()) =>
                {
                    self.out.push_str("&#47;")
                }
                c => self.out.push(c),
            }
            self.line_start = false;
            i += 1;
        }
    }

    /// Writes what would open a block at the start of a line so that it opens none; returns
    /// how many characters it wrote, or `None` when the line starts with nothing of the kind.
    fn line_opening(&mut self, rest: &[char]) -> Option<usize> {
        let written = match rest[0] {
            '#' | '>' | '-' | '+' => format!("\\{}", rest[0]),
            '=' => "&#61;".into(),
            ':' => "&#58;".into(),
            '~' => "&#126;".into(),
            d if d.is_ascii_digit() => {
                let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
                match rest.get(digits) {
                    Some('.' | ')') => {
                        let number: String = rest[..digits].iter().collect();
                        self.raw(&format!("{number}\\{}", rest[digits]));
                        return Some(digits + 1);
                    }
                    _ => return None,
                }
            }
            _ => return None,
        };
        self.raw(&written);
        Some(1)
    }
}

/// A link destination: an http(s) URL, with every character that could end the destination,
/// start a title, or start an entity or a reference in either dialect percent-encoded;
/// anything else becomes `#`.
pub fn destination(url: &str) -> String {
    let url = url.trim();
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => {
            let chars: Vec<char> = url.chars().collect();
            let mut out = String::with_capacity(url.len());
            for (i, &c) in chars.iter().enumerate() {
                if is_url_char(c) && !(c == '&' && opens_reference(&chars[i + 1..])) {
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

/// After a `&`: whether it would read as a character reference (`&lt;`, `&#60;`) or leave
/// Python's `HTMLParser` an incomplete `&#`.
fn opens_reference(rest: &[char]) -> bool {
    if rest.first() == Some(&'#') {
        return true;
    }
    let name = rest.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    name > 0 && rest.get(name) == Some(&';')
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
