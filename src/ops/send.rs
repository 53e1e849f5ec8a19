//! The calls of a submit, phase by phase, each through the engine (limiter, retries,
//! breaker, journal, signals): the updates (ModifyReplicationJobAttribute, then each job
//! read back), the deletes of the jobs to replace (then waited for until gone), the creates
//! (new rows, recreates, the replacing creates), and the deletes of a prune.

use super::apply::{Applying, Replacing};
use super::scope::RunScope;
use crate::account::job::flat_params;
use crate::api::client::Client;
use crate::batch::{Settled, journal::Journal, report::ReportRow, rows::Line};
use crate::engine::act::JobAction;
use crate::engine::modify::Modify;
use crate::engine::{self, Call, Counters, Work, progress};
use crate::jobs::states::read_jobs;
use crate::jobstate::{Action, JobStatus};
use crate::plan::request::Purpose;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a replace waits for the job it deleted to be gone before it creates again.
const GONE_WITHIN: Duration = Duration::from_secs(600);

/// What the calls of a run are sent with.
pub struct Sender<'a> {
    pub client: &'a Client,
    pub dir: &'a Path,
    pub send: &'a engine::Options,
    pub scope: &'a RunScope,
    pub run: &'a str,
    pub file: &'a str,
    pub quiet: bool,
    /// The creates' counters (the summary's).
    pub counters: &'a Counters,
}

impl Sender<'_> {
    /// Sends `work` through the engine; what each came to, by its key in the engine
    /// (a create's line, a job call's index).
    /// Only the creates have a canary: the other phases are as small as the plan's changes.
    fn send<C: Call>(&self, work: Vec<C>, counters: &Counters, adopt: bool) -> anyhow::Result<BTreeMap<u64, Settled>> {
        if work.is_empty() || self.scope.stop.requested() {
            return Ok(work.iter().map(|w| (w.line(), Settled::NotSent)).collect());
        }
        let creates = std::ptr::eq(counters, self.counters);
        let options = engine::Options { canary: if creates { self.send.canary } else { 0 }, ..self.send.clone() };
        let with = engine::With {
            client: self.client,
            options: &options,
            stop: &self.scope.stop,
            counters,
            run: self.run,
            file: self.file,
        };
        let (journal, _) = Journal::open(self.dir)?;
        let display = progress::for_stderr(work.len() as u64, self.quiet);
        Ok(self.scope.runtime.block_on(engine::send_batch(&with, work, journal, &*display, adopt))?)
    }

    /// The creates (new rows, recreates, the creates of a replace), by line.
    fn creates(&self, work: Vec<Work>, adopt: bool) -> anyhow::Result<BTreeMap<u64, Settled>> {
        self.send(work, self.counters, adopt)
    }

    /// The updates, then each job read back: by index, what each came to, and whether the
    /// job shows its change (`None` for one not made or not read).
    fn updates(&self, work: Vec<Modify>) -> anyhow::Result<Vec<(Modify, Settled, Option<bool>)>> {
        let counters = Counters::default();
        let _ = counters.word.set("updated");
        let settled = self.send(work.clone(), &counters, false)?;
        let done: Vec<String> =
            work.iter().filter(|m| succeeded(settled.get(&m.index))).map(|m| m.job_id.clone()).collect();
        let read = match done.is_empty() || self.scope.stop.requested() {
            true => BTreeMap::new(),
            false => self.scope.runtime.block_on(read_jobs(self.client, &done))?,
        };
        Ok(work
            .into_iter()
            .map(|m| {
                let shown = read.get(&m.job_id).map(|j| j.as_ref().is_some_and(|j| m.shown_by(&flat_params(j))));
                let s = settled.get(&m.index).cloned().unwrap_or(Settled::NotSent);
                (m, s, shown)
            })
            .collect())
    }

    /// Deletes the jobs `work` (a replace's or a prune's), by index.
    fn deletes(&self, work: Vec<JobAction>) -> anyhow::Result<BTreeMap<u64, Settled>> {
        let counters = Counters::default();
        let _ = counters.word.set(Action::Delete.done_word());
        self.send(work, &counters, false)
    }

    /// Waits until the jobs `ids` are gone; the ones still there at the deadline (or when a
    /// signal stops the run).
    fn wait_gone(&self, ids: &[String]) -> anyhow::Result<Vec<String>> {
        let deadline = Instant::now() + GONE_WITHIN;
        let mut left: Vec<String> = ids.to_vec();
        let mut noter = crate::batch::observe::Noter::open(self.dir)?;
        while !left.is_empty() && Instant::now() < deadline && !self.scope.stop.requested() {
            let read = self.scope.runtime.block_on(read_jobs(self.client, &left))?;
            noter.note(&read)?;
            left.retain(|id| read.get(id).is_some_and(Option::is_some));
            if !left.is_empty() {
                self.scope.runtime.block_on(async {
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(500)) => {}
                        () = self.scope.stop.wait_requested() => {}
                    }
                });
            }
        }
        Ok(left)
    }
}

