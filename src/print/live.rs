//! The live view of a batch's jobs, as `status --watch` shows it: counts per Status, a bar
//! per wave (Finished, running, ready or waiting), and the jobs InError with their JobErrorCode and
//! a hint. The same text is redrawn in place on a terminal and printed as lines elsewhere.

use crate::batch::report::ReportRow;
use crate::jobstate::JobStatus;
use crate::text::Count;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Width of a wave's bar, in characters.
const BAR: usize = 24;

pub use crate::jobstate::error_hint as hint;

fn running(status: &JobStatus) -> bool {
    matches!(status, JobStatus::Running | JobStatus::Deleting)
}

/// The view of a refresh at `now`, for a watch: the view of [`render`], its first line
/// saying when it was refreshed, each wave's line its planned end (at the pace the batch's
/// `runs` were scheduled at) against the end now expected.
pub fn render_at(rows: &[ReportRow], runs: &[crate::batch::journal::Run], dir: &str, now: jiff::Timestamp) -> String {
    let report = crate::batch::report::Report::new(rows.to_vec(), runs.to_vec());
    let view = crate::batch::page::View::of(&report, now);
    let minute = |t: Option<jiff::Timestamp>| t.map_or("-".to_string(), |t| t.strftime("%m-%d %H:%MZ").to_string());
    let mut out = String::new();
    for (i, line) in render(rows, dir).lines().enumerate() {
        out.push_str(line);
        if i == 0 {
            let _ = write!(out, " (refreshed {})", now.strftime("%H:%M:%SZ"));
        }
        let wave = line.trim_start().strip_prefix("wave ").and_then(|w| w.split_whitespace().next());
        let wave = wave.or_else(|| line.trim_start().starts_with("no wave ").then_some(""));
        if let Some(w) = wave.and_then(|name| view.waves.iter().find(|v| v.name == name))
            && (w.expected_end.is_some() || w.forecast.is_some())
        {
            let _ = write!(
                out,
                "; ends planned {}, expected {}",
                minute(w.expected_end),
                minute(w.actual_end.or(w.forecast))
            );
        }
        out.push('\n');
    }
    out
}

/// The view of `rows` (the report's rows that have a job) as of a refresh; `dir` is the
/// report directory, for the commands the hints give.
pub fn render(rows: &[ReportRow], dir: &str) -> String {
    let jobs: Vec<&ReportRow> = rows.iter().filter(|r| !r.job_id.is_empty()).collect();
    let status = |r: &ReportRow| r.job_status.clone().unwrap_or_else(|| JobStatus::Other("unknown".into()));
    let mut out = String::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in &jobs {
        *counts.entry(status(r).to_string()).or_default() += 1;
    }
    let each: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    let _ = writeln!(
        out,
        "{}: {}",
        Count(jobs.len(), "job"),
        if each.is_empty() { "none".to_string() } else { each.join(", ") }
    );
    let labels: Vec<&str> = jobs.iter().map(|r| r.wave.as_str()).collect();
    let waves = crate::plan::waves::order(&labels);
    if waves.iter().any(|w| !w.is_empty()) {
        for wave in &waves {
            let of: Vec<&&ReportRow> = jobs.iter().filter(|r| r.wave == *wave).collect();
            let finished = of.iter().filter(|r| status(r) == JobStatus::Finished).count();
            let run = of.iter().filter(|r| running(&status(r))).count();
            let held = of
                .iter()
                .filter(|r| matches!(status(r), JobStatus::InError | JobStatus::Stopped | JobStatus::Expired))
                .count();
            // Ready (scheduled or not yet started) and Waiting (an incremental job between runs);
            // the rest are gone (deleted, or missing) or of a status smcplan does not know.
            let waiting = of.iter().filter(|r| matches!(status(r), JobStatus::Ready | JobStatus::Waiting)).count();
            let other = of.len() - finished - run - held - waiting;
            let filled = |n: usize| (n * BAR).div_ceil(of.len().max(1));
            let (f, r) = (filled(finished), filled(finished + run).saturating_sub(filled(finished)));
            let bar = format!("{}{}{}", "#".repeat(f), ">".repeat(r), ".".repeat(BAR.saturating_sub(f + r)));
            let name = if wave.is_empty() { "no wave".to_string() } else { format!("wave {wave}") };
            let mut held = if held > 0 { format!(", {held} stopped or failed") } else { String::new() };
            if other > 0 {
                held.push_str(&format!(", {other} gone or other"));
            }
            let _ = writeln!(
                out,
                "  {name:<10} [{bar}] {finished}/{} Finished, {run} running, {waiting} ready or waiting{held}",
                of.len()
            );
        }
    }
    for r in jobs.iter().filter(|r| status(r) == JobStatus::InError) {
        let code = r.job_error_code.as_deref().unwrap_or_default();
        let _ = writeln!(
            out,
            "  InError: line {} ({}, {}): {} - {}",
            r.id.line,
            crate::text::OneLine(&r.id.name),
            r.job_id,
            if code.is_empty() { "no ErrorCode" } else { code },
            hint(code, &again(dir, r))
        );
    }
    out
}

