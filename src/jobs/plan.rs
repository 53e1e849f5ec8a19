//! What a lifecycle command does to each chosen job, decided before anything is called,
//! from the jobs' states and the batch's journal: a pure function, tested without a network.

use super::act::{Action, Decision, decide};
use super::states::State;
use crate::batch::jobs::reached;
use crate::batch::journal::Entry;
use crate::batch::report::ReportRow;
use crate::jobstate::JobStatus;
use std::collections::{BTreeMap, BTreeSet};

/// What became of one job.
#[derive(Clone, Debug, PartialEq)]
pub enum JobResult {
    Done,
    /// The goal holds by this batch's own earlier call (a run killed before it recorded it).
    DoneEarlier,
    Already(String),
    NotCalled(String),
    Failed(String),
    Pending(String),
    Skipped,
    /// Not this batch's job (the endpoint's job is another server's, or the journal and the
    /// report disagree): never acted on.
    Refused(String),
    /// Stopped first (delete --stop-first), then this.
    Stopped(Box<JobResult>),
}

impl JobResult {
    pub fn text(&self, action: Action) -> String {
        match self {
            JobResult::Done => action.done_word().to_string(),
            JobResult::DoneEarlier => format!("{} by an earlier run of this batch", action.done_word()),
            JobResult::Already(why) => why.clone(),
            JobResult::NotCalled(why) => format!("not called: {why}"),
            JobResult::Failed(why) => format!("failed: {why}"),
            JobResult::Pending(why) => format!("no answer ({why}); the next run settles it"),
            JobResult::Skipped => "skipped: not called in this run".to_string(),
            JobResult::Refused(why) => format!("refused: {why}"),
            JobResult::Stopped(then) => format!("stopped first; then {}", then.text(action)),
        }
    }

    /// What the summary counts it as.
    pub fn label(&self, action: Action) -> String {
        match self {
            JobResult::Done => action.done_word().to_string(),
            JobResult::DoneEarlier => format!("{} earlier", action.done_word()),
            JobResult::Already(why) => why.clone(),
            JobResult::NotCalled(_) => "not called".to_string(),
            JobResult::Failed(_) => "failed".to_string(),
            JobResult::Pending(_) => "without an answer".to_string(),
            JobResult::Skipped => "skipped".to_string(),
            JobResult::Refused(_) => "refused".to_string(),
            JobResult::Stopped(then) => format!("stopped, then {}", then.label(action)),
        }
    }

    /// The kind the run's end counts.
    pub fn kind(&self) -> &'static str {
        match self {
            JobResult::Done | JobResult::DoneEarlier => "done",
            JobResult::Already(_) => "already",
            JobResult::NotCalled(_) => "not_called",
            JobResult::Failed(_) => "failed",
            JobResult::Pending(_) => "pending",
            JobResult::Skipped => "skipped",
            JobResult::Refused(_) => "refused",
            JobResult::Stopped(then) => then.kind(),
        }
    }

    pub fn is_problem(&self) -> bool {
        match self {
            JobResult::Stopped(then) => then.is_problem(),
            other => !matches!(other, JobResult::Done | JobResult::DoneEarlier | JobResult::Already(_)),
        }
    }
}

/// The decisions for the chosen rows: each row settled already (`results`), or to call
/// (`calls`, indexes into the rows), Running ones a delete stops first (`stop_first`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Planned {
    pub results: Vec<Option<JobResult>>,
    pub calls: Vec<usize>,
    pub stop_first: Vec<usize>,
}

/// Why nothing may be called at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error(
        "the journal is inconsistent: ClientToken {token} has outcomes with JobId {first} and {second}; nothing was called (rebuild the journal with submit --adopt from a copy of the directory)"
    )]
    Inconsistent { token: String, first: String, second: String },
    #[error(
        "none of the {count} jobs chosen from {dir} exists at {endpoint}: is this the account and endpoint the batch was submitted to? nothing was called"
    )]
    NoneThere { count: usize, dir: String, endpoint: String },
}

