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

/// The data set: the open week with 40 crate and 40 quote nominations and 10,000 votes, and
/// 200 past weeks of featured history.
pub(crate) fn seed(url: &str) -> anyhow::Result<(i32, Vec<i32>)> {
    let settings = Settings::from_args(&SettingsArgs {
        database_url: url.into(),
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
        for issue in (week.issue - 200)..week.issue {
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
    println!(
        "seeded 5,000 users, 80 nominations, 10,000 votes, 200 weeks of history in {:.1} s",
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
