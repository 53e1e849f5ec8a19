//! `smcplan status DIR`: every job of the report, as DescribeReplicationJobs tells it now.

use super::{Outcome, connect, within};
use crate::api::calls::JobFilter;
use crate::api::client::Client;
use crate::batch::journal::{self as runs, RunEnd, RunRecord, RunSummary};
use crate::batch::journal::{Entry, Journal};
use crate::batch::lock::Lock;
use crate::batch::report;
use crate::cli::StatusArgs;
use crate::engine::signals::{self, Signal, Stop};
use anyhow::Context as _;
use futures_util::TryStreamExt;
use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Write as _};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Statuses no job leaves without the user (Waiting: an incremental job between its runs, until the next or a cutover).
const SETTLED: &[&str] = &["Finished", "Waiting", "InError", "Expired", "NotFound", "Deleting"];

/// The command line's status.
pub(super) fn run(args: &StatusArgs) -> anyhow::Result<Outcome> {
    within("--interval", args.interval, (0.1, 86_400.0))?;
    let client = connect(&args.connect)?;
    let interval = Duration::from_secs_f64(args.interval);
    let json = args.format != crate::cli::Format::Human;
    if let Some(w) = &args.wave {
        let rows = batch_now(&args.report)?.rows;
        crate::jobs::choose::select(&rows, Some(w), &[])
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.report.display()))?;
    }
    let look = Look { watch: args.watch, interval, json, wave: args.wave.clone() };
    let (counts, stopped) = status(&client, &args.report, look, &mut anstream::stdout())?;
    let bad = ["InError", "Expired", "NotFound"];
    Ok(match stopped {
        Some(Signal::Terminate) => Outcome::Terminated,
        Some(_) => Outcome::Interrupted,
        None if counts.keys().any(|s| bad.contains(&s.as_str())) => Outcome::Problems,
        None => Outcome::Clean,
    })
}

/// Whether a job in `status` stays as it is until the user acts (or for good).
fn will_not_move(status: &str, scheduled_start: &str) -> bool {
    SETTLED.contains(&status) || waits_for_the_user(status, scheduled_start)
}

/// Whether a job in `status` waits for the user to move it.
fn waits_for_the_user(status: &str, scheduled_start: &str) -> bool {
    match status {
        "Ready" => scheduled_start.is_empty(),
        "Stopped" | "InError" => true,
        _ => false,
    }
}

/// The directory as a status run records itself in it: the lock is held only while
/// something is written, so that a submit of fixed rows can go on beside a watch.
struct Recorder<'a> {
    dir: &'a Path,
    entries: Vec<Entry>,
    record: RunRecord,
    /// A refresh could not be written (another run held the lock): said once.
    said_busy: bool,
}

