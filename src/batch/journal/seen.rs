//! A job's state as a run observed it: status, business status, progress, error and its
//! results (the image a run made, the instance it used or migrated into, when it ran).
//! Written only when it differs from what the journal last says of that job.

use crate::account::ReplicationJob;
use crate::jobstate::JobStatus;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One observed transition of a job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Seen {
    #[serde(rename = "JobId")]
    pub job_id: String,
    #[serde(with = "crate::time::second")]
    pub at: Timestamp,
    #[serde(rename = "JobStatus")]
    pub status: JobStatus,
    #[serde(rename = "JobBusinessStatus", default, skip_serializing_if = "String::is_empty")]
    pub business: String,
    #[serde(rename = "JobProgress", default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<f64>,
    #[serde(rename = "JobErrorCode", default, skip_serializing_if = "String::is_empty")]
    pub error_code: String,
    #[serde(flatten)]
    pub results: JobResults,
}

/// What a job has to show for itself, as DescribeReplicationJobs says it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobResults {
    /// The image the latest run made.
    #[serde(rename = "ImageId", default, skip_serializing_if = "String::is_empty")]
    pub image_id: String,
    /// The image of every run that made one, oldest first.
    #[serde(rename = "ImageIds", default, skip_serializing_if = "Vec::is_empty")]
    pub image_ids: Vec<String>,
    /// The instance a TargetInstance job migrates into.
    #[serde(rename = "InstanceId", default, skip_serializing_if = "String::is_empty")]
    pub instance_id: String,
    /// The intermediate instance, while a run uses it.
    #[serde(rename = "TransitionInstanceId", default, skip_serializing_if = "String::is_empty")]
    pub transition_instance_id: String,
    #[serde(rename = "StartTime", default, skip_serializing_if = "String::is_empty")]
    pub start_time: String,
    #[serde(rename = "EndTime", default, skip_serializing_if = "String::is_empty")]
    pub end_time: String,
    #[serde(rename = "StatusInfo", default, skip_serializing_if = "String::is_empty")]
    pub status_info: String,
}

impl JobResults {
    pub fn of(job: &ReplicationJob) -> JobResults {
        let text = |k: &str| job.extra.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let runs = job.extra.get("ReplicationJobRuns").and_then(|r| r.get("ReplicationJobRun"));
        let image_ids = runs
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("ImageId").and_then(|v| v.as_str()))
            .filter(|id| !id.is_empty())
            .map(str::to_string)
            .collect();
        JobResults {
            image_id: text("ImageId"),
            image_ids,
            instance_id: text("InstanceId"),
            transition_instance_id: text("TransitionInstanceId"),
            start_time: text("StartTime"),
            end_time: text("EndTime"),
            status_info: text("StatusInfo"),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == JobResults::default()
    }
}

impl Seen {
    /// Job `id` as read at `at`: `job` when the API has it, else gone: `Deleted` when the
    /// batch deleted it (`deleted`), `Missing` when something else did.
    pub fn of(id: &str, job: Option<&ReplicationJob>, at: Timestamp, deleted: bool) -> Seen {
        let Some(job) = job else {
            let status = if deleted { JobStatus::Deleted } else { JobStatus::Missing };
            return Seen::gone(id, at, status);
        };
        let text = |k: &str| job.extra.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
        Seen {
            job_id: id.to_string(),
            at,
            status: JobStatus::parse(&job.status),
            business: text("BusinessStatus"),
            progress: job.extra.get("Progress").and_then(|v| v.as_f64()),
            error_code: text("ErrorCode"),
            results: JobResults::of(job),
        }
    }

    /// A job no longer there, as `status` (`Deleted` or `Missing`).
    pub fn gone(id: &str, at: Timestamp, status: JobStatus) -> Seen {
        Seen {
            job_id: id.to_string(),
            at,
            status,
            business: String::new(),
            progress: None,
            error_code: String::new(),
            results: JobResults::default(),
        }
    }

    /// Whether it says the same as `other`, whenever each was seen.
    pub fn same_as(&self, other: &Seen) -> bool {
        Seen { at: other.at, ..self.clone() } == *other
    }
}

/// Of `observed`, the ones that differ from what `last` (the journal's latest, by JobId)
/// says; `last` is brought up to date. A job gone stays as first said gone (a `Deleted`
/// is not overwritten by a later look that finds nothing).
pub fn changes(last: &mut BTreeMap<String, Seen>, observed: Vec<Seen>) -> Vec<Seen> {
    let mut out = Vec::new();
    for s in observed {
        let keep = match last.get(&s.job_id) {
            Some(before) if before.status.is_gone() && s.status.is_gone() => false,
            Some(before) => !before.same_as(&s),
            None => true,
        };
        if keep {
            last.insert(s.job_id.clone(), s.clone());
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(status: &str, progress: f64) -> ReplicationJob {
        let extra = serde_json::json!({"Progress": progress, "BusinessStatus": "Syncing",
            "ReplicationJobRuns": {"ReplicationJobRun": [{"ImageId": "m-1"}, {"ImageId": ""}, {"ImageId": "m-2"}]}});
        let (job_id, status, extra) = ("j-1".into(), status.into(), extra.as_object().unwrap().clone());
        ReplicationJob {
            job_id,
            status,
            extra,
            name: String::new(),
            source_id: String::new(),
            region_id: String::new(),
            image_name: String::new(),
        }
    }

    #[test]
    fn only_changes_are_kept_and_a_job_gone_stays_gone() {
        let t = |s: i64| Timestamp::from_second(s).unwrap();
        let mut last = BTreeMap::new();
        let first = changes(&mut last, vec![Seen::of("j-1", Some(&job("Running", 10.0)), t(1), false)]);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].results.image_ids, ["m-1", "m-2"]);
        assert!(changes(&mut last, vec![Seen::of("j-1", Some(&job("Running", 10.0)), t(2), false)]).is_empty());
        assert_eq!(changes(&mut last, vec![Seen::of("j-1", Some(&job("Running", 20.0)), t(3), false)]).len(), 1);
        let deleted = changes(&mut last, vec![Seen::of("j-1", None, t(4), true)]);
        assert_eq!(deleted[0].status, JobStatus::Deleted);
        assert!(changes(&mut last, vec![Seen::of("j-1", None, t(5), false)]).is_empty(), "never overwritten");
    }
}
