//! Throttles for the forms where someone could guess passwords or flood us: log-in (the form and
//! the API's token endpoint), sign-in links, complaints — and any later public form (a
//! membership application at `/join` adds a [`Family`] variant, its limits, and one
//! `state.throttle.check(..)` line in its handler).
//!
//! Each family has two keyed limiters (GCRA, from the `governor` crate): one per client address
//! ([`super::client::client_ip`]) and one per (address, name) — the user name, e-mail or merchant
//! the request is about. A request is counted before anything is looked up, so a user name that
//! exists and one that does not are throttled, and answered, exactly alike; and because the
//! address is part of every key, attempts from one address never hold back the right password
//! from another.
//!
//! The counts live in memory, per process: a restart forgets them, and each process behind a
//! load balancer counts on its own.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::AppError;

/// A route family with limits of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Password checks: `POST /login` and `POST /api/v1/tokens` share one budget, so the API
    /// is no second door for guessing.
    Password,
    /// `POST /login/link`: each request may send an e-mail.
    LoginLink,
    /// `POST /complaints`: the daily per-client limit is the rule; this stops floods of posts.
    Complaint,
    /// `POST /join`: membership applications, per address and per credit code.
    Join,
}

/// How many requests a key may make at once, and how often one more is allowed after that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Requests allowed in a burst.
    pub burst: u32,
    /// One more request is allowed every this long.
    pub every: Duration,
}

const fn limit(burst: u32, every_secs: u64) -> Limit {
    Limit {
        burst,
        every: Duration::from_secs(every_secs),
    }
}

impl Family {
    /// Every family, in the order [`Throttles`] keeps them.
    pub const ALL: [Family; 4] = [
        Family::Password,
        Family::LoginLink,
        Family::Complaint,
        Family::Join,
    ];

    /// The limit for one client address, whatever name it tries.
    pub const fn per_address(self) -> Limit {
        match self {
            // An office behind one address can still log its staff in at nine o'clock.
            Family::Password => limit(30, 5),
            Family::LoginLink => limit(10, 60),
            Family::Complaint => limit(20, 60),
            Family::Join => limit(10, 120),
        }
    }

    /// The limit for one (address, name) pair.
    pub const fn per_name(self) -> Limit {
        match self {
            Family::Password => limit(5, 60),
            Family::LoginLink => limit(3, 300),
            // Room for a person correcting the form a few times.
            Family::Complaint => limit(10, 600),
            // A person correcting the form a few times; a merged application needs no more.
            Family::Join => limit(5, 600),
        }
    }

    fn index(self) -> usize {
        match self {
            Family::Password => 0,
            Family::LoginLink => 1,
            Family::Complaint => 2,
            Family::Join => 3,
        }
    }
}

