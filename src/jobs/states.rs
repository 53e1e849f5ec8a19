//! A batch's jobs as the API has them now: their states, read 50 JobIds a page, and the
//! waits of the lifecycle commands (until stopped jobs leave Running, until a canary runs).

use crate::account::ReplicationJob;
use crate::api::calls::JobFilter;
use crate::api::client::Client;
use crate::jobstate::JobStatus;
use anyhow::Context as _;
use futures_util::TryStreamExt;
use std::collections::BTreeMap;

/// A job as the API has it now: what decides an action, and who the job is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobState {
    pub status: JobStatus,
    pub business: String,
    /// Whether the job runs once (`false`: incremental); `None` when the API does not say.
    pub run_once: Option<bool>,
    /// Whether it has run at least once (what most of its parameters may change until).
    pub has_run: bool,
    /// Who it is: what a row of the batch must match before anything is done to it.
    pub source_id: String,
    pub name: String,
}

impl JobState {
    pub fn of(job: &crate::account::ReplicationJob) -> JobState {
        JobState {
            status: JobStatus::parse(&job.status),
            business: job.extra.get("BusinessStatus").and_then(|v| v.as_str()).unwrap_or_default().to_string(),
            run_once: job.extra.get("RunOnce").and_then(|v| v.as_bool()),
            has_run: job.status != "Ready"
                || job.extra.get("StartTime").and_then(|v| v.as_str()).is_some_and(|t| !t.is_empty()),
            source_id: job.source_id.clone(),
            name: job.name.clone(),
        }
    }

    /// Why the job is not the one a row of the batch stands for (another source server, or
    /// another name), if it is not.
    pub fn not_of(&self, source_id: &str, name: &str) -> Option<String> {
        let name_differs = !name.is_empty() && self.name != name;
        (self.source_id != source_id || name_differs).then(|| {
            format!(
                "the job at the endpoint is SourceId {}, Name '{}', where the batch's row is SourceId {source_id}, Name '{name}': not this batch's job, never acted on",
                self.source_id,
                crate::text::OneLine(&self.name)
            )
        })
    }
}

/// A job's state (`None`: the API has no such job).
pub type State = Option<JobState>;

/// Each job as the API has it now (`None`: no such job), 50 JobIds a page, up to 20 pages
/// at once (the client's read limiter paces them).
pub async fn read_jobs(client: &Client, ids: &[String]) -> anyhow::Result<BTreeMap<String, Option<ReplicationJob>>> {
    use futures_util::StreamExt as _;
    let mut jobs: BTreeMap<String, Option<ReplicationJob>> = ids.iter().map(|id| (id.clone(), None)).collect();
    let pages = futures_util::stream::iter(ids.chunks(50))
        .map(|chunk| async move {
            let filter = JobFilter { job_id: chunk.to_vec(), ..JobFilter::default() };
            client.describe_replication_jobs(&filter).try_collect::<Vec<_>>().await
        })
        .buffer_unordered(20);
    let pages: Vec<_> = pages.try_collect().await.context("reading the jobs' states")?;
    for j in pages.into_iter().flatten() {
        if let Some(slot) = jobs.get_mut(&j.job_id) {
            *slot = Some(j);
        }
    }
    Ok(jobs)
}
