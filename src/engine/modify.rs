//! ModifyReplicationJobAttribute as a call of the engine: the changed parameters of one job
//! of the batch, journaled as an `act` and an `acted` line, and settled after a lost answer
//! by reading the job back (a change sent twice sets the same values).

use super::{Call, Done};
use crate::account::job::flat_params;
use crate::api::client::Client;
use crate::api::error::ApiError;
use crate::batch::RowStatus;
use crate::batch::jobs::MODIFY;
use crate::batch::journal::{Act, ActResult, Acted, Entry, Outcome};
use std::collections::BTreeMap;

/// The change of one job.
#[derive(Clone, Debug)]
pub struct Modify {
    /// Its place among this run's calls (what the engine keys what it settled by).
    pub index: u64,
    /// The row's line.
    pub line: u64,
    pub job_id: String,
    /// JobId and every parameter to change, exactly as sent.
    pub params: BTreeMap<String, String>,
}

impl Modify {
    pub fn new(index: u64, line: u64, job_id: &str, changed: BTreeMap<String, String>) -> Modify {
        let mut params = changed;
        params.insert("JobId".to_string(), job_id.to_string());
        Modify { index, line, job_id: job_id.to_string(), params }
    }

    /// Whether the job shows every value this change sets (an empty one: no value).
    pub fn shown_by(&self, shown: &BTreeMap<String, String>) -> bool {
        self.params.iter().filter(|(k, _)| k.as_str() != "JobId").all(|(k, v)| {
            shown
                .get(k)
                .map_or(v.is_empty(), |s| crate::jobs::reconcile::same_value(k, s, v) || (v.is_empty() && s == "0"))
        })
    }
}

impl Call for Modify {
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
        let sent: Vec<(String, String)> = self.params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let request_id = client.modify_replication_job_attribute(&sent).await?;
        Ok(Done { job_id: self.job_id.clone(), request_id })
    }

    /// Whether the job shows the change now: the JobId if so.
    async fn look_up<'a>(&'a self, client: &'a Client) -> Result<Option<String>, ApiError> {
        let shown = client.describe_replication_job(&self.job_id).await?.as_ref().map(flat_params);
        Ok(shown.is_some_and(|s| self.shown_by(&s)).then(|| self.job_id.clone()))
    }

    /// A state error after a lost answer: the lost attempt may have made the change before
    /// the job moved on.
    fn done_by_a_lost_attempt(&self, e: &ApiError) -> bool {
        e.code() == Some("ReplicationJob.InvalidStatus")
    }

    fn intent_entry(&self, at: jiff::Timestamp, _lookup: bool, run: &str, _file: &str) -> Entry {
        Entry::Act(Act {
            line: self.line,
            action: MODIFY.to_string(),
            job_id: self.job_id.clone(),
            params: self.params.clone(),
            at,
            run: run.to_string(),
            purpose: Some(crate::plan::request::Purpose::Update),
        })
    }

    fn outcome_entry(&self, o: Outcome) -> Entry {
        Entry::Acted(Acted {
            line: self.line,
            action: MODIFY.to_string(),
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
