//! Webhook events and their bodies (docs/contract.md §8), pure: the event a change causes, the body each
//! kind of receiver takes (`slack`: `{"text": …}`, which Slack, Zulip's Slack-compatible
//! incoming webhook and Mattermost accept; `discord`: `{"content": …}`; `json`: the event
//! itself), and the HMAC-SHA256 signature of a `json` body.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// One event, as the `json` kind receives it. Fields may be added, never renamed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `week.opened`, `week.closing`, `nomination.created`, `week.picked`, `draft.proposed`.
    pub event: String,
    pub issue: i32,
    /// What a chat message says.
    pub text: String,
    /// The page to go to.
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub nomination_id: Option<i32>,
    /// `week.closing`: how many nominations the category has.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub nominations: Option<i64>,
    /// `week.picked`: the attribution as the issue prints it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub attribution: Option<String>,
    /// One event of a kind per receiver (the outbox's key); not sent.
    #[serde(skip)]
    pub dedupe_key: String,
}

impl Event {
    fn new(event: &str, issue: i32, text: String, url: String, dedupe_key: String) -> Event {
        Event {
            event: event.into(),
            issue,
            text,
            url,
            category: None,
            nomination_id: None,
            nominations: None,
            attribution: None,
            dedupe_key,
        }
    }

    pub fn week_opened(issue: i32, closes: &str, url: String) -> Event {
        let text =
            format!("Nominations and votes are open for This Week in Rust {issue}, until {closes}: {url}");
        Event::new("week.opened", issue, text, url, format!("week.opened:{issue}"))
    }

    /// The reminder before the cut-off, one per category; a plea when it has nothing yet.
    pub fn week_closing(
        issue: i32,
        category: &str,
        heading: &str,
        nominations: i64,
        closes_in: &str,
        url: String,
    ) -> Event {
        let text = match nominations {
            0 => format!(
                "Voting for This Week in Rust {issue} closes {closes_in}, and no one has suggested a {category} yet. Please nominate one: {url}"
            ),
            1 => format!("Voting for This Week in Rust {issue} closes {closes_in}: 1 {category} is up for {heading}. Vote: {url}"),
            n => format!("Voting for This Week in Rust {issue} closes {closes_in}: {n} {category}s are up for {heading}. Vote: {url}"),
        };
        Event {
            category: Some(category.into()),
            nominations: Some(nominations),
            ..Event::new(
                "week.closing",
                issue,
                text,
                url,
                format!("week.closing:{issue}:{category}"),
            )
        }
    }

    pub fn nomination_created(
        issue: i32,
        category: &str,
        nomination_id: i32,
        title: &str,
        url: String,
    ) -> Event {
        let text = format!("New {category} nomination for This Week in Rust {issue}: {title} {url}");
        Event {
            category: Some(category.into()),
            nomination_id: Some(nomination_id),
            ..Event::new(
                "nomination.created",
                issue,
                text,
                url,
                format!("nomination.created:{nomination_id}"),
            )
        }
    }

    /// The week's sections proposed to the issue draft as a pull request (`url`); one event
    /// per commit pushed (`commit`).
    pub fn draft_proposed(issue: i32, url: String, commit: &str) -> Event {
        let text = format!(
            "Crate and Quote of the Week for This Week in Rust {issue} are proposed to the draft: {url}"
        );
        Event::new(
            "draft.proposed",
            issue,
            text,
            url,
            format!("draft.proposed:{issue}:{commit}"),
        )
    }

    pub fn week_picked(
        issue: i32,
        category: &str,
        heading: &str,
        nomination_id: i32,
        title: &str,
        attribution: String,
        url: String,
    ) -> Event {
        let text = format!("{heading} for This Week in Rust {issue}: {title} {url}");
        Event {
            category: Some(category.into()),
            nomination_id: Some(nomination_id),
            attribution: Some(attribution),
            ..Event::new(
                "week.picked",
                issue,
                text,
                url,
                format!("week.picked:{issue}:{category}:{nomination_id}"),
            )
        }
    }
}

#[derive(Serialize)]
struct SlackBody {
    text: String,
}

#[derive(Serialize)]
struct DiscordBody {
    content: String,
    allowed_mentions: AllowedMentions,
}

