//! `smcplan submit`: validate, guard and lock the batch, decide from the journal, send
//! through the engine, write the report.

use super::{Outcome, RATE, connect, within};
use crate::account::AccountIndex;
use crate::api::client::Client;
use crate::batch::RowStatus;
use crate::batch::dir;
use crate::batch::journal::{self as runs, InventoryFile, RunEnd, RunRecord, RunSummary};
use crate::batch::journal::{Entry, History, Journal};
use crate::batch::report;
use crate::batch::report::ReportRow;
use crate::batch::resume::{self, Decision};
use crate::batch::rows::{self, Line};
use crate::check::{self, Checked, Options as CheckOptions};
use crate::cli::{ConnectArgs, SubmitArgs};
use crate::diagnostics::Severity;
use crate::engine::signals::{self, Signal, Stop};
use crate::engine::{self, Counters, Options, progress};
use crate::inventory::Row;
use crate::print::render;
use anyhow::Context as _;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// What the command line asked for.
pub struct Request<'a> {
    pub inventory: &'a Path,
    pub dir: &'a Path,
    pub options: Options,
    pub dry_run: bool,
    pub skip_invalid: bool,
    pub online_regions: Option<&'a [String]>,
    /// An account state file to check against (`--account`).
    pub account: Option<&'a Path>,
    pub quiet: bool,
    /// Rebuild a lost journal: look every row's job up before sending anything.
    pub adopt: bool,
    /// Send again the rows whose failure is final, as well as the retryable ones.
    pub retry_failed: bool,
    /// Do not ask before sending to an endpoint that is not loopback.
    pub yes: bool,
    /// The command line, without secrets, for the run record.
    pub argv: Vec<String>,
    /// Print the outcome as one JSON object (`--format json`).
    pub json: bool,
    /// The sheet of a workbook inventory (default: its first).
    pub sheet: Option<&'a str>,
}

/// How a submit ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    AllCreated,
    SomeFailedOrInvalid,
    /// A signal stopped it; the report is written and the lock released.
    Interrupted(Signal),
}

/// The command line's submit.
pub(super) fn run(args: &SubmitArgs) -> anyhow::Result<Outcome> {
    within("--rate", args.rate, RATE)?;
    within("--concurrency", args.concurrency as f64, (1.0, 1024.0))?;

    // A dry run checks offline and sends nothing: it needs no credentials.
    // The look-ups of resume are paced with the creates at --rate: reads may go as fast.
    let connect_args = ConnectArgs { read_rate: args.connect.read_rate.max(args.rate), ..args.connect.clone() };
    let client = if args.dry_run && !args.online { None } else { Some(connect(&connect_args)?) };
    let request = Request {
        inventory: &args.inventory,
        dir: &args.report,
        options: crate::engine::Options {
            rate: args.rate,
            concurrency: args.concurrency,
            max_attempts: args.connect.max_attempts,
            canary: args.canary,
        },
        dry_run: args.dry_run,
        skip_invalid: args.skip_invalid,
        online_regions: args.online.then_some(args.regions.as_slice()),
        account: args.account.as_deref(),
        quiet: args.quiet,
        adopt: args.adopt,
        retry_failed: args.retry_failed,
        yes: args.yes,
        argv: super::command_line(),
        json: args.format != crate::cli::Format::Human,
        sheet: args.sheet.as_deref(),
    };
    Ok(match submit(client.as_ref(), &request)? {
        Ended::AllCreated => Outcome::Clean,
        Ended::SomeFailedOrInvalid => Outcome::Problems,
        Ended::Interrupted(crate::engine::signals::Signal::Terminate) => Outcome::Terminated,
        Ended::Interrupted(_) => Outcome::Interrupted,
    })
}

