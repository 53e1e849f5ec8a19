//! Stopping a run cleanly: the first SIGINT, SIGTERM or SIGHUP stops new requests (those in
//! flight finish and are journaled); a second one abandons those in flight (their intents are
//! journaled, so the next run resolves them). Either way the run returns, the report is
//! written and the lock released.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use tokio::signal::unix::{SignalKind, signal};

/// A signal that stopped a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
    Hangup,
}

impl Signal {
    fn code(self) -> u8 {
        match self {
            Signal::Interrupt => 1,
            Signal::Terminate => 2,
            Signal::Hangup => 3,
        }
    }

    fn of(code: u8) -> Option<Signal> {
        match code {
            1 => Some(Signal::Interrupt),
            2 => Some(Signal::Terminate),
            3 => Some(Signal::Hangup),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "interrupted",
            Signal::Terminate => "terminated (SIGTERM)",
            Signal::Hangup => "hung up (SIGHUP)",
        }
    }
}

/// The code of a stop that no signal asked for (see [`Stop::trip`]).
const TRIPPED: u8 = 9;

/// What the signals asked for so far; shared by the watcher and the run.
#[derive(Debug, Default)]
pub struct Stop {
    /// The first signal received (0: none): from then on, no new request starts.
    first: AtomicU8,
    /// Wakes whoever waits for the first signal.
    stopped: tokio::sync::Notify,
    /// Abandon the requests in flight (a second signal).
    abandon: tokio::sync::Notify,
    abandoned: AtomicBool,
    /// Why the circuit breaker stopped the run, when it did (no signal then).
    tripped: std::sync::Mutex<Option<String>>,
}

impl Stop {
    /// Whether new requests must not start.
    pub fn requested(&self) -> bool {
        self.first.load(Ordering::SeqCst) != 0
    }

    /// The signal that stopped the run, if one did.
    pub fn signal(&self) -> Option<Signal> {
        Signal::of(self.first.load(Ordering::SeqCst))
    }

    /// Stops as the first signal does (tests, and the watcher).
    pub fn request(&self, signal: Signal) {
        let _ = self.first.compare_exchange(0, signal.code(), Ordering::SeqCst, Ordering::SeqCst);
        self.stopped.notify_waiters();
    }

    /// Stops new requests as a first signal does, for a reason that is not a signal: the
    /// circuit breaker opened, or a canary failed.
    pub fn trip(&self, reason: String) {
        if self.first.compare_exchange(0, TRIPPED, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            *self.tripped.lock().unwrap_or_else(|e| e.into_inner()) = Some(reason);
        }
        self.stopped.notify_waiters();
    }

    /// Why the breaker stopped the run, if it did.
    pub fn tripped(&self) -> Option<String> {
        self.tripped.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Resolves once new requests must not start.
    pub async fn wait_requested(&self) {
        let notified = self.stopped.notified();
        if self.requested() {
            return;
        }
        notified.await;
    }

    /// Abandons the requests in flight, as a second signal does.
    pub fn abandon(&self) {
        self.abandoned.store(true, Ordering::SeqCst);
        self.abandon.notify_waiters();
        self.abandon.notify_one();
    }

    /// Resolves once the requests in flight are to be abandoned.
    pub async fn abandoned(&self) {
        if self.abandoned.load(Ordering::SeqCst) {
            return;
        }
        self.abandon.notified().await;
    }
}

/// Takes over SIGINT, SIGTERM and SIGHUP now (inside a tokio runtime), and returns the task
/// that tells `stop` about them. The handlers stay in place for the rest of the process, so
/// that no signal after the run kills it half-way through writing the report.
pub fn watch(stop: std::sync::Arc<Stop>) -> std::io::Result<impl Future<Output = ()> + Send> {
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    Ok(async move { tell(&stop, &mut int, &mut term, &mut hup).await })
}

async fn tell(
    stop: &Stop,
    int: &mut tokio::signal::unix::Signal,
    term: &mut tokio::signal::unix::Signal,
    hup: &mut tokio::signal::unix::Signal,
) {
    let mut seen = 0;
    loop {
        let got = tokio::select! {
            _ = int.recv() => Signal::Interrupt,
            _ = term.recv() => Signal::Terminate,
            _ = hup.recv() => Signal::Hangup,
        };
        seen += 1;
        // The terminal may be gone (SIGHUP): a failed write is not a reason to stop here.
        let mut err = std::io::stderr();
        if seen == 1 {
            stop.request(got);
            let _ = writeln!(
                err,
                "{}: finishing the requests in flight (Ctrl-C again to abandon them; the next run resolves them)",
                got.name()
            );
        } else {
            let _ = writeln!(err, "{}: abandoning the requests in flight; writing the report", got.name());
            stop.abandon();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_signal_is_the_one_reported() {
        let stop = Stop::default();
        assert!(!stop.requested() && stop.signal().is_none());
        stop.request(Signal::Terminate);
        stop.request(Signal::Interrupt);
        assert!(stop.requested());
        assert_eq!(stop.signal(), Some(Signal::Terminate));
    }

    #[tokio::test]
    async fn a_request_wakes_whoever_waits_for_it() {
        let stop = std::sync::Arc::new(Stop::default());
        let waiter = tokio::spawn({
            let stop = std::sync::Arc::clone(&stop);
            async move { stop.wait_requested().await }
        });
        tokio::task::yield_now().await;
        stop.request(Signal::Interrupt);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter).await.unwrap().unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(5), stop.wait_requested()).await.unwrap();
    }

    #[tokio::test]
    async fn abandoning_wakes_a_waiter_before_and_after() {
        let stop = std::sync::Arc::new(Stop::default());
        let waiter = tokio::spawn({
            let stop = std::sync::Arc::clone(&stop);
            async move { stop.abandoned().await }
        });
        tokio::task::yield_now().await;
        stop.abandon();
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter).await.unwrap().unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(5), stop.abandoned()).await.unwrap();
    }
}
