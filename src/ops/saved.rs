//! A saved plan (`plan --out`), and the check `submit --plan` makes before applying it:
//! the batch, its journal's position, the inventory, and every job the plan read must be
//! as they were when it was made, or nothing is applied.

use super::apply::{Applying, Wanted};
use super::reconcile::{Reconciled, SeenJob};
use crate::batch::journal::Entry;
use crate::batch::rows::Line;
use crate::files::{fault, write_atomic};
use crate::text::Count;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// What `plan --out` writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    /// The format's version.
    pub smcplan_plan: u32,
    /// The report directory, as given to plan.
    pub report: String,
    /// The batch: its first run's id (empty for a batch with no run yet).
    pub batch: String,
    /// The inventory, as given to plan, and its SHA-256.
    pub inventory: String,
    pub sha256: String,
    /// How many entries that change the batch its journal held.
    pub journal_position: usize,
    #[serde(flatten)]
    pub plan: Reconciled,
    /// Each job the plan read, as it was (none for a plan made offline).
    pub seen: BTreeMap<String, Option<SeenJob>>,
    /// SHA-256 of the rest of the file: a plan edited by hand is refused.
    pub digest: String,
    /// The file it was read from.
    #[serde(skip)]
    pub from: String,
}

/// The drift a saved plan is refused for.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Stale {
    #[error(
        "the plan file was edited after plan wrote it (its digest does not match); make it again with `smcplan plan --out`"
    )]
    Edited,
    #[error("the plan is of another batch ({planned}), not of {dir}")]
    OtherBatch { planned: String, dir: String },
    #[error("the inventory changed since the plan (SHA-256 {was} then, {now} now)")]
    Inventory { was: String, now: String },
    #[error("the batch moved on since the plan: its journal had {was} changes then, {now} now")]
    Journal { was: usize, now: usize },
    #[error("job {job} changed since the plan: {what}")]
    Job { job: String, what: String },
    #[error("line {line}: the plan said {was}, the batch now says {now}")]
    Step { line: u64, was: String, now: String },
    #[error("the plan holds {was} rows, the inventory now {now}")]
    Rows { was: usize, now: usize },
    #[error("the batch's jobs not in this inventory were {was}, now {now}")]
    Outside { was: String, now: String },
}

impl SavedPlan {
    /// The plan of the inventory `inventory` (its SHA-256 `sha256`) against the batch in
    /// `dir`, whose journal holds `entries`.
    pub fn new(plan: Reconciled, inventory: &Path, sha256: &str, dir: &Path, entries: &[Entry]) -> SavedPlan {
        let mut saved = SavedPlan {
            smcplan_plan: 1,
            report: dir.display().to_string(),
            batch: batch_of(entries),
            inventory: inventory.display().to_string(),
            sha256: sha256.to_string(),
            journal_position: position(entries),
            seen: plan.seen.clone(),
            plan,
            digest: String::new(),
            from: String::new(),
        };
        saved.digest = saved.digest_now();
        saved
    }

    fn digest_now(&self) -> String {
        let mut bare = self.clone();
        bare.digest.clear();
        let text = serde_json::to_string(&bare).expect("a plan serialises");
        Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads a saved plan; one line says why one cannot be used.
    pub fn read(path: &Path) -> anyhow::Result<SavedPlan> {
        let text = std::fs::read_to_string(path).map_err(|e| fault("reading", path, e))?;
        let mut saved: SavedPlan = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: not a plan written by `smcplan plan --out` ({e})", path.display()))?;
        if saved.smcplan_plan != 1 {
            anyhow::bail!(
                "{}: a plan of format {}, which this smcplan does not read; make it again",
                path.display(),
                saved.smcplan_plan
            );
        }
        if saved.digest != saved.digest_now() {
            anyhow::bail!("{}: {}", path.display(), Stale::Edited);
        }
        saved.from = path.display().to_string();
        Ok(saved)
    }

    /// Writes it to `path`, atomically.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let mut text = serde_json::to_vec_pretty(self).expect("a plan serialises");
        text.push(b'\n');
        write_atomic(path, &text).map_err(|e| fault("writing", path, e))?;
        Ok(())
    }

