//! Each row's story, told by the journal: the transitions its jobs went through (as runs
//! observed them, and the deletes the batch made), its results, and where its job stands
//! now. A job the batch deleted is `Deleted`, one gone otherwise `Missing`; neither is
//! overwritten by a later look that finds nothing.

use super::journal::{ActResult, Entry, Seen};
use super::report::{Minute, Report, ReportRow};
use crate::jobstate::JobStatus;
use std::collections::{BTreeMap, BTreeSet};

use super::jobs::{DELETE, reached};

/// Every job's transitions in the order the journal has them, by JobId: each `Seen`, and a
/// `Deleted` when a delete of the batch was done (at its time), or was sent and its answer
/// lost (at the time it was sent: the job may be gone); unless a gone one was said first.
pub fn timelines(entries: &[Entry]) -> BTreeMap<String, Vec<Seen>> {
    let mut out: BTreeMap<String, Vec<Seen>> = BTreeMap::new();
    let mut sent: BTreeMap<&str, jiff::Timestamp> = BTreeMap::new();
    let push = |out: &mut BTreeMap<String, Vec<Seen>>, seen: Seen| {
        let list = out.entry(seen.job_id.clone()).or_default();
        // Gone stays gone: the first word on it is kept (a Deleted is never made Missing).
        if !(list.last().is_some_and(|l| l.status.is_gone()) && seen.status.is_gone()) {
            list.push(seen);
        }
    };
    for e in entries {
        match e {
            Entry::Seen(s) => push(&mut out, s.clone()),
            Entry::Act(a) if a.action == DELETE => {
                sent.insert(&a.job_id, a.at);
            }
            Entry::Acted(a) if a.action == DELETE => {
                sent.remove(a.job_id.as_str());
                if a.result == ActResult::Done {
                    push(&mut out, Seen::gone(&a.job_id, a.at, JobStatus::Deleted));
                }
            }
            _ => {}
        }
    }
    for (job, at) in sent {
        push(&mut out, Seen::gone(job, at, JobStatus::Deleted));
    }
    out
}

/// What the journal last says of each job: what a new observation is compared with.
pub fn latest(entries: &[Entry]) -> BTreeMap<String, Seen> {
    timelines(entries).into_iter().filter_map(|(id, mut list)| list.pop().map(|s| (id, s))).collect()
}

/// The JobIds the batch deleted (see [`reached`]).
pub fn deleted(entries: &[Entry]) -> BTreeSet<String> {
    reached(entries, DELETE).into_iter().map(String::from).collect()
}

