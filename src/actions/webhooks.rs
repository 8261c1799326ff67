//! Webhooks: telling chat rooms and services when to nominate and vote. Events are queued in
//! the outbox inside the transaction of the change that causes them (`queue`); this worker
//! delivers them: per receiver in order, each claimed so several instances send it once,
//! retried with growing waits, given up (and shown on the desk) after 24 hours. The
//! "voting closes soon" reminder is queued here too, once per week and category.

use crate::db::Tx;
use crate::domain::validate::{Category, ValidNomination};
use crate::domain::webhook::{self, Event};
use crate::error::AppError;
use crate::models::outbox::{self, OutboxRow};
use crate::settings::{Settings, Webhook, WebhookKind};
use crate::state::AppState;
use chrono::Utc;
use std::time::Duration;

/// How long a receiver may take.
const TIMEOUT: Duration = Duration::from_secs(5);
/// How long a worker holds a claimed event.
const CLAIM_SECONDS: i64 = 30;
/// After this long undelivered, an event is given up.
const GIVE_UP_HOURS: i64 = 24;

/// Queue `event` for every configured receiver, inside the caller's transaction.
pub fn queue(tx: &mut Tx<'_>, settings: &Settings, event: &Event) -> Result<(), AppError> {
    Ok(outbox::enqueue(tx, &settings.webhook_targets(), event)?)
}

/// `nomination.created` for a nomination just inserted as `id`.
pub fn nomination_created(settings: &Settings, issue: i32, id: i32, valid: &ValidNomination) -> Event {
    let title = match valid {
        ValidNomination::Crate(c) => c.name.as_str().to_string(),
        ValidNomination::Quote(q) => format!("{} {}", q.author, q.where_said).trim().to_string(),
    };
    let url = settings.absolute(&format!("/nominations/{id}"));
    Event::nomination_created(issue, valid.category().as_str(), id, &title, url)
}

/// Sends events; one per process.
#[derive(Clone)]
pub struct Deliverer {
    http: reqwest::Client,
    secret: Option<String>,
}

impl Deliverer {
    pub fn new(settings: &Settings) -> anyhow::Result<Deliverer> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("twir-picks/", env!("CARGO_PKG_VERSION"), " (webhooks)"))
            .connect_timeout(TIMEOUT)
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Deliverer {
            http,
            secret: settings.webhook_secret.clone(),
        })
    }

    async fn send(&self, row: &OutboxRow) -> Result<(), String> {
        let target = Webhook::parse_target(&row.target).ok_or("the receiver is no longer configured")?;
        let event: Event =
            serde_json::from_str(&row.payload).map_err(|e| format!("unreadable event: {e}"))?;
        let kind = match target.kind {
            WebhookKind::Slack => "slack",
            WebhookKind::Discord => "discord",
            WebhookKind::Json => "json",
        };
        let body = webhook::body(kind, &event);
        let mut request = self
            .http
            .post(target.url.clone())
            .header("Content-Type", "application/json");
        if target.kind == WebhookKind::Json {
            let secret = self.secret.as_deref().ok_or("no WEBHOOK_SECRET to sign with")?;
            request = request.header("X-Twir-Picks-Signature", webhook::signature(secret, &body));
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| format!("not reached: {}", e.without_url()))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("answered {}", response.status()))
        }
    }
}

/// Deliver what is due: for each receiver its oldest event. Returns how many went out.
pub async fn deliver_due(state: &AppState, deliverer: &Deliverer) -> Result<usize, AppError> {
    let heads = state.db.read(|conn| Ok(outbox::heads(conn)?)).await?;
    let mut sent = 0;
    for head in heads {
        let now = Utc::now();
        if head.next_attempt_at > now.naive_utc() {
            continue;
        }
        let id = head.id;
        let until = now + chrono::Duration::seconds(CLAIM_SECONDS);
        let claimed = state
            .db
            .write(move |tx| Ok(outbox::claim(tx, id, now, until)?))
            .await?;
        if !claimed {
            continue;
        }
        let outcome = deliverer.send(&head).await;
        let now = Utc::now();
        match outcome {
            Ok(()) => {
                state
                    .db
                    .write(move |tx| Ok(outbox::delivered(tx, id, now)?))
                    .await?;
                metrics::counter!("twir_webhook_deliveries_total", "outcome" => "delivered").increment(1);
                sent += 1;
            }
            Err(error) => {
                tracing::warn!(target = %head.target, event = %head.event, attempts = head.attempts + 1, %error, "webhook delivery failed");
                metrics::counter!("twir_webhook_deliveries_total", "outcome" => "failed").increment(1);
                let give_up = now.naive_utc() - head.created_at > chrono::Duration::hours(GIVE_UP_HOURS);
                let next = now + webhook::backoff(head.attempts);
                state
                    .db
                    .write(move |tx| Ok(outbox::failed(tx, id, &error, next, give_up, now)?))
                    .await?;
            }
        }
    }
    Ok(sent)
}

/// Queue the reminder once the open week is within `REMIND_BEFORE_CLOSE_HOURS` of its
/// cut-off: one per category, with how many nominations it has (a plea when none).
pub async fn queue_closing_reminders(state: &AppState) -> Result<(), AppError> {
    if state.settings.webhooks.is_empty() {
        return Ok(());
    }
    let week = state.open_week().await?;
    let now = state.clock.now();
    let closes_at = week.closes_at.and_utc();
    let left = closes_at - now;
    if left <= chrono::Duration::zero()
        || left > chrono::Duration::hours(state.settings.remind_before_close_hours)
    {
        return Ok(());
    }
    let view = state
        .ballot
        .view(
            &state.db,
            &week,
            state.settings.ballot_weeks,
            &state.settings.calendar,
            now,
        )
        .await?;
    let closes_in = crate::domain::week::relative(closes_at, now);
    let url = state.settings.absolute("/");
    let events: Vec<Event> = Category::ALL
        .iter()
        .map(|c| {
            let count = view.ranked.categories.get(*c).len() as i64;
            Event::week_closing(
                week.issue,
                c.as_str(),
                c.heading(),
                count,
                &closes_in,
                url.clone(),
            )
        })
        .collect();
    let settings = state.settings.clone();
    state
        .db
        .write(move |tx| {
            for event in &events {
                queue(tx, &settings, event)?;
            }
            Ok(())
        })
        .await
}

/// The worker: every second, queue reminders that are due and deliver what is due.
pub async fn work_forever(state: AppState, deliverer: Deliverer) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = queue_closing_reminders(&state).await {
            tracing::warn!(error = %e, "queueing the closing reminders failed");
        }
        if let Err(e) = deliver_due(&state, &deliverer).await {
            tracing::warn!(error = %e, "delivering webhooks failed");
        }
    }
}