/// Decides, for each of `rows`, what `action` does to its job in `states` (by JobId), as
/// the batch's journal (`entries`) allows: a job is acted on only when the journal and the
/// report agree on its JobId and the endpoint's job is this row's server and name.
pub fn plan_actions(
    rows: &[&ReportRow],
    states: &BTreeMap<String, State>,
    entries: &[Entry],
    action: Action,
    stop_first: bool,
    (dir, endpoint): (&str, &str),
) -> Result<Planned, Refusal> {
    let state_of = |id: &str| states.get(id).cloned().flatten();
    let deleted = deleted_by_batch(entries);
    let journal_jobs = jobs_of_journal(entries)?;
    let made: std::collections::BTreeSet<&str> = journal_jobs.values().copied().collect();
    let acted = reached(entries, action.api_name());
    let ids: Vec<&str> = rows.iter().map(|r| r.job_id.as_str()).collect();
    if !ids.is_empty() && ids.iter().all(|id| state_of(id).is_none()) && !ids.iter().any(|id| deleted.contains(id)) {
        return Err(Refusal::NoneThere { count: ids.len(), dir: dir.to_string(), endpoint: endpoint.to_string() });
    }
    let mut plan = Planned { results: vec![None; rows.len()], ..Planned::default() };
    for (k, r) in rows.iter().enumerate() {
        // Never act on a job the batch did not create: the journal must say this JobId, and
        // the job at the endpoint must be this row's server and name.
        if let Some(j) = journal_jobs.get(r.client_token.as_str()).filter(|j| **j != r.job_id) {
            let why = format!("report.json says JobId {} for this row, the journal says {j}", r.job_id);
            plan.results[k] = Some(JobResult::Refused(why));
            continue;
        }
        if !made.contains(r.job_id.as_str()) {
            let why = format!(
                "report.json says JobId {} for this row, and no create of the batch's journal made it",
                r.job_id
            );
            plan.results[k] = Some(JobResult::Refused(why));
            continue;
        }
        let state = state_of(&r.job_id);
        if let Some(why) = state.as_ref().and_then(|s| s.not_of(&r.id.source_id, &r.id.name)) {
            plan.results[k] = Some(JobResult::Refused(format!("{}: {why}", r.job_id)));
            continue;
        }
        let status = state.as_ref().map(|s| &s.status);
        match decide(action, state.as_ref()) {
            // A goal this batch's own earlier call reached (a killed run's cutover): done.
            Decision::Already(_) if status.is_some() && acted.contains(r.job_id.as_str()) => {
                plan.results[k] = Some(JobResult::DoneEarlier);
            }
            Decision::Call => plan.calls.push(k),
            Decision::NotCallable(_)
                if action == Action::Delete && stop_first && status == Some(&JobStatus::Running) =>
            {
                plan.stop_first.push(k);
                plan.calls.push(k);
            }
            // A job gone that no delete of this batch removed: gone elsewhere, or another account.
            Decision::Already(_) if status.is_none() && !deleted.contains(r.job_id.as_str()) => {
                let why =
                    format!("NotFound: no job {} at {endpoint}, and no delete of this batch removed it", r.job_id);
                plan.results[k] = Some(JobResult::NotCalled(why));
            }
            Decision::Already(why) => plan.results[k] = Some(JobResult::Already(why)),
            Decision::NotCallable(why) => plan.results[k] = Some(JobResult::NotCalled(why)),
        }
    }
    Ok(plan)
}

/// The jobs a delete of this batch may have removed: its journal holds a delete of each that
/// was done, or one sent whose answer a kill lost (not one the API refused).
pub fn deleted_by_batch(entries: &[Entry]) -> BTreeSet<&str> {
    reached(entries, Action::Delete.api_name())
}

