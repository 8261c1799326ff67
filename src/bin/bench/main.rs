//! The load benchmark: `cargo run --release --bin bench`.
//!
//! Starts the real server (the release `twir-picks` binary, as a child process) on SQLite, and
//! on PostgreSQL too when TEST_DATABASE_URL is set, with a realistic data set (the open week
//! with 40 crate and 40 quote nominations and 10,000 votes, 200 past weeks of history), drives
//! HTTP load over loopback with 64 connections, and prints for each scenario requests/s, p50
//! and p99 latency, and the ratio to `GET /livez` measured in the same run. Then the server's
//! peak RSS. Options: `--seconds N` per scenario (default 5), `--connections N` (default 64).

mod load;
mod seed;
mod server;

use load::*;
use seed::*;
use server::*;

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