impl Recorder<'_> {
    /// Journals the run's start, if the directory can take it: not when its journal is
    /// lost (writing one would hide that), nor while another run holds it.
    fn start<'a>(dir: &'a Path, client: &Client, rows: &[report::ReportRow]) -> anyhow::Result<Option<Recorder<'a>>> {
        if !dir.join(crate::batch::journal::FILE).exists() {
            let shown = dir.display();
            let _ = writeln!(
                std::io::stderr(),
                "note: {shown} has no journal.jsonl: the jobs are shown and the report is left as it is (`smcplan submit INVENTORY --report {shown} --adopt` rebuilds the journal)"
            );
            return Ok(None);
        }
        let Some(lock) = take(dir)? else {
            let _ = writeln!(
                std::io::stderr(),
                "note: another smcplan run holds {}: the jobs are shown, the report is left to that run",
                dir.display()
            );
            return Ok(None);
        };
        let (mut journal, mut entries) = Journal::open(dir)?;
        let record = super::batch_run_record(client, "status", rows.iter());
        journal.append(&Entry::Run(record.clone()))?;
        entries.push(Entry::Run(record.clone()));
        drop(lock);
        Ok(Some(Recorder { dir, entries, record, said_busy: false }))
    }

    /// Writes a refresh: each job's state into the report as it is now on disk.
    fn write(&mut self, jobs: &BTreeMap<String, report::ReportRow>) -> anyhow::Result<()> {
        let Some(_lock) = take(self.dir)? else {
            if !std::mem::replace(&mut self.said_busy, true) {
                let _ = writeln!(
                    std::io::stderr(),
                    "note: another smcplan run holds {}: refreshes are shown, and written once it is free",
                    self.dir.display()
                );
            }
            return Ok(());
        };
        let mut now = batch_now(self.dir)?;
        for r in now.rows.iter_mut() {
            if let Some(seen) = jobs.get(&r.job_id) {
                r.job_status = seen.job_status.clone();
                r.business_status = seen.business_status.clone();
                r.progress = seen.progress;
                r.job_error_code = seen.job_error_code.clone();
                r.checked_at = seen.checked_at.clone();
            }
        }
        let mut runs = runs::runs_of(&Journal::read(self.dir)?);
        if !runs.iter().any(|r| r.record.run == self.record.run) {
            runs = runs::runs_of(&self.entries);
        }
        report::write(self.dir, &report::Report::new(now.rows, runs))?;
        Ok(())
    }

    /// Journals the run's end (waiting a little for a lock another run holds).
    fn end(mut self, ended: &str, counts: &BTreeMap<String, usize>, line: &str) -> anyhow::Result<()> {
        for _ in 0..50 {
            if let Some(_lock) = take(self.dir)? {
                let (mut journal, _) = Journal::open(self.dir)?;
                let end = RunEnd {
                    run: self.record.run.clone(),
                    ended_at: crate::time::format_time(jiff::Timestamp::now()),
                    summary: RunSummary {
                        ended: ended.to_string(),
                        counts: counts.iter().map(|(s, n)| (s.clone(), *n as u64)).collect(),
                        line: line.to_string(),
                    },
                };
                journal.append(&Entry::RunEnd(end))?;
                let now = batch_now(self.dir)?;
                report::write(self.dir, &report::Report::new(now.rows, runs::runs_of(&Journal::read(self.dir)?)))?;
                return Ok(());
            }
            self.said_busy = true;
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = writeln!(
            std::io::stderr(),
            "note: another smcplan run holds {}: this status run's end is not journaled",
            self.dir.display()
        );
        Ok(())
    }
}

/// The batch in `dir`: its report, or, before the first submit into it has written one
/// (it is running, or was killed), the rows its journal holds.
fn batch_now(dir: &Path) -> anyhow::Result<report::Report> {
    if dir.join("report.json").exists() {
        return Ok(report::read(dir)?);
    }
    let entries = Journal::read(dir)?;
    if entries.is_empty() {
        let shown = dir.display();
        anyhow::bail!(
            "{shown} holds no batch yet (no report.json, no journal.jsonl): status shows the jobs that `smcplan submit INVENTORY --report {shown}` creates"
        );
    }
    let fixes = BTreeMap::new();
    let none = crate::batch::rows::ThisRun { rows: Vec::new(), file: "", fixes: &fixes };
    let rows = crate::batch::rows::batch_rows(Vec::new(), &entries, none);
    Ok(report::Report::new(rows, runs::runs_of(&entries)))
}

