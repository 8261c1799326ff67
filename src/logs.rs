//! The log on stderr: readable lines (colours only for a person at a terminal), or with
//! `LOG_FORMAT=json` one JSON object per line for a log pipeline.
//!
//! Fields carry request data (the path, percent-decoded; the query; headers; user text), so in
//! the text format every field value is written with its control characters escaped
//! (`EscapedFields`): a `%0A` in a path cannot start a second, forged line, and a `%1B` cannot
//! reach a terminal. One event is one line, always. JSON escapes by itself.

use crate::settings::LogFormat;
use std::fmt::{self, Write as _};
use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FormatFields, MakeWriter};

/// Installs the process's log.
pub fn init(format: LogFormat) {
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| "info,actix_server=warn".into())
    };
    match format {
        LogFormat::Json => tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_writer(std::io::stderr)
            .json()
            .with_current_span(true)
            .init(),
        LogFormat::Text => {
            let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
            tracing::subscriber::set_global_default(text(std::io::stderr, ansi, filter()))
                .expect("the log is installed once");
        }
    }
}

/// The text log, writing to `writer`.
pub fn text<W>(
    writer: W,
    ansi: bool,
    filter: tracing_subscriber::EnvFilter,
) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(writer)
        .with_ansi(ansi)
        .fmt_fields(EscapedFields)
        .finish()
}

/// Fields as `name=value`, the message bare, every value's control characters escaped.
pub struct EscapedFields;

impl<'w> FormatFields<'w> for EscapedFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'w>, fields: R) -> fmt::Result {
        let mut visitor = Visitor {
            writer,
            first: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct Visitor<'w> {
    writer: Writer<'w>,
    first: bool,
    result: fmt::Result,
}

impl Visitor<'_> {
    fn write(&mut self, field: &Field, value: &str) {
        if self.result.is_err() {
            return;
        }
        let separator = if self.first { "" } else { " " };
        self.first = false;
        let value = escape_controls(value);
        self.result = match field.name() {
            "message" => write!(self.writer, "{separator}{value}"),
            name => write!(self.writer, "{separator}{name}={value}"),
        };
    }
}

impl Visit for Visitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.write(field, value);
        } else {
            self.write(field, &format!("{value:?}"));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.write(field, &format!("{value:?}"));
    }
}

/// Control characters (and the line separators some terminals and log viewers break at) as
/// visible escapes: `\n`, `\r`, `\t`, `\u{1b}`.
pub fn escape_controls(value: &str) -> std::borrow::Cow<'_, str> {
    let special = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
    if !value.contains(special) {
        return value.into();
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if special(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use parking_lot::Mutex;
    use std::sync::Arc;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Buffer {
            self.clone()
        }
    }

    #[test]
    fn request_data_cannot_forge_a_line_or_reach_the_terminal() {
        let buffer = Buffer::default();
        let subscriber = text(buffer.clone(), false, "info".into());
        let forged = "/favicon.ico\n2026-12-06T12:00:00Z  INFO twir_picks::models::audit: audit action=editor_grant\u{1b}[2J";
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("HTTP request", http.target = %forged, http.user_agent = forged);
            let _entered = span.enter();
            tracing::info!(path = %forged, "served {}", forged);
        });
        let log = String::from_utf8(buffer.0.lock().clone()).unwrap();
        // The event and the span's close: two lines, each ending where it should.
        assert_eq!(log.matches('\n').count(), 2, "{log}");
        assert!(log.lines().all(|l| !l.contains('\u{1b}')), "{log}");
        assert!(log.contains("/favicon.ico\\n2026-12-06T12:00:00Z  INFO"), "{log}");
        assert!(log.contains("\\u{1b}[2J"), "{log}");
        assert!(
            log.lines().all(|l| !l.starts_with("2026-12-06T12:00:00Z")),
            "{log}"
        );
    }

    #[test]
    fn plain_values_are_written_as_they_are() {
        assert_eq!(escape_controls("/winners?page=2"), "/winners?page=2");
        assert_eq!(escape_controls("a\u{85}b\u{2028}"), "a\\u{85}b\\u{2028}");
    }
}
