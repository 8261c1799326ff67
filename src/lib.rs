//! twir-picks: nominate, vote on and pick This Week in Rust's Crate and Quote of the Week.
//! See ARCHITECTURE.md for the map.

pub mod actions;
pub mod actor;
pub mod backup;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod copy;
pub mod crates_io;
pub mod db;
pub mod discourse;
pub mod domain;
pub mod error;
pub mod github;
pub mod github_repo;
pub mod history;
pub mod limits;
pub mod logs;
pub mod models;
pub mod schema;
pub mod settings;
pub mod state;
pub mod telemetry;
pub mod templates;
pub mod web;

use actix_web::dev::Server;
use actix_web::{middleware, web as aweb, App, HttpServer};
use std::net::{SocketAddr, TcpListener};

pub use clock::Clock;
pub use settings::Settings;
pub use state::AppState;

/// How to run the server beyond the settings: tests inject a clock and use one worker.
#[derive(Clone, Default)]
pub struct ServerOptions {
    pub clock: Clock,
    /// `None`: one worker per core.
    pub workers: Option<usize>,
}

/// A built, bound, not yet awaited server.
pub struct Application {
    pub addr: SocketAddr,
    /// Where `/metrics` is served, when `METRICS_BIND` is set.
    pub metrics_addr: Option<SocketAddr>,
    pub server: Server,
    pub state: AppState,
}

impl Application {
    /// Connect the database (running migrations), load templates, bind `settings.bind`
    /// (port 0 picks a free port), and build the server.
    pub async fn build(settings: Settings, options: ServerOptions) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        Self::build_on(listener, settings, options).await
    }

    /// `build` on a listener bound already (tests bind port 0 once and name the port in
    /// `PUBLIC_URL` before the settings are made).
    pub async fn build_on(
        listener: TcpListener,
        settings: Settings,
        options: ServerOptions,
    ) -> anyhow::Result<Application> {
        let addr = listener.local_addr()?;
        let session_key = web::session::load_key(&settings)?;
        let state = build_state(settings, options.clock).await?;
        // Create the first week (or roll over) now, so no visitor waits for it.
        state.roll_over().await.map_err(|e| anyhow::anyhow!("{e}"))?;

        spawn_background_work(state.clone());
        let metrics_addr = match state.settings.metrics_bind {
            Some(bind) => {
                let metrics = TcpListener::bind(bind)
                    .map_err(|e| anyhow::anyhow!("METRICS_BIND: cannot listen on {bind}: {e}"))?;
                let addr = metrics.local_addr()?;
                telemetry::serve(metrics, state.db.clone())?;
                Some(addr)
            }
            None => None,
        };
        let with_metrics = metrics_addr.is_some();

        let app_state = state.clone();
        // The web layer's memos of built pages, one for all workers.
        let memos = aweb::Data::new(web::memo::Memos::default());
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(aweb::Data::new(app_state.clone()))
                .app_data(memos.clone())
                .wrap(middleware::from_fn(web::assets::head_as_get))
                .wrap(middleware::Condition::new(
                    with_metrics,
                    middleware::from_fn(telemetry::record_request),
                ))
                .wrap(middleware::from_fn(web::csrf::guard))
                .wrap(middleware::from_fn(web::limits::guard))
                .wrap(web::session::middleware(&app_state.settings, session_key.clone()))
                .wrap(web::errors::handlers())
                .wrap(middleware::from_fn(web::json_charset))
                .wrap(middleware::Compress::default())
                .wrap(web::security_headers(&app_state.settings))
                .wrap(tracing_actix_web::TracingLogger::<web::logging::RequestSpan>::new())
                .configure(web::routes)
        })
        .listen(listener)?;
        if let Some(n) = options.workers {
            server = server.workers(n);
        }
        // A stop (SIGTERM) waits up to 30 s for the requests in flight.
        let server = server.shutdown_timeout(30).run();
        Ok(Application {
            addr,
            metrics_addr,
            server,
            state,
        })
    }
}

