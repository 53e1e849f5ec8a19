//! Report: the batch in DIR as its journal tells it now (each row's history, results and
//! state), and what an older report.json lacks.

use crate::batch::journal::Journal;
use crate::batch::report::{self, Report};
use std::path::Path;

/// The batch's report, and notes on what it cannot show.
pub struct Told {
    pub report: Report,
    pub notes: Vec<String>,
}

/// The report of the batch in `dir`, its story retold from the journal.
pub fn tell(dir: &Path) -> anyhow::Result<Told> {
    let shown = dir.display();
    if !dir.is_dir() {
        anyhow::bail!("{shown} is not a report directory: `smcplan submit INVENTORY --report {shown}` makes one");
    }
    if !dir.join(crate::batch::journal::FILE).exists() {
        anyhow::bail!(
            "{shown} has no journal.jsonl, which the report is told from (`smcplan submit INVENTORY --report {shown} --adopt` rebuilds it)"
        );
    }
    let entries = Journal::read(dir)?;
    let mut notes = Vec::new();
    let mut updated_at = None;
    let rows = match report::read_if_any(dir)? {
        Some(earlier) => {
            updated_at = Some(earlier.batch.updated_at.clone()).filter(|t| !t.is_empty());
            let mut missing = Vec::new();
            if crate::batch::journal::runs_of(&entries).is_empty() {
                missing.push("the runs (the journal is from an older smcplan)".to_string());
            }
            if !entries.iter().any(|e| matches!(e, crate::batch::journal::Entry::Seen(_))) {
                missing.push(format!("the jobs' history and results (`smcplan status {shown}` records them)"));
            }
            if !missing.is_empty() {
                notes.push(format!("note: {shown}: the report cannot show {}", missing.join(" or ")));
            }
            // What the journal settled since the report was written wins.
            crate::batch::observe::rows_of(earlier.rows, &entries)
        }
        None if entries.is_empty() => return Err(crate::batch::observe::no_batch_yet(dir)),
        None => crate::batch::observe::rows_of(Vec::new(), &entries),
    };
    let mut report = crate::batch::story::told(rows, &entries);
    // The report was last brought up to date when it was last written.
    if let Some(at) = updated_at {
        report.batch.updated_at = at;
    }
    Ok(Told { report, notes })
}
