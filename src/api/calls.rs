//! Typed calls: CreateReplicationJob, the Describe calls as paged streams, Start and Delete, DescribeVSwitches.

use super::client::{Api, Client};
use super::error::ApiError;
use crate::account::{ReplicationJob, SourceServer, VSwitch};
use futures_util::stream::{self, Stream, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Page size of every Describe call (the API's maximum).
pub const PAGE_SIZE: u32 = 50;

/// A partition of `DataDisk.N.Part.M` / `SystemDiskPart.M`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Part {
    pub device: Option<String>,
    pub size_bytes: Option<i64>,
    pub block: Option<bool>,
}

/// `DataDisk.N`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DataDisk {
    pub index: Option<i64>,
    pub size: Option<i64>,
    pub part: Vec<Part>,
}

/// `Tag.N`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    pub value: Option<String>,
}

/// Every parameter of CreateReplicationJob. Unset fields (`None`, empty lists) serialise as
/// nothing once flattened, as the SDKs leave them out.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateReplicationJob {
    pub region_id: String,
    pub source_id: String,
    pub client_token: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub target_type: Option<String>,
    pub image_name: Option<String>,
    pub instance_id: Option<String>,
    pub system_disk_size: Option<i64>,
    pub vpc_id: Option<String>,
    #[serde(rename = "VSwitchId")]
    pub vswitch_id: Option<String>,
    pub replication_parameters: Option<String>,
    pub net_mode: Option<i64>,
    pub run_once: Option<bool>,
    pub frequency: Option<i64>,
    pub max_number_of_image_to_keep: Option<i64>,
    pub instance_type: Option<String>,
    pub launch_template_id: Option<String>,
    pub launch_template_version: Option<String>,
    pub instance_ram_role: Option<String>,
    pub container_namespace: Option<String>,
    pub container_repository: Option<String>,
    pub container_tag: Option<String>,
    pub license_type: Option<String>,
    pub job_type: Option<i64>,
    pub resource_group_id: Option<String>,
    pub scheduled_start_time: Option<String>,
    pub valid_time: Option<String>,
    pub data_disk: Vec<DataDisk>,
    pub system_disk_part: Vec<Part>,
    pub tag: Vec<Tag>,
}

/// CreateReplicationJob's answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Created {
    pub request_id: String,
    pub job_id: String,
}

/// Filters of DescribeSourceServers.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SourceServerFilter {
    pub source_id: Vec<String>,
    pub state: Option<String>,
    pub name: Option<String>,
}

/// Filters of DescribeReplicationJobs (at most 50 JobIds or SourceIds a call).
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobFilter {
    pub job_id: Vec<String>,
    pub source_id: Vec<String>,
    pub region_id: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
}

/// A JobId-only request (Start, Delete).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ById<'a> {
    job_id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct VSwitchFilter<'a> {
    region_id: &'a str,
    #[serde(rename = "VSwitchId")]
    vswitch_id: Option<&'a str>,
}

impl Client {
    /// Creates a replication job.
    pub async fn create_replication_job(&self, request: &CreateReplicationJob) -> Result<Created, ApiError> {
        let v = self.call(&Api::Smc, "CreateReplicationJob", request).await?;
        decode("CreateReplicationJob", v)
    }

    /// CreateReplicationJob with parameters already flattened (a row's prepared request,
    /// exactly as the journal records it).
    pub async fn create_replication_job_with(&self, params: &[(String, String)]) -> Result<Created, ApiError> {
        let v = self.call_params(&Api::Smc, "CreateReplicationJob", params).await?;
        decode("CreateReplicationJob", v)
    }

    /// Starts a job in Ready, Stopped or InError; returns the RequestId.
    pub async fn start_replication_job(&self, job_id: &str) -> Result<String, ApiError> {
        let v = self.call(&Api::Smc, "StartReplicationJob", &ById { job_id }).await?;
        Ok(request_id(&v))
    }

    /// Stops (pauses) a Running job; returns the RequestId.
    pub async fn stop_replication_job(&self, job_id: &str) -> Result<String, ApiError> {
        let v = self.call(&Api::Smc, "StopReplicationJob", &ById { job_id }).await?;
        Ok(request_id(&v))
    }

    /// Cuts over an incremental job Waiting between runs (its last sync, then Finished),
    /// with `SyncData` when the last sync should copy the data once more; returns the RequestId.
    pub async fn cut_over_replication_job(&self, job_id: &str, sync_data: bool) -> Result<String, ApiError> {
        let params = [("JobId".to_string(), job_id.to_string()), ("SyncData".to_string(), sync_data.to_string())];
        let v = self.call_params(&Api::Smc, "CutOverReplicationJob", &params).await?;
        Ok(request_id(&v))
    }

    /// Deletes a job; returns the RequestId.
    pub async fn delete_replication_job(&self, job_id: &str) -> Result<String, ApiError> {
        let v = self.call(&Api::Smc, "DeleteReplicationJob", &ById { job_id }).await?;
        Ok(request_id(&v))
    }

