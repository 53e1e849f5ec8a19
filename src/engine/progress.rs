//! What a run shows while it runs: the counters it keeps, and a display fed from them (a
//! bar on a terminal, a line every few seconds otherwise, nothing when quiet, a recorder
//! in tests).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Counters the engine keeps as rows settle.
#[derive(Default)]
pub struct Counters {
    pub created: AtomicU64,
    pub failed: AtomicU64,
    pub in_flight: AtomicU64,
    /// Attempts after the first, and throttled answers among all.
    pub retries: AtomicU64,
    pub throttled: AtomicU64,
    /// What a settled call did, for the display (`created` unless set: `started`, `deleted`, ...).
    pub word: std::sync::OnceLock<&'static str>,
}

/// The counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub created: u64,
    pub failed: u64,
    pub in_flight: u64,
    pub retries: u64,
    pub throttled: u64,
    pub word: &'static str,
}

impl Counters {
    pub fn snapshot(&self) -> Snapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Snapshot {
            created: get(&self.created),
            failed: get(&self.failed),
            in_flight: get(&self.in_flight),
            retries: get(&self.retries),
            throttled: get(&self.throttled),
            word: self.word.get().copied().unwrap_or("created"),
        }
    }
}

/// Something that shows a run's progress.
pub trait Display: Send + Sync {
    /// How often it wants to be told.
    fn every(&self) -> Duration;
    /// The counters now, `total` rows to settle, `elapsed` since the start.
    fn show(&self, now: Snapshot, total: u64, elapsed: Duration);
}

/// A bar on stderr, redrawn in place.
pub struct Bar(indicatif::ProgressBar);

/// A plain line every 5 s, to any writer (stderr when not on a terminal).
pub struct Lines(pub std::sync::Mutex<Box<dyn Write + Send>>);

/// Nothing (`--quiet`).
pub struct Quiet;

/// The display for this terminal: a bar on a terminal, lines otherwise, nothing when quiet.
pub fn for_stderr(total: u64, quiet: bool) -> Box<dyn Display> {
    match (quiet, std::io::stderr().is_terminal()) {
        (true, _) => Box::new(Quiet),
        (false, true) => {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ETA {eta}")
                    .expect("a static template"),
            );
            Box::new(Bar(bar))
        }
        (false, false) => Box::new(Lines(std::sync::Mutex::new(Box::new(std::io::stderr())))),
    }
}

/// The message both the bar and the lines show.
pub fn message(now: Snapshot, elapsed: Duration) -> String {
    let rate = now.created as f64 / elapsed.as_secs_f64().max(1e-9);
    format!(
        "{} {}, failed {}, in flight {}, {} retries ({} throttled), {rate:.1}/s",
        now.word, now.created, now.failed, now.in_flight, now.retries, now.throttled
    )
}

impl Display for Bar {
    fn every(&self) -> Duration {
        Duration::from_millis(200)
    }
    fn show(&self, now: Snapshot, _total: u64, elapsed: Duration) {
        self.0.set_position(now.created + now.failed);
        self.0.set_message(message(now, elapsed));
    }
}

impl Display for Lines {
    fn every(&self) -> Duration {
        Duration::from_secs(5)
    }
    fn show(&self, now: Snapshot, total: u64, elapsed: Duration) {
        let mut out = self.0.lock().expect("lines lock");
        let _ = writeln!(out, "{}/{total}: {}", now.created + now.failed, message(now, elapsed));
    }
}

impl Display for Quiet {
    fn every(&self) -> Duration {
        Duration::from_secs(3600)
    }
    fn show(&self, _: Snapshot, _: u64, _: Duration) {}
}

/// Feeds `display` from `counters` until the task is dropped.
pub async fn feed(counters: &Counters, total: u64, display: &dyn Display) {
    let started = Instant::now();
    loop {
        tokio::time::sleep(display.every()).await;
        display.show(counters.snapshot(), total, started.elapsed());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    struct Recorder(Mutex<Vec<Snapshot>>);

    impl Display for Recorder {
        fn every(&self) -> Duration {
            Duration::from_secs(1)
        }
        fn show(&self, now: Snapshot, _: u64, _: Duration) {
            self.0.lock().unwrap().push(now);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_display_sees_the_counters_at_its_pace() {
        let counters = Counters::default();
        let recorder = Recorder(Mutex::new(Vec::new()));
        let feeding = feed(&counters, 10, &recorder);
        let counting = async {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            counters.created.fetch_add(3, Ordering::Relaxed);
            counters.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(1000)).await;
        };
        tokio::select! {
            () = feeding => unreachable!(),
            () = counting => {}
        }
        let seen = recorder.0.lock().unwrap().clone();
        assert_eq!(seen.len(), 2);
        assert_eq!((seen[0].created, seen[1].created, seen[1].retries), (0, 3, 1));
        assert_eq!(
            message(seen[1], Duration::from_secs(2)),
            "created 3, failed 0, in flight 0, 1 retries (0 throttled), 1.5/s"
        );
    }
}
