//! CreateReplicationJob as a call of the engine: a row's prepared request, sent exactly as
//! its intent records it, and found again by Name and SourceId.

use super::{Call, Done};
use crate::api::calls::{CreateReplicationJob, JobFilter};
use crate::api::client::Client;
use crate::api::error::ApiError;
use crate::inventory::Row;
use crate::plan::request;
use futures_util::TryStreamExt;
use std::collections::BTreeMap;

/// A row to create.
#[derive(Clone, Debug)]
pub struct Work {
    pub line: u64,
    /// The typed request, for the look-up by Name and SourceId.
    pub request: CreateReplicationJob,
    pub token: String,
    /// The request's parameters, flattened once: what the journal records and what is sent.
    pub params: BTreeMap<String, String>,
    /// A job may exist from an earlier run whose intent had another token: look it up first.
    pub look_up_first: bool,
}

impl Work {
    /// The prepared request of a valid row: its parameters flattened once, and its token.
    pub fn of(row: &Row) -> Work {
        let mut request = request::of_row(row);
        // Flattened once: the token is derived from these parameters, and then joins them.
        let mut params: BTreeMap<String, String> = request::canonical(&request).into_iter().collect();
        let token = match &request.client_token {
            Some(own) => own.clone(),
            None => request::token_of(&params),
        };
        params.insert("ClientToken".to_string(), token.clone());
        request.client_token = Some(token.clone());
        Work { line: row.line, request, token, params, look_up_first: false }
    }
}

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

    /// The name is taken: by this row's own create, if an earlier attempt's answer was lost.
    fn done_by_a_lost_attempt(&self, e: &ApiError) -> bool {
        e.code() == Some("ReplicationJobName.Duplicate")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{RecordBuf, Schema};

    #[test]
    fn the_prepared_request_is_the_canonical_request_with_its_token() {
        let names = ["RegionId", "SourceId", "Name", "Tag.1.Key", "ClientToken"].map(String::from).to_vec();
        let schema = Schema::parse(names).unwrap();
        for own in ["", "my-token"] {
            let rec: RecordBuf = ["cn-hangzhou", "s-1", "web-01", "env", own].into_iter().collect();
            let row = Row::new(2, &schema, rec.view());
            let work = Work::of(&row);
            let mut request = request::of_row(&row);
            let token = request::client_token(&request);
            request.client_token = Some(token.clone());
            assert_eq!(work.token, token);
            assert_eq!(work.params, request::canonical(&request).into_iter().collect::<BTreeMap<_, _>>());
        }
    }
}
