//! A post of the Crate of the Week thread.

use super::html::{block_of, crate_links, inline_markdown, inside_aside, own_text, selector};
use super::{announces, says_self_suggestion, says_suggestion, Reading};
use crate::domain::validate::NominationForm;
use scraper::{ElementRef, Html};

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

pub(super) fn first_sentence(text: &str) -> String {
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
pub(super) fn lowercase_first(s: &str) -> String {
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
pub(super) fn guessed_crate_name(doc: &Html, text: &str) -> String {
    for el in doc.select(&selector("strong, b, code")) {
        if inside_aside(&el) {
            continue;
        }
        let t = el.text().collect::<String>();
        if let Ok(name) = crate::domain::validate::CrateName::parse(t.trim()) {
            return name.as_str().to_string();
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    for w in words.windows(3) {
        if w[0].eq_ignore_ascii_case("the") && w[2].trim_matches(|c: char| !c.is_alphanumeric()) == "crate" {
            if let Ok(name) = crate::domain::validate::CrateName::parse(w[1].trim_matches('`')) {
                return name.as_str().to_string();
            }
        }
    }
    String::new()
}

pub(super) fn crate_form(
    name: &str,
    pitch: String,
    url: &str,
    why: &str,
    self_suggestion: bool,
) -> NominationForm {
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
    let why = truncate_chars(&text, crate::domain::validate::MAX_WHY_LEN);
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

pub(super) fn truncate_chars(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}
