//! start, stop, cutover, delete: a job action on the chosen jobs of a batch, where their
//! state allows it, through the engine (limiter, retries, journal, lock, signals); planned
//! first (`jobs::plan`), executed in phases (a canary, the Running jobs a delete stops
//! first), then recorded in the report and the journal.

use super::scope::RunScope;
use super::waits::{wait_until_not_running, wait_until_running};
use crate::api::client::{Api, Client};
use crate::batch::journal::{Entry, Journal, RunRecord, Seen, changes};
use crate::batch::report::{self, ReportRow};
use crate::batch::{RowStatus, Settled, dir};
use crate::engine::act::JobAction;
use crate::engine::signals::Signal;
use crate::engine::{self, Counters, progress};
use crate::jobs::plan::{JobResult, Planned, plan_actions};
use crate::jobs::states::{JobState, read_jobs};
use crate::jobstate::Action;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// How to act.
#[derive(Clone, Debug)]
pub struct Options {
    pub action: Action,
    pub send: engine::Options,
    pub dry_run: bool,
    pub canary_timeout: f64,
    /// delete: stop a Running job first, and wait this long for it to leave Running.
    pub stop_first: Option<f64>,
    pub quiet: bool,
}

/// What a lifecycle run came to.
#[derive(Debug)]
pub struct Outcome {
    /// The chosen rows, and what became of each one's job.
    pub rows: Vec<ReportRow>,
    pub results: Vec<Option<JobResult>>,
    pub planned: Planned,
    pub summary: String,
    pub tripped: Option<String>,
    pub signal: Option<Signal>,
}

impl Outcome {
    pub fn problems(&self) -> bool {
        self.results.iter().flatten().any(JobResult::is_problem) || self.tripped.is_some()
    }
}

/// What a delete is about to do, for the question the command asks before it.
pub struct Asking<'a> {
    pub endpoint: &'a str,
    pub calls: usize,
    pub running: usize,
}

/// Acts on `rows` (chosen from the batch in `dir`). `ask` is called before anything is
/// sent by a delete, and may refuse; `warn` gets what the run says on the side.
pub fn act(
    client: &Client,
    dir: &Path,
    rows: Vec<ReportRow>,
    opts: &Options,
    argv: Vec<String>,
    ask: &mut dyn FnMut(&Asking) -> anyhow::Result<()>,
    warn: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let action = opts.action;
    let shown = dir.display().to_string();
    let opened = dir::open(dir, opts.dry_run, false, warn)?;
    let mut scope = RunScope::new(2)?;
    let started = Instant::now();
    let endpoint = client.endpoint(&Api::Smc).to_string();
    warn_of_another_endpoint(warn, &opened.entries, &endpoint, &client.access_key_id());
    let refs: Vec<&ReportRow> = rows.iter().collect();
    let ids: Vec<String> = rows.iter().map(|r| r.job_id.clone()).collect();
    // Before the signals are taken over: an interrupted read leaves nothing to finish.
    let jobs = scope.runtime.block_on(read_jobs(client, &ids))?;
    let read_at = jiff::Timestamp::now();
    let states: BTreeMap<String, crate::jobs::states::State> =
        jobs.iter().map(|(id, j)| (id.clone(), j.as_ref().map(JobState::of))).collect();
    let planned = plan_actions(&refs, &states, &opened.entries, action, opts.stop_first.is_some(), (&shown, &endpoint))
        .map_err(|e| match e {
            crate::jobs::plan::Refusal::Inconsistent { .. } => anyhow::anyhow!("{shown}: {e}"),
            other => anyhow::anyhow!("{other}"),
        })?;
    let mut results = planned.results.clone();
    if opts.dry_run {
        let summary = summary_line(&shown, action, &results, planned.calls.len(), started.elapsed(), true);
        return Ok(Outcome { rows, results, planned, summary, tripped: None, signal: None });
    }
    if action == Action::Delete && !planned.calls.is_empty() {
        ask(&Asking { endpoint: &endpoint, calls: planned.calls.len(), running: planned.stop_first.len() })?;
    }
    scope.take_signals()?;
    let dir::Opened { journal, lock: _lock, entries: opened_entries, .. } = opened;
    let mut journal = journal.expect("a real run opens the journal");
    let regions = rows.iter().map(|r| r.id.region_id.clone());
    let record = RunRecord::start(action.verb(), argv, Some(client), regions, None);
    journal.append(&Entry::Run(Box::new(record.clone())))?;
    // What the read saw, where it differs from what the journal last says.
    let deleted = crate::batch::story::deleted(&opened_entries);
    let seen = jobs.iter().map(|(id, j)| Seen::of(id, j.as_ref(), read_at, deleted.contains(id))).collect();
    let seen: Vec<Entry> =
        changes(&mut crate::batch::story::latest(&opened_entries), seen).into_iter().map(Entry::Seen).collect();
    journal.append_all(&seen)?;
    drop(journal);
    let run = Execution { client, dir, rows: &refs, opts, scope: &scope, run: &record.run, planned: &planned };
    let (settled, stopped_first) = run.execute()?;
    for &k in &planned.calls {
        let result = match settled.get(&(k as u64)) {
            Some(Settled::Done(o)) if o.status == RowStatus::Created => JobResult::Done,
            Some(Settled::Done(o)) => JobResult::Failed(format!(
                "{}: {}",
                o.error_code.as_deref().unwrap_or_default(),
                o.error_message.as_deref().unwrap_or_default()
            )),
            Some(Settled::Unknown { error, .. }) => JobResult::Pending(error.clone()),
            Some(Settled::NotSent) | None => JobResult::Skipped,
        };
        results[k] = Some(match stopped_first.contains(&k) {
            true => JobResult::Stopped(Box::new(result)),
            false => result,
        });
    }
    let (signal, tripped, ended) = (scope.signal(), scope.stop.tripped(), scope.ended());
    scope.finish();
    let summary = summary_line(&shown, action, &results, planned.calls.len(), started.elapsed(), false);
    let now = with_results(dir, &rows, &results, action)?;
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for x in results.iter().flatten() {
        *counts.entry(x.kind().to_string()).or_default() += 1;
    }
    let (mut journal, _) = Journal::open(dir)?;
    journal.append(&Entry::RunEnd(record.end(ended, counts, &summary)))?;
    crate::batch::written::write(dir, &crate::batch::story::told(now, &Journal::read(dir)?))?;
    Ok(Outcome { rows, results, planned, summary, tripped, signal })
}

