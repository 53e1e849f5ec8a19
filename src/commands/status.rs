//! `smcplan status DIR`: every job of the batch as DescribeReplicationJobs tells it now,
//! shown as the live view (redrawn on a terminal, lines elsewhere) or JSON a refresh.

use super::{Outcome, within};
use crate::batch::report::ReportRow;
use crate::cli::StatusArgs;
use crate::engine::signals::Signal;
use crate::jobs::choose::{Choice, choose};
use crate::ops::status::{self, Look, Refresh, Show};
use std::io::{IsTerminal as _, Write as _};
use std::time::Duration;

/// The command line's status.
pub(super) fn run(args: &StatusArgs) -> anyhow::Result<Outcome> {
    within("--interval", args.interval, (0.1, 86_400.0))?;
    let dir = &args.report;
    // A directory without a batch is said before anything is asked of the API.
    let batch = crate::batch::observe::current(dir)?;
    let client = super::connect_to_batch(&args.connect, &args.report)?;
    let only = match (&args.wave, args.lines.is_empty() && args.jobs.is_empty()) {
        (None, true) => None,
        _ => {
            let choice = Choice { wave: args.wave.as_deref(), lines: &args.lines, jobs: &args.jobs };
            let chosen = choose(&batch.rows, choice).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
            Some(chosen.into_iter().map(|i| batch.rows[i].job_id.clone()).collect())
        }
    };
    let look = Look { watch: args.watch, interval: Duration::from_secs_f64(args.interval), only };
    let json = args.format != crate::cli::Format::Human;
    // On a terminal the view is redrawn in place; elsewhere each refresh is printed as lines.
    let live = (!json && std::io::stdout().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(indicatif::ProgressStyle::with_template("{msg}").expect("a static template"));
        bar
    });
    let runs = batch.runs.clone();
    let mut shown = Shown { dir: dir.display().to_string(), json, watch: args.watch, live, runs };
    let record = super::batch_run_record(&client, "status", batch.rows.iter());
    let outcome = status::status(&client, dir, &look, record, &mut shown)?;
    if let Some(bar) = &shown.live {
        bar.finish();
    }
    Ok(match outcome.signal {
        Some(Signal::Terminate) => Outcome::Terminated,
        Some(_) => Outcome::Interrupted,
        None if outcome.trouble() => Outcome::Problems,
        None => Outcome::Clean,
    })
}

/// How the refreshes are shown.
struct Shown {
    dir: String,
    json: bool,
    watch: bool,
    live: Option<indicatif::ProgressBar>,
    /// The batch's runs: the pace its schedule was made at.
    runs: Vec<crate::batch::journal::Run>,
}

impl Show for Shown {
    fn refresh(&mut self, r: &Refresh) -> anyhow::Result<()> {
        let mut out = anstream::stdout();
        if self.json {
            let text = serde_json::to_string(&StatusJson::of(&self.dir, r)).expect("a refresh serialises");
            writeln!(out, "{text}").map_err(super::stdout_fault)?;
        } else {
            // The counts are the line's; the waves and the jobs InError follow it. A watch
            // says when it refreshed and when each wave is expected to end; its plain lines
            // are stamped with the time.
            let now = jiff::Timestamp::now();
            let view = match self.watch || self.live.is_some() {
                true => crate::print::live::render_at(&r.rows, &self.runs, &self.dir, now),
                false => crate::print::live::render(&r.rows, &self.dir),
            };
            let first = view.lines().next().and_then(|l| l.find(" (refreshed ").map(|i| &l[i..])).unwrap_or("");
            let rest: String = view.lines().skip(1).map(|l| format!("{l}\n")).collect();
            match &self.live {
                Some(bar) => bar.set_message(format!("{}{first}\n{}", r.line, rest.trim_end())),
                None if self.watch => {
                    let stamp = crate::time::format_time(now);
                    let lines = std::iter::once(r.line.clone()).chain(rest.lines().map(str::to_string));
                    let stamped: String = lines.map(|l| format!("{stamp} {l}\n")).collect();
                    out.write_all(stamped.as_bytes()).map_err(super::stdout_fault)?
                }
                None => write!(out, "{}\n{rest}", r.line).map_err(super::stdout_fault)?,
            }
        }
        if self.watch && r.settled && r.waiting_for_you > 0 {
            let why = format!(
                "{} jobs wait for you (Ready with no ScheduledStartTime, Stopped or InError): nothing starts them on its own, so the watch ends",
                r.waiting_for_you
            );
            let _ = match (self.json, self.live.is_some()) {
                (true, _) => writeln!(anstream::stderr(), "{why}"),
                (false, true) => writeln!(out, "{why}"),
                (false, false) => writeln!(out, "{} {why}", crate::time::format_time(jiff::Timestamp::now())),
            };
        }
        Ok(())
    }

    fn failed(&mut self, e: &anyhow::Error, retry_in: Duration) {
        let when = crate::time::format_time(jiff::Timestamp::now());
        let _ = writeln!(anstream::stderr(), "{when}: this refresh failed ({e:#}); trying again in {retry_in:?}");
    }

    fn note(&mut self, note: &str) {
        let _ = writeln!(anstream::stderr(), "{note}");
    }
}

/// `status --format json`: one refresh.
#[derive(serde::Serialize)]
struct StatusJson<'a> {
    report: &'a str,
    checked_at: &'a str,
    counts: &'a std::collections::BTreeMap<String, usize>,
    waiting_for_you: usize,
    jobs: Vec<JobJson<'a>>,
}

impl<'a> StatusJson<'a> {
    fn of(dir: &'a str, r: &'a Refresh) -> StatusJson<'a> {
        StatusJson {
            report: dir,
            checked_at: &r.checked_at,
            counts: &r.counts,
            waiting_for_you: r.waiting_for_you,
            jobs: r.rows.iter().map(JobJson::of).collect(),
        }
    }
}

/// A job of the batch as a refresh saw it.
#[derive(serde::Serialize)]
struct JobJson<'a> {
    line: u64,
    file: &'a str,
    #[serde(rename = "SourceId")]
    source_id: &'a str,
    #[serde(rename = "Name")]
    name: &'a str,
    #[serde(rename = "JobId")]
    job_id: &'a str,
    #[serde(rename = "JobStatus")]
    status: &'a str,
    #[serde(rename = "JobBusinessStatus")]
    business_status: &'a str,
    #[serde(rename = "JobProgress")]
    progress: Option<f64>,
    #[serde(rename = "JobErrorCode")]
    error_code: &'a str,
}

impl<'a> JobJson<'a> {
    fn of(r: &'a ReportRow) -> JobJson<'a> {
        let text = |v: &'a Option<String>| v.as_deref().unwrap_or_default();
        JobJson {
            line: r.id.line,
            file: &r.file,
            source_id: &r.id.source_id,
            name: &r.id.name,
            job_id: &r.job_id,
            status: r.job_status.as_ref().map_or("", |s| s.as_str()),
            business_status: text(&r.business_status),
            progress: r.progress,
            error_code: text(&r.job_error_code),
        }
    }
}
