//! The allowlisted tree: everything a piece of user text may hold in an attribution.
//!
//! There is no variant for HTML, images, autolinks, references, headings, lists or anything
//! else: the parser turns those into `Text` holding what the person typed, so the emitter
//! cannot write them even by mistake.

/// One inline piece of user text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    /// Characters shown as they are (already unescaped: `&` is one `&`).
    Text(String),
    /// A code span's content, trimmed, on one line, and writable for both dialects
    /// (`code_is_writable`); a span that is not becomes `Text` with its backticks.
    Code(String),
    Emphasis(Vec<Inline>),
    Strong(Vec<Inline>),
    /// An inline link to a validated http(s) URL, with visible content.
    Link {
        destination: String,
        content: Vec<Inline>,
    },
    /// A line break that shows as a space (quotes keep the line as typed).
    SoftBreak,
    /// A line break that shows as one (quotes only).
    HardBreak,
}

/// A paragraph of a quote; a pitch or a name is one paragraph.
pub type Paragraph = Vec<Inline>;

/// The visible text of inlines, as a reader sees it (breaks as spaces, code as its content).
pub fn visible_text(inlines: &[Inline]) -> String {
    let mut out = String::new();
    for inline in inlines {
        match inline {
            Inline::Text(t) | Inline::Code(t) => out.push_str(t),
            Inline::Emphasis(c) | Inline::Strong(c) | Inline::Link { content: c, .. } => {
                out.push_str(&visible_text(c))
            }
            Inline::SoftBreak | Inline::HardBreak => out.push(' '),
        }
    }
    out
}

/// Tags Python-Markdown's raw-HTML pass treats as blocks (its `block_level_elements`) or
/// whose content it reads as raw text: written inside a code span, the pass could take them
/// for HTML whenever it misjudges where a line starts.
const RISKY_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "canvas",
    "center",
    "colgroup",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "iframe",
    "legend",
    "li",
    "main",
    "math",
    "menu",
    "nav",
    "noembed",
    "noframes",
    "noscript",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "plaintext",
    "pre",
    "progress",
    "script",
    "section",
    "style",
    "summary",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
    "video",
    "xmp",
];

/// Whether a code span's content can be written as a code span that both dialects read as
/// the same text, inside a whole issue. Python-Markdown reads raw HTML in the whole document
/// before it knows about code spans (Python's `HTMLParser`), so a code span must not hold
/// what that pass could act on:
/// - no `&#`: an incomplete character reference makes the parser lose its place, after which
///   tags inside code spans were taken for raw HTML;
/// - no two backticks in a row;
/// - no `<!` or `<?` (comments, declarations, processing instructions);
/// - every `<` that opens a tag closes within the span, with no quote in it (a quoted value
///   would run on into the rest of the issue), and names no block or raw-text element.
///
/// `Vec<T>`, `Option<&str>`, `<T as Trait>` and `&mut _` stay code.
pub fn code_is_writable(content: &str) -> bool {
    let chars: Vec<char> = content.chars().collect();
    // Two backticks in a row would need a fence of three, which opens a code block when the
    // span starts a line.
    if chars.is_empty()
        || content.contains("&#")
        || content.contains("``")
        || chars.iter().any(|c| c.is_control())
    {
        return false;
    }
    chars.iter().enumerate().all(|(i, &c)| {
        if c != '<' {
            return true;
        }
        match chars.get(i + 1) {
            Some('!' | '?') => false,
            Some(&n) if n.is_ascii_alphabetic() || n == '/' => {
                let rest = &chars[i + 1..];
                let Some(end) = rest.iter().position(|&x| x == '>') else {
                    return false;
                };
                let tag = &rest[..end];
                if tag.iter().any(|&x| x == '"' || x == '\'') {
                    return false;
                }
                let name: String = tag
                    .iter()
                    .skip_while(|&&x| x == '/')
                    .take_while(|x| x.is_ascii_alphanumeric())
                    .collect::<String>()
                    .to_ascii_lowercase();
                !RISKY_TAGS.contains(&name.as_str())
            }
            _ => true,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_in_code_spans_stays_code() {
        for code in [
            "Vec<T>",
            "Option<&str>",
            "<T as Trait>",
            "&mut _",
            "HashMap<K, Vec<u8>>",
            "a < b",
            "x<-y",
        ] {
            assert!(code_is_writable(code), "{code}");
        }
    }

    #[test]
    fn what_the_raw_html_pass_could_act_on_is_not_code() {
        for code in [
            "</p><img src=x onerror=alert(1)>",
            "&#",
            "a &#x b",
            "<!--",
            "<?php",
            "<a title=\"",
            "<T",
            "<div>",
            "</DIV>",
            "<script>",
            "",
        ] {
            assert!(!code_is_writable(code), "{code}");
        }
    }
}
