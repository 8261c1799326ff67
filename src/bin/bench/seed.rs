//! The benchmark's data set, written straight to the database before the server starts.

use super::*;

pub(crate) fn postgres_bench_db(admin_url: &str) -> anyhow::Result<String> {
    let mut admin = diesel::PgConnection::establish(admin_url)?;
    diesel::sql_query("DROP DATABASE IF EXISTS twir_bench WITH (FORCE)").execute(&mut admin)?;
    diesel::sql_query("CREATE DATABASE twir_bench").execute(&mut admin)?;
    let mut url = url::Url::parse(admin_url)?;
    url.set_path("twir_bench");
    Ok(url.to_string())
}

/// Issue numbers start this high, so that 2,000 past weeks have positive numbers too.
pub(crate) const ANCHOR_ISSUE: i32 = 2467;

/// Past votes seeded per past week (so 200 weeks hold 10,000 and 2,000 weeks 100,000).
pub(crate) const PAST_VOTES_PER_WEEK: usize = 50;

/// The data set: the open week with 40 crate and 40 quote nominations and 10,000 votes, and
/// `past_weeks` closed and published weeks before it, each with a crate and a quote picked,
/// `PAST_VOTES_PER_WEEK` votes and its featured history.
pub(crate) fn seed(url: &str, past_weeks: i32) -> anyhow::Result<(i32, Vec<i32>)> {
    let settings = Settings::from_args(&SettingsArgs {
        database_url: url.into(),
        anchor_issue: ANCHOR_ISSUE,
        ..SettingsArgs::default()
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = Db::connect_with(&settings.database, settings.sqlite_synchronous)?;
    let now = Utc::now();
    let calendar = settings.calendar;
    let week = db.write_blocking(|tx| twir_picks::models::week::ensure_open(tx, &calendar, now))?;
    let started = Instant::now();
    // Seeded through the one write path, like everything else.
    let crate_ids = db.write_blocking(|tx| {
        let conn = tx.conn();
        let n = now.naive_utc();
        for i in 0..5_000 {
            diesel::insert_into(users::table)
                .values((
                    users::github_id.eq(Some(1_000_000 + i as i64)),
                    users::login.eq(format!("seed{i}")),
                    users::github_created_at.eq(Some(n - chrono::Duration::days(400))),
                    users::created_at.eq(n),
                    users::updated_at.eq(n),
                ))
                .execute(conn)?;
        }
        let first_user: i32 = users::table.filter(users::login.eq("seed0")).select(users::id).first(conn)?;
        let mut ids = HashMap::new();
        for (category, count) in [("crate", 40), ("quote", 40)] {
            for i in 0..count {
                let by = first_user + i;
                let key = format!("{category}{i}");
                let row = (
                    nominations::category.eq(category),
                    nominations::week_issue.eq(week.issue),
                    nominations::nominated_by.eq(by),
                    nominations::created_at.eq(n - chrono::Duration::minutes(100 - i as i64)),
                    nominations::dedupe_key.eq(&key),
                    nominations::verified.eq(true),
                );
                if category == "crate" {
                    diesel::insert_into(nominations::table)
                        .values((
                            row,
                            nominations::crate_name.eq(format!("bench_crate_{i}")),
                            nominations::pitch.eq("a crate that makes benchmarks look good, with a pitch of a realistic length"),
                            nominations::description.eq(Some("A description from crates.io of a realistic length as well.")),
                        ))
                        .execute(conn)?;
                } else {
                    diesel::insert_into(nominations::table)
                        .values((
                            row,
                            nominations::quote_text.eq("A quote of a realistic length: Rust makes the easy things a little harder and the hard things possible, and the impossible things merely very hard.\n\nAnd a second paragraph."),
                            nominations::author.eq(format!("Author {i}")),
                            nominations::where_said.eq("on rust-users"),
                            nominations::source_url.eq("https://users.rust-lang.org/t/1"),
                        ))
                        .execute(conn)?;
                }
                let id: i32 = nominations::table.filter(nominations::dedupe_key.eq(&key)).select(nominations::id).first(conn)?;
                diesel::insert_into(nominators::table)
                    .values((
                        nominators::nomination_id.eq(id),
                        nominators::user_id.eq(by),
                        nominators::self_suggestion.eq(false),
                        nominators::created_at.eq(n),
                    ))
                    .execute(conn)?;
                ids.insert(key, id);
            }
        }
        // 10,000 votes: 5,000 users in each category, skewed towards the first nominations.
        for u in 0..5_000 {
            for category in ["crate", "quote"] {
                let pick = ((u * 7919) % 1000) as f64 / 1000.0;
                let i = ((pick * pick) * 40.0) as i32;
                let id = ids[&format!("{category}{i}")];
                diesel::insert_into(votes::table)
                    .values((
                        votes::user_id.eq(first_user + u),
                        votes::week_issue.eq(week.issue),
                        votes::category.eq(category),
                        votes::nomination_id.eq(id),
                        votes::created_at.eq(n),
                        votes::updated_at.eq(n),
                    ))
                    .execute(conn)?;
            }
        }
        seed_past_weeks(conn, &week, past_weeks, first_user)?;
        for issue in (week.issue - past_weeks)..week.issue {
            for (category, name) in [("crate", format!("history_crate_{issue}")), ("quote", format!("Someone on rust-users {issue}"))] {
                diesel::insert_into(featured_history::table)
                    .values((
                        featured_history::issue.eq(issue),
                        featured_history::published_on.eq("2023-01-01"),
                        featured_history::category.eq(category),
                        featured_history::position.eq(0),
                        featured_history::name.eq(&name),
                        featured_history::dedupe_key.eq(name.to_lowercase()),
                        featured_history::url.eq(Some("https://crates.io/crates/x")),
                        featured_history::body.eq("This week's crate is [x](https://crates.io/crates/x), a crate.\n\nThanks to [someone](https://users.rust-lang.org/t/1) for the suggestion!"),
                        featured_history::source_file.eq("bench.md"),
                        featured_history::imported_at.eq(n),
                    ))
                    .execute(conn)?;
            }
        }
        Ok((0..40).map(|i| ids[&format!("crate{i}")]).collect::<Vec<i32>>())
    })?;
    // Fresh statistics, as a database in service has: otherwise PostgreSQL's autovacuum
    // analyses the new rows in the middle of the measurements.
    db.write_blocking(|tx| {
        use diesel::connection::SimpleConnection;
        Ok(tx.conn().batch_execute("ANALYZE")?)
    })?;
    println!(
        "seeded 5,000 users, 80 nominations and 10,000 votes this week, {} past weeks with {} votes, in {:.1} s",
        thousands(past_weeks as usize),
        thousands(past_weeks as usize * PAST_VOTES_PER_WEEK),
        started.elapsed().as_secs_f64()
    );
    Ok((week.issue, crate_ids))
}

/// login → nomination of this week's crate vote, as stored.
pub(crate) fn stored_votes(url: &str, issue: i32) -> anyhow::Result<HashMap<String, i32>> {
    let db = Db::connect(&DatabaseUrl::parse(url).map_err(|e| anyhow::anyhow!(e))?)?;
    let mut conn = db.get()?;
    let rows: Vec<(String, i32)> = votes::table
        .inner_join(users::table)
        .filter(votes::week_issue.eq(issue))
        .filter(votes::category.eq("crate"))
        .filter(votes::withdrawn.eq(false))
        .select((users::login, votes::nomination_id))
        .load(&mut *conn as &mut DbConnection)?;
    Ok(rows.into_iter().collect())
}

/// Multi-row inserts, by backend (diesel's `MultiConnection` has no batch insert).
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {
        for chunk in $rows.chunks(500) {
            match &mut *$conn {
                DbConnection::Sqlite(c) => diesel::insert_into($table).values(chunk).execute(c)?,
                DbConnection::Pg(c) => diesel::insert_into($table).values(chunk).execute(c)?,
            };
        }
    };
}

/// `count` closed, published weeks before `open`, each with a crate and a quote nominated,
/// picked and voted for (`PAST_VOTES_PER_WEEK` votes), in multi-row inserts.
fn seed_past_weeks(
    conn: &mut DbConnection,
    open: &twir_picks::models::week::Week,
    count: i32,
    first_user: i32,
) -> diesel::QueryResult<()> {
    use twir_picks::schema::{picks, weeks};
    let n = Utc::now().naive_utc();
    let issues: Vec<i32> = (1..=count).map(|k| open.issue - k).collect();
    let week_rows: Vec<_> = issues
        .iter()
        .map(|&issue| {
            let back = chrono::Duration::days(7 * i64::from(open.issue - issue));
            (
                weeks::issue.eq(issue),
                weeks::opens_at.eq(open.opens_at - back),
                weeks::closes_at.eq(open.closes_at - back),
                weeks::status.eq("closed"),
                weeks::published_at.eq(Some(open.closes_at - back + chrono::Duration::days(1))),
            )
        })
        .collect();
    insert_all!(conn, weeks::table, week_rows);
    let mut nomination_rows = Vec::new();
    for &issue in &issues {
        for category in ["crate", "quote"] {
            nomination_rows.push((
                nominations::category.eq(category),
                nominations::week_issue.eq(issue),
                nominations::nominated_by.eq(first_user),
                nominations::created_at.eq(n),
                nominations::dedupe_key.eq(format!("past_{category}_{issue}")),
                nominations::verified.eq(true),
                nominations::crate_name.eq((category == "crate").then(|| format!("past_crate_{issue}"))),
                nominations::pitch.eq((category == "crate").then_some("a crate from the past")),
                nominations::quote_text.eq((category == "quote").then_some("A quote from the past.")),
                nominations::author.eq((category == "quote").then_some("Someone")),
                nominations::where_said.eq((category == "quote").then_some("on rust-users")),
                nominations::source_url
                    .eq((category == "quote").then_some("https://users.rust-lang.org/t/1")),
            ));
        }
    }
    insert_all!(conn, nominations::table, nomination_rows);
    let past: Vec<(i32, i32, String)> = nominations::table
        .filter(nominations::dedupe_key.like("past_%"))
        .select((nominations::id, nominations::week_issue, nominations::category))
        .load(conn)?;
    let mut nominator_rows = Vec::new();
    let mut pick_rows = Vec::new();
    let mut vote_rows = Vec::new();
    for (id, issue, category) in &past {
        nominator_rows.push((
            nominators::nomination_id.eq(*id),
            nominators::user_id.eq(first_user),
            nominators::self_suggestion.eq(false),
            nominators::created_at.eq(n),
        ));
        pick_rows.push((
            picks::week_issue.eq(*issue),
            picks::category.eq(category.clone()),
            picks::nomination_id.eq(*id),
            picks::picked_by.eq(first_user),
            picks::picked_at.eq(n),
        ));
        for u in 1..=(PAST_VOTES_PER_WEEK / 2) as i32 {
            vote_rows.push((
                votes::user_id.eq(first_user + u),
                votes::week_issue.eq(*issue),
                votes::category.eq(category.clone()),
                votes::nomination_id.eq(*id),
                votes::created_at.eq(n),
                votes::updated_at.eq(n),
            ));
        }
    }
    insert_all!(conn, nominators::table, nominator_rows);
    insert_all!(conn, picks::table, pick_rows);
    insert_all!(conn, votes::table, vote_rows);
    Ok(())
}

/// 100000 as "100,000".
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}
