//! Reading Discourse's cooked HTML: the poster's own words (asides left out), inline
//! markdown as TWiR prints it, and the crate links of a post.

use super::crate_from_url;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

pub(super) fn selector(s: &str) -> Selector {
    Selector::parse(s).expect("a valid selector")
}

pub(super) fn has_class(el: &ElementRef, class: &str) -> bool {
    el.value().classes().any(|c| c == class)
}

pub(super) fn is_quote_aside(el: &ElementRef) -> bool {
    el.value().name() == "aside" && has_class(el, "quote")
}

pub(super) fn is_onebox(el: &ElementRef) -> bool {
    el.value().name() == "aside" && has_class(el, "onebox")
}

/// Inside an aside (a quote of another post or a onebox preview): not the poster's words.
pub(super) fn inside_aside(el: &ElementRef) -> bool {
    el.ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| a.value().name() == "aside")
}

pub(super) fn collapse_spaces(s: &str) -> String {
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

pub(super) fn plain(el: ElementRef, out: &mut String) {
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
pub(super) fn inline_markdown(el: ElementRef, crate_name: Option<&str>) -> String {
    let mut out = String::new();
    inline_into(el, crate_name, &mut out);
    collapse_spaces(&out)
}

pub(super) fn inline_into(el: ElementRef, crate_name: Option<&str>, out: &mut String) {
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

pub(super) fn wrap(e: ElementRef, mark: &str, crate_name: Option<&str>, out: &mut String) {
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
pub(super) fn crate_links(doc: &Html) -> Vec<(String, ElementRef<'_>)> {
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
pub(super) fn block_of(el: ElementRef<'_>) -> Option<ElementRef<'_>> {
    std::iter::once(el)
        .chain(el.ancestors().filter_map(ElementRef::wrap))
        .find(|e| matches!(e.value().name(), "p" | "li"))
}
