//! The report's rows, made from the inventory, this run's outcomes and the journal's; and
//! the summary line of a run.

use super::Settled;
use super::journal::Outcome;
use super::report::ReportRow;
use crate::batch::{RowId, RowStatus};
use crate::inventory::{RecordBuf, Row, Schema};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// One inventory row as a run saw it.
pub struct Line {
    pub line: u64,
    pub record: RecordBuf,
    /// Its first error finding (code, message), if it is invalid.
    pub error: Option<(String, String)>,
    /// The ClientToken it is (or would be) sent with.
    pub token: Option<String>,
    /// The outcome an earlier run recorded for it.
    pub earlier: Option<Outcome>,
}

/// A report row for each line: invalid, or what this run settled, or what the journal says.
pub fn report_rows(lines: &[Line], schema: &Schema, settled: &BTreeMap<u64, Settled>, dry_run: bool) -> Vec<ReportRow> {
    lines.iter().map(|l| report_row(l, schema, settled.get(&l.line), dry_run)).collect()
}

fn report_row(l: &Line, schema: &Schema, settled: Option<&Settled>, dry_run: bool) -> ReportRow {
    let mut r = ReportRow { id: RowId::of(&Row::new(l.line, schema, l.record.view())), ..ReportRow::default() };
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
        r.status = o.status;
        r.job_id = o.job_id.unwrap_or_default();
        r.request_id = o.request_id.unwrap_or_default();
        r.error_code = o.error_code.unwrap_or_default();
        r.error_message = o.error_message.unwrap_or_default();
        r.attempts = o.attempts;
        r.submitted_at = o.at;
    }
    r
}

/// `DIR: N created (N in this run), N failed (N Code, ...), N invalid, N skipped, N pending; S s, R jobs/s`.
pub fn summary_line(rows: &[ReportRow], elapsed: Duration, created_now: u64, dir: &Path) -> String {
    let count = |s: RowStatus| rows.iter().filter(|r| r.status == s).count();
    let mut failed: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.status == RowStatus::Failed) {
        *failed.entry(r.error_code.as_str()).or_default() += 1;
    }
    let by_code: Vec<String> = failed.iter().map(|(c, n)| format!("{n} {c}")).collect();
    let secs = elapsed.as_secs_f64();
    format!(
        "{}: {} created ({} in this run), {} failed{}, {} invalid, {} skipped, {} pending; {:.1} s, {:.1} jobs/s",
        dir.display(),
        count(RowStatus::Created),
        created_now,
        count(RowStatus::Failed),
        if by_code.is_empty() { String::new() } else { format!(" ({})", by_code.join(", ")) },
        count(RowStatus::Invalid),
        count(RowStatus::Skipped),
        count(RowStatus::Pending),
        secs,
        created_now as f64 / secs.max(1e-9)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: u64, error: bool, earlier: Option<RowStatus>) -> Line {
        Line {
            line: n,
            record: ["cn-hangzhou", "s-1", "web"].into_iter().collect(),
            error: error.then(|| ("Name.Length".to_string(), "too short".to_string())),
            token: Some(format!("t{n}")),
            earlier: earlier.map(|status| Outcome {
                line: n,
                token: format!("t{n}"),
                status,
                job_id: Some("j-old".into()),
                request_id: None,
                error_code: None,
                error_message: None,
                attempts: 1,
                at: "then".into(),
                adopted: false,
                retryable: false,
            }),
        }
    }

    #[test]
    fn each_row_tells_where_it_stands() {
        let schema = Schema::parse(["RegionId", "SourceId", "Name"].map(String::from).to_vec()).unwrap();
        let lines = [
            line(2, true, None),
            line(3, false, Some(RowStatus::Created)),
            line(4, false, None),
            line(5, false, None),
            line(6, false, None),
        ];
        let settled =
            BTreeMap::from([(4, Settled::NotSent), (5, Settled::Unknown { attempts: 3, error: "timed out".into() })]);
        let rows = report_rows(&lines, &schema, &settled, false);
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
        assert_eq!(report_rows(&lines, &schema, &settled, true)[4].status, RowStatus::Pending, "a dry run's row");
        let summary = summary_line(&rows, Duration::from_secs(2), 1, Path::new("DIR"));
        assert_eq!(
            summary,
            "DIR: 1 created (1 in this run), 0 failed, 1 invalid, 2 skipped, 1 pending; 2.0 s, 0.5 jobs/s"
        );
    }
}
