//! Week arithmetic: issue numbers, cut-offs and rollover, all in UTC (no DST to mind).
//!
//! This Week in Rust appears every Wednesday. From one anchor (an issue number and its
//! publication date) and a weekly cut-off ("Tue 12:00"), issue N is published on
//! `anchor_date + 7·(N − anchor_issue)` days and its voting closes at the last cut-off
//! strictly before that publication day begins.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use std::fmt;
use std::str::FromStr;

/// Issue numbers the service accepts: This Week in Rust is in the 600s; 100,000 is two
/// thousand years of weekly issues. Bounded so no date arithmetic can overflow.
pub const ISSUES: std::ops::RangeInclusive<i32> = 1..=100_000;

/// How far from now an editor may move the open week's cut-off.
pub const CUTOFF_WITHIN: Duration = Duration::days(365);

/// An editor's change to the open week, checked against the bounds above.
pub fn check_week_edit(
    issue: Option<i32>,
    closes_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), String> {
    if let Some(issue) = issue.filter(|i| !ISSUES.contains(i)) {
        return Err(format!(
            "Issue {issue} is out of range: issue numbers go from {} to {}.",
            ISSUES.start(),
            ISSUES.end()
        ));
    }
    if closes_at.is_some_and(|t| (t - now).abs() > CUTOFF_WITHIN) {
        return Err("The cut-off must be within a year of now.".into());
    }
    Ok(())
}

/// `t + d`, or the latest (earliest) representable instant instead of a panic.
fn add(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t.checked_add_signed(d).unwrap_or(if d < Duration::zero() {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// `date + d`, saturating like `add`.
fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    Duration::try_days(days)
        .and_then(|d| date.checked_add_signed(d))
        .unwrap_or(if days < 0 { NaiveDate::MIN } else { NaiveDate::MAX })
}

/// The weekly moment voting closes, e.g. `Tue 12:00` (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoff {
    pub weekday: Weekday,
    pub time: NaiveTime,
}

impl FromStr for Cutoff {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split_whitespace();
        let (Some(day), Some(time), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!(
                "expected a weekday and a time such as \"Tue 12:00\", got {s:?}"
            ));
        };
        let weekday = day
            .parse::<Weekday>()
            .map_err(|_| format!("{day:?} is not a weekday (Mon, Tue, …)"))?;
        let time = NaiveTime::parse_from_str(time, "%H:%M")
            .map_err(|_| format!("{time:?} is not a time as HH:MM"))?;
        Ok(Cutoff { weekday, time })
    }
}

impl fmt::Display for Cutoff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.weekday, self.time.format("%H:%M"))
    }
}

/// A stored week is open for votes (exactly one is) or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WeekStatus {
    Open,
    Closed,
}

impl WeekStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WeekStatus::Open => "open",
            WeekStatus::Closed => "closed",
        }
    }
}

impl fmt::Display for WeekStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored status that is neither `open` nor `closed`.
#[derive(Debug, thiserror::Error)]
#[error("unknown week status {0:?}")]
pub struct UnknownStatus(pub String);

/// How rows read the status column (`#[diesel(deserialize_as = String)]`).
impl TryFrom<String> for WeekStatus {
    type Error = UnknownStatus;

    fn try_from(raw: String) -> Result<WeekStatus, UnknownStatus> {
        match raw.as_str() {
            "open" => Ok(WeekStatus::Open),
            "closed" => Ok(WeekStatus::Closed),
            _ => Err(UnknownStatus(raw)),
        }
    }
}

/// How rows write it (`#[diesel(serialize_as = String)]`).
impl From<WeekStatus> for String {
    fn from(s: WeekStatus) -> String {
        s.as_str().to_string()
    }
}

/// The publication rhythm: one known issue and the weekly cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    pub anchor_issue: i32,
    pub anchor_date: NaiveDate,
    pub cutoff: Cutoff,
}

/// A voting window as the calendar derives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekWindow {
    pub issue: i32,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

impl Calendar {
    /// The day issue `issue` is published.
    pub fn publication_date(&self, issue: i32) -> NaiveDate {
        // Saturating: an absurd issue number gives an absurd date, never a panic.
        let weeks = i64::from(issue) - i64::from(self.anchor_issue);
        add_days(self.anchor_date, weeks.saturating_mul(7))
    }

