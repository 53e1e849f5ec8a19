//! Which jobs of a batch a command acts on: all of them, a wave's, or some lines'; a wave
//! or a line that names nothing of the batch is an error, before anything is called.

use super::report::ReportRow;

/// The rows (indexes into `rows`) a command acts on: those with a job, of `wave` if given,
/// on the given lines if any. `Err` says why a wave or a line names nothing of the batch.
pub fn select(rows: &[ReportRow], wave: Option<&str>, lines: &[u64]) -> Result<Vec<usize>, String> {
    if let Some(w) = wave {
        if !rows.iter().any(|r| r.wave == w) {
            let mut waves: Vec<&str> = rows.iter().map(|r| r.wave.as_str()).filter(|w| !w.is_empty()).collect();
            waves.sort();
            waves.dedup();
            let known = match waves.is_empty() {
                true => "no row of the batch has a Wave".to_string(),
                false => format!("the batch's waves: {}", waves.join(", ")),
            };
            return Err(format!("no row of the batch is in wave '{}' ({known})", crate::text::OneLine(w)));
        }
        if !rows.iter().any(|r| r.wave == w && !r.job_id.is_empty()) {
            return Err(format!(
                "wave '{}' has no job in the batch (none of its rows was created)",
                crate::text::OneLine(w)
            ));
        }
    }
    for line in lines {
        let on = rows.iter().filter(|r| r.id.line == *line).collect::<Vec<_>>();
        if on.is_empty() {
            return Err(format!("line {line} is not in the batch"));
        }
        if on.iter().all(|r| r.job_id.is_empty()) {
            return Err(format!("line {line} has no job in the batch (it is {})", on[0].status));
        }
    }
    Ok((0..rows.len())
        .filter(|&i| {
            let r = &rows[i];
            !r.job_id.is_empty() && wave.is_none_or(|w| r.wave == w) && (lines.is_empty() || lines.contains(&r.id.line))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{RowId, RowStatus};

    fn row(line: u64, wave: &str, job: &str) -> ReportRow {
        ReportRow {
            id: RowId { line, ..RowId::default() },
            wave: wave.into(),
            job_id: job.into(),
            status: if job.is_empty() { RowStatus::Invalid } else { RowStatus::Created },
            ..ReportRow::default()
        }
    }

    #[test]
    fn a_wave_or_a_line_selects_jobs_of_the_batch_only() {
        let rows = [row(2, "1", "j-1"), row(3, "1", ""), row(4, "2", "j-2"), row(5, "3", "")];
        assert_eq!(select(&rows, None, &[]), Ok(vec![0, 2]));
        assert_eq!(select(&rows, Some("1"), &[]), Ok(vec![0]));
        assert_eq!(select(&rows, None, &[4]), Ok(vec![2]));
        assert_eq!(
            select(&rows, Some("9"), &[]).unwrap_err(),
            "no row of the batch is in wave '9' (the batch's waves: 1, 2, 3)"
        );
        assert_eq!(
            select(&rows, Some("3"), &[]).unwrap_err(),
            "wave '3' has no job in the batch (none of its rows was created)"
        );
        assert_eq!(select(&rows, None, &[7]).unwrap_err(), "line 7 is not in the batch");
        assert_eq!(select(&rows, None, &[3]).unwrap_err(), "line 3 has no job in the batch (it is invalid)");
    }
}