/// Each ClientToken's JobId as the journal's outcomes say it; refused when two outcomes of
/// one token name two jobs (an edited or mixed-up journal is acted on by no one).
pub fn jobs_of_journal(entries: &[Entry]) -> Result<BTreeMap<&str, &str>, Refusal> {
    let mut jobs: BTreeMap<&str, &str> = BTreeMap::new();
    for e in entries {
        if let Entry::Outcome(o) = e
            && let Some(job) = o.job_id.as_deref()
            && let Some(first) = jobs.insert(o.token.as_str(), job).filter(|first| *first != job)
        {
            return Err(Refusal::Inconsistent { token: o.token.clone(), first: first.into(), second: job.into() });
        }
    }
    Ok(jobs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::RowId;
    use crate::batch::journal::{Act, Outcome};
    use crate::jobs::states::JobState;

    fn row(line: u64, job: &str) -> ReportRow {
        ReportRow {
            id: RowId { line, source_id: format!("s-{line}"), name: format!("n-{line}"), ..RowId::default() },
            job_id: job.into(),
            client_token: format!("t-{line}"),
            ..ReportRow::default()
        }
    }

    fn state(line: u64, status: JobStatus) -> State {
        Some(JobState { status, source_id: format!("s-{line}"), name: format!("n-{line}"), ..JobState::default() })
    }

    fn outcome(line: u64, job: &str) -> Entry {
        Entry::Outcome(Outcome::settled(line, &format!("t-{line}"), Some(job)))
    }

    #[test]
    fn each_job_is_called_refused_or_settled_from_its_state_and_the_journal() {
        let rows = [row(2, "j-2"), row(3, "j-3"), row(4, "j-4"), row(5, "j-5")];
        let refs: Vec<&ReportRow> = rows.iter().collect();
        let mut states: BTreeMap<String, State> = BTreeMap::from([
            ("j-2".into(), state(2, JobStatus::Ready)),
            ("j-3".into(), state(3, JobStatus::Running)),
            // Another server's job under this row's JobId.
            ("j-4".into(), state(9, JobStatus::Ready)),
            ("j-5".into(), None),
        ]);
        let entries = [outcome(2, "j-2"), outcome(3, "j-3"), outcome(4, "j-4"), outcome(5, "j-5")];
        let plan = plan_actions(&refs, &states, &entries, Action::Start, false, ("D", "E")).unwrap();
        assert_eq!(plan.calls, [0]);
        assert_eq!(plan.results[1], Some(JobResult::Already("already Running".into())));
        assert!(matches!(&plan.results[2], Some(JobResult::Refused(w)) if w.contains("SourceId s-9")));
        assert!(matches!(&plan.results[3], Some(JobResult::NotCalled(w)) if w.starts_with("NotFound")));
        // A delete stops a Running job first when asked; a start this batch sent earlier is done.
        let plan = plan_actions(&refs, &states, &entries, Action::Delete, true, ("D", "E")).unwrap();
        assert_eq!((plan.calls.as_slice(), plan.stop_first.as_slice()), (&[0, 1][..], &[1][..]));
        let act = Entry::Act(Act {
            line: 3,
            action: "StartReplicationJob".into(),
            job_id: "j-3".into(),
            params: BTreeMap::new(),
            at: jiff::Timestamp::UNIX_EPOCH,
            run: "r".into(),
            purpose: None,
        });
        let with_act = [entries.to_vec(), vec![act]].concat();
        let plan = plan_actions(&refs, &states, &with_act, Action::Start, false, ("D", "E")).unwrap();
        assert_eq!(plan.results[1], Some(JobResult::DoneEarlier));
        // The report and the journal disagree on a JobId: refused.
        let edited = [outcome(2, "j-other")];
        let plan = plan_actions(&refs[..1], &states, &edited, Action::Start, false, ("D", "E")).unwrap();
        assert!(matches!(&plan.results[0], Some(JobResult::Refused(w)) if w.contains("the journal says j-other")));
        // Two JobIds for one token: nothing at all.
        let twice = [outcome(2, "j-2"), outcome(2, "j-x")];
        assert!(matches!(
            plan_actions(&refs, &states, &twice, Action::Start, false, ("D", "E")),
            Err(Refusal::Inconsistent { .. })
        ));
        // No chosen job at the endpoint, and none deleted by the batch: another endpoint.
        states.values_mut().for_each(|s| *s = None);
        assert!(matches!(
            plan_actions(&refs, &states, &entries, Action::Stop, false, ("D", "E")),
            Err(Refusal::NoneThere { .. })
        ));
    }

    #[test]
    fn a_job_no_create_of_the_batch_made_and_a_refused_call_reach_nothing() {
        let mut edited = row(2, "j-elsewhere");
        edited.client_token = "t-edited".into();
        let states = BTreeMap::from([("j-elsewhere".to_string(), state(2, JobStatus::Ready))]);
        let entries = [outcome(2, "j-2")];
        let plan = plan_actions(&[&edited], &states, &entries, Action::Start, false, ("D", "E")).unwrap();
        assert!(
            matches!(&plan.results[0], Some(JobResult::Refused(w)) if w.contains("no create of the batch's journal made it"))
        );
        // A delete the API refused did not remove the job; one whose answer was lost may have.
        let act = |job: &str| {
            Entry::Act(Act {
                line: 2,
                action: "DeleteReplicationJob".into(),
                job_id: job.into(),
                params: BTreeMap::new(),
                at: jiff::Timestamp::UNIX_EPOCH,
                run: "r".into(),
                purpose: None,
            })
        };
        let refused = Entry::Acted(crate::batch::journal::Acted {
            line: 2,
            action: "DeleteReplicationJob".into(),
            job_id: "j-2".into(),
            result: crate::batch::journal::ActResult::Failed,
            request_id: None,
            error_code: Some("ReplicationJob.InvalidStatus".into()),
            error_message: None,
            attempts: 1,
            at: jiff::Timestamp::UNIX_EPOCH,
        });
        assert!(deleted_by_batch(&[act("j-2"), refused]).is_empty());
        assert_eq!(deleted_by_batch(&[act("j-3")]), BTreeSet::from(["j-3"]));
    }
}
