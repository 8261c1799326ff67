//! Abuse limits (docs/security.md item 13): per client IP on logging in and on every form, per user on
//! votes and nominations, answered with 429 and `Retry-After`. `RATE_LIMITS=off` turns them
//! off (load tests, trusted networks). `X-Forwarded-For` counts only from `TRUSTED_PROXIES`.
//! The counters live here; `web::limits` applies them to requests.

use crate::error::AppError;
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

pub struct RateLimits {
    enabled: bool,
    trusted_proxies: Vec<IpAddr>,
    login_per_ip: Keyed<IpAddr>,
    forms_per_ip: Keyed<IpAddr>,
    votes_per_user: Keyed<i32>,
    nominations_per_user: Keyed<i32>,
}

fn per_minute(n: u32, burst: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).expect("non-zero"))
        .allow_burst(NonZeroU32::new(burst).expect("non-zero"))
}

/// What is limited.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    Vote,
    Nomination,
}

impl RateLimits {
    pub fn new(enabled: bool, trusted_proxies: Vec<IpAddr>) -> Self {
        RateLimits {
            enabled,
            trusted_proxies,
            login_per_ip: RateLimiter::keyed(per_minute(30, 10)),
            forms_per_ip: RateLimiter::keyed(per_minute(300, 60)),
            votes_per_user: RateLimiter::keyed(per_minute(30, 10)),
            nominations_per_user: RateLimiter::keyed(per_minute(10, 5)),
        }
    }

    fn check<K: Clone + Eq + std::hash::Hash>(&self, limiter: &Keyed<K>, key: &K) -> Result<(), AppError> {
        if !self.enabled {
            return Ok(());
        }
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::too_many(wait.as_secs() + 1)
        })
    }

    /// Per-user limits, checked by the handlers that know the user.
    pub fn check_user(&self, limit: Limit, user_id: i32) -> Result<(), AppError> {
        match limit {
            Limit::Vote => self.check(&self.votes_per_user, &user_id),
            Limit::Nomination => self.check(&self.nominations_per_user, &user_id),
        }
    }

    /// The client's address for a request from `peer` carrying `x_forwarded_for`: the peer, or,
    /// when the peer is a trusted proxy, the rightmost `X-Forwarded-For` entry that is not
    /// itself a trusted proxy. An entry that is not an address (`unknown`, garbage) cannot be
    /// believed, so the request counts against the proxy's own address. The same address is
    /// logged (`web::logging`).
    pub fn client_of(&self, peer: IpAddr, x_forwarded_for: &str) -> IpAddr {
        client_address(peer, x_forwarded_for, &self.trusted_proxies)
    }

    /// Logging in, per client address.
    pub fn check_login(&self, ip: IpAddr) -> Result<(), AppError> {
        self.check(&self.login_per_ip, &ip)
    }

    /// Any form (a state-changing request), per client address.
    pub fn check_form(&self, ip: IpAddr) -> Result<(), AppError> {
        self.check(&self.forms_per_ip, &ip)
    }

    /// Forget idle keys (bounded memory).
    pub fn tidy(&self) {
        self.login_per_ip.retain_recent();
        self.forms_per_ip.retain_recent();
        self.votes_per_user.retain_recent();
        self.nominations_per_user.retain_recent();
    }
}

/// See `RateLimits::client_ip`; pure, for tests.
pub fn client_address(peer: IpAddr, x_forwarded_for: &str, trusted_proxies: &[IpAddr]) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    for entry in x_forwarded_for
        .rsplit(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        match entry.parse::<IpAddr>() {
            Ok(ip) if trusted_proxies.contains(&ip) => client = ip,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_a_trusted_proxy_forwarded_for() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let other_proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let client: IpAddr = "203.0.113.9".parse().unwrap();
        let trusted = [proxy, other_proxy];
        // Not through a trusted proxy: the header is anyone's to write.
        assert_eq!(client_address(client, "1.2.3.4", &trusted), client);
        assert_eq!(client_address(proxy, "1.2.3.4, 203.0.113.9", &trusted), client);
        assert_eq!(client_address(proxy, "203.0.113.9, 10.0.0.2", &trusted), client);
        // Garbage on the right cannot buy a fresh address per request.
        assert_eq!(client_address(proxy, "10.9.7.1, unknown", &trusted), proxy);
        assert_eq!(client_address(proxy, "", &trusted), proxy);
        assert_eq!(client_address(proxy, "10.0.0.2", &trusted), other_proxy);
    }
}