/// Runs a submit; `client` may be `None` only for a dry run without `--online`.
pub fn submit(client: Option<&Client>, req: &Request) -> anyhow::Result<Ended> {
    let client_or_err = || client.ok_or_else(|| anyhow::anyhow!("sending needs credentials and an endpoint"));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let account = match (req.online_regions, req.account) {
        (Some(regions), _) => Some(AccountIndex::new(runtime.block_on(crate::account::snapshot::fetch(
            client_or_err()?,
            regions,
            crate::account::DEFAULT_JOB_QUOTA,
        ))?)),
        (None, Some(path)) => Some(AccountIndex::new(crate::account::AccountState::load(path)?)),
        (None, None) => None,
    };
    let Some((checked, mut lines)) = check_lines(req, account.as_ref())? else {
        return Ok(Ended::SomeFailedOrInvalid);
    };
    let batch = dir::open(req.dir, req.dry_run, req.adopt, &mut anstream::stderr())?;
    // From here on a signal stops the run cleanly instead of killing the process with the lock held.
    let stop = Arc::new(Stop::default());
    let watcher = {
        let _in_runtime = runtime.enter();
        runtime.spawn(signals::watch(Arc::clone(&stop)).context("taking over SIGINT, SIGTERM and SIGHUP")?)
    };
    let dir::Opened { journal, entries, had_journal, lock: _lock } = batch;
    let history = History::of(&entries);
    let mut todo = Vec::new();
    for l in lines.iter_mut().filter(|l| l.error.is_none()) {
        let row = Row::new(l.line, &checked.schema, l.record.view());
        l.own_token = Some(crate::engine::Work::of(&row).token);
        match resume::decide(&row, &history, req.retry_failed) {
            Decision::Send(work) => {
                l.token = Some(work.token.clone());
                todo.push(*work);
            }
            Decision::Settled(outcome) => l.earlier = Some(outcome),
        }
    }
    let file = req.inventory.display().to_string();
    let started = Instant::now();
    let counters = Counters::default();
    let mut run = None;
    let settled = match journal {
        Some(mut journal) => {
            if !todo.is_empty()
                && let Err(e) = ask_before_sending(client_or_err()?, req, todo.len())
            {
                // Declined before anything was written: a journal this run created goes too.
                if !had_journal && std::fs::metadata(journal.path()).is_ok_and(|m| m.len() == 0) {
                    let _ = std::fs::remove_file(journal.path());
                }
                return Err(e);
            }
            // The run is on record before its first request.
            let record = run_record(client, req, &checked, &lines, &file)?;
            journal.append(&Entry::Run(record.clone()))?;
            let settled = if todo.is_empty() {
                BTreeMap::new()
            } else {
                let display = progress::for_stderr(todo.len() as u64, req.quiet);
                let with = engine::With {
                    client: client_or_err()?,
                    options: &req.options,
                    stop: &stop,
                    counters: &counters,
                    run: &record.run,
                    file: &file,
                };
                runtime.block_on(engine::send_batch(&with, todo, journal, &*display, req.adopt))?
            };
            run = Some(record);
            settled
        }
        None => BTreeMap::new(),
    };
    // Journal appends abandoned by a second signal finish before the report is written and
    // the lock released; signals from here on are caught and change nothing.
    watcher.abort();
    runtime.shutdown_timeout(Duration::from_secs(60));
    let this_run = rows::report_rows(&lines, &checked.schema, &file, &settled, req.dry_run);
    let stopped = stop.signal().is_some();
    // The batch: what the directory held (its report, when a journal backs it or --adopt
    // rebuilds a lost one: a report without either is a dry run's preview), with this
    // run's rows merged in.
    let earlier = if had_journal || req.adopt { earlier_rows(req.dir) } else { Vec::new() };
    let fixes = match crate::inventory::sheet::is_workbook(req.inventory) {
        true => BTreeMap::new(),
        false => rows::fixes_in(&std::fs::read_to_string(req.inventory).unwrap_or_default()),
    };
    let merged = rows::ThisRun { rows: this_run.clone(), file: &file, fixes: &fixes };
    let batch = rows::batch_rows(earlier, &entries, merged);
    // This inventory's rows as the batch has them now (an old version of a row fixed since
    // stands as its fix did).
    let seen = as_in_batch(&this_run, &batch);
    // What is printed from here is a courtesy: the terminal may be gone (SIGHUP) or the
    // reader closed, and the work's outcome stands either way.
    let summary = rows::summary_line(&seen, started.elapsed(), &counters, req.dir);
    // A dry run is clean when every row would be created (or is already).
    let clean = seen.iter().all(|r| r.status == RowStatus::Created || (req.dry_run && r.status == RowStatus::Pending));
    let say = |batch: Option<&report::Batch>, run: Option<&str>| {
        let shown = if req.json {
            let counts = counts_of(&seen, &counters);
            let ended = match (stopped, stop.tripped().is_some()) {
                (true, _) => "interrupted",
                (false, true) => "stopped",
                (false, false) => "completed",
            };
            let seconds = started.elapsed().as_secs_f64();
            let report = req.dir.display().to_string();
            let json = SubmitJson { report, run, dry_run: req.dry_run, ended, counts, seconds, batch };
            serde_json::to_string_pretty(&json).expect("a summary serialises")
        } else {
            summary.clone()
        };
        let _ = writeln!(anstream::stdout(), "{shown}");
    };
    if req.dry_run && had_journal {
        say(None, None);
        let dir = req.dir.display();
        let _ =
            writeln!(anstream::stderr(), "dry run: the report of {dir} is left as it is (its journal is the record)");
        return Ok(if clean { Ended::AllCreated } else { Ended::SomeFailedOrInvalid });
    }
    std::fs::create_dir_all(req.dir).with_context(|| format!("creating {}", req.dir.display()))?;
    // The whole journal, this run's requests included, and the run's end.
    let mut all_entries = entries;
    if let Some(record) = &run {
        let (mut journal, now) = Journal::open(req.dir)?;
        all_entries = now;
        let ended = match (stopped, stop.tripped()) {
            (true, _) => "interrupted".to_string(),
            (false, Some(why)) => format!("stopped: {why}"),
            (false, None) => "completed".to_string(),
        };
        let end = run_end(record, &seen, &counters, ended, &summary);
        journal.append(&Entry::RunEnd(end.clone()))?;
        all_entries.push(Entry::RunEnd(end));
    }
    let failed_before = if had_journal { report::read_failed(req.dir).ok().flatten() } else { None };
    let written = report::Report::new(batch.clone(), runs::runs_of(&all_entries));
    report::write(req.dir, &written)?;
    write_failed(req.dir, &checked, &lines, &seen, &batch, failed_before, &file)?;
    say(Some(&written.batch), run.as_ref().map(|r| r.run.as_str()));
    if batch.len() != seen.len() && !req.json {
        let _ = writeln!(anstream::stdout(), "{}", rows::batch_line(&batch));
    }
    if let Some(why) = stop.tripped() {
        let left = seen.iter().filter(|r| r.status == RowStatus::Skipped).count();
        let _ = writeln!(
            anstream::stderr(),
            "{why}: {left} rows were not sent (skipped); fix the cause and run the same command again to resume"
        );
    }
    if stop.signal().is_some() {
        let left = this_run.iter().filter(|r| matches!(r.status, RowStatus::Skipped | RowStatus::Pending)).count();
        let dir = req.dir.display();
        let _ = writeln!(
            anstream::stderr(),
            "stopped with {left} rows not done: run the same command again to resume; the journal in {dir} holds every request sent"
        );
    }
    Ok(match stop.signal() {
        Some(signal) => Ended::Interrupted(signal),
        None if clean => Ended::AllCreated,
        None => Ended::SomeFailedOrInvalid,
    })
}

