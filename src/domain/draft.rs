//! Filling an issue draft: the Crate and Quote of the Week placeholders replaced by the picked
//! attribution, or nothing changed at all when anything is missing.

pub const COTW_PLACEHOLDER: &str = "<!-- COTW goes here -->";
pub const QOTW_PLACEHOLDER: &str = "<!-- QOTW goes here -->";

/// The draft with both placeholders replaced, or every reason it cannot be filled.
pub fn fill(draft: &str, cotw: Option<&str>, qotw: Option<&str>) -> Result<String, Vec<String>> {
    let mut problems = Vec::new();
    for (placeholder, markdown, what) in [
        (COTW_PLACEHOLDER, cotw, "Crate of the Week"),
        (QOTW_PLACEHOLDER, qotw, "Quote of the Week"),
    ] {
        match draft.matches(placeholder).count() {
            0 => problems.push(format!("the draft has no {placeholder} placeholder")),
            1 => {}
            n => problems.push(format!(
                "the draft has {n} {placeholder} placeholders; expected one"
            )),
        }
        if markdown.is_none() {
            problems.push(format!("the week has no {what} pick"));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(draft
        .replacen(COTW_PLACEHOLDER, cotw.unwrap_or_default().trim(), 1)
        .replacen(QOTW_PLACEHOLDER, qotw.unwrap_or_default().trim(), 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DRAFT: &str = "## Crate of the Week\n\n<!-- COTW goes here -->\n\n[Please submit your suggestions and votes for next week][submit_crate]!\n\n# Quote of the Week\n\n<!-- QOTW goes here -->\n\n[Please submit quotes and vote for next week!](https://x)\n";

    #[test]
    fn both_placeholders_are_replaced() {
        let out = fill(DRAFT, Some("CRATE TEXT\n"), Some("> quote")).unwrap();
        assert!(out.contains("## Crate of the Week\n\nCRATE TEXT\n\n[Please submit your suggestions"));
        assert!(out.contains("# Quote of the Week\n\n> quote\n\n[Please submit quotes"));
        assert!(!out.contains("goes here"));
    }

    #[test]
    fn every_problem_is_named_and_nothing_changes() {
        let missing = DRAFT.replace(QOTW_PLACEHOLDER, "");
        let errors = fill(&missing, Some("c"), None).unwrap_err();
        assert_eq!(
            errors,
            vec![
                "the draft has no <!-- QOTW goes here --> placeholder".to_string(),
                "the week has no Quote of the Week pick".to_string(),
            ]
        );
        let doubled = format!("{DRAFT}{COTW_PLACEHOLDER}");
        assert!(fill(&doubled, Some("c"), Some("q")).unwrap_err()[0]
            .contains("2 <!-- COTW goes here --> placeholders"));
    }
}
