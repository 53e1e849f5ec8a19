//! The inventory as the desired state: each row against the batch's job for its source
//! server. A pure function of the row's request, the job as the journal knows it, and its
//! state (read now, or the last one the report knows): one action each, with every
//! parameter that differs.

use crate::batch::jobs::BatchJob;
use crate::jobchange::may_change;
use crate::jobstate::JobStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What submit does with a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// No job yet: CreateReplicationJob.
    Create,
    /// The job matches the row: nothing.
    None,
    /// Parameters differ and each may still change in the job's state: ModifyReplicationJobAttribute.
    Update,
    /// A parameter differs that can no longer change in place: with `--replace`, delete and
    /// create again.
    Replace,
    /// The batch's job is gone: create it again, with a new ClientToken.
    Recreate,
    /// The row is invalid.
    Blocked,
}

impl Action {
    pub const ALL: [Action; 6] =
        [Action::Create, Action::Update, Action::Replace, Action::Recreate, Action::None, Action::Blocked];

    pub fn word(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::None => "none",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Recreate => "recreate",
            Action::Blocked => "blocked",
        }
    }
}

/// One parameter that differs: what the job has, what the row wants (empty: not set).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub parameter: String,
    pub from: String,
    pub to: String,
}

/// What is known of a job's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Read now: its status and whether it has run (`None`: the API has no such job).
    Now(Option<(JobStatus, bool)>),
    /// Not read (`plan --offline`): the last status the report knows, if any.
    LastKnown(Option<JobStatus>),
}

/// A row's action against the batch's job, the parameters that differ, and why a change
/// cannot be made in place (a replace) or why the job is made again (a recreate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decided {
    pub action: Action,
    pub changes: Vec<Change>,
    pub why: Option<String>,
}

/// Decides what to do with a row whose request is `wanted` (its flat parameters, the
/// ClientToken left out), against the batch's `job` for its source server, `seen` so.
pub fn decide(wanted: &BTreeMap<String, String>, job: &BatchJob, seen: &Seen) -> Decided {
    let (status, has_run) = match seen {
        Seen::Now(None) => {
            let why = match job.deleted {
                true => "deleted by this batch".to_string(),
                false => format!("job {} is gone: deleted elsewhere, or expired and removed", job.job_id),
            };
            return Decided { action: Action::Recreate, changes: Vec::new(), why: Some(why) };
        }
        Seen::Now(Some((status, has_run))) => (status.clone(), *has_run),
        Seen::LastKnown(_) if job.deleted => {
            return Decided {
                action: Action::Recreate,
                changes: Vec::new(),
                why: Some("deleted by this batch".into()),
            };
        }
        Seen::LastKnown(Some(s)) if s.is_gone() => {
            let why = format!("job {} was gone ({s}) when the report last looked", job.job_id);
            return Decided { action: Action::Recreate, changes: Vec::new(), why: Some(why) };
        }
        // Offline, a job never seen is taken as made and not run yet.
        Seen::LastKnown(status) => {
            let status = status.clone().unwrap_or(JobStatus::Ready);
            let has_run = status != JobStatus::Ready;
            (status, has_run)
        }
    };
    let changes = changes(&job.params, wanted);
    if changes.is_empty() {
        return Decided { action: Action::None, changes, why: None };
    }
    let emptied = LISTS.iter().find(|l| {
        let any = |m: &BTreeMap<String, String>| m.keys().any(|k| k.starts_with(*l));
        any(&job.params) && !any(wanted)
    });
    let blocked = changes
        .iter()
        .find_map(|c| may_change(&c.parameter, &status, has_run).err().map(|e| e.to_string()))
        .or_else(|| emptied.map(|l| format!("a list ({l}N) is not emptied in place")));
    match blocked {
        None => Decided { action: Action::Update, changes, why: None },
        Some(why) => {
            let ran = if has_run { format!("the job has run ({status})") } else { format!("the job is {status}") };
            // A Running job is not deleted: it is stopped first, by whoever decides to.
            let running = match status {
                JobStatus::Running => "; it is Running: stop it first (smcplan stop), then replace it",
                _ => "",
            };
            Decided { action: Action::Replace, changes, why: Some(format!("{ran}: {why}{running}")) }
        }
    }
}

/// The list parameters: a change to one element sends the whole list, which the API
/// replaces whole.
const LISTS: &[&str] = &["DataDisk.", "SystemDiskPart.", "Tag."];

/// What ModifyReplicationJobAttribute is sent for `changes` to make a job `wanted`: each
/// changed parameter, and every element of a list one of them belongs to.
pub fn modify_params(changes: &[Change], wanted: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for c in changes {
        match LISTS.iter().find(|l| c.parameter.starts_with(*l)) {
            Some(list) => {
                out.extend(wanted.iter().filter(|(k, _)| k.starts_with(*list)).map(|(k, v)| (k.clone(), v.clone())))
            }
            None => {
                out.insert(c.parameter.clone(), c.to.clone());
            }
        }
    }
    out
}

