//! Status: every job of the batch as the API has it now, once or until no job will move
//! without a person; each refresh recorded in the report (when the directory can take it)
//! and handed to the caller to show.

use super::scope::RunScope;
use crate::api::client::Client;
use crate::batch::journal::{Ended, RunRecord, Seen};
use crate::batch::observe::{Observer, current_of};
use crate::batch::report::ReportRow;
use crate::engine::signals::Signal;
use crate::jobstate::JobStatus;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// How to look.
#[derive(Clone, Debug, Default)]
pub struct Look {
    /// Only these jobs (by JobId): a wave's, some lines', some jobs'.
    pub only: Option<std::collections::BTreeSet<String>>,
    /// Until no job will change without the user.
    pub watch: bool,
    /// Between refreshes.
    pub interval: Duration,
}

/// One look at every job of the batch (of the wave looked at).
#[derive(Clone, Debug, Default)]
pub struct Refresh {
    /// The rows with a job, each with its state as seen now.
    pub rows: Vec<ReportRow>,
    pub checked_at: String,
    /// Jobs by status.
    pub counts: BTreeMap<String, usize>,
    /// Jobs that nothing starts on their own (Ready without a schedule, Stopped, InError).
    pub waiting_for_you: usize,
    /// Whether every job stays as it is until a person acts.
    pub settled: bool,
    /// `DIR: 3 Running, 2 Finished`.
    pub line: String,
}

/// What a status run came to.
#[derive(Debug)]
pub struct Outcome {
    pub last: Refresh,
    pub signal: Option<Signal>,
}

impl Outcome {
    /// Whether a job needs a person: InError, Expired, or gone without this batch's delete.
    pub fn trouble(&self) -> bool {
        self.last.counts.keys().any(|s| JobStatus::parse(s).is_trouble())
    }
}

/// What the caller does with each refresh, and with what the run must say on the side.
pub trait Show {
    fn refresh(&mut self, refresh: &Refresh) -> anyhow::Result<()>;
    /// A refresh failed; the watch goes on.
    fn failed(&mut self, error: &anyhow::Error, retry_in: Duration);
    fn note(&mut self, note: &str);
}

/// Looks at every job of the batch in `dir` (once, or watching), recording each refresh;
/// `record` is the run's record, journaled when the directory can take it.
pub fn status(
    client: &Client,
    dir: &Path,
    look: &Look,
    record: RunRecord,
    show: &mut dyn Show,
) -> anyhow::Result<Outcome> {
    let mut scope = RunScope::new(1)?;
    scope.take_signals()?;
    let mut notes = Vec::new();
    let mut observer = Observer::start(dir, record, &mut notes)?;
    notes.drain(..).for_each(|n| show.note(&n));
    let result = watch(client, dir, look, &scope, observer.as_mut(), show);
    scope.release_signals();
    if let Some(observer) = observer {
        let (ended, line, counts) = match &result {
            Ok(last) => (scope.ended(), last.line.clone(), last.counts.clone()),
            Err(e) => (Ended::Failed, client.redact(&format!("{e:#}")), BTreeMap::new()),
        };
        let counts = counts.into_iter().map(|(s, n)| (s, n as u64)).collect();
        let end = observer.record().end(ended, counts, &line);
        observer.end(end, &mut notes)?;
        notes.drain(..).for_each(|n| show.note(&n));
    }
    Ok(Outcome { last: result?, signal: scope.signal() })
}

