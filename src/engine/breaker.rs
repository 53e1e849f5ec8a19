//! The circuit breaker: a run stops at the first error that will fail every row alike (a
//! bad signature or key, a permission or quota the account lacks, a region that does not
//! exist), and when more than half of the last 20 settled requests failed.

use std::collections::VecDeque;
use std::sync::Mutex;

/// Settled requests the failure share is taken over.
const WINDOW: usize = 20;

/// Whether an error code fails every row alike: sending more rows cannot succeed.
pub fn fails_every_row(code: &str) -> bool {
    matches!(code, "SignatureDoesNotMatch" | "NoPermission" | "InvalidRegionId" | "IncompleteSignature")
        || ["InvalidAccessKeyId", "Forbidden", "QuotaExceeded", "Credentials", "InvalidSecurityToken"]
            .iter()
            .any(|p| code == *p || code.strip_prefix(p).is_some_and(|rest| rest.starts_with('.')))
}

/// The last settled requests, to open on.
#[derive(Default)]
pub struct Breaker {
    last: Mutex<VecDeque<bool>>,
}

impl Breaker {
    /// Notes a settled request (`None`: it succeeded; else its error code); why the breaker
    /// opens, if it does now.
    pub fn settled(&self, error: Option<&str>) -> Option<String> {
        if let Some(code) = error.filter(|c| fails_every_row(c)) {
            return Some(format!("{code} fails every row alike"));
        }
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        last.push_back(error.is_some());
        if last.len() > WINDOW {
            last.pop_front();
        }
        let failed = last.iter().filter(|f| **f).count();
        (last.len() == WINDOW && failed * 2 > WINDOW).then(|| format!("{failed} of the last {WINDOW} requests failed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_that_fail_every_row_open_it_at_once() {
        for code in [
            "SignatureDoesNotMatch",
            "InvalidAccessKeyId.NotFound",
            "Forbidden.RAM",
            "NoPermission",
            "QuotaExceeded.ReplicationJob",
            "InvalidRegionId",
        ] {
            assert!(Breaker::default().settled(Some(code)).is_some(), "{code}");
        }
        for code in ["Throttling.User", "ReplicationJobName.Duplicate", "ForbiddenFruit", "InternalError"] {
            assert!(Breaker::default().settled(Some(code)).is_none(), "{code}");
        }
    }

    #[test]
    fn a_burst_of_failures_opens_it_and_scattered_ones_do_not() {
        let b = Breaker::default();
        for i in 0..100 {
            let error = (i % 3 == 0).then_some("ReplicationJobName.Duplicate");
            assert!(b.settled(error).is_none(), "one in three at {i}");
        }
        let b = Breaker::default();
        let opened: Vec<usize> =
            (0..30).filter(|i| b.settled((i % 4 != 0).then_some("InternalError")).is_some()).collect();
        assert_eq!(opened.first(), Some(&19), "opens once the window of 20 holds more than 10 failures");
    }
}
