//! A fake webhook receiver on port 0: `POST /{anything}` is recorded (path, signature header,
//! body) and answered 200, or 503 while it is "down".

use actix_web::{web, HttpRequest, HttpResponse};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub signature: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Default)]
struct Inner {
    received: Mutex<Vec<Received>>,
    down: AtomicBool,
    attempts: AtomicUsize,
}

#[derive(Clone)]
pub struct FakeReceiver {
    pub base: String,
    inner: Arc<Inner>,
    handle: actix_web::dev::ServerHandle,
}

impl FakeReceiver {
    pub async fn start() -> FakeReceiver {
        let inner = Arc::new(Inner::default());
        let data = web::Data::new(inner.clone());
        let (base, handle) = super::serve_fake(data, |cfg| {
            cfg.default_service(web::post().to(receive));
        });
        FakeReceiver { base, inner, handle }
    }

    pub fn set_down(&self, down: bool) {
        self.inner.down.store(down, Ordering::SeqCst);
    }

    /// Every request, accepted or not.
    pub fn attempts(&self) -> usize {
        self.inner.attempts.load(Ordering::SeqCst)
    }

    /// What was accepted at `path`, in order.
    pub fn received(&self, path: &str) -> Vec<Received> {
        self.inner
            .received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Wait (at most `seconds`) until `path` has accepted `n` requests.
    pub async fn wait_for(&self, path: &str, n: usize, seconds: u64) -> Vec<Received> {
        let started = std::time::Instant::now();
        loop {
            let got = self.received(path);
            if got.len() >= n || started.elapsed() > std::time::Duration::from_secs(seconds) {
                return got;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    pub fn stop(&self) {
        drop(self.handle.stop(false));
    }
}

async fn receive(req: HttpRequest, inner: web::Data<Arc<Inner>>, body: web::Bytes) -> HttpResponse {
    inner.attempts.fetch_add(1, Ordering::SeqCst);
    if inner.down.load(Ordering::SeqCst) {
        return HttpResponse::ServiceUnavailable().finish();
    }
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    inner.received.lock().unwrap().push(Received {
        path: req.path().to_string(),
        signature: header("x-twir-picks-signature"),
        content_type: header("content-type"),
        body: body.to_vec(),
    });
    HttpResponse::Ok().finish()
}
