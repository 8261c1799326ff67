//! Understanding a post of the forum threads (Discourse's `cooked` HTML): is it a suggestion,
//! and of what. Pure: HTML in, a nomination form (or why not) out. The form then goes through
//! the same validation as one typed on the site, so a forum nomination obeys the same rules.
//!
//! Parsed with a real HTML parser (`scraper`). What Discourse makes of a post:
//! - a bare link on its own line becomes a onebox, `<aside class="onebox" data-onebox-src=URL>`,
//!   whose preview text is the linked page's, not the poster's;
//! - a bare link inside a sentence becomes `<a class="inline-onebox">` titled by the page
//!   ("crates.io: Rust Package Registry"), so a crate's name comes from the URL, never the text;
//! - a quote of another forum post is `<aside class="quote" data-username data-post
//!   data-topic>` with a title div and the quoted `<blockquote>`; a pasted link to a forum post
//!   is the same aside without `data-username`.

use super::validate::NominationForm;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

/// What a post is, for the ballot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// One or more suggestions, as forms to validate (a list can suggest several crates).
    Suggestions(Vec<NominationForm>),
    /// A reply that only discusses: "+1", a question, the editor's announcement.
    Discussion,
    /// Looks like a suggestion but could not be read: the editor finishes it by hand.
    NeedsLook {
        problem: String,
        draft: Box<NominationForm>,
    },
}

/// The forum the threads live on, for credits and for quotes of its own posts.
#[derive(Debug, Clone)]
pub struct Forum {
    pub base: Url,
    pub quote_topic: i64,
}

impl Forum {
    /// How TWiR names this forum after "on".
    pub fn short_name(&self) -> String {
        short_name(self.base.host_str().unwrap_or_default())
    }

    /// A post's permalink: `FORUM_URL/t/{slug}/{topic}/{post_number}`.
    pub fn permalink(&self, slug: &str, topic: i64, post_number: i32) -> String {
        let base = self.base.as_str().trim_end_matches('/');
        if slug.is_empty() {
            format!("{base}/t/{topic}/{post_number}")
        } else {
            format!("{base}/t/{slug}/{topic}/{post_number}")
        }
    }
}

/// How TWiR names a forum after "on": `rust-users` for users.rust-lang.org, `rust-internals`
/// for internals.rust-lang.org, else its host.
pub fn short_name(host: &str) -> String {
    match host.trim_start_matches("www.") {
        "users.rust-lang.org" => "rust-users".into(),
        "internals.rust-lang.org" => "rust-internals".into(),
        host => host.to_string(),
    }
}

/// The crate a link points at: `crates.io/crates/NAME`, `docs.rs/NAME` (or `docs.rs/crate/
/// NAME`), `lib.rs/crates/NAME`. Any other link is not a crate link.
pub fn crate_from_url(url: &str) -> Option<String> {
    let u = Url::parse(url).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    let host = u.host_str()?.trim_start_matches("www.");
    let segments: Vec<&str> = u.path_segments()?.filter(|s| !s.is_empty()).collect();
    let name = match (host, segments.as_slice()) {
        ("crates.io" | "lib.rs", ["crates", name, ..]) => *name,
        ("docs.rs", ["crate", name, ..]) => *name,
        ("docs.rs", [name, ..]) if !matches!(*name, "about" | "releases" | "crate" | "-") => name,
        _ => return None,
    };
    super::validate::CrateName::parse(name)
        .ok()
        .map(|n| n.as_str().to_string())
}

/// Words by which a poster says the crate is their own.
const SELF_WORDS: &[&str] = &[
    "self-suggest",
    "self suggest",
    "selfsuggest",
    "my crate",
    "my own crate",
    "my library",
    "my project",
    "i wrote",
    "i've written",
    "i've been working on",
    "i have been working on",
    "i made",
    "i've made",
    "i built",
    "i've built",
    "i created",
    "i maintain",
    "i'm the author",
    "i am the author",
    "our crate",
    "we wrote",
    "we've been working on",
    "shameless plug",
];

/// Words by which a post says it suggests something.
const SUGGESTION_WORDS: &[&str] = &[
    "suggest",
    "nominat",
    "crate of the week",
    "cotw",
    "crate:",
    "quote of the week",
    "qotw",
    "quote:",
    "submit",
    "propose",
    "recommend",
];

/// What announces the week's pick rather than suggesting one.
const ANNOUNCEMENT_WORDS: &[&str] = &[
    "this week's crate is",
    "this week's quote is",
    "thanks for all the suggestions",
];

fn normalized(text: &str) -> String {
    text.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'")
}