/// Every parameter whose value differs between `have` and `want`, in name order.
pub fn changes(have: &BTreeMap<String, String>, want: &BTreeMap<String, String>) -> Vec<Change> {
    let mut keys: Vec<&String> = have.keys().chain(want.keys()).filter(|k| k.as_str() != "ClientToken").collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (from, to) = (have.get(k).cloned().unwrap_or_default(), want.get(k).cloned().unwrap_or_default());
            (!same_value(k, &from, &to)).then(|| Change { parameter: k.clone(), from, to })
        })
        .collect()
}

/// Whether two values of parameter `k` are the same: times as instants (the API may write
/// one in another form), the rest as written.
pub fn same_value(k: &str, a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match k {
        "ScheduledStartTime" | "ValidTime" => {
            let instant = |t: &str| t.trim().parse::<jiff::Timestamp>().ok();
            instant(a).is_some_and(|x| instant(b) == Some(x))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn job(params: BTreeMap<String, String>) -> BatchJob {
        BatchJob { source_id: "s-1".into(), job_id: "j-1".into(), params, ..BatchJob::default() }
    }

    #[test]
    fn each_action_from_the_changes_and_the_state() {
        let have = p(&[("SourceId", "s-1"), ("VSwitchId", "vsw-a"), ("Name", "web")]);
        let moved = p(&[("SourceId", "s-1"), ("VSwitchId", "vsw-b"), ("Name", "web")]);
        let ready = Seen::Now(Some((JobStatus::Ready, false)));
        let waiting = Seen::Now(Some((JobStatus::Waiting, true)));
        assert_eq!(decide(&have, &job(have.clone()), &ready).action, Action::None);
        let d = decide(&moved, &job(have.clone()), &ready);
        assert_eq!(d.action, Action::Update);
        assert_eq!(d.changes, [Change { parameter: "VSwitchId".into(), from: "vsw-a".into(), to: "vsw-b".into() }]);
        let d = decide(&moved, &job(have.clone()), &waiting);
        assert_eq!(d.action, Action::Replace);
        assert_eq!(
            d.why.as_deref(),
            Some("the job has run (Waiting): VSwitchId changes only before the job has run once")
        );
        // A name changes in any state; RunOnce never in place.
        let renamed = p(&[("SourceId", "s-1"), ("VSwitchId", "vsw-a"), ("Name", "web-2")]);
        assert_eq!(decide(&renamed, &job(have.clone()), &waiting).action, Action::Update);
        let once = p(&[("SourceId", "s-1"), ("VSwitchId", "vsw-a"), ("Name", "web"), ("RunOnce", "false")]);
        assert_eq!(decide(&once, &job(have.clone()), &ready).action, Action::Replace);
        // Gone: made again, whatever changed; why says whose delete it was.
        let gone = decide(&have, &job(have.clone()), &Seen::Now(None));
        assert_eq!((gone.action, gone.why.unwrap().starts_with("job j-1 is gone")), (Action::Recreate, true));
        let deleted = BatchJob { deleted: true, ..job(have.clone()) };
        assert_eq!(decide(&have, &deleted, &Seen::Now(None)).why.as_deref(), Some("deleted by this batch"));
        // Offline: the last status the report knows.
        assert_eq!(
            decide(&moved, &job(have.clone()), &Seen::LastKnown(Some(JobStatus::Finished))).action,
            Action::Replace
        );
        assert_eq!(decide(&moved, &job(have), &Seen::LastKnown(None)).action, Action::Update);
    }

    proptest! {
        /// An unchanged row is `none` whatever the job's state; a changed one never is, and
        /// applying its changes makes it `none`.
        #[test]
        fn unchanged_is_none_and_applied_changes_leave_nothing(
            have in proptest::collection::btree_map("[A-Z][a-z]{1,8}|DataDisk\\.[12]\\.(Index|Size)|Tag\\.1\\.Key", "[a-z0-9]{0,4}", 0..8),
            want in proptest::collection::btree_map("[A-Z][a-z]{1,8}|DataDisk\\.[12]\\.(Index|Size)|Tag\\.1\\.Key", "[a-z0-9]{0,4}", 0..8),
            status in proptest::sample::select(JobStatus::KNOWN.to_vec()),
            has_run: bool,
        ) {
            let clean = |m: &BTreeMap<String, String>| m.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.clone(), v.clone())).collect::<BTreeMap<_, _>>();
            let (have, want) = (clean(&have), clean(&want));
            let seen = Seen::Now(Some((status, has_run)));
            prop_assert_eq!(decide(&have, &job(have.clone()), &seen).action, Action::None);
            let d = decide(&want, &job(have.clone()), &seen);
            prop_assert_eq!(d.action == Action::None, have == want);
            if d.action == Action::Update {
                let applied = crate::jobchange::changed_params(&have, &modify_params(&d.changes, &want));
                prop_assert_eq!(decide(&want, &job(applied), &seen).action, Action::None);
            }
        }
    }
}
