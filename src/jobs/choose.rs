//! Which jobs of a batch a command acts on: all of them, a wave's, some lines', or some
//! jobs' by what people know them by (Name, SourceId or JobId); a wave, a line or a job
//! that names nothing of the batch is an error, before anything is called.

use crate::batch::RowStatus;
use crate::batch::report::ReportRow;
use crate::text::OneLine;

/// What a command is asked to act on.
#[derive(Clone, Copy, Debug, Default)]
pub struct Choice<'a> {
    /// `--wave W`.
    pub wave: Option<&'a str>,
    /// `--line N` or `FILE:N`.
    pub lines: &'a [String],
    /// `--job NAME|SourceId|JobId`.
    pub jobs: &'a [String],
}

/// Why a wave, a line or a job names nothing of the batch (as the user wrote it).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unchosen {
    #[error("--job {}: no row of the batch has this Name, SourceId or JobId", OneLine(.0))]
    NoSuchJob(String),
    #[error("--job {}: its row has no job in the batch", OneLine(.0))]
    JobNotCreated(String),
    #[error("--job {} is not in wave '{}'", OneLine(.job), OneLine(.wave))]
    JobNotInWave { job: String, wave: String },
    #[error("no row of the batch is in wave '{}' ({})", OneLine(.wave), known_waves(.waves))]
    NoSuchWave { wave: String, waves: Vec<String> },
    #[error("wave '{}' has no job in the batch (none of its rows was created)", OneLine(.0))]
    WaveNotCreated(String),
    #[error("line {} is not in the batch", OneLine(.0))]
    NoSuchLine(String),
    #[error("line {line} is in {} files of the batch ({}): name one as FILE:{line}", .files.len(), .files.join(", "))]
    LineInFiles { line: u64, files: Vec<String> },
    #[error("line {} has no job in the batch (it is {status})", OneLine(.line))]
    LineNotCreated { line: String, status: RowStatus },
    #[error("--line {}: write a line number N, or FILE:N", OneLine(.0))]
    NotALine(String),
}

fn known_waves(waves: &[String]) -> String {
    match waves.is_empty() {
        true => "no row of the batch has a Wave".to_string(),
        false => format!("the batch's waves: {}", waves.join(", ")),
    }
}

/// The rows (indexes into `rows`) a command acts on: those with a job, of the wave if
/// given, on the given lines and of the given jobs if any (a row given either way is
/// chosen). `Err` says why a wave, a line or a job names nothing of the batch.
pub fn choose(rows: &[ReportRow], choice: Choice) -> Result<Vec<usize>, Unchosen> {
    let by_line = select(rows, choice.wave, choice.lines)?;
    if choice.jobs.is_empty() {
        return Ok(by_line);
    }
    let mut picked: Vec<usize> = if choice.lines.is_empty() { Vec::new() } else { by_line };
    for key in choice.jobs {
        let on: Vec<usize> = (0..rows.len())
            .filter(|&i| [&rows[i].id.name, &rows[i].id.source_id, &rows[i].job_id].contains(&key))
            .collect();
        if on.is_empty() {
            return Err(Unchosen::NoSuchJob(key.clone()));
        }
        let with_job: Vec<usize> = on.into_iter().filter(|&i| !rows[i].job_id.is_empty()).collect();
        if with_job.is_empty() {
            return Err(Unchosen::JobNotCreated(key.clone()));
        }
        let in_wave: Vec<usize> =
            with_job.into_iter().filter(|&i| choice.wave.is_none_or(|w| rows[i].wave == w)).collect();
        if in_wave.is_empty() {
            let wave = choice.wave.unwrap_or_default().to_string();
            return Err(Unchosen::JobNotInWave { job: key.clone(), wave });
        }
        picked.extend(in_wave);
    }
    picked.sort_unstable();
    picked.dedup();
    Ok(picked)
}

