//! The performance targets (README, "Performance"), each printed next to what a run measured.

use crate::seed::thousands;

/// What one run measured: per scenario (name, req/s, p99 ms, ratio to /livez), the server's
/// peak RSS, and accepted votes not stored as accepted.
pub(crate) struct RunResult {
    pub(crate) scenarios: Vec<(&'static str, f64, f64, f64)>,
    pub(crate) rss_mb: Option<f64>,
    pub(crate) lost_votes: usize,
}

impl RunResult {
    fn get(&self, name: &str) -> Option<(f64, f64, f64)> {
        self.scenarios
            .iter()
            .find(|s| s.0 == name)
            .map(|s| (s.1, s.2, s.3))
    }
}

/// `/livez` on the machine where the targets were set (req/s).
const ISSUE_LIVEZ: f64 = 43_300.0;

/// The pages compared between the 200-week and the 2,000-week runs.
pub(crate) const PAGES: [&str; 5] = [
    "GET / (logged out)",
    "GET / (logged in)",
    "GET / (logged in, identity)",
    "GET /api/v1/weeks/current",
    "GET /winners",
];

pub(crate) fn print_targets(backend: &str, usual: &RunResult, long: &RunResult) {
    println!("\n== {backend}: targets");
    let verdict = |ok: bool| if ok { "met" } else { "NOT MET" };
    let (votes, votes_p99, _) = usual.get("POST /votes (distinct users)").unwrap_or_default();
    let (floor, p99_cap) = if backend == "SQLite" {
        (10_000.0, Some(20.0))
    } else {
        (5_000.0, None)
    };
    match p99_cap {
        Some(cap) => println!(
            "  votes >= {}/s, p99 <= {cap:.0} ms: {}/s, p99 {votes_p99:.1} ms  {}",
            thousands(floor as usize),
            thousands(votes.round() as usize),
            verdict(votes >= floor && votes_p99 <= cap)
        ),
        None => println!(
            "  votes >= {}/s: {}/s  {}",
            thousands(floor as usize),
            thousands(votes.round() as usize),
            verdict(votes >= floor)
        ),
    }
    // The targets were set on a machine whose `/livez` ran at 43.3k req/s; on a slower one
    // the same server reaches less in absolute terms. The same share of `/livez` is printed
    // beside, marked as such: it is not the target, but says how far the code is from it.
    let (livez, _, _) = usual.get("GET /livez").unwrap_or_default();
    let (_, _, ratio) = usual.get("POST /votes (distinct users)").unwrap_or_default();
    let share = floor / ISSUE_LIVEZ;
    println!(
        "  (the votes target as a share of /livez, {share:.2}, as when it was set at /livez {}/s: \
         {ratio:.2} here, where /livez ran {}/s: {})",
        thousands(ISSUE_LIVEZ as usize),
        thousands(livez.round() as usize),
        if ratio >= share { "reached" } else { "not reached" }
    );
    println!(
        "  every accepted vote stored as accepted: {} not  {}",
        usual.lost_votes,
        verdict(usual.lost_votes == 0)
    );
    let (_, _, gzip) = usual.get("GET / (logged in)").unwrap_or_default();
    println!(
        "  logged-in GET / with gzip >= 0.50 of /livez: {gzip:.2}  {}",
        verdict(gzip >= 0.5)
    );
    let mut worst: (f64, &str) = (0.0, "");
    for page in PAGES {
        let (Some((_, _, a)), Some((_, _, b))) = (usual.get(page), long.get(page)) else {
            continue;
        };
        let change = b / a - 1.0;
        if change.abs() > worst.0.abs() {
            worst = (change, page);
        }
    }
    println!(
        "  2,000 weeks: every page ratio within 10% of 200 weeks: worst {:+.0}% ({})  {}",
        worst.0 * 100.0,
        worst.1,
        verdict(worst.0.abs() <= 0.10)
    );
    match long.rss_mb {
        Some(mb) => println!(
            "  2,000 weeks: peak RSS < 100 MB: {mb:.1} MB  {}",
            verdict(mb < 100.0)
        ),
        None => println!("  2,000 weeks: peak RSS unknown"),
    }
}