/// Whether the post says the crate is the poster's own.
pub fn says_self_suggestion(text: &str) -> bool {
    let t = normalized(text);
    SELF_WORDS.iter().any(|w| t.contains(w))
}

fn says_suggestion(text: &str) -> bool {
    let t = normalized(text);
    SUGGESTION_WORDS.iter().any(|w| t.contains(w)) || says_self_suggestion(text)
}

fn announces(text: &str) -> bool {
    let t = normalized(text);
    ANNOUNCEMENT_WORDS.iter().any(|w| t.contains(w))
}

fn selector(s: &str) -> Selector {
    Selector::parse(s).expect("a valid selector")
}

fn has_class(el: &ElementRef, class: &str) -> bool {
    el.value().classes().any(|c| c == class)
}

fn is_quote_aside(el: &ElementRef) -> bool {
    el.value().name() == "aside" && has_class(el, "quote")
}

fn is_onebox(el: &ElementRef) -> bool {
    el.value().name() == "aside" && has_class(el, "onebox")
}

/// Inside an aside (a quote of another post or a onebox preview): not the poster's words.
fn inside_aside(el: &ElementRef) -> bool {
    el.ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| a.value().name() == "aside")
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for ch in s.chars() {
        if ch.is_whitespace() && ch != '\n' {
            space = true;
        } else {
            if space && !out.is_empty() && !out.ends_with('\n') && ch != '\n' {
                out.push(' ');
            }
            space = false;
            out.push(ch);
        }
    }
    out.lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// The poster's own words as plain text: asides (quotes of others, link previews) left out.
pub fn own_text(cooked: &str) -> String {
    let doc = Html::parse_fragment(cooked);
    let mut out = String::new();
    plain(doc.root_element(), &mut out);
    collapse_spaces(&out)
}

fn plain(el: ElementRef, out: &mut String) {
    for child in el.children() {
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(_) => {
                let Some(e) = ElementRef::wrap(child) else {
                    continue;
                };
                match e.value().name() {
                    "aside" => {}
                    "br" => out.push('\n'),
                    "p" | "li" | "blockquote" | "div" | "ul" | "ol" | "h1" | "h2" | "h3" | "h4" => {
                        plain(e, out);
                        out.push('\n');
                    }
                    _ => plain(e, out),
                }
            }
            _ => {}
        }
    }
}

/// Inline content as the markdown TWiR prints: code spans, emphasis and http(s) links kept,
/// everything else as text. A link to `crate_link`'s crate becomes its bare name, so the
/// sentence reads as the poster wrote it ("NAME, a crate that …").
fn inline_markdown(el: ElementRef, crate_name: Option<&str>) -> String {
    let mut out = String::new();
    inline_into(el, crate_name, &mut out);
    collapse_spaces(&out)
}

fn inline_into(el: ElementRef, crate_name: Option<&str>, out: &mut String) {
    for child in el.children() {
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(_) => {
                let Some(e) = ElementRef::wrap(child) else {
                    continue;
                };
                let text = || e.text().collect::<String>();
                match e.value().name() {
                    "aside" | "img" | "ul" | "ol" | "blockquote" => {}
                    "br" => out.push('\n'),
                    "code" => {
                        let t = text();
                        if !t.contains('`') && !t.trim().is_empty() {
                            out.push('`');
                            out.push_str(&t);
                            out.push('`');
                        } else {
                            out.push_str(&t);
                        }
                    }
                    "em" | "i" => wrap(e, "*", crate_name, out),
                    "strong" | "b" => wrap(e, "**", crate_name, out),
                    "a" => {
                        let href = e.value().attr("href").unwrap_or_default();
                        if let (Some(name), Some(linked)) = (crate_name, crate_from_url(href)) {
                            if linked.eq_ignore_ascii_case(name) {
                                out.push_str(name);
                                continue;
                            }
                        }
                        let t = text();
                        let external = Url::parse(href).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
                        if external && !has_class(&e, "mention") && !t.trim().is_empty() {
                            out.push('[');
                            out.push_str(t.trim());
                            out.push_str("](");
                            out.push_str(href);
                            out.push(')');
                        } else {
                            out.push_str(&t);
                        }
                    }
                    _ => inline_into(e, crate_name, out),
                }
            }
            _ => {}
        }
    }
}

fn wrap(e: ElementRef, mark: &str, crate_name: Option<&str>, out: &mut String) {
    let inner = inline_markdown(e, crate_name);
    if inner.trim().is_empty() {
        return;
    }
    out.push_str(mark);
    out.push_str(inner.trim());
    out.push_str(mark);
}

