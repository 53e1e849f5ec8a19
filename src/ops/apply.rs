//! What a submit sends to make the batch what the inventory says, from each row's step
//! (see `ops::reconcile`): the creates (new rows, and recreates under a new ClientToken),
//! the updates, the replaces (a delete, then a create) and the prunes; and what is left
//! unapplied without `--replace` or `--prune`.

use super::reconcile::Reconciled;
use crate::batch::jobs::{BatchJob, jobs_of};
use crate::batch::journal::{Entry, History};
use crate::batch::resume::{self, Decision};
use crate::batch::rows::Line;
use crate::engine::act::JobAction;
use crate::engine::modify::Modify;
use crate::jobs::reconcile::{Action, modify_params};
use crate::jobstate::{Action as JobVerb, JobStatus};
use crate::plan::request::{Purpose, Replaces, Work};
use std::collections::BTreeMap;

/// What to apply.
#[derive(Clone, Copy, Debug, Default)]
pub struct Wanted<'a> {
    /// Replace the jobs a change cannot be made to in place (`--replace`).
    pub replace: bool,
    /// Delete the batch's jobs this inventory does not hold (`--prune`).
    pub prune: bool,
    /// Send again rows whose last failure is final.
    pub retry_failed: bool,
    /// The inventory file, as the journal names it.
    pub file: &'a str,
    /// The inventory is part of the batch (a fixed `failed.csv`): only the jobs of rows its
    /// own file held are its to prune.
    pub partial: bool,
}

/// A replace: the old job deleted, waited for until gone, then the row created again.
#[derive(Clone, Debug)]
pub struct Replacing {
    /// The row's place among the run's lines.
    pub at: usize,
    pub delete: JobAction,
    pub create: Work,
    /// The old job is gone already (a replace resumed after its delete).
    pub gone: bool,
}

/// The calls of a submit, and what it leaves.
#[derive(Debug, Default)]
pub struct Applying {
    pub creates: Vec<Work>,
    pub updates: Vec<Modify>,
    pub replaces: Vec<Replacing>,
    pub prunes: Vec<JobAction>,
    /// Each line's step (`None` for a row a fresh batch creates or resumes as before).
    pub steps: Vec<Option<Action>>,
    /// Rows to replace, left for `--replace` (by line index).
    pub replace_left: Vec<usize>,
    /// Those of them whose job is Running: no flag replaces one until it stops.
    pub running_left: Vec<usize>,
    /// Jobs this inventory does not hold, left for `--prune` (see [`Wanted::partial`]).
    pub prune_left: Vec<String>,
}

impl Applying {
    /// The calls to send for `lines`, planned as `plan` says (`None`: the batch has no job
    /// yet, every valid row is created or resumed); each line's token and earlier outcome set.
    pub fn of(lines: &mut [Line], plan: Option<&Reconciled>, entries: &[Entry], wanted: Wanted) -> Applying {
        let history = History::of(entries);
        let mut out = Applying { steps: vec![None; lines.len()], ..Applying::default() };
        let Some(plan) = plan else {
            for l in lines.iter_mut() {
                out.resume(l, &history, wanted.retry_failed, None);
            }
            return out;
        };
        let jobs = jobs_of(entries);
        let job_of = |l: &Line| jobs.get(&l.id.source_id);
        for (i, (l, step)) in lines.iter_mut().zip(&plan.steps).enumerate() {
            out.steps[i] = Some(step.action);
            let (Some(work), job) = (l.work.clone(), job_of(l)) else { continue };
            let Some(job) = job else {
                out.resume(l, &history, wanted.retry_failed, None);
                continue;
            };
            let replacing = || Replaces { job_id: job.job_id.clone(), why: why_made_again(job) };
            match step.action {
                Action::Create | Action::Blocked => out.resume(l, &history, wanted.retry_failed, None),
                Action::None => stands(l, job, &history),
                Action::Update => {
                    stands(l, job, &history);
                    let mut want = work.params.clone();
                    want.remove("ClientToken");
                    let changed = modify_params(&step.changes, &want);
                    out.updates.push(Modify::new(i as u64, l.line, &job.job_id, changed));
                }
                Action::Recreate => out.resume(l, &history, wanted.retry_failed, Some(replacing())),
                // A replace begun (its delete sent) is finished without being asked again.
                Action::Replace
                    if (wanted.replace || job.deleted_for == Some(Purpose::Replace))
                        && step.status != Some(JobStatus::Running) =>
                {
                    let create = work.recreating(Replaces { why: Purpose::Replace, ..replacing() });
                    l.token = Some(create.token.clone());
                    let delete =
                        JobAction::new(i as u64, l.line, JobVerb::Delete, &job.job_id).for_purpose(Purpose::Replace);
                    out.replaces.push(Replacing { at: i, delete, create, gone: false });
                }
                Action::Replace => {
                    stands(l, job, &history);
                    out.replace_left.push(i);
                    if step.status == Some(JobStatus::Running) {
                        out.running_left.push(i);
                    }
                }
            }
        }
        for (i, o) in plan.not_in_inventory.iter().enumerate() {
            let job = jobs.values().find(|j| j.job_id == o.job_id);
            let begun = job.is_some_and(|j| j.deleted_for == Some(Purpose::Prune));
            let ours = !wanted.partial || job.is_some_and(|j| same_file(&j.file, wanted.file));
            if begun || (ours && wanted.prune) {
                let line = job.map_or(0, |j| j.line);
                out.prunes.push(JobAction::new(i as u64, line, JobVerb::Delete, &o.job_id).for_purpose(Purpose::Prune));
            } else if ours {
                out.prune_left.push(o.job_id.clone());
            }
        }
        out
    }

