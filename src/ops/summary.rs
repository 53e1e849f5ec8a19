//! A submit's summary: its rows by status and what it sent, as counts and as one line.

use crate::batch::RowStatus;
use crate::batch::report::ReportRow;
use crate::engine::Counters;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The inventory's rows by status, and what the run sent.
pub fn counts_of(rows: &[ReportRow], counters: &Counters) -> BTreeMap<String, u64> {
    let mut counts: BTreeMap<String, u64> =
        RowStatus::ALL.iter().map(|s| (s.to_string(), rows.iter().filter(|r| r.status == *s).count() as u64)).collect();
    counts.insert("rows".to_string(), rows.len() as u64);
    counts.insert("created_in_run".to_string(), counters.created.load(Ordering::Relaxed));
    counts.insert("retries".to_string(), counters.retries.load(Ordering::Relaxed));
    counts.insert("throttled".to_string(), counters.throttled.load(Ordering::Relaxed));
    counts
}

/// `DIR: N created (N in this run), N failed (N Code, ...), N invalid, N skipped, N pending; S s, R jobs/s`,
/// and the retries and throttled answers when there were any.
pub fn summary_line(rows: &[ReportRow], elapsed: Duration, counters: &Counters, dir: &Path) -> String {
    use std::sync::atomic::Ordering::Relaxed;
    let created_now = counters.created.load(Relaxed);
    let (retries, throttled) = (counters.retries.load(Relaxed), counters.throttled.load(Relaxed));
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
    ) + &if retries + throttled > 0 { format!("; {retries} retries, {throttled} throttled") } else { String::new() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::RowId;

    #[test]
    fn the_summary_line_counts_the_rows_and_what_the_run_sent() {
        let row = |line, status| ReportRow { id: RowId { line, ..RowId::default() }, status, ..ReportRow::default() };
        let rows = [
            row(2, RowStatus::Invalid),
            row(3, RowStatus::Created),
            row(4, RowStatus::Skipped),
            row(5, RowStatus::Pending),
            row(6, RowStatus::Skipped),
        ];
        let counters = Counters::default();
        counters.created.store(1, std::sync::atomic::Ordering::Relaxed);
        let summary = summary_line(&rows, Duration::from_secs(2), &counters, Path::new("DIR"));
        assert_eq!(
            summary,
            "DIR: 1 created (1 in this run), 0 failed, 1 invalid, 2 skipped, 1 pending; 2.0 s, 0.5 jobs/s"
        );
        counters.retries.store(7, std::sync::atomic::Ordering::Relaxed);
        counters.throttled.store(2, std::sync::atomic::Ordering::Relaxed);
        let summary = summary_line(&rows, Duration::from_secs(2), &counters, Path::new("DIR"));
        assert!(summary.ends_with("0.5 jobs/s; 7 retries, 2 throttled"), "{summary}");
    }
}