    /// Changes a job's parameters in place (`params`: the flat parameters to change, JobId
    /// among them); returns the RequestId.
    pub async fn modify_replication_job_attribute(&self, params: &[(String, String)]) -> Result<String, ApiError> {
        let v = self.call_params(&Api::Smc, "ModifyReplicationJobAttribute", params).await?;
        Ok(request_id(&v))
    }

    /// Every source server matching `filter`, page after page.
    pub fn describe_source_servers(
        &self,
        filter: &SourceServerFilter,
    ) -> impl Stream<Item = Result<SourceServer, ApiError>> + '_ {
        self.paged(Api::Smc, "DescribeSourceServers", flat(filter), ("SourceServers", "SourceServer"), |mut v| {
            unwrap_list(&mut v, "SystemDiskParts", "SystemDiskPart");
            unwrap_list(&mut v, "DataDisks", "DataDisk");
            if let Some(disks) = v.get_mut("DataDisks").and_then(Value::as_array_mut) {
                disks.iter_mut().for_each(|d| unwrap_list(d, "Parts", "Part"));
            }
            v
        })
    }

    /// Every replication job matching `filter`, page after page.
    pub fn describe_replication_jobs(
        &self,
        filter: &JobFilter,
    ) -> impl Stream<Item = Result<ReplicationJob, ApiError>> + '_ {
        self.paged(Api::Smc, "DescribeReplicationJobs", flat(filter), ("ReplicationJobs", "ReplicationJob"), |v| v)
    }

    /// The job `job_id`, if the API has it.
    pub async fn describe_replication_job(&self, job_id: &str) -> Result<Option<ReplicationJob>, ApiError> {
        use futures_util::TryStreamExt as _;
        let filter = JobFilter { job_id: vec![job_id.to_string()], ..JobFilter::default() };
        let jobs: Vec<ReplicationJob> = self.describe_replication_jobs(&filter).try_collect().await?;
        Ok(jobs.into_iter().find(|j| j.job_id == job_id))
    }

    /// Every vSwitch of a region (or the one named), page after page. An unknown vSwitch
    /// ends the stream whether the service answers with an empty list or with
    /// `InvalidVSwitchId.NotFound`.
    pub fn describe_vswitches(
        &self,
        region: &str,
        vswitch_id: Option<&str>,
    ) -> impl Stream<Item = Result<VSwitch, ApiError>> + '_ {
        let params = flat(&VSwitchFilter { region_id: region, vswitch_id });
        let api = Api::Vpc { region: region.to_string() };
        let region = region.to_string();
        self.paged(api, "DescribeVSwitches", params, ("VSwitches", "VSwitch"), move |mut v| {
            if v.get("RegionId").is_none() {
                v["RegionId"] = Value::String(region.clone());
            }
            v
        })
    }

    /// Pages through a Describe call (PageSize 50) until TotalCount rows were seen or a page is empty.
    fn paged<'a, T: serde::de::DeserializeOwned + 'a>(
        &'a self,
        api: Api,
        action: &'static str,
        filter: Vec<(String, String)>,
        list: (&'static str, &'static str),
        shape: impl Fn(Value) -> Value + Clone + 'a,
    ) -> impl Stream<Item = Result<T, ApiError>> + 'a {
        let pages = stream::try_unfold((1u32, 0u64, false), move |(page, seen, done)| {
            let (api, shape) = (api.clone(), shape.clone());
            let mut params = filter.clone();
            params.push(("PageNumber".into(), page.to_string()));
            params.push(("PageSize".into(), PAGE_SIZE.to_string()));
            async move {
                if done {
                    return Ok(None);
                }
                let v = match self.read_params(&api, action, &params).await {
                    Err(e) if e.code() == Some("InvalidVSwitchId.NotFound") => return Ok(None),
                    other => other?,
                };
                let total = v.get("TotalCount").and_then(Value::as_u64).unwrap_or(0);
                let items =
                    v.get(list.0).and_then(|o| o.get(list.1)).and_then(Value::as_array).cloned().unwrap_or_default();
                let seen = seen + items.len() as u64;
                let done = items.is_empty() || seen >= total;
                let decoded: Result<Vec<T>, ApiError> = items.into_iter().map(|i| decode(action, shape(i))).collect();
                Ok(Some((decoded?, (page + 1, seen, done))))
            }
        });
        pages.map_ok(|items| stream::iter(items.into_iter().map(Ok))).try_flatten()
    }
}

fn flat<T: Serialize>(request: &T) -> Vec<(String, String)> {
    super::encode::flatten(&serde_json::to_value(request).expect("requests serialise"))
}

/// `{"Outer": {"Inner": [...]}}` becomes `{"Outer": [...]}`, as the account file keeps lists.
fn unwrap_list(v: &mut Value, outer: &str, inner: &str) {
    if let Some(list) = v.get_mut(outer).and_then(|o| o.get_mut(inner)).map(Value::take) {
        v[outer] = list;
    }
}

fn request_id(v: &Value) -> String {
    v.get("RequestId").and_then(Value::as_str).unwrap_or_default().to_string()
}

fn decode<T: serde::de::DeserializeOwned>(action: &str, v: Value) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(|e| ApiError::Decode {
        action: action.to_string(),
        status: 200,
        detail: e.to_string(),
    })
}
