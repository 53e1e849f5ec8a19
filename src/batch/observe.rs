//! A run that watches the batch's jobs (status) records what it saw: its start and end in
//! the journal, and each refresh in the report. It holds the lock only while it writes, so
//! that a submit of fixed rows can go on beside a watch; what it cannot write now is said.

use super::journal::{Entry, Journal, RunEnd, RunRecord, Seen, changes, runs_of};
use super::lock::Lock;
use super::report::{self, Report};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::Path;
use std::time::Duration;

/// The batch in `dir`: its report, or, before the first submit into it has written one (it
/// runs, or was killed), the rows its journal holds.
pub fn current(dir: &Path) -> anyhow::Result<Report> {
    // The journal is only read when there is no report to read.
    let entries = if dir.join("report.json").exists() { Vec::new() } else { Journal::read(dir)? };
    current_of(dir, &entries)
}

/// Like [`current`], for a caller that read the journal (`entries`) already.
pub fn current_of(dir: &Path, entries: &[Entry]) -> anyhow::Result<Report> {
    if dir.join("report.json").exists() {
        return Ok(report::read(dir)?);
    }
    if entries.is_empty() {
        return Err(no_batch_yet(dir));
    }
    let rows = rows_of(Vec::new(), entries);
    Ok(super::story::told(rows, entries))
}

/// A directory with neither a report nor a journal.
pub fn no_batch_yet(dir: &Path) -> anyhow::Error {
    let shown = dir.display();
    anyhow::anyhow!(
        "{shown} holds no batch yet (no report.json, no journal.jsonl): status shows the jobs that `smcplan submit INVENTORY --report {shown}` creates"
    )
}

/// The batch's rows: `earlier` (a report's, or none) with what the journal's `entries`
/// settled since (a run killed between the two).
pub fn rows_of(earlier: Vec<super::report::ReportRow>, entries: &[Entry]) -> Vec<super::report::ReportRow> {
    let fixes = BTreeMap::new();
    let none = super::rows::ThisRun { rows: Vec::new(), file: "", fixes: &fixes };
    super::rows::batch_rows(earlier, entries, none)
}

/// A watching run, recording into its directory.
pub struct Observer<'a> {
    dir: &'a Path,
    entries: Vec<Entry>,
    record: RunRecord,
    /// A refresh could not be written (another run held the lock): said once.
    said_busy: bool,
}

