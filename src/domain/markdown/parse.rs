//! Parse: what a person typed, read as CommonMark (pulldown-cmark), kept only as the
//! allowlisted tree. Every construct outside the allowlist becomes the text that was typed
//! for it, so what a reader sees is what the person wrote, never what it could do.

use super::tree::{code_is_writable, Inline, Paragraph};
use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};
use std::ops::Range;

/// What a field may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A name, an author, where it was said, a credit line: text only, on one line, exactly as
    /// typed (not read as markdown at all).
    Name,
    /// A pitch or a `why`: one line; code spans, emphasis and inline http(s) links.
    Prose,
    /// A quote: paragraphs and line breaks besides what prose holds.
    Quote,
}

/// What a pitch is read after: plain text that starts a paragraph.
const SENTENCE: &str = "x ";

/// `text` as the allowlisted tree of a field of `kind`.
pub fn parse(text: &str, kind: Kind) -> Vec<Paragraph> {
    match kind {
        Kind::Name => {
            let line = one_line(text).split_whitespace().collect::<Vec<_>>().join(" ");
            if line.is_empty() {
                Vec::new()
            } else {
                vec![vec![Inline::Text(line)]]
            }
        }
        Kind::Prose => {
            // A pitch completes "This week's crate is NAME, …": it is read where it stands,
            // inside a line, so nothing in it can open a block.
            let line = format!("{SENTENCE}{}", one_line(text).trim_matches(' '));
            let mut paragraphs = Reader::new(&line).paragraphs();
            let mut line = paragraphs.pop().unwrap_or_default();
            debug_assert!(
                paragraphs.is_empty(),
                "one line inside a sentence is one paragraph"
            );
            // The sentence's start is the first text (its space gone when nothing follows).
            if let Some(Inline::Text(t)) = line.first_mut() {
                let sentence = SENTENCE.trim_end();
                if t.starts_with(sentence) {
                    t.drain(..sentence.len());
                    if t.starts_with(' ') {
                        t.remove(0);
                    }
                }
                if t.is_empty() {
                    line.remove(0);
                }
            }
            trim_end(&mut line);
            if line.is_empty() {
                Vec::new()
            } else {
                vec![line]
            }
        }
        Kind::Quote => Reader::new(&without_controls(text)).paragraphs(),
    }
}

/// A character of text as the tree holds it: tabs and the line and paragraph separators as
/// spaces (Python splits lines at the separators, CommonMark does not), other control characters
/// dropped (Python-Markdown keeps its own placeholders in `\x02…\x03`, and neither dialect shows
/// the others). Line breaks are the tree's own, so a newline is a space here too.
fn text_char(c: char) -> Option<char> {
    match c {
        '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => Some(' '),
        c if c.is_control() => None,
        c => Some(c),
    }
}

/// What was typed, as `text_char` keeps it but with its newlines (the parser reads them).
fn without_controls(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\n' | '\r' => Some('\n'),
            c => text_char(c),
        })
        .collect()
}

fn one_line(text: &str) -> String {
    without_controls(text).replace('\n', " ")
}

/// Appends `inline`, joining neighbouring text.
fn push(out: &mut Vec<Inline>, inline: Inline) {
    match inline {
        Inline::Text(t) => push_text(out, &t),
        other => out.push(other),
    }
}

fn push_text(out: &mut Vec<Inline>, text: &str) {
    // Character references can spell what the input may not hold (`&#1;`, `&#10;`).
    let text: String = text.chars().filter_map(text_char).collect();
    if text.is_empty() {
        return;
    }
    if let Some(Inline::Text(last)) = out.last_mut() {
        last.push_str(&text);
    } else {
        out.push(Inline::Text(text));
    }
}

/// Spaces at a line's end show nothing, and written before a line break they would make it
/// hard: no text ends a line with them.
fn trim_end(out: &mut Vec<Inline>) {
    if let Some(Inline::Text(t)) = out.last_mut() {
        t.truncate(t.trim_end_matches(' ').len());
        if t.is_empty() {
            out.pop();
        }
    }
}

