//! A stream of votes against a running server, and what it proves: which votes were
//! acknowledged (a 303) and which one was in flight when the server went away.

use super::dev_login;
use diesel::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use twir_picks::db::Db;
use twir_picks::schema::{nominations, nominators, users, votes};
use twir_picks::settings::DatabaseUrl;

/// Two crate nominations by a seed user in the week open now (the server's clock is real).
pub fn seed(database_url: &str) -> (i32, i32, i32) {
    // Migrated and with its pools, as the server will find it; fixtures written directly.
    let db = Db::connect(&DatabaseUrl::parse(database_url).unwrap()).unwrap();
    let mut conn = super::raw_connection(database_url);
    let calendar = twir_picks::Settings::from_args(&super::base_args(database_url))
        .unwrap()
        .calendar;
    let now = chrono::Utc::now();
    let week = db
        .write_blocking(|tx| twir_picks::models::week::ensure_open(tx, &calendar, now))
        .unwrap();
    let n = now.naive_utc();
    diesel::insert_into(users::table)
        .values((
            users::login.eq("seed"),
            users::created_at.eq(n),
            users::updated_at.eq(n),
        ))
        .execute(&mut *conn)
        .unwrap();
    let seed: i32 = users::table.select(users::id).first(&mut *conn).unwrap();
    let mut ids = Vec::new();
    for name in ["serde", "rayon"] {
        diesel::insert_into(nominations::table)
            .values((
                nominations::category.eq("crate"),
                nominations::week_issue.eq(week.issue),
                nominations::nominated_by.eq(seed),
                nominations::created_at.eq(n),
                nominations::dedupe_key.eq(name),
                nominations::crate_name.eq(name),
                nominations::pitch.eq("a crate"),
                nominations::verified.eq(true),
            ))
            .execute(&mut *conn)
            .unwrap();
        let id: i32 = nominations::table
            .filter(nominations::crate_name.eq(name))
            .select(nominations::id)
            .first(&mut *conn)
            .unwrap();
        diesel::insert_into(nominators::table)
            .values((
                nominators::nomination_id.eq(id),
                nominators::user_id.eq(seed),
                nominators::created_at.eq(n),
            ))
            .execute(&mut *conn)
            .unwrap();
        ids.push(id);
    }
    (week.issue, ids[0], ids[1])
}

#[derive(Default, Clone, Copy, Debug)]
pub struct VoterLog {
    pub accepted: Option<i32>,
    pub in_flight: Option<i32>,
}

/// Voters moving their votes between two nominations as fast as the server answers.
pub struct VoteStream {
    logs: Arc<Mutex<HashMap<String, VoterLog>>>,
    tasks: Vec<actix_web::rt::task::JoinHandle<()>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl VoteStream {
    pub async fn start(base: &str, voters: usize, a: i32, b: i32) -> VoteStream {
        let mut sessions = Vec::new();
        for i in 0..voters {
            sessions.push(dev_login(base, &format!("voter{i}")).await);
        }
        let logs: Arc<Mutex<HashMap<String, VoterLog>>> = Arc::default();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let tasks = sessions
            .into_iter()
            .enumerate()
            .map(|(i, (client, token))| {
                let (logs, base, stop) = (logs.clone(), base.to_string(), stop.clone());
                actix_web::rt::spawn(async move {
                    let login = format!("voter{i}");
                    for round in 0.. {
                        if stop.load(std::sync::atomic::Ordering::SeqCst) {
                            break;
                        }
                        let target = if (i + round) % 2 == 0 { a } else { b };
                        logs.lock().unwrap().entry(login.clone()).or_default().in_flight = Some(target);
                        let sent = client
                            .post(format!("{base}/votes"))
                            .form(&[
                                ("nomination_id", target.to_string()),
                                ("csrf_token", token.clone()),
                            ])
                            .send()
                            .await;
                        match sent {
                            Ok(res) if res.status() == 303 => {
                                let mut logs = logs.lock().unwrap();
                                let log = logs.get_mut(&login).unwrap();
                                log.accepted = Some(target);
                                log.in_flight = None;
                            }
                            _ => break,
                        }
                    }
                })
            })
            .collect();
        VoteStream { logs, tasks, stop }
    }

    /// What was acknowledged so far.
    pub fn acknowledged(&self) -> HashMap<String, VoterLog> {
        self.logs.lock().unwrap().clone()
    }

    /// Stop voting (or wait for the voters to find the server gone) and say what happened.
    pub async fn stop(self) -> HashMap<String, VoterLog> {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for t in self.tasks {
            let _ = t.await;
        }
        self.logs.lock().unwrap().clone()
    }
}

/// login → nomination of the standing votes of week `issue`.
pub fn stored_votes(database_url: &str, issue: i32) -> HashMap<String, i32> {
    let mut conn = super::raw_connection(database_url);
    votes::table
        .inner_join(users::table)
        .filter(votes::week_issue.eq(issue))
        .filter(votes::withdrawn.eq(false))
        .select((users::login, votes::nomination_id))
        .load::<(String, i32)>(&mut *conn)
        .unwrap()
        .into_iter()
        .collect()
}

/// Every acknowledged vote is stored (or the one sent after it, which may have been stored
/// without its answer arriving).
pub fn assert_every_acknowledged_vote_stored(
    logs: &HashMap<String, VoterLog>,
    stored: &HashMap<String, i32>,
) {
    for (login, log) in logs {
        if let Some(accepted) = log.accepted {
            let got = stored.get(login).copied();
            assert!(
                got == Some(accepted) || got == log.in_flight,
                "{login}: acknowledged {accepted}, stored {got:?}"
            );
        }
    }
}
