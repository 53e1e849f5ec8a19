//! The engine: prepared calls sent through the limiter, with retries, an fsynced intent and
//! outcome for each, resume from the journal, the lock and the signals. The only place where
//! requests are sent concurrently.

pub mod act;
pub mod breaker;
pub mod create;
pub mod modify;
pub mod pace;
pub mod progress;
mod settle;
pub mod signals;

use settle::{Ctx, found_job};

use crate::api::client::Client;
use crate::api::error::ApiError;
use crate::batch::RowStatus;
pub use crate::batch::Settled;
use crate::batch::journal::{Entry, Journal, Outcome};
pub use create::Work;
use futures_util::{StreamExt, TryStreamExt, stream};
use pace::Pace;
use signals::Stop;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
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
    /// Rows sent first; the rest only once every one of them succeeded (0: no canary).
    pub canary: usize,
}

/// One prepared call of a batch, as the engine sends it: a create today (see
/// [`create::Work`]); a job action shares the same pacing, retries, journal and resume.
pub trait Call: Sync {
    /// The inventory line it stands for.
    fn line(&self) -> u64;
    /// Its key in the journal: a create's ClientToken.
    fn key(&self) -> &str;
    /// What its intent records: exactly the parameters it sends.
    fn params(&self) -> &BTreeMap<String, String>;
    /// Whether what it does may be done already (an earlier request got no answer): look first.
    fn look_up_first(&self) -> bool;
    /// One attempt.
    fn attempt<'a>(&'a self, client: &'a Client) -> impl Future<Output = Result<Done, ApiError>> + Send + 'a;
    /// Whether it is done already, as the API tells now: the JobId if so.
    fn look_up<'a>(&'a self, client: &'a Client) -> impl Future<Output = Result<Option<String>, ApiError>> + Send + 'a;
    /// Whether this error, once an earlier attempt's answer was lost, says that attempt did it.
    fn done_by_a_lost_attempt(&self, e: &ApiError) -> bool;
    /// Whether a look-up that does not show the lost attempt's work leaves the call pending
    /// (a job's state may not show an action yet) rather than letting the error stand.
    fn pending_when_unproven(&self) -> bool {
        false
    }
    /// The batch's earlier job a create stands in for (a recreate, a replace), if any.
    fn replaces(&self) -> Option<crate::plan::request::Replaces> {
        None
    }
    /// Its intent as the journal records it: a create's, unless the call says otherwise.
    fn intent_entry(&self, at: jiff::Timestamp, lookup: bool, run: &str, file: &str) -> Entry {
        Entry::Intent {
            line: self.line(),
            token: self.key().to_string(),
            params: self.params().clone(),
            at,
            lookup,
            run: (!run.is_empty()).then(|| run.to_string()),
            file: (!file.is_empty()).then(|| file.to_string()),
            replaces: self.replaces(),
        }
    }
    /// Its outcome as the journal records it.
    fn outcome_entry(&self, outcome: Outcome) -> Entry {
        Entry::Outcome(outcome)
    }
}

/// A call that went through: the job it made or acted on, and the request's id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Done {
    pub job_id: String,
    pub request_id: String,
}

pub use progress::Counters;

/// What a run settled so far, by line; kept outside the run so that an abandoned run
/// (a second signal) still tells what it did.
#[derive(Default)]
pub struct Touched {
    /// Rows settled in this run.
    pub settled: Mutex<BTreeMap<u64, Settled>>,
    /// Rows whose intent is journaled and whose outcome is not (yet).
    pub in_flight: Mutex<std::collections::BTreeSet<u64>>,
}

impl Touched {
    /// Every row touched: the settled ones, and those abandoned in flight as [`Settled::Unknown`].
    pub fn into_settled(self) -> BTreeMap<u64, Settled> {
        let mut settled = self.settled.into_inner().unwrap_or_else(|e| e.into_inner());
        for line in self.in_flight.into_inner().unwrap_or_else(|e| e.into_inner()) {
            settled.entry(line).or_insert(Settled::Unknown {
                attempts: 1,
                error: "abandoned in flight by a second signal".to_string(),
            });
        }
        settled
    }
}

/// What a batch is sent with.
#[derive(Clone, Copy)]
pub struct With<'a> {
    pub client: &'a Client,
    pub options: &'a Options,
    pub stop: &'a Stop,
    pub counters: &'a Counters,
    /// The run's id and the inventory file its rows come from, for each intent.
    pub run: &'a str,
    pub file: &'a str,
}