/// The directory's lock, or `None` while another run holds it.
fn take(dir: &Path) -> anyhow::Result<Option<Lock>> {
    match Lock::take(dir) {
        Ok(lock) => {
            if let Some(warning) = &lock.taken_over {
                let _ = writeln!(std::io::stderr(), "warning: {warning}");
            }
            Ok(Some(lock))
        }
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Counts of each job status, after updating the report, and the signal that stopped a
/// watch. The run is journaled (its start and end) when the directory can take it.
pub fn status(
    client: &Client,
    dir: &Path,
    look: Look,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<(BTreeMap<String, usize>, Option<Signal>)> {
    let first = batch_now(dir)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let stop = Arc::new(Stop::default());
    let watcher = {
        let _in_runtime = runtime.enter();
        runtime.spawn(signals::watch(Arc::clone(&stop)).context("taking over SIGINT, SIGTERM and SIGHUP")?)
    };
    let mut recorder = Recorder::start(dir, client, &first.rows)?;
    let result = watch_jobs(client, dir, look, out, &runtime, &stop, recorder.as_mut());
    watcher.abort();
    if let Some(recorder) = recorder {
        let (ended, line, counts) = match &result {
            Ok((counts, line)) if stop.signal().is_some() => ("interrupted", line.clone(), counts.clone()),
            Ok((counts, line)) => ("completed", line.clone(), counts.clone()),
            Err(e) => ("failed", client.redact(&format!("{e:#}")), BTreeMap::new()),
        };
        recorder.end(ended, &counts, &line)?;
    }
    result.map(|(counts, _)| (counts, stop.signal()))
}

/// How to look.
#[derive(Clone, Debug, Default)]
pub struct Look {
    /// Only the jobs of this wave.
    pub wave: Option<String>,
    /// Until no job will change without the user.
    pub watch: bool,
    /// Between refreshes.
    pub interval: Duration,
    /// Each refresh as one JSON object (a line).
    pub json: bool,
}

/// `status --format json`: one refresh.
#[derive(serde::Serialize)]
struct StatusJson<'a> {
    report: String,
    checked_at: &'a str,
    counts: &'a BTreeMap<String, usize>,
    waiting_for_you: usize,
    jobs: Vec<JobJson<'a>>,
}

/// A job of the batch as a refresh saw it.
#[derive(serde::Serialize)]
struct JobJson<'a> {
    line: u64,
    file: &'a str,
    #[serde(rename = "SourceId")]
    source_id: &'a str,
    #[serde(rename = "Name")]
    name: &'a str,
    #[serde(rename = "JobId")]
    job_id: &'a str,
    #[serde(rename = "JobStatus")]
    status: &'a str,
    #[serde(rename = "JobBusinessStatus")]
    business_status: &'a str,
    #[serde(rename = "JobProgress")]
    progress: Option<f64>,
    #[serde(rename = "JobErrorCode")]
    error_code: &'a str,
}

/// The refreshes: every job looked up, the report updated (by `recorder`), the counts
/// printed; once, or until no job will move without the user, or a signal. The counts and
/// the last line printed.
fn watch_jobs(
    client: &Client,
    dir: &Path,
    look: Look,
    out: &mut dyn std::io::Write,
    runtime: &tokio::runtime::Runtime,
    stop: &Stop,
    mut recorder: Option<&mut Recorder>,
) -> anyhow::Result<(BTreeMap<String, usize>, String)> {
    let Look { watch, interval, json, wave } = look;
    // On a terminal the view is redrawn in place; elsewhere each refresh is printed as lines.
    let live = (!json && std::io::stdout().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(indicatif::ProgressStyle::with_template("{msg}").expect("a static template"));
        bar
    });
    // Sleeps for the interval; `true` when a signal ends the watch instead.
    let pause = || {
        runtime.block_on(async {
            tokio::select! {
                () = tokio::time::sleep(interval) => false,
                () = stop.wait_requested() => true,
            }
        })
    };
    let mut last = (BTreeMap::new(), format!("{}: no refresh yet", dir.display()));
    loop {
        if stop.requested() {
            return Ok(last);
        }
        let mut report = batch_now(dir)?;
        let rows = &mut report.rows;
        if let Some(w) = &wave {
            rows.retain(|r| r.wave == *w);
        }
        let ids: Vec<String> = rows.iter().filter(|r| !r.job_id.is_empty()).map(|r| r.job_id.clone()).collect();
        let mut found = BTreeMap::new();
        let mut failed = None;
        for chunk in ids.chunks(50) {
            let filter = JobFilter { job_id: chunk.to_vec(), ..JobFilter::default() };
            let looked = runtime.block_on(async {
                tokio::select! {
                    jobs = client.describe_replication_jobs(&filter).try_collect::<Vec<_>>() => Some(jobs),
                    () = stop.wait_requested() => None,
                }
            });
            match looked {
                None => return Ok(last),
                Some(Ok(jobs)) => found.extend(jobs.into_iter().map(|j| (j.job_id.clone(), j))),
                Some(Err(e)) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        // A watch goes on through a failed refresh (the client retried it already); a single
        // look fails.
        if let Some(e) = failed {
            if !watch {
                return Err(e.into());
            }
            let when = crate::time::format_time(jiff::Timestamp::now());
            let _ = writeln!(std::io::stderr(), "{when}: this refresh failed ({e}); trying again in {interval:?}");
            if pause() {
                return Ok(last);
            }
            continue;
        }
        let checked_at = crate::time::format_time(jiff::Timestamp::now());
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let (mut waiting_on_you, mut still) = (0, 0);
        let mut seen: BTreeMap<String, report::ReportRow> = BTreeMap::new();
        for r in rows.iter_mut().filter(|r| !r.job_id.is_empty()) {
            let job = found.get(&r.job_id);
            let field =
                |k: &str| job.and_then(|j| j.extra.get(k)).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let status = job.map_or("NotFound".to_string(), |j| j.status.clone());
            let scheduled = field("ScheduledStartTime");
            if waits_for_the_user(&status, &scheduled) {
                waiting_on_you += 1;
            }
            if will_not_move(&status, &scheduled) {
                still += 1;
            }
            r.job_status = Some(status);
            r.business_status = Some(field("BusinessStatus"));
            r.progress = job.and_then(|j| j.extra.get("Progress")).and_then(|v| v.as_f64());
            r.job_error_code = Some(field("ErrorCode"));
            r.checked_at = Some(checked_at.clone());
            *counts.entry(r.job_status.clone().unwrap_or_default()).or_default() += 1;
            seen.insert(r.job_id.clone(), r.clone());
        }
        let line: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
        let line = if line.is_empty() { "no jobs".to_string() } else { line.join(", ") };
        let line = format!("{}: {line}", dir.display());
        if json {
            fn text(v: &Option<String>) -> &str {
                v.as_deref().unwrap_or_default()
            }
            let jobs = rows.iter().filter(|r| !r.job_id.is_empty()).map(|r| JobJson {
                line: r.id.line,
                file: &r.file,
                source_id: &r.id.source_id,
                name: &r.id.name,
                job_id: &r.job_id,
                status: text(&r.job_status),
                business_status: text(&r.business_status),
                progress: r.progress,
                error_code: text(&r.job_error_code),
            });
            let shown = StatusJson {
                report: dir.display().to_string(),
                checked_at: &checked_at,
                counts: &counts,
                waiting_for_you: waiting_on_you,
                jobs: jobs.collect(),
            };
            let text = serde_json::to_string(&shown).expect("a refresh serialises");
            writeln!(out, "{text}").map_err(super::stdout_fault)?;
        } else {
            // The counts are the line's; the waves and the jobs InError follow it.
            let view = crate::print::live::render(rows, &dir.display().to_string());
            let rest: String = view.lines().skip(1).map(|l| format!("{l}\n")).collect();
            match &live {
                Some(bar) => bar.set_message(format!("{line}\n{}", rest.trim_end())),
                None => write!(out, "{line}\n{rest}").map_err(super::stdout_fault)?,
            }
        }
        if let Some(recorder) = recorder.as_deref_mut() {
            recorder.write(&seen)?;
        }
        last = (counts.clone(), line.clone());
        let open = still < ids.len();
        if watch && !open && waiting_on_you > 0 {
            let why = format!(
                "{waiting_on_you} jobs wait for you (Ready with no ScheduledStartTime, Stopped or InError): nothing starts them on its own, so the watch ends"
            );
            let _ = if json { writeln!(std::io::stderr(), "{why}") } else { writeln!(out, "{why}") };
        }
        if !watch || !open || pause() {
            if let Some(bar) = &live {
                bar.finish();
            }
            return Ok((counts, line));
        }
    }
}
