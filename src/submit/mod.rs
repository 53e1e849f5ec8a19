//! `smcplan submit`: exactly-once, rate-limited creation of the planned jobs, journaled for resume.
//! The only place where requests are sent concurrently.

pub mod pace;
pub mod session;

use crate::api::calls::{CreateReplicationJob, JobFilter};
use crate::api::client::Client;
use crate::api::error::ApiError;
use crate::journal::{Entry, Journal, Outcome};
use futures_util::{StreamExt, TryStreamExt, stream};
use pace::Pace;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How to send.
#[derive(Clone, Debug)]
pub struct Options {
    /// Requests a second at most.
    pub rate: f64,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Attempts per row before giving up.
    pub max_attempts: u32,
}

/// A row to create.
#[derive(Clone, Debug)]
pub struct Work {
    pub line: u64,
    pub request: CreateReplicationJob,
    pub token: String,
    pub params: BTreeMap<String, String>,
    /// A job may exist from an earlier run whose intent had another token: look it up first.
    pub look_up_first: bool,
}

/// Counters the progress display reads.
#[derive(Default)]
pub struct Counters {
    pub created: AtomicU64,
    pub failed: AtomicU64,
    pub in_flight: AtomicU64,
}

/// What happened to a row in this run.
#[derive(Clone, Debug, PartialEq)]
pub enum Settled {
    /// An outcome was journaled.
    Done(Outcome),
    /// Sent but no answer came (the job may exist): left for the next run to resolve.
    Unknown { attempts: u32, error: String },
    /// Not sent: the run was interrupted first.
    NotSent,
}

/// Sends every row; stops starting new ones when `stop` is set.
pub async fn run(
    client: &Client,
    work: Vec<Work>,
    journal: Arc<Mutex<Journal>>,
    options: &Options,
    stop: &AtomicBool,
    counters: &Counters,
) -> std::io::Result<Vec<(u64, Settled)>> {
    let pace = Pace::new(options.rate);
    let ctx = Ctx { client, journal, options, pace: &pace, counters, stop };
    stream::iter(work)
        .map(|w| {
            let ctx = &ctx;
            async move {
                if stop.load(Ordering::SeqCst) {
                    return Ok((w.line, Settled::NotSent));
                }
                ctx.counters.in_flight.fetch_add(1, Ordering::Relaxed);
                let settled = ctx.settle(&w).await;
                ctx.counters.in_flight.fetch_sub(1, Ordering::Relaxed);
                settled.map(|s| (w.line, s))
            }
        })
        .buffer_unordered(options.concurrency.max(1))
        .try_collect()
        .await
}

struct Ctx<'a> {
    client: &'a Client,
    journal: Arc<Mutex<Journal>>,
    options: &'a Options,
    pace: &'a Pace,
    counters: &'a Counters,
    stop: &'a AtomicBool,
}

fn now() -> String {
    crate::inventory::row::format_time(jiff::Timestamp::now())
}

impl Ctx<'_> {
    async fn append(&self, entry: Entry) -> std::io::Result<()> {
        let journal = Arc::clone(&self.journal);
        tokio::task::spawn_blocking(move || journal.lock().expect("journal lock").append(&entry))
            .await
            .expect("journal task")
    }

    async fn settle(&self, w: &Work) -> std::io::Result<Settled> {
        if w.look_up_first
            && let Some(job_id) = self.find_existing(&w.request).await
        {
            return self.done(w, Ok((job_id, String::new())), 0).await;
        }
        // A row waiting for its turn when the run is interrupted is not sent at all.
        self.pace.ready().await;
        if self.stop.load(Ordering::SeqCst) {
            return Ok(Settled::NotSent);
        }
        self.append(Entry::Intent { line: w.line, token: w.token.clone(), params: w.params.clone(), at: now() })
            .await?;
        let mut unknown = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            if attempt > 1 {
                self.pace.ready().await;
            }
            match self.client.create_replication_job(&w.request).await {
                Ok(created) => {
                    self.pace.succeeded();
                    return self.done(w, Ok((created.job_id, created.request_id)), attempt).await;
                }
                Err(e) => {
                    if e.is_throttling() {
                        self.pace.throttled();
                    }
                    unknown |= e.outcome_unknown();
                    if e.code() == Some("ReplicationJobName.Duplicate")
                        && unknown
                        && let Some(job_id) = self.find_existing(&w.request).await
                    {
                        return self
                            .done(w, Ok((job_id, e.request_id().unwrap_or_default().to_string())), attempt)
                            .await;
                    }
                    if !e.is_retryable() {
                        return self.done(w, Err(e), attempt).await;
                    }
                    if attempt >= self.options.max_attempts {
                        if e.outcome_unknown() {
                            return Ok(Settled::Unknown { attempts: attempt, error: e.to_string() });
                        }
                        return self.done(w, Err(e), attempt).await;
                    }
                    tokio::time::sleep(self.pace.backoff(attempt + 1, e.retry_after())).await;
                }
            }
        }
    }

    async fn done(
        &self,
        w: &Work,
        result: Result<(String, String), ApiError>,
        attempts: u32,
    ) -> std::io::Result<Settled> {
        let outcome = match result {
            Ok((job_id, request_id)) => {
                self.counters.created.fetch_add(1, Ordering::Relaxed);
                Outcome {
                    line: w.line,
                    token: w.token.clone(),
                    status: "created".into(),
                    job_id: Some(job_id),
                    request_id: (!request_id.is_empty()).then_some(request_id),
                    error_code: None,
                    error_message: None,
                    attempts,
                    at: now(),
                }
            }
            Err(e) => {
                self.counters.failed.fetch_add(1, Ordering::Relaxed);
                let message = match &e {
                    ApiError::Service { message, .. } => message.clone(),
                    other => other.to_string(),
                };
                Outcome {
                    line: w.line,
                    token: w.token.clone(),
                    status: "failed".into(),
                    job_id: None,
                    request_id: e.request_id().map(str::to_string),
                    error_code: Some(e.code().unwrap_or("Transport").to_string()),
                    error_message: Some(message),
                    attempts,
                    at: now(),
                }
            }
        };
        self.append(Entry::Outcome(outcome.clone())).await?;
        Ok(Settled::Done(outcome))
    }

    /// The job a row already made, found by its Name and SourceId.
    async fn find_existing(&self, request: &CreateReplicationJob) -> Option<String> {
        let name = request.name.clone()?;
        let filter =
            JobFilter { source_id: vec![request.source_id.clone()], name: Some(name.clone()), ..JobFilter::default() };
        for _ in 0..self.options.max_attempts {
            self.pace.ready().await;
            match self.client.describe_replication_jobs(&filter).try_collect::<Vec<_>>().await {
                Ok(jobs) => {
                    return jobs
                        .into_iter()
                        .find(|j| j.name == name && j.source_id == request.source_id)
                        .map(|j| j.job_id);
                }
                Err(e) if e.is_retryable() => tokio::time::sleep(self.pace.backoff(2, e.retry_after())).await,
                Err(_) => return None,
            }
        }
        None
    }
}
