//! A whole submit: validate, take the directory, resolve the journal, send, report; and `status`.

use crate::account::AccountIndex;
use crate::api::calls::JobFilter;
use crate::api::client::Client;
use crate::check::{self, Options as CheckOptions};
use crate::diagnostics::{Severity, render};
use crate::engine::journal::{History, Journal};
use crate::engine::lock::Lock;
use crate::engine::report::{self, ReportRow};
use crate::engine::signals::{self, Signal, Stop};
use crate::engine::{Counters, Options, Settled, Work};
use crate::inventory::Param;
use crate::plan::request;
use anyhow::Context as _;
use futures_util::TryStreamExt;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the command line asked for.
pub struct Request<'a> {
    pub inventory: &'a Path,
    pub dir: &'a Path,
    pub options: Options,
    pub dry_run: bool,
    pub skip_invalid: bool,
    pub online_regions: Option<&'a [String]>,
    pub quiet: bool,
    /// Rebuild a lost journal: look every row's job up before sending anything.
    pub adopt: bool,
}

/// How a submit ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    AllCreated,
    SomeFailedOrInvalid,
    /// A signal stopped it; the report is written and the lock released.
    Interrupted(Signal),
}

/// One inventory row, kept for the report and failed.csv.
struct Line {
    line: u64,
    record: crate::inventory::RecordBuf,
    errors: Vec<(String, String)>,
    work: Option<Work>,
    /// The outcome an earlier run recorded for this row.
    earlier: Option<crate::engine::journal::Outcome>,
}

