//! Sending pace: the governor limiter at `--rate`, an AIMD brake below it when the service
//! throttles, and exponential backoff with full jitter between attempts.
//!
//! The brake cuts the rate by 15% at most once a second (the requests in flight when a limit
//! is hit all come back throttled together; one cut is enough) and wins back 2 requests a
//! second each second of successes, so it settles just under the service's limit.

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Requests a second: at most the configured rate, less after throttling, recovering on success.
pub struct Pace {
    ceiling: f64,
    limiter: DefaultDirectRateLimiter,
    state: Mutex<Brake>,
}

struct Brake {
    rate: f64,
    next: Instant,
    seed: u64,
    last_cut: Option<Instant>,
}

/// The lowest rate the brake goes down to.
const FLOOR: f64 = 0.2;

impl Pace {
    pub fn new(rate: f64) -> Pace {
        // governor counts whole cells a period: express the rate per minute for fractional rates.
        let per_minute = NonZeroU32::new((rate * 60.0).round().max(1.0) as u32).expect("at least one");
        // A burst of two: a request the timer let out late does not push back every one after
        // it (the cadence is kept), and over any longer span the rate holds.
        let quota = Quota::per_minute(per_minute).allow_burst(NonZeroU32::new(2).expect("two"));
        Pace {
            ceiling: rate,
            limiter: RateLimiter::direct(quota),
            state: Mutex::new(Brake { rate, next: Instant::now(), seed: 0x5EED, last_cut: None }),
        }
    }

    /// Waits until a request may leave.
    pub async fn ready(&self) {
        self.limiter.until_ready().await;
        let at = {
            let mut b = self.state.lock().expect("pace lock");
            let now = Instant::now();
            let interval = Duration::try_from_secs_f64(1.0 / b.rate).unwrap_or(Duration::from_secs(3600));
            // Late by less than an interval (timers wake late): the next keeps the cadence, so
            // that lateness does not add up over a batch; later than that, it starts anew.
            let at = if now.saturating_duration_since(b.next) < interval { b.next } else { now };
            b.next = at + interval;
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// The service throttled: slow down, once a second at most.
    pub fn throttled(&self) {
        let mut b = self.state.lock().expect("pace lock");
        let now = Instant::now();
        if b.last_cut.is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1)) {
            b.rate = (b.rate * 0.85).max(FLOOR);
            b.last_cut = Some(now);
        }
    }

    /// A request went through: win back a little (2 requests a second per second of successes).
    pub fn succeeded(&self) {
        let mut b = self.state.lock().expect("pace lock");
        b.rate = (b.rate + 2.0 / b.rate).min(self.ceiling);
    }

    /// The current rate.
    pub fn rate(&self) -> f64 {
        self.state.lock().expect("pace lock").rate
    }

    /// Full-jitter backoff before attempt `attempt` (2, 3, ...): a random time up to
    /// min(10 s, 200 ms × 2^(attempt-2)), and never less than the server's hint.
    pub fn backoff(&self, attempt: u32, hint: Option<Duration>) -> Duration {
        let mut b = self.state.lock().expect("pace lock");
        b.seed = b.seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let fraction = (b.seed >> 11) as f64 / (1u64 << 53) as f64;
        crate::api::error::backoff(attempt, hint, fraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn paces_at_the_rate_and_brakes_on_throttling() {
        let pace = Pace::new(10.0);
        let start = Instant::now();
        for _ in 0..11 {
            pace.ready().await;
        }
        // Never faster than the rate; slower only by what a loaded machine adds.
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(990) && took < Duration::from_secs(3), "{took:?}");
        pace.throttled();
        pace.throttled();
        assert_eq!(pace.rate(), 8.5, "one cut a second");
        for _ in 0..20 {
            pace.succeeded();
        }
        assert_eq!(pace.rate(), 10.0);
    }

    #[test]
    fn backoff_grows_with_jitter_and_honours_the_hint() {
        let pace = Pace::new(1.0);
        for attempt in 2..10 {
            let cap = Duration::from_millis(200) * (1 << (attempt - 2).min(6));
            assert!(pace.backoff(attempt, None) <= cap.min(Duration::from_secs(10)));
        }
        assert!(pace.backoff(2, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
    }
}