/// The crates a post links to, in order, with the element holding each link: links of the
/// poster's own text and oneboxes; links inside a quote of another post do not count.
fn crate_links(doc: &Html) -> Vec<(String, ElementRef<'_>)> {
    let mut found: Vec<(String, ElementRef)> = Vec::new();
    for node in doc.root_element().descendants() {
        let Some(el) = ElementRef::wrap(node) else {
            continue;
        };
        let url = if is_onebox(&el) {
            if el
                .ancestors()
                .filter_map(ElementRef::wrap)
                .any(|a| is_quote_aside(&a))
            {
                continue;
            }
            el.value().attr("data-onebox-src")
        } else if el.value().name() == "a" && !inside_aside(&el) {
            el.value().attr("href")
        } else {
            None
        };
        if let Some(name) = url.and_then(crate_from_url) {
            if !found.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                found.push((name, el));
            }
        }
    }
    found
}

/// The nearest paragraph-like element around `el` (itself if it is one).
fn block_of(el: ElementRef<'_>) -> Option<ElementRef<'_>> {
    std::iter::once(el)
        .chain(el.ancestors().filter_map(ElementRef::wrap))
        .find(|e| matches!(e.value().name(), "p" | "li"))
}

/// The phrase the poster wrote about `name` in `sentence`: what follows "NAME, ", "NAME: ",
/// "NAME is " or a dash, to the end of that sentence; its trailing full stop dropped (the
/// template adds one).
pub fn pitch_after_name(markdown: &str, name: &str) -> Option<String> {
    let lower = markdown.to_lowercase();
    let needle = name.to_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(&needle).map(|p| p + from) {
        let mut end = pos + needle.len();
        // Step over the markup around the name: `name`, **name**, *name*.
        while let Some(c) = markdown[end..]
            .chars()
            .next()
            .filter(|c| matches!(c, '`' | '*' | '_'))
        {
            end += c.len_utf8();
        }
        let rest = &markdown[end..];
        let after = [", ", ": ", " is ", " - ", " – ", " — ", " -- "]
            .iter()
            .find_map(|sep| rest.strip_prefix(sep))
            .or_else(|| rest.strip_prefix(" crate, "));
        if let Some(after) = after {
            let sentence = first_sentence(after);
            if !sentence.is_empty() {
                return Some(lowercase_first(&sentence));
            }
        }
        from = end;
    }
    None
}

fn first_sentence(text: &str) -> String {
    let text = text.split('\n').next().unwrap_or_default();
    let mut in_code = false;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, (at, ch)) in chars.iter().enumerate() {
        if *ch == '`' {
            in_code = !in_code;
        }
        if !in_code && matches!(ch, '.' | '!' | '?') {
            let next = chars.get(i + 1).map(|(_, c)| *c);
            if next.is_none() || next.is_some_and(char::is_whitespace) {
                return text[..*at].trim().to_string();
            }
        }
    }
    text.trim().trim_end_matches(':').trim().to_string()
}

/// "Human-readable sizes" → "human-readable sizes"; "GCRA limits" stays.
fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => {
            let mut out: String = a.to_lowercase().collect();
            out.push_str(&s[a.len_utf8()..]);
            out
        }
        _ => s.to_string(),
    }
}

