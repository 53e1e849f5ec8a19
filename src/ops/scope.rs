//! What every run on a batch holds while it runs: the async runtime, the stop that signals
//! and the breaker set, and the signal watcher; and how the run ended, from them.

use crate::batch::journal::Ended;
use crate::engine::signals::{self, Signal, Stop};
use anyhow::Context as _;
use std::sync::Arc;
use std::time::Duration;

/// A run's runtime, stop and signal watcher.
pub struct RunScope {
    pub runtime: tokio::runtime::Runtime,
    pub stop: Arc<Stop>,
    watcher: Option<tokio::task::JoinHandle<()>>,
}

impl RunScope {
    /// A runtime of `threads` workers (1: on the calling thread); signals are not taken yet.
    pub fn new(threads: usize) -> anyhow::Result<RunScope> {
        let runtime = match threads {
            0 | 1 => tokio::runtime::Builder::new_current_thread().enable_all().build()?,
            n => tokio::runtime::Builder::new_multi_thread().worker_threads(n).enable_all().build()?,
        };
        Ok(RunScope { runtime, stop: Arc::new(Stop::default()), watcher: None })
    }

    /// Takes over SIGINT, SIGTERM and SIGHUP: from here on a signal stops the run cleanly
    /// (after any question asked on the terminal, so that Ctrl-C there still quits at once).
    pub fn take_signals(&mut self) -> anyhow::Result<()> {
        let _in_runtime = self.runtime.enter();
        let watch = signals::watch(Arc::clone(&self.stop)).context("taking over SIGINT, SIGTERM and SIGHUP")?;
        self.watcher = Some(self.runtime.spawn(watch));
        Ok(())
    }

    /// Gives the signals back: from here on they are caught and change nothing.
    pub fn release_signals(&mut self) {
        if let Some(w) = self.watcher.take() {
            w.abort();
        }
    }

    /// The signal that stopped the run, if one did.
    pub fn signal(&self) -> Option<Signal> {
        self.stop.signal()
    }

    /// How the run ended, as its run end records it.
    pub fn ended(&self) -> Ended {
        match (self.stop.signal(), self.stop.tripped()) {
            (Some(_), _) => Ended::Interrupted,
            (None, Some(why)) => Ended::Stopped(why),
            (None, None) => Ended::Completed,
        }
    }

    /// Ends the run: the signals given back, and the work still in the runtime (journal
    /// appends a second signal abandoned) finished before the report is written.
    pub fn finish(mut self) {
        self.release_signals();
        self.runtime.shutdown_timeout(Duration::from_secs(60));
    }
}