/// Each row of this run as the batch has it: the batch's row for its source when the row
/// is the first of its source here, else the row itself.
fn as_in_batch(this_run: &[ReportRow], batch: &[ReportRow]) -> Vec<ReportRow> {
    let by_key: BTreeMap<String, &ReportRow> = batch.iter().map(|r| (rows::key(r), r)).rev().collect();
    let mut first = std::collections::BTreeSet::new();
    this_run
        .iter()
        .map(|r| {
            let k = rows::key(r);
            match by_key.get(&k).filter(|_| first.insert(k.clone())) {
                Some(b) => (*b).clone(),
                None => r.clone(),
            }
        })
        .collect()
}

/// On a terminal, before the first create to an endpoint that is not loopback, asks to go on
/// (`--yes` skips the question; without a terminal there is no one to ask).
fn ask_before_sending(client: &Client, req: &Request, count: usize) -> anyhow::Result<()> {
    let endpoint = client.endpoint(&crate::api::client::Api::Smc);
    if req.yes || crate::api::endpoint::is_loopback(&endpoint) || !std::io::stdin().is_terminal() {
        return Ok(());
    }
    let question = format!(
        "about to send {count} CreateReplicationJob requests to {endpoint} at {} a second; go on? [y/N] ",
        req.options.rate
    );
    if !super::confirm(&mut anstream::stderr(), &mut std::io::stdin().lock(), &question)? {
        anyhow::bail!("nothing was sent: not confirmed (--yes skips the question)");
    }
    Ok(())
}

