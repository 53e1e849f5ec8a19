//! The report's rows, made from the inventory, this run's outcomes and the journal's; and
//! the summary line of a run.

use super::Settled;
use super::journal::{Entry, History, Outcome};
use super::report::ReportRow;
use crate::batch::{RowId, RowStatus};
use crate::inventory::{RecordBuf, Row};
use crate::plan::request::Work;
use crate::text::Count;
use std::collections::BTreeMap;

/// One inventory row as a run saw it, built once by the check pass: who it is, its wave,
/// and its prepared request when it is valid.
#[derive(Clone)]
pub struct Line {
    pub line: u64,
    pub record: RecordBuf,
    pub id: RowId,
    pub wave: String,
    /// Its first error finding (code, message), if it is invalid.
    pub error: Option<(String, String)>,
    /// The request it stands for (a valid row's).
    pub work: Option<Work>,
    /// The ClientToken it is (or would be) sent with.
    pub token: Option<String>,
    /// The outcome an earlier run recorded for it.
    pub earlier: Option<Outcome>,
}

impl Line {
    /// The line for `row` with its findings `error` (the first error's code and message).
    pub fn of(row: &Row, error: Option<(String, String)>) -> Line {
        let work = error.is_none().then(|| Work::of(row));
        Line {
            line: row.line,
            record: row.record().into(),
            id: RowId::of(row),
            wave: crate::plan::waves::wave_of(row.schema, row.record()).to_string(),
            error,
            work,
            token: None,
            earlier: None,
        }
    }
}

/// A report row for each line of `file`: invalid, or what this run settled, or what the journal says.
pub fn report_rows(lines: &[Line], file: &str, settled: &BTreeMap<u64, Settled>, dry_run: bool) -> Vec<ReportRow> {
    lines.iter().map(|l| report_row(l, file, settled.get(&l.line), dry_run)).collect()
}

fn report_row(l: &Line, file: &str, settled: Option<&Settled>, dry_run: bool) -> ReportRow {
    let mut r = ReportRow { id: l.id.clone(), file: file.to_string(), wave: l.wave.clone(), ..ReportRow::default() };
    if let Some((code, message)) = &l.error {
        r.status = RowStatus::Invalid;
        r.error_code = code.clone();
        r.error_message = message.clone();
        return r;
    }
    let outcome = match settled {
        Some(Settled::Done(o)) => Some(o.clone()),
        Some(Settled::Unknown { attempts, error }) => {
            r.status = RowStatus::Pending;
            r.attempts = *attempts;
            r.error_message = format!("no answer ({error}); the next run resolves it");
            None
        }
        Some(Settled::NotSent) => {
            r.status = RowStatus::Skipped;
            None
        }
        // Not touched in this run: a dry run would send it; a real run was stopped first.
        None if l.earlier.is_none() => {
            r.status = if dry_run { RowStatus::Pending } else { RowStatus::Skipped };
            None
        }
        None => l.earlier.clone(),
    };
    r.client_token = l.token.clone().or_else(|| outcome.as_ref().map(|o| o.token.clone())).unwrap_or_default();
    if let Some(o) = outcome {
        r.settled_elsewhere = l.work.as_ref().is_some_and(|w| w.token != o.token);
        apply(&mut r, o);
    }
    r
}

/// A journaled outcome, as the report shows it.
fn apply(r: &mut ReportRow, o: Outcome) {
    r.status = o.status;
    r.job_id = o.job_id.unwrap_or_default();
    r.request_id = o.request_id.unwrap_or_default();
    r.error_code = o.error_code.unwrap_or_default();
    r.error_message = o.error_message.unwrap_or_default();
    r.attempts = o.attempts;
    r.submitted_at = crate::time::format_time(o.at);
}

/// What identifies a row of the batch: its source server (one open job each), or, for a
/// row without one, its file and line.
pub fn key(r: &ReportRow) -> String {
    if r.id.source_id.is_empty() { format!("@{}:{}", r.file, r.id.line) } else { r.id.source_id.clone() }
}