/// Sends a batch of prepared rows: with `adopt_first`, every row's job is looked up first
/// (see [`adopt`]); then the rest is created through the limiter, with retries, every
/// intent and outcome journaled. A first signal stops new requests; a second abandons those
/// in flight. What each row came to is returned, whichever way the run ended.
pub async fn send_batch<C: Call>(
    with: &With<'_>,
    mut work: Vec<C>,
    journal: Journal,
    display: &dyn progress::Display,
    adopt_first: bool,
) -> std::io::Result<BTreeMap<u64, Settled>> {
    let With { client, options, stop, counters, run: run_id, file } = *with;
    let total = work.len() as u64;
    let touched = Touched::default();
    // Look-ups and creates share one limiter: together they stay within the rate.
    let pace = Pace::new(options.rate);
    let journal = Arc::new(Mutex::new(journal));
    let breaker = breaker::Breaker::default();
    let ctx = Ctx {
        client,
        journal,
        options,
        pace: &pace,
        counters,
        stop,
        touched: &touched,
        run: run_id,
        file,
        breaker: &breaker,
    };
    let sending = async {
        if adopt_first {
            adopt(&ctx, &work).await?;
            let looked_up = touched.settled.lock().expect("touched lock");
            work.retain(|w| !looked_up.contains_key(&w.line()));
        }
        // A canary: the first rows alone, and the rest only if every one of them made its job.
        let canary = options.canary.min(work.len());
        if canary > 0 && canary < work.len() {
            run(&ctx, &work[..canary]).await?;
            let made = {
                let settled = touched.settled.lock().expect("touched lock");
                work[..canary]
                    .iter()
                    .filter(
                        |w| matches!(settled.get(&w.line()), Some(Settled::Done(o)) if o.status == RowStatus::Created),
                    )
                    .count()
            };
            if made < canary {
                stop.trip(format!("the canary failed: {made} of its {canary} rows made their job"));
            }
            return run(&ctx, &work[canary..]).await;
        }
        run(&ctx, &work).await
    };
    tokio::select! {
        result = sending => result?,
        () = stop.abandoned() => {}
        () = progress::feed(counters, total, display) => {}
    }
    Ok(touched.into_settled())
}

/// Takes every row through `one`, at most `--concurrency` at once, and notes what each came
/// to (`None`: nothing yet, it goes on to the next stage).
async fn each<'w, C: Call, F, Fut>(ctx: &Ctx<'_>, work: &'w [C], one: F) -> std::io::Result<()>
where
    F: Fn(&'w C) -> Fut,
    Fut: std::future::Future<Output = std::io::Result<Option<Settled>>>,
{
    stream::iter(work)
        .map(|w| {
            let settled = one(w);
            async move {
                if let Some(settled) = settled.await? {
                    ctx.touched.in_flight.lock().expect("touched lock").remove(&w.line());
                    ctx.touched.settled.lock().expect("touched lock").insert(w.line(), settled);
                }
                Ok::<(), std::io::Error>(())
            }
        })
        .buffer_unordered(ctx.options.concurrency.max(1))
        .try_collect::<()>()
        .await
}

/// Sends every row; stops starting new ones once a stop is requested.
async fn run<C: Call>(ctx: &Ctx<'_>, work: &[C]) -> std::io::Result<()> {
    each(ctx, work, |w| async move {
        if ctx.stop.requested() {
            return Ok(Some(Settled::NotSent));
        }
        ctx.counters.in_flight.fetch_add(1, Ordering::Relaxed);
        let settled = ctx.settle(w).await;
        ctx.counters.in_flight.fetch_sub(1, Ordering::Relaxed);
        settled.map(Some)
    })
    .await
}

/// `submit --adopt`: looks every row's job up by Name and SourceId (paced like the creates)
/// and journals the ones found as created (`adopted`), so that only the rest is sent. Each
/// row's intent is journaled (marked for look-up) before its look-up, so that a row whose
/// look-up failed or was stopped is looked up again by the next run, never sent blindly.
async fn adopt<C: Call>(ctx: &Ctx<'_>, work: &[C]) -> std::io::Result<()> {
    each(ctx, work, |w| async move {
        if ctx.stop.requested() {
            return Ok(Some(Settled::NotSent));
        }
        ctx.append(ctx.intent(w, true)).await?;
        let found = tokio::select! {
            biased;
            () = ctx.stop.wait_requested() => None,
            found = ctx.look_up(w) => Some(found),
        };
        Ok(match found {
            // Found: the job this row made before the journal was lost.
            Some(Ok(Some(job_id))) => Some(ctx.done(w, Ok(found_job(job_id)), 0, true).await?),
            // None there: the row is sent like any other.
            Some(Ok(None)) => None,
            Some(Err(e)) => Some(Settled::Unknown { attempts: 0, error: format!("looking the job up failed: {e}") }),
            None => Some(Settled::Unknown { attempts: 0, error: "stopped before its job was looked up".to_string() }),
        })
    })
    .await
}
