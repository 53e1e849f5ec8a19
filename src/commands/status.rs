//! `smcplan status DIR`: every job of the report, as DescribeReplicationJobs tells it now.

use super::{Outcome, connect, within};
use crate::api::calls::JobFilter;
use crate::api::client::Client;
use crate::cli::StatusArgs;
use crate::engine::journal::{Entry, Journal};
use crate::engine::lock::Lock;
use crate::engine::report;
use crate::engine::runs::{self, RunEnd, RunRecord, RunSummary};
use futures_util::TryStreamExt;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

/// Statuses no job leaves without the user.
const SETTLED: &[&str] = &["Finished", "InError", "Expired", "NotFound", "Deleting"];

/// The command line's status.
pub(super) fn run(args: &StatusArgs) -> anyhow::Result<Outcome> {
    within("--interval", args.interval, (0.1, 86_400.0))?;
    let client = connect(&args.connect)?;
    let interval = Duration::from_secs_f64(args.interval);
    let json = args.format == crate::cli::Format::Json;
    let counts = status(&client, &args.report, Look { watch: args.watch, interval, json }, &mut anstream::stdout())?;
    let bad = ["InError", "Expired", "NotFound"];
    Ok(if counts.keys().any(|s| bad.contains(&s.as_str())) { Outcome::Problems } else { Outcome::Clean })
}

/// Whether a job in `status` stays as it is until the user acts.
fn waits_for_the_user(status: &str, scheduled_start: &str) -> bool {
    match status {
        "Ready" => scheduled_start.is_empty(),
        "Stopped" | "InError" => true,
        _ => false,
    }
}

/// Counts of each job status, after updating the report. The run holds the directory (its
/// record journaled) when it can; while another run holds it, the jobs are shown and the
/// report is left to that run.
pub fn status(
    client: &Client,
    dir: &Path,
    look: Look,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<BTreeMap<String, usize>> {
    let first = report::read(dir)?;
    let mut held = match Lock::take(dir) {
        Ok(lock) => {
            if let Some(warning) = &lock.taken_over {
                let _ = writeln!(std::io::stderr(), "warning: {warning}");
            }
            let (mut journal, mut entries) = Journal::open(dir)?;
            let record = run_record(client, &first.rows);
            journal.append(&Entry::Run(record.clone()))?;
            entries.push(Entry::Run(record.clone()));
            Some(Held { _lock: lock, journal, entries, record })
        }
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
            let _ = writeln!(std::io::stderr(), "note: {e}; the jobs are shown, the report is left to that run");
            None
        }
        Err(e) => return Err(e.into()),
    };
    let result = watch_jobs(client, dir, look, out, held.as_ref());
    if let Some(held) = held.as_mut() {
        let (ended, line, counts) = match &result {
            Ok((counts, line)) => ("completed", line.clone(), counts.clone()),
            Err(e) => ("failed", format!("{e:#}"), BTreeMap::new()),
        };
        let end = RunEnd {
            run: held.record.run.clone(),
            ended_at: crate::time::format_time(jiff::Timestamp::now()),
            summary: RunSummary {
                ended: ended.to_string(),
                counts: counts.into_iter().map(|(s, n)| (s, n as u64)).collect(),
                line: client.redact(&line),
            },
        };
        held.journal.append(&Entry::RunEnd(end.clone()))?;
        held.entries.push(Entry::RunEnd(end));
        if result.is_ok() {
            let report = report::read(dir)?;
            report::write(dir, &report::Report::new(report.rows, runs::runs_of(&held.entries)))?;
        }
    }
    result.map(|(counts, _)| counts)
}

/// How to look.
#[derive(Clone, Copy, Debug)]
pub struct Look {
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

/// The directory as a status run holds it.
struct Held {
    _lock: Lock,
    journal: Journal,
    entries: Vec<Entry>,
    record: RunRecord,
}

/// The run record of a status run.
fn run_record(client: &Client, rows: &[report::ReportRow]) -> RunRecord {
    let now = jiff::Timestamp::now();
    let regions: std::collections::BTreeSet<String> =
        rows.iter().filter(|r| !r.id.region_id.is_empty()).map(|r| r.id.region_id.clone()).collect();
    RunRecord {
        run: runs::new_id(now),
        command: "status".to_string(),
        argv: super::command_line(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        endpoint: client.endpoint(&crate::api::client::Api::Smc).to_string(),
        regions: regions.into_iter().collect(),
        access_key_id: client.access_key_id().to_string(),
        inventory: None,
        started_at: crate::time::format_time(now),
    }
}

/// The refreshes: every job looked up, the report updated (when `held`), the counts printed;
/// once, or until no job will change without the user. The counts and the last line printed.
fn watch_jobs(
    client: &Client,
    dir: &Path,
    look: Look,
    out: &mut dyn std::io::Write,
    held: Option<&Held>,
) -> anyhow::Result<(BTreeMap<String, usize>, String)> {
    let Look { watch, interval, json } = look;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    loop {
        let mut report = report::read(dir)?;
        let rows = &mut report.rows;
        let ids: Vec<String> = rows.iter().filter(|r| !r.job_id.is_empty()).map(|r| r.job_id.clone()).collect();
        let mut found = BTreeMap::new();
        let mut failed = None;
        for chunk in ids.chunks(50) {
            let filter = JobFilter { job_id: chunk.to_vec(), ..JobFilter::default() };
            match runtime.block_on(client.describe_replication_jobs(&filter).try_collect::<Vec<_>>()) {
                Ok(jobs) => found.extend(jobs.into_iter().map(|j| (j.job_id.clone(), j))),
                Err(e) => {
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
            std::thread::sleep(interval);
            continue;
        }
        let checked_at = crate::time::format_time(jiff::Timestamp::now());
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let mut waiting_on_you = 0;
        for r in rows.iter_mut().filter(|r| !r.job_id.is_empty()) {
            let job = found.get(&r.job_id);
            let field =
                |k: &str| job.and_then(|j| j.extra.get(k)).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let status = job.map_or("NotFound".to_string(), |j| j.status.clone());
            if waits_for_the_user(&status, &field("ScheduledStartTime")) {
                waiting_on_you += 1;
            }
            r.job_status = Some(status);
            r.business_status = Some(field("BusinessStatus"));
            r.progress = job.and_then(|j| j.extra.get("Progress")).and_then(|v| v.as_f64());
            r.job_error_code = Some(field("ErrorCode"));
            r.checked_at = Some(checked_at.clone());
            *counts.entry(r.job_status.clone().unwrap_or_default()).or_default() += 1;
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
            writeln!(out, "{line}").map_err(super::stdout_fault)?;
        }
        if let Some(held) = held {
            report::write(dir, &report::Report::new(report.rows, runs::runs_of(&held.entries)))?;
        }
        let settled: usize = counts.iter().filter(|(s, _)| SETTLED.contains(&s.as_str())).map(|(_, n)| n).sum();
        let open = settled + waiting_on_you < ids.len();
        if watch && !open && waiting_on_you > 0 {
            let why = format!(
                "{waiting_on_you} jobs wait for you (Ready with no ScheduledStartTime, Stopped or InError): nothing starts them on its own, so the watch ends"
            );
            let _ = if json { writeln!(std::io::stderr(), "{why}") } else { writeln!(out, "{why}") };
        }
        if !watch || !open {
            return Ok((counts, line));
        }
        std::thread::sleep(interval);
    }
}
