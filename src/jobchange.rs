//! Which of a job's parameters change in place (ModifyReplicationJobAttribute), in which
//! states, and how a change applies to the parameters a job has.

use crate::jobstate::JobStatus;

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
pub fn may_change(param_text: &str, status: &JobStatus, has_run: bool) -> Result<(), Unchangeable> {
    use JobStatus::*;
    let param = || param_text.to_string();
    match Changeable::of(param_text) {
        Changeable::Always => Ok(()),
        Changeable::BeforeRunOrWaiting if !has_run || *status == Waiting => Ok(()),
        Changeable::BeforeRunOrWaiting => Err(Unchangeable::HasRunAndNotWaiting(param())),
        Changeable::WhileValid if matches!(status, Ready | Running | Stopped | InError | Waiting) => Ok(()),
        Changeable::WhileValid => Err(Unchangeable::NotValid(param())),
        Changeable::BeforeFirstRun if !has_run => Ok(()),
        Changeable::BeforeFirstRun => Err(Unchangeable::HasRun(param())),
        Changeable::Never => Err(Unchangeable::NotModifiable(param())),
    }
}

/// Why a parameter may not change in place, naming it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unchangeable {
    #[error("{0} changes before the first run or while Waiting")]
    HasRunAndNotWaiting(String),
    #[error("{0} changes in Ready, Running, Stopped, InError or Waiting")]
    NotValid(String),
    #[error("{0} changes only before the job has run once")]
    HasRun(String),
    #[error("{0} is not a parameter ModifyReplicationJobAttribute changes")]
    NotModifiable(String),
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
