//! Dry weeks: in 2025-2026 about one week in three went
//! without a quote suggestion and one in six without a crate one. When a category has fewer
//! than `DRY_BELOW` entries the desk shows candidates: unpicked nominations from earlier weeks
//! and, for crates, recent crates from crates.io that were never featured.

/// A category with fewer entries than this is dry.
pub const DRY_BELOW: usize = 3;

/// How many candidates of each kind the desk shows.
pub const CANDIDATES: usize = 6;

pub fn is_dry(entries: usize) -> bool {
    entries < DRY_BELOW
}

/// A crates.io description as the start of a pitch ("This week's crate is NAME, …"): the first
/// letter lowered unless the first word is an acronym or a name, no full stop at the end.
pub fn pitch_from_description(description: &str) -> String {
    let text = description.trim().trim_end_matches('.').trim_end();
    let first_word = text.split_whitespace().next().unwrap_or("");
    let keeps_case = first_word.chars().skip(1).any(char::is_uppercase);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if !keeps_case => first.to_lowercase().chain(chars).collect(),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fewer_than_three_is_dry() {
        assert!(is_dry(0) && is_dry(2) && !is_dry(3));
    }

    #[test]
    fn a_description_reads_as_a_pitch() {
        assert_eq!(
            pitch_from_description("A generic serialization/deserialization framework."),
            "a generic serialization/deserialization framework"
        );
        assert_eq!(pitch_from_description("HTTP client  "), "HTTP client");
        assert_eq!(
            pitch_from_description("WebAssembly runtime"),
            "WebAssembly runtime"
        );
        assert_eq!(pitch_from_description(""), "");
    }
}
