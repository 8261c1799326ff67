//! Handlebars templates, embedded in the binary so one file runs anywhere. Escaping is on
//! for every `{{ }}`; the only triple-stash is `{{{…_html}}}`, for HTML that our own
//! templates rendered (with escaping) a moment before. An operator may point
//! `TEMPLATES_DIR` at a copy of `templates/` to change wording without rebuilding.

use handlebars::Handlebars;
use std::path::Path;

/// (name, source) for every template, paths relative to `templates/`.
macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name, ".hbs")))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = embedded![
    "layout",
    "index",
    "ballot_entry",
    "error",
    "dev_login",
    "nomination",
    "nominate",
    "me",
    "editor",
    "audit",
    "winners",
    "profile",
    "sessions",
    "account_deleted",
    "privacy",
];

pub fn registry(override_dir: Option<&Path>) -> anyhow::Result<Handlebars<'static>> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(false);
    hb.set_dev_mode(false);
    for (name, source) in TEMPLATES {
        let custom = override_dir
            .map(|dir| dir.join(format!("{name}.hbs")))
            .filter(|p| p.is_file());
        match custom {
            Some(path) => {
                let text = std::fs::read_to_string(&path)?;
                hb.register_template_string(name, text)
                    .map_err(|e| anyhow::anyhow!("template {}: {e}", path.display()))?;
            }
            None => hb
                .register_template_string(name, *source)
                .map_err(|e| anyhow::anyhow!("embedded template {name}: {e}"))?,
        }
    }
    Ok(hb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_and_escapes() {
        let hb = registry(None).unwrap();
        let out = hb
            .render(
                "error",
                &serde_json::json!({"status": 404, "title": "Not found", "message": "<script>x</script>"}),
            )
            .unwrap();
        assert!(out.contains("&lt;script&gt;"));
        assert!(!out.contains("<script>x"));
    }

    #[test]
    fn no_template_disables_escaping_but_for_our_own_html() {
        let raw = regex::Regex::new(r"\{\{\{([^}]*)\}\}\}").unwrap();
        for (name, source) in TEMPLATES {
            for found in raw.captures_iter(source) {
                assert!(
                    found[1].trim().ends_with("_html"),
                    "{name} outputs {} unescaped",
                    &found[1]
                );
            }
            assert!(!source.contains("{{&"), "{name} outputs unescaped");
        }
    }
}