/// Everything but the HTTP server: database (migrations applied), templates. Also what the
/// command-line tools work with: it writes nothing, so a command that only reads (`export`,
/// `fill-draft`) changes nothing; one that writes into the open week rolls over first, as the
/// server's writes do (`AppState::open_week_for_write`).
pub async fn build_state(settings: Settings, clock: Clock) -> anyhow::Result<AppState> {
    let url = settings.database.clone();
    let synchronous = settings.sqlite_synchronous;
    let db = tokio::task::spawn_blocking(move || db::Db::connect_with(&url, synchronous)).await??;
    let templates = templates::registry(settings.templates_dir.as_deref())?;
    let attribution = domain::attribution::Renderer::new(settings.templates_dir.as_deref())?;
    AppState::new(settings, db, templates, attribution, clock)
}

/// Periodic work: check nominations that crates.io did not answer for, and keep SQLite's
/// write-ahead log from growing under sustained load (readers can starve automatic checkpoints).
fn spawn_background_work(state: AppState) {
    use std::time::Duration;
    if let Some(repos) = state.draft_repos.clone() {
        // DRAFT_GITHUB_TOKEN, validated once at start: a refused token is said now, not on
        // Tuesday evening. GitHub being away does not stop the service.
        actix_web::rt::spawn(async move {
            match repos.token_owner().await {
                Ok(owner) => {
                    tracing::info!(bot = %owner.login, "DRAFT_GITHUB_TOKEN works: drafts are proposed as this account")
                }
                Err(e @ github_repo::RepoError::Refused { .. }) => {
                    tracing::error!(error = %e, "DRAFT_GITHUB_TOKEN does not work: proposing drafts will fail until it is replaced")
                }
                Err(e) => tracing::warn!(error = %e, "could not check DRAFT_GITHUB_TOKEN at start"),
            }
        });
    }
    let every_minute = state.clone();
    actix_web::rt::spawn(async move {
        let state = every_minute;
        let mut tick = actix_web::rt::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = actions::nominate::verify_pending(&state).await {
                tracing::warn!(error = %e, "verifying pending crates failed");
            }
            if let Err(e) = actions::nominate::check_pending_owners(&state).await {
                tracing::warn!(error = %e, "checking crate owners failed");
            }
            if let Err(e) = actions::editor::announce_published_picks(&state).await {
                tracing::warn!(error = %e, "announcing the published picks failed");
            }
            state.limits.tidy();
            let now = state.clock.now();
            let states_before = now - chrono::Duration::seconds(2 * web::session::OAUTH_TTL_SECS);
            let sessions_before = now - chrono::Duration::seconds(domain::session::ABSOLUTE_LIFETIME_SECS);
            let pruned = state
                .db
                .write(move |tx| {
                    Ok(models::user::prune_login_records(
                        tx,
                        states_before,
                        sessions_before,
                    )?)
                })
                .await;
            if let Err(e) = pruned {
                tracing::warn!(error = %e, "pruning login records failed");
            }
            if let Err(e) = state.db.checkpoint(db::BUSY_TIMEOUT_MS).await {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        }
    });
    if let Some(forum) = state.settings.forum.clone() {
        match actions::forum::Bridge::new(&forum) {
            Ok(bridge) => {
                actix_web::rt::spawn(actions::forum::poll_forever(state.clone(), bridge));
            }
            Err(e) => tracing::error!(error = %e, "the forum bridge could not start"),
        }
    }
    if !state.settings.webhooks.is_empty() {
        match actions::webhooks::Deliverer::new(&state.settings) {
            Ok(deliverer) => {
                actix_web::rt::spawn(actions::webhooks::work_forever(state.clone(), deliverer));
            }
            Err(e) => tracing::error!(error = %e, "webhooks could not start"),
        }
    }
    let every_second = state.clone();
    actix_web::rt::spawn(async move {
        // Rollover at the cut-off happens here (or at the first write after it), never on a
        // GET: pages meanwhile show the week that rollover will open.
        let mut tick = actix_web::rt::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            if let Err(e) = every_second.open_week_for_write().await {
                tracing::warn!(error = %e, "rollover failed");
            }
        }
    });
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(Duration::from_millis(500));
        loop {
            tick.tick().await;
            if let Err(e) = state.db.checkpoint_if_larger_than(db::WAL_SIZE_LIMIT).await {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        }
    });
}
