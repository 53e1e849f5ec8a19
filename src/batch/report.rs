//! The audit report: `report.csv` and `report.json` (one row per source server of the batch,
//! `report.json` with the batch's totals and its runs) and `failed.csv` (the original rows to
//! fix and submit again), each rewritten atomically.

use super::journal::Run;
use crate::batch::{RowId, RowStatus};
use crate::files::{fault, write_atomic};
use serde::{Deserialize, Serialize};
use std::io;
use std::path::Path;

/// `report.json`: the batch's totals, every run that held the directory, and its rows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub batch: Batch,
    pub runs: Vec<Run>,
    pub rows: Vec<ReportRow>,
    /// The batch's calls minute by minute.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<Minute>,
}

/// The calls of one minute: sent (creates, updates, job actions), retried, failed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Minute {
    /// The minute's start.
    pub at: String,
    pub calls: u32,
    pub retries: u32,
    pub failed: u32,
}

/// The batch at a glance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    /// Rows: one per source server ever submitted into the directory.
    pub rows: usize,
    pub created: usize,
    pub failed: usize,
    pub invalid: usize,
    pub skipped: usize,
    pub pending: usize,
    /// The inventory files its rows last came from, in the order first seen.
    pub files: Vec<String>,
    pub runs: usize,
    pub updated_at: String,
}

impl Report {
    /// A report of `rows` and `runs`, its totals counted.
    pub fn new(rows: Vec<ReportRow>, runs: Vec<Run>) -> Report {
        let count = |s: RowStatus| rows.iter().filter(|r| r.status == s).count();
        let mut files: Vec<String> = Vec::new();
        for r in &rows {
            if !files.contains(&r.file) {
                files.push(r.file.clone());
            }
        }
        let batch = Batch {
            rows: rows.len(),
            created: count(RowStatus::Created),
            failed: count(RowStatus::Failed),
            invalid: count(RowStatus::Invalid),
            skipped: count(RowStatus::Skipped),
            pending: count(RowStatus::Pending),
            files,
            runs: runs.len(),
            updated_at: crate::time::format_time(jiff::Timestamp::now()),
        };
        Report { batch, runs, rows, timeline: Vec::new() }
    }
}

/// One source server of the batch in the report, as its last run left it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportRow {
    #[serde(flatten)]
    pub id: RowId,
    pub status: RowStatus,
    #[serde(rename = "JobId")]
    pub job_id: String,
    #[serde(rename = "RequestId")]
    pub request_id: String,
    #[serde(rename = "ErrorCode")]
    pub error_code: String,
    #[serde(rename = "ErrorMessage")]
    pub error_message: String,
    #[serde(rename = "ClientToken")]
    pub client_token: String,
    pub attempts: u32,
    pub submitted_at: String,
    /// The inventory file the row last came from (its `line` is in that file).
    #[serde(default)]
    pub file: String,
    /// Filled by `smcplan status`.
    #[serde(rename = "JobStatus", alias = "Status", default, skip_serializing_if = "Option::is_none")]
    pub job_status: Option<crate::jobstate::JobStatus>,
    #[serde(rename = "JobBusinessStatus", alias = "BusinessStatus", default, skip_serializing_if = "Option::is_none")]
    pub business_status: Option<String>,
    #[serde(rename = "JobProgress", alias = "Progress", default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<f64>,
    #[serde(rename = "JobErrorCode", default, skip_serializing_if = "Option::is_none")]
    pub job_error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<String>,
    /// Since when the job has been in its `JobStatus` (from the history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_at: Option<String>,
    /// What the job made and when it ran (kept from the last look that found it).
    #[serde(flatten)]
    pub results: super::journal::JobResults,
    /// Every state its jobs were seen in, in time order (`report.json` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<super::journal::Seen>,
    /// The row's `Wave` cell (a user column: never sent), for `start --wave` and the live view.
    #[serde(rename = "Wave", default, skip_serializing_if = "String::is_empty")]
    pub wave: String,
    /// The last job action a lifecycle command took on the job (`start`, `stop`, `cutover`,
    /// `delete`), what it came to, and when.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_action: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_action_result: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_action_at: String,
    /// The request parameters the job has now (as created, then as each update changed
    /// them): `report.json` only.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub params: std::collections::BTreeMap<String, String>,
    /// Settled by another version of the row (its job was made by a row fixed since): the
    /// batch keeps that version's file and line. Not written.
    #[serde(skip)]
    pub settled_elsewhere: bool,
}