/// Whether a row of the report was never sent: nothing of it is in the journal.
fn never_sent(r: &ReportRow) -> bool {
    r.job_id.is_empty()
        && r.attempts == 0
        && matches!(r.status, RowStatus::Invalid | RowStatus::Skipped | RowStatus::Pending)
}

/// What a run brings to the batch: its rows, the file they come from, and which earlier
/// rows some of them fix (a row of a `failed.csv` says which line it was: its line here →
/// (file, line) there).
pub struct ThisRun<'a> {
    pub rows: Vec<ReportRow>,
    pub file: &'a str,
    pub fixes: &'a BTreeMap<u64, (String, u64)>,
}

/// The batch after a run: the rows the directory held (from its report, and from its
/// journal for rows the report lost), each replaced by this run's row for the same source
/// server, and this run's new rows after them.
///
/// - A job the batch created is never hidden by a row that was not sent (an invalid or
///   skipped row for the same source), nor moved by a row settled by it (the older version
///   of a row whose fixed version made the job keeps the fixed version's file and line).
/// - The rows this run's file held before and that were never sent are this file's as it
///   is now: they go, and this run's rows stand for them; so do the rows a row of this run
///   says it fixes (a `failed.csv` row's `# line N of FILE` comment).
/// - The job state that `status` added stays with its job.
///
/// `entries` are the journal's before this run.
pub fn batch_rows(earlier: Vec<ReportRow>, entries: &[Entry], run: ThisRun) -> Vec<ReportRow> {
    let mut rows: Vec<Option<ReportRow>> = Vec::new();
    let mut at: BTreeMap<String, usize> = BTreeMap::new();
    // A second row for one source (an invalid duplicate in one file) is a row of its own.
    let own_key = |r: &ReportRow, k: String| format!("{k}@{}:{}", r.file, r.id.line);
    let fixed: std::collections::BTreeSet<(&str, u64)> = run.fixes.values().map(|(f, l)| (f.as_str(), *l)).collect();
    for r in earlier {
        let replaced = never_sent(&r) && (r.file == run.file || fixed.contains(&(r.file.as_str(), r.id.line)));
        let fixed_failure = r.status == RowStatus::Failed && fixed.contains(&(r.file.as_str(), r.id.line));
        if replaced || fixed_failure {
            continue;
        }
        let k = key(&r);
        let k = if at.contains_key(&k) { own_key(&r, k) } else { k };
        at.insert(k, rows.len());
        rows.push(Some(r));
    }
    // Rows the journal knows and the report does not (it was lost, or never written).
    let history = History::of(entries);
    for e in entries {
        if let Entry::Intent { line, token, params, file, .. } = e {
            let source = params.get("SourceId").cloned().unwrap_or_default();
            if source.is_empty() || at.contains_key(&source) || history.latest_by_source.get(&source) != Some(token) {
                continue;
            }
            let text = |k: &str| params.get(k).cloned().unwrap_or_default();
            let id = RowId { line: *line, source_id: source.clone(), name: text("Name"), region_id: text("RegionId") };
            at.insert(source, rows.len());
            let file = file.clone().unwrap_or_default();
            rows.push(Some(ReportRow { id, file, client_token: token.clone(), ..ReportRow::default() }));
        }
    }
    // What the journal settled wins over a report written before it (a run killed between the two).
    for r in rows.iter_mut().flatten() {
        if let Some(o) = history.outcomes.get(&r.client_token).filter(|_| !r.client_token.is_empty()) {
            let job_before = std::mem::take(&mut r.job_id);
            apply(r, o.clone());
            if r.job_id != job_before {
                clear_job_state(r);
            }
        }
    }
    let mut seen_now: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for mut r in run.rows {
        let k = key(&r);
        let k = if seen_now.insert(k.clone()) { k } else { own_key(&r, k) };
        // A fixed row whose SourceId changed: the row it fixes goes (above), this one is new.
        let Some(&i) = at.get(&k) else {
            at.insert(k, rows.len());
            rows.push(Some(r));
            continue;
        };
        let before = rows[i].as_ref().expect("placed rows are kept");
        // (A pending row with a message was sent, or looked up, without an answer.)
        let not_sent = matches!(r.status, RowStatus::Invalid | RowStatus::Skipped)
            || (r.status == RowStatus::Pending && r.attempts == 0 && r.error_message.is_empty());
        let same_job = !r.job_id.is_empty() && r.job_id == before.job_id;
        if before.status == RowStatus::Created
            && ((r.job_id.is_empty() && not_sent) || (same_job && r.settled_elsewhere))
        {
            continue;
        }
        if same_job {
            // The same request settled again: the row keeps where it was sent from.
            if r.client_token == before.client_token && !before.file.is_empty() {
                r.id.line = before.id.line;
                r.file = before.file.clone();
                r.submitted_at = before.submitted_at.clone();
            }
            r.job_status = before.job_status.clone();
            r.business_status = before.business_status.clone();
            r.progress = before.progress;
            r.job_error_code = before.job_error_code.clone();
            r.checked_at = before.checked_at.clone();
            r.last_action = before.last_action.clone();
            r.last_action_result = before.last_action_result.clone();
            r.last_action_at = before.last_action_at.clone();
        }
        rows[i] = Some(r);
    }
    rows.into_iter().flatten().collect()
}

