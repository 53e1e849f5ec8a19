//! The batch's jobs as its journal tells them: for each source server, the latest job the
//! batch created (or adopted), the parameters that job has now (those it was created with,
//! as each update this batch applied changed them), and whether a delete of the batch
//! removed it. What `plan --report` compares an inventory with.

use super::journal::{ActResult, Entry};
use crate::plan::request::Purpose;
use std::collections::{BTreeMap, BTreeSet};

/// The API action that changes a job's parameters in place.
pub const MODIFY: &str = "ModifyReplicationJobAttribute";
/// The API action that deletes a job.
pub const DELETE: &str = "DeleteReplicationJob";

/// The batch's job for one source server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchJob {
    pub source_id: String,
    pub job_id: String,
    /// The ClientToken that made it.
    pub token: String,
    /// Its request parameters now, ClientToken left out.
    pub params: BTreeMap<String, String>,
    /// A delete of this batch removed it (done, or sent and its answer lost).
    pub deleted: bool,
    /// A delete of it was sent as part of a replace (`replace`) or a prune (`prune`).
    pub deleted_for: Option<Purpose>,
    /// Where the row that made it came from.
    pub line: u64,
    pub file: String,
}

/// The jobs this batch's calls of `action` (the API's name) reached: the last call done, or
/// sent and its answer lost (the job may have been reached); a call the API refused reached
/// nothing. A delete cannot be undone: one done stays done whatever is refused after it.
/// The one statement of the rule: the timelines' `Deleted`, the jobs a look is told the
/// batch deleted, [`BatchJob::deleted`], and what start, stop, cutover and delete count as
/// this batch's own earlier work all read it.
pub fn reached<'a>(entries: &'a [Entry], action: &str) -> BTreeSet<&'a str> {
    let lasting = action == DELETE;
    // Per job: whether a call reached it, and whether one is still without its answer.
    let mut calls: BTreeMap<&str, (bool, bool)> = BTreeMap::new();
    for e in entries {
        match e {
            Entry::Act(a) if a.action == action => calls.entry(&a.job_id).or_default().1 = true,
            Entry::Acted(a) if a.action == action => {
                let (done, open) = calls.entry(&a.job_id).or_default();
                let now = a.result == ActResult::Done;
                *done = now || (lasting && *done);
                *open = false;
            }
            _ => {}
        }
    }
    calls.into_iter().filter(|(_, (done, open))| *done || *open).map(|(job, _)| job).collect()
}

