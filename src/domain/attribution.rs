//! The markdown This Week in Rust prints for Crate and Quote of the Week (SPEC §4).
//!
//! Wording lives in `templates/attribution/*.hbs` (editable, see `TEMPLATES_DIR`); this module
//! owns the escaping, so user text cannot break the markdown: names and authors come out
//! literally (no links or formatting can be injected), pitches and quotes keep their code
//! spans and emphasis but cannot open links, raw HTML or nested block quotes, and links are
//! built only from validated http(s) URLs.

use handlebars::{Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderErrorReason};
use serde::Serialize;
use std::path::Path;

/// One person thanked, and where their nomination lives.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Credit {
    pub name: String,
    pub permalink: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CrateAttribution {
    pub name: String,
    pub url: String,
    pub pitch: String,
    pub nominators: Vec<Credit>,
    pub self_suggestion: bool,
    /// No suggestions: the editor chose (their name in `editor`).
    pub editors_choice: bool,
    pub editor: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuoteAttribution {
    pub text: String,
    pub author: String,
    #[serde(rename = "where")]
    pub where_said: String,
    pub url: String,
    pub nominators: Vec<Credit>,
    pub self_suggestion: bool,
    pub editors_choice: bool,
    pub editor: String,
}

/// Escape text that must appear literally (a name, an author): every character that could open
/// a link, code, emphasis or HTML gets a backslash; `_` only where it could start or end
/// emphasis. Parentheses are harmless once brackets are escaped, so they stay as typed.
pub fn escape_literal(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let intraword = |i: usize| {
            i > 0
                && chars.get(i - 1).is_some_and(|p| p.is_alphanumeric())
                && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric())
        };
        let special =
            matches!(c, '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '~') || (c == '_' && !intraword(i));
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escape markdown text written by a person (a pitch, a line of a quote): code spans, existing
/// backslash escapes, emphasis and inline links to http(s) URLs are kept as typed; brackets that
/// would open any other link or reference, images and `<` (raw HTML) are escaped. Unpaired
/// backticks are escaped.
pub fn escape_inline(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && chars.get(i + 1).is_some_and(|n| n.is_ascii_punctuation()) {
            out.push(c);
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == '`' {
            let run = chars[i..].iter().take_while(|&&x| x == '`').count();
            if let Some(end) = closing_backticks(&chars, i + run, run) {
                out.extend(&chars[i..end + run]);
                i = end + run;
            } else {
                for _ in 0..run {
                    out.push_str("\\`");
                }
                i += run;
            }
            continue;
        }
        if c == '!' && chars.get(i + 1) == Some(&'[') {
            // No images: a picture in the issue is the editors' choice, not a nominator's.
            out.push_str("\\!");
            i += 1;
            continue;
        }
        if c == '[' {
            if let Some((close, end)) = safe_link_end(&chars, i) {
                let text: String = chars[i + 1..close].iter().collect();
                out.push('[');
                out.push_str(&escape_inline(&text));
                out.extend(&chars[close..end]);
                i = end;
                continue;
            }
            // Brackets that would open a link or a reference are escaped; others stay.
            if let Some(close) = chars[i + 1..].iter().position(|&x| x == ']').map(|p| p + i + 1) {
                if matches!(chars.get(close + 1), Some('(' | '[' | ':')) {
                    let inner: String = chars[i + 1..close].iter().collect();
                    out.push_str("\\[");
                    out.push_str(&escape_inline(&inner));
                    out.push_str("\\]");
                    i = close + 1;
                    continue;
                }
            }
        }
        if c == '<' {
            out.push('\\');
        }
        out.push(c);
        i += 1;
    }
    out
}

/// If `[text](url)` with an http(s) URL starts at `start`: where its `]` is and where it ends.
fn safe_link_end(chars: &[char], start: usize) -> Option<(usize, usize)> {
    let close = start + 1 + chars[start + 1..].iter().position(|&c| matches!(c, ']' | '['))?;
    if chars[close] != ']' || chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let url_start = close + 2;
    let url_end = url_start
        + chars[url_start..]
            .iter()
            .position(|&c| c == ')' || c.is_whitespace())?;
    if chars[url_end] != ')' {
        return None;
    }
    let url: String = chars[url_start..url_end].iter().collect();
    crate::domain::validate::http_url(&url).ok()?;
    Some((close, url_end + 1))
}

/// Where a run of exactly `run` backticks starts at or after `from`, if anywhere.
fn closing_backticks(chars: &[char], from: usize, run: usize) -> Option<usize> {
    let mut j = from;
    while j < chars.len() {
        if chars[j] == '`' {
            let len = chars[j..].iter().take_while(|&&x| x == '`').count();
            if len == run {
                return Some(j);
            }
            j += len;
        } else {
            j += 1;
        }
    }
    None
}

/// A quote as a markdown block quote: every line prefixed, blank lines kept inside the quote
/// as `>`, and a line that starts with `>` escaped so it cannot nest a quote.
pub fn blockquote(text: &str) -> String {
    text.replace("\r\n", "\n")
        .trim_matches('\n')
        .lines()
        .map(|line| {
            if line.trim().is_empty() {
                ">".to_string()
            } else {
                let escaped = escape_inline(line);
                let body = match escaped.strip_prefix('>') {
                    Some(rest) => format!("\\>{rest}"),
                    None => escaped,
                };
                format!("> {body}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A link destination: only http(s) URLs; characters that could end the destination encoded.
pub fn link_destination(url: &str) -> String {
    match url::Url::parse(url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => url
            .trim()
            .replace(' ', "%20")
            .replace('(', "%28")
            .replace(')', "%29")
            .replace('<', "%3C")
            .replace('>', "%3E"),
        _ => "#".to_string(),
    }
}

/// "[A](a)", "[A](a) and [B](b)", "[A](a), [B](b) and [C](c)".
pub fn credit_list(credits: &[Credit]) -> String {
    let links: Vec<String> = credits
        .iter()
        .map(|c| {
            format!(
                "[{}]({})",
                escape_literal(&c.name),
                link_destination(&c.permalink)
            )
        })
        .collect();
    match links.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

const TEMPLATES: &[(&str, &str)] = &[
    (
        "attribution/crate",
        include_str!("../../templates/attribution/crate.hbs"),
    ),
    (
        "attribution/quote",
        include_str!("../../templates/attribution/quote.hbs"),
    ),
    (
        "attribution/crate_section",
        include_str!("../../templates/attribution/crate_section.hbs"),
    ),
    (
        "attribution/quote_section",
        include_str!("../../templates/attribution/quote_section.hbs"),
    ),
];

/// Renders attribution markdown from the (possibly operator-edited) templates.
pub struct Renderer {
    hb: Handlebars<'static>,
}

fn string_param(h: &Helper<'_>) -> Result<String, RenderErrorReason> {
    Ok(h.param(0)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("markdown helper", 0))?
        .value()
        .as_str()
        .unwrap_or_default()
        .to_string())
}

macro_rules! text_helper {
    ($name:ident, $f:expr) => {
        fn $name(
            h: &Helper<'_>,
            _: &Handlebars<'_>,
            _: &Context,
            _: &mut RenderContext<'_, '_>,
            out: &mut dyn Output,
        ) -> HelperResult {
            let value = string_param(h)?;
            out.write(&$f(&value))?;
            Ok(())
        }
    };
}

text_helper!(inline_helper, escape_inline);
text_helper!(blockquote_helper, blockquote);
text_helper!(link_helper, link_destination);

fn credits_helper(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let value = h
        .param(0)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("credits", 0))?
        .value()
        .clone();
    let credits: Vec<Credit> = serde_json::from_value(value).unwrap_or_default();
    out.write(&credit_list(&credits))?;
    Ok(())
}

impl Renderer {
    /// The embedded templates, each replaced by `DIR/attribution/NAME.hbs` when that exists.
    pub fn new(override_dir: Option<&Path>) -> anyhow::Result<Renderer> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        // The output is markdown, not HTML: `{{value}}` gets markdown escaping.
        hb.register_escape_fn(escape_literal);
        hb.register_helper("inline", Box::new(inline_helper));
        hb.register_helper("blockquote", Box::new(blockquote_helper));
        hb.register_helper("link", Box::new(link_helper));
        hb.register_helper("credits", Box::new(credits_helper));
        for (name, source) in TEMPLATES {
            let custom = override_dir
                .map(|d| d.join(format!("{name}.hbs")))
                .filter(|p| p.is_file());
            let text = match custom {
                Some(path) => std::fs::read_to_string(path)?,
                None => source.to_string(),
            };
            hb.register_template_string(name, text)
                .map_err(|e| anyhow::anyhow!("attribution template {name}: {e}"))?;
        }
        Ok(Renderer { hb })
    }

    fn render(&self, name: &str, data: &impl Serialize) -> String {
        // Templates were checked at start and the data always has every field.
        self.hb
            .render(name, data)
            .unwrap_or_else(|e| format!("<!-- attribution template {name} failed: {e} -->"))
            .trim()
            .to_string()
    }

    pub fn crate_entry(&self, a: &CrateAttribution) -> String {
        self.render("attribution/crate", a)
    }

    pub fn quote_entry(&self, a: &QuoteAttribution) -> String {
        self.render("attribution/quote", a)
    }

    pub fn crate_section(&self, a: &CrateAttribution, submit_url: &str) -> String {
        self.render("attribution/crate_section", &with_submit(a, submit_url))
    }

    pub fn quote_section(&self, a: &QuoteAttribution, submit_url: &str) -> String {
        self.render("attribution/quote_section", &with_submit(a, submit_url))
    }
}

fn with_submit(a: &impl Serialize, submit_url: &str) -> serde_json::Value {
    let mut v = serde_json::to_value(a).expect("plain data serializes");
    v["submit_url"] = serde_json::json!(submit_url);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credit(name: &str, id: u32) -> Credit {
        Credit {
            name: name.into(),
            permalink: format!("https://picks.example/nominations/{id}"),
        }
    }

    fn crate_of(nominators: Vec<Credit>) -> CrateAttribution {
        CrateAttribution {
            name: "literator".into(),
            url: "https://crates.io/crates/literator".into(),
            pitch: "a crate for `Display`ing iterators".into(),
            nominators,
            self_suggestion: false,
            editors_choice: false,
            editor: String::new(),
        }
    }

    #[test]
    fn one_two_and_many_nominators() {
        let r = Renderer::new(None).unwrap();
        assert_eq!(
            r.crate_entry(&crate_of(vec![credit("Alice", 1)])),
            "This week's crate is [literator](https://crates.io/crates/literator), a crate for `Display`ing iterators.\n\nThanks to [Alice](https://picks.example/nominations/1) for the suggestion!"
        );
        assert!(r
            .crate_entry(&crate_of(vec![credit("Alice", 1), credit("Bob", 1)]))
            .ends_with("Thanks to [Alice](https://picks.example/nominations/1) and [Bob](https://picks.example/nominations/1) for the suggestion!"));
        assert!(r
            .crate_entry(&crate_of(vec![credit("A", 1), credit("B", 1), credit("C", 1)]))
            .contains("Thanks to [A](https://picks.example/nominations/1), [B](https://picks.example/nominations/1) and [C](https://picks.example/nominations/1) for"));
    }

    #[test]
    fn self_suggestion_and_editors_choice() {
        let r = Renderer::new(None).unwrap();
        let mut a = crate_of(vec![credit("Alice", 1)]);
        a.self_suggestion = true;
        assert!(r.crate_entry(&a).ends_with("for the self-suggestion!"));
        let mut a = crate_of(vec![]);
        a.editors_choice = true;
        a.editor = "llogiq".into();
        assert!(r
            .crate_entry(&a)
            .ends_with("\n\nDespite a lack of suggestions, llogiq is pleased with their choice."));
    }

    #[test]
    fn names_cannot_inject_links_or_formatting() {
        assert_eq!(
            escape_literal("[x](javascript:alert(1))"),
            "\\[x\\](javascript:alert(1))"
        );
        assert_eq!(
            escape_literal("*bold* `code` <b>"),
            "\\*bold\\* \\`code\\` \\<b\\>"
        );
        assert_eq!(escape_literal("snake_case _lead"), "snake_case \\_lead");
        assert_eq!(escape_literal("two\n\nlines"), "two lines");
        let r = Renderer::new(None).unwrap();
        let out = r.crate_entry(&crate_of(vec![credit("[x](javascript:alert(1))", 1)]));
        assert!(
            out.contains("Thanks to [\\[x\\](javascript:alert(1))](https://picks.example/nominations/1)"),
            "{out}"
        );
    }

    #[test]
    fn pitches_keep_code_spans_but_open_no_links() {
        assert_eq!(escape_inline("a `#[safe]` attribute"), "a `#[safe]` attribute");
        assert_eq!(
            escape_inline("see [docs](javascript:x)"),
            "see \\[docs\\](javascript:x)"
        );
        assert_eq!(
            escape_inline("see [docs](https://docs.rs/x)."),
            "see [docs](https://docs.rs/x)."
        );
        assert_eq!(
            escape_inline("![img](https://x.org/a.png)"),
            "\\![img](https://x.org/a.png)"
        );
        assert_eq!(
            escape_inline("[a [b](https://x.org)"),
            "\\[a [b\\](https://x.org)"
        );
        assert_eq!(
            escape_inline("[`Ord`](https://doc.rust-lang.org/x)"),
            "[`Ord`](https://doc.rust-lang.org/x)"
        );
        assert_eq!(escape_inline("[<b>](https://x.org)"), "[\\<b>](https://x.org)");
        assert_eq!(escape_inline("cut [...] here"), "cut [...] here");
        assert_eq!(
            escape_inline("[x][ref] and [y]: z"),
            "\\[x\\][ref] and \\[y\\]: z"
        );
        assert_eq!(escape_inline("an ``a ` b`` span"), "an ``a ` b`` span");
        assert_eq!(escape_inline("a lone ` tick"), "a lone \\` tick");
        assert_eq!(escape_inline("already \\[escaped\\]"), "already \\[escaped\\]");
        assert_eq!(escape_inline("<script>"), "\\<script>");
        assert_eq!(escape_inline("*really* fast"), "*really* fast");
    }

    #[test]
    fn quotes_stay_one_block_quote() {
        assert_eq!(blockquote("one\n\ntwo"), "> one\n>\n> two");
        assert_eq!(blockquote("> nested?\n\n\n>"), "> \\> nested?\n>\n>\n> \\>");
        assert_eq!(blockquote("keep  \nhard break"), "> keep  \n> hard break");
    }

    #[test]
    fn links_only_from_http_urls() {
        assert_eq!(link_destination("javascript:alert(1)"), "#");
        assert_eq!(link_destination("https://x.org/a_(b)"), "https://x.org/a_%28b%29");
    }

    #[test]
    fn whole_sections() {
        let r = Renderer::new(None).unwrap();
        let section = r.crate_section(
            &crate_of(vec![credit("Alice", 1)]),
            "https://picks.example/nominate?category=crate",
        );
        assert!(section.starts_with("## Crate of the Week\n\nThis week's crate is"));
        assert!(section.ends_with("\n\n[Please submit your suggestions and votes for next week][submit_crate]!\n\n[submit_crate]: https://picks.example/nominate?category=crate"));
        let q = QuoteAttribution {
            text: "Line one\n\nParagraph two".into(),
            author: "Ferris".into(),
            where_said: "on rust-users".into(),
            url: "https://users.rust-lang.org/t/1".into(),
            nominators: vec![credit("Carol", 2)],
            self_suggestion: false,
            editors_choice: false,
            editor: String::new(),
        };
        assert_eq!(
            r.quote_section(&q, "https://picks.example/nominate?category=quote"),
            "# Quote of the Week\n\n> Line one\n>\n> Paragraph two\n\n– [Ferris on rust-users](https://users.rust-lang.org/t/1)\n\nThanks to [Carol](https://picks.example/nominations/2) for the suggestion!\n\n[Please submit quotes and vote for next week!](https://picks.example/nominate?category=quote)"
        );
    }
}
