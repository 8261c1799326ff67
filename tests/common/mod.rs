//! Test harness: each test starts the real app on port 0 against its own fresh database
//! (a SQLite file in a temp dir, or a new PostgreSQL database when TEST_DATABASE_URL is set).
#![allow(dead_code)]

pub mod browser;
pub mod fake_crates_io;
pub mod fake_discourse;
pub mod fake_github;
pub mod fake_github_repos;
pub mod fake_receiver;
pub mod vote_stream;

pub use browser::Browser;
pub use fake_crates_io::FakeCratesIo;
#[allow(unused_imports)]
pub use fake_discourse::{FakeDiscourse, Hostile};
pub use fake_github::{FakeGithub, Profile};

use chrono::{DateTime, Utc};
use diesel::{Connection, RunQueryDsl};
use twir_picks::settings::SettingsArgs;
use twir_picks::{AppState, Application, Clock, ServerOptions, Settings};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The PostgreSQL server to create test databases on, when configured.
    pub fn postgres_url() -> Option<String> {
        std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
    }

    /// No PostgreSQL configured: a skip, said aloud, or a failure when `REQUIRE_POSTGRES=1`
    /// (CI sets both, so a lost `TEST_DATABASE_URL` cannot pass unnoticed).
    pub fn skip_postgres() {
        assert!(
            std::env::var("REQUIRE_POSTGRES").map_or(true, |v| v != "1"),
            "REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is unset: the PostgreSQL run cannot be skipped"
        );
        eprintln!("TEST_DATABASE_URL is unset: the PostgreSQL run is skipped");
    }
}

/// Run the body once for SQLite and once for PostgreSQL (skipped when TEST_DATABASE_URL is
/// unset), as two separate tests so they run in parallel.
#[macro_export]
macro_rules! on_both_backends {
    ($(#[$meta:meta])* async fn $name:ident($backend:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $(#[$meta])*
            async fn run($backend: $crate::common::Backend) $body
            #[actix_web::test]
            async fn sqlite() {
                run($crate::common::Backend::Sqlite).await
            }
            #[actix_web::test]
            async fn postgres() {
                if $crate::common::Backend::postgres_url().is_some() {
                    run($crate::common::Backend::Postgres).await
                } else {
                    $crate::common::Backend::skip_postgres();
                }
            }
        }
    };
}

/// A fresh database that disappears with the test.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub fn create(backend: Backend) -> (TestDb, String) {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("twir-picks.db").display());
                (TestDb::Sqlite(dir), url)
            }
            Backend::Postgres => {
                let admin_url = Backend::postgres_url().expect("TEST_DATABASE_URL");
                let name = format!("twir_test_{}", uuid_like());
                let mut admin =
                    diesel::PgConnection::establish(&admin_url).expect("connect TEST_DATABASE_URL");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create test database");
                let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
                url.set_path(&name);
                (TestDb::Postgres { admin_url, name }, url.to_string())
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

fn uuid_like() -> String {
    use rand::Rng;
    let n: u64 = rand::thread_rng().gen();
    format!("{n:016x}")
}

/// 2026-11-24 13:00 UTC: issue 680 is open, closing Tuesday 2026-12-01 12:00 UTC.
pub fn default_now() -> DateTime<Utc> {
    "2026-11-24T13:00:00Z".parse().unwrap()
}

pub struct TestApp {
    pub addr: std::net::SocketAddr,
    /// `/metrics`, when the test set `METRICS_BIND`.
    pub metrics_addr: Option<std::net::SocketAddr>,
    pub base: String,
    pub state: AppState,
    pub clock: Clock,
    pub database_url: String,
    pub github: FakeGithub,
    pub crates_io: FakeCratesIo,
    handle: actix_web::dev::ServerHandle,
    _db: TestDb,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client that keeps cookies and does not follow redirects, like a careful browser test.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client().get(self.url(path)).send().await.expect("request")
    }

    pub fn settings(&self) -> &Settings {
        &self.state.settings
    }

    /// A browser with its own cookie jar.
    pub fn browser(&self) -> Browser {
        Browser::new(self.base.clone(), self.github.clone())
    }

    /// A browser already logged in through the whole GitHub flow as `profile`.
    pub async fn logged_in(&self, profile: Profile) -> Browser {
        let browser = self.browser();
        let res = browser.login(profile).await;
        assert_eq!(res.status(), 303, "login should succeed");
        browser
    }

    /// Run the real binary against this test's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_twir-picks"))
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .env("PUBLIC_URL", self.settings().public_url.as_str())
            .env("BIND", "127.0.0.1:0")
            .env_remove("EDITORS")
            .output()
            .expect("run twir-picks")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting and drop the pool's connections before the database goes.
        // The stop command is sent at once; the returned future only waits for it.
        drop(self.handle.stop(false));
        self.github.stop();
        self.crates_io.stop();
    }
}

