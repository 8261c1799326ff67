//! The load benchmark: `cargo run --release --bin bench`.
//!
//! Starts the real server (the release `twir-picks` binary, as a child process) on SQLite, and
//! on PostgreSQL too when TEST_DATABASE_URL is set, with a realistic data set (the open week
//! with 40 crate and 40 quote nominations and 10,000 votes, 200 past weeks of history), drives
//! HTTP load over loopback with 64 connections, and prints for each scenario requests/s, p50
//! and p99 latency, and the ratio to `GET /livez` measured in the same run. Then the server's
//! peak RSS. Options: `--seconds N` per scenario (default 5), `--connections N` (default 64).

use chrono::Utc;
use diesel::prelude::*;
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use twir_picks::db::{Db, DbConnection};
use twir_picks::schema::{featured_history, nominations, nominators, users, votes};
use twir_picks::settings::{DatabaseUrl, Settings, SettingsArgs};

/// A fixed key (hex) so the benchmark server needs no key file.
const SESSION_KEY: &str = "5e55104b5e55104b5e55104b5e55104b5e55104b5e55104b5e55104b5e55104b5e55104b5e55104b5e55104b5e55104b5e55104b5e55104b5e55104b5e55104b";

struct Options {
    seconds: u64,
    connections: usize,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str, default: u64| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    Options {
        seconds: value("--seconds", 5),
        connections: value("--connections", 64) as usize,
    }
}

fn main() -> anyhow::Result<()> {
    let opts = options();
    println!(
        "twir-picks load benchmark: {} connections, {} s per scenario",
        opts.connections, opts.seconds
    );
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        cpu_model()
    );
    let dir = tempfile::tempdir()?;
    let mut backends = vec![(
        "SQLite",
        format!("sqlite://{}", dir.path().join("bench.db").display()),
    )];
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        if !url.trim().is_empty() {
            backends.push(("PostgreSQL", postgres_bench_db(&url)?));
        }
    }
    for (name, url) in backends {
        println!("\n== {name}");
        run_backend(&url, dir.path(), &opts)?;
    }
    Ok(())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// A fresh database for the benchmark on the server TEST_DATABASE_URL names.
fn postgres_bench_db(admin_url: &str) -> anyhow::Result<String> {
    let mut admin = diesel::PgConnection::establish(admin_url)?;
    diesel::sql_query("DROP DATABASE IF EXISTS twir_bench WITH (FORCE)").execute(&mut admin)?;
    diesel::sql_query("CREATE DATABASE twir_bench").execute(&mut admin)?;
    let mut url = url::Url::parse(admin_url)?;
    url.set_path("twir_bench");
    Ok(url.to_string())
}

