//! A batch's report directory, opened for a run: guarded against a lost journal, locked,
//! its journal read.

use super::journal::{self, Entry, Journal};
use super::lock::Lock;
use anyhow::Context as _;
use std::io::Write;
use std::path::Path;

/// The directory as a run holds it.
pub struct Opened {
    /// Open for appending; `None` in a dry run.
    pub journal: Option<Journal>,
    /// What the journal held.
    pub entries: Vec<Entry>,
    /// The directory had a journal before this run.
    pub had_journal: bool,
    /// Held until dropped; `None` in a dry run.
    pub lock: Option<Lock>,
}

/// Opens `dir` for a run: refuses a lost journal (unless `adopt`); a dry run then reads the
/// journal and takes nothing, a real run creates the directory, takes the lock (a warning
/// goes to `warn` when a left one is taken over) and opens the journal.
pub fn open(dir: &Path, dry_run: bool, adopt: bool, warn: &mut dyn Write) -> anyhow::Result<Opened> {
    let had_journal = guard_the_journal(dir, adopt)?;
    if dry_run {
        return Ok(Opened { journal: None, entries: Journal::read(dir)?, had_journal, lock: None });
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let lock = Lock::take(dir)?;
    if let Some(warning) = &lock.taken_over {
        let _ = writeln!(warn, "warning: {warning}");
    }
    let (journal, entries) = Journal::open(dir)?;
    Ok(Opened { journal: Some(journal), entries, had_journal, lock: Some(lock) })
}

/// Refuses a directory whose journal is lost, unless `--adopt` is to rebuild it: its report
/// shows rows were sent, and the journal is missing, empty, or knows fewer of them than the
/// report does. Refuses `--adopt` where the journal is whole. Whether the directory has a
/// journal with entries.
fn guard_the_journal(dir: &Path, adopt: bool) -> anyhow::Result<bool> {
    let shown = dir.display();
    let entries = Journal::read(dir)?;
    let lost = lost_journal(dir, &entries)?;
    if adopt && lost.is_none() && !entries.is_empty() {
        anyhow::bail!("{shown} has a journal: --adopt rebuilds a lost one only; run without --adopt to resume from it");
    }
    if let (Some(evidence), false) = (lost, adopt) {
        anyhow::bail!(
            "{shown} holds {evidence}: the journal, the record of every job this batch created, is lost, and sending now could create jobs a second time; rebuild it with `smcplan submit INVENTORY --report {shown} --adopt`, which looks each row's job up by Name and SourceId before anything is sent and writes a new journal from what exists"
        );
    }
    Ok(!entries.is_empty())
}

/// What shows the journal of `dir` lost, if anything does (see [`open`]).
pub fn lost_journal_evidence(dir: &Path) -> anyhow::Result<Option<String>> {
    lost_journal(dir, &Journal::read(dir)?)
}

/// What shows the journal lost: the report's rows that were sent (a JobId, an attempt, a
/// settled status) and that the journal does not know (by ClientToken or JobId).
fn lost_journal(dir: &Path, entries: &[Entry]) -> anyhow::Result<Option<String>> {
    let Some(evidence) = super::report::sent_evidence(dir)? else {
        return Ok(None);
    };
    if entries.is_empty() {
        let missing = if dir.join(journal::FILE).exists() { "an empty journal.jsonl" } else { "no journal.jsonl" };
        return Ok(Some(format!("{evidence} but {missing}")));
    }
    // A report that cannot be read is evidence enough where there is no journal, and none
    // against a journal that has entries.
    let Ok(report) = super::report::read(dir) else { return Ok(None) };
    let mut tokens = std::collections::BTreeSet::new();
    let mut jobs = std::collections::BTreeSet::new();
    for e in entries {
        match e {
            Entry::Intent { token, .. } => {
                tokens.insert(token.as_str());
            }
            Entry::Outcome(o) => {
                tokens.insert(o.token.as_str());
                jobs.extend(o.job_id.as_deref());
            }
            _ => {}
        }
    }
    let sent: Vec<_> = report.rows.iter().filter(|r| super::report::was_sent(r)).collect();
    let unknown =
        sent.iter().filter(|r| !tokens.contains(r.client_token.as_str()) && !jobs.contains(r.job_id.as_str())).count();
    Ok((unknown > 0).then(|| {
        format!("report.json with {} rows sent, {unknown} of which its journal.jsonl does not know", sent.len())
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dry_run_takes_nothing_and_a_real_run_holds_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let batch = dir.path().join("batch");
        let dry = open(&batch, true, false, &mut Vec::new()).unwrap();
        assert!(dry.journal.is_none() && dry.lock.is_none() && !dry.had_journal && !batch.exists());
        let real = open(&batch, false, false, &mut Vec::new()).unwrap();
        assert!(real.journal.is_some() && batch.join("lock").exists());
        let err = open(&batch, false, false, &mut Vec::new()).err().unwrap().to_string();
        assert!(err.contains("another smcplan run is using this report directory"), "{err}");
        drop(real);
        // A journal with no entry is no journal.
        assert!(!open(&batch, false, false, &mut Vec::new()).unwrap().had_journal);
    }

    fn sent_row(line: u64, token: &str, job: &str) -> super::super::report::ReportRow {
        super::super::report::ReportRow {
            id: crate::batch::RowId { line, source_id: format!("s-{line}"), ..Default::default() },
            status: crate::batch::RowStatus::Created,
            job_id: job.into(),
            client_token: token.into(),
            attempts: 1,
            ..Default::default()
        }
    }

    #[test]
    fn an_empty_or_short_journal_beside_a_report_of_sent_rows_is_a_lost_one() {
        let dir = tempfile::tempdir().unwrap();
        let rows = vec![sent_row(2, "t2", "j-2"), sent_row(3, "t3", "j-3")];
        super::super::report::write(dir.path(), &super::super::report::Report::new(rows, Vec::new())).unwrap();
        std::fs::write(dir.path().join(journal::FILE), "").unwrap();
        let err = open(dir.path(), false, false, &mut Vec::new()).err().unwrap().to_string();
        assert!(err.contains("2 rows sent or settled) but an empty journal.jsonl") && err.contains("--adopt"), "{err}");
        // A journal that knows one of the two rows.
        let outcome = crate::batch::journal::Outcome::settled(2, "t2", Some("j-2"));
        let (mut j, _) = Journal::open(dir.path()).unwrap();
        j.append(&Entry::Outcome(outcome)).unwrap();
        drop(j);
        let err = open(dir.path(), false, false, &mut Vec::new()).err().unwrap().to_string();
        assert!(err.contains("report.json with 2 rows sent, 1 of which its journal.jsonl does not know"), "{err}");
        // --adopt rebuilds it; once it knows every row, it is whole and --adopt is refused.
        assert!(open(dir.path(), true, true, &mut Vec::new()).is_ok());
        let mut whole = Vec::new();
        for (line, token, job) in [(2, "t2", "j-2"), (3, "t3", "j-3")] {
            whole.push(serde_json::json!({"event": "outcome", "line": line, "token": token, "status": "created", "job_id": job, "attempts": 1, "at": "2026-12-01T00:00:00Z"}).to_string());
        }
        std::fs::write(dir.path().join(journal::FILE), whole.join("\n") + "\n").unwrap();
        assert!(open(dir.path(), true, false, &mut Vec::new()).unwrap().had_journal);
        let err = open(dir.path(), true, true, &mut Vec::new()).err().unwrap().to_string();
        assert!(err.contains("--adopt rebuilds a lost one only"), "{err}");
    }
}