    /// When voting for `issue` closes: the last cut-off strictly before its publication day.
    pub fn closes_at(&self, issue: i32) -> DateTime<Utc> {
        let day_start = Utc.from_utc_datetime(&self.publication_date(issue).and_time(NaiveTime::MIN));
        self.cutoff_before(day_start)
    }

    /// The last cut-off instant strictly before `t`.
    pub fn cutoff_before(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        let candidate = self.cutoff_in_week_of(t);
        if candidate < t {
            candidate
        } else {
            add(candidate, -Duration::days(7))
        }
    }

    /// The first cut-off instant strictly after `t`.
    pub fn cutoff_after(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        let candidate = self.cutoff_in_week_of(t);
        if candidate > t {
            candidate
        } else {
            add(candidate, Duration::days(7))
        }
    }

    /// The cut-off that falls in the same Monday-to-Sunday week as `t`.
    fn cutoff_in_week_of(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        let date = t.date_naive();
        let monday = add_days(date, -i64::from(date.weekday().num_days_from_monday()));
        let day = add_days(monday, i64::from(self.cutoff.weekday.num_days_from_monday()));
        Utc.from_utc_datetime(&day.and_time(self.cutoff.time))
    }

    /// The window of `issue` as derived from the anchor alone.
    pub fn window(&self, issue: i32) -> WeekWindow {
        let closes_at = self.closes_at(issue);
        WeekWindow {
            issue,
            opens_at: add(closes_at, -Duration::days(7)),
            closes_at,
        }
    }

    /// The week that is open at `now`: the first issue whose voting closes after `now`.
    pub fn open_at(&self, now: DateTime<Utc>) -> WeekWindow {
        // Start near the answer and step; the cadence is exactly weekly.
        let weeks = (now - self.window(self.anchor_issue).closes_at)
            .num_days()
            .div_euclid(7);
        let guess = i64::from(self.anchor_issue).saturating_add(weeks);
        let mut issue = i32::try_from(guess).unwrap_or(if guess > 0 { i32::MAX } else { i32::MIN });
        // The guess is off by a week or two at most; the bound keeps dates that saturate (an
        // absurd `now`) from stepping forever.
        for _ in 0..8 {
            if self.closes_at(issue) <= now && issue < i32::MAX {
                issue += 1;
            } else if issue > i32::MIN && self.closes_at(issue - 1) > now {
                issue -= 1;
            } else {
                break;
            }
        }
        self.window(issue)
    }

    /// The week after `closed`: numbered one higher, opening when `closed` closed and closing at
    /// the regular cut-off nearest to a week later (so an editor's early or late cut-off for a
    /// holiday does not shift the weeks after it).
    pub fn next_after(&self, closed: &WeekWindow) -> WeekWindow {
        WeekWindow {
            issue: closed.issue.saturating_add(1),
            opens_at: closed.closes_at,
            closes_at: self.cutoff_after(add(closed.closes_at, Duration::hours(84))),
        }
    }