fn push_break(out: &mut Vec<Inline>, brk: Inline) {
    trim_end(out);
    out.push(brk);
}

/// Text typed for a construct the tree does not allow, inside a line: its lines kept apart by
/// soft breaks, each continuation line's indentation dropped.
fn literal_inlines(out: &mut Vec<Inline>, source: &str) {
    for (n, line) in source.split('\n').enumerate() {
        if n > 0 {
            push_break(out, Inline::SoftBreak);
            push_text(out, line.trim_start());
        } else {
            push_text(out, line);
        }
    }
}

/// Paragraphs put together from inline runs and the literal text between them.
#[derive(Default)]
struct Builder {
    paragraphs: Vec<Paragraph>,
    current: Paragraph,
    /// A line ended since the last content: the next content starts on a line of its own.
    newline: bool,
}

impl Builder {
    fn start_content(&mut self) {
        if std::mem::take(&mut self.newline) && !self.current.is_empty() {
            push_break(&mut self.current, Inline::HardBreak);
        }
    }

    fn end_paragraph(&mut self) {
        self.newline = false;
        while matches!(self.current.last(), Some(Inline::SoftBreak | Inline::HardBreak)) {
            self.current.pop();
        }
        trim_end(&mut self.current);
        if !self.current.is_empty() {
            self.paragraphs.push(std::mem::take(&mut self.current));
        }
    }

    /// Source text that no allowed construct holds (a list's markers, a heading's `#`, a code
    /// block, a reference definition): its lines as lines, a blank line as a paragraph break.
    fn literal(&mut self, text: &str) {
        let lines: Vec<&str> = text.split('\n').collect();
        for (n, line) in lines.iter().enumerate() {
            let complete = n + 1 < lines.len();
            if n > 0 {
                if complete && line.trim().is_empty() {
                    self.end_paragraph();
                    continue;
                }
                self.newline = true;
            }
            // Indentation at a line's start is layout (an indented code block), not text.
            let at_line_start = n > 0 || self.newline || self.current.is_empty();
            let line = if at_line_start { line.trim_start() } else { line };
            if !line.trim().is_empty() {
                self.start_content();
                push_text(&mut self.current, line);
            }
        }
    }

    fn inlines(&mut self, inlines: Paragraph) {
        self.start_content();
        for inline in inlines {
            push(&mut self.current, inline);
        }
    }

    fn finish(mut self) -> Vec<Paragraph> {
        self.end_paragraph();
        self.paragraphs
    }
}

/// Emphasis as it can be written without ambiguity. Delimiters that touch (`**x*`, `*a**b*`,
/// `***x***`) are read differently by CommonMark's delimiter rules and Python-Markdown's
/// patterns, so no emphasis or strong may start or end with, or directly follow, another:
/// emphasis inside emphasis (and strong inside strong) is unwrapped, as it looks the same;
/// neighbours of one kind are joined; where an emphasis and a strong touch, the inner or
/// later one's text is kept without its own style.
fn tidy(items: Vec<Inline>, in_emphasis: bool, in_strong: bool) -> Vec<Inline> {
    let styled = |i: &Inline| matches!(i, Inline::Emphasis(_) | Inline::Strong(_));
    let mut out: Vec<Inline> = Vec::new();
    for item in items {
        let item = match item {
            Inline::Emphasis(c) => Inline::Emphasis(tidy(c, true, in_strong)),
            Inline::Strong(c) => Inline::Strong(tidy(c, in_emphasis, true)),
            Inline::Link { destination, content } => Inline::Link {
                destination,
                content: tidy(content, in_emphasis, in_strong),
            },
            other => other,
        };
        let unwrap = match &item {
            Inline::Emphasis(c) => {
                in_emphasis || c.first().is_some_and(styled) || c.last().is_some_and(styled)
            }
            Inline::Strong(c) => in_strong || c.first().is_some_and(styled) || c.last().is_some_and(styled),
            _ => false,
        };
        match (item, out.last_mut()) {
            (Inline::Emphasis(c) | Inline::Strong(c), _) if unwrap => splice(&mut out, c),
            (Inline::Emphasis(c), Some(Inline::Emphasis(previous)))
            | (Inline::Strong(c), Some(Inline::Strong(previous))) => splice(previous, c),
            (Inline::Emphasis(c) | Inline::Strong(c), Some(previous)) if styled(previous) => {
                splice(&mut out, c)
            }
            (item, _) => push(&mut out, item),
        }
    }
    out
}