/// What the calls of a submit came to.
#[derive(Debug, Default)]
pub struct Applied {
    /// The creates (new rows, recreates, the creates of replaces), by line.
    pub creates: BTreeMap<u64, Settled>,
    /// Each update, what it came to, and whether the job read back shows it.
    pub updates: Vec<(Modify, Settled, Option<bool>)>,
    /// Updates refused since the job had started meanwhile (by line index): to replace.
    pub refused: Vec<usize>,
    /// The replaces whose old job is gone and whose create was sent (by line index), and
    /// those whose delete did not go through, with why.
    pub replaced: Vec<usize>,
    pub not_replaced: Vec<(usize, String)>,
    /// Each prune's delete, and what it came to.
    pub pruned: Vec<(String, Settled)>,
}

/// What is left unapplied: rows to replace, jobs to prune.
#[derive(Clone, Copy, Debug, Default)]
pub struct Left {
    pub replace: usize,
    pub prune: usize,
}

/// The changes a run made, counted.
#[derive(Clone, Copy, Debug, Default)]
pub struct Done {
    pub updated: usize,
    pub recreated: usize,
    pub replaced: usize,
    pub pruned: usize,
    /// Updates, replaces and prunes that did not go through.
    pub failed: usize,
}

impl Done {
    /// What the summary line adds: the changes made, and those left.
    pub fn said(&self, left: &Left, dry_run: bool) -> String {
        let mut each = Vec::new();
        for (n, word) in [
            (self.updated, "updated"),
            (self.recreated, "recreated"),
            (self.replaced, "replaced"),
            (self.pruned, "pruned"),
            (self.failed, crate::text::plural(self.failed as u64, "change failed", "changes failed")),
        ] {
            if n > 0 {
                each.push(format!("{n} {word}"));
            }
        }
        if left.replace > 0 {
            each.push(format!("{} to replace (--replace applies)", left.replace));
        }
        if left.prune > 0 {
            each.push(format!("{} not in this inventory (--prune deletes)", left.prune));
        }
        match (each.is_empty(), dry_run) {
            (true, _) => String::new(),
            (false, false) => format!("; {}", each.join(", ")),
            (false, true) => format!("; would be: {}", each.join(", ")),
        }
    }

    /// The counts a run record and `--format json` keep.
    pub fn counts(&self, left: &Left) -> BTreeMap<String, u64> {
        [
            ("updated", self.updated),
            ("recreated", self.recreated),
            ("replaced", self.replaced),
            ("pruned", self.pruned),
            ("changes_failed", self.failed),
            ("to_replace", left.replace),
            ("to_prune", left.prune),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v as u64))
        .collect()
    }
}

