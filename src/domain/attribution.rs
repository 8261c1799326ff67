//! The markdown This Week in Rust prints for Crate and Quote of the Week (docs/contract.md §4).
//!
//! Wording lives in `templates/attribution/*.hbs` (editable, see `TEMPLATES_DIR`); the
//! escaping is `domain::markdown`'s, wired in so that a template cannot forget it: `{{value}}`
//! is plain text, `{{inline pitch}}` is prose, `{{blockquote text}}` a quote, `{{link url}}`
//! a destination and `{{credits list}}` the thanks. The output is safe under CommonMark and
//! under Python-Markdown, which This Week in Rust's site renders with.

use handlebars::{Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderErrorReason};
use serde::Serialize;
use std::path::Path;

pub use super::markdown::{blockquote, link_destination, plain_line, plain_text, prose};

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
    /// The editor's own words for the credit line of their choice (plain text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_line: Option<String>,
}

/// A week with two crates ("This week's crates are [A](…), … and [B](…), …"), as TWiR printed
/// it in 2020 and 2024: one sentence for both, one line of thanks for everyone.
#[derive(Debug, Clone, Serialize)]
pub struct CratePairAttribution {
    pub first: CrateAttribution,
    pub second: CrateAttribution,
    /// Everyone who suggested either crate, each once, in order.
    pub nominators: Vec<Credit>,
    /// Both crates were suggested: "for the suggestions!".
    pub both_suggested: bool,
    pub self_suggestion: bool,
    /// Neither was suggested: the first choice's editor and credit line.
    pub editor: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_line: Option<String>,
}

impl CratePairAttribution {
    pub fn new(first: CrateAttribution, second: CrateAttribution) -> CratePairAttribution {
        let suggested: Vec<&CrateAttribution> = [&first, &second]
            .into_iter()
            .filter(|c| !c.editors_choice)
            .collect();
        let mut nominators: Vec<Credit> = Vec::new();
        for credit in suggested.iter().flat_map(|c| &c.nominators) {
            if !nominators.iter().any(|n| n.name == credit.name) {
                nominators.push(credit.clone());
            }
        }
        CratePairAttribution {
            both_suggested: suggested.len() == 2,
            self_suggestion: !suggested.is_empty() && suggested.iter().all(|c| c.self_suggestion),
            nominators,
            editor: first.editor.clone(),
            credit_line: first.credit_line.clone().or_else(|| second.credit_line.clone()),
            first,
            second,
        }
    }
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_line: Option<String>,
}

/// Whether the thanks read "for the self-suggestion!": every person thanked marked the crate as
/// their own. TWiR's line names everyone ("Thanks to [A] and [B] for the self-suggestion!"), so
/// one author among other nominators is thanked for "the suggestion". The one rule for the
/// pages, the JSON and the desk.
pub fn is_self_suggestion(marks: impl IntoIterator<Item = bool>) -> bool {
    let mut any = false;
    for marked in marks {
        if !marked {
            return false;
        }
        any = true;
    }
    any
}

/// "[A](a)", "[A](a) and [B](b)", "[A](a), [B](b) and [C](c)".
pub fn credit_list(credits: &[Credit]) -> String {
    let links: Vec<String> = credits
        .iter()
        .map(|c| format!("[{}]({})", plain_text(&c.name), link_destination(&c.permalink)))
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
    (
        "attribution/crates",
        include_str!("../../templates/attribution/crates.hbs"),
    ),
    (
        "attribution/crates_section",
        include_str!("../../templates/attribution/crates_section.hbs"),
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

text_helper!(inline_helper, prose);
text_helper!(line_helper, plain_line);
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
        hb.register_escape_fn(plain_text);
        hb.register_helper("inline", Box::new(inline_helper));
        hb.register_helper("line", Box::new(line_helper));
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

    pub fn crate_pair_entry(&self, a: &CratePairAttribution) -> String {
        self.render("attribution/crates", a)
    }

    pub fn crate_pair_section(&self, a: &CratePairAttribution, submit_url: &str) -> String {
        self.render("attribution/crates_section", &with_submit(a, submit_url))
    }
}

/// A section's data: the attribution and the "submit your suggestions" link.
#[derive(Serialize)]
struct WithSubmit<'a, T: Serialize> {
    #[serde(flatten)]
    attribution: &'a T,
    submit_url: &'a str,
}

fn with_submit<'a, T: Serialize>(a: &'a T, submit_url: &'a str) -> WithSubmit<'a, T> {
    WithSubmit {
        attribution: a,
        submit_url,
    }
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
            credit_line: None,
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
    fn a_self_suggestion_is_everyone_s() {
        assert!(is_self_suggestion([true]));
        assert!(is_self_suggestion([true, true]));
        assert!(!is_self_suggestion([true, false]));
        assert!(!is_self_suggestion([false]));
        assert!(!is_self_suggestion([]));
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
            credit_line: None,
        };
        assert_eq!(
            r.quote_section(&q, "https://picks.example/nominate?category=quote"),
            "# Quote of the Week\n\n> Line one\n>\n> Paragraph two\n\n– [Ferris on rust-users](https://users.rust-lang.org/t/1)\n\nThanks to [Carol](https://picks.example/nominations/2) for the suggestion!\n\n[Please submit quotes and vote for next week!](https://picks.example/nominate?category=quote)"
        );
    }
}