    /// The flags that would apply what is left: `--replace` for rows left to replace whose
    /// job is not Running, `--prune` for jobs left to prune.
    pub fn flags_left(&self) -> Vec<&'static str> {
        let replace = self.replace_left.len() > self.running_left.len();
        [(replace, "--replace"), (!self.prune_left.is_empty(), "--prune")]
            .into_iter()
            .filter_map(|(left, flag)| left.then_some(flag))
            .collect()
    }

    /// A row created (or resumed) as before the batch had jobs; `replacing`: in place of a
    /// job that is gone, under a new ClientToken.
    fn resume(&mut self, l: &mut Line, history: &History, retry_failed: bool, replacing: Option<Replaces>) {
        let Some(work) = &l.work else { return };
        let work = match replacing {
            Some(r) => work.recreating(r),
            None => work.clone(),
        };
        match resume::decide(&work, history, retry_failed) {
            Decision::Send(work) => {
                l.token = Some(work.token.clone());
                self.creates.push(*work);
            }
            Decision::Settled(outcome) => l.earlier = Some(outcome),
        }
    }

    /// How many calls of each kind (for the question before sending, and the dry run).
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let recreates = self.creates.iter().filter(|w| w.replaces.is_some()).count();
        BTreeMap::from([
            ("create", self.creates.len() - recreates),
            ("recreate", recreates),
            ("update", self.updates.len()),
            ("replace", self.replaces.len()),
            ("prune", self.prunes.len()),
        ])
    }

    /// The line of the row at `at` a replace creates again.
    pub fn replaces_at(&self, at: usize) -> u64 {
        self.replaces.iter().find(|r| r.at == at).map_or(0, |r| r.create.line)
    }

    /// Whether anything deletes a job.
    pub fn deletes(&self) -> usize {
        self.replaces.len() + self.prunes.len()
    }
}

/// Whether two paths name one file (as given on two command lines: `inv.csv`, `./inv.csv`).
fn same_file(a: &str, b: &str) -> bool {
    let canonical = |p: &str| std::fs::canonicalize(p).ok();
    a == b || canonical(a).is_some_and(|x| canonical(b) == Some(x))
}

/// The row stands for the batch's job: its token and outcome are the job's.
fn stands(l: &mut Line, job: &BatchJob, history: &History) {
    l.token = Some(job.token.clone());
    l.earlier = history.outcomes.get(&job.token).cloned();
}