const COLUMNS: &[&str] = &[
    "line",
    "SourceId",
    "Name",
    "RegionId",
    "status",
    "JobId",
    "RequestId",
    "ErrorCode",
    "ErrorMessage",
    "ClientToken",
    "attempts",
    "submitted_at",
    "file",
];
/// The job's own state, from `status`: named apart from smcplan's `status`, so that no two
/// columns differ only in letter case.
const STATUS_COLUMNS: &[&str] = &["JobStatus", "JobBusinessStatus", "JobProgress", "JobErrorCode", "checked_at"];
/// The wave, once a row has one, and the last job action, once one was taken.
const WAVE_COLUMNS: &[&str] = &["Wave"];
const ACTION_COLUMNS: &[&str] = &["last_action", "last_action_result", "last_action_at"];
/// What the job made and when, once a look has seen it.
const RESULT_COLUMNS: &[&str] =
    &["ImageId", "InstanceId", "StartTime", "EndTime", "StatusInfo", "status_at", "first_running_at", "finished_at"];

/// Which optional column groups `report.csv` has.
#[derive(Clone, Copy)]
struct Groups {
    status: bool,
    wave: bool,
    action: bool,
    results: bool,
}

pub use crate::text::neutralise;

impl ReportRow {
    /// When its job first ran and when it finished, from its history.
    pub fn first_running_and_finished(&self) -> (Option<String>, Option<String>) {
        use crate::jobstate::JobStatus;
        let own = || self.history.iter().filter(|s| s.job_id == self.job_id);
        let at = |s: &super::journal::Seen| crate::time::format_time(s.at);
        let running = own().find(|s| s.status == JobStatus::Running).map(at);
        let finished = own().find(|s| s.status == JobStatus::Finished).map(at);
        (running, finished)
    }

    fn cells(&self, groups: Groups) -> Vec<String> {
        let mut cells = vec![
            self.id.line.to_string(),
            self.id.source_id.clone(),
            self.id.name.clone(),
            self.id.region_id.clone(),
            self.status.to_string(),
            self.job_id.clone(),
            self.request_id.clone(),
            self.error_code.clone(),
            self.error_message.clone(),
            self.client_token.clone(),
            self.attempts.to_string(),
            self.submitted_at.clone(),
            self.file.clone(),
        ];
        if groups.status {
            cells.extend([
                self.job_status.as_ref().map(ToString::to_string).unwrap_or_default(),
                self.business_status.clone().unwrap_or_default(),
                self.progress.map(|p| p.to_string()).unwrap_or_default(),
                self.job_error_code.clone().unwrap_or_default(),
                self.checked_at.clone().unwrap_or_default(),
            ]);
        }
        if groups.wave {
            cells.push(self.wave.clone());
        }
        if groups.action {
            cells.extend([self.last_action.clone(), self.last_action_result.clone(), self.last_action_at.clone()]);
        }
        if groups.results {
            let (running, finished) = self.first_running_and_finished();
            let r = &self.results;
            cells.extend([r.image_id.clone(), r.instance_id.clone(), r.start_time.clone(), r.end_time.clone()]);
            cells.extend([r.status_info.clone(), self.status_at.clone().unwrap_or_default()]);
            cells.extend([running.unwrap_or_default(), finished.unwrap_or_default()]);
        }
        cells.iter().map(|c| neutralise(c)).collect()
    }
}

/// Files that only a batch that sent something writes.
const REPORT_FILES: &[&str] = &["report.json", "report.csv", "failed.csv"];

/// What in `dir` shows that jobs may have been sent from it, when its journal is gone: a
/// report row with a JobId, an attempt or a settled status, or report files that cannot be
/// read. A dry run's preview (every row pending, nothing sent) is no such sign.
pub fn sent_evidence(dir: &Path) -> io::Result<Option<String>> {
    let present: Vec<&str> = REPORT_FILES.iter().copied().filter(|f| dir.join(f).exists()).collect();
    if present.is_empty() {
        return Ok(None);
    }
    let rows = match read(dir) {
        Ok(report) => report.rows,
        Err(_) => return Ok(Some(present.join(", "))),
    };
    // Rows found invalid, skipped or left pending by a dry run were never sent.
    let sent = rows.iter().filter(|r| was_sent(r)).count();
    let jobs = rows.iter().filter(|r| !r.job_id.is_empty()).count();
    Ok((sent > 0).then(|| format!("report.json ({jobs} JobIds, {sent} rows sent or settled)")))
}

/// Whether a report row shows it was sent: a JobId, an attempt, or a settled status.
pub fn was_sent(r: &ReportRow) -> bool {
    !r.job_id.is_empty() || r.attempts > 0 || matches!(r.status, RowStatus::Created | RowStatus::Failed)
}

/// Writes `report.csv` and `report.json`.
pub fn write(dir: &Path, report: &Report) -> io::Result<()> {
    let mut csv = Vec::new();
    write_csv(&mut csv, &report.rows)?;
    write_atomic(&dir.join("report.csv"), &csv)?;
    let mut json = Vec::new();
    write_json(&mut json, report)?;
    write_atomic(&dir.join("report.json"), &json)
}

