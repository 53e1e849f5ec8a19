//! `smcplan submit`: validate, guard and lock the batch, decide from the journal, send
//! through the engine, write the report.

use super::{Outcome, RATE, connect, within};
use crate::account::AccountIndex;
use crate::api::client::Client;
use crate::batch::RowStatus;
use crate::check::{self, Checked, Options as CheckOptions};
use crate::cli::SubmitArgs;
use crate::diagnostics::{Severity, render};
use crate::engine::dir;
use crate::engine::journal::History;
use crate::engine::resume::{self, Decision};
use crate::engine::rows::{self, Line};
use crate::engine::signals::{self, Signal, Stop};
use crate::engine::{self, Counters, Options, progress, report};
use crate::inventory::Row;
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
    let client = if args.dry_run && !args.online { None } else { Some(connect(&args.connect)?) };
    let request = Request {
        inventory: &args.inventory,
        dir: &args.report,
        options: crate::engine::Options {
            rate: args.rate,
            concurrency: args.concurrency,
            max_attempts: args.connect.max_attempts,
        },
        dry_run: args.dry_run,
        skip_invalid: args.skip_invalid,
        online_regions: args.online.then_some(args.regions.as_slice()),
        account: args.account.as_deref(),
        quiet: args.quiet,
        adopt: args.adopt,
        retry_failed: args.retry_failed,
        yes: args.yes,
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
        match resume::decide(&Row::new(l.line, &checked.schema, l.record.view()), &history, req.retry_failed) {
            Decision::Send(work) => {
                l.token = Some(work.token.clone());
                todo.push(*work);
            }
            Decision::Settled(outcome) => l.earlier = Some(outcome),
        }
    }
    let started = Instant::now();
    let counters = Counters::default();
    let settled = match journal {
        Some(journal) if !todo.is_empty() => {
            let client = client_or_err()?;
            let endpoint = client.endpoint(&crate::api::client::Api::Smc);
            let asking = !req.yes && !crate::api::endpoint::is_loopback(&endpoint) && std::io::stdin().is_terminal();
            if asking {
                let question = format!(
                    "about to send {} CreateReplicationJob requests to {endpoint} at {} a second; go on? [y/N] ",
                    todo.len(),
                    req.options.rate
                );
                if !confirm(&mut anstream::stderr(), &mut std::io::stdin().lock(), &question)? {
                    anyhow::bail!("nothing was sent: not confirmed (--yes skips the question)");
                }
            }
            let display = progress::for_stderr(todo.len() as u64, req.quiet);
            let with = engine::With { client, options: &req.options, stop: &stop, counters: &counters };
            runtime.block_on(engine::send_batch(&with, todo, journal, &*display, req.adopt))?
        }
        _ => BTreeMap::new(),
    };
    // Journal appends abandoned by a second signal finish before the report is written and
    // the lock released; signals from here on are caught and change nothing.
    watcher.abort();
    runtime.shutdown_timeout(Duration::from_secs(60));
    let rows = rows::report_rows(&lines, &checked.schema, &settled, req.dry_run);
    // What is printed from here is a courtesy: the terminal may be gone (SIGHUP) or the
    // reader closed, and the work's outcome stands either way.
    let summary = rows::summary_line(&rows, started.elapsed(), counters.created.load(Ordering::Relaxed), req.dir);
    // A dry run is clean when every row would be created (or is already).
    let clean = rows.iter().all(|r| r.status == RowStatus::Created || (req.dry_run && r.status == RowStatus::Pending));
    if req.dry_run && had_journal {
        let _ = writeln!(anstream::stdout(), "{summary}");
        let dir = req.dir.display();
        let _ =
            writeln!(anstream::stderr(), "dry run: the report of {dir} is left as it is (its journal is the record)");
        return Ok(if clean { Ended::AllCreated } else { Ended::SomeFailedOrInvalid });
    }
    std::fs::create_dir_all(req.dir).with_context(|| format!("creating {}", req.dir.display()))?;
    report::write(req.dir, &rows)?;
    let failed: Vec<report::Failed> = lines
        .iter()
        .zip(&rows)
        .filter(|(_, r)| r.status.to_fix())
        .map(|(l, r)| report::Failed {
            record: &l.record,
            line: l.line,
            code: &r.error_code,
            message: &r.error_message,
        })
        .collect();
    let api: Vec<bool> =
        checked.schema.kinds.iter().map(|k| *k != crate::inventory::schema::ColumnKind::Unknown).collect();
    report::write_failed(req.dir, &checked.schema.names, &api, &failed)?;
    let _ = writeln!(anstream::stdout(), "{summary}");
    if stop.signal().is_some() {
        let left = rows.iter().filter(|r| matches!(r.status, RowStatus::Skipped | RowStatus::Pending)).count();
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

/// Asks `question` on `out` and reads the answer from `input`: yes only for `y` or `yes`.
fn confirm(out: &mut dyn Write, input: &mut dyn std::io::BufRead, question: &str) -> anyhow::Result<bool> {
    write!(out, "{question}")?;
    out.flush()?;
    let mut answer = String::new();
    input.read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// Checks the inventory and keeps every row for the report; `None` (the errors printed)
/// when errors stop the run before anything is sent.
fn check_lines(req: &Request, account: Option<&AccountIndex>) -> anyhow::Result<Option<(Checked, Vec<Line>)>> {
    let opts = CheckOptions { strict: false, now: jiff::Timestamp::now(), account, quota: None, retain: true };
    let mut lines: Vec<Line> = Vec::new();
    let checked = check::run(req.inventory, &opts, |row, diags| {
        let error =
            diags.iter().find(|d| d.severity == Severity::Error).map(|d| (d.code.to_string(), d.message.clone()));
        lines.push(Line { line: row.line, record: row.record().into(), error, token: None, earlier: None });
    })?;
    let header_errors = checked.diagnostics.iter().any(|d| d.line == 1 && d.severity == Severity::Error);
    if (checked.summary.errors > 0 && !req.skip_invalid) || header_errors {
        let mut out = anstream::stderr().lock();
        let errors: Vec<_> = checked.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect();
        render::human(&mut out, &checked.path, &checked.summary, &errors, &checked.schema.names)?;
        writeln!(out, "nothing was sent: fix the errors, or use --skip-invalid to submit the valid rows")?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_yes_goes_on() {
        for (answer, want) in
            [("y\n", true), ("YES\n", true), ("\n", false), ("n\n", false), ("", false), ("yep\n", false)]
        {
            let mut out = Vec::new();
            assert_eq!(confirm(&mut out, &mut answer.as_bytes(), "go on? ").unwrap(), want, "{answer:?}");
            assert_eq!(out, b"go on? ");
        }
    }
}