/// Discord's switch for pings: `parse: []` lets no text in the message ping anyone.
#[derive(Serialize)]
struct AllowedMentions {
    parse: [&'static str; 0],
}

/// The body for a receiver of `kind` ("slack", "discord" or "json").
pub fn body(kind: &str, event: &Event) -> Vec<u8> {
    let encoded = match kind {
        "slack" => serde_json::to_vec(&SlackBody {
            text: slack_text(&event.text),
        }),
        "discord" => serde_json::to_vec(&DiscordBody {
            content: discord_text(&event.text),
            allowed_mentions: AllowedMentions { parse: [] },
        }),
        _ => serde_json::to_vec(event),
    };
    encoded.unwrap_or_default()
}

/// U+2060 WORD JOINER: invisible, and no receiver reads a mention across it.
const WORD_JOINER: char = '\u{2060}';

/// Mentions made inert in every chat the `slack` kind reaches: `@everyone`, `@here`,
/// `@channel`, `@all` (Slack, Mattermost), `@**name**` (Zulip) and `<@U123>` all need an `@`
/// followed by the name; a word joiner after every `@` breaks that and shows nothing.
fn without_mentions(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        out.push(c);
        if c == '@' {
            out.push(WORD_JOINER);
        }
    }
    out
}

/// Text for Slack and the receivers that take its format (Mattermost, Zulip's Slack-compatible
/// hook): `&`, `<` and `>` escaped as Slack documents, so `<!channel>`, `<@U123>` and
/// `<https://evil|vote here>` are text; mentions inert.
pub fn slack_text(text: &str) -> String {
    without_mentions(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text for Discord: mentions inert (and `allowed_mentions` empty besides), and no masked
/// link (`[vote here](https://evil)`) can hide where it goes.
pub fn discord_text(text: &str) -> String {
    without_mentions(text).replace('[', "\\[").replace(']', "\\]")
}

/// `X-Twir-Picks-Signature`: `sha256=` and the hex HMAC-SHA256 of the body with the secret.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The wait before attempt `attempts + 1`: 1 s, 2 s, 4 s, … at most 10 minutes.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let seconds = 1i64 << attempts.clamp(0, 20);
    chrono::Duration::seconds(seconds.min(600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_per_kind() {
        let e = Event::week_opened(
            681,
            "Tuesday 8 December, 12:00 UTC",
            "https://picks.example/".into(),
        );
        let slack: serde_json::Value = serde_json::from_slice(&body("slack", &e)).unwrap();
        assert_eq!(slack, serde_json::json!({ "text": e.text }));
        let discord: serde_json::Value = serde_json::from_slice(&body("discord", &e)).unwrap();
        assert_eq!(
            discord,
            serde_json::json!({ "content": e.text, "allowed_mentions": { "parse": [] } })
        );
        let json: serde_json::Value = serde_json::from_slice(&body("json", &e)).unwrap();
        assert_eq!(json["event"], "week.opened");
        assert_eq!(json["issue"], 681);
        assert!(json.get("dedupe_key").is_none());
    }

    #[test]
    fn chat_messages_ping_no_one_and_hide_no_link() {
        let e = Event::nomination_created(
            681,
            "quote",
            7,
            "@everyone <!channel> <@U123> @here @**all** <https://evil.example|vote here> & [x](https://evil.example)",
            "https://picks.example/nominations/7".into(),
        );
        let slack: serde_json::Value = serde_json::from_slice(&body("slack", &e)).unwrap();
        let text = slack["text"].as_str().unwrap();
        for live in ["@everyone", "@here", "@**", "<", ">", " & "] {
            assert!(!text.contains(live), "{live} in {text}");
        }
        assert!(
            text.contains("&lt;!channel&gt;") && text.contains("&amp;"),
            "{text}"
        );
        assert!(text.ends_with("https://picks.example/nominations/7"), "{text}");
        let discord: serde_json::Value = serde_json::from_slice(&body("discord", &e)).unwrap();
        let content = discord["content"].as_str().unwrap();
        assert!(
            !content.contains("@everyone") && !content.contains("<@U") && !content.contains("[x]("),
            "{content}"
        );
        assert_eq!(discord["allowed_mentions"], serde_json::json!({ "parse": [] }));
        // The event itself keeps the text as typed.
        let json: serde_json::Value = serde_json::from_slice(&body("json", &e)).unwrap();
        assert!(json["text"].as_str().unwrap().contains("@everyone <!channel>"));
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        let sig = signature("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn an_empty_category_gets_a_plea() {
        let e = Event::week_closing(
            681,
            "quote",
            "Quote of the Week",
            0,
            "in 24 hours",
            "https://p/".into(),
        );
        assert!(e.text.contains("no one has suggested a quote yet"));
        assert_eq!(e.dedupe_key, "week.closing:681:quote");
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        assert_eq!(backoff(0).num_seconds(), 1);
        assert_eq!(backoff(3).num_seconds(), 8);
        assert_eq!(backoff(40).num_seconds(), 600);
    }
}