/// One run's calls, phase by phase.
struct Execution<'a> {
    client: &'a Client,
    dir: &'a Path,
    rows: &'a [&'a ReportRow],
    opts: &'a Options,
    scope: &'a RunScope,
    run: &'a str,
    planned: &'a Planned,
}

impl Execution<'_> {
    /// Every planned call: a canary first (its jobs alone; for start, until they run), then
    /// the rest. What each came to, and the jobs a delete stopped first.
    fn execute(&self) -> anyhow::Result<(BTreeMap<u64, Settled>, BTreeSet<usize>)> {
        let (action, stop) = (self.opts.action, &self.scope.stop);
        let calls = &self.planned.calls;
        let mut settled = BTreeMap::new();
        let mut stopped_first = BTreeSet::new();
        let canary = self.opts.send.canary.min(calls.len());
        let (first, rest) = calls.split_at(if canary < calls.len() { canary } else { 0 });
        if !first.is_empty() {
            self.phase(first, &mut settled, &mut stopped_first)?;
            let ok = first.iter().filter(|k| done(settled.get(&(**k as u64)))).count();
            if ok < first.len() {
                let its = crate::text::were(crate::text::Count(first.len(), "job"));
                stop.trip(format!("the canary failed: {ok} of its {its} {}", action.done_word()));
            } else if action == Action::Start {
                let waited =
                    wait_until_running(self.client, self.dir, self.rows, first, self.opts.canary_timeout, stop);
                match self.scope.runtime.block_on(waited) {
                    Ok(None) => {}
                    Ok(Some(why)) => stop.trip(format!("the canary failed: {why}")),
                    Err(e) => stop.trip(format!("the canary could not be checked: {e:#}")),
                }
            }
        }
        if !stop.requested() {
            self.phase(rest, &mut settled, &mut stopped_first)?;
        }
        Ok((settled, stopped_first))
    }

    /// One phase: the Running jobs a delete stops first (and waits for), then the action.
    fn phase(
        &self,
        ks: &[usize],
        settled: &mut BTreeMap<u64, Settled>,
        stopped_first: &mut BTreeSet<usize>,
    ) -> anyhow::Result<()> {
        let running: Vec<usize> = ks.iter().copied().filter(|k| self.planned.stop_first.contains(k)).collect();
        if let (false, Some(timeout)) = (running.is_empty(), self.opts.stop_first) {
            let stopped = self.send(&running, Action::Stop)?;
            let mut waiting = Vec::new();
            for &k in &running {
                match stopped.get(&(k as u64)) {
                    s if done(s) => {
                        stopped_first.insert(k);
                        waiting.push(k);
                    }
                    other => {
                        settled.insert(k as u64, other.cloned().unwrap_or(Settled::NotSent));
                    }
                }
            }
            let waited = wait_until_not_running(self.client, self.dir, self.rows, &waiting, timeout, &self.scope.stop);
            match self.scope.runtime.block_on(waited) {
                Ok(still) => {
                    for k in still {
                        let why = format!("still Running {timeout} s after StopReplicationJob");
                        settled.insert(k as u64, Settled::Unknown { attempts: 0, error: why });
                    }
                }
                Err(e) => self.scope.stop.trip(format!("{e:#}")),
            }
        }
        let todo: Vec<usize> = ks.iter().copied().filter(|k| !settled.contains_key(&(*k as u64))).collect();
        settled.extend(self.send(&todo, self.opts.action)?);
        Ok(())
    }

    /// Sends `action` to the jobs `ks` through the engine.
    fn send(&self, ks: &[usize], action: Action) -> anyhow::Result<BTreeMap<u64, Settled>> {
        if ks.is_empty() || self.scope.stop.requested() {
            return Ok(BTreeMap::new());
        }
        let work: Vec<JobAction> =
            ks.iter().map(|&k| JobAction::new(k as u64, self.rows[k].id.line, action, &self.rows[k].job_id)).collect();
        let counters = Counters::default();
        let _ = counters.word.set(action.done_word());
        let send = engine::Options { canary: 0, ..self.opts.send.clone() };
        let with = engine::With {
            client: self.client,
            options: &send,
            stop: &self.scope.stop,
            counters: &counters,
            run: self.run,
            file: "",
        };
        let (journal, _) = Journal::open(self.dir)?;
        let display = progress::for_stderr(work.len() as u64, self.opts.quiet);
        Ok(self.scope.runtime.block_on(engine::send_batch(&with, work, journal, &*display, false))?)
    }
}