/// Forgets the job state `status` saw, once the row's job is another.
fn clear_job_state(r: &mut ReportRow) {
    r.job_status = None;
    r.business_status = None;
    r.progress = None;
    r.job_error_code = None;
    r.checked_at = None;
    r.last_action.clear();
    r.last_action_result.clear();
    r.last_action_at.clear();
}

/// `batch: N rows from F files: N created, N failed, ...`: the whole batch, when a run's
/// inventory holds only part of it.
pub fn batch_line(rows: &[ReportRow]) -> String {
    let count = |s: RowStatus| rows.iter().filter(|r| r.status == s).count();
    let files: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.file.as_str()).collect();
    let each: Vec<String> =
        RowStatus::ALL.iter().filter(|s| count(**s) > 0).map(|s| format!("{} {s}", count(*s))).collect();
    let (rows, files) = (Count(rows.len(), "row"), Count(files.len(), "file"));
    format!("batch: {rows} from {files}: {}", each.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: u64, error: bool, earlier: Option<RowStatus>) -> Line {
        Line {
            line: n,
            record: ["cn-hangzhou", "s-1", "web"].into_iter().collect(),
            id: RowId { line: n, source_id: "s-1".into(), name: "web".into(), region_id: "cn-hangzhou".into() },
            wave: String::new(),
            error: error.then(|| ("Name.Length".to_string(), "too short".to_string())),
            work: None,
            token: Some(format!("t{n}")),
            earlier: earlier.map(|status| Outcome { status, ..Outcome::settled(n, &format!("t{n}"), Some("j-old")) }),
        }
    }

    #[test]
    fn each_row_tells_where_it_stands() {
        let lines = [
            line(2, true, None),
            line(3, false, Some(RowStatus::Created)),
            line(4, false, None),
            line(5, false, None),
            line(6, false, None),
        ];
        let settled =
            BTreeMap::from([(4, Settled::NotSent), (5, Settled::Unknown { attempts: 3, error: "timed out".into() })]);
        let rows = report_rows(&lines, "inv.csv", &settled, false);
        let got: Vec<(u64, RowStatus)> = rows.iter().map(|r| (r.id.line, r.status)).collect();
        assert_eq!(
            got,
            vec![
                (2, RowStatus::Invalid),
                (3, RowStatus::Created),
                (4, RowStatus::Skipped),
                (5, RowStatus::Pending),
                (6, RowStatus::Skipped)
            ]
        );
        assert_eq!((rows[1].job_id.as_str(), rows[1].id.source_id.as_str()), ("j-old", "s-1"));
        assert_eq!(rows[3].error_message, "no answer (timed out); the next run resolves it");
        assert_eq!(report_rows(&lines, "inv.csv", &settled, true)[4].status, RowStatus::Pending, "a dry run's row");
    }
}
