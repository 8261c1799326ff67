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

#[cfg(test)]
mod tests {
    use super::*;

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