/// The data set: the open week with 40 crate and 40 quote nominations and 10,000 votes, and
/// 200 past weeks of featured history.
fn seed(url: &str) -> anyhow::Result<(i32, Vec<i32>)> {
    let settings = Settings::from_args(&SettingsArgs {
        database_url: url.into(),
        ..SettingsArgs::default()
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = Db::connect(&settings.database)?;
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

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(url: &str, data_dir: &std::path::Path) -> anyhow::Result<Server> {
    let exe = std::env::current_exe()?.with_file_name("twir-picks");
    anyhow::ensure!(
        exe.exists(),
        "build the server first: cargo build --release (looked for {})",
        exe.display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new(exe)
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("RATE_LIMITS", "off")
        .env("DEV_LOGIN", "true")
        .env("MIN_ACCOUNT_AGE_DAYS", "0")
        .env("SESSION_KEY", SESSION_KEY)
        .env("CRATES_IO_API_URL", "http://127.0.0.1:1/api/v1")
        .env("RUST_LOG", "error")
        .current_dir(data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let mut server = Server { child, base };
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(server.child.try_wait()?.is_none(), "the server stopped at start");
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(server)
}

fn wal_size(sqlite_path: &str) -> u64 {
    std::fs::metadata(format!("{sqlite_path}-wal"))
        .map(|m| m.len())
        .unwrap_or(0)
}

fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// A logged-in browser: its cookie and CSRF token.
#[derive(Clone)]
struct Session {
    cookie: String,
    csrf: String,
}

fn cookie_of(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("twir-picks="))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
}

fn csrf_of(html: &str) -> Option<String> {
    let marker = r#"name="csrf_token" value=""#;
    let start = html.find(marker)? + marker.len();
    Some(html[start..start + html[start..].find('"')?].to_string())
}

async fn dev_login(client: &reqwest::Client, base: &str, login: &str) -> anyhow::Result<Session> {
    let form = client.get(format!("{base}/dev/login")).send().await?;
    let cookie = cookie_of(&form).ok_or_else(|| anyhow::anyhow!("no session cookie"))?;
    let csrf = csrf_of(&form.text().await?).ok_or_else(|| anyhow::anyhow!("no csrf token"))?;
    let res = client
        .post(format!("{base}/dev/login"))
        .header("Cookie", &cookie)
        .form(&[("login", login), ("csrf_token", &csrf)])
        .send()
        .await?;
    anyhow::ensure!(res.status() == 303, "dev login answered {}", res.status());
    let cookie = cookie_of(&res).ok_or_else(|| anyhow::anyhow!("no session cookie after login"))?;
    // The first page after login adds the session's CSRF token to the cookie.
    let home = client
        .get(format!("{base}/"))
        .header("Cookie", &cookie)
        .send()
        .await?;
    let cookie = cookie_of(&home).unwrap_or(cookie);
    let csrf = csrf_of(&home.text().await?).ok_or_else(|| anyhow::anyhow!("no csrf token when logged in"))?;
    Ok(Session { cookie, csrf })
}

struct Stats {
    requests: usize,
    errors: usize,
    seconds: f64,
    latencies_us: Vec<u32>,
}

impl Stats {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }
}

/// What one request of a scenario is.
#[derive(Clone)]
enum Request {
    Get {
        path: &'static str,
        cookie: Option<String>,
    },
    Vote {
        session: Session,
        user: usize,
        nomination: i32,
    },
}

type Plan = Arc<dyn Fn(usize, usize) -> Request + Send + Sync>;

/// Accepted votes: user → the last nomination whose vote was answered with success.
type Accepted = Arc<Mutex<HashMap<usize, i32>>>;

async fn load(
    client: &reqwest::Client,
    base: &str,
    plan: Plan,
    connections: usize,
    seconds: u64,
    accepted: Accepted,
) -> Stats {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let errors = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..connections {
        let (client, base, plan, errors, accepted) = (
            client.clone(),
            base.to_string(),
            plan.clone(),
            errors.clone(),
            accepted.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(50_000);
            let mut i = 0;
            while Instant::now() < deadline {
                let request = plan(task, i);
                i += 1;
                let sent = Instant::now();
                let ok = match &request {
                    Request::Get { path, cookie } => {
                        let mut r = client.get(format!("{base}{path}"));
                        if !path.ends_with("?identity") {
                            r = r.header("Accept-Encoding", "gzip");
                        }
                        if let Some(c) = cookie {
                            r = r.header("Cookie", c);
                        }
                        match r.send().await {
                            Ok(res) => res.status().is_success() && res.bytes().await.is_ok(),
                            Err(_) => false,
                        }
                    }
                    Request::Vote {
                        session,
                        user,
                        nomination,
                    } => {
                        let id = nomination.to_string();
                        let res = client
                            .post(format!("{base}/votes"))
                            .header("Cookie", &session.cookie)
                            .form(&[
                                ("nomination_id", id.as_str()),
                                ("csrf_token", session.csrf.as_str()),
                            ])
                            .send()
                            .await;
                        match res {
                            Ok(res) if res.status() == 303 => {
                                accepted.lock().unwrap().insert(*user, *nomination);
                                true
                            }
                            _ => false,
                        }
                    }
                };
                latencies.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                if !ok {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            latencies
        }));
    }
    let mut latencies_us = Vec::new();
    for t in tasks {
        latencies_us.extend(t.await.unwrap_or_default());
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies_us.sort_unstable();
    Stats {
        requests: latencies_us.len(),
        errors: errors.load(Ordering::Relaxed),
        seconds,
        latencies_us,
    }
}

fn run_backend(url: &str, data_dir: &std::path::Path, opts: &Options) -> anyhow::Result<()> {
    let (issue, crate_ids) = seed(url)?;
    let server = start_server(url, data_dir)?;
    let pid = server.child.id();
    let base = server.base.clone();
    // The largest the SQLite write-ahead log gets during the run, sampled every 50 ms.
    let watching = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let wal_watch = {
        let watching = watching.clone();
        let path = url.strip_prefix("sqlite://").unwrap_or_default().to_string();
        std::thread::spawn(move || {
            let mut peak = 0;
            while !path.is_empty() && watching.load(Ordering::Relaxed) {
                peak = peak.max(wal_size(&path));
                std::thread::sleep(Duration::from_millis(50));
            }
            peak
        })
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(opts.connections)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        // Readers and voters sign in with DEV_LOGIN (the benchmark's server only).
        let mut readers = Vec::new();
        for i in 0..opts.connections {
            readers.push(dev_login(&client, &base, &format!("reader{i}")).await?);
        }
        let voters_count = opts.connections * 16;
        let mut voters = Vec::new();
        for i in 0..voters_count {
            voters.push(dev_login(&client, &base, &format!("voter{i}")).await?);
        }
        let readers = Arc::new(readers);
        let voters = Arc::new(voters);
        let crate_ids = Arc::new(crate_ids);
        let connections = opts.connections;
        let vote_plan = {
            let (voters, crate_ids) = (voters.clone(), crate_ids.clone());
            move |task: usize, i: usize| {
                // Each connection has its own voters, so a voter's requests never overlap.
                let user = task + connections * (i % 16);
                let nomination = crate_ids[(user * 31 + i * 7) % crate_ids.len()];
                Request::Vote {
                    session: voters[user].clone(),
                    user,
                    nomination,
                }
            }
        };
        let scenarios: Vec<(&str, Plan)> = vec![
            (
                "GET /livez",
                Arc::new(|_, _| Request::Get {
                    path: "/livez",
                    cookie: None,
                }),
            ),
            (
                "GET / (logged out)",
                Arc::new(|_, _| Request::Get {
                    path: "/",
                    cookie: None,
                }),
            ),
            ("GET / (logged in)", {
                let readers = readers.clone();
                Arc::new(move |task, _| Request::Get {
                    path: "/",
                    cookie: Some(readers[task].cookie.clone()),
                })
            }),
            ("GET / (logged in, identity)", {
                let readers = readers.clone();
                Arc::new(move |task, _| Request::Get {
                    path: "/?identity",
                    cookie: Some(readers[task].cookie.clone()),
                })
            }),
            (
                "GET /api/v1/weeks/current",
                Arc::new(|_, _| Request::Get {
                    path: "/api/v1/weeks/current",
                    cookie: None,
                }),
            ),
            (
                "GET /winners",
                Arc::new(|_, _| Request::Get {
                    path: "/winners",
                    cookie: None,
                }),
            ),
            ("POST /votes (distinct users)", Arc::new(vote_plan.clone())),
            ("mixed 95% reads / 5% votes", {
                let vote_plan = vote_plan.clone();
                Arc::new(move |task, i| match i % 20 {
                    0 => vote_plan(task, i / 20),
                    n if n % 2 == 0 => Request::Get {
                        path: "/",
                        cookie: None,
                    },
                    _ => Request::Get {
                        path: "/api/v1/weeks/current",
                        cookie: None,
                    },
                })
            }),
        ];
        println!(
            "{:<32} {:>10} {:>9} {:>9} {:>10} {:>8}",
            "scenario", "req/s", "p50 ms", "p99 ms", "vs /livez", "errors"
        );
        let accepted: Accepted = Arc::new(Mutex::new(HashMap::new()));
        let mut livez = 0.0;
        for (name, plan) in scenarios {
            let stats = load(&client, &base, plan, connections, opts.seconds, accepted.clone()).await;
            if name == "GET /livez" {
                livez = stats.rate();
            }
            println!(
                "{:<32} {:>10.0} {:>9.2} {:>9.2} {:>10.2} {:>8}",
                name,
                stats.rate(),
                stats.percentile(0.5),
                stats.percentile(0.99),
                stats.rate() / livez,
                stats.errors
            );
        }
        // Every accepted vote is there: each voter's last accepted vote is the stored one.
        let accepted = accepted.lock().unwrap().clone();
        let stored = stored_votes(url, issue)?;
        let mut missing = 0;
        for (user, nomination) in &accepted {
            if stored.get(&format!("voter{user}")) != Some(nomination) {
                missing += 1;
            }
        }
        println!(
            "accepted votes checked: {} voters, {} not as accepted",
            accepted.len(),
            missing
        );
        anyhow::Ok(())
    })?;
    match peak_rss_mb(pid) {
        Some(mb) => println!("server peak RSS: {mb:.1} MB"),
        None => println!("server peak RSS: unknown"),
    }
    if let Some(path) = url.strip_prefix("sqlite://") {
        watching.store(false, Ordering::Relaxed);
        let peak = wal_watch.join().unwrap_or(0);
        println!(
            "SQLite write-ahead log: peak {:.1} MB, after the run {:.1} MB",
            peak as f64 / 1e6,
            wal_size(path) as f64 / 1e6
        );
    }
    Ok(())
}

/// login → nomination of this week's crate vote, as stored.
fn stored_votes(url: &str, issue: i32) -> anyhow::Result<HashMap<String, i32>> {
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
