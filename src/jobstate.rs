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

/// What ModifyReplicationJobAttribute lets a parameter change in: any state (Name,
/// Description); before the first run or while Waiting (Frequency, MaxNumberOfImageToKeep);
/// while the job is valid (ValidTime); before the job has run once (the others it takes);
/// never (a parameter it does not take: the job must be replaced).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Changeable {
    Always,
    BeforeRunOrWaiting,
    WhileValid,
    BeforeFirstRun,
    Never,
}

impl Changeable {
    pub fn of(param: &str) -> Changeable {
        const BEFORE_FIRST_RUN: &[&str] = &[
            "TargetType",
            "ScheduledStartTime",
            "ImageName",
            "SystemDiskSize",
            "VpcId",
            "VSwitchId",
            "InstanceType",
            "InstanceRamRole",
            "InstanceId",
            "NetMode",
            "ReplicationParameters",
            "ContainerNamespace",
            "ContainerRepository",
            "ContainerTag",
            "LaunchTemplateId",
            "LaunchTemplateVersion",
        ];
        match param {
            "Name" | "Description" => Changeable::Always,
            "Frequency" | "MaxNumberOfImageToKeep" => Changeable::BeforeRunOrWaiting,
            "ValidTime" => Changeable::WhileValid,
            p if BEFORE_FIRST_RUN.contains(&p) || p.starts_with("SystemDiskPart.") || p.starts_with("DataDisk.") => {
                Changeable::BeforeFirstRun
            }
            _ => Changeable::Never,
        }
    }
}

/// Whether `param` may change in place on a job in `status` (`has_run`: it has run at least
/// once); why not, when it may not.
pub fn may_change(param: &str, status: &JobStatus, has_run: bool) -> Result<(), String> {
    use JobStatus::*;
    match Changeable::of(param) {
        Changeable::Always => Ok(()),
        Changeable::BeforeRunOrWaiting if !has_run || *status == Waiting => Ok(()),
        Changeable::BeforeRunOrWaiting => Err(format!("{param} changes before the first run or while Waiting")),
        Changeable::WhileValid if matches!(status, Ready | Running | Stopped | InError | Waiting) => Ok(()),
        Changeable::WhileValid => Err(format!("{param} changes in Ready, Running, Stopped, InError or Waiting")),
        Changeable::BeforeFirstRun if !has_run => Ok(()),
        Changeable::BeforeFirstRun => Err(format!("{param} changes only before the job has run once")),
        Changeable::Never => Err(format!("{param} is not a parameter ModifyReplicationJobAttribute changes")),
    }
}

/// A job's parameters after a change of `changed` (JobId left out): each one given replaces
/// the one it had, an empty one clears it, and a list given (`DataDisk.*`,
/// `SystemDiskPart.*`, `Tag.*`) replaces the whole list, as the API applies a change.
pub fn changed_params(
    before: &std::collections::BTreeMap<String, String>,
    changed: &std::collections::BTreeMap<String, String>,
) -> std::collections::BTreeMap<String, String> {
    const LISTS: &[&str] = &["DataDisk.", "SystemDiskPart.", "Tag."];
    let list_of = |k: &str| LISTS.iter().find(|l| k.starts_with(*l)).copied();
    let lists: Vec<&str> = changed.keys().filter_map(|k| list_of(k)).collect();
    let mut out: std::collections::BTreeMap<String, String> = before
        .iter()
        .filter(|(k, _)| !list_of(k).is_some_and(|l| lists.contains(&l)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in changed.iter().filter(|(k, _)| k.as_str() != "JobId") {
        match v.is_empty() {
            true => out.remove(k),
            false => out.insert(k.clone(), v.clone()),
        };
    }
    out
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
    fn each_parameter_changes_in_the_states_the_api_allows() {
        use JobStatus::*;
        // (parameter, status, has run, may change)
        let table = [
            ("Name", Finished, true, true),
            ("Description", Running, true, true),
            ("Frequency", Ready, false, true),
            ("Frequency", Waiting, true, true),
            ("MaxNumberOfImageToKeep", Running, true, false),
            ("ValidTime", InError, true, true),
            ("ValidTime", Finished, true, false),
            ("ValidTime", Expired, true, false),
            ("VSwitchId", Ready, false, true),
            ("VSwitchId", Stopped, true, false),
            ("ScheduledStartTime", Ready, false, true),
            ("DataDisk.2.Size", Ready, false, true),
            ("SystemDiskPart.1.SizeBytes", Waiting, true, false),
            ("RunOnce", Ready, false, false),
            ("Tag.1.Key", Ready, false, false),
            ("LicenseType", Ready, false, false),
        ];
        for (param, status, has_run, ok) in table {
            assert_eq!(may_change(param, &status, has_run).is_ok(), ok, "{param} in {status} (has run: {has_run})");
        }
    }

    #[test]
    fn a_list_changed_is_replaced_whole_and_an_empty_value_clears() {
        let p = |kv: &[(&str, &str)]| kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let before = p(&[("DataDisk.1.Index", "1"), ("DataDisk.2.Index", "2"), ("Description", "x"), ("Name", "a")]);
        let after = changed_params(&before, &p(&[("JobId", "j-1"), ("DataDisk.1.Index", "2"), ("Description", "")]));
        assert_eq!(after, p(&[("DataDisk.1.Index", "2"), ("Name", "a")]));
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