/// `items` added to `out` as they are, unstyled by whatever held them.
fn splice(out: &mut Vec<Inline>, items: Vec<Inline>) {
    for item in items {
        push(out, item);
    }
}

/// Events that belong inside a line: everything but blocks.
fn is_inline(event: &Event<'_>) -> bool {
    match event {
        Event::Start(tag) => matches!(
            tag,
            Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Link { .. }
                | Tag::Image { .. }
        ),
        Event::End(tag) => matches!(
            tag,
            TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript
                | TagEnd::Link
                | TagEnd::Image
        ),
        Event::Text(_)
        | Event::Code(_)
        | Event::InlineMath(_)
        | Event::DisplayMath(_)
        | Event::InlineHtml(_)
        | Event::FootnoteReference(_)
        | Event::SoftBreak
        | Event::HardBreak
        | Event::TaskListMarker(_) => true,
        Event::Html(_) | Event::Rule => false,
    }
}

/// The events of one parse, with their source ranges.
struct Reader<'s> {
    source: &'s str,
    events: Vec<(Event<'s>, Range<usize>)>,
}

enum Frame {
    Emphasis(Vec<Inline>),
    Strong(Vec<Inline>),
    Link(String, Vec<Inline>),
}

impl<'s> Reader<'s> {
    fn new(source: &'s str) -> Reader<'s> {
        // CommonMark only: no tables, footnotes, strikethrough or other extensions.
        let events = Parser::new_ext(source, Options::empty())
            .into_offset_iter()
            .collect();
        Reader { source, events }
    }

    /// The index of the `End` matching the `Start` at `start`.
    fn end_of(&self, start: usize) -> usize {
        let mut depth = 0usize;
        for (i, (event, _)) in self.events.iter().enumerate().skip(start) {
            match event {
                Event::Start(_) => depth += 1,
                Event::End(_) => {
                    depth -= 1;
                    if depth == 0 {
                        return i;
                    }
                }
                _ => {}
            }
        }
        self.events.len() - 1
    }

    /// The text as paragraphs: each run of inline events (a paragraph's, a heading's, a list
    /// item's content) read as inlines; the source between runs (markers, code and HTML
    /// blocks, reference definitions, which CommonMark reads without an event) as typed.
    fn paragraphs(&self) -> Vec<Paragraph> {
        let mut out = Builder::default();
        let mut cursor = 0;
        let mut i = 0;
        while i < self.events.len() {
            let (event, span) = &self.events[i];
            if matches!(event, Event::Start(Tag::CodeBlock(_) | Tag::HtmlBlock)) {
                // Left to the next gap: its lines are text as typed.
                i = self.end_of(i) + 1;
                continue;
            }
            if !is_inline(event) {
                i += 1;
                continue;
            }
            let run_end = (i..self.events.len())
                .find(|&k| !is_inline(&self.events[k].0))
                .unwrap_or(self.events.len());
            out.literal(&self.source[cursor..self.typed_start(span.start).max(cursor)]);
            out.inlines(self.inlines(i..run_end));
            cursor = self.events[i..run_end]
                .iter()
                .map(|(_, r)| r.end)
                .max()
                .unwrap_or(cursor)
                .max(cursor);
            i = run_end;
        }
        out.literal(&self.source[cursor..]);
        out.finish()
    }

    /// The inlines of the events in `range` (a paragraph's content).
    fn inlines(&self, range: Range<usize>) -> Paragraph {
        let mut stack: Vec<Frame> = Vec::new();
        let mut out: Vec<Inline> = Vec::new();
        let mut i = range.start;
        let mut after_break: Option<usize> = None;
        while i < range.end {
            let (event, span) = &self.events[i];
            let target = match stack.last_mut() {
                Some(Frame::Emphasis(c) | Frame::Strong(c) | Frame::Link(_, c)) => c,
                None => &mut out,
            };
            // What starts the next line but is no event: a nested quote's `>`, as typed.
            if let Some(line_start) = after_break.take() {
                let start = self.typed_start(span.start);
                if start > line_start {
                    push_text(target, self.source[line_start..start].trim_start());
                }
            }
            if matches!(event, Event::SoftBreak | Event::HardBreak) {
                after_break = Some(span.end);
            }
            match event {
                Event::Text(t) => push_text(target, t),
                Event::Code(code) => {
                    let content = code.trim();
                    if code_is_writable(content) {
                        target.push(Inline::Code(content.to_string()));
                    } else {
                        literal_inlines(target, &self.source[span.clone()]);
                    }
                }
                Event::SoftBreak => push_break(target, Inline::SoftBreak),
                Event::HardBreak => push_break(target, Inline::HardBreak),
                Event::Start(Tag::Emphasis) => stack.push(Frame::Emphasis(Vec::new())),
                Event::Start(Tag::Strong) => stack.push(Frame::Strong(Vec::new())),
                Event::Start(Tag::Link {
                    link_type: LinkType::Inline,
                    dest_url,
                    ..
                }) if keepable_destination(dest_url) && self.has_visible_content(i) => {
                    stack.push(Frame::Link(dest_url.to_string(), Vec::new()))
                }
                Event::Start(_) => {
                    // An image, an autolink, a reference link or a link elsewhere: as typed.
                    let end = self.end_of(i);
                    literal_inlines(target, &self.source[span.clone()]);
                    i = end;
                }
                Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Link) => {
                    let inline = match stack.pop() {
                        Some(Frame::Emphasis(c)) => Inline::Emphasis(c),
                        Some(Frame::Strong(c)) => Inline::Strong(c),
                        Some(Frame::Link(destination, content)) => Inline::Link { destination, content },
                        None => continue,
                    };
                    let parent = match stack.last_mut() {
                        Some(Frame::Emphasis(c) | Frame::Strong(c) | Frame::Link(_, c)) => c,
                        None => &mut out,
                    };
                    parent.push(inline);
                }
                // Inline HTML, footnote references and whatever else: the text typed.
                _ => literal_inlines(target, &self.source[span.clone()]),
            }
            i += 1;
        }
        tidy(out, false, false)
    }