/// The directory's lock, or `None` while another run holds it; a lock taken over is said.
fn take(dir: &Path, notes: &mut Vec<String>) -> io::Result<Option<Lock>> {
    match Lock::take(dir) {
        Ok(lock) => {
            notes.extend(lock.taken_over.iter().map(|w| format!("warning: {w}")));
            Ok(Some(lock))
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
        Err(e) => Err(e),
    }
}

impl<'a> Observer<'a> {
    /// Journals the run's start, if the directory can take it: not when its journal is lost
    /// (writing one would hide that), nor while another run holds it. Notes say why not.
    pub fn start(dir: &'a Path, record: RunRecord, notes: &mut Vec<String>) -> anyhow::Result<Option<Observer<'a>>> {
        let shown = dir.display();
        if super::dir::lost_journal_evidence(dir)?.is_some() || !dir.join(super::journal::FILE).exists() {
            notes.push(format!(
                "note: {shown} has no journal.jsonl that knows its jobs: the jobs are shown and the report is left as it is (`smcplan submit INVENTORY --report {shown} --adopt` rebuilds the journal)"
            ));
            return Ok(None);
        }
        let Some(lock) = take(dir, notes)? else {
            notes.push(format!(
                "note: another smcplan run holds {shown}: the jobs are shown, the report is left to that run"
            ));
            return Ok(None);
        };
        let (mut journal, mut entries) = Journal::open(dir)?;
        journal.append(&Entry::Run(Box::new(record.clone())))?;
        entries.push(Entry::Run(Box::new(record.clone())));
        drop(lock);
        Ok(Some(Observer { dir, entries, record, said_busy: false }))
    }

    /// Writes a refresh: each job's state as `observed` at `checked_at`, into the journal
    /// where it differs from what the journal last says, and into the report as it is on
    /// disk now.
    pub fn write(&mut self, observed: Vec<Seen>, checked_at: &str, notes: &mut Vec<String>) -> anyhow::Result<()> {
        let Some(_lock) = take(self.dir, notes)? else {
            if !std::mem::replace(&mut self.said_busy, true) {
                notes.push(format!(
                    "note: another smcplan run holds {}: refreshes are shown, and written once it is free",
                    self.dir.display()
                ));
            }
            return Ok(());
        };
        let ids: BTreeSet<String> = observed.iter().map(|s| s.job_id.clone()).collect();
        let (mut journal, mut entries) = Journal::open(self.dir)?;
        let seen: Vec<Entry> =
            changes(&mut super::story::latest(&entries), observed).into_iter().map(Entry::Seen).collect();
        journal.append_all(&seen)?;
        entries.extend(seen);
        let mut now = current_of(self.dir, &entries)?;
        for r in now.rows.iter_mut().filter(|r| ids.contains(&r.job_id)) {
            r.checked_at = Some(checked_at.to_string());
        }
        if !runs_of(&entries).iter().any(|r| r.record.run == self.record.run) {
            entries.splice(0..0, self.entries.iter().filter(|e| matches!(e, Entry::Run(_))).cloned());
        }
        super::written::write(self.dir, &super::story::told(now.rows, &entries))?;
        Ok(())
    }

    /// The run this observer records.
    pub fn record(&self) -> &RunRecord {
        &self.record
    }

    /// Journals the run's end (waiting a little for a lock another run holds).
    pub fn end(mut self, end: RunEnd, notes: &mut Vec<String>) -> anyhow::Result<()> {
        for _ in 0..50 {
            if let Some(_lock) = take(self.dir, notes)? {
                let (mut journal, _) = Journal::open(self.dir)?;
                journal.append(&Entry::RunEnd(end))?;
                let now = current(self.dir)?;
                super::written::write(self.dir, &super::story::told(now.rows, &Journal::read(self.dir)?))?;
                return Ok(());
            }
            self.said_busy = true;
            std::thread::sleep(Duration::from_millis(100));
        }
        notes.push(format!(
            "note: another smcplan run holds {}: this status run's end is not journaled",
            self.dir.display()
        ));
        Ok(())
    }
}

/// Journals what the looks of a wait see, where it differs from what the journal last says
/// of each job: the waits of a run that holds the directory. The journal is read once, when
/// the wait begins (nothing but the wait writes to it until it ends).
pub struct Noter {
    journal: Journal,
    /// What the journal last says of each job, kept up to date with what is noted.
    latest: BTreeMap<String, Seen>,
    /// The jobs the batch deleted.
    deleted: BTreeSet<String>,
}

impl Noter {
    pub fn open(dir: &Path) -> anyhow::Result<Noter> {
        let (journal, entries) = Journal::open(dir)?;
        let (latest, deleted) = (super::story::latest(&entries), super::story::deleted(&entries));
        Ok(Noter { journal, latest, deleted })
    }

    /// Journals what a look saw (`jobs`, by JobId; `None`: gone), where it differs.
    pub fn note(&mut self, jobs: &BTreeMap<String, Option<crate::account::ReplicationJob>>) -> anyhow::Result<()> {
        let at = jiff::Timestamp::now();
        let seen = jobs.iter().map(|(id, j)| Seen::of(id, j.as_ref(), at, self.deleted.contains(id))).collect();
        let seen: Vec<Entry> = changes(&mut self.latest, seen).into_iter().map(Entry::Seen).collect();
        Ok(self.journal.append_all(&seen)?)
    }
}
