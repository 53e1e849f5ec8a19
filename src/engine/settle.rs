//! One call through the limiter: its intent journaled before it leaves, its attempts and
//! retries (a throttled answer slows the pace and is never final), a lost answer settled by
//! a look-up, and its outcome journaled; the breaker hears of each.

use super::pace::Pace;
use super::progress::Counters;
use super::signals::Stop;
use super::{Call, Done, Options, Touched, breaker};
use crate::api::client::Client;
use crate::api::error::ApiError;
use crate::batch::journal::{Entry, Journal, Outcome};
use crate::batch::{RowStatus, Settled};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

pub(super) struct Ctx<'a> {
    pub(super) client: &'a Client,
    pub(super) journal: Arc<Mutex<Journal>>,
    pub(super) options: &'a Options,
    pub(super) pace: &'a Pace,
    pub(super) counters: &'a Counters,
    pub(super) stop: &'a Stop,
    pub(super) touched: &'a Touched,
    pub(super) run: &'a str,
    pub(super) file: &'a str,
    pub(super) breaker: &'a breaker::Breaker,
}

fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

impl Ctx<'_> {
    pub(super) async fn append(&self, entry: Entry) -> std::io::Result<()> {
        let journal = Arc::clone(&self.journal);
        tokio::task::spawn_blocking(move || journal.lock().expect("journal lock").append(&entry))
            .await
            .expect("journal task")
    }

    /// The intent of `call`, journaled before it leaves.
    pub(super) fn intent(&self, call: &impl Call, lookup: bool) -> Entry {
        call.intent_entry(now(), lookup, self.run, self.file)
    }

    /// Whether `call` is done already (paced like every call; the client retries the read).
    pub(super) async fn look_up(&self, call: &impl Call) -> Result<Option<String>, ApiError> {
        self.pace.ready().await;
        let found = call.look_up(self.client).await?;
        self.pace.succeeded();
        Ok(found)
    }

    pub(super) async fn settle(&self, w: &impl Call) -> std::io::Result<Settled> {
        if w.look_up_first()
            && let Ok(Some(job_id)) = self.look_up(w).await
        {
            return self.done(w, Ok(found_job(job_id)), 0, false).await;
        }
        // A row waiting for its turn when the run is interrupted is not sent at all.
        tokio::select! {
            biased;
            () = self.stop.wait_requested() => return Ok(Settled::NotSent),
            () = self.pace.ready() => {}
        }
        if self.stop.requested() {
            return Ok(Settled::NotSent);
        }
        self.touched.in_flight.lock().expect("touched lock").insert(w.line());
        self.append(self.intent(w, false)).await?;
        let mut unknown = false;
        let mut attempt = 0;
        // Attempts that count against --max-attempts: a throttled answer does not (it slows
        // the pace and is tried again for as long as the run goes on).
        let mut counted = 0;
        loop {
            attempt += 1;
            if attempt > 1 {
                self.counters.retries.fetch_add(1, Ordering::Relaxed);
                // Stopped between attempts: the intent is journaled, the next run sends the
                // same request again (same ClientToken).
                let stopped = tokio::select! {
                    biased;
                    () = self.stop.wait_requested() => true,
                    () = self.pace.ready() => false,
                };
                if stopped {
                    let error = "stopped before a retry; the next run sends it again".to_string();
                    return Ok(Settled::Unknown { attempts: attempt - 1, error });
                }
            }
            match w.attempt(self.client).await {
                Ok(done) => {
                    self.pace.succeeded();
                    return self.done(w, Ok(done), attempt, false).await;
                }
                Err(e) => {
                    let throttled = e.is_throttling();
                    if throttled {
                        self.pace.throttled();
                        self.counters.throttled.fetch_add(1, Ordering::Relaxed);
                    } else {
                        counted += 1;
                    }
                    unknown |= e.outcome_unknown();
                    if unknown && w.done_by_a_lost_attempt(&e) {
                        match self.look_up(w).await {
                            Ok(Some(job_id)) => {
                                let request_id = e.request_id().unwrap_or_default().to_string();
                                return self.done(w, Ok(Done { job_id, request_id }), attempt, false).await;
                            }
                            // The job is not where the lost attempt would have put it: the error
                            // stands, unless the state may not show it yet.
                            Ok(None) if w.pending_when_unproven() => {
                                let error = format!("{e}; the job's state does not show the call done yet");
                                return Ok(Settled::Unknown { attempts: attempt, error });
                            }
                            Ok(None) => {}
                            // Whether the lost attempt did it cannot be told now: the next run looks again.
                            Err(looked) => {
                                let error = format!("{e}; looking at the job failed: {looked}");
                                return Ok(Settled::Unknown { attempts: attempt, error });
                            }
                        }
                    }
                    if !e.is_retryable() {
                        return self.done(w, Err(e), attempt, false).await;
                    }
                    if counted >= self.options.max_attempts {
                        if e.outcome_unknown() {
                            return Ok(Settled::Unknown { attempts: attempt, error: e.to_string() });
                        }
                        return self.done(w, Err(e), attempt, false).await;
                    }
                    tokio::select! {
                        () = tokio::time::sleep(self.pace.backoff(attempt + 1, e.retry_after())) => {}
                        () = self.stop.wait_requested() => {}
                    }
                }
            }
        }
    }

    pub(super) async fn done(
        &self,
        w: &impl Call,
        result: Result<Done, ApiError>,
        attempts: u32,
        adopted: bool,
    ) -> std::io::Result<Settled> {
        let outcome = match result {
            Ok(Done { job_id, request_id }) => {
                self.counters.created.fetch_add(1, Ordering::Relaxed);
                Outcome {
                    line: w.line(),
                    token: w.key().to_string(),
                    status: RowStatus::Created,
                    job_id: Some(job_id),
                    request_id: (!request_id.is_empty()).then_some(request_id),
                    error_code: None,
                    error_message: None,
                    attempts,
                    at: now(),
                    adopted,
                    retryable: false,
                }
            }
            Err(e) => {
                self.counters.failed.fetch_add(1, Ordering::Relaxed);
                let message = match &e {
                    ApiError::Service { message, .. } => message.clone(),
                    other => other.to_string(),
                };
                Outcome {
                    line: w.line(),
                    token: w.key().to_string(),
                    status: RowStatus::Failed,
                    job_id: None,
                    request_id: e.request_id().map(str::to_string),
                    error_code: Some(e.code().unwrap_or("Transport").to_string()),
                    error_message: Some(message),
                    attempts,
                    at: now(),
                    adopted: false,
                    // An error that fails every row alike (a permission, a key) is fixed
                    // outside the row: the next run sends the row again.
                    retryable: e.is_retryable() || e.code().is_some_and(breaker::fails_every_row),
                }
            }
        };
        self.append(w.outcome_entry(outcome.clone())).await?;
        if let Some(why) = self.breaker.settled(outcome.error_code.as_deref()) {
            self.stop.trip(format!("the circuit breaker opened: {why}"));
        }
        Ok(Settled::Done(outcome))
    }
}

/// A job found by a look-up: no request of this run made it.
pub(super) fn found_job(job_id: String) -> Done {
    Done { job_id, request_id: String::new() }
}
