//! The API's job state machine, in one place: the statuses a replication job has, which
//! are active (one a source server at most), and which action each status allows. The
//! lifecycle commands decide by it, and the emulator moves its jobs by it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A replication job's `Status` (docs/runbook.md), and the ones smcplan says of a job it
/// cannot see.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JobStatus {
    /// Created, not started.
    Ready,
    Running,
    /// Paused by StopReplicationJob.
    Stopped,
    InError,
    Finished,
    /// An incremental job between its runs.
    Waiting,
    /// Past its ValidTime.
    Expired,
    Deleting,
    /// smcplan's: the endpoint has no such job.
    #[default]
    NotFound,
    /// smcplan's: deleted by this batch.
    Deleted,
    /// smcplan's: gone, and not by this batch (deleted elsewhere, or expired and removed).
    Missing,
    /// A status the API names that smcplan does not know: shown as it is, acted on never.
    Other(String),
}

impl JobStatus {
    /// The statuses the API documents, in the order of its table.
    pub const KNOWN: [JobStatus; 8] = [
        JobStatus::Ready,
        JobStatus::Running,
        JobStatus::Stopped,
        JobStatus::InError,
        JobStatus::Finished,
        JobStatus::Waiting,
        JobStatus::Expired,
        JobStatus::Deleting,
    ];

    /// Whether the job no longer exists (as smcplan last saw it).
    pub fn is_gone(&self) -> bool {
        matches!(self, JobStatus::NotFound | JobStatus::Deleted | JobStatus::Missing)
    }

    pub fn parse(text: &str) -> JobStatus {
        match text {
            "Ready" => JobStatus::Ready,
            "Running" => JobStatus::Running,
            "Stopped" => JobStatus::Stopped,
            "InError" => JobStatus::InError,
            "Finished" => JobStatus::Finished,
            "Waiting" => JobStatus::Waiting,
            "Expired" => JobStatus::Expired,
            "Deleting" => JobStatus::Deleting,
            "NotFound" => JobStatus::NotFound,
            "Deleted" => JobStatus::Deleted,
            "Missing" => JobStatus::Missing,
            other => JobStatus::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            JobStatus::Ready => "Ready",
            JobStatus::Running => "Running",
            JobStatus::Stopped => "Stopped",
            JobStatus::InError => "InError",
            JobStatus::Finished => "Finished",
            JobStatus::Waiting => "Waiting",
            JobStatus::Expired => "Expired",
            JobStatus::Deleting => "Deleting",
            JobStatus::NotFound => "NotFound",
            JobStatus::Deleted => "Deleted",
            JobStatus::Missing => "Missing",
            JobStatus::Other(s) => s,
        }
    }

    /// Whether the job holds its source server: a second job for it is refused
    /// (`SourceServer.WithRunningReplicationJob`).
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            JobStatus::Ready
                | JobStatus::Running
                | JobStatus::Stopped
                | JobStatus::Waiting
                | JobStatus::InError
                | JobStatus::Expired
        )
    }
}

impl JobStatus {
    /// Whether a job in this status waits for a person to move it: Ready without a
    /// ScheduledStartTime (`scheduled`), Stopped, InError. Nothing starts it on its own.
    pub fn waits_for_the_user(&self, scheduled: bool) -> bool {
        match self {
            JobStatus::Ready => !scheduled,
            JobStatus::Stopped | JobStatus::InError => true,
            _ => false,
        }
    }

    /// Whether a job in this status stays as it is until a person acts, or for good
    /// (Waiting: an incremental job between its runs, until the next or a cutover).
    pub fn will_not_move(&self, scheduled: bool) -> bool {
        self.waits_for_the_user(scheduled)
            || matches!(
                self,
                JobStatus::Finished
                    | JobStatus::Waiting
                    | JobStatus::Expired
                    | JobStatus::Deleting
                    | JobStatus::NotFound
                    | JobStatus::Deleted
                    | JobStatus::Missing
            )
    }

    /// Whether the status is a problem a person must look at (a failed run, an expired job,
    /// a job gone that the batch did not delete).
    pub fn is_trouble(&self) -> bool {
        matches!(self, JobStatus::InError | JobStatus::Expired | JobStatus::NotFound | JobStatus::Missing)
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for JobStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for JobStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for JobStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(JobStatus::parse(&String::deserialize(d)?))
    }
}

/// What a lifecycle command asks of a job.
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

    /// The statuses the API takes the action from (docs/runbook.md): any other is answered
    /// `ReplicationJob.InvalidStatus`. A stop also needs the job to be Syncing.
    pub fn allowed_from(self) -> &'static [JobStatus] {
        match self {
            Action::Start => &[JobStatus::Ready, JobStatus::Stopped, JobStatus::InError],
            Action::Stop => &[JobStatus::Running],
            Action::CutOver { .. } => &[JobStatus::Waiting],
            Action::Delete => &[
                JobStatus::Ready,
                JobStatus::Stopped,
                JobStatus::InError,
                JobStatus::Finished,
                JobStatus::Waiting,
                JobStatus::Expired,
            ],
        }
    }

    /// Whether the API takes the action from `status` with `business` status.
    pub fn allowed(self, status: &JobStatus, business: &str) -> bool {
        let business_ok = match self {
            Action::Stop => business == "Syncing" || business.is_empty(),
            _ => true,
        };
        business_ok && self.allowed_from().contains(status)
    }

    /// `Ready, Stopped, InError`: the statuses allowed, for a message.
    pub fn allowed_list(self) -> String {
        self.allowed_from().iter().map(JobStatus::as_str).collect::<Vec<_>>().join(", ")
    }
}

/// What a person can do about a job's error (JobErrorCode), as far as smcplan knows; `again`
/// is the command that runs the job again.
pub fn error_hint(code: &str, again: &str) -> String {
    match code {
        "SourceServer.Disconnected" => {
            format!("the SMC client on the source lost its connection: restart it there, then `{again}`")
        }
        "ReplicationJob.DataTransferFailed" => {
            format!("the transfer failed: check the source's network to the intermediate instance, then `{again}`")
        }
        "Disk.InsufficientSpace" => {
            "a target disk is smaller than the data: raise SystemDiskSize or DataDisk.N.Size in the inventory, then `smcplan plan INVENTORY --report DIR` and `submit --replace`".to_string()
        }
        _ => format!("see the job in the SMC console; `{again}` runs it again"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_and_write_as_the_api_names_them() {
        let ours = [JobStatus::NotFound, JobStatus::Deleted, JobStatus::Missing, JobStatus::Other("Paused".into())];
        for s in JobStatus::KNOWN.iter().cloned().chain(ours) {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<JobStatus>(&json).unwrap(), s);
        }
        let active: Vec<&str> = JobStatus::KNOWN.iter().filter(|s| s.is_active()).map(JobStatus::as_str).collect();
        assert_eq!(active, ["Ready", "Running", "Stopped", "InError", "Waiting", "Expired"]);
    }

    #[test]
    fn each_action_is_allowed_from_the_states_the_api_takes_it_from() {
        assert!(Action::Start.allowed(&JobStatus::InError, ""));
        assert!(!Action::Start.allowed(&JobStatus::Running, "Syncing"));
        assert!(Action::Stop.allowed(&JobStatus::Running, "Syncing"));
        assert!(!Action::Stop.allowed(&JobStatus::Running, "Preparing"));
        assert!(Action::CutOver { sync_data: false }.allowed(&JobStatus::Waiting, ""));
        assert!(!Action::Delete.allowed(&JobStatus::Running, "Syncing"));
        assert_eq!(Action::Start.allowed_list(), "Ready, Stopped, InError");
    }
}
