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
    let had_journal = dir.join(journal::FILE).exists();
    guard_the_journal(dir, had_journal, adopt)?;
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
    if let Some(evidence) = super::report::sent_evidence(dir)? {
        anyhow::bail!(
            "{shown} holds {evidence} but no journal.jsonl: the journal, the record of every job this batch created, is lost, and sending now could create jobs a second time; rebuild it with `smcplan submit INVENTORY --report {shown} --adopt`, which looks each row's job up by Name and SourceId before anything is sent and writes a new journal from what exists"
        );
    }
    Ok(())
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
        assert!(open(&batch, false, false, &mut Vec::new()).unwrap().had_journal);
    }
}
