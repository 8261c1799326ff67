//! Driving load: logged-in sessions, the requests of a scenario, and their statistics.

use super::*;

/// A logged-in browser: its cookie and CSRF token.
#[derive(Clone)]
pub(crate) struct Session {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

pub(crate) fn cookie_of(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("twir-picks="))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
}

pub(crate) fn csrf_of(html: &str) -> Option<String> {
    let marker = r#"name="csrf_token" value=""#;
    let start = html.find(marker)? + marker.len();
    Some(html[start..start + html[start..].find('"')?].to_string())
}

pub(crate) async fn dev_login(client: &reqwest::Client, base: &str, login: &str) -> anyhow::Result<Session> {
    let form = client.get(format!("{base}/dev/login")).send().await?;
    let cookie = cookie_of(&form).ok_or_else(|| anyhow::anyhow!("no session cookie"))?;
    let csrf = csrf_of(&form.text().await?).ok_or_else(|| anyhow::anyhow!("no csrf token"))?;
    let res = client
        .post(format!("{base}/dev/login"))
        .header("Cookie", &cookie)
        .form(&[("login", login), ("csrf_token", &csrf)])
        .send()
        .await?;
    anyhow::ensure!(res.status() == 303, "dev login answered {}", res.status());
    let cookie = cookie_of(&res).ok_or_else(|| anyhow::anyhow!("no session cookie after login"))?;
    // The first page after login adds the session's CSRF token to the cookie.
    let home = client
        .get(format!("{base}/"))
        .header("Cookie", &cookie)
        .send()
        .await?;
    let cookie = cookie_of(&home).unwrap_or(cookie);
    let csrf = csrf_of(&home.text().await?).ok_or_else(|| anyhow::anyhow!("no csrf token when logged in"))?;
    Ok(Session { cookie, csrf })
}

pub(crate) struct Stats {
    pub(crate) requests: usize,
    pub(crate) errors: usize,
    pub(crate) seconds: f64,
    pub(crate) latencies_us: Vec<u32>,
}

impl Stats {
    /// Slices of one scenario taken as one measurement.
    pub(crate) fn merge(slices: Vec<Stats>) -> Stats {
        let mut all = Stats {
            requests: 0,
            errors: 0,
            seconds: 0.0,
            latencies_us: Vec::new(),
        };
        for slice in slices {
            all.requests += slice.requests;
            all.errors += slice.errors;
            all.seconds += slice.seconds;
            all.latencies_us.extend(slice.latencies_us);
        }
        all.latencies_us.sort_unstable();
        all
    }

    pub(crate) fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
    pub(crate) fn percentile(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }
}

/// What one request of a scenario is.
#[derive(Clone)]
pub(crate) enum Request {
    Get {
        path: &'static str,
        cookie: Option<String>,
    },
    Vote {
        session: Session,
        user: usize,
        nomination: i32,
    },
}

pub(crate) type Plan = Arc<dyn Fn(usize, usize) -> Request + Send + Sync>;

/// Accepted votes: user → the last nomination whose vote was answered with success.
pub(crate) type Accepted = Arc<Mutex<HashMap<usize, i32>>>;

pub(crate) async fn load(
    client: &reqwest::Client,
    base: &str,
    plan: Plan,
    connections: usize,
    seconds: u64,
    accepted: Accepted,
) -> Stats {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let errors = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..connections {
        let (client, base, plan, errors, accepted) = (
            client.clone(),
            base.to_string(),
            plan.clone(),
            errors.clone(),
            accepted.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(50_000);
            let mut i = 0;
            while Instant::now() < deadline {
                let request = plan(task, i);
                i += 1;
                let sent = Instant::now();
                let ok = match &request {
                    Request::Get { path, cookie } => {
                        let mut r = client.get(format!("{base}{path}"));
                        if !path.ends_with("?identity") {
                            r = r.header("Accept-Encoding", "gzip");
                        }
                        if let Some(c) = cookie {
                            r = r.header("Cookie", c);
                        }
                        match r.send().await {
                            Ok(res) => res.status().is_success() && res.bytes().await.is_ok(),
                            Err(_) => false,
                        }
                    }
                    Request::Vote {
                        session,
                        user,
                        nomination,
                    } => {
                        let id = nomination.to_string();
                        let res = client
                            .post(format!("{base}/votes"))
                            .header("Cookie", &session.cookie)
                            .form(&[
                                ("nomination_id", id.as_str()),
                                ("csrf_token", session.csrf.as_str()),
                            ])
                            .send()
                            .await;
                        match res {
                            Ok(res) if res.status() == 303 => {
                                accepted.lock().unwrap().insert(*user, *nomination);
                                true
                            }
                            _ => false,
                        }
                    }
                };
                latencies.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                if !ok {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            latencies
        }));
    }
    let mut latencies_us = Vec::new();
    for t in tasks {
        latencies_us.extend(t.await.unwrap_or_default());
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies_us.sort_unstable();
    Stats {
        requests: latencies_us.len(),
        errors: errors.load(Ordering::Relaxed),
        seconds,
        latencies_us,
    }
}