/// Who runs what against what: the run record journaled before the first request.
fn run_record(
    client: Option<&Client>,
    req: &Request,
    checked: &Checked,
    lines: &[Line],
    file: &str,
) -> anyhow::Result<RunRecord> {
    let now = jiff::Timestamp::now();
    let mut regions: std::collections::BTreeSet<String> =
        req.online_regions.unwrap_or_default().iter().cloned().collect();
    for l in lines.iter().filter(|l| l.error.is_none()) {
        let row = Row::new(l.line, &checked.schema, l.record.view());
        if let Some(region) = row.text(crate::inventory::Param::RegionId).filter(|r| !r.is_empty()) {
            regions.insert(region.to_string());
        }
    }
    Ok(RunRecord {
        run: runs::record::new_id(now),
        command: "submit".to_string(),
        argv: req.argv.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        endpoint: client.map(|c| c.endpoint(&crate::api::client::Api::Smc).to_string()).unwrap_or_default(),
        regions: regions.into_iter().collect(),
        access_key_id: client.map(|c| c.access_key_id().to_string()).unwrap_or_default(),
        inventory: Some(InventoryFile { file: file.to_string(), sha256: runs::record::sha256_of(req.inventory)? }),
        started_at: crate::time::format_time(now),
    })
}

/// `submit --format json`: how the run ended, its inventory's rows by status, and the batch.
#[derive(serde::Serialize)]
struct SubmitJson<'a> {
    report: String,
    /// The run's id (a dry run has none).
    run: Option<&'a str>,
    dry_run: bool,
    ended: &'a str,
    counts: BTreeMap<String, u64>,
    seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    batch: Option<&'a report::Batch>,
}

/// The inventory's rows by status, and what the run sent.
fn counts_of(rows: &[ReportRow], counters: &Counters) -> BTreeMap<String, u64> {
    let mut counts: BTreeMap<String, u64> =
        RowStatus::ALL.iter().map(|s| (s.to_string(), rows.iter().filter(|r| r.status == *s).count() as u64)).collect();
    counts.insert("rows".to_string(), rows.len() as u64);
    counts.insert("created_in_run".to_string(), counters.created.load(Ordering::Relaxed));
    counts.insert("retries".to_string(), counters.retries.load(Ordering::Relaxed));
    counts.insert("throttled".to_string(), counters.throttled.load(Ordering::Relaxed));
    counts
}

/// How the run ended, for the journal.
fn run_end(record: &RunRecord, rows: &[ReportRow], counters: &Counters, ended: String, line: &str) -> RunEnd {
    let counts = counts_of(rows, counters);
    RunEnd {
        run: record.run.clone(),
        ended_at: crate::time::format_time(jiff::Timestamp::now()),
        summary: RunSummary { ended, counts, line: line.to_string() },
    }
}

/// The rows the directory's report holds; a report that cannot be read is rebuilt from the
/// journal (which holds every row sent), and said.
fn earlier_rows(dir: &Path) -> Vec<ReportRow> {
    match report::read_if_any(dir) {
        Ok(report) => report.map(|r| r.rows).unwrap_or_default(),
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "warning: {e}; its rows are rebuilt from the journal");
            Vec::new()
        }
    }
}

