//! What every handler shares: settings, the pool, templates, the clock, and the cached open week.

use crate::cache::{BallotCache, ChangeCount};
use crate::clock::Clock;
use crate::crates_io::CratesIo;
use crate::db::{Change, Db};
use crate::domain::attribution::Renderer;
use crate::error::AppError;
use crate::github::Github;
use crate::models::week::{self, Week};
use crate::settings::Settings;
use chrono::{DateTime, Utc};
use handlebars::Handlebars;
use parking_lot::RwLock;
use std::sync::Arc;
use std::time::Instant;

/// The first stored issue (`None`: no week stored yet), and when it was read.
type FirstIssue = (Option<i32>, Instant);

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub templates: Arc<Handlebars<'static>>,
    /// Attribution markdown (docs/contract.md §4), from `templates/attribution` or `TEMPLATES_DIR`.
    pub attribution: Arc<Renderer>,
    pub clock: Clock,
    pub crates_io: CratesIo,
    /// The ranked open week in memory.
    pub ballot: Arc<BallotCache>,
    /// Abuse limits per IP and per user.
    pub limits: Arc<crate::limits::RateLimits>,
    /// Moves with every change but a vote: pages built from the data are good while it stays.
    pub changes: Arc<ChangeCount>,
    /// Who each session cookie names, briefly.
    pub accounts: Arc<crate::cache::accounts::AccountCache>,
    /// `None` when no GitHub OAuth app is configured.
    pub github: Option<Github>,
    /// The bot's GitHub client for proposing drafts (`None`: `DRAFT_REPO` is not set).
    pub draft_repos: Option<crate::github_repo::GithubRepos>,
    /// The open week as last read, and when: trusted until its cut-off, for at most
    /// `cache::REFRESH` (another instance or the CLI may have changed it).
    open_week: Arc<RwLock<Option<(Week, Instant)>>>,
    /// The first stored week's issue, as last read (weeks before it were never stored; every
    /// week from it to the open one is): for "← Issue N" links to weeks that exist.
    first_issue: Arc<RwLock<Option<FirstIssue>>>,
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
        let draft_repos = match &settings.draft {
            Some(d) => Some(crate::github_repo::GithubRepos::new(
                d.api_url.clone(),
                d.token.clone(),
            )?),
            None => None,
        };
        let state = AppState {
            draft_repos,
            crates_io: CratesIo::new(settings.crates_io_api_url.clone())?,
            ballot: Arc::new(BallotCache::default()),
            changes: Default::default(),
            accounts: Default::default(),
            limits: Arc::new(crate::limits::RateLimits::new(
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
            first_issue: Arc::new(RwLock::new(None)),
        };
        // Every committed write tells the caches what it changed (`db::Change`).
        let caches = state.clone();
        state
            .db
            .set_listener(Arc::new(move |changes: &[Change]| caches.committed(changes)));
        Ok(state)
    }

    /// What the caches do about a committed write.
    fn committed(&self, changes: &[Change]) {
        // Logouts, bans and role changes are writes: any write but a vote forgets who the
        // sessions name.
        if changes
            .iter()
            .any(|c| !matches!(c, Change::Vote { .. } | Change::Seen))
        {
            self.accounts.clear();
        }
        for change in changes {
            match *change {
                Change::Vote {
                    issue,
                    user_id,
                    category,
                    nomination,
                } => {
                    let recorded = self.ballot.record_vote(issue, user_id, category, nomination);
                    crate::telemetry::count_vote(recorded, nomination);
                }
                Change::Ballot => {
                    self.ballot.invalidate();
                    self.changes.moved();
                }
                Change::Week => {
                    *self.open_week.write() = None;
                    self.ballot.invalidate();
                    self.changes.moved();
                }
                Change::Nothing | Change::Seen => {}
            }
        }
    }

    /// The week open now, for reading. Served from memory until it closes. When its cut-off
    /// has passed and nobody has rolled over yet (the background tick does, within a second,
    /// or the next write), the week that rollover will open is shown: a read never writes.
    pub async fn open_week(&self) -> Result<Week, AppError> {
        let now = self.clock.now();
        match self.stored_open_week(now).await? {
            Ok(week) => Ok(week),
            Err(stored) => Ok(week::open_at(stored, &self.settings.calendar, now)),
        }
    }

    /// The week open now, for writing into: rolls over first when a cut-off has passed.
    pub async fn open_week_for_write(&self) -> Result<Week, AppError> {
        match self.stored_open_week(self.clock.now()).await? {
            Ok(week) => Ok(week),
            Err(_) => self.roll_over().await,
        }
    }

    /// The stored week still open at `now`: from memory while it is at most `cache::REFRESH`
    /// old (another instance or the command line may have changed it), else read and kept.
    /// `Err` holds what is stored when its cut-off has passed (or nothing is stored).
    async fn stored_open_week(&self, now: DateTime<Utc>) -> Result<Result<Week, Option<Week>>, AppError> {
        if let Some((cached, read_at)) = self.open_week.read().as_ref() {
            if cached.is_open_at(now) && read_at.elapsed() < crate::cache::REFRESH {
                return Ok(Ok(cached.clone()));
            }
        }
        match self.db.read(|conn| Ok(week::find_open(conn)?)).await? {
            Some(week) if week.is_open_at(now) => {
                self.remember_open_week(&week);
                Ok(Ok(week))
            }
            stored => Ok(Err(stored)),
        }
    }

    /// Whether week `issue` is stored (a page can link to it), read at most every
    /// `cache::REFRESH`.
    pub async fn week_is_stored(&self, issue: i32) -> Result<bool, AppError> {
        let open = self.open_week().await?.issue;
        let cached = *self.first_issue.read();
        let first = match cached {
            Some((first, at)) if at.elapsed() < crate::cache::REFRESH => first,
            _ => {
                let first = self.db.read(|conn| Ok(week::first_issue(conn)?)).await?;
                *self.first_issue.write() = Some((first, Instant::now()));
                first
            }
        };
        Ok(first.is_some_and(|first| issue >= first && issue <= open))
    }

    fn remember_open_week(&self, week: &Week) {
        *self.open_week.write() = Some((week.clone(), Instant::now()));
    }

    /// Close the weeks whose cut-off has passed and open the next (the background tick, the
    /// first write after a cut-off, and the start).
    pub async fn roll_over(&self) -> Result<Week, AppError> {
        let now = self.clock.now();
        let calendar = self.settings.calendar;
        let settings = self.settings.clone();
        let week = self
            .db
            .write(move |tx| {
                let week = week::ensure_open(tx, &calendar, now)?;
                // Announced once per week (the outbox keeps one per week and receiver).
                let event = crate::domain::webhook::Event::week_opened(
                    week.issue,
                    &crate::domain::week::human_time(week.closes_at.and_utc()),
                    settings.absolute("/"),
                );
                crate::models::outbox::enqueue(tx, &settings.webhook_targets(), &event)?;
                Ok(week)
            })
            .await?;
        self.remember_open_week(&week);
        Ok(week)
    }
}
