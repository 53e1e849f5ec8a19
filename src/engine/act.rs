//! Job actions as calls of the engine: StartReplicationJob, StopReplicationJob,
//! CutOverReplicationJob and DeleteReplicationJob on a job of the batch. They take no
//! ClientToken, so what a job's state allows decides whether one is called, and a lost
//! answer is settled by looking at the job's state again.

use super::journal::{Act, Acted, Entry, Outcome};
use super::states::JobState;
use super::{Call, Done};
use crate::api::calls::JobFilter;
use crate::api::client::Client;
use crate::api::error::ApiError;
use crate::batch::RowStatus;
use futures_util::TryStreamExt;
use std::collections::BTreeMap;

/// What a lifecycle command does to each job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Start,
    Stop,
    /// `sync_data`: run a last sync first.
    CutOver {
        sync_data: bool,
    },
    Delete,
}

/// What to do with one job, from its state now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The state allows the action: call it.
    Call,
    /// The action's goal holds already (a start of a Running job, a delete of a job gone):
    /// an outcome, not a failure.
    Already(String),
    /// The state does not allow it: reported with the state and a hint, not called.
    NotCallable(String),
}

impl Action {
    /// The API action.
    pub fn api_name(self) -> &'static str {
        match self {
            Action::Start => "StartReplicationJob",
            Action::Stop => "StopReplicationJob",
            Action::CutOver { .. } => "CutOverReplicationJob",
            Action::Delete => "DeleteReplicationJob",
        }
    }

    /// The command's name.
    pub fn verb(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Stop => "stop",
            Action::CutOver { .. } => "cutover",
            Action::Delete => "delete",
        }
    }

    /// What the action does, in the past tense.
    pub fn done_word(self) -> &'static str {
        match self {
            Action::Start => "started",
            Action::Stop => "stopped",
            Action::CutOver { .. } => "cut over",
            Action::Delete => "deleted",
        }
    }

    /// What to do with a job in `state` (`None`: the API no longer has it), from its
    /// Status and BusinessStatus (smc-api.md §13, §15); a cutover also from RunOnce.
    pub fn decide(self, state: Option<&JobState>) -> Decision {
        let status = state.map(|s| s.status.as_str());
        let business = state.map_or("", |s| s.business.as_str());
        let not = |hint: &str| Decision::NotCallable(format!("{}: {hint}", status.unwrap_or("NotFound")));
        match (self, status) {
            (Action::Delete, None) => Decision::Already("already gone".into()),
            (_, None) => not("the job no longer exists"),
            (Action::Start, Some("Ready" | "Stopped" | "InError")) => Decision::Call,
            (Action::Start, Some(s @ ("Running" | "Waiting" | "Finished"))) => {
                Decision::Already(format!("already {s}"))
            }
            (Action::Start, Some(_)) => not("a job starts from Ready, Stopped or InError"),
            (Action::Stop, Some("Running")) if business == "Syncing" || business.is_empty() => Decision::Call,
            (Action::Stop, Some("Running")) => not(&format!(
                "it is {business}: StopReplicationJob takes a Running job while it syncs; try again in a moment"
            )),
            (Action::Stop, Some("Stopped")) => Decision::Already("already Stopped".into()),
            (Action::Stop, Some(_)) => not("only a Running job can be stopped"),
            (Action::CutOver { .. }, Some("Waiting")) => Decision::Call,
            (Action::CutOver { .. }, Some("Finished")) => Decision::Already("already Finished".into()),
            (Action::CutOver { .. }, Some("Running")) if self.goal_holds(state) => {
                Decision::Already("already cut over (its last run is running)".into())
            }
            (Action::CutOver { .. }, Some(_)) => {
                not("CutOverReplicationJob takes an incremental job Waiting between its runs")
            }
            (Action::Delete, Some("Deleting")) => Decision::Already("already Deleting".into()),
            (Action::Delete, Some("Running")) => {
                not("a Running job is not deleted; stop it first (delete --stop-first stops it and waits)")
            }
            (Action::Delete, Some(_)) => Decision::Call,
        }
    }

    /// Whether the job's state proves the action done: how a call whose answer was lost is
    /// settled. Only a state the action brings about counts, never one a job reaches alone:
    /// a cutover makes the job run once (an incremental job's next scheduled run is Running
    /// too, and still incremental), and finishes it after that last run.
    pub fn goal_holds(self, state: Option<&JobState>) -> bool {
        let status = state.map(|s| s.status.as_str());
        match self {
            Action::Start => matches!(status, Some("Running" | "Waiting" | "Finished")),
            Action::Stop => status == Some("Stopped"),
            Action::CutOver { .. } => match state {
                Some(s) => s.status == "Finished" || (s.status == "Running" && s.run_once == Some(true)),
                None => false,
            },
            Action::Delete => matches!(status, None | Some("Deleting")),
        }
    }
}