fn done(s: Option<&Settled>) -> bool {
    matches!(s, Some(Settled::Done(o)) if o.status == RowStatus::Created)
}

/// The batch's rows, each chosen job's with its last action and what it came to.
fn with_results(
    dir: &Path,
    rows: &[ReportRow],
    results: &[Option<JobResult>],
    action: Action,
) -> anyhow::Result<Vec<ReportRow>> {
    let at = crate::time::format_time(jiff::Timestamp::now());
    let mut now = report::read(dir)?;
    let by_job: BTreeMap<&str, &JobResult> =
        rows.iter().zip(results).filter_map(|(r, x)| x.as_ref().map(|x| (r.job_id.as_str(), x))).collect();
    for r in now.rows.iter_mut() {
        if let Some(result) = by_job.get(r.job_id.as_str()) {
            r.last_action = action.verb().to_string();
            r.last_action_result = result.text(action);
            r.last_action_at = at.clone();
        }
    }
    Ok(now.rows)
}

/// `start DIR: 20 jobs: 18 started, 1 already Running, 1 not called; 2.1 s`.
pub fn summary_line(
    shown: &str,
    action: Action,
    results: &[Option<JobResult>],
    calls: usize,
    elapsed: Duration,
    dry: bool,
) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for x in results.iter().flatten() {
        *counts.entry(x.label(action)).or_default() += 1;
    }
    if dry {
        counts.insert(format!("to call {}", action.api_name()), calls);
    }
    let each: Vec<String> = counts.iter().map(|(w, n)| format!("{n} {w}")).collect();
    let dry = if dry { "dry run: " } else { "" };
    format!(
        "{dry}{} {shown}: {}: {}; {:.1} s",
        action.verb(),
        crate::text::Count(results.len(), "job"),
        each.join(", "),
        elapsed.as_secs_f64()
    )
}

/// Says so when this run talks to another endpoint or key than the batch's submits did: its
/// jobs would not be found there, or are another account's.
fn warn_of_another_endpoint(err: &mut dyn Write, entries: &[Entry], endpoint: &str, key: &str) {
    let submits: Vec<&RunRecord> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Run(r) if r.command == "submit" && !r.endpoint.is_empty() => Some(r.as_ref()),
            _ => None,
        })
        .collect();
    if let Some(last) = submits.last()
        && !submits.iter().any(|r| r.endpoint == endpoint && r.access_key_id == key)
    {
        let _ = writeln!(
            err,
            "warning: the batch was submitted to {} with AccessKeyId {}; this run talks to {endpoint} with {key}",
            last.endpoint, last.access_key_id
        );
    }
}