/// Writes `failed.csv`: this inventory's rows to fix, and the rows of the earlier
/// `failed.csv` (same header) whose source still fails and is not in this inventory.
fn write_failed(
    dir: &Path,
    checked: &Checked,
    lines: &[Line],
    this_run: &[ReportRow],
    batch: &[ReportRow],
    before: Option<(Vec<String>, Vec<crate::inventory::RecordBuf>)>,
    file: &str,
) -> anyhow::Result<()> {
    let mut failed: Vec<report::Failed> = lines
        .iter()
        .zip(this_run)
        .filter(|(_, r)| r.status.to_fix())
        .map(|(l, r)| report::Failed {
            record: &l.record,
            line: l.line,
            file,
            code: &r.error_code,
            message: &r.error_message,
            as_read: false,
        })
        .collect();
    let api: Vec<bool> =
        checked.schema.kinds.iter().map(|k| *k != crate::inventory::schema::ColumnKind::Unknown).collect();
    let here: std::collections::BTreeSet<&str> = this_run.iter().map(|r| r.id.source_id.as_str()).collect();
    let to_fix: BTreeMap<&str, &ReportRow> = batch
        .iter()
        .filter(|r| r.status.to_fix() && !r.id.source_id.is_empty())
        .map(|r| (r.id.source_id.as_str(), r))
        .collect();
    let kept = before.as_ref().filter(|(header, _)| *header == report::failed_header(&checked.schema.names, &api));
    let source_at = checked.schema.names.iter().position(|n| n == "SourceId");
    if let (Some((_, records)), Some(at)) = (kept, source_at) {
        for record in records {
            let source = record.view().get(at).unwrap_or_default();
            if here.contains(source) {
                continue;
            }
            if let Some(r) = to_fix.get(source) {
                failed.push(report::Failed {
                    record,
                    line: r.id.line,
                    file: &r.file,
                    code: &r.error_code,
                    message: &r.error_message,
                    as_read: true,
                });
            }
        }
    }
    report::write_failed(dir, &checked.schema.names, &api, &failed)?;
    Ok(())
}

/// Checks the inventory and keeps every row for the report; `None` (the errors printed)
/// when errors stop the run before anything is sent.
fn check_lines(req: &Request, account: Option<&AccountIndex>) -> anyhow::Result<Option<(Checked, Vec<Line>)>> {
    let now = jiff::Timestamp::now();
    let opts = CheckOptions { strict: false, now, account, quota: None, retain: true, sheet: req.sheet };
    let mut lines: Vec<Line> = Vec::new();
    let checked = check::run(req.inventory, &opts, |row, diags| {
        let error =
            diags.iter().find(|d| d.severity == Severity::Error).map(|d| (d.code.to_string(), d.message.clone()));
        let record = row.record().into();
        lines.push(Line { line: row.line, record, error, token: None, earlier: None, own_token: None });
    })?;
    super::say_notes(&checked);
    let header_errors = checked.diagnostics.iter().any(|d| d.line == 1 && d.severity == Severity::Error);
    if (checked.summary.errors > 0 && !req.skip_invalid) || header_errors {
        let errors = checked.diagnostics.iter().filter(|d| d.severity == Severity::Error);
        if req.json {
            let mut json = render::JsonFindings::default();
            errors.for_each(|d| json.push(d, &checked.schema));
            json.write(&mut std::io::stdout().lock(), &checked.summary).map_err(super::stdout_fault)?;
        } else {
            let errors: Vec<_> = errors.cloned().collect();
            render::human(&mut anstream::stderr().lock(), &checked.path, &checked.summary, &errors, &checked.schema)?;
        }
        let why = "nothing was sent: fix the errors, or use --skip-invalid to submit the valid rows";
        writeln!(anstream::stderr(), "{why}")?;
        return Ok(None);
    }
    // Warnings do not stop a run, but they are said, once a code.
    let mut warnings: BTreeMap<&str, usize> = BTreeMap::new();
    for d in checked.diagnostics.iter().filter(|d| d.severity == Severity::Warning) {
        *warnings.entry(d.code.id).or_default() += 1;
    }
    if !warnings.is_empty() {
        let each: Vec<String> = warnings.iter().map(|(c, n)| format!("{n} {c}")).collect();
        let total: usize = warnings.values().sum();
        let path = &checked.path;
        let _ = writeln!(
            anstream::stderr(),
            "{path}: {total} warnings ({}); `smcplan validate {path}` shows each",
            each.join(", ")
        );
    }
    Ok(Some((checked, lines)))
}