/// The refreshes, until the look ends: after one, or when no job will move alone, or at a signal.
fn watch(
    client: &Client,
    dir: &Path,
    look: &Look,
    scope: &RunScope,
    mut observer: Option<&mut Observer>,
    show: &mut dyn Show,
) -> anyhow::Result<Refresh> {
    let stop = &scope.stop;
    // Sleeps for the interval; `true` when a signal ends the watch instead.
    let pause = || {
        scope.runtime.block_on(async {
            tokio::select! {
                () = tokio::time::sleep(look.interval) => false,
                () = stop.wait_requested() => true,
            }
        })
    };
    let mut last = Refresh { line: format!("{}: no refresh yet", dir.display()), ..Refresh::default() };
    loop {
        if stop.requested() {
            return Ok(last);
        }
        // The journal is read once a refresh: for the rows, and for the jobs the batch deleted.
        let entries = crate::batch::journal::Journal::read(dir)?;
        let mut rows = current_of(dir, &entries)?.rows;
        rows.retain(|r| !r.job_id.is_empty() && look.only.as_ref().is_none_or(|ids| ids.contains(&r.job_id)));
        let ids: Vec<String> = rows.iter().map(|r| r.job_id.clone()).collect();
        let read = scope.runtime.block_on(async {
            tokio::select! {
                jobs = crate::jobs::states::read_jobs(client, &ids) => Some(jobs),
                () = stop.wait_requested() => None,
            }
        });
        let jobs = match read {
            None => return Ok(last),
            Some(Ok(jobs)) => jobs,
            // A watch goes on through a failed refresh (the client retried it already); a
            // single look fails.
            Some(Err(e)) if look.watch => {
                show.failed(&e, look.interval);
                if pause() {
                    return Ok(last);
                }
                continue;
            }
            Some(Err(e)) => return Err(e),
        };
        // A job gone is Deleted when a delete of the batch removed it, else Missing. A delete
        // journals its sending before the call: a job gone that the journal read before the
        // look does not say the batch deleted is looked up in the journal as it is now.
        let mut deleted = crate::batch::story::deleted(&entries);
        if jobs.iter().any(|(id, job)| job.is_none() && !deleted.contains(id)) {
            deleted = crate::batch::story::deleted(&crate::batch::journal::Journal::read(dir)?);
        }
        let at = jiff::Timestamp::now();
        let seen: Vec<Seen> = rows
            .iter()
            .map(|r| Seen::of(&r.job_id, jobs.get(&r.job_id).and_then(Option::as_ref), at, deleted.contains(&r.job_id)))
            .collect();
        let refresh = refresh_of(dir, rows, (&seen, at), &jobs);
        show.refresh(&refresh)?;
        if let Some(observer) = observer.as_deref_mut() {
            let mut notes = Vec::new();
            observer.write(seen, &refresh.checked_at, &mut notes)?;
            notes.iter().for_each(|n| show.note(n));
        }
        let settled = refresh.settled;
        last = refresh;
        if !look.watch || settled || pause() {
            return Ok(last);
        }
    }
}

/// Each row's job as a look at `at` saw it (`seen`, one for each row, in order), counted;
/// `jobs` (by JobId) says which are scheduled, and which were there to give their results.
pub fn refresh_of(
    dir: &Path,
    mut rows: Vec<ReportRow>,
    (seen, at): (&[Seen], jiff::Timestamp),
    jobs: &BTreeMap<String, Option<crate::account::ReplicationJob>>,
) -> Refresh {
    let checked_at = crate::time::format_time(at);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let (mut waiting_for_you, mut still) = (0, 0);
    debug_assert_eq!(rows.len(), seen.len(), "one look for each row");
    for (r, seen) in rows.iter_mut().zip(seen) {
        let job = jobs.get(&r.job_id).and_then(Option::as_ref);
        let scheduled = job.and_then(|j| j.extra.get("ScheduledStartTime")).and_then(|v| v.as_str());
        let scheduled = scheduled.is_some_and(|s| !s.is_empty());
        let status = seen.status.clone();
        if job.is_some() {
            r.results = seen.results.clone();
        }
        if r.job_status.as_ref() != Some(&status) {
            r.status_at = Some(checked_at.clone());
        }
        waiting_for_you += usize::from(status.waits_for_the_user(scheduled));
        still += usize::from(status.will_not_move(scheduled));
        *counts.entry(status.to_string()).or_default() += 1;
        r.job_status = Some(status);
        r.business_status = Some(seen.business.clone());
        r.progress = seen.progress;
        r.job_error_code = Some(seen.error_code.clone());
        r.checked_at = Some(checked_at.clone());
    }
    let each: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    let each = if each.is_empty() { "no jobs".to_string() } else { each.join(", ") };
    let settled = still == rows.len();
    Refresh { line: format!("{}: {each}", dir.display()), rows, checked_at, counts, waiting_for_you, settled }
}