/// The rows (indexes into `rows`) a command acts on: those with a job, of `wave` if given,
/// on the given lines (`N`, or `FILE:N` when two files of the batch have a line N) if any. `Err` says why a wave or a line names nothing of the batch.
pub fn select(rows: &[ReportRow], wave: Option<&str>, lines: &[String]) -> Result<Vec<usize>, Unchosen> {
    if let Some(w) = wave {
        if !rows.iter().any(|r| r.wave == w) {
            let mut waves: Vec<String> = rows.iter().map(|r| r.wave.clone()).filter(|w| !w.is_empty()).collect();
            waves.sort();
            waves.dedup();
            return Err(Unchosen::NoSuchWave { wave: w.to_string(), waves });
        }
        if !rows.iter().any(|r| r.wave == w && !r.job_id.is_empty()) {
            return Err(Unchosen::WaveNotCreated(w.to_string()));
        }
    }
    let mut picked: Vec<usize> = Vec::new();
    for text in lines {
        let (file, line) = line_ref(text)?;
        let on: Vec<usize> =
            (0..rows.len()).filter(|&i| rows[i].id.line == line && file.is_none_or(|f| rows[i].file == f)).collect();
        if on.is_empty() {
            return Err(Unchosen::NoSuchLine(text.clone()));
        }
        let mut files: Vec<String> = on.iter().map(|&i| rows[i].file.clone()).collect();
        files.dedup();
        // Two files of one batch both have a line N: which one is never guessed.
        if files.len() > 1 {
            return Err(Unchosen::LineInFiles { line, files });
        }
        if on.iter().all(|&i| rows[i].job_id.is_empty()) {
            return Err(Unchosen::LineNotCreated { line: text.clone(), status: rows[on[0]].status });
        }
        picked.extend(on);
    }
    Ok((0..rows.len())
        .filter(|&i| {
            let r = &rows[i];
            !r.job_id.is_empty() && wave.is_none_or(|w| r.wave == w) && (lines.is_empty() || picked.contains(&i))
        })
        .collect())
}

/// `N` or `FILE:N` (the file as the report names it).
fn line_ref(text: &str) -> Result<(Option<&str>, u64), Unchosen> {
    let (file, n) = match text.rsplit_once(':') {
        Some((file, n)) => (Some(file), n),
        None => (None, text),
    };
    let bad = || Unchosen::NotALine(text.to_string());
    Ok((file, n.trim().parse::<u64>().map_err(|_| bad())?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::RowId;

    fn l(refs: &[&str]) -> Vec<String> {
        refs.iter().map(|s| s.to_string()).collect()
    }

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
        assert_eq!(select(&rows, None, &l(&["4"])), Ok(vec![2]));
        assert_eq!(
            select(&rows, Some("9"), &[]).unwrap_err().to_string(),
            "no row of the batch is in wave '9' (the batch's waves: 1, 2, 3)"
        );
        assert_eq!(
            select(&rows, Some("3"), &[]).unwrap_err().to_string(),
            "wave '3' has no job in the batch (none of its rows was created)"
        );
        assert_eq!(select(&rows, None, &l(&["7"])).unwrap_err().to_string(), "line 7 is not in the batch");
        assert_eq!(
            select(&rows, None, &l(&["3"])).unwrap_err().to_string(),
            "line 3 has no job in the batch (it is invalid)"
        );
        assert!(select(&rows, None, &l(&["x"])).unwrap_err().to_string().starts_with("--line x: write a line number"));
        // Two files with a line 2: never guessed; FILE:N picks one.
        let mut other = row(2, "1", "j-9");
        other.file = "b.csv".into();
        let mut rows = rows.to_vec();
        rows[0].file = "a.csv".into();
        rows.push(other);
        assert_eq!(
            select(&rows, None, &l(&["2"])).unwrap_err().to_string(),
            "line 2 is in 2 files of the batch (a.csv, b.csv): name one as FILE:2"
        );
        assert_eq!(select(&rows, None, &l(&["b.csv:2"])), Ok(vec![4]));
    }

    #[test]
    fn a_job_is_chosen_by_its_name_its_source_or_its_id() {
        let mut rows = vec![row(2, "1", "j-1"), row(3, "1", ""), row(4, "2", "j-2")];
        for (r, (name, source)) in rows.iter_mut().zip([("db01", "s-1"), ("db02", "s-2"), ("web01", "s-3")]) {
            (r.id.name, r.id.source_id) = (name.into(), source.into());
        }
        let jobs = |keys: &[&str]| l(keys);
        let pick = |keys: &[&str], wave| choose(&rows, Choice { wave, jobs: &jobs(keys), ..Choice::default() });
        assert_eq!(pick(&["db01"], None), Ok(vec![0]));
        assert_eq!(pick(&["s-3"], None), Ok(vec![2]));
        assert_eq!(pick(&["j-2", "db01"], None), Ok(vec![0, 2]));
        assert_eq!(pick(&["j-2"], Some("1")).unwrap_err().to_string(), "--job j-2 is not in wave '1'");
        assert_eq!(
            pick(&["nope"], None).unwrap_err().to_string(),
            "--job nope: no row of the batch has this Name, SourceId or JobId"
        );
        assert_eq!(pick(&["db02"], None).unwrap_err().to_string(), "--job db02: its row has no job in the batch");
        // Beside --line: either way.
        let both = choose(&rows, Choice { lines: &l(&["4"]), jobs: &jobs(&["db01"]), ..Choice::default() });
        assert_eq!(both, Ok(vec![0, 2]));
    }
}
