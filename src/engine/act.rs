//! A job action as a call of the engine: sent through the limiter like a create, its
//! intent and result journaled, a lost answer settled by the job's state.

use super::{Call, Done};
use crate::api::client::Client;
use crate::api::error::ApiError;
use crate::batch::RowStatus;
use crate::batch::journal::{Act, ActResult, Acted, Entry, Outcome};
use crate::jobs::act::{Action, goal_holds};
use crate::jobs::states::JobState;
use crate::plan::request::Purpose;
use std::collections::BTreeMap;

/// Whether an error says the job does not exist (the API documents no code for it; see docs/runbook.md).
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
    /// What the action is part of (`replace`, `prune`), for the journal.
    pub purpose: Option<Purpose>,
}

impl JobAction {
    pub fn new(index: u64, line: u64, action: Action, job_id: &str) -> JobAction {
        let mut params = BTreeMap::from([("JobId".to_string(), job_id.to_string())]);
        if let Action::CutOver { sync_data } = action {
            params.insert("SyncData".to_string(), sync_data.to_string());
        }
        JobAction { index, line, action, job_id: job_id.to_string(), params, purpose: None }
    }

    /// The same action, journaled as part of `purpose`.
    pub fn for_purpose(self, purpose: Purpose) -> JobAction {
        JobAction { purpose: Some(purpose), ..self }
    }

    /// The job's state now (`None`: gone).
    async fn state_now(&self, client: &Client) -> Result<Option<JobState>, ApiError> {
        Ok(client.describe_replication_job(&self.job_id).await?.as_ref().map(JobState::of))
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
        Ok(goal_holds(self.action, state.as_ref()).then(|| self.job_id.clone()))
    }

    /// A state error after a lost answer: perhaps the lost attempt moved the job.
    fn done_by_a_lost_attempt(&self, e: &ApiError) -> bool {
        e.code() == Some("ReplicationJob.InvalidStatus") || not_found(e)
    }

    /// A state that does not show the action may show it later: the next run looks again.
    fn pending_when_unproven(&self) -> bool {
        true
    }

    fn intent_entry(&self, at: jiff::Timestamp, _lookup: bool, run: &str, _file: &str) -> Entry {
        Entry::Act(Act {
            line: self.line,
            action: self.action.api_name().to_string(),
            job_id: self.job_id.clone(),
            params: self.params.clone(),
            at,
            run: run.to_string(),
            purpose: self.purpose,
        })
    }

    fn outcome_entry(&self, o: Outcome) -> Entry {
        Entry::Acted(Acted {
            line: self.line,
            action: self.action.api_name().to_string(),
            job_id: self.job_id.clone(),
            result: if o.status == RowStatus::Created { ActResult::Done } else { ActResult::Failed },
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

    #[test]
    fn the_journal_says_which_action_on_which_job() {
        let a = JobAction::new(0, 7, Action::CutOver { sync_data: true }, "j-1");
        let Entry::Act(act) = a.intent_entry(jiff::Timestamp::UNIX_EPOCH, false, "r-1", "inv.csv") else { panic!() };
        assert_eq!((act.line, act.action.as_str(), act.params.len()), (7, "CutOverReplicationJob", 2));
        let line = serde_json::to_string(&Entry::Act(act)).unwrap();
        assert!(line.starts_with("{\"event\":\"act\",\"line\":7,"), "{line}");
    }
}
