//! The server under test: the release binary as a child process, and what it costs.

use super::*;

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_server(url: &str, data_dir: &std::path::Path) -> anyhow::Result<Server> {
    let exe = std::env::current_exe()?.with_file_name("twir-picks");
    anyhow::ensure!(
        exe.exists(),
        "build the server first: cargo build --release (looked for {})",
        exe.display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new(exe)
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("RATE_LIMITS", "off")
        .env("DEV_LOGIN", "true")
        .env("MIN_ACCOUNT_AGE_DAYS", "0")
        .env("ANCHOR_ISSUE", ANCHOR_ISSUE.to_string())
        .env("SESSION_KEY", SESSION_KEY)
        .env("CRATES_IO_API_URL", "http://127.0.0.1:1/api/v1")
        .env("RUST_LOG", "error")
        .current_dir(data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let mut server = Server { child, base };
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(server.child.try_wait()?.is_none(), "the server stopped at start");
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(server)
}

pub(crate) fn wal_size(sqlite_path: &str) -> u64 {
    std::fs::metadata(format!("{sqlite_path}-wal"))
        .map(|m| m.len())
        .unwrap_or(0)
}

pub(crate) fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}
