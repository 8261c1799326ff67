//! `/metrics` on its own listener (`METRICS_BIND`): Prometheus text that parses, counting
//! requests by route and status, votes and nominations, with the pools and SQLite's log.

use crate::common;

use common::{spawn_app_with, Profile};
use std::collections::HashMap;

/// Prometheus text format, read strictly enough to fail on anything malformed:
/// `# HELP`/`# TYPE` comments, and `name{label="value",…} number` samples.
fn parse(text: &str) -> HashMap<String, f64> {
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    let mut samples = HashMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.split_whitespace();
            let kind = words.next().unwrap();
            assert!(matches!(kind, "HELP" | "TYPE"), "{line}");
            assert!(name_ok(words.next().unwrap()), "{line}");
            if kind == "TYPE" {
                assert!(
                    matches!(
                        words.next(),
                        Some("counter" | "gauge" | "histogram" | "summary" | "untyped")
                    ),
                    "{line}"
                );
            }
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("not a number: {line}"));
        let name = series.split('{').next().unwrap();
        assert!(name_ok(name), "{line}");
        if let Some(labels) = series.strip_prefix(name).filter(|l| !l.is_empty()) {
            assert!(labels.starts_with('{') && labels.ends_with('}'), "{line}");
            for pair in labels[1..labels.len() - 1].split("\",").filter(|p| !p.is_empty()) {
                let (key, quoted) = pair.split_once('=').unwrap_or_else(|| panic!("{line}"));
                assert!(name_ok(key) && quoted.starts_with('"'), "{line}");
            }
        }
        samples.insert(series.to_string(), value);
    }
    samples
}

on_both_backends! {
    async fn metrics_parse_and_count_a_vote(backend) {
        let app = spawn_app_with(backend, |a| a.metrics_bind = Some("127.0.0.1:0".into())).await;
        let metrics = format!("http://{}/metrics", app.metrics_addr.expect("a metrics listener"));
        let before = parse(&reqwest::get(&metrics).await.unwrap().text().await.unwrap());
        let votes = |m: &HashMap<String, f64>, action: &str| {
            m.get(&format!("twir_votes_total{{action=\"{action}\"}}")).copied().unwrap_or(0.0)
        };

        let carol = app.logged_in(Profile::new(3, "carol")).await;
        let a = carol.nominated_crate("serde").await;
        let b = carol.nominated_crate("rayon").await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        let _ = bob.json("/api/v1/weeks/current").await; // the ranking is in memory
        assert_eq!(bob.vote(a).await.status(), 303);
        assert_eq!(bob.vote(b).await.status(), 303);

        let res = reqwest::get(&metrics).await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
        let after = parse(&res.text().await.unwrap());
        assert!(votes(&after, "cast") >= votes(&before, "cast") + 1.0, "a vote counted");
        assert!(votes(&after, "moved") >= votes(&before, "moved") + 1.0, "a moved vote counted");
        let nominations = after
            .iter()
            .filter(|(k, _)| k.starts_with("twir_nominations_total{") && k.contains("source=\"site\""))
            .map(|(_, v)| v)
            .sum::<f64>();
        assert!(nominations >= 2.0);
        let route = after
            .keys()
            .find(|k| k.starts_with("twir_http_requests_total{") && k.contains("route=\"/votes\"") && k.contains("status=\"303\""));
        assert!(route.is_some(), "requests by route and status");
        assert!(after.keys().any(|k| k.starts_with("twir_http_request_duration_seconds_bucket{")));
        assert!(after.keys().any(|k| k.starts_with("twir_db_pool_connections{")));
        assert!(after.keys().any(|k| k.starts_with("twir_db_pool_wait_seconds")));
        if backend == common::Backend::Sqlite {
            assert!(after.contains_key("twir_sqlite_wal_bytes"));
        }
        // Not on the public listener.
        assert_eq!(app.get("/metrics").await.status(), 404);
    }
}