pub fn base_args(database_url: &str) -> SettingsArgs {
    SettingsArgs {
        database_url: database_url.to_string(),
        bind: "127.0.0.1:0".into(),
        rate_limits: "off".into(),
        ..SettingsArgs::default()
    }
}

/// Start the app on a database URL of the caller's (which owns that database).
pub async fn spawn_app_on(database_url: &str) -> TestApp {
    let url = database_url.to_string();
    spawn_app_with(Backend::Sqlite, move |a| a.database_url = url).await
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Start the app with settings changed by `adjust`; PUBLIC_URL follows the bound port unless set.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut SettingsArgs)) -> TestApp {
    let (db, database_url) = TestDb::create(backend);
    let github = FakeGithub::start().await;
    let crates_io = FakeCratesIo::start().await;
    let mut args = base_args(&database_url);
    args.github_client_id = Some(fake_github::CLIENT_ID.into());
    args.github_client_secret = Some(fake_github::CLIENT_SECRET.into());
    args.github_auth_url = github.auth_url();
    args.github_token_url = github.token_url();
    args.github_api_url = github.api_url();
    args.crates_io_api_url = crates_io.base.clone();
    adjust(&mut args);
    // Bind once, first, so PUBLIC_URL can name the real port; the server takes this listener.
    let listener = std::net::TcpListener::bind(args.bind.as_str()).expect("bind port 0");
    let addr = listener.local_addr().unwrap();
    args.bind = addr.to_string();
    if args.public_url.is_none() {
        args.public_url = Some(format!("http://{addr}"));
    }
    let settings = Settings::from_args(&args).expect("valid test settings");
    let clock = Clock::manual(default_now());
    let app = Application::build_on(
        listener,
        settings,
        ServerOptions {
            clock: clock.clone(),
            workers: Some(1),
        },
    )
    .await
    .expect("app starts");
    let handle = app.server.handle();
    actix_web::rt::spawn(app.server);
    TestApp {
        addr: app.addr,
        metrics_addr: app.metrics_addr,
        base: format!("http://{}", app.addr),
        state: app.state,
        clock,
        database_url,
        github,
        crates_io,
        handle,
        _db: db,
    }
}

/// A connection of its own to `database_url`, outside the service's pools and its one write
/// path, as another program would have: for tests of the schema's own rules and for fixtures.
pub fn raw_connection(database_url: &str) -> Box<twir_picks::db::DbConnection> {
    let url = twir_picks::settings::DatabaseUrl::parse(database_url).expect("a database URL");
    Box::new(twir_picks::db::Manager::new(url).open().expect("connect"))
}

/// Wait (at most 30 s) until a server listens on 127.0.0.1:`port`.
pub fn wait_for_port(port: u16) {
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
}

/// The real binary as a child process (for crash tests), with DEV_LOGIN for signing in.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub base: String,
}

impl ServerProcess {
    pub fn start(database_url: &str) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_twir-picks"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("DEV_LOGIN", "true")
            .env("RATE_LIMITS", "off")
            .env("MIN_ACCOUNT_AGE_DAYS", "0")
            .env("SESSION_KEY", "ab".repeat(64))
            .env("CRATES_IO_API_URL", "http://127.0.0.1:1/api/v1")
            .env("RUST_LOG", "error")
            .env_remove("EDITORS")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start twir-picks");
        wait_for_port(port);
        ServerProcess {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// SIGKILL: no shutdown, no flush.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Sign in through `/dev/login`; returns a cookie-keeping client and its CSRF token.
pub async fn dev_login(base: &str, login: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = client
        .get(format!("{base}/dev/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = browser::extract_csrf(&form).unwrap();
    let res = client
        .post(format!("{base}/dev/login"))
        .form(&[("login", login), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let home = client
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = browser::extract_csrf(&home).unwrap();
    (client, token)
}

/// Start a fake outside service on port 0 (one worker): its routes from `routes`, its shared
/// state in `data`. Returns its base URL (`http://127.0.0.1:PORT`) and the handle to stop it.
pub fn serve_fake<T: Send + Sync + 'static>(
    data: actix_web::web::Data<T>,
    routes: fn(&mut actix_web::web::ServiceConfig),
) -> (String, actix_web::dev::ServerHandle) {
    let server =
        actix_web::HttpServer::new(move || actix_web::App::new().app_data(data.clone()).configure(routes))
            .workers(1)
            .bind("127.0.0.1:0")
            .unwrap();
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (format!("http://{addr}"), handle)
}
