//! A post of the Quote of the Week thread.

use super::html::{has_class, inline_markdown, inside_aside, own_text, selector};
use super::{announces, short_name, Forum, Reading};
use crate::domain::validate::NominationForm;
use scraper::{ElementRef, Html};
use url::Url;

/// The paragraphs of a blockquote, as markdown, a blank line between them.
pub(super) fn quoted_paragraphs(blockquote: ElementRef) -> String {
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

pub(super) fn quote_form(
    text: String,
    author: String,
    where_said: String,
    source_url: String,
) -> NominationForm {
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
pub(super) fn author_and_where(link_text: &str) -> (String, String) {
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
pub(super) fn username_from_avatar(aside: &ElementRef) -> Option<String> {
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
