//! CreateReplicationJob as a call of the engine: a row's prepared request, sent exactly as
//! its intent records it, and found again by Name and SourceId.

use super::{Call, Done};
use crate::api::calls::JobFilter;
use crate::api::client::Client;
use crate::api::error::ApiError;
pub use crate::plan::request::Work;
use futures_util::TryStreamExt;
use std::collections::BTreeMap;

impl Call for Work {
    fn line(&self) -> u64 {
        self.line
    }

    fn key(&self) -> &str {
        &self.token
    }

    fn params(&self) -> &BTreeMap<String, String> {
        &self.params
    }

    fn look_up_first(&self) -> bool {
        self.look_up_first
    }

    async fn attempt<'a>(&'a self, client: &'a Client) -> Result<Done, ApiError> {
        let sent: Vec<(String, String)> = self.params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let created = client.create_replication_job_with(&sent).await?;
        Ok(Done { job_id: created.job_id, request_id: created.request_id })
    }

    /// The job the row made before, found by its Name and SourceId (a row without a Name:
    /// the job on its source that has no name either).
    async fn look_up<'a>(&'a self, client: &'a Client) -> Result<Option<String>, ApiError> {
        let name = self.request.name.clone().unwrap_or_default();
        let filter = JobFilter {
            source_id: vec![self.request.source_id.clone()],
            name: (!name.is_empty()).then(|| name.clone()),
            ..JobFilter::default()
        };
        let jobs: Vec<_> = client.describe_replication_jobs(&filter).try_collect().await?;
        Ok(jobs.into_iter().find(|j| j.name == name && j.source_id == self.request.source_id).map(|j| j.job_id))
    }

    fn replaces(&self) -> Option<crate::plan::request::Replaces> {
        self.replaces.clone()
    }

    /// The name is taken: by this row's own create, if an earlier attempt's answer was lost.
    fn done_by_a_lost_attempt(&self, e: &ApiError) -> bool {
        e.code() == Some("ReplicationJobName.Duplicate")
    }
}
