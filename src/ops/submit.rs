//! Submit: check the inventory (each row built once), guard and lock the batch, decide
//! each row from the journal, send through the engine, and write the batch's report and
//! `failed.csv`.

use super::apply::{Applying, Wanted};
use super::reconcile::{Reconciled, jobs_to_read, reconcile};
use super::saved::SavedPlan;
use super::scope::RunScope;
use super::send::{Applied, Left, Sender};
use super::summary::{counts_of, summary_line};
use crate::account::AccountIndex;
use crate::api::client::{Api, Client};
use crate::batch::jobs::jobs_of;
use crate::batch::journal::{Entry, InventoryFile, Journal, RunEnd, RunRecord};
use crate::batch::report::{self, Batch, ReportRow};
use crate::batch::rows::{self, Line};
use crate::batch::{RowStatus, dir, failed};
use crate::check::{self, Checked};
use crate::diagnostics::Severity;
use crate::engine::signals::Signal;
use crate::engine::{self, Counters};
use crate::jobs::states::read_jobs;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// What to submit, and how.
pub struct Options<'a> {
    pub inventory: &'a Path,
    pub dir: &'a Path,
    pub send: engine::Options,
    pub dry_run: bool,
    pub skip_invalid: bool,
    /// The regions `--online` read the account of (run record).
    pub regions: &'a [String],
    pub quiet: bool,
    /// Rebuild a lost journal: look every row's job up before sending anything.
    pub adopt: bool,
    /// Send again the rows whose failure is final, as well as the retryable ones.
    pub retry_failed: bool,
    /// The command line, without secrets, for the run record.
    pub argv: Vec<String>,
    /// The sheet of a workbook inventory (default: its first).
    pub sheet: Option<&'a str>,
    /// Replace the jobs a change cannot be made to in place (delete, then create).
    pub replace: bool,
    /// Delete the batch's jobs this inventory does not hold.
    pub prune: bool,
    /// Apply exactly this saved plan, or nothing.
    pub plan: Option<&'a SavedPlan>,
}

/// The inventory checked, each row built once for the rest of the run.
pub struct Prepared {
    pub checked: Checked,
    lines: Vec<Line>,
}

impl Prepared {
    /// Each row, as the check pass built it.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// Whether errors stop the run before anything is sent (a header error always does).
    pub fn stops(&self, skip_invalid: bool) -> bool {
        let header_errors = self.checked.diagnostics.iter().any(|d| d.line == 1 && d.severity == Severity::Error);
        (self.checked.summary.errors > 0 && !skip_invalid) || header_errors
    }

    /// Warnings do not stop a run, but they are said, once a code.
    pub fn warnings(&self) -> BTreeMap<&'static str, usize> {
        let mut warnings: BTreeMap<&'static str, usize> = BTreeMap::new();
        for d in self.checked.diagnostics.iter().filter(|d| d.severity == Severity::Warning) {
            *warnings.entry(d.code.id).or_default() += 1;
        }
        warnings
    }
}

/// A submit that ran.
pub struct Ran {
    /// This inventory's rows, as the batch has them now.
    pub seen: Vec<ReportRow>,
    /// The whole batch (with rows of other files).
    pub batch: Vec<ReportRow>,
    pub totals: Option<Batch>,
    pub run: Option<String>,
    pub summary: String,
    pub counts: BTreeMap<String, u64>,
    pub seconds: f64,
    pub signal: Option<Signal>,
    pub tripped: Option<String>,
    /// Whether every row was created (or, in a dry run, would be).
    pub clean: bool,
    /// A dry run left the report of a directory with a journal as it was.
    pub left_as_it_was: bool,
    /// The plan of the inventory against the batch (`None`: the batch had no job yet).
    pub plan: Option<Reconciled>,
    /// Updates the API refused since the job had started meanwhile: replace them (by line index).
    pub refused: Vec<usize>,
    /// Rows to replace, left for `--replace` (by line index).
    pub replace_left: Vec<usize>,
    /// Jobs of rows this file held and holds no more, left for `--prune`.
    pub prune_left: Vec<String>,
    /// The changes (updates, replaces, prunes) that did not go through, one line each.
    pub failures: Vec<String>,
}

/// What a submit is about to send, for the question the command asks before it.
pub struct Asking<'a> {
    pub endpoint: &'a reqwest::Url,
    /// Calls of each kind: create, recreate, update, replace, prune.
    pub counts: BTreeMap<&'static str, usize>,
    /// Jobs it deletes (replaces and prunes).
    pub deletes: usize,
}