/// Runs a submit; `client` may be `None` only for a dry run without `--online`.
pub fn submit(client: Option<&Client>, req: &Request) -> anyhow::Result<Ended> {
    let client_or_err = || client.ok_or_else(|| anyhow::anyhow!("sending needs credentials and an endpoint"));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let account = match req.online_regions {
        Some(regions) => Some(AccountIndex::new(runtime.block_on(crate::account::snapshot::fetch(
            client_or_err()?,
            regions,
            crate::account::DEFAULT_JOB_QUOTA,
        ))?)),
        None => None,
    };
    let opts = CheckOptions {
        strict: false,
        now: jiff::Timestamp::now(),
        account: account.as_ref(),
        quota: None,
        retain: true,
    };
    let mut lines: Vec<Line> = Vec::new();
    let checked = check::run(req.inventory, &opts, |row, diags| {
        let errors = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| (d.code.to_string(), d.message.clone()))
            .collect();
        lines.push(Line { line: row.line, record: row.record().into(), errors, work: None, earlier: None });
    })?;
    let header_errors = checked.diagnostics.iter().any(|d| d.line == 1 && d.severity == Severity::Error);
    if (checked.summary.errors > 0 && !req.skip_invalid) || header_errors {
        let mut out = anstream::stderr().lock();
        let errors: Vec<_> = checked.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect();
        render::human(&mut out, &checked.path, &checked.summary, &errors, &checked.schema.names)?;
        writeln!(out, "nothing was sent: fix the errors, or use --skip-invalid to submit the valid rows")?;
        return Ok(Ended::SomeFailedOrInvalid);
    }
    let has_journal = req.dir.join(crate::engine::journal::FILE).exists();
    guard_the_journal(req.dir, has_journal, req.adopt)?;
    // From here on a signal stops the run cleanly instead of killing the process with the lock held.
    let stop = Arc::new(Stop::default());
    let watcher = {
        let _in_runtime = runtime.enter();
        runtime.spawn(signals::watch(Arc::clone(&stop)).context("taking over SIGINT, SIGTERM and SIGHUP")?)
    };
    // A dry run reads the journal and takes nothing; a real run holds the lock throughout.
    let (journal, entries, _lock) = if req.dry_run {
        (None, Journal::read(req.dir)?, None)
    } else {
        std::fs::create_dir_all(req.dir).with_context(|| format!("creating {}", req.dir.display()))?;
        let lock = Lock::take(req.dir)?;
        if let Some(warning) = &lock.taken_over {
            writeln!(anstream::stderr(), "warning: {warning}")?;
        }
        let (journal, entries) = Journal::open(req.dir)?;
        (Some(journal), entries, Some(lock))
    };
    let history = History::of(&entries);
    for l in lines.iter_mut().filter(|l| l.errors.is_empty()) {
        let row = crate::inventory::Row::new(l.line, &checked.schema, l.record.view());
        match plan_work(&row, &history) {
            Decision::Send(work) => l.work = Some(*work),
            Decision::Settled(outcome) => l.earlier = Some(outcome),
        }
    }
    let mut todo: Vec<Work> = lines.iter().filter_map(|l| l.work.clone()).collect();
    let started = Instant::now();
    let counters = Arc::new(Counters::default());
    let mut settled: BTreeMap<u64, Settled> = BTreeMap::new();
    if let Some(journal) = journal.filter(|_| !todo.is_empty()) {
        let client = client_or_err()?;
        let journal = Arc::new(Mutex::new(journal));
        let total = todo.len() as u64;
        let touched = crate::engine::Progress::default();
        runtime.block_on(async {
            let progress = tokio::spawn(progress(Arc::clone(&counters), total, req.quiet));
            let result = tokio::select! {
                result = async {
                    // A rebuilt journal: every row's job is looked up before anything is sent.
                    if req.adopt {
                        crate::engine::adopt(client, &todo, Arc::clone(&journal), &req.options, &stop, &counters, &touched).await?;
                        let looked_up = touched.settled.lock().expect("progress lock");
                        todo.retain(|w| !looked_up.contains_key(&w.line));
                    }
                    crate::engine::run(client, todo, journal, &req.options, &stop, &counters, &touched).await
                } => result,
                () = stop.abandoned() => Ok(()),
            };
            progress.abort();
            result
        })?;
        settled = touched.into_settled();
    }
    // Journal appends abandoned by a second signal finish before the report is written and
    // the lock released; signals from here on are caught and change nothing.
    watcher.abort();
    runtime.shutdown_timeout(Duration::from_secs(60));
    let rows = report_rows(&lines, &checked.schema, &settled, req.dry_run);
    // What is printed from here is a courtesy: the terminal may be gone (SIGHUP) or the
    // reader closed, and the work's outcome stands either way.
    if req.dry_run && has_journal {
        let _ = summary(&rows, started.elapsed(), 0, req.dir);
        let dir = req.dir.display();
        let _ =
            writeln!(anstream::stderr(), "dry run: the report of {dir} is left as it is (its journal is the record)");
        return Ok(Ended::SomeFailedOrInvalid);
    }
    std::fs::create_dir_all(req.dir).with_context(|| format!("creating {}", req.dir.display()))?;
    report::write(req.dir, &rows)?;
    let failed: Vec<&crate::inventory::RecordBuf> = lines
        .iter()
        .zip(&rows)
        .filter(|(_, r)| r.status == "failed" || r.status == "invalid")
        .map(|(l, _)| &l.record)
        .collect();
    let api: Vec<bool> =
        checked.schema.kinds.iter().map(|k| *k != crate::inventory::schema::ColumnKind::Unknown).collect();
    report::write_failed(req.dir, &checked.schema.names, &api, &failed)?;
    let _ = summary(&rows, started.elapsed(), counters.created.load(Ordering::Relaxed), req.dir);
    Ok(if let Some(signal) = stop.signal() {
        Ended::Interrupted(signal)
    } else if rows.iter().all(|r| r.status == "created") {
        Ended::AllCreated
    } else {
        Ended::SomeFailedOrInvalid
    })
}

