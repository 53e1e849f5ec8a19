//! `smcplan start|stop|cutover|delete DIR`: a job action on the jobs the batch in DIR created,
//! where their state allows it, through the engine (limiter, retries, journal, lock, signals).

use super::{Outcome, RATE, connect, within};
use crate::batch::RowStatus;
use crate::batch::journal::{self as runs, RunEnd, RunRecord, RunSummary};
use crate::batch::journal::{Entry, Journal};
use crate::batch::report::{self, ReportRow};
use crate::batch::{Settled, dir};
use crate::cli::ActArgs;
use crate::engine::act::JobAction;
use crate::engine::signals::{self, Signal, Stop};
use crate::engine::{self, Counters, Options, progress};
use crate::jobs::act::{Action, Decision};
use crate::jobs::choose::select;
use crate::jobs::states::{read_states, wait_until_not_running, wait_until_running};
use anyhow::{Context as _, bail};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What `delete` adds to the shared flags.
#[derive(Clone, Copy, Debug, Default)]
pub struct DeleteFlags {
    pub stop_first: bool,
    pub stop_timeout: f64,
    pub yes: bool,
}

/// What became of one job.
#[derive(Clone, Debug, PartialEq)]
enum JobResult {
    Done,
    /// The goal holds by this batch's own earlier call (a run killed before it recorded it).
    DoneEarlier,
    Already(String),
    NotCalled(String),
    Failed(String),
    Pending(String),
    Skipped,
    /// Not this batch's job (the endpoint's job is another server's, or the journal and the
    /// report disagree): never acted on.
    Refused(String),
    /// Stopped first (delete --stop-first), then this.
    Stopped(Box<JobResult>),
}

impl JobResult {
    fn text(&self, action: Action) -> String {
        match self {
            JobResult::Done => action.done_word().to_string(),
            JobResult::DoneEarlier => format!("{} by an earlier run of this batch", action.done_word()),
            JobResult::Already(why) => why.clone(),
            JobResult::NotCalled(why) => format!("not called: {why}"),
            JobResult::Failed(why) => format!("failed: {why}"),
            JobResult::Pending(why) => format!("no answer ({why}); the next run settles it"),
            JobResult::Skipped => "skipped: not called in this run".to_string(),
            JobResult::Refused(why) => format!("refused: {why}"),
            JobResult::Stopped(then) => format!("stopped first; then {}", then.text(action)),
        }
    }

    /// What the summary counts it as.
    fn label(&self, action: Action) -> String {
        match self {
            JobResult::Done => action.done_word().to_string(),
            JobResult::DoneEarlier => format!("{} earlier", action.done_word()),
            JobResult::Already(why) => why.clone(),
            JobResult::NotCalled(_) => "not called".to_string(),
            JobResult::Failed(_) => "failed".to_string(),
            JobResult::Pending(_) => "without an answer".to_string(),
            JobResult::Skipped => "skipped".to_string(),
            JobResult::Refused(_) => "refused".to_string(),
            JobResult::Stopped(then) => format!("stopped, then {}", then.label(action)),
        }
    }

    fn is_problem(&self) -> bool {
        match self {
            JobResult::Stopped(then) => then.is_problem(),
            other => !matches!(other, JobResult::Done | JobResult::DoneEarlier | JobResult::Already(_)),
        }
    }
}