/// The command that starts this row's job again, by its JobId (a line moves when the file
/// is edited; a JobId names one job, wherever its row is).
fn again(dir: &str, r: &ReportRow) -> String {
    let dir = if dir.contains([' ', '\'', '"']) { format!("'{dir}'") } else { dir.to_string() };
    format!("smcplan start {dir} --job {}", r.job_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::RowId;

    fn job(line: u64, wave: &str, status: &str, code: &str) -> ReportRow {
        ReportRow {
            id: RowId { line, name: format!("web-{line:02}"), ..RowId::default() },
            job_id: format!("j-{line}"),
            wave: wave.into(),
            job_status: Some(JobStatus::parse(status)),
            job_error_code: Some(code.into()),
            ..ReportRow::default()
        }
    }

    #[test]
    fn the_plain_view_of_two_waves_and_an_error() {
        let rows = [
            job(2, "1", "Finished", ""),
            job(3, "1", "Finished", ""),
            job(4, "1", "Running", ""),
            job(5, "1", "InError", "Disk.InsufficientSpace"),
            job(6, "2", "Ready", ""),
            job(7, "2", "Ready", ""),
            ReportRow { id: RowId { line: 8, ..RowId::default() }, ..ReportRow::default() },
        ];
        insta::assert_snapshot!(render(&rows, "jobs"));
    }

    #[test]
    fn a_watch_says_when_it_refreshed_and_when_each_wave_ends() {
        let mut rows = vec![job(2, "1", "Finished", ""), job(3, "1", "Running", ""), job(4, "2", "Ready", "")];
        for (r, start) in rows.iter_mut().zip(["2026-12-05T20:00:00Z", "2026-12-05T20:00:00Z", "2026-12-06T08:00:00Z"])
        {
            r.params.insert("ScheduledStartTime".into(), start.into());
            r.params.insert("SystemDiskSize".into(), "100".into());
            r.results.start_time = start.into();
        }
        rows[0].results.end_time = "2026-12-05T22:10:00Z".into();
        rows[1].progress = Some(25.0);
        let now: jiff::Timestamp = "2026-12-05T21:00:00Z".parse().unwrap();
        insta::assert_snapshot!(render_at(&rows, &[], "jobs", now));
    }

    #[test]
    fn a_batch_without_waves_shows_its_counts() {
        insta::assert_snapshot!(render(&[job(2, "", "Running", ""), job(3, "", "InError", "Odd.Code")], "my jobs"));
    }

    #[test]
    fn a_wave_counts_its_ready_and_waiting_jobs_apart_from_gone_ones() {
        let statuses = ["Waiting", "Ready", "Deleted", "Missing"];
        let rows: Vec<ReportRow> = (2..).zip(statuses).map(|(line, s)| job(line, "1", s, "")).collect();
        let seen = render(&rows, "jobs");
        let line =
            "  wave 1     [........................] 0/4 Finished, 0 running, 2 ready or waiting, 2 gone or other";
        assert!(seen.lines().any(|l| l == line), "{seen}");
    }
}