/// Why a job is made again: to finish a replace, or since it is gone.
fn why_made_again(job: &BatchJob) -> Purpose {
    match job.deleted_for {
        Some(Purpose::Replace) => Purpose::Replace,
        _ => Purpose::Recreate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::journal::Outcome;
    use crate::inventory::{RecordBuf, Row, Schema};
    use crate::ops::reconcile::reconcile;

    fn line(vswitch: &str) -> Line {
        let schema = Schema::parse(["RegionId", "SourceId", "Name", "VSwitchId"].map(String::from).to_vec()).unwrap();
        let rec: RecordBuf = ["cn-hangzhou", "s-1", "web", vswitch].into_iter().collect();
        Line::of(&Row::new(2, &schema, rec.view()), None)
    }

    fn created(l: &Line, job: &str) -> Vec<Entry> {
        let w = l.work.as_ref().unwrap();
        vec![
            Entry::Intent {
                line: 2,
                token: w.token.clone(),
                params: w.params.clone(),
                at: jiff::Timestamp::UNIX_EPOCH,
                lookup: false,
                run: None,
                file: Some("inv.csv".into()),
                replaces: None,
            },
            Entry::Outcome(Outcome::settled(2, &w.token, Some(job))),
        ]
    }

    #[test]
    fn each_step_becomes_its_calls() {
        let entries = created(&line("vsw-a"), "j-1");
        let live = |status: &str, run: bool| {
            let start = if run { "2026-01-01T00:00:00Z" } else { "" };
            let j = serde_json::json!({"JobId": "j-1", "Status": status, "SourceId": "s-1", "StartTime": start});
            BTreeMap::from([("j-1".to_string(), Some(serde_json::from_value(j).unwrap()))])
        };
        let wanted = Wanted { file: "inv.csv", ..Wanted::default() };
        // Changed before the job ran: one update, the row standing for the job.
        let mut lines = vec![line("vsw-b")];
        let plan = reconcile(&lines, &entries, Some(&live("Ready", false)), &[]);
        let a = Applying::of(&mut lines, Some(&plan), &entries, wanted);
        assert_eq!((a.updates.len(), a.creates.len()), (1, 0));
        assert_eq!(a.updates[0].params.get("VSwitchId").map(String::as_str), Some("vsw-b"));
        assert_eq!(lines[0].earlier.as_ref().and_then(|o| o.job_id.as_deref()), Some("j-1"));
        // After it ran: a replace, left without --replace, applied with it.
        let mut lines = vec![line("vsw-b")];
        let plan = reconcile(&lines, &entries, Some(&live("Finished", true)), &[]);
        let a = Applying::of(&mut lines, Some(&plan), &entries, wanted);
        assert_eq!((a.replace_left.len(), a.replaces.len()), (1, 0));
        let a = Applying::of(&mut lines, Some(&plan), &entries, Wanted { replace: true, ..wanted });
        assert_eq!(a.replaces.len(), 1);
        assert_eq!(a.replaces[0].create.replaces.as_ref().map(|r| r.why), Some(Purpose::Replace));
        // Gone: created again, under a new token.
        let mut lines = vec![line("vsw-a")];
        let gone = BTreeMap::from([("j-1".to_string(), None)]);
        let plan = reconcile(&lines, &entries, Some(&gone), &[]);
        let a = Applying::of(&mut lines, Some(&plan), &entries, wanted);
        assert_eq!(a.creates.len(), 1);
        assert_ne!(a.creates[0].token, lines[0].work.as_ref().unwrap().token);
        assert_eq!(a.counts()["recreate"], 1);
        // Dropped from the file: a prune candidate, deleted with --prune.
        let mut none: Vec<Line> = Vec::new();
        let plan = reconcile(&none, &entries, Some(&live("Ready", false)), &[]);
        let a = Applying::of(&mut none, Some(&plan), &entries, wanted);
        assert_eq!((a.prune_left.len(), a.prunes.len()), (1, 0));
        let a = Applying::of(&mut none, Some(&plan), &entries, Wanted { prune: true, ..wanted });
        assert_eq!(a.prunes.len(), 1);
        // A fixed failed.csv is part of the batch: another file's jobs are information only.
        let part = Wanted { file: "failed.csv", partial: true, prune: true, ..wanted };
        let a = Applying::of(&mut none, Some(&plan), &entries, part);
        assert!(a.prune_left.is_empty() && a.prunes.is_empty());
    }
}