    /// Whether the plan still holds: the batch in `dir` (its journal `entries`), the
    /// inventory (`sha256`), each job the plan read and each row's step (`now`, planned
    /// again) as they were. The first drift found, if any.
    pub fn holds(&self, now: Option<&Reconciled>, sha256: &str, dir: &Path, entries: &[Entry]) -> Result<(), Stale> {
        let batch = batch_of(entries);
        if batch != self.batch {
            let planned = if self.batch.is_empty() { "a batch with no run yet".into() } else { self.batch.clone() };
            return Err(Stale::OtherBatch {
                planned: format!("{} of {planned}", self.report),
                dir: dir.display().to_string(),
            });
        }
        if sha256 != self.sha256 {
            return Err(Stale::Inventory { was: short(&self.sha256), now: short(sha256) });
        }
        if position(entries) != self.journal_position {
            return Err(Stale::Journal { was: self.journal_position, now: position(entries) });
        }
        let empty = Reconciled::default();
        let now = now.unwrap_or(&empty);
        for (job, was) in &self.seen {
            let is = now.seen.get(job).cloned().flatten();
            if let Some(what) = drift(was.as_ref(), is.as_ref()) {
                return Err(Stale::Job { job: job.clone(), what });
            }
        }
        if self.plan.steps.len() != now.steps.len() {
            return Err(Stale::Rows { was: self.plan.steps.len(), now: now.steps.len() });
        }
        for (was, is) in self.plan.steps.iter().zip(&now.steps) {
            if was != is {
                return Err(Stale::Step { line: is.id.line, was: said(was), now: said(is) });
            }
        }
        if self.plan.not_in_inventory != now.not_in_inventory {
            let ids = |o: &[super::reconcile::Outside]| {
                let ids: Vec<&str> = o.iter().map(|o| o.job_id.as_str()).collect();
                if ids.is_empty() { "none".to_string() } else { ids.join(", ") }
            };
            return Err(Stale::Outside { was: ids(&self.plan.not_in_inventory), now: ids(&now.not_in_inventory) });
        }
        Ok(())
    }
}

/// What `submit --plan` of `plan` would apply without `--replace` and `--prune`: the
/// reckoning submit makes, on a copy of the lines (`partial`: the inventory is a fixed
/// `failed.csv`, see [`Wanted::partial`]).
pub fn unflagged(plan: &Reconciled, lines: &[Line], entries: &[Entry], file: &str, partial: bool) -> Applying {
    let wanted = Wanted { replace: false, prune: false, retry_failed: false, file, partial };
    Applying::of(&mut lines.to_vec(), Some(plan), entries, wanted)
}

/// Whether `applying` sends the whole saved plan: every replace and prune it holds has its
/// flag, and no job it replaces is Running (one is replaced only once stopped). Checked before
/// anything is sent; the error says what to add or do.
pub fn whole(applying: &Applying, lines: &[Line], dir: &Path) -> Result<(), String> {
    let flags = applying.flags_left();
    if !flags.is_empty() {
        let replaces = applying.replace_left.len() - applying.running_left.len();
        let holds: Vec<String> = [(replaces, "replaces"), (applying.prune_left.len(), "prunes")]
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, verb)| format!("{verb} {}", Count(n, "job")))
            .collect();
        return Err(format!("the plan {}; add {} to apply it whole", holds.join(" and "), flags.join(" ")));
    }
    running(applying, lines, dir).map_or(Ok(()), Err)
}

/// Why no flag applies the plan now, if a job it replaces is Running (whatever the flags).
pub fn running(applying: &Applying, lines: &[Line], dir: &Path) -> Option<String> {
    let l = applying.running_left.first().and_then(|&i| lines.get(i))?;
    Some(format!(
        "line {} replaces a job that is Running, which is replaced only once stopped: `smcplan stop {} --line {}`, then make the plan again",
        l.line,
        dir.display(),
        l.line
    ))
}

/// A step as a drift message says it: its action, and its changes.
fn said(s: &super::reconcile::Step) -> String {
    let changes: Vec<String> = s.changes.iter().map(|c| format!("{}: {} -> {}", c.parameter, c.from, c.to)).collect();
    match changes.is_empty() {
        true => s.action.word().to_string(),
        false => format!("{} ({})", s.action.word(), changes.join(", ")),
    }
}

/// What moved in a job between two reads, if anything did.
fn drift(was: Option<&SeenJob>, is: Option<&SeenJob>) -> Option<String> {
    match (was, is) {
        (None, None) => None,
        (Some(_), None) => Some("it is gone".into()),
        (None, Some(_)) => Some("it exists again".into()),
        (Some(was), Some(is)) if was.status != is.status => Some(format!("JobStatus {} -> {}", was.status, is.status)),
        (Some(was), Some(is)) => crate::jobs::reconcile::changes(&was.params, &is.params)
            .first()
            .map(|c| format!("{}: {} -> {}", c.parameter, c.from, c.to)),
    }
}

/// The batch's identity: its first run's id.
fn batch_of(entries: &[Entry]) -> String {
    entries.iter().find_map(|e| if let Entry::Run(r) = e { Some(r.run.clone()) } else { None }).unwrap_or_default()
}

/// How many entries that change the batch the journal holds (runs and their ends do not).
pub fn position(entries: &[Entry]) -> usize {
    entries.iter().filter(|e| !matches!(e, Entry::Run(_) | Entry::RunEnd(_))).count()
}

fn short(sha: &str) -> String {
    sha.chars().take(12).collect()
}