/// Submits the checked inventory into the batch; `client` may be `None` only for a dry
/// run. `ask` is called before the first request, and may refuse.
pub fn submit(
    client: Option<&Client>,
    prepared: Prepared,
    opts: &Options,
    ask: &mut dyn FnMut(&Asking) -> anyhow::Result<()>,
    warn: &mut dyn Write,
) -> anyhow::Result<Ran> {
    let client_or_err = || client.ok_or_else(|| anyhow::anyhow!("sending needs credentials and an endpoint"));
    let Prepared { checked, mut lines } = prepared;
    let opened = dir::open(opts.dir, opts.dry_run, opts.adopt, warn)?;
    let mut scope = RunScope::new(2)?;
    let dir::Opened { journal, entries, had_journal, lock: _lock } = opened;
    let file = opts.inventory.display().to_string();
    // The batch: what the directory held (its report, when a journal backs it or --adopt
    // rebuilds a lost one: a report without either is a dry run's preview).
    let earlier = if had_journal || opts.adopt { earlier_rows(opts.dir, warn) } else { Vec::new() };
    // Each row against the batch's job for its source, once the batch has jobs; their
    // state read now (before the signals are taken: an interrupted read leaves nothing).
    let plan = match jobs_of(&entries).is_empty() && opts.plan.is_none() {
        true => None,
        false => {
            let live = match client {
                Some(c) => Some(scope.runtime.block_on(read_jobs(c, &jobs_to_read(&entries)))?),
                None => None,
            };
            Some(reconcile(&lines, &entries, live.as_ref(), &earlier))
        }
    };
    if let Some(saved) = opts.plan {
        let sha256 = checked.tapped.as_ref().map(|t| t.sha256.as_str()).unwrap_or_default();
        saved
            .holds(plan.as_ref(), sha256, opts.dir, &entries)
            .map_err(|e| anyhow::anyhow!("{}: refused, nothing was applied: {e}; make the plan again", saved.from))?;
    }
    // A fixed failed.csv (its rows say which they fix) is part of the batch: only the jobs of
    // its own rows are its to prune; any other inventory is the desired state of the batch.
    let partial = checked.tapped.as_ref().is_some_and(|t| !t.fixes.is_empty());
    let wanted =
        Wanted { replace: opts.replace, prune: opts.prune, retry_failed: opts.retry_failed, file: &file, partial };
    let applying = Applying::of(&mut lines, plan.as_ref(), &entries, wanted);
    if let Some(saved) = opts.plan {
        // A saved plan is applied whole or not at all: what it replaces and prunes needs its flag.
        super::saved::whole(&applying, &lines, opts.dir)
            .map_err(|why| anyhow::anyhow!("{}: refused, nothing was applied: {why}", saved.from))?;
    }
    if opts.replace && applying.replaces.is_empty() {
        let _ = writeln!(warn, "note: --replace: no job of this inventory needs replacing");
    }
    if opts.prune && applying.prunes.is_empty() {
        let _ = writeln!(warn, "note: --prune: every job of the batch is in this inventory");
    }
    let started = Instant::now();
    let counters = Counters::default();
    let mut run = None;
    let mut applied = Applied::default();
    if let Some(mut journal) = journal {
        let counts = applying.counts();
        if counts.values().any(|n| *n > 0) {
            let client = client_or_err()?;
            let endpoint = client.endpoint(&Api::Smc);
            if let Err(e) = ask(&Asking { endpoint: &endpoint, counts, deletes: applying.deletes() }) {
                // Declined before anything was written: a journal this run created goes too.
                if !had_journal && std::fs::metadata(journal.path()).is_ok_and(|m| m.len() == 0) {
                    let _ = std::fs::remove_file(journal.path());
                }
                return Err(e);
            }
        }
        // From here on a signal stops the run cleanly instead of killing the process with the lock held.
        scope.take_signals()?;
        // The run is on record before its first request.
        let record = run_record(client, opts, &checked, &lines, &file);
        journal.append(&Entry::Run(Box::new(record.clone())))?;
        drop(journal);
        if let Some(client) = client {
            let sender = Sender {
                client,
                dir: opts.dir,
                send: &opts.send,
                scope: &scope,
                run: &record.run,
                file: &file,
                quiet: opts.quiet,
                counters: &counters,
            };
            applied = sender.apply(&applying, &mut lines, opts.adopt)?;
        }
        run = Some(record);
    }
    let (signal, tripped, ended) = (scope.signal(), scope.stop.tripped(), scope.ended());
    // Journal appends abandoned by a second signal finish before the report is written and
    // the lock released; signals from here on are caught and change nothing.
    scope.finish();
    let this_run = rows::report_rows(&lines, &file, &applied.creates, opts.dry_run);
    let fixes = checked.tapped.as_ref().map(|t| t.fixes.clone()).unwrap_or_default();
    let merged = rows::ThisRun { rows: this_run.clone(), file: &file, fixes: &fixes };
    let mut batch = rows::batch_rows(earlier, &entries, merged);
    applied.mark(&mut batch, &lines, &applying);
    // This inventory's rows as the batch has them now (an old version of a row fixed since
    // stands as its fix did).
    let seen = as_in_batch(&this_run, &batch);
    let done = applied.done(&applying);
    let left = Left { replace: applied.refused.len() + applying.replace_left.len(), prune: applying.prune_left.len() };
    let summary = summary_line(&seen, started.elapsed(), &counters, opts.dir) + &done.said(&left, opts.dry_run);
    // A dry run is clean when every row would be created (or is already).
    let clean = left.replace + left.prune == 0
        && done.failed == 0
        && seen.iter().all(|r| r.status == RowStatus::Created || (opts.dry_run && r.status == RowStatus::Pending));
    let mut counts = counts_of(&seen, &counters);
    counts.extend(done.counts(&left));
    // How often the credentials were fetched: once, and once for each refresh.
    if let Some(c) = client {
        counts.insert("credential_fetches".to_string(), c.keys().fetches());
    }
    let mut ran = Ran {
        seen,
        batch,
        totals: None,
        run: run.as_ref().map(|r| r.run.clone()),
        summary,
        counts,
        seconds: started.elapsed().as_secs_f64(),
        signal,
        tripped,
        clean,
        left_as_it_was: opts.dry_run && had_journal,
        plan,
        refused: applied.refused.clone(),
        replace_left: applying.replace_left.clone(),
        prune_left: applying.prune_left.clone(),
        failures: applied.failures(&lines),
    };
    if ran.left_as_it_was {
        return Ok(ran);
    }
    std::fs::create_dir_all(opts.dir).map_err(|e| crate::files::fault("creating", opts.dir, e))?;
    // The whole journal, this run's requests included, and the run's end.
    let mut all_entries = entries;
    if let Some(record) = &run {
        let (mut journal, now) = Journal::open(opts.dir)?;
        all_entries = now;
        let end: RunEnd = record.end(ended, ran.counts.clone(), &ran.summary);
        journal.append(&Entry::RunEnd(end.clone()))?;
        all_entries.push(Entry::RunEnd(end));
    }
    // Each job's parameters as the batch has them now.
    let jobs_now = jobs_of(&all_entries);
    for r in ran.batch.iter_mut() {
        if let Some(j) = jobs_now.get(&r.id.source_id).filter(|j| j.job_id == r.job_id) {
            r.params = j.params.clone();
        }
    }
    let failed_before = if had_journal { failed::read_failed(opts.dir).ok().flatten() } else { None };
    let written = crate::batch::story::told(ran.batch.clone(), &all_entries);
    crate::batch::written::write(opts.dir, &written)?;
    failed::write_merged(opts.dir, &checked.schema, &lines, &ran.seen, &ran.batch, failed_before, &file)?;
    ran.totals = Some(written.batch);
    Ok(ran)
}