/// A crate's name guessed from a post without a crate link, for the editor's draft: the first
/// bold or code text, else "the NAME crate".
fn guessed_crate_name(doc: &Html, text: &str) -> String {
    for el in doc.select(&selector("strong, b, code")) {
        if inside_aside(&el) {
            continue;
        }
        let t = el.text().collect::<String>();
        if let Ok(name) = super::validate::CrateName::parse(t.trim()) {
            return name.as_str().to_string();
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    for w in words.windows(3) {
        if w[0].eq_ignore_ascii_case("the") && w[2].trim_matches(|c: char| !c.is_alphanumeric()) == "crate" {
            if let Ok(name) = super::validate::CrateName::parse(w[1].trim_matches('`')) {
                return name.as_str().to_string();
            }
        }
    }
    String::new()
}

fn crate_form(name: &str, pitch: String, url: &str, why: &str, self_suggestion: bool) -> NominationForm {
    NominationForm {
        category: "crate".into(),
        crate_name: name.to_string(),
        pitch,
        url: url.to_string(),
        why: why.to_string(),
        self_suggestion: self_suggestion.then(|| "on".to_string()),
        ..NominationForm::default()
    }
}

/// Read a post of the Crate of the Week thread.
pub fn read_crate_post(cooked: &str) -> Reading {
    let doc = Html::parse_fragment(cooked);
    let text = own_text(cooked);
    if text.is_empty() || announces(&text) {
        return Reading::Discussion;
    }
    let self_suggestion = says_self_suggestion(&text);
    let why = truncate_chars(&text, super::validate::MAX_WHY_LEN);
    let links = crate_links(&doc);
    if links.is_empty() {
        if !says_suggestion(&text) {
            return Reading::Discussion;
        }
        let name = guessed_crate_name(&doc, &text);
        let pitch = (!name.is_empty())
            .then(|| {
                doc.select(&selector("p, li"))
                    .filter(|p| !inside_aside(p))
                    .find_map(|p| pitch_after_name(&inline_markdown(p, None), &name))
            })
            .flatten()
            .unwrap_or_default();
        let url = doc
            .select(&selector("aside.onebox[data-onebox-src]"))
            .filter_map(|a| a.value().attr("data-onebox-src"))
            .next()
            .unwrap_or_default();
        return Reading::NeedsLook {
            problem: "No link to the crate on crates.io, docs.rs or lib.rs.".into(),
            draft: Box::new(crate_form(&name, pitch, url, &why, self_suggestion)),
        };
    }
    if !says_suggestion(&text) && text.contains('?') {
        return Reading::Discussion;
    }
    // Several crates each in a list item of their own: one suggestion each; otherwise the
    // first crate linked is the one suggested.
    let in_items: Vec<_> = links
        .iter()
        .filter_map(|(name, el)| {
            block_of(*el)
                .filter(|b| b.value().name() == "li")
                .map(|li| (name, li))
        })
        .collect();
    let chosen: Vec<(&String, Option<ElementRef>)> = if in_items.len() > 1 && in_items.len() == links.len() {
        in_items.into_iter().map(|(n, li)| (n, Some(li))).collect()
    } else {
        vec![(&links[0].0, block_of(links[0].1))]
    };
    let forms = chosen
        .into_iter()
        .map(|(name, block)| {
            // The phrase about the crate: in the block holding its link, else in any paragraph
            // naming it (a onebox stands on its own line after the sentence).
            let pitch = block
                .and_then(|b| pitch_after_name(&inline_markdown(b, Some(name)), name))
                .or_else(|| {
                    doc.select(&selector("p, li"))
                        .filter(|p| !inside_aside(p))
                        .find_map(|p| pitch_after_name(&inline_markdown(p, Some(name)), name))
                })
                .unwrap_or_default();
            crate_form(name, pitch, "", &why, self_suggestion)
        })
        .collect();
    Reading::Suggestions(forms)
}

fn truncate_chars(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The paragraphs of a blockquote, as markdown, a blank line between them.
fn quoted_paragraphs(blockquote: ElementRef) -> String {
    let paragraphs: Vec<String> = blockquote
        .select(&selector("p"))
        .map(|p| inline_markdown(p, None))
        .filter(|p| !p.is_empty())
        .collect();
    if paragraphs.is_empty() {
        inline_markdown(blockquote, None)
    } else {
        paragraphs.join("\n\n")
    }
}

fn quote_form(text: String, author: String, where_said: String, source_url: String) -> NominationForm {
    NominationForm {
        category: "quote".into(),
        text,
        author,
        where_said,
        source_url,
        ..NominationForm::default()
    }
}

/// "u/ferrous_wheel on r/rust" → ("u/ferrous_wheel", "on r/rust"); leading dashes dropped.
fn author_and_where(link_text: &str) -> (String, String) {
    let t = link_text
        .trim()
        .trim_start_matches(['–', '—', '-', '~', ' '])
        .trim();
    match t.rfind(" on ") {
        Some(i) => (t[..i].trim().to_string(), t[i + 1..].trim().to_string()),
        None => (t.to_string(), String::new()),
    }
}

/// Read a post of the Quote of the Week thread.
pub fn read_quote_post(cooked: &str, forum: &Forum) -> Reading {
    let doc = Html::parse_fragment(cooked);
    let text = own_text(cooked);
    if announces(&text) {
        return Reading::Discussion;
    }
    // A quote of another forum post: author, where and source exactly.
    let asides: Vec<ElementRef> = doc
        .select(&selector("aside.quote"))
        .filter(|a| {
            !a.ancestors()
                .filter_map(ElementRef::wrap)
                .any(|p| p.value().name() == "aside")
        })
        .collect();
    for aside in &asides {
        let topic: Option<i64> = aside.value().attr("data-topic").and_then(|t| t.parse().ok());
        if topic == Some(forum.quote_topic) {
            // Quoting a suggestion in this very thread: a reply about it.
            continue;
        }
        let Some(blockquote) = aside.select(&selector("blockquote")).next() else {
            continue;
        };
        let quoted = quoted_paragraphs(blockquote);
        let post: Option<i32> = aside.value().attr("data-post").and_then(|p| p.parse().ok());
        // The title links the quoted post (`…/t/{slug}/{topic}/{post}`); without a title,
        // the post's address is made from the aside's topic and post numbers.
        let titled = aside
            .select(&selector("div.title a[href]"))
            .filter_map(|a| a.value().attr("href"))
            .filter_map(|h| Url::parse(h).ok())
            .find(|u| matches!(u.scheme(), "http" | "https") && u.path().starts_with("/t/"));
        let source = titled
            .as_ref()
            .map(Url::to_string)
            .or_else(|| Some(forum.permalink("", topic?, post?)))
            .unwrap_or_default();
        let where_said = match titled.as_ref().and_then(Url::host_str) {
            Some(host) => format!("on {}", short_name(host)),
            None => format!("on {}", forum.short_name()),
        };
        let author = aside
            .value()
            .attr("data-username")
            .map(str::to_string)
            .or_else(|| username_from_avatar(aside))
            .unwrap_or_default();
        let form = quote_form(quoted, author, where_said, source);
        if form.author.is_empty() {
            return Reading::NeedsLook {
                problem: "A quote of a forum post whose author could not be read.".into(),
                draft: Box::new(form),
            };
        }
        return Reading::Suggestions(vec![form]);
    }
    // The poster's own block quote, with its source linked after it.
    let blockquotes: Vec<ElementRef> = doc
        .select(&selector("blockquote"))
        .filter(|b| !inside_aside(b))
        .filter(|b| {
            !b.ancestors()
                .filter_map(ElementRef::wrap)
                .any(|p| p.value().name() == "blockquote")
        })
        .collect();
    if let Some(last) = blockquotes.last() {
        let quoted: Vec<String> = blockquotes.iter().map(|b| quoted_paragraphs(*b)).collect();
        let quoted = quoted.join("\n\n");
        let last_id = last.id();
        let mut after = false;
        let mut source: Option<(String, String)> = None;
        for node in doc.root_element().descendants() {
            if node.id() == last_id {
                after = true;
                continue;
            }
            let Some(el) = ElementRef::wrap(node) else {
                continue;
            };
            if !after || inside_aside(&el) || el.ancestors().any(|a| a.id() == last_id) {
                continue;
            }
            if el.value().name() == "a" && !has_class(&el, "mention") {
                let href = el.value().attr("href").unwrap_or_default();
                if Url::parse(href).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
                    source = Some((href.to_string(), el.text().collect()));
                    break;
                }
            }
        }
        return match source {
            Some((url, link_text)) => {
                let (author, where_said) = author_and_where(&link_text);
                let form = quote_form(quoted, author, where_said, url);
                if form.where_said.is_empty() {
                    Reading::NeedsLook {
                        problem: "The quote's source link does not say where it was said.".into(),
                        draft: Box::new(form),
                    }
                } else {
                    Reading::Suggestions(vec![form])
                }
            }
            None => Reading::NeedsLook {
                problem: "A quote without a link to its source.".into(),
                draft: Box::new(quote_form(quoted, String::new(), String::new(), String::new())),
            },
        };
    }
    // Quoted inline (“…”) with a link, or said to be a suggestion: the editor reads it.
    let curly = text.find('“').zip(text.rfind('”')).filter(|(a, b)| a < b);
    if let Some((a, b)) = curly {
        let url = doc
            .select(&selector("a[href]"))
            .filter(|l| !inside_aside(l))
            .filter_map(|l| l.value().attr("href"))
            .find(|h| h.starts_with("http"))
            .unwrap_or_default();
        return Reading::NeedsLook {
            problem: "The quote is not in a block quote: check where it starts and ends.".into(),
            draft: Box::new(quote_form(
                text[a + '“'.len_utf8()..b].trim().to_string(),
                String::new(),
                String::new(),
                url.into(),
            )),
        };
    }
    Reading::Discussion
}

/// Discourse's avatar URLs name the user: `…/user_avatar/{host}/{username}/{size}/…`.
fn username_from_avatar(aside: &ElementRef) -> Option<String> {
    let src = aside
        .select(&selector("img.avatar"))
        .next()?
        .value()
        .attr("src")?;
    let mut parts = src.split('/');
    parts.find(|p| *p == "user_avatar")?;
    parts.next()?;
    parts.next().filter(|u| !u.is_empty()).map(str::to_string)
}

#[cfg(test)]
mod tests;
