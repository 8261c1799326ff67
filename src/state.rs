//! What every handler shares: settings, the pool, templates, the clock, and the cached open week.

use crate::clock::Clock;
use crate::db::Db;
use crate::error::AppError;
use crate::github::Github;
use crate::models::week::{self, Week};
use crate::settings::Settings;
use handlebars::Handlebars;
use std::sync::{Arc, RwLock};

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub templates: Arc<Handlebars<'static>>,
    pub clock: Clock,
    /// `None` when no GitHub OAuth app is configured.
    pub github: Option<Github>,
    /// The open week, until its cut-off passes or an editor changes it.
    open_week: Arc<RwLock<Option<Week>>>,
}

impl AppState {
    pub fn new(
        settings: Settings,
        db: Db,
        templates: Handlebars<'static>,
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
            github,
            settings: Arc::new(settings),
            db,
            templates: Arc::new(templates),
            clock,
            open_week: Arc::new(RwLock::new(None)),
        })
    }

    /// The week open now, rolling over at the cut-off. Served from memory until it closes.
    pub async fn open_week(&self) -> Result<Week, AppError> {
        let now = self.clock.now();
        if let Some(cached) = self.open_week.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
            if cached.is_open_at(now) {
                return Ok(cached.clone());
            }
        }
        let calendar = self.settings.calendar;
        let week = self
            .db
            .run(move |conn| week::ensure_open(conn, &calendar, now))
            .await?;
        *self.open_week.write().unwrap_or_else(|e| e.into_inner()) = Some(week.clone());
        Ok(week)
    }

    /// Forget the cached open week (after an editor changed it).
    pub fn forget_open_week(&self) {
        *self.open_week.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
