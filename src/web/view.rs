//! Small presentation helpers for templates: dates for people.

use chrono::{DateTime, Utc};

/// "Tuesday 1 December 2026, 12:00 UTC"
pub fn human_time(t: DateTime<Utc>) -> String {
    t.format("%A %-d %B %Y, %H:%M UTC").to_string()
}

/// "in 6 days", "in 3 hours", "in 5 minutes", "now"; or "… ago" for the past.
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let delta = t - now;
    let secs = delta.num_seconds().abs();
    let (n, unit) = if secs >= 2 * 86_400 {
        (secs / 86_400, "day")
    } else if secs >= 2 * 3_600 {
        (secs / 3_600, "hour")
    } else if secs >= 120 {
        (secs / 60, "minute")
    } else {
        return "now".into();
    };
    let plural = if n == 1 { "" } else { "s" };
    if delta.num_seconds() >= 0 {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn times_for_people() {
        let now = utc("2026-11-24T13:00:00Z");
        assert_eq!(
            human_time(utc("2026-12-01T12:00:00Z")),
            "Tuesday 1 December 2026, 12:00 UTC"
        );
        assert_eq!(relative(utc("2026-12-01T12:00:00Z"), now), "in 6 days");
        assert_eq!(relative(utc("2026-11-24T18:30:00Z"), now), "in 5 hours");
        assert_eq!(relative(utc("2026-11-24T13:10:00Z"), now), "in 10 minutes");
        assert_eq!(relative(utc("2026-11-24T13:00:30Z"), now), "now");
        assert_eq!(relative(utc("2026-11-23T13:00:00Z"), now), "24 hours ago");
    }
}
