//! Small parsers shared by the settings: each pushes a message naming the setting on failure.

use base64::Engine;
use url::Url;

pub(super) fn http_url(name: &str, raw: &str, errors: &mut Vec<String>) -> Option<Url> {
    match Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Some(url),
        Ok(_) => {
            errors.push(format!("{name}: {raw:?} must be an http:// or https:// URL"));
            None
        }
        Err(e) => {
            errors.push(format!("{name}: {raw:?} is not a URL ({e})"));
            None
        }
    }
}

pub(super) fn boolean(name: &str, raw: &str, errors: &mut Vec<String>) -> bool {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "1" => true,
        "false" | "off" | "no" | "0" | "" => false,
        _ => {
            errors.push(format!("{name}: {raw:?} must be on/off or true/false"));
            false
        }
    }
}

/// Decode a `SESSION_KEY` given as hex or base64.
pub fn decode_session_key(raw: &str) -> Result<Vec<u8>, String> {
    let raw = raw.trim();
    let bytes = hex::decode(raw)
        .ok()
        .or_else(|| base64::engine::general_purpose::STANDARD.decode(raw).ok())
        .or_else(|| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(raw).ok())
        .ok_or("is neither hex nor base64")?;
    if bytes.len() < 64 {
        return Err(format!(
            "decodes to {} bytes; at least 64 are needed",
            bytes.len()
        ));
    }
    Ok(bytes)
}

/// `http://127.0.0.1:…`, `http://[::1]:…` or `http://localhost:…`.
pub(super) fn is_loopback_url(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}