/// Checks the inventory and keeps every row, built once, for the rest of the run.
pub fn check(opts: &Options, account: Option<&AccountIndex>) -> anyhow::Result<Prepared> {
    prepare(opts.inventory, opts.sheet, jiff::Timestamp::now(), account)
}

/// Checks `inventory` (its sheet `sheet`) as of `now`, each row built once.
pub fn prepare(
    inventory: &Path,
    sheet: Option<&str>,
    now: jiff::Timestamp,
    account: Option<&AccountIndex>,
) -> anyhow::Result<Prepared> {
    let check = check::Options { strict: false, now, account, quota: None, retain: true, sheet, tap: true };
    let mut lines: Vec<Line> = Vec::new();
    let checked = check::run(inventory, &check, |row, diags| {
        let error =
            diags.iter().find(|d| d.severity == Severity::Error).map(|d| (d.code.to_string(), d.message.to_string()));
        lines.push(Line::of(row, error));
    })?;
    Ok(Prepared { checked, lines })
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

/// Who runs what against what: the run record journaled before the first request.
fn run_record(client: Option<&Client>, opts: &Options, checked: &Checked, lines: &[Line], file: &str) -> RunRecord {
    let regions =
        opts.regions.iter().cloned().chain(lines.iter().filter(|l| l.error.is_none()).map(|l| l.id.region_id.clone()));
    let sha256 = checked.tapped.as_ref().map(|t| t.sha256.clone()).unwrap_or_default();
    RunRecord::start(
        "submit",
        opts.argv.clone(),
        client,
        regions,
        Some(InventoryFile {
            file: file.to_string(),
            sha256,
            pace: crate::plan::estimate::Pace::of_file(opts.inventory),
        }),
    )
}

/// The rows the directory's report holds; a report that cannot be read is rebuilt from the
/// journal (which holds every row sent), and said.
fn earlier_rows(dir: &Path, warn: &mut dyn Write) -> Vec<ReportRow> {
    match report::read_if_any(dir) {
        Ok(report) => report.map(|r| r.rows).unwrap_or_default(),
        Err(e) => {
            let _ = writeln!(warn, "warning: {e}; its rows are rebuilt from the journal");
            Vec::new()
        }
    }
}