impl Sender<'_> {
    /// Every call of `applying`, phase by phase: the updates, the deletes of the replaces
    /// (waited for until gone), the creates with the replaces' creates, the prunes. Each
    /// replacing row's token becomes its new job's once its old job is gone.
    pub fn apply(&self, applying: &Applying, lines: &mut [Line], adopt: bool) -> anyhow::Result<Applied> {
        let updates = self.updates(applying.updates.clone())?;
        let mut applied = Applied { refused: refused(&updates), updates, ..Applied::default() };
        let deleting: Vec<JobAction> = applying.replaces.iter().filter(|r| !r.gone).map(|r| r.delete.clone()).collect();
        let deleted = self.deletes(deleting)?;
        let mut ready: Vec<&Replacing> = Vec::new();
        for r in &applying.replaces {
            match deleted.get(&r.delete.index) {
                _ if r.gone => ready.push(r),
                s if succeeded(s) => ready.push(r),
                Some(Settled::Done(o)) => {
                    let code = o.error_code.clone().unwrap_or_default();
                    applied.not_replaced.push((r.at, format!("the delete failed: {code}")));
                }
                Some(Settled::Unknown { error, .. }) => applied.not_replaced.push((r.at, error.clone())),
                Some(Settled::NotSent) | None => {}
            }
        }
        let ids: Vec<String> = ready.iter().map(|r| r.delete.job_id.clone()).collect();
        let still = self.wait_gone(&ids)?;
        let mut creates = applying.creates.clone();
        for r in ready {
            if still.contains(&r.delete.job_id) {
                let why =
                    format!("job {} was still there {} s after its delete", r.delete.job_id, GONE_WITHIN.as_secs());
                applied.not_replaced.push((r.at, why));
                continue;
            }
            lines[r.at].token = Some(r.create.token.clone());
            applied.replaced.push(r.at);
            creates.push(r.create.clone());
        }
        applied.creates = self.creates(creates, adopt)?;
        let pruned = self.deletes(applying.prunes.clone())?;
        applied.pruned = applying
            .prunes
            .iter()
            .map(|p| (p.job_id.clone(), pruned.get(&p.index).cloned().unwrap_or(Settled::NotSent)))
            .collect();
        Ok(applied)
    }
}

impl Applied {
    /// The changes made, counted.
    pub fn done(&self, applying: &Applying) -> Done {
        let made = |line: u64| succeeded(self.creates.get(&line));
        let updated = self.updates.iter().filter(|(_, s, shown)| succeeded(Some(s)) && *shown != Some(false)).count();
        let update_failed = self.updates.len() - updated - self.refused.len();
        // A replace resumed after its delete is a create standing in for the deleted job.
        let made_for = |why: Purpose| {
            applying
                .creates
                .iter()
                .filter(|w| w.replaces.as_ref().is_some_and(|r| r.why == why) && made(w.line))
                .count()
        };
        let recreated = made_for(Purpose::Recreate);
        let replaced =
            self.replaced.iter().filter(|&&at| made(applying.replaces_at(at))).count() + made_for(Purpose::Replace);
        let pruned = self.pruned.iter().filter(|(_, s)| succeeded(Some(s))).count();
        let prune_failed =
            self.pruned.iter().filter(|(_, s)| matches!(s, Settled::Done(_) | Settled::Unknown { .. })).count()
                - pruned;
        Done { updated, recreated, replaced, pruned, failed: update_failed + self.not_replaced.len() + prune_failed }
    }

    /// Marks each row of the batch a change of this run reached: its last action (`update`,
    /// `recreate`, `replace`, `prune`), what it came to, and when.
    pub fn mark(&self, batch: &mut [ReportRow], lines: &[Line], applying: &Applying) {
        let at = crate::time::format_time(jiff::Timestamp::now());
        let mut marks: BTreeMap<String, (&str, String)> = BTreeMap::new();
        for (m, s, shown) in &self.updates {
            let source = lines[m.index as usize].id.source_id.clone();
            let result = match (s, shown) {
                (_, _) if self.refused.contains(&(m.index as usize)) => {
                    "refused: the job has started since the plan; replace it (--replace)".to_string()
                }
                (Settled::Done(o), Some(true) | None) if o.succeeded() => "done".to_string(),
                (Settled::Done(o), Some(false)) if o.succeeded() => "not shown by the job read back".to_string(),
                (other, _) => result_text(other),
            };
            marks.insert(source, ("update", result));
        }
        for w in &applying.creates {
            if let Some(r) = &w.replaces {
                marks.insert(w.request.source_id.clone(), (r.why.word(), result_text(self.created(w.line))));
            }
        }
        for &at in &self.replaced {
            marks.insert(lines[at].id.source_id.clone(), ("replace", result_text(self.created(lines[at].line))));
        }
        for (at, why) in &self.not_replaced {
            marks.insert(lines[*at].id.source_id.clone(), ("replace", format!("failed: {why}")));
        }
        let pruned: BTreeMap<&str, &Settled> = self.pruned.iter().map(|(j, s)| (j.as_str(), s)).collect();
        for r in batch.iter_mut() {
            if let Some(s) = pruned.get(r.job_id.as_str()) {
                if succeeded(Some(s)) {
                    r.job_status = Some(JobStatus::Deleted);
                }
                (r.last_action, r.last_action_result) = ("prune".to_string(), result_text(s));
                r.last_action_at = at.clone();
            } else if let Some((action, result)) = marks.get(&r.id.source_id) {
                (r.last_action, r.last_action_result) = (action.to_string(), result.clone());
                r.last_action_at = at.clone();
            }
        }
    }

