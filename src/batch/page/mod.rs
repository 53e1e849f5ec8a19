//! The batch's report for people: the view the pages are drawn from (each wave's jobs with
//! their planned and actual runs, the totals, the runs), and the pages themselves, HTML for
//! a manager and Markdown for a change ticket.

pub mod gantt;
pub mod html;
pub mod md;

use super::report::{Report, ReportRow};
use crate::jobstate::JobStatus;
use crate::plan::estimate::{DEFAULT_THROUGHPUT, Job, duration};
use jiff::Timestamp;
use std::collections::BTreeMap;

/// How a job's bar is marked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mark {
    /// Not run yet.
    Waiting,
    Running,
    Finished,
    /// InError, Expired or Missing: a person must look.
    Failed,
    /// Stopped by a person.
    Stopped,
    /// Deleted by the batch (a rollback).
    RolledBack,
}

impl Mark {
    fn of(status: Option<&JobStatus>) -> Mark {
        match status {
            Some(JobStatus::Running | JobStatus::Deleting) => Mark::Running,
            Some(JobStatus::Finished | JobStatus::Waiting) => Mark::Finished,
            Some(JobStatus::InError | JobStatus::Expired | JobStatus::Missing) => Mark::Failed,
            Some(JobStatus::Stopped) => Mark::Stopped,
            Some(JobStatus::Deleted) => Mark::RolledBack,
            _ => Mark::Waiting,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Waiting => "waiting",
            Mark::Running => "running",
            Mark::Finished => "finished",
            Mark::Failed => "failed",
            Mark::Stopped => "stopped",
            Mark::RolledBack => "rolled back",
        }
    }
}

/// One job in its wave's chart.
#[derive(Clone, Debug)]
pub struct Bar<'a> {
    pub row: &'a ReportRow,
    /// Its ScheduledStartTime and the end the estimator expects.
    pub planned: Option<(Timestamp, Timestamp)>,
    /// When it ran: from its first Running to its end (now, while it runs).
    pub actual: Option<(Timestamp, Timestamp)>,
    /// When the batch deleted it, if it did.
    pub rolled_back: Option<Timestamp>,
    pub mark: Mark,
}

/// A wave: its jobs, and the span its chart covers.
#[derive(Clone, Debug)]
pub struct Wave<'a> {
    /// The Wave cell (empty: rows without one).
    pub name: String,
    pub bars: Vec<Bar<'a>>,
    pub planned_start: Option<Timestamp>,
    pub expected_end: Option<Timestamp>,
    /// The last actual end, once every job of the wave has ended.
    pub actual_end: Option<Timestamp>,
    /// When the wave is expected to end as its jobs stand now (see [`forecast`]).
    pub forecast: Option<Timestamp>,
    /// What the chart's axis covers.
    pub from: Timestamp,
    pub to: Timestamp,
}

impl Wave<'_> {
    pub fn title(&self) -> String {
        if self.name.is_empty() { "rows without a wave".to_string() } else { format!("wave {}", self.name) }
    }

    /// How many of its jobs are marked `m`.
    pub fn count(&self, m: Mark) -> usize {
        self.bars.iter().filter(|b| b.mark == m).count()
    }
}

/// The report as the pages show it.
pub struct View<'a> {
    pub report: &'a Report,
    /// When the pages were drawn: the end of a bar still running.
    pub now: Timestamp,
    /// Mbit/s the expected ends are estimated at (the schedule's pace, else the default).
    pub throughput: f64,
    pub waves: Vec<Wave<'a>>,
    /// Jobs by status now.
    /// Jobs by status now (`None`: not checked yet), in the order of [`JobStatus`].
    pub statuses: BTreeMap<Option<JobStatus>, usize>,
}

fn time(text: &str) -> Option<Timestamp> {
    crate::time::parse_time(text)
}

/// When a row's job ran: the job's own StartTime and EndTime (its latest run), else the
/// history's first Running and the transition that ended it; a run still going ends now.
fn actual(r: &ReportRow, now: Timestamp) -> Option<(Timestamp, Timestamp)> {
    let own: Vec<_> = r.history.iter().filter(|s| s.job_id == r.job_id).collect();
    let seen_start = own.iter().find(|s| s.status == JobStatus::Running).map(|s| s.at);
    let start = time(&r.results.start_time).or(seen_start)?;
    let ended = |s: &&&crate::batch::journal::Seen| {
        s.at >= start && !matches!(s.status, JobStatus::Running | JobStatus::Ready | JobStatus::Deleting)
    };
    let end = match r.job_status {
        Some(JobStatus::Running) | Some(JobStatus::Deleting) => now.max(start),
        _ => time(&r.results.end_time).or_else(|| own.iter().find(ended).map(|s| s.at)).unwrap_or(now),
    };
    Some((start, end.max(start)))
}