fn quota(l: Limit) -> Quota {
    let burst = NonZeroU32::new(l.burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(l.every)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

/// Names longer than this are cut before they become a key (no user name or e-mail is longer).
const MAX_NAME_CHARS: usize = 100;
/// Every this many checks, keys whose limiter is back to full are forgotten.
const SWEEP_EVERY: u64 = 1024;

struct Limiters {
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    by_name: DefaultKeyedRateLimiter<(IpAddr, String)>,
}

/// The limiters of every family, shared by all workers of the process.
pub struct Throttles {
    families: Vec<Limiters>,
    checks: AtomicU64,
}

impl Default for Throttles {
    fn default() -> Self {
        Self {
            families: Family::ALL
                .iter()
                .map(|f| Limiters {
                    by_address: RateLimiter::keyed(quota(f.per_address())),
                    by_name: RateLimiter::keyed(quota(f.per_name())),
                })
                .collect(),
            checks: AtomicU64::new(0),
        }
    }
}

impl Throttles {
    /// Counts one request of `family` from `ip` about `name` (user name, e-mail, …; compared
    /// without case or surrounding space). Refused with [`AppError::TooManyRequests`], which
    /// says how many seconds to wait, when either the pair or the address is over its limit.
    pub fn check(&self, family: Family, ip: IpAddr, name: Option<&str>) -> Result<(), AppError> {
        self.sweep_now_and_then();
        let l = &self.families[family.index()];
        let refused = |wait: Duration| {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            // No address in the log: the complaint form promises not to keep it.
            tracing::info!(?family, retry_after = secs, "throttled");
            Err(AppError::TooManyRequests(secs.max(1)))
        };
        if let Some(name) = name {
            let name: String = name.trim().to_lowercase().chars().take(MAX_NAME_CHARS).collect();
            if let Err(not_until) = l.by_name.check_key(&(ip, name)) {
                return refused(not_until.wait_time_from(l.by_name.clock().now()));
            }
        }
        if let Err(not_until) = l.by_address.check_key(&ip) {
            return refused(not_until.wait_time_from(l.by_address.clock().now()));
        }
        Ok(())
    }

    /// Keeps memory bounded: names an attacker invents are dropped once their limiter has
    /// refilled (at most [`Limit::burst`] × [`Limit::every`] after their last request).
    fn sweep_now_and_then(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            for l in &self.families {
                l.by_address.retain_recent();
                l.by_name.retain_recent();
                l.by_address.shrink_to_fit();
                l.by_name.shrink_to_fit();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn wait(r: Result<(), AppError>) -> Option<u64> {
        match r {
            Ok(()) => None,
            Err(AppError::TooManyRequests(s)) => Some(s),
            Err(e) => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn a_name_is_throttled_per_address() {
        let t = Throttles::default();
        let a = ip("192.0.2.1");
        let burst = Family::Password.per_name().burst;
        for _ in 0..burst {
            assert_eq!(wait(t.check(Family::Password, a, Some("admin"))), None);
        }
        let secs = wait(t.check(Family::Password, a, Some(" ADMIN "))).expect("throttled");
        assert!((1..=60).contains(&secs), "{secs}");
        // Another address, or another name from the same address, is not held back.
        assert_eq!(
            wait(t.check(Family::Password, ip("192.0.2.2"), Some("admin"))),
            None
        );
        assert_eq!(wait(t.check(Family::Password, a, Some("inspector"))), None);
        // Families count separately.
        assert_eq!(wait(t.check(Family::LoginLink, a, Some("admin"))), None);
    }

    #[test]
    fn an_address_is_throttled_across_names() {
        let t = Throttles::default();
        let a = ip("2001:db8::7");
        let burst = Family::Password.per_address().burst;
        for i in 0..burst {
            assert_eq!(
                wait(t.check(Family::Password, a, Some(&format!("user{i}")))),
                None
            );
        }
        assert!(wait(t.check(Family::Password, a, Some("fresh-name"))).is_some());
        assert_eq!(
            wait(t.check(Family::Password, ip("2001:db8::8"), Some("fresh-name"))),
            None
        );
    }

    #[test]
    fn a_sweep_keeps_the_keys_still_counting() {
        let t = Throttles::default();
        let a = ip("192.0.2.9");
        for _ in 0..Family::Password.per_name().burst {
            assert_eq!(wait(t.check(Family::Password, a, Some("x"))), None);
        }
        // Enough other checks to run a sweep, from addresses seen once.
        for i in 0..SWEEP_EVERY as u32 {
            let other = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            assert_eq!(wait(t.check(Family::Complaint, other, None)), None);
        }
        assert!(
            wait(t.check(Family::Password, a, Some("x"))).is_some(),
            "still throttled"
        );
    }

    #[test]
    fn every_limit_allows_at_least_one_request() {
        for f in Family::ALL {
            for l in [f.per_address(), f.per_name()] {
                assert!(l.burst >= 1 && l.every >= Duration::from_secs(1), "{f:?}");
            }
            assert!(f.per_address().burst >= f.per_name().burst, "{f:?}");
        }
    }
}