/// Whether an error says the job does not exist (the code is not documented; smc-api.md §13).
pub fn not_found(e: &ApiError) -> bool {
    e.code().is_some_and(|c| c.contains("NotFound"))
}

/// One job action of a batch, as the engine sends it.
#[derive(Clone, Debug)]
pub struct JobAction {
    /// Its place among this run's actions: what the engine keys what it settled by (two rows
    /// of a batch from two files may share a line).
    pub index: u64,
    /// The report row's line (in its file).
    pub line: u64,
    pub action: Action,
    pub job_id: String,
    pub params: BTreeMap<String, String>,
    /// The run, for the journal's intent.
    pub run: String,
}

impl JobAction {
    pub fn new(index: u64, line: u64, action: Action, job_id: &str) -> JobAction {
        let mut params = BTreeMap::from([("JobId".to_string(), job_id.to_string())]);
        if let Action::CutOver { sync_data } = action {
            params.insert("SyncData".to_string(), sync_data.to_string());
        }
        JobAction { index, line, action, job_id: job_id.to_string(), params, run: String::new() }
    }

    /// The job's state now (`None`: gone).
    async fn state_now(&self, client: &Client) -> Result<Option<JobState>, ApiError> {
        let filter = JobFilter { job_id: vec![self.job_id.clone()], ..JobFilter::default() };
        let jobs: Vec<_> = client.describe_replication_jobs(&filter).try_collect().await?;
        Ok(jobs.iter().find(|j| j.job_id == self.job_id).map(JobState::of))
    }
}

impl Call for JobAction {
    // The engine keys what it settled by this; the journal records the row's line.
    #[allow(clippy::misnamed_getters)]
    fn line(&self) -> u64 {
        self.index
    }

    fn key(&self) -> &str {
        &self.job_id
    }

    fn params(&self) -> &BTreeMap<String, String> {
        &self.params
    }

    fn look_up_first(&self) -> bool {
        false
    }