/// Refuses a directory whose journal is lost (its report shows jobs were sent), unless
/// `--adopt` is to rebuild it; refuses `--adopt` where a journal exists.
fn guard_the_journal(dir: &Path, has_journal: bool, adopt: bool) -> anyhow::Result<()> {
    let shown = dir.display();
    if has_journal && adopt {
        anyhow::bail!("{shown} has a journal: --adopt rebuilds a lost one only; run without --adopt to resume from it");
    }
    if has_journal || adopt {
        return Ok(());
    }
    if let Some(evidence) = report::sent_evidence(dir)? {
        anyhow::bail!(
            "{shown} holds {evidence} but no journal.jsonl: the journal, the record of every job this batch created, is lost, and sending now could create jobs a second time; rebuild it with `smcplan submit INVENTORY --report {shown} --adopt`, which looks each row's job up by Name and SourceId before anything is sent and writes a new journal from what exists"
        );
    }
    Ok(())
}

/// What resume decides for a row.
enum Decision {
    Send(Box<Work>),
    /// An earlier run settled it.
    Settled(crate::engine::journal::Outcome),
}

/// What to do with a valid row, given the journal: the work to send, or the outcome an earlier
/// run already settled for it.
fn plan_work(row: &crate::inventory::Row, history: &History) -> Decision {
    let mut request = request::of_row(row);
    let token = request::client_token(&request);
    request.client_token = Some(token.clone());
    let params: BTreeMap<String, String> = request::canonical(&request).into_iter().collect();
    // The same row (same token), wherever it stands now: settled rows are not sent again.
    if let Some(outcome) = history.outcomes.get(&token) {
        return Decision::Settled(outcome.clone());
    }
    // The latest request for this source server had another token: this row, edited since.
    let earlier = history.latest_by_source.get(&request.source_id).filter(|t| **t != token);
    // A rebuilt journal marked this row for a look-up that never settled.
    let mut look_up_first = history.look_up.contains(&token);
    if let Some(earlier_token) = earlier {
        match history.outcomes.get(earlier_token) {
            // Its job exists: editing the row does not make a second one.
            Some(o) if o.status == "created" => return Decision::Settled(o.clone()),
            // Edited after a failure: send the new version.
            Some(_) => {}
            // Sent, never answered: it may exist; look before creating.
            None => look_up_first = true,
        }
    }
    Decision::Send(Box::new(Work { line: row.line, request, token, params, look_up_first }))
}

fn report_rows(
    lines: &[Line],
    schema: &crate::inventory::Schema,
    settled: &BTreeMap<u64, Settled>,
    dry_run: bool,
) -> Vec<ReportRow> {
    lines
        .iter()
        .map(|l| {
            let row = crate::inventory::Row::new(l.line, schema, l.record.view());
            let text = |p: Param| row.text(p).unwrap_or_default().to_string();
            let mut r = ReportRow {
                line: l.line,
                source_id: text(Param::SourceId),
                name: text(Param::Name),
                region_id: text(Param::RegionId),
                ..ReportRow::default()
            };
            if let Some((code, message)) = l.errors.first() {
                r.status = "invalid".into();
                r.error_code = code.clone();
                r.error_message = message.clone();
                return r;
            }
            let outcome = match settled.get(&l.line) {
                Some(Settled::Done(o)) => Some(o.clone()),
                Some(Settled::Unknown { attempts, error }) => {
                    r.status = "pending".into();
                    r.attempts = *attempts;
                    r.error_message = format!("no answer ({error}); the next run resolves it");
                    None
                }
                Some(Settled::NotSent) => {
                    r.status = "skipped".into();
                    None
                }
                None => l.earlier.clone(),
            };
            r.client_token = l
                .work
                .as_ref()
                .map(|w| w.token.clone())
                .or_else(|| outcome.as_ref().map(|o| o.token.clone()))
                .unwrap_or_default();
            match outcome {
                Some(o) => {
                    r.status = o.status;
                    r.job_id = o.job_id.unwrap_or_default();
                    r.request_id = o.request_id.unwrap_or_default();
                    r.error_code = o.error_code.unwrap_or_default();
                    r.error_message = o.error_message.unwrap_or_default();
                    r.attempts = o.attempts;
                    r.submitted_at = o.at;
                }
                None if r.status.is_empty() => r.status = if dry_run { "pending".into() } else { "skipped".into() },
                None => {}
            }
            r
        })
        .collect()
}

