//! The load benchmark: `cargo run --release --features bench --bin bench`.
//!
//! Starts the real server (the release `twir-picks` binary, as a child process) on SQLite, and
//! on PostgreSQL too when TEST_DATABASE_URL is set, with a realistic data set (the open week
//! with 40 crate and 40 quote nominations and 10,000 votes, 200 past weeks with 10,000 votes),
//! drives HTTP load over loopback with 64 connections, and prints for each scenario requests/s,
//! p50 and p99 latency, and the ratio to `GET /livez` measured in the same run: each scenario
//! runs in one-second slices, each right after a slice of `/livez`, and its ratio is the
//! median of the slices' ratios. Then the same
//! pages again on a fresh server with 2,000 past weeks and 100,000 past votes, the servers'
//! peak RSS, and every performance target (the README's) next to its figure.
//! Options: `--seconds N` slices per scenario (default 5), `--connections N` (default 64), `--only
//! TEXT` (the scenarios whose name holds it, in the 200-week run only: for trying a change).

mod load;
mod seed;
mod server;
mod targets;

use load::*;
use seed::*;
use server::*;
use targets::*;

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
    /// `--only TEXT`: just the scenarios whose name holds TEXT (and `/livez`), one run each.
    only: Option<String>,
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
        only: args
            .iter()
            .position(|a| a == "--only")
            .and_then(|i| args.get(i + 1))
            .cloned(),
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
        println!("\n== {name}, 200 past weeks");
        let usual = run_backend(&url, 200, dir.path(), &opts, true)?;
        if opts.only.is_some() {
            continue;
        }
        println!("\n== {name}, 2,000 past weeks");
        let fresh = match url.strip_prefix("sqlite://") {
            Some(_) => format!("sqlite://{}", dir.path().join("bench-2000.db").display()),
            None => postgres_bench_db(&std::env::var("TEST_DATABASE_URL")?)?,
        };
        let long = run_backend(&fresh, 2000, dir.path(), &opts, false)?;
        print_targets(name, &usual, &long);
    }
    Ok(())
}

/// The middle value (the mean of the two middle ones for an even count).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
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

/// One run on a fresh database at `url` with `past_weeks` of history: every scenario, or
/// (`all` false) `/livez` and the pages.
fn run_backend(
    url: &str,
    past_weeks: i32,
    data_dir: &std::path::Path,
    opts: &Options,
    all: bool,
) -> anyhow::Result<RunResult> {
    let (issue, crate_ids) = seed(url, past_weeks)?;
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
    let measured = runtime.block_on(async {
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
        // What a page weighs on the wire: the anonymous one compressed whole, a member's
        // stitched from pieces compressed apart.
        let size = |cookie: Option<String>, encoding: &'static str| {
            let (client, base) = (client.clone(), base.clone());
            async move {
                let mut request = client.get(format!("{base}/")).header("Accept-Encoding", encoding);
                if let Some(cookie) = cookie {
                    request = request.header("Cookie", cookie);
                }
                anyhow::Ok(request.send().await?.bytes().await?.len() as f64 / 1024.0)
            }
        };
        println!(
            "GET / in KiB: anonymous gzip {:.1}, member gzip {:.1}, member plain {:.1}",
            size(None, "gzip").await?,
            size(Some(readers[0].cookie.clone()), "gzip").await?,
            size(Some(readers[0].cookie.clone()), "identity").await?,
        );
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
        // Warm up (connections, caches, CPU frequency) before anything is measured.
        let warm: Plan = Arc::new(|_, _| Request::Get {
            path: "/livez",
            cookie: None,
        });
        load(&client, &base, warm, connections, 1, accepted.clone()).await;
        // Each scenario is measured in one-second slices, each right after a slice of
        // `/livez`; its ratio is the median of the slices' ratios. The machine's speed drifts
        // by 20% and more within a run (other tenants, CPU frequency): side by side, a slice
        // and its `/livez` see the same machine, and the median drops the odd slice out.
        let mut livez_slices = Vec::new();
        let mut measured = Vec::new();
        let livez_plan = scenarios[0].1.clone();
        let mut rows = Vec::new();
        for (name, plan) in scenarios.into_iter().skip(1) {
            if !all && !PAGES.contains(&name) {
                continue;
            }
            if opts
                .only
                .as_ref()
                .is_some_and(|only| !name.contains(only.as_str()))
            {
                continue;
            }
            let mut slices = Vec::new();
            let mut ratios = Vec::new();
            for _ in 0..opts.seconds {
                let livez = load(
                    &client,
                    &base,
                    livez_plan.clone(),
                    connections,
                    1,
                    accepted.clone(),
                )
                .await;
                let slice = load(&client, &base, plan.clone(), connections, 1, accepted.clone()).await;
                ratios.push(slice.rate() / livez.rate().max(1.0));
                livez_slices.push(livez);
                slices.push(slice);
            }
            rows.push((name, Stats::merge(slices), median(&mut ratios)));
        }
        let livez = Stats::merge(livez_slices);
        rows.insert(0, ("GET /livez", livez, 1.0));
        for (name, stats, ratio) in rows {
            let rate = stats.rate();
            measured.push((name, rate, stats.percentile(0.99), ratio));
            println!(
                "{:<32} {:>10.0} {:>9.2} {:>9.2} {:>10.2} {:>8}",
                name,
                rate,
                stats.percentile(0.5),
                stats.percentile(0.99),
                ratio,
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
        if all {
            println!(
                "accepted votes checked: {} voters, {} not as accepted",
                accepted.len(),
                missing
            );
        }
        anyhow::Ok((measured, missing))
    })?;
    let rss_mb = peak_rss_mb(pid);
    match rss_mb {
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
    drop(server);
    let (scenarios, lost_votes) = measured;
    Ok(RunResult {
        scenarios,
        rss_mb,
        lost_votes,
    })
}
