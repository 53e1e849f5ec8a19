//! The plan of an inventory against its batch: each row's action (create, none, update,
//! replace, recreate, blocked) from the batch's jobs as the journal knows them and their
//! state now (or the last the report knows), and the batch's jobs no row of the inventory
//! names. What `plan --report` shows and `submit` applies.

use crate::account::ReplicationJob;
use crate::account::job::flat_params;
use crate::batch::RowId;
use crate::batch::jobs::{BatchJob, jobs_of};
use crate::batch::journal::{Entry, History};
use crate::batch::report::ReportRow;
use crate::batch::rows::Line;
use crate::jobs::reconcile::{Action, Change, Seen, decide};
use crate::jobstate::JobStatus;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One row's step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    #[serde(flatten)]
    pub id: RowId,
    pub action: Action,
    #[serde(rename = "JobId", default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// The job's status, as read now (or last known offline).
    #[serde(rename = "JobStatus", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<JobStatus>,
    /// The error codes that block an invalid row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked_by: Vec<String>,
}

/// A job of the batch whose source server no row of the inventory names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outside {
    #[serde(rename = "SourceId")]
    pub source_id: String,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "JobId")]
    pub job_id: String,
    #[serde(rename = "JobStatus", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<JobStatus>,
}

/// A job as the plan saw it: what a saved plan is compared with before it is applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenJob {
    #[serde(rename = "JobStatus")]
    pub status: JobStatus,
    /// Its parameters as DescribeReplicationJobs showed them.
    pub params: BTreeMap<String, String>,
}

/// The plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reconciled {
    pub steps: Vec<Step>,
    pub not_in_inventory: Vec<Outside>,
    /// Each job the plan read (by JobId; none offline): what a saved plan keeps.
    #[serde(skip)]
    pub seen: BTreeMap<String, Option<SeenJob>>,
}

impl Reconciled {
    /// Steps by action.
    pub fn count(&self, action: Action) -> usize {
        self.steps.iter().filter(|s| s.action == action).count()
    }
}

/// The JobIds a plan of `lines` against the batch of `entries` reads: every job of the
/// batch (those the rows name, and those no row names).
pub fn jobs_to_read(entries: &[Entry]) -> Vec<String> {
    jobs_of(entries).into_values().map(|j| j.job_id).collect()
}

/// Plans `lines` against the batch of `entries`. `live`: each job's state read now (by
/// JobId; `None`: not read, offline), else the last status `report` knows.
pub fn reconcile(
    lines: &[Line],
    entries: &[Entry],
    live: Option<&BTreeMap<String, Option<ReplicationJob>>>,
    report: &[ReportRow],
) -> Reconciled {
    let jobs = jobs_of(entries);
    let history = History::of(entries);
    let last_known: BTreeMap<&str, &JobStatus> =
        report.iter().filter_map(|r| r.job_status.as_ref().map(|s| (r.job_id.as_str(), s))).collect();
    let seen_of = |job: &BatchJob| match live {
        Some(live) => Seen::Now(
            live.get(&job.job_id)
                .cloned()
                .flatten()
                .map(|j| (JobStatus::parse(&j.status), crate::jobs::states::JobState::of(&j).has_run)),
        ),
        None => Seen::LastKnown(last_known.get(job.job_id.as_str()).map(|s| (*s).clone())),
    };
    let mut steps = Vec::with_capacity(lines.len());
    let mut named: BTreeSet<&str> = BTreeSet::new();
    for l in lines {
        named.insert(l.id.source_id.as_str());
        let mut step = Step {
            id: l.id.clone(),
            action: Action::Create,
            job_id: None,
            changes: Vec::new(),
            why: None,
            status: None,
            blocked_by: Vec::new(),
        };
        if let Some((code, _)) = &l.error {
            step.action = Action::Blocked;
            step.blocked_by.push(code.clone());
        } else if let (Some(work), Some(job)) = (&l.work, jobs.get(&l.id.source_id)) {
            step.job_id = Some(job.job_id.clone());
            // The old version of a row that failed, fixed since in another row whose version
            // made the job: the fix stands.
            if job.token != work.token && history.outcomes.get(&work.token).is_some_and(|o| !o.succeeded()) {
                step.action = Action::None;
                step.why = Some(format!("its fixed version made the job ({}:{})", job.file, job.line));
                steps.push(step);
                continue;
            }
            // A job at the endpoint under the batch's JobId that is another server's is not
            // this batch's: never changed, replaced or pruned.
            if let Some(why) = foreign(live, job) {
                step.action = Action::Blocked;
                step.blocked_by.push(NOT_OURS.to_string());
                step.why = Some(why);
                steps.push(step);
                continue;
            }
            let mut wanted = work.params.clone();
            wanted.remove("ClientToken");
            let job = &as_now(job, live);
            let seen = seen_of(job);
            step.status = match &seen {
                Seen::Now(s) => s.as_ref().map(|(s, _)| s.clone()),
                Seen::LastKnown(s) => s.clone(),
            };
            let decided = decide(&wanted, job, &seen);
            step.action = decided.action;
            step.changes = decided.changes;
            step.why = decided.why;
        }
        steps.push(step);
    }
    let not_in_inventory = jobs
        .values()
        .filter(|j| !named.contains(j.source_id.as_str()) && foreign(live, j).is_none())
        .filter_map(|j| {
            let status = match seen_of(j) {
                Seen::Now(None) => return None,
                Seen::Now(Some((status, _))) => Some(status),
                Seen::LastKnown(_) if j.deleted => return None,
                Seen::LastKnown(Some(s)) if s.is_gone() => return None,
                Seen::LastKnown(status) => status,
            };
            let name = j.params.get("Name").cloned().unwrap_or_default();
            Some(Outside { source_id: j.source_id.clone(), name, job_id: j.job_id.clone(), status })
        })
        .collect();
    let seen = match live {
        Some(live) => live
            .iter()
            .map(|(id, j)| {
                let seen = j.as_ref().map(|j| SeenJob { status: JobStatus::parse(&j.status), params: flat_params(j) });
                (id.clone(), seen)
            })
            .collect(),
        None => BTreeMap::new(),
    };
    Reconciled { steps, not_in_inventory, seen }
}