/// Each source server's job, by SourceId.
pub fn jobs_of(entries: &[Entry]) -> BTreeMap<String, BatchJob> {
    // Each create's line, parameters and file, by its token.
    type Sent<'a> = (u64, &'a BTreeMap<String, String>, Option<&'a str>);
    let mut sent: BTreeMap<&str, Sent> = BTreeMap::new();
    let mut jobs: BTreeMap<String, BatchJob> = BTreeMap::new();
    let mut by_id: BTreeMap<String, String> = BTreeMap::new();
    // A modify's parameters, by JobId, until its result says it was done.
    let mut modifying: BTreeMap<&str, &BTreeMap<String, String>> = BTreeMap::new();
    for e in entries {
        match e {
            Entry::Intent { line, token, params, file, .. } => {
                sent.insert(token.as_str(), (*line, params, file.as_deref()));
            }
            Entry::Outcome(o) => {
                let (Some(job), Some((line, params, file))) = (&o.job_id, sent.get(o.token.as_str())) else {
                    continue;
                };
                let Some(source) = params.get("SourceId") else { continue };
                let mut params = (*params).clone();
                params.remove("ClientToken");
                by_id.insert(job.clone(), source.clone());
                jobs.insert(
                    source.clone(),
                    BatchJob {
                        source_id: source.clone(),
                        job_id: job.clone(),
                        token: o.token.clone(),
                        params,
                        line: *line,
                        file: file.unwrap_or_default().to_string(),
                        ..BatchJob::default()
                    },
                );
            }
            Entry::Act(a) if a.action == MODIFY => {
                modifying.insert(a.job_id.as_str(), &a.params);
            }
            // Why the last delete of it was sent (whether it removed the job is said below).
            Entry::Act(a) if a.action == DELETE => {
                if let Some(j) = by_id.get(&a.job_id).and_then(|s| jobs.get_mut(s)).filter(|j| j.job_id == a.job_id) {
                    j.deleted_for = a.purpose;
                }
            }
            Entry::Acted(a) if a.action == MODIFY && a.result == ActResult::Done => {
                let (Some(changed), Some(j)) = (
                    modifying.remove(a.job_id.as_str()),
                    by_id.get(&a.job_id).and_then(|s| jobs.get_mut(s)).filter(|j| j.job_id == a.job_id),
                ) else {
                    continue;
                };
                j.params = crate::jobchange::changed_params(&j.params, changed);
            }
            _ => {}
        }
    }
    let deleted = reached(entries, DELETE);
    for j in jobs.values_mut() {
        j.deleted = deleted.contains(j.job_id.as_str());
        j.deleted_for = j.deleted_for.filter(|_| j.deleted);
    }
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::journal::{Act, Acted, Outcome};

    fn p(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn intent(token: &str, params: BTreeMap<String, String>) -> Entry {
        Entry::Intent {
            line: 2,
            token: token.into(),
            params,
            at: jiff::Timestamp::UNIX_EPOCH,
            lookup: false,
            run: None,
            file: Some("inv.csv".into()),
            replaces: None,
        }
    }

    fn act(action: &str, job: &str, params: BTreeMap<String, String>, purpose: Option<Purpose>) -> Entry {
        Entry::Act(Act {
            line: 2,
            action: action.into(),
            job_id: job.into(),
            params,
            at: jiff::Timestamp::UNIX_EPOCH,
            run: "r".into(),
            purpose,
        })
    }

    fn acted(action: &str, job: &str, result: ActResult) -> Entry {
        Entry::Acted(Acted {
            line: 2,
            action: action.into(),
            job_id: job.into(),
            result,
            request_id: None,
            error_code: None,
            error_message: None,
            attempts: 1,
            at: jiff::Timestamp::UNIX_EPOCH,
        })
    }

    #[test]
    fn the_latest_job_of_each_source_with_its_parameters_as_updated() {
        let created = p(&[("SourceId", "s-1"), ("Name", "a"), ("VSwitchId", "vsw-a"), ("ClientToken", "t1")]);
        let change = p(&[("JobId", "j-1"), ("VSwitchId", "vsw-b")]);
        let entries = [
            intent("t1", created),
            Entry::Outcome(Outcome::settled(2, "t1", Some("j-1"))),
            act(MODIFY, "j-1", change.clone(), Some(Purpose::Update)),
            acted(MODIFY, "j-1", ActResult::Done),
            // A modify whose answer was lost changes nothing the journal knows.
            act(MODIFY, "j-1", p(&[("JobId", "j-1"), ("Name", "lost")]), Some(Purpose::Update)),
        ];
        let jobs = jobs_of(&entries);
        let j = &jobs["s-1"];
        assert_eq!((j.job_id.as_str(), j.token.as_str(), j.deleted), ("j-1", "t1", false));
        assert_eq!(j.params, p(&[("SourceId", "s-1"), ("Name", "a"), ("VSwitchId", "vsw-b")]));
        // Deleted to be replaced, then made again: the new job is the source's.
        let mut more = entries.to_vec();
        more.push(act(DELETE, "j-1", p(&[("JobId", "j-1")]), Some(Purpose::Replace)));
        assert_eq!(jobs_of(&more)["s-1"].deleted_for, Some(Purpose::Replace));
        more.push(intent("t2", p(&[("SourceId", "s-1"), ("Name", "a"), ("ClientToken", "t2")])));
        more.push(Entry::Outcome(Outcome::settled(2, "t2", Some("j-2"))));
        let j = &jobs_of(&more)["s-1"];
        assert_eq!((j.job_id.as_str(), j.deleted), ("j-2", false));
    }

    #[test]
    fn a_stop_refused_after_one_done_has_not_stopped_the_job_and_a_delete_stays_done() {
        use ActResult::{Done, Failed};
        for (action, want) in [("StopReplicationJob", vec![]), (DELETE, vec!["j-1"])] {
            let sent = || act(action, "j-1", BTreeMap::new(), None);
            let entries = [sent(), acted(action, "j-1", Done), sent(), acted(action, "j-1", Failed)];
            assert_eq!(reached(&entries, action).into_iter().collect::<Vec<_>>(), want, "{action}");
        }
        // Sent, its answer lost: the job may have been reached, whatever the action.
        let stop = "StopReplicationJob";
        let lost = [acted(stop, "j-2", Failed), act(stop, "j-2", BTreeMap::new(), None)];
        assert_eq!(reached(&lost, stop), BTreeSet::from(["j-2"]));
    }
}
