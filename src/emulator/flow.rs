//! Flow control (a token bucket per account) and seeded fault injection.

use std::time::{Duration, Instant};

/// At most `rate` requests a second, with bursts of up to `rate`.
pub struct TokenBucket {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(rate: f64) -> TokenBucket {
        TokenBucket { rate, tokens: rate.max(1.0), last: Instant::now() }
    }

    /// Takes a token, or says how long until the next one.
    pub fn take(&mut self) -> Result<(), Duration> {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.rate.max(1.0));
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / self.rate))
        }
    }
}

/// The faults `--fault-rate` mixes, in equal shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    InternalError,
    ServiceUnavailable,
    Throttling,
    /// The connection closes before the request is carried out.
    CloseBefore,
    /// The request is carried out (a job is created), then the connection closes: the answer is lost.
    CloseAfter,
}

const KINDS: [FaultKind; 5] = [
    FaultKind::InternalError,
    FaultKind::ServiceUnavailable,
    FaultKind::Throttling,
    FaultKind::CloseBefore,
    FaultKind::CloseAfter,
];

/// Seeded dice: the same seed and request order give the same faults.
pub struct Dice {
    rate: f64,
    state: u64,
}

impl Dice {
    pub fn new(rate: f64, seed: u64) -> Dice {
        Dice { rate, state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1 }
    }

    fn next(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    /// Whether this request fails, and how.
    pub fn roll(&mut self) -> Option<FaultKind> {
        if self.rate <= 0.0 {
            return None;
        }
        let x = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        (x < self.rate).then(|| KINDS[(self.next() % KINDS.len() as u64) as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_admits_its_rate() {
        let mut b = TokenBucket::new(5.0);
        let admitted = (0..20).filter(|_| b.take().is_ok()).count();
        assert_eq!(admitted, 5);
        let wait = b.take().unwrap_err();
        assert!(wait <= Duration::from_millis(200), "{wait:?}");
    }

    #[test]
    fn dice_are_seeded_and_mix_every_kind() {
        let rolls = |seed| {
            let mut d = Dice::new(0.3, seed);
            (0..2000).map(|_| d.roll()).collect::<Vec<_>>()
        };
        assert_eq!(rolls(7), rolls(7));
        assert_ne!(rolls(7), rolls(8));
        let r = rolls(7);
        let faults = r.iter().flatten().count();
        assert!((500..700).contains(&faults), "{faults}");
        for k in KINDS {
            assert!(r.contains(&Some(k)), "{k:?}");
        }
        assert!(Dice::new(0.0, 1).roll().is_none());
    }
}