impl<'a> View<'a> {
    pub fn of(report: &'a Report, now: Timestamp) -> View<'a> {
        let pace = report.runs.iter().rev().find_map(|r| r.record.inventory.as_ref().and_then(|i| i.pace));
        let throughput = pace.map_or(DEFAULT_THROUGHPUT, |p| p.throughput);
        let jobs: Vec<&ReportRow> = report.rows.iter().filter(|r| !r.job_id.is_empty()).collect();
        let mut statuses: BTreeMap<Option<JobStatus>, usize> = BTreeMap::new();
        for r in &jobs {
            *statuses.entry(r.job_status.clone()).or_default() += 1;
        }
        let labels: Vec<&str> = report.rows.iter().map(|r| r.wave.as_str()).collect();
        let mut waves = Vec::new();
        for name in crate::plan::waves::order(&labels) {
            let bars: Vec<Bar> = jobs
                .iter()
                .filter(|r| r.wave == name)
                .map(|r| {
                    let planned = r.params.get("ScheduledStartTime").and_then(|t| time(t)).map(|start| {
                        let job = Job::of_params(r.id.line, &r.wave, &r.params, None);
                        (start, start.saturating_add(duration(&job, throughput)).unwrap_or(start))
                    });
                    let rolled_back = (r.job_status == Some(JobStatus::Deleted))
                        .then(|| r.status_at.as_deref().and_then(time))
                        .flatten();
                    Bar { row: r, planned, actual: actual(r, now), rolled_back, mark: Mark::of(r.job_status.as_ref()) }
                })
                .collect();
            if bars.is_empty() {
                continue;
            }
            let planned_start = bars.iter().filter_map(|b| b.planned.map(|p| p.0)).min();
            let expected_end = bars.iter().filter_map(|b| b.planned.map(|p| p.1)).max();
            let all_ended = bars.iter().all(|b| matches!(b.mark, Mark::Finished | Mark::Failed | Mark::RolledBack));
            let actual_end = bars.iter().filter_map(|b| b.actual.map(|a| a.1)).max().filter(|_| all_ended);
            let points = bars
                .iter()
                .flat_map(|b| b.planned.into_iter().chain(b.actual).flat_map(|(a, z)| [a, z]).chain(b.rolled_back));
            let (from, to) = points.fold((None, None), |(lo, hi): (Option<Timestamp>, Option<Timestamp>), t| {
                (Some(lo.map_or(t, |l| l.min(t))), Some(hi.map_or(t, |h| h.max(t))))
            });
            let from = from.unwrap_or(now);
            let to = to.unwrap_or(now).max(from.saturating_add(jiff::SignedDuration::from_mins(1)).unwrap_or(from));
            let forecast = bars.iter().filter_map(|b| forecast(b, now)).max();
            waves.push(Wave { name, bars, planned_start, expected_end, actual_end, forecast, from, to });
        }
        View { report, now, throughput, waves, statuses }
    }
}

/// When a job is expected to end as it stands at `now`: its end once it ended; while it
/// runs, its start plus the time so far scaled by its progress (the planned length until it
/// has progressed); before it runs, its planned end, or, once its start has passed, now
/// plus its planned length.
pub fn forecast(b: &Bar, now: Timestamp) -> Option<Timestamp> {
    let length = b.planned.map(|(s, e)| e.duration_since(s));
    let after = |t: Timestamp, d: jiff::SignedDuration| t.saturating_add(d).unwrap_or(t);
    match (b.mark, b.actual) {
        (Mark::Finished | Mark::Failed | Mark::RolledBack | Mark::Stopped, Some((_, end))) => Some(end),
        (Mark::RolledBack, None) => None,
        (Mark::Running, Some((start, _))) => match b.row.progress.filter(|p| *p > 0.0) {
            Some(p) => {
                let so_far = now.duration_since(start).as_secs_f64().max(0.0);
                Some(after(start, jiff::SignedDuration::from_secs_f64(so_far * 100.0 / p.min(100.0))))
            }
            None => length.map(|l| after(start, l)).map(|t| t.max(now)),
        },
        _ => b.planned.map(|(start, end)| if start < now { after(now, end.duration_since(start)) } else { end }),
    }
}

/// A status as the pages name it (`not checked` before a look).
pub fn status_name(s: &Option<JobStatus>) -> &str {
    s.as_ref().map_or("not checked", JobStatus::as_str)
}

/// What a person can do about a row's error: the API's refusal, or its job's error.
pub fn hint_of(r: &ReportRow, dir: &str) -> String {
    match r.job_error_code.as_deref().filter(|c| !c.is_empty()) {
        Some(code) => crate::jobstate::error_hint(code, &format!("smcplan start {dir} --job {}", r.job_id)),
        None => String::new(),
    }
}
