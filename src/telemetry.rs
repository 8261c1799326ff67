//! Prometheus metrics, served on their own listener (`METRICS_BIND`) so they are never public:
//! requests by route and status with latency histograms, votes cast, moved and withdrawn,
//! nominations, the database pools (use and wait), SQLite's write-ahead log, and the forum
//! bridge's reads. Recorded through the `metrics` facade everywhere (a no-op until a recorder is
//! installed); rendered by `metrics-exporter-prometheus`.

use crate::db::Db;
use actix_web::{web, App, HttpResponse, HttpServer};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::net::TcpListener;
use std::sync::OnceLock;

/// Seconds: from a cached page (well under a millisecond) to a slow write.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The process's one recorder (the `metrics` facade has one global recorder; tests start
/// several services in one process, and they share it).
fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .expect("buckets are not empty")
                .build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was installed already");
            }
            handle
        })
        .clone()
}

/// Install the recorder and serve `GET /metrics` on `listener`; runs until the process stops.
pub fn serve(listener: TcpListener, db: Db) -> anyhow::Result<()> {
    let handle = handle();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new((handle.clone(), db.clone())))
            .route("/metrics", web::get().to(render))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    actix_web::rt::spawn(server);
    Ok(())
}

async fn render(data: web::Data<(PrometheusHandle, Db)>) -> HttpResponse {
    let (handle, db) = data.get_ref();
    // Gauges read at scrape time.
    for (pool, open, idle) in db.pool_use() {
        metrics::gauge!("twir_db_pool_connections", "pool" => pool, "state" => "idle").set(f64::from(idle));
        metrics::gauge!("twir_db_pool_connections", "pool" => pool, "state" => "in_use")
            .set(f64::from(open.saturating_sub(idle)));
    }
    if let Some(bytes) = db.wal_bytes() {
        metrics::gauge!("twir_sqlite_wal_bytes").set(bytes as f64);
    }
    handle.run_upkeep();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}

/// One request: counted by method, route pattern and status, timed by method and route.
pub async fn record_request(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let method = req.method().to_string();
    let res = next.call(req).await?;
    // The route's pattern, not its path: ids do not make new series.
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let status = res.status().as_u16().to_string();
    metrics::counter!("twir_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("twir_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    Ok(res)
}

/// A committed vote, as the tally saw it: cast (a first vote), moved, or withdrawn. Without a
/// loaded snapshot a vote counts as cast.
pub fn count_vote(recorded: Option<crate::cache::Recorded>, nomination: Option<i32>) {
    use crate::cache::Recorded;
    let action = match (recorded, nomination) {
        (Some(Recorded::Unchanged), _) => return,
        (
            Some(Recorded::Moved {
                from: Some(_),
                to: Some(_),
            }),
            _,
        ) => "moved",
        (_, None) => "withdrawn",
        (_, Some(_)) => "cast",
    };
    metrics::counter!("twir_votes_total", "action" => action).increment(1);
}

/// A nomination made (a new one or a co-nomination), by where it came from.
pub fn count_nomination(category: crate::domain::validate::Category, source: &'static str) {
    metrics::counter!("twir_nominations_total", "category" => category.as_str(), "source" => source)
        .increment(1);
}

/// A read of a forum thread: when it last succeeded, and how many failed.
pub fn forum_read(topic: i64, ok: bool, now: chrono::DateTime<chrono::Utc>) {
    let topic = topic.to_string();
    if ok {
        metrics::gauge!("twir_forum_last_read_timestamp_seconds", "topic" => topic)
            .set(now.timestamp() as f64);
    } else {
        metrics::counter!("twir_forum_read_failures_total", "topic" => topic).increment(1);
    }
}