    /// Where the text of an event starting at `pos` was typed: CommonMark's text for an
    /// escaped character starts after its backslash, which is no literal text of its own.
    fn typed_start(&self, pos: usize) -> usize {
        let escaped = self.source[..pos].ends_with('\\')
            && self.source[pos..].starts_with(|c: char| c.is_ascii_punctuation());
        if escaped {
            pos - 1
        } else {
            pos
        }
    }

    /// Whether the link starting at `start` shows something (an empty link text is not kept).
    fn has_visible_content(&self, start: usize) -> bool {
        let end = self.end_of(start);
        self.events[start + 1..end].iter().any(|(e, _)| match e {
            Event::Text(t) | Event::Code(t) => !t.trim().is_empty(),
            _ => false,
        })
    }
}

/// A typed destination kept as a link: an http(s) URL with a host that the validator accepts.
fn keepable_destination(url: &str) -> bool {
    crate::domain::validate::http_url(url).is_ok() && url.trim() == url
}

#[cfg(test)]
mod tests {
    use super::*;
    use Inline::*;

    fn t(s: &str) -> Inline {
        Text(s.into())
    }

    #[test]
    fn prose_keeps_the_allowed_constructs() {
        assert_eq!(
            parse(
                "a `Vec<T>` *fast* **very** [docs](https://docs.rs/x)",
                Kind::Prose
            ),
            vec![vec![
                t("a "),
                Code("Vec<T>".into()),
                t(" "),
                Emphasis(vec![t("fast")]),
                t(" "),
                Strong(vec![t("very")]),
                t(" "),
                Link {
                    destination: "https://docs.rs/x".into(),
                    content: vec![t("docs")]
                },
            ]]
        );
    }

