//! What every handler shares: settings, the pool, templates, the clock, and the cached open week.

use crate::cache::{BallotCache, PageCache};
use crate::clock::Clock;
use crate::crates_io::CratesIo;
use crate::db::Db;
use crate::domain::attribution::Renderer;
use crate::error::AppError;
use crate::github::Github;
use crate::models::week::{self, Week};
use crate::settings::Settings;
use handlebars::Handlebars;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a read of the open week is trusted before it is read again.
pub const OPEN_WEEK_TTL: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub templates: Arc<Handlebars<'static>>,
    /// Attribution markdown (SPEC §4), from `templates/attribution` or `TEMPLATES_DIR`.
    pub attribution: Arc<Renderer>,
    pub clock: Clock,
    pub crates_io: CratesIo,
    /// The ranked open week in memory.
    pub ballot: Arc<BallotCache>,
    /// Abuse limits per IP and per user.
    pub limits: Arc<crate::web::limits::RateLimits>,
    /// The archive's pages, feed and JSON, briefly.
    pub archive: Arc<PageCache>,
    /// `None` when no GitHub OAuth app is configured.
    pub github: Option<Github>,
    /// The open week as last read, and when: trusted until its cut-off, for at most
    /// `OPEN_WEEK_TTL` (another instance or the CLI may have changed it).
    open_week: Arc<RwLock<Option<(Week, Instant)>>>,
}

impl AppState {
    pub fn new(
        settings: Settings,
        db: Db,
        templates: Handlebars<'static>,
        attribution: Renderer,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        let github = match &settings.github {
            Some(gh) => {
                let callback = settings.public_url.join("auth/github/callback")?;
                Some(Github::new(gh, callback)?)
            }
            None => None,
        };
        Ok(AppState {
            crates_io: CratesIo::new(settings.crates_io_api_url.clone())?,
            ballot: Arc::new(BallotCache::default()),
            archive: Arc::new(PageCache::new(Duration::from_secs(5))),
            limits: Arc::new(crate::web::limits::RateLimits::new(
                settings.rate_limits,
                settings.trusted_proxies.clone(),
            )),
            github,
            settings: Arc::new(settings),
            db,
            templates: Arc::new(templates),
            attribution: Arc::new(attribution),
            clock,
            open_week: Arc::new(RwLock::new(None)),
        })
    }

    /// The week open now, rolling over at the cut-off. Served from memory until it closes.
    pub async fn open_week(&self) -> Result<Week, AppError> {
        let now = self.clock.now();
        if let Some((cached, read_at)) = self.open_week.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
            if cached.is_open_at(now) && read_at.elapsed() < OPEN_WEEK_TTL {
                return Ok(cached.clone());
            }
        }
        let calendar = self.settings.calendar;
        let week = self
            .db
            .run(move |conn| week::ensure_open(conn, &calendar, now))
            .await?;
        *self.open_week.write().unwrap_or_else(|e| e.into_inner()) = Some((week.clone(), Instant::now()));
        Ok(week)
    }

    /// Something on a ballot changed (a vote, nomination, pick or hide): cached rankings are stale.
    pub fn ballot_changed(&self) {
        self.ballot.invalidate();
        self.archive.clear();
    }

    /// Forget the cached open week (after an editor changed it).
    pub fn forget_open_week(&self) {
        *self.open_week.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