/// `report.csv` to any writer: a row per line, formula cells neutralised; the job's state
/// columns once `status` has checked.
pub fn write_csv(out: &mut dyn io::Write, rows: &[ReportRow]) -> io::Result<()> {
    let groups = Groups {
        status: rows.iter().any(|r| r.checked_at.is_some()),
        wave: rows.iter().any(|r| !r.wave.is_empty()),
        action: rows.iter().any(|r| !r.last_action.is_empty()),
        results: rows.iter().any(|r| !r.history.is_empty()),
    };
    let mut csv = csv::Writer::from_writer(out);
    let header: Vec<&str> = COLUMNS
        .iter()
        .chain(if groups.status { STATUS_COLUMNS } else { &[] })
        .chain(if groups.wave { WAVE_COLUMNS } else { &[] })
        .chain(if groups.action { ACTION_COLUMNS } else { &[] })
        .chain(if groups.results { RESULT_COLUMNS } else { &[] })
        .copied()
        .collect();
    csv.write_record(&header)?;
    for r in rows {
        csv.write_record(r.cells(groups))?;
    }
    csv.flush()
}

/// `report.json` to any writer.
pub fn write_json(out: &mut dyn io::Write, report: &Report) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    Ok(())
}

/// Reads `report.json` (also as the bare array of rows that earlier versions wrote).
pub fn read(dir: &Path) -> io::Result<Report> {
    let path = dir.join("report.json");
    let text = std::fs::read(&path).map_err(|e| fault("reading", &path, e))?;
    let not_a_report = |e: serde_json::Error| {
        io::Error::new(io::ErrorKind::InvalidData, format!("reading {}: not a report ({e})", path.display()))
    };
    if text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        let rows: Vec<ReportRow> = serde_json::from_slice(&text).map_err(not_a_report)?;
        return Ok(Report::new(rows, Vec::new()));
    }
    serde_json::from_slice(&text).map_err(not_a_report)
}

/// Reads `report.json` if the directory has one.
pub fn read_if_any(dir: &Path) -> io::Result<Option<Report>> {
    if dir.join("report.json").exists() { read(dir).map(Some) } else { Ok(None) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("web-01"), "web-01");
    }

    #[test]
    fn a_dry_run_preview_is_no_sign_of_jobs_sent() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(sent_evidence(dir.path()).unwrap(), None);
        let at = |line| RowId { line, ..RowId::default() };
        let pending = ReportRow { id: at(2), status: RowStatus::Pending, ..Default::default() };
        let invalid =
            ReportRow { id: at(4), status: RowStatus::Invalid, error_code: "Name.Length".into(), ..Default::default() };
        let skipped = ReportRow { id: at(5), status: RowStatus::Skipped, ..Default::default() };
        write(dir.path(), &Report::new(vec![pending.clone(), invalid, skipped], vec![])).unwrap();
        assert_eq!(sent_evidence(dir.path()).unwrap(), None);
        let created = ReportRow { id: at(3), status: RowStatus::Created, job_id: "j-1".into(), attempts: 1, ..pending };
        write(dir.path(), &Report::new(vec![created], vec![])).unwrap();
        assert_eq!(sent_evidence(dir.path()).unwrap().unwrap(), "report.json (1 JobIds, 1 rows sent or settled)");
        std::fs::write(dir.path().join("report.json"), "not json").unwrap();
        assert_eq!(sent_evidence(dir.path()).unwrap().unwrap(), "report.json, report.csv");
    }

    #[test]
    fn report_round_trips_and_is_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let id = RowId { line: 2, name: "=cmd".into(), ..RowId::default() };
        let row = ReportRow { id, status: RowStatus::Created, ..Default::default() };
        let report = Report::new(vec![row.clone()], vec![]);
        write(dir.path(), &report).unwrap();
        assert_eq!(read(dir.path()).unwrap(), report);
        let csv = std::fs::read_to_string(dir.path().join("report.csv")).unwrap();
        assert!(csv.starts_with("line,SourceId,Name,RegionId,status,JobId,RequestId,ErrorCode,ErrorMessage,ClientToken,attempts,submitted_at,file\n"));
        // The bare array of rows an earlier version wrote still reads.
        std::fs::write(dir.path().join("report.json"), serde_json::to_vec(&[&row]).unwrap()).unwrap();
        assert_eq!(read(dir.path()).unwrap().rows, vec![row]);
        assert!(csv.contains(",'=cmd,"));
        assert!(
            std::fs::read_dir(dir.path()).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".tmp"))
        );
    }
}