pub(super) fn run(args: &ActArgs, action: Action, delete: DeleteFlags) -> anyhow::Result<Outcome> {
    within("--rate", args.rate, RATE)?;
    within("--canary-timeout", args.canary_timeout, (0.1, 86_400.0))?;
    if delete.stop_first {
        within("--stop-timeout", delete.stop_timeout, (0.1, 86_400.0))?;
    }
    let dir = args.dir.as_path();
    let shown = dir.display().to_string();
    let verb = action.verb();
    let Some(batch) = report::read_if_any(dir)? else {
        bail!(
            "{shown} has no report.json: {verb} acts on the jobs that `smcplan submit INVENTORY --report {shown}` created"
        );
    };
    let chosen = select(&batch.rows, args.wave.as_deref(), &args.lines).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    // The states are read at the calls' pace at least (the look-ups of lost answers too).
    let client =
        connect(&crate::cli::ConnectArgs { read_rate: args.connect.read_rate.max(args.rate), ..args.connect.clone() })?;
    let mut err = anstream::stderr();
    let opened = dir::open(dir, args.dry_run, false, &mut err)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let stop = Arc::new(Stop::default());
    let started = Instant::now();
    let rows: Vec<&ReportRow> = chosen.iter().map(|&i| &batch.rows[i]).collect();
    let ids: Vec<String> = rows.iter().map(|r| r.job_id.clone()).collect();
    let endpoint = client.endpoint(&crate::api::client::Api::Smc).to_string();
    warn_of_another_endpoint(&mut err, &opened.entries, &endpoint, client.access_key_id());
    // Before the signals are taken over: an interrupted read leaves nothing to finish.
    let states = runtime.block_on(read_states(&client, &ids))?;
    let state_of = |id: &str| states.get(id).cloned().flatten();
    let deleted = deleted_by_batch(&opened.entries);
    let journal_jobs = jobs_of_journal(&opened.entries).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    let acted = acted_by_batch(&opened.entries, action);
    if !ids.is_empty()
        && ids.iter().all(|id| state_of(id).is_none())
        && !ids.iter().any(|id| deleted.contains(id.as_str()))
    {
        bail!(
            "none of the {} jobs chosen from {shown} exists at {endpoint}: is this the account and endpoint the batch was submitted to? nothing was called",
            ids.len()
        );
    }
    // Each job's decision; delete --stop-first calls a Running job, after stopping it.
    let mut results: Vec<Option<JobResult>> = vec![None; rows.len()];
    let mut calls: Vec<usize> = Vec::new();
    let mut stop_first: Vec<usize> = Vec::new();
    for (k, r) in rows.iter().enumerate() {
        // Never act on a job the batch did not create: the journal must say this JobId, and
        // the job at the endpoint must be this row's server and name.
        if let Some(j) = journal_jobs.get(r.client_token.as_str()).filter(|j| **j != r.job_id) {
            let why = format!("report.json says JobId {} for this row, the journal says {j}", r.job_id);
            results[k] = Some(JobResult::Refused(why));
            continue;
        }
        let state = state_of(&r.job_id);
        if let Some(why) = state.as_ref().and_then(|s| s.not_of(&r.id.source_id, &r.id.name)) {
            results[k] = Some(JobResult::Refused(format!("{}: {why}", r.job_id)));
            continue;
        }
        let status = state.as_ref().map(|s| s.status.as_str());
        match action.decide(state.as_ref()) {
            // A goal this batch's own earlier call reached (a killed run's cutover): done.
            Decision::Already(_) if status.is_some() && acted.contains(r.job_id.as_str()) => {
                results[k] = Some(JobResult::DoneEarlier);
            }
            Decision::Call => calls.push(k),
            Decision::NotCallable(_) if action == Action::Delete && delete.stop_first && status == Some("Running") => {
                stop_first.push(k);
                calls.push(k);
            }
            // A job gone that no delete of this batch removed: gone elsewhere, or another account.
            Decision::Already(_) if status.is_none() && !deleted.contains(r.job_id.as_str()) => {
                let why =
                    format!("NotFound: no job {} at {endpoint}, and no delete of this batch removed it", r.job_id);
                results[k] = Some(JobResult::NotCalled(why));
            }
            Decision::Already(why) => results[k] = Some(JobResult::Already(why)),
            Decision::NotCallable(why) => results[k] = Some(JobResult::NotCalled(why)),
        }
    }
    let mut out = anstream::stdout();
    if args.dry_run {
        for &k in &calls {
            let r = rows[k];
            let first = if stop_first.contains(&k) { "StopReplicationJob, then " } else { "" };
            writeln!(out, "line {} ({}, {}): would call {first}{}", r.id.line, r.id.name, r.job_id, action.api_name())?;
        }
        say_the_rest(&mut out, &rows, &results, action)?;
        let summary = summary_line(&shown, action, &results, calls.len(), started.elapsed(), true);
        writeln!(out, "{summary}")?;
        return Ok(if results.iter().flatten().any(JobResult::is_problem) {
            Outcome::Problems
        } else {
            Outcome::Clean
        });
    }
    if action == Action::Delete && !calls.is_empty() {
        ask_before_deleting(&endpoint, &shown, calls.len(), stop_first.len(), delete.yes)?;
    }
    let watcher = {
        let _in_runtime = runtime.enter();
        runtime.spawn(signals::watch(Arc::clone(&stop)).context("taking over SIGINT, SIGTERM and SIGHUP")?)
    };
    let dir::Opened { journal, lock: _lock, .. } = opened;
    let mut journal = journal.expect("a real run opens the journal");
    let record = super::batch_run_record(&client, verb, rows.iter().copied());
    journal.append(&Entry::Run(record.clone()))?;
    drop(journal);
    let counters = Counters::default();
    let _ = counters.word.set(action.done_word());
    let options = Options {
        rate: args.rate,
        concurrency: args.concurrency.max(1),
        max_attempts: args.connect.max_attempts,
        canary: 0,
    };
    let with = engine::With {
        client: &client,
        options: &options,
        stop: &stop,
        counters: &counters,
        run: &record.run,
        file: "",
    };
    let send = |ks: &[usize], act: Action| -> anyhow::Result<BTreeMap<u64, Settled>> {
        if ks.is_empty() || stop.requested() {
            return Ok(BTreeMap::new());
        }
        let work: Vec<JobAction> =
            ks.iter().map(|&k| JobAction::new(k as u64, rows[k].id.line, act, &rows[k].job_id)).collect();
        let (journal, _) = Journal::open(dir)?;
        let display = progress::for_stderr(work.len() as u64, args.quiet);
        Ok(runtime.block_on(engine::send_batch(&with, work, journal, &*display, false))?)
    };
    let mut settled: BTreeMap<u64, Settled> = BTreeMap::new();
    let mut stopped_first: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
    // One phase: the Running jobs a delete stops first (and waits for), then the action.
    let mut phase = |ks: &[usize], settled: &mut BTreeMap<u64, Settled>| -> anyhow::Result<()> {
        let running: Vec<usize> = ks.iter().copied().filter(|k| stop_first.contains(k)).collect();
        if !running.is_empty() {
            let stopped = send(&running, Action::Stop)?;
            let mut waiting = Vec::new();
            for &k in &running {
                match stopped.get(&(k as u64)) {
                    Some(Settled::Done(o)) if o.status == RowStatus::Created => {
                        stopped_first.insert(k);
                        waiting.push(k);
                    }
                    other => {
                        settled.insert(k as u64, other.cloned().unwrap_or(Settled::NotSent));
                    }
                }
            }
            match runtime.block_on(wait_until_not_running(&client, &rows, &waiting, delete.stop_timeout, &stop)) {
                Ok(still) => {
                    for k in still {
                        let why = format!("still Running {} s after StopReplicationJob", delete.stop_timeout);
                        settled.insert(k as u64, Settled::Unknown { attempts: 0, error: why });
                    }
                }
                Err(e) => stop.trip(format!("{e:#}")),
            }
        }
        let todo: Vec<usize> = ks.iter().copied().filter(|k| !settled.contains_key(&(*k as u64))).collect();
        settled.extend(send(&todo, action)?);
        Ok(())
    };
    // A canary: the first jobs alone (stopped first too); for start, until they run.
    let canary = args.canary.min(calls.len());
    let (first, rest) = calls.split_at(if canary < calls.len() { canary } else { 0 });
    if !first.is_empty() {
        phase(first, &mut settled)?;
        let ok = first
            .iter()
            .filter(|k| matches!(settled.get(&(**k as u64)), Some(Settled::Done(o)) if o.status == RowStatus::Created))
            .count();
        if ok < first.len() {
            stop.trip(format!("the canary failed: {ok} of its {} jobs were {}", first.len(), action.done_word()));
        } else if action == Action::Start {
            match runtime.block_on(wait_until_running(&client, &rows, first, args.canary_timeout, &stop)) {
                Ok(None) => {}
                Ok(Some(why)) => stop.trip(format!("the canary failed: {why}")),
                Err(e) => stop.trip(format!("the canary could not be checked: {e:#}")),
            }
        }
    }
    if !stop.requested() {
        phase(rest, &mut settled)?;
    }
    for &k in &calls {
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
    watcher.abort();
    runtime.shutdown_timeout(Duration::from_secs(60));
    // The report: each job's last action and what it came to.
    let at = crate::time::format_time(jiff::Timestamp::now());
    let mut now = report::read(dir)?;
    let by_job: BTreeMap<&str, &JobResult> =
        rows.iter().zip(&results).filter_map(|(r, x)| x.as_ref().map(|x| (r.job_id.as_str(), x))).collect();
    for r in now.rows.iter_mut() {
        if let Some(result) = by_job.get(r.job_id.as_str()) {
            r.last_action = verb.to_string();
            r.last_action_result = result.text(action);
            r.last_action_at = at.clone();
        }
    }
    let summary = summary_line(&shown, action, &results, calls.len(), started.elapsed(), false);
    let (mut journal, _) = Journal::open(dir)?;
    let ended = match (stop.signal(), stop.tripped()) {
        (Some(_), _) => "interrupted".to_string(),
        (None, Some(why)) => format!("stopped: {why}"),
        (None, None) => "completed".to_string(),
    };
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for x in results.iter().flatten() {
        *counts.entry(kind(x).to_string()).or_default() += 1;
    }
    let end = RunEnd {
        run: record.run.clone(),
        ended_at: at.clone(),
        summary: RunSummary { ended, counts, line: summary.clone() },
    };
    journal.append(&Entry::RunEnd(end))?;
    report::write(dir, &report::Report::new(now.rows, runs::runs_of(&Journal::read(dir)?)))?;
    if !args.quiet {
        say_the_rest(&mut out, &rows, &results, action)?;
    }
    let _ = writeln!(out, "{summary}");
    if let Some(why) = stop.tripped() {
        let left = results.iter().flatten().filter(|x| **x == JobResult::Skipped).count();
        let _ = writeln!(
            err,
            "{why}: {left} jobs were not called (skipped); fix the cause and run the same command again to resume"
        );
    }
    Ok(match stop.signal() {
        Some(Signal::Terminate) => Outcome::Terminated,
        Some(_) => Outcome::Interrupted,
        None if results.iter().flatten().any(JobResult::is_problem) || stop.tripped().is_some() => Outcome::Problems,
        None => Outcome::Clean,
    })
}

fn kind(x: &JobResult) -> &'static str {
    match x {
        JobResult::Done | JobResult::DoneEarlier => "done",
        JobResult::Already(_) => "already",
        JobResult::NotCalled(_) => "not_called",
        JobResult::Failed(_) => "failed",
        JobResult::Pending(_) => "pending",
        JobResult::Skipped => "skipped",
        JobResult::Refused(_) => "refused",
        JobResult::Stopped(then) => kind(then),
    }
}