    /// One line for each change that did not go through: which row, what, and why.
    pub fn failures(&self, lines: &[Line]) -> Vec<String> {
        let row = |at: usize| format!("line {} {}", lines[at].line, crate::text::OneLine(&lines[at].id.name));
        let mut out = Vec::new();
        for (m, s, shown) in &self.updates {
            let at = m.index as usize;
            match (s, shown) {
                _ if self.refused.contains(&at) => out.push(format!(
                    "{}: update refused, the job has started since the plan: replace it (--replace)",
                    row(at)
                )),
                (Settled::Done(o), Some(false)) if o.succeeded() => {
                    out.push(format!("{}: update sent, but job {} read back does not show it", row(at), m.job_id))
                }
                (s, _) if !succeeded(Some(s)) => out.push(format!("{}: update {}", row(at), result_text(s))),
                _ => {}
            }
        }
        for (at, why) in &self.not_replaced {
            out.push(format!("{}: replace failed: {why}", row(*at)));
        }
        for (job, s) in &self.pruned {
            if matches!(s, Settled::Done(_) | Settled::Unknown { .. }) && !succeeded(Some(s)) {
                out.push(format!("job {job}: prune {}", result_text(s)));
            }
        }
        out
    }

    fn created(&self, line: u64) -> &Settled {
        self.creates.get(&line).unwrap_or(&Settled::NotSent)
    }
}

/// The updates the API refused since the job had started meanwhile (by line index): a
/// replace now, never a skip.
fn refused(updates: &[(Modify, Settled, Option<bool>)]) -> Vec<usize> {
    let refused =
        |s: &Settled| matches!(s, Settled::Done(o) if o.error_code.as_deref() == Some("ReplicationJob.InvalidStatus"));
    updates.iter().filter(|(_, s, _)| refused(s)).map(|(m, _, _)| m.index as usize).collect()
}

/// What a call came to, as the report's `last_action_result` says it.
fn result_text(s: &Settled) -> String {
    match s {
        Settled::Done(o) if o.succeeded() => "done".to_string(),
        Settled::Done(o) => format!(
            "failed: {}: {}",
            o.error_code.as_deref().unwrap_or_default(),
            o.error_message.as_deref().unwrap_or_default()
        ),
        Settled::Unknown { error, .. } => format!("pending: {error}"),
        Settled::NotSent => "not sent".to_string(),
    }
}

/// Whether a call settled done.
pub fn succeeded(s: Option<&Settled>) -> bool {
    matches!(s, Some(Settled::Done(o)) if o.succeeded())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::journal::Outcome;
    use crate::inventory::{RecordBuf, Row, Schema};

    #[test]
    fn an_update_refused_since_the_job_started_is_a_replace_left_never_a_skip() {
        let schema = Schema::parse(["RegionId", "SourceId", "Name"].map(String::from).to_vec()).unwrap();
        let rec: RecordBuf = ["cn-hangzhou", "s-1", "web"].into_iter().collect();
        let lines = vec![Line::of(&Row::new(2, &schema, rec.view()), None)];
        let mut refused_outcome = Outcome::settled(2, "j-1", None);
        refused_outcome.status = crate::batch::RowStatus::Failed;
        refused_outcome.error_code = Some("ReplicationJob.InvalidStatus".into());
        let m = Modify::new(0, 2, "j-1", BTreeMap::from([("VSwitchId".to_string(), "vsw-b".to_string())]));
        let updates = vec![(m, Settled::Done(refused_outcome), None)];
        let applied = Applied { refused: refused(&updates), updates, ..Applied::default() };
        assert_eq!(applied.refused, [0]);
        let done = applied.done(&Applying::default());
        assert_eq!((done.updated, done.failed), (0, 0), "not a failure, not done: left");
        let left = Left { replace: applied.refused.len(), prune: 0 };
        assert_eq!(done.said(&left, false), "; 1 to replace (--replace applies)");
        assert_eq!(
            applied.failures(&lines),
            ["line 2 web: update refused, the job has started since the plan: replace it (--replace)"]
        );
    }
}