fn summary(rows: &[ReportRow], elapsed: Duration, created_now: u64, dir: &Path) -> std::io::Result<()> {
    let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
    let mut failed: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.status == "failed") {
        *failed.entry(r.error_code.as_str()).or_default() += 1;
    }
    let by_code: Vec<String> = failed.iter().map(|(c, n)| format!("{n} {c}")).collect();
    let secs = elapsed.as_secs_f64();
    let mut out = anstream::stdout().lock();
    writeln!(
        out,
        "{}: {} created ({} in this run), {} failed{}, {} invalid, {} skipped, {} pending; {:.1} s, {:.1} jobs/s",
        dir.display(),
        count("created"),
        created_now,
        count("failed"),
        if by_code.is_empty() { String::new() } else { format!(" ({})", by_code.join(", ")) },
        count("invalid"),
        count("skipped"),
        count("pending"),
        secs,
        created_now as f64 / secs.max(1e-9)
    )
}

/// A bar on a terminal, a line every 5 s otherwise, nothing with --quiet.
async fn progress(counters: Arc<Counters>, total: u64, quiet: bool) {
    if quiet {
        return;
    }
    let started = Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ETA {eta}").expect("static template"),
    );
    loop {
        let (c, f, i) = (
            counters.created.load(Ordering::Relaxed),
            counters.failed.load(Ordering::Relaxed),
            counters.in_flight.load(Ordering::Relaxed),
        );
        let rate = c as f64 / started.elapsed().as_secs_f64().max(1e-9);
        let message = format!("created {c}, failed {f}, in flight {i}, {rate:.1}/s");
        if terminal {
            bar.set_position(c + f);
            bar.set_message(message);
            tokio::time::sleep(Duration::from_millis(200)).await;
        } else {
            tokio::time::sleep(Duration::from_secs(5)).await;
            eprintln!("{}/{total}: {message}", c + f);
        }
    }
}

/// Counts of each job status, after updating the report.
pub fn status(client: &Client, dir: &Path, watch: bool, interval: Duration) -> anyhow::Result<BTreeMap<String, usize>> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    loop {
        let mut rows = report::read(dir)?;
        let ids: Vec<String> = rows.iter().filter(|r| !r.job_id.is_empty()).map(|r| r.job_id.clone()).collect();
        let mut found = BTreeMap::new();
        for chunk in ids.chunks(50) {
            let filter = JobFilter { job_id: chunk.to_vec(), ..JobFilter::default() };
            let jobs: Vec<_> = runtime.block_on(client.describe_replication_jobs(&filter).try_collect())?;
            found.extend(jobs.into_iter().map(|j| (j.job_id.clone(), j)));
        }
        let checked_at = crate::time::format_time(jiff::Timestamp::now());
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for r in rows.iter_mut().filter(|r| !r.job_id.is_empty()) {
            let job = found.get(&r.job_id);
            let field =
                |k: &str| job.and_then(|j| j.extra.get(k)).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            r.job_status = Some(job.map_or("NotFound".to_string(), |j| j.status.clone()));
            r.business_status = Some(field("BusinessStatus"));
            r.progress = job.and_then(|j| j.extra.get("Progress")).and_then(|v| v.as_f64());
            r.job_error_code = Some(field("ErrorCode"));
            r.checked_at = Some(checked_at.clone());
            *counts.entry(r.job_status.clone().unwrap_or_default()).or_default() += 1;
        }
        report::write(dir, &rows)?;
        let line: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
        println!("{}: {}", dir.display(), if line.is_empty() { "no jobs".to_string() } else { line.join(", ") });
        let open =
            counts.keys().any(|s| !["Finished", "InError", "Expired", "NotFound", "Deleting"].contains(&s.as_str()));
        if !watch || !open {
            return Ok(counts);
        }
        std::thread::sleep(interval);
    }
}