/// The code a row is blocked with when the job under its JobId is another server's.
pub const NOT_OURS: &str = "Job.NotThisBatchs";

/// Why the job at the endpoint under `job`'s JobId is not the batch's job, if it is not.
fn foreign(live: Option<&BTreeMap<String, Option<ReplicationJob>>>, job: &BatchJob) -> Option<String> {
    let now = live?.get(&job.job_id)?.as_ref()?;
    (!now.source_id.is_empty() && now.source_id != job.source_id).then(|| {
        format!(
            "job {} at the endpoint is SourceId {}, where the batch's is {}: not this batch's job, never acted on",
            job.job_id, now.source_id, job.source_id
        )
    })
}

/// What `job` has now: its parameters as the journal knows them, each one the API shows
/// read as it shows it, and each one the API always shows and shows empty cleared (a change
/// made elsewhere is a difference too).
fn as_now(job: &BatchJob, live: Option<&BTreeMap<String, Option<ReplicationJob>>>) -> BatchJob {
    let mut job = job.clone();
    if let Some(Some(now)) = live.and_then(|l| l.get(&job.job_id)) {
        let shown = flat_params(now);
        job.params.retain(|k, _| shown.contains_key(k) || !crate::account::job::ALWAYS_SHOWN.contains(&k.as_str()));
        for (k, v) in job.params.iter_mut() {
            if let Some(s) = shown.get(k) {
                v.clone_from(s);
            }
        }
    }
    job
}

/// The batch in `dir` as a plan compares with it: its journal, its report's rows, and
/// (with a client) its jobs read now. Nothing is locked or written.
pub struct BatchNow {
    pub entries: Vec<Entry>,
    pub report: Vec<ReportRow>,
    /// Each job read now (`None`: read offline).
    pub live: Option<BTreeMap<String, Option<ReplicationJob>>>,
}

impl BatchNow {
    /// Reads the batch in `dir`; its jobs through `client` when one is given.
    pub fn read(dir: &std::path::Path, client: Option<&crate::api::client::Client>) -> anyhow::Result<BatchNow> {
        let entries = crate::batch::journal::Journal::read(dir)?;
        let report = crate::batch::report::read_if_any(dir)?.map(|r| r.rows).unwrap_or_default();
        let ids = jobs_to_read(&entries);
        let live = match (client, ids.is_empty()) {
            (Some(client), false) => {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                Some(runtime.block_on(crate::jobs::states::read_jobs(client, &ids))?)
            }
            (Some(_), true) => Some(BTreeMap::new()),
            (None, _) => None,
        };
        Ok(BatchNow { entries, report, live })
    }

    /// The plan of the checked inventory `lines` against it.
    pub fn plan(&self, lines: &[Line]) -> Reconciled {
        reconcile(lines, &self.entries, self.live.as_ref(), &self.report)
    }
}