    async fn attempt<'a>(&'a self, client: &'a Client) -> Result<Done, ApiError> {
        let id = &self.job_id;
        let sent = match self.action {
            Action::Start => client.start_replication_job(id).await,
            Action::Stop => client.stop_replication_job(id).await,
            Action::CutOver { sync_data } => client.cut_over_replication_job(id, sync_data).await,
            Action::Delete => client.delete_replication_job(id).await,
        };
        match sent {
            Ok(request_id) => Ok(Done { job_id: id.clone(), request_id }),
            // A delete of a job already gone reaches its goal.
            Err(e) if self.action == Action::Delete && not_found(&e) => {
                Ok(Done { job_id: id.clone(), request_id: e.request_id().unwrap_or_default().to_string() })
            }
            Err(e) => Err(e),
        }
    }

    /// Whether the goal holds now: the JobId if so.
    async fn look_up<'a>(&'a self, client: &'a Client) -> Result<Option<String>, ApiError> {
        let state = self.state_now(client).await?;
        Ok(self.action.goal_holds(state.as_ref()).then(|| self.job_id.clone()))
    }

    /// A state error after a lost answer: perhaps the lost attempt moved the job.
    fn done_by_a_lost_attempt(&self, e: &ApiError) -> bool {
        e.code() == Some("ReplicationJob.InvalidStatus") || not_found(e)
    }

    /// A state that does not show the action may show it later: the next run looks again.
    fn pending_when_unproven(&self) -> bool {
        true
    }

    fn intent_entry(&self, at: String, _lookup: bool, run: &str, _file: &str) -> Entry {
        Entry::Act(Act {
            line: self.line,
            action: self.action.api_name().to_string(),
            job_id: self.job_id.clone(),
            params: self.params.clone(),
            at,
            run: run.to_string(),
        })
    }

    fn outcome_entry(&self, o: Outcome) -> Entry {
        Entry::Acted(Acted {
            line: self.line,
            action: self.action.api_name().to_string(),
            job_id: self.job_id.clone(),
            result: if o.status == RowStatus::Created { "done" } else { "failed" }.to_string(),
            request_id: o.request_id,
            error_code: o.error_code,
            error_message: o.error_message,
            attempts: o.attempts,
            at: o.at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: &str, business: &str, run_once: Option<bool>) -> JobState {
        JobState { status: status.into(), business: business.into(), run_once, ..JobState::default() }
    }

    #[test]
    fn each_action_is_called_only_where_the_state_allows_it() {
        use Decision::*;
        let d = |a: Action, s: Option<&str>| a.decide(s.map(|s| state(s, "", None)).as_ref());
        assert_eq!(d(Action::Start, Some("Ready")), Call);
        assert_eq!(d(Action::Start, Some("InError")), Call);
        assert_eq!(d(Action::Start, Some("Running")), Already("already Running".into()));
        assert!(matches!(d(Action::Start, Some("Deleting")), NotCallable(_)));
        assert!(matches!(d(Action::Start, None), NotCallable(_)));
        assert_eq!(Action::Stop.decide(Some(&state("Running", "Syncing", None))), Call);
        assert!(
            matches!(Action::Stop.decide(Some(&state("Running", "Preparing", None))), NotCallable(h) if h.contains("Preparing"))
        );
        assert!(matches!(d(Action::Stop, Some("Finished")), NotCallable(_)));
        let cut = Action::CutOver { sync_data: true };
        assert_eq!(d(cut, Some("Waiting")), Call);
        assert!(matches!(d(cut, Some("Running")), NotCallable(_)));
        // A cutover's last run: running once, by this batch's cutover or another's.
        assert_eq!(
            cut.decide(Some(&state("Running", "Syncing", Some(true)))),
            Already("already cut over (its last run is running)".into())
        );
        assert_eq!(d(Action::Delete, None), Already("already gone".into()));
        assert_eq!(d(Action::Delete, Some("Finished")), Call);
        assert!(matches!(d(Action::Delete, Some("Running")), NotCallable(h) if h.contains("--stop-first")));
    }

    #[test]
    fn a_goal_that_holds_is_what_a_lost_answer_is_settled_by() {
        let s = |status: &str| Some(state(status, "", None));
        assert!(Action::Start.goal_holds(s("Running").as_ref()) && !Action::Start.goal_holds(s("Ready").as_ref()));
        assert!(Action::Delete.goal_holds(None) && !Action::Delete.goal_holds(s("Stopped").as_ref()));
        assert!(Action::Stop.goal_holds(s("Stopped").as_ref()));
        // An incremental job whose next scheduled run has begun is Running, and still
        // incremental: no proof of a cutover. One cut over runs once.
        let cut = Action::CutOver { sync_data: false };
        assert!(!cut.goal_holds(Some(&state("Running", "Syncing", Some(false)))));
        assert!(!cut.goal_holds(Some(&state("Running", "Syncing", None))));
        assert!(cut.goal_holds(Some(&state("Running", "Syncing", Some(true)))));
        assert!(cut.goal_holds(s("Finished").as_ref()) && !cut.goal_holds(s("Waiting").as_ref()));
        // Every state the decision calls from is one where the goal does not hold yet.
        for a in [Action::Start, Action::Stop, cut, Action::Delete] {
            for st in ["Ready", "Running", "Stopped", "InError", "Finished", "Waiting", "Expired", "Deleting"] {
                for run_once in [None, Some(false), Some(true)] {
                    let js = state(st, "Syncing", run_once);
                    if a.decide(Some(&js)) == Decision::Call {
                        assert!(!a.goal_holds(Some(&js)), "{a:?} from {st}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_journal_says_which_action_on_which_job() {
        let a = JobAction::new(0, 7, Action::CutOver { sync_data: true }, "j-1");
        let Entry::Act(act) = a.intent_entry("t".into(), false, "r-1", "inv.csv") else { panic!() };
        assert_eq!((act.line, act.action.as_str(), act.params.len()), (7, "CutOverReplicationJob", 2));
        let line = serde_json::to_string(&Entry::Act(act)).unwrap();
        assert!(line.starts_with("{\"event\":\"act\",\"line\":7,"), "{line}");
    }
}
