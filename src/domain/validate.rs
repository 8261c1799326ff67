//! Parsing what people type: each check a plain function with its unit tests.

/// A `next` target after login: only a path on this site. Refuses anything a browser could
/// read as another host (`//evil.com`, `/\evil.com`, `https://evil.com`, `%2F%2Fevil.com`).
pub fn safe_next_path(raw: &str) -> Option<String> {
    let looks_local = |p: &str| {
        p.starts_with('/')
            && !p.starts_with("//")
            && !p.contains('\\')
            && !p.chars().any(|c| c.is_control() || c.is_whitespace())
    };
    // Also judge the percent-decoded form: some servers and proxies decode before redirecting.
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8().ok()?;
    if raw.len() > 512 || !looks_local(raw) || !looks_local(&decoded) {
        return None;
    }
    // Belt and braces: resolved against a base, it must stay on that base's host.
    let base = url::Url::parse("http://this.site.invalid/").expect("valid base");
    let joined = base.join(raw).ok()?;
    (joined.host_str() == Some("this.site.invalid")).then(|| raw.to_string())
}

/// A GitHub login: letters, digits and hyphens (not leading), at most 39 characters.
/// A leading `@` is forgiven.
pub fn github_login(raw: &str) -> Result<String, &'static str> {
    let login = raw.trim().trim_start_matches('@');
    let valid = !login.is_empty()
        && login.len() <= 39
        && login.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !login.starts_with('-');
    if valid {
        Ok(login.to_string())
    } else {
        Err("A GitHub login: letters, digits and hyphens, at most 39 characters.")
    }
}

/// Longest URL we store.
pub const MAX_URL_LEN: usize = 2_000;
/// Longest quote text (docs/contract.md §3).
pub const MAX_QUOTE_LEN: usize = 5_000;
pub const MAX_PITCH_LEN: usize = 500;
pub const MAX_WHY_LEN: usize = 5_000;
pub const MAX_SHORT_LEN: usize = 200;

/// A crates.io crate name: ASCII letters, digits, `-` and `_`, starting with a letter, at most
/// 64 characters (crates.io's own rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateName(String);

impl CrateName {
    pub fn parse(raw: &str) -> Result<CrateName, String> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("Please give the crate's name as it is on crates.io.".into());
        }
        if name.chars().count() > 64 {
            return Err("A crate name has at most 64 characters.".into());
        }
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err("A crate name starts with a letter.".into());
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(format!(
                "A crate name has only letters, digits, '-' and '_', not {bad:?}."
            ));
        }
        Ok(CrateName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// crates.io treats `-` and `_` and letter case as the same name.
    pub fn key(&self) -> String {
        crate_key(&self.0)
    }
}

/// The duplicate-detection key of a crate name.
pub fn crate_key(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace('-', "_")
}

/// The duplicate-detection key of a quote: Unicode NFKC (so look-alike forms and no-break
/// spaces compare equal), format characters (zero-width spaces and joiners, bidi marks)
/// removed, whitespace runs folded to one space, case folded.
pub fn quote_key(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    // Compatibility forms folded (full-width letters), invisible characters dropped, case folded;
    // then the UTS #39 confusable skeleton, which also drops every Default_Ignorable_Code_Point
    // and maps look-alikes (a Cyrillic `а`) to one prototype. Only the key changes, never the text.
    let visible: String = text
        .nfkc()
        .filter(|&c| c.general_category() != GeneralCategory::Format && !is_blank_filler(c))
        .flat_map(char::to_lowercase)
        .collect();
    let skeleton: String = unicode_security::confusable_detection::skeleton(&visible)
        .flat_map(char::to_lowercase)
        .collect();
    skeleton.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Characters that draw as a blank but are neither whitespace nor default-ignorable
/// everywhere: the Hangul fillers and the blank Braille pattern.
fn is_blank_filler(c: char) -> bool {
    matches!(c, '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}')
}

/// An absolute http(s) URL with a host, at most `MAX_URL_LEN` long. Anything else
/// (`javascript:`, `data:`, relative) is refused.
pub fn http_url(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("Please give a link.".into());
    }
    if raw.len() > MAX_URL_LEN {
        return Err(format!("A link has at most {MAX_URL_LEN} characters."));
    }
    let url = url::Url::parse(raw).map_err(|_| "This is not a complete link (https://…).".to_string())?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err("Only http:// and https:// links are accepted.".into());
    }
    Ok(url.to_string())
}