    /// Every window from `open` on up to the one open at `now`, in order: the first is `open`
    /// itself when it is still open, else the weeks that rollover creates.
    pub fn rollover(&self, open: &WeekWindow, now: DateTime<Utc>) -> Vec<WeekWindow> {
        let mut chain = vec![*open];
        while chain
            .last()
            .is_some_and(|w| w.closes_at <= now && w.issue < i32::MAX)
        {
            let next = self.next_after(chain.last().expect("chain is never empty"));
            chain.push(next);
        }
        chain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn twir() -> Calendar {
        Calendar {
            anchor_issue: 467,
            anchor_date: NaiveDate::from_ymd_opt(2022, 11, 2).unwrap(),
            cutoff: "Tue 12:00".parse().unwrap(),
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn publication_dates_keep_the_weekly_cadence() {
        let cal = twir();
        assert_eq!(cal.publication_date(467).to_string(), "2022-11-02");
        assert_eq!(cal.publication_date(665).to_string(), "2026-08-19");
        assert_eq!(cal.publication_date(680).to_string(), "2026-12-02");
    }

    #[test]
    fn voting_closes_the_tuesday_noon_before_publication() {
        let cal = twir();
        assert_eq!(cal.closes_at(680), utc("2026-12-01T12:00:00Z"));
        assert_eq!(cal.window(680).opens_at, utc("2026-11-24T12:00:00Z"));
    }

    #[test]
    fn the_open_week_on_the_spec_date() {
        let cal = twir();
        assert_eq!(cal.open_at(utc("2026-11-24T12:00:01Z")).issue, 680);
        assert_eq!(cal.open_at(utc("2026-11-24T11:59:59Z")).issue, 679);
        // The cut-off instant itself belongs to the next week: closes_at is exclusive.
        assert_eq!(cal.open_at(utc("2026-11-24T12:00:00Z")).issue, 680);
    }

    #[test]
    fn open_week_far_from_the_anchor_in_both_directions() {
        let cal = twir();
        assert_eq!(cal.open_at(utc("2022-11-01T11:00:00Z")).issue, 467);
        assert_eq!(cal.open_at(utc("2022-11-01T13:00:00Z")).issue, 468);
        let long_ago = utc("2015-06-01T00:00:00Z");
        let w = cal.open_at(long_ago);
        assert!(w.opens_at <= long_ago && long_ago < w.closes_at);
        assert_eq!(cal.publication_date(w.issue).weekday(), Weekday::Wed);
    }

    #[test]
    fn rollover_across_the_new_year() {
        let cal = twir();
        let last_of_2026 = cal.open_at(utc("2026-12-29T00:00:00Z"));
        assert_eq!(last_of_2026.closes_at, utc("2026-12-29T12:00:00Z"));
        let next = cal.next_after(&last_of_2026);
        assert_eq!(next.issue, last_of_2026.issue + 1);
        assert_eq!(next.opens_at, last_of_2026.closes_at);
        assert_eq!(next.closes_at, utc("2027-01-05T12:00:00Z"));
        assert_eq!(next, cal.window(next.issue));
    }

    #[test]
    fn rollover_after_downtime_creates_every_missed_week() {
        let cal = twir();
        let open = cal.window(680);
        let chain = cal.rollover(&open, utc("2026-12-20T00:00:00Z"));
        let issues: Vec<i32> = chain.iter().map(|w| w.issue).collect();
        assert_eq!(issues, vec![680, 681, 682, 683]);
        assert!(chain.windows(2).all(|p| p[0].closes_at == p[1].opens_at));
        assert_eq!(cal.rollover(&open, utc("2026-11-25T00:00:00Z")), vec![open]);
    }

    #[test]
    fn a_holiday_cutoff_does_not_shift_later_weeks() {
        let cal = twir();
        let mut open = cal.window(680);
        open.closes_at = utc("2026-11-30T09:00:00Z"); // an editor closed early, on Monday
        assert_eq!(cal.next_after(&open).closes_at, utc("2026-12-08T12:00:00Z"));
        open.closes_at = utc("2026-12-02T12:00:00Z"); // or a day late
        assert_eq!(cal.next_after(&open).closes_at, utc("2026-12-08T12:00:00Z"));
    }

    #[test]
    fn absurd_issue_numbers_give_dates_not_panics() {
        let cal = twir();
        for issue in [i32::MIN, -1, 0, 100_001, i32::MAX] {
            let w = cal.window(issue);
            let _ = cal.next_after(&w);
            let _ = cal.publication_date(issue);
        }
        let _ = cal.open_at(DateTime::<Utc>::MAX_UTC);
        let _ = cal.open_at(DateTime::<Utc>::MIN_UTC);
    }

    #[test]
    fn week_edits_are_bounded() {
        let now = utc("2026-11-24T13:00:00Z");
        assert!(check_week_edit(Some(681), Some(utc("2026-12-02T12:00:00Z")), now).is_ok());
        for issue in [0, -5, 100_001, i32::MAX] {
            assert!(check_week_edit(Some(issue), None, now).is_err(), "{issue}");
        }
        assert!(check_week_edit(None, Some(utc("2036-01-01T00:00:00Z")), now).is_err());
        assert!(check_week_edit(None, Some(utc("2025-11-01T00:00:00Z")), now).is_err());
    }

    #[test]
    fn cutoff_parsing() {
        let c: Cutoff = "Tue 12:00".parse().unwrap();
        assert_eq!(c.weekday, Weekday::Tue);
        assert_eq!(c.to_string(), "Tue 12:00");
        assert!("Tuesday 12:00".parse::<Cutoff>().is_ok());
        assert!("Tue".parse::<Cutoff>().is_err());
        assert!("Tue 25:00".parse::<Cutoff>().is_err());
        assert!("Funday 12:00".parse::<Cutoff>().is_err());
    }

    #[test]
    fn picks_wait_for_the_issue() {
        let calendar = Calendar {
            anchor_issue: 680,
            anchor_date: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            cutoff: "Tue 12:00".parse().unwrap(),
        };
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert!(!picks_public(680, false, &calendar, at("2026-12-01T18:00:00Z")));
        assert!(picks_public(680, true, &calendar, at("2026-12-01T18:00:00Z")));
        assert!(picks_public(680, false, &calendar, at("2026-12-02T00:00:00Z")));
        assert_eq!(public_through(&calendar, at("2026-12-01T23:59:00Z")), 679);
        assert_eq!(public_through(&calendar, at("2026-12-02T00:00:00Z")), 680);
        assert_eq!(public_through(&calendar, at("2026-12-08T23:59:00Z")), 680);
        for (issue, t) in [
            (679, "2026-11-30T10:00:00Z"),
            (681, "2026-12-09T00:00:00Z"),
            (700, "2027-05-01T00:00:00Z"),
        ] {
            let t = at(t);
            let through = public_through(&calendar, t);
            assert_eq!(
                picks_public(issue, false, &calendar, t),
                issue <= through,
                "{issue} at {t}"
            );
        }
    }

    #[test]
    fn the_desk_opens_the_week_to_pick() {
        let calendar = Calendar {
            anchor_issue: 680,
            anchor_date: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            cutoff: "Tue 12:00".parse().unwrap(),
        };
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // Tuesday evening and Wednesday (publication day): the closed week, unless published.
        assert_eq!(
            desk_issue(681, Some((680, false)), &calendar, at("2026-12-01T18:00:00Z")),
            680
        );
        assert_eq!(
            desk_issue(681, Some((680, false)), &calendar, at("2026-12-02T23:59:00Z")),
            680
        );
        assert_eq!(
            desk_issue(681, Some((680, true)), &calendar, at("2026-12-01T18:00:00Z")),
            681
        );
        // Thursday: the open week, published or not.
        assert_eq!(
            desk_issue(681, Some((680, false)), &calendar, at("2026-12-03T00:00:00Z")),
            681
        );
        assert_eq!(desk_issue(681, None, &calendar, at("2026-12-01T18:00:00Z")), 681);
    }
}

/// Are issue `issue`'s picks public at `now`? Not before the issue goes out: from its
/// publication day (UTC), or once the editors marked it published. Until then only the desk,
/// `export` and `fill-draft` see them: a pick shown while voting is open spoils the issue and
/// makes the remaining votes pointless.
pub fn picks_public(issue: i32, published: bool, calendar: &Calendar, now: DateTime<Utc>) -> bool {
    published || now.date_naive() >= calendar.publication_date(issue)
}

/// The last issue whose picks are public by date alone at `now` (later ones only once marked
/// published): for queries over many weeks.
pub fn public_through(calendar: &Calendar, now: DateTime<Utc>) -> i32 {
    let days = (now.date_naive() - calendar.anchor_date).num_days();
    let weeks = days.div_euclid(7);
    (i64::from(calendar.anchor_issue) + weeks).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// Which week the editor's desk opens on: the week that just closed, from its cut-off until its
/// issue is published (marked so, or its publication day over), since that is the week editors
/// pick in on Tuesday evening and Wednesday morning; otherwise the open week.
pub fn desk_issue(
    open_issue: i32,
    just_closed: Option<(i32, bool)>,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> i32 {
    match just_closed {
        Some((issue, published)) if issue == open_issue - 1 && !published => {
            let day_after = add_days(calendar.publication_date(issue), 1);
            if now.date_naive() < day_after {
                issue
            } else {
                open_issue
            }
        }
        _ => open_issue,
    }
}

/// "Tuesday 1 December 2026, 12:00 UTC"
/// A stored (UTC) time as RFC 3339, to the second: `2026-11-24T12:00:00Z`.
pub fn rfc3339(t: chrono::NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn human_time(t: DateTime<Utc>) -> String {
    t.format("%A %-d %B %Y, %H:%M UTC").to_string()
}

/// "Tuesday 1 December 2026, 12:00 UTC (in 3 hours)": a time as people read it, from `now`.
pub fn human_and_relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!("{} ({})", human_time(t), relative(t, now))
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
mod people_tests {
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
