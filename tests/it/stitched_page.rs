//! A member's ballot page is put together from pieces kept ready: the shared page compressed once, each entry as this member sees it compressed once,
//! their login and CSRF token in between. Decoded, the gzip stream is byte for byte the plain
//! page, and the plain page is byte for byte what the template renders in full.

use crate::common;

use common::{spawn_app_with, Browser, Profile};
use std::io::Read;

async fn page(browser: &Browser, encoding: &str) -> reqwest::Response {
    browser
        .client
        .get(browser.url("/"))
        .header("Accept-Encoding", encoding)
        .send()
        .await
        .unwrap()
}

fn gunzip(bytes: &[u8]) -> String {
    let mut plain = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut plain)
        .expect("a gzip stream every browser decodes");
    plain
}

on_both_backends! {
    async fn a_members_gzip_page_is_the_plain_page_and_the_full_render(backend) {
        let app = spawn_app_with(backend, |a| a.editors = "llogiq".into()).await;
        let bob = app.logged_in(Profile::new(2, "bob")).await;
        let serde = bob.nominated_crate("serde").await;
        bob.nominated_crate("tokio").await;
        bob.nominated_quote("Ferris says <hi> & bye").await;
        let alice = app.logged_in(Profile::new(1, "alice")).await;
        assert_eq!(alice.vote(serde).await.status(), 303);

        // With the flash waiting the page is rendered in full; after it, it is stitched.
        let full = page(&alice, "identity").await.text().await.unwrap();
        let flash = r#"<p class="flash" role="status">Your vote is counted. You can move it until voting closes.</p>"#;
        assert!(full.contains(flash), "{full}");

        let gzipped = page(&alice, "gzip, deflate, br").await;
        assert_eq!(gzipped.status(), 200);
        assert_eq!(gzipped.headers()["content-encoding"], "gzip");
        assert_eq!(gzipped.headers()["cache-control"], "no-store");
        assert!(gzipped.headers()["vary"].to_str().unwrap().contains("Accept-Encoding"));
        let compressed = gzipped.bytes().await.unwrap();
        let decoded = gunzip(&compressed);

        let plain = page(&alice, "identity").await;
        assert!(plain.headers().get("content-encoding").is_none());
        let plain = plain.text().await.unwrap();
        assert_eq!(decoded, plain);
        assert_eq!(full.replacen(flash, "", 1), plain, "the stitched page is the template's page");
        assert!(compressed.len() * 3 < plain.len() * 2, "compressed: {} of {}", compressed.len(), plain.len());
        assert!(plain.contains(">alice</a>") && plain.contains(&alice.csrf_token().await));
        assert!(plain.contains("Ferris says &lt;hi&gt; &amp;"), "user text escaped");
        assert!(!plain.contains("/editor\""), "no editor link for a member");

        // Another member, another editor: their own login, token and marks, same shared page.
        let editor = app.logged_in(Profile::new(9, "llogiq")).await;
        let theirs = gunzip(&page(&editor, "gzip").await.bytes().await.unwrap());
        assert!(theirs.contains(">llogiq</a>") && theirs.contains(r#"href="/editor""#));
        assert!(!theirs.contains(">alice</a>"));
        let bobs = gunzip(&page(&bob, "gzip;q=1.0").await.bytes().await.unwrap());
        assert!(bobs.contains(">bob</a>") && bobs != decoded);

        // Refusing gzip gets the plain page.
        let refused = page(&alice, "gzip;q=0, identity").await;
        assert!(refused.headers().get("content-encoding").is_none());
        assert_eq!(refused.text().await.unwrap(), plain);
    }
}

on_both_backends! {
    async fn a_members_page_writes_no_cookie_unless_the_session_changed(backend) {
        let app = common::spawn_app(backend).await;
        let bob = app.logged_in(Profile::new(100, "bob")).await;
        let serde = bob.nominated_crate("serde").await;
        let carol = app.logged_in(Profile::new(101, "carol")).await;
        let sets_cookie = |res: &reqwest::Response| res.headers().get("set-cookie").is_some();
        // The first page makes the CSRF token, which the cookie then carries.
        carol.get_text("/").await;
        let again = page(&carol, "gzip").await;
        assert!(!sets_cookie(&again), "a page view changes nothing: no new cookie");

        // A vote leaves a message for the next page, which shows it and writes the cookie
        // without it; the page after that writes nothing again.
        assert_eq!(carol.vote(serde).await.status(), 303);
        let shown = page(&carol, "identity").await;
        assert!(sets_cookie(&shown));
        assert!(shown.text().await.unwrap().contains("Your vote is counted"));
        let after = page(&carol, "identity").await;
        assert!(!sets_cookie(&after));
        assert!(!after.text().await.unwrap().contains("Your vote is counted"));
    }
}