/// Trimmed text that must be present and at most `max` characters long.
pub fn required_text(raw: &str, max: usize, what: &str) -> Result<String, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(format!("Please fill in {what}."));
    }
    optional_text(text, max, what).map(|t| t.unwrap_or_default())
}

/// Trimmed text, `None` when empty, at most `max` characters long, no control characters
/// other than newlines and tabs.
pub fn optional_text(raw: &str, max: usize, what: &str) -> Result<Option<String>, String> {
    let text = raw.trim().replace("\r\n", "\n");
    if text.is_empty() {
        return Ok(None);
    }
    let len = text.chars().count();
    if len > max {
        return Err(format!(
            "{} has at most {max} characters ({len} given).",
            capitalize(what)
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(format!("{} contains control characters.", capitalize(what)));
    }
    Ok(Some(text))
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A single line: newlines are not allowed.
pub fn one_line(raw: &str, max: usize, what: &str) -> Result<String, String> {
    let text = required_text(raw, max, what)?;
    if text.contains('\n') {
        return Err(format!("{} fits on one line.", capitalize(what)));
    }
    Ok(text)
}

/// The two categories (docs/contract.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Crate,
    Quote,
}

impl Category {
    pub const ALL: [Category; 2] = [Category::Crate, Category::Quote];

    pub fn parse(raw: &str) -> Option<Category> {
        match raw.trim() {
            "crate" => Some(Category::Crate),
            "quote" => Some(Category::Quote),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Crate => "crate",
            Category::Quote => "quote",
        }
    }

    pub fn heading(self) -> &'static str {
        match self {
            Category::Crate => "Crate of the Week",
            Category::Quote => "Quote of the Week",
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored category that is neither `crate` nor `quote` (the schema's CHECK forbids it).
#[derive(Debug, thiserror::Error)]
#[error("unknown category {0:?}")]
pub struct UnknownCategory(pub String);

/// How rows write a category column (`#[diesel(serialize_as = String)]`).
impl From<Category> for String {
    fn from(c: Category) -> String {
        c.as_str().to_string()
    }
}

/// How rows read a category column (`#[diesel(deserialize_as = String)]`): an unknown value
/// is an error, never silently a crate.
impl TryFrom<String> for Category {
    type Error = UnknownCategory;

    fn try_from(raw: String) -> Result<Category, UnknownCategory> {
        Category::parse(&raw).ok_or(UnknownCategory(raw))
    }
}

/// The nomination form as typed (every field a string; absent fields empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct NominationForm {
    pub category: String,
    pub crate_name: String,
    pub pitch: String,
    pub url: String,
    pub why: String,
    pub self_suggestion: Option<String>,
    pub text: String,
    pub author: String,
    #[serde(rename = "where")]
    pub where_said: String,
    pub source_url: String,
    pub context: String,
}

/// A crate nomination that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateNomination {
    pub name: CrateName,
    pub pitch: String,
    pub url: Option<String>,
    pub why: Option<String>,
    pub self_suggestion: bool,
}

/// A quote nomination that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteNomination {
    pub text: String,
    pub author: String,
    pub where_said: String,
    pub source_url: String,
    pub context: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidNomination {
    Crate(CrateNomination),
    Quote(QuoteNomination),
}

impl ValidNomination {
    pub fn category(&self) -> Category {
        match self {
            ValidNomination::Crate(_) => Category::Crate,
            ValidNomination::Quote(_) => Category::Quote,
        }
    }

    pub fn dedupe_key(&self) -> String {
        match self {
            ValidNomination::Crate(c) => c.name.key(),
            ValidNomination::Quote(q) => quote_key(&q.text),
        }
    }
}

/// Problems by form field name, in form order.
pub type FieldErrors = Vec<(&'static str, String)>;

impl NominationForm {
    /// Check every field; all problems at once, each under its field's name.
    pub fn validate(&self) -> Result<ValidNomination, FieldErrors> {
        let mut errors: FieldErrors = Vec::new();
        fn check<T>(errors: &mut FieldErrors, field: &'static str, r: Result<T, String>) -> Option<T> {
            r.map_err(|e| errors.push((field, e))).ok()
        }
        match Category::parse(&self.category) {
            Some(Category::Crate) => {
                let name = check(&mut errors, "crate_name", CrateName::parse(&self.crate_name));
                let pitch = check(
                    &mut errors,
                    "pitch",
                    one_line(&self.pitch, MAX_PITCH_LEN, "the pitch"),
                );
                let url = if self.url.trim().is_empty() {
                    Some(None)
                } else {
                    check(&mut errors, "url", http_url(&self.url).map(Some))
                };
                let why = check(
                    &mut errors,
                    "why",
                    optional_text(&self.why, MAX_WHY_LEN, "the why"),
                );
                match (name, pitch, url, why) {
                    (Some(name), Some(pitch), Some(url), Some(why)) if errors.is_empty() => {
                        Ok(ValidNomination::Crate(CrateNomination {
                            name,
                            pitch: tidy_pitch(&pitch),
                            url,
                            why,
                            self_suggestion: self.self_suggestion.as_deref().is_some_and(|v| !v.is_empty()),
                        }))
                    }
                    _ => Err(errors),
                }
            }
            Some(Category::Quote) => {
                let text = check(
                    &mut errors,
                    "text",
                    required_text(&self.text, MAX_QUOTE_LEN, "the quote"),
                );
                let author = check(
                    &mut errors,
                    "author",
                    one_line(&self.author, MAX_SHORT_LEN, "the author"),
                );
                let where_said = check(
                    &mut errors,
                    "where",
                    one_line(&self.where_said, MAX_SHORT_LEN, "where it was said"),
                );
                let source_url = check(&mut errors, "source_url", http_url(&self.source_url));
                let context = check(
                    &mut errors,
                    "context",
                    optional_text(&self.context, MAX_WHY_LEN, "the context"),
                );
                match (text, author, where_said, source_url, context) {
                    (Some(text), Some(author), Some(where_said), Some(source_url), Some(context))
                        if errors.is_empty() =>
                    {
                        Ok(ValidNomination::Quote(QuoteNomination {
                            text,
                            author,
                            where_said,
                            source_url,
                            context,
                        }))
                    }
                    _ => Err(errors),
                }
            }
            None => Err(vec![("category", "Please choose a crate or a quote.".into())]),
        }
    }
}

/// The pitch completes "This week's crate is NAME, …": drop a trailing full stop and a
/// leading comma people type by habit.
fn tidy_pitch(pitch: &str) -> String {
    pitch
        .trim()
        .trim_start_matches(',')
        .trim()
        .trim_end_matches('.')
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_follow_crates_io() {
        assert_eq!(CrateName::parse(" serde_json ").unwrap().as_str(), "serde_json");
        assert!(CrateName::parse("tokio-util").is_ok());
        assert!(CrateName::parse(&"a".repeat(64)).is_ok());
        assert!(CrateName::parse(&"a".repeat(65)).is_err());
        for bad in [
            "",
            "1password",
            "-x",
            "_x",
            "foo bar",
            "foo.rs",
            "crâte",
            "<script>",
        ] {
            assert!(CrateName::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(CrateName::parse("Serde-JSON").unwrap().key(), "serde_json");
    }

    #[test]
    fn urls_are_http_or_https_only() {
        assert_eq!(http_url("https://docs.rs/x").unwrap(), "https://docs.rs/x");
        for bad in [
            "javascript:alert(1)",
            "data:text/html,hi",
            "ftp://x.org/",
            "/relative",
            "https://",
            "mailto:a@b.c",
        ] {
            assert!(http_url(bad).is_err(), "{bad:?}");
        }
        assert!(http_url(&format!("https://x.org/{}", "a".repeat(MAX_URL_LEN))).is_err());
    }

    #[test]
    fn quote_keys_fold_whitespace_and_case() {
        assert_eq!(quote_key("  Rust is\n\n GREAT  "), quote_key("rust is great"));
        assert_ne!(quote_key("rust is great"), quote_key("rust is grate"));
        assert_eq!(
            quote_key("rust\u{a0}is great\u{200b}"),
            quote_key("rust is great")
        );
        assert_eq!(
            quote_key("ｒｕｓｔ is\u{2060} gr\u{200d}eat\u{feff}"),
            quote_key("Rust is great")
        );
    }

    #[test]
    fn look_alike_quotes_have_one_key() {
        let plain = quote_key("rust is great");
        for look_alike in [
            "rust is gr\u{34f}eat",
            "rust is great\u{fe0f}",
            "rust is gre\u{e0100}at",
            "rust\u{17b4} is great",
            "rust is\u{3164} great",
            "rust is \u{2800}great",
            "rust is gre\u{ffa0}at",
            "rust is gre\u{115f}at",
            "rust is gre\u{430}t", // Cyrillic а
            "RUST IS GREAT",
        ] {
            assert_eq!(quote_key(look_alike), plain, "{look_alike:?}");
        }
        assert_ne!(quote_key("rust is grate"), plain);
    }

    fn crate_form(name: &str, pitch: &str) -> NominationForm {
        NominationForm {
            category: "crate".into(),
            crate_name: name.into(),
            pitch: pitch.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_crate_form() {
        let v = crate_form("literator", ", a crate for literate programming.")
            .validate()
            .unwrap();
        let ValidNomination::Crate(c) = v else { panic!() };
        assert_eq!(c.pitch, "a crate for literate programming");
        assert!(!c.self_suggestion);
        let mut f = crate_form("x", "y");
        f.self_suggestion = Some("on".into());
        f.url = "https://github.com/x/y".into();
        let ValidNomination::Crate(c) = f.validate().unwrap() else {
            panic!()
        };
        assert!(c.self_suggestion);
        assert_eq!(c.url.as_deref(), Some("https://github.com/x/y"));
    }

    #[test]
    fn every_crate_problem_at_once() {
        let mut f = crate_form("1x", "");
        f.url = "javascript:alert(1)".into();
        let errors = f.validate().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["crate_name", "pitch", "url"]);
    }

    #[test]
    fn a_quote_form() {
        let f = NominationForm {
            category: "quote".into(),
            text: "> not a blockquote\n\nsecond paragraph".into(),
            author: "Ferris".into(),
            where_said: "on rust-users".into(),
            source_url: "https://users.rust-lang.org/t/1".into(),
            ..Default::default()
        };
        let ValidNomination::Quote(q) = f.validate().unwrap() else {
            panic!()
        };
        assert_eq!(q.text, "> not a blockquote\n\nsecond paragraph");
        let long = NominationForm {
            text: "x".repeat(MAX_QUOTE_LEN + 1),
            ..f.clone()
        };
        assert_eq!(long.validate().unwrap_err()[0].0, "text");
        let no_source = NominationForm {
            source_url: "data:text/html,x".into(),
            author: String::new(),
            ..f
        };
        let fields: Vec<&str> = no_source
            .validate()
            .unwrap_err()
            .iter()
            .map(|(f, _)| *f)
            .collect();
        assert_eq!(fields, vec!["author", "source_url"]);
    }

    #[test]
    fn unknown_category() {
        let f = NominationForm {
            category: "poem".into(),
            ..Default::default()
        };
        assert_eq!(f.validate().unwrap_err()[0].0, "category");
    }

    #[test]
    fn github_logins() {
        assert_eq!(github_login(" @llogiq ").unwrap(), "llogiq");
        assert_eq!(github_login("a-b-9").unwrap(), "a-b-9");
        for bad in ["", "-x", "a b", "a_b", "<script>", &"x".repeat(40)] {
            assert!(github_login(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn next_paths_stay_on_this_site() {
        assert_eq!(
            safe_next_path("/nominate?category=crate").as_deref(),
            Some("/nominate?category=crate")
        );
        assert_eq!(safe_next_path("/").as_deref(), Some("/"));
        for evil in [
            "//evil.com",
            "/\\evil.com",
            "https://evil.com",
            "%2F%2Fevil.com",
            "evil.com",
            "",
            "/\tevil",
            "javascript:alert(1)",
            "///evil.com",
            "/%5Cevil.com",
            "/%2Fevil.com",
        ] {
            assert_eq!(safe_next_path(evil), None, "{evil:?} must be refused");
        }
    }
}