    #[test]
    fn everything_else_is_what_was_typed() {
        let prose = |s: &str| parse(s, Kind::Prose);
        assert_eq!(prose("<b>x</b>"), vec![vec![t("<b>x</b>")]]);
        assert_eq!(
            prose("![i](https://e.x/i.png)"),
            vec![vec![t("![i](https://e.x/i.png)")]]
        );
        assert_eq!(prose("<https://e.x>"), vec![vec![t("<https://e.x>")]]);
        assert_eq!(
            prose("[x](javascript:alert(1))"),
            vec![vec![t("[x](javascript:alert(1))")]]
        );
        assert_eq!(prose("# not a heading"), vec![vec![t("# not a heading")]]);
        assert_eq!(prose("- not a list"), vec![vec![t("- not a list")]]);
        assert_eq!(prose("[a]: https://e.x"), vec![vec![t("[a]: https://e.x")]]);
        assert_eq!(prose("uses \\<GitHub\\>"), vec![vec![t("uses <GitHub>")]]);
        assert_eq!(prose("&amp; &#60;"), vec![vec![t("& <")]]);
        assert_eq!(prose("a&#1;b&#10;c"), vec![vec![t("ab c")]]);
        assert_eq!(
            prose("a &#`</p><img src=x onerror=alert(1)>` b"),
            vec![vec![t("a &#`</p><img src=x onerror=alert(1)>` b")]]
        );
    }

    #[test]
    fn quotes_keep_paragraphs_and_lines() {
        assert_eq!(
            parse(
                "one\ntwo  \nthree\n\n# four\n- *five*\n- six\n\n> deeper\n> still",
                Kind::Quote
            ),
            vec![
                vec![t("one"), SoftBreak, t("two"), HardBreak, t("three")],
                vec![
                    t("# four"),
                    HardBreak,
                    t("- "),
                    Emphasis(vec![t("five")]),
                    HardBreak,
                    t("- six")
                ],
                vec![t("> deeper"), SoftBreak, t("> still")],
            ]
        );
    }

    #[test]
    fn names_are_text_only() {
        assert_eq!(
            parse("  *Ferris*\n the `crab` ", Kind::Name),
            vec![vec![t("*Ferris* the `crab`")]]
        );
        assert_eq!(parse(" \u{2} ", Kind::Name), Vec::<Paragraph>::new());
    }

    #[test]
    fn no_emphasis_touches_another() {
        let prose = |s: &str| parse(s, Kind::Prose);
        assert_eq!(prose("***x***"), vec![vec![Strong(vec![t("x")])]]);
        assert_eq!(
            prose("*a **b** c*"),
            vec![vec![Emphasis(vec![t("a "), Strong(vec![t("b")]), t(" c")])]]
        );
        assert_eq!(
            prose("**\u{202e}*`\u{202e}*["),
            vec![vec![Emphasis(vec![t("\u{202e}`\u{202e}")]), t("[")]]
        );
        assert_eq!(prose("*a*_b_"), vec![vec![Emphasis(vec![t("ab")])]]);
        assert_eq!(prose("*a***b**"), vec![vec![Emphasis(vec![t("a")]), t("b")]]);
    }
}