/// A line for each job that did not simply come to the action's goal.
fn say_the_rest(
    out: &mut dyn Write,
    rows: &[&ReportRow],
    results: &[Option<JobResult>],
    action: Action,
) -> std::io::Result<()> {
    for (r, x) in rows.iter().zip(results) {
        if let Some(x) = x.as_ref().filter(|x| x.is_problem()) {
            writeln!(
                out,
                "line {} ({}, {}): {}",
                r.id.line,
                crate::text::OneLine(&r.id.name),
                r.job_id,
                x.text(action)
            )?;
        }
    }
    Ok(())
}

/// `start DIR: 20 jobs: 18 started, 1 already Running, 1 not called; 2.1 s`.
fn summary_line(
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
        "{dry}{} {shown}: {} jobs: {}; {:.1} s",
        action.verb(),
        results.len(),
        each.join(", "),
        elapsed.as_secs_f64()
    )
}

/// Deleting cannot be undone: on a terminal, asks (`--yes` skips); without one, `--yes` is required.
fn ask_before_deleting(endpoint: &str, shown: &str, count: usize, running: usize, yes: bool) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "nothing was deleted: delete asks before deleting {count} jobs, and there is no terminal to answer; pass --yes"
        );
    }
    let stopping = if running > 0 { format!(" ({running} Running, stopped first)") } else { String::new() };
    let question = format!(
        "about to delete {count} jobs{stopping} of {shown} at {endpoint}; this cannot be undone; go on? [y/N] "
    );
    if !super::confirm(&mut anstream::stderr(), &mut std::io::stdin().lock(), &question)? {
        bail!("nothing was deleted: not confirmed (--yes skips the question)");
    }
    Ok(())
}

