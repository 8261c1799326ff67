//! The Quote of the Week section: the quote, its author, where and source.

use super::*;

fn is_attribution_line(line: &str) -> bool {
    let t = line.trim_start();
    ["–", "—", "--", "- ", "~"].iter().any(|d| t.starts_with(d)) || t.starts_with('[')
}

pub(super) fn parse_quote(body: &str) -> Section<FeaturedQuote> {
    if body.is_empty() {
        return Section::Unreadable("the section is empty".into());
    }
    let first_paragraph = body.split("\n\n").next().unwrap_or_default();
    if !first_paragraph.trim_start().starts_with('>')
        && first_paragraph.len() < 200
        && says_none(
            first_paragraph,
            &["no quote", "sadly", "no nominations", "not selected"],
        )
    {
        return Section::NoneThatWeek;
    }
    let lines: Vec<&str> = body.lines().collect();
    let quoted: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].trim_start().starts_with('>'))
        .collect();
    let (text, after) = if let (Some(&first), Some(&last)) = (quoted.first(), quoted.last()) {
        let text = lines[first..=last]
            .iter()
            .map(|l| {
                let l = l.trim_start().trim_start_matches('>');
                l.strip_prefix(' ').unwrap_or(l)
            })
            .collect::<Vec<_>>()
            .join("\n");
        (text, last + 1)
    } else {
        // No block quote: the paragraphs before the attribution line (or the thanks).
        let end = lines
            .iter()
            .position(|l| is_attribution_line(l) || l.trim_start().to_lowercase().starts_with("thanks"))
            .unwrap_or(lines.len());
        let text = lines[..end].join("\n").trim().to_string();
        (text, end)
    };
    let text = text.trim_matches('\n').to_string();
    let rest = lines[after.min(lines.len())..].join("\n");
    let (_, thanks) = split_thanks(&rest);
    if text.trim().is_empty()
        || says_none(&text, &["no quote", "sadly", "no nominations"])
            && !text.contains('\n')
            && quoted.is_empty()
    {
        if says_none(
            body,
            &["no quote", "sadly", "none", "no nominations", "not selected"],
        ) {
            return Section::NoneThatWeek;
        }
        return Section::Unreadable("no quote text in the section".into());
    }
    let attribution_line = lines[after.min(lines.len())..]
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty())
        .filter(|l| is_attribution_line(l));
    let (attribution, url) = match attribution_line {
        Some(line) => {
            let line = line.trim_start_matches(['–', '—', '-', '~']).trim();
            let reference = reference_re()
                .captures(line)
                .map(|c| (c[1].to_string(), c[2].to_string()));
            let url = link_re().captures(line).map(|c| c[2].to_string()).or_else(|| {
                // "[text][ref]" with "[ref]: URL" further down.
                let (text, label) = reference.as_ref()?;
                let label = if label.is_empty() { text } else { label };
                body.lines().find_map(|l| {
                    l.trim()
                        .strip_prefix(&format!("[{label}]:"))
                        .map(|u| u.trim().to_string())
                })
            });
            let plain = link_re().replace_all(line, "$1");
            let plain = reference_re().replace_all(&plain, "$1").trim().to_string();
            (Some(plain), url)
        }
        None => (None, None),
    };
    Section::Found(FeaturedQuote {
        text,
        attribution,
        url,
        credits: credits_of(thanks),
        body: body.to_string(),
    })
}