/// Each source server's jobs, oldest first, from the creates the journal settled.
fn jobs_by_source(entries: &[Entry]) -> BTreeMap<String, Vec<String>> {
    let mut source_of_token: BTreeMap<&str, &str> = BTreeMap::new();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in entries {
        match e {
            Entry::Intent { token, params, .. } => {
                if let Some(s) = params.get("SourceId") {
                    source_of_token.insert(token, s);
                }
            }
            Entry::Outcome(o) => {
                if let (Some(job), Some(source)) = (&o.job_id, source_of_token.get(o.token.as_str())) {
                    let list = out.entry(source.to_string()).or_default();
                    if !list.contains(job) {
                        list.push(job.clone());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Gives each row its history (every job of its source server, in time order), its job's
/// state now and its results (kept from the last look that found the job, so that a
/// deleted job's image is still said).
pub fn tell(rows: &mut [ReportRow], entries: &[Entry]) {
    let mut lines = timelines(entries);
    let by_source = jobs_by_source(entries);
    for r in rows.iter_mut().filter(|r| !r.job_id.is_empty()) {
        let mut jobs: Vec<&str> =
            by_source.get(&r.id.source_id).map(|l| l.iter().map(String::as_str).collect()).unwrap_or_default();
        if !jobs.contains(&r.job_id.as_str()) {
            jobs.push(&r.job_id);
        }
        let mut history: Vec<Seen> = jobs.iter().flat_map(|j| lines.remove(*j).unwrap_or_default()).collect();
        history.sort_by_key(|s| s.at);
        let own: Vec<&Seen> = history.iter().filter(|s| s.job_id == r.job_id).collect();
        if let Some(now) = own.last() {
            r.job_status = Some(now.status.clone());
            r.status_at = Some(crate::time::format_time(now.at));
            if !now.status.is_gone() {
                r.business_status = Some(now.business.clone());
                r.progress = now.progress;
                r.job_error_code = Some(now.error_code.clone());
            }
        }
        if let Some(found) = own.iter().rev().find(|s| !s.status.is_gone()) {
            r.results = found.results.clone();
        }
        r.history = history;
    }
}

/// The batch's calls minute by minute, as the journal has them: each request's intent is a
/// call, each settled attempt past the first a retry, each refusal a failure.
pub fn timeline(entries: &[Entry]) -> Vec<Minute> {
    let mut minutes: BTreeMap<i64, Minute> = BTreeMap::new();
    for e in entries {
        let (t, calls, retries, failed) = match e {
            Entry::Intent { at, .. } => (*at, 1, 0, false),
            Entry::Act(a) => (a.at, 1, 0, false),
            Entry::Outcome(o) => (o.at, 0, o.attempts.saturating_sub(1), !o.succeeded()),
            Entry::Acted(a) => (a.at, 0, a.attempts.saturating_sub(1), a.result == ActResult::Failed),
            _ => continue,
        };
        let m = t.as_second().div_euclid(60) * 60;
        let minute = minutes.entry(m).or_insert_with(|| Minute {
            at: jiff::Timestamp::from_second(m).map(crate::time::format_time).unwrap_or_default(),
            ..Minute::default()
        });
        minute.calls += calls;
        minute.retries += retries;
        minute.failed += u32::from(failed);
    }
    minutes.into_values().collect()
}

/// The report of `rows` as the journal's `entries` tell them: its runs, its calls minute
/// by minute, and each row's history, state now and results.
pub fn told(mut rows: Vec<ReportRow>, entries: &[Entry]) -> Report {
    tell(&mut rows, entries);
    let mut report = Report::new(rows, super::journal::runs_of(entries));
    report.timeline = timeline(entries);
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::journal::{Acted, Outcome};
    use jiff::Timestamp;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    fn seen(job: &str, at: i64, status: JobStatus) -> Entry {
        Entry::Seen(Seen { status, ..Seen::gone(job, t(at), JobStatus::Ready) })
    }

    fn created(source: &str, token: &str, job: &str) -> [Entry; 2] {
        let params = BTreeMap::from([("SourceId".to_string(), source.to_string())]);
        let intent = Entry::Intent {
            line: 2,
            token: token.into(),
            params,
            at: t(0),
            lookup: false,
            run: None,
            file: None,
            replaces: None,
        };
        [intent, Entry::Outcome(Outcome::settled(2, token, Some(job)))]
    }

    fn delete(job: &str, at: i64, result: ActResult) -> Entry {
        Entry::Acted(Acted {
            line: 2,
            action: DELETE.into(),
            job_id: job.into(),
            result,
            request_id: None,
            error_code: None,
            error_message: None,
            attempts: 1,
            at: t(at),
        })
    }

    fn row(source: &str, job: &str) -> ReportRow {
        let mut r = ReportRow { job_id: job.into(), ..ReportRow::default() };
        r.id.source_id = source.into();
        r
    }

    fn sent(job: &str, at: i64) -> Entry {
        Entry::Act(crate::batch::journal::Act {
            line: 2,
            action: DELETE.into(),
            job_id: job.into(),
            params: BTreeMap::new(),
            at: t(at),
            run: "r".into(),
            purpose: None,
        })
    }

    /// The jobs the timelines say were deleted (each journal here has no look at its jobs:
    /// the timelines keep the first word on a job gone, a `Missing` seen before a delete too).
    fn deleted_in_timelines(entries: &[Entry]) -> BTreeSet<String> {
        let lines = timelines(entries);
        lines.into_iter().filter(|(_, l)| l.iter().any(|s| s.status == JobStatus::Deleted)).map(|(j, _)| j).collect()
    }

    #[test]
    fn one_rule_says_which_jobs_a_delete_reached() {
        use ActResult::{Done, Failed};
        let cases: [(&[Entry], &[&str]); 6] = [
            // Sent, its answer lost: the job may be gone.
            (&[sent("j-1", 1)], &["j-1"]),
            // Refused: not reached.
            (&[sent("j-1", 1), delete("j-1", 2, Failed)], &[]),
            // Done with no sending before it (a journal written by hand, or by a generator).
            (&[delete("j-1", 2, Done)], &["j-1"]),
            // Done once, refused later (a second delete, from a stale read, of a job being
            // deleted): a delete cannot be undone, the job is still deleted.
            (&[sent("j-1", 1), delete("j-1", 2, Done), sent("j-1", 3), delete("j-1", 4, Failed)], &["j-1"]),
            // Refused once, sent again and its answer lost.
            (&[sent("j-1", 1), delete("j-1", 2, Failed), sent("j-1", 3)], &["j-1"]),
            // Another job's delete says nothing of this one.
            (&[sent("j-2", 1), delete("j-2", 2, Failed), delete("j-1", 3, Done)], &["j-1"]),
        ];
        for (entries, want) in cases {
            let want: BTreeSet<String> = want.iter().map(|j| j.to_string()).collect();
            assert_eq!(deleted(entries), want, "{entries:?}");
            assert_eq!(deleted_in_timelines(entries), want, "the timelines agree: {entries:?}");
        }
    }

    #[test]
    fn a_deleted_job_keeps_what_it_was_and_is_never_made_not_found() {
        let mut entries: Vec<Entry> = created("s-1", "t1", "j-1").into();
        entries.extend([seen("j-1", 1, JobStatus::Running), seen("j-1", 2, JobStatus::Finished)]);
        entries.extend([delete("j-1", 3, ActResult::Done), seen("j-1", 4, JobStatus::Missing)]);
        let mut rows = [row("s-1", "j-1")];
        tell(&mut rows, &entries);
        let statuses: Vec<_> = rows[0].history.iter().map(|s| s.status.clone()).collect();
        assert_eq!(statuses, [JobStatus::Running, JobStatus::Finished, JobStatus::Deleted]);
        assert_eq!(rows[0].job_status, Some(JobStatus::Deleted));
        assert_eq!(rows[0].status_at.as_deref(), Some(crate::time::format_time(t(3)).as_str()));
        assert_eq!(rows[0].first_running_and_finished().1, Some(crate::time::format_time(t(2))));
    }

    #[test]
    fn a_refused_delete_leaves_the_job_and_a_vanished_one_is_missing() {
        let mut entries: Vec<Entry> = created("s-1", "t1", "j-1").into();
        entries.extend([
            seen("j-1", 1, JobStatus::Ready),
            delete("j-1", 2, ActResult::Failed),
            seen("j-1", 3, JobStatus::Missing),
        ]);
        let mut rows = [row("s-1", "j-1")];
        tell(&mut rows, &entries);
        assert_eq!(rows[0].job_status, Some(JobStatus::Missing));
        assert_eq!(rows[0].history.len(), 2);
    }

    #[test]
    fn a_replaced_job_s_history_goes_on_under_its_new_id() {
        let mut entries: Vec<Entry> = created("s-1", "t1", "j-1").into();
        entries.extend([seen("j-1", 1, JobStatus::Ready), delete("j-1", 2, ActResult::Done)]);
        entries.extend(created("s-1", "t2", "j-2"));
        entries.push(seen("j-2", 3, JobStatus::Running));
        let mut rows = [row("s-1", "j-2")];
        tell(&mut rows, &entries);
        let ids: Vec<_> = rows[0].history.iter().map(|s| (s.job_id.as_str(), s.status.as_str())).collect();
        assert_eq!(ids, [("j-1", "Ready"), ("j-1", "Deleted"), ("j-2", "Running")]);
        assert_eq!(rows[0].job_status, Some(JobStatus::Running));
    }
}