/// The jobs a delete of this batch may have removed: its journal holds a delete of each that
/// was done, or one sent whose answer a kill lost.
fn deleted_by_batch(entries: &[Entry]) -> std::collections::BTreeSet<&str> {
    let delete = Action::Delete.api_name();
    entries
        .iter()
        .filter_map(|e| match e {
            Entry::Act(a) if a.action == delete => Some(a.job_id.as_str()),
            Entry::Acted(a) if a.action == delete && a.result == "done" => Some(a.job_id.as_str()),
            _ => None,
        })
        .collect()
}

/// The jobs this batch sent `action` to (an intent journaled: done, or its answer lost).
fn acted_by_batch(entries: &[Entry], action: Action) -> std::collections::BTreeSet<&str> {
    let name = action.api_name();
    entries
        .iter()
        .filter_map(|e| match e {
            Entry::Act(a) if a.action == name => Some(a.job_id.as_str()),
            _ => None,
        })
        .collect()
}

/// Each ClientToken's JobId as the journal's outcomes say it; `Err` when two outcomes of
/// one token name two jobs (an edited or mixed-up journal is acted on by no one).
fn jobs_of_journal(entries: &[Entry]) -> Result<BTreeMap<&str, &str>, String> {
    let mut jobs: BTreeMap<&str, &str> = BTreeMap::new();
    for e in entries {
        if let Entry::Outcome(o) = e
            && let Some(job) = o.job_id.as_deref()
        {
            match jobs.insert(o.token.as_str(), job) {
                Some(before) if before != job => {
                    return Err(format!(
                        "the journal is inconsistent: ClientToken {} has outcomes with JobId {before} and {job}; nothing was called (rebuild the journal with submit --adopt from a copy of the directory)",
                        o.token
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(jobs)
}

/// Says so when this run talks to another endpoint or key than the batch's submits did: its
/// jobs would not be found there, or are another account's.
fn warn_of_another_endpoint(err: &mut dyn Write, entries: &[Entry], endpoint: &str, key: &str) {
    let submits: Vec<&RunRecord> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Run(r) if r.command == "submit" && !r.endpoint.is_empty() => Some(r),
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
