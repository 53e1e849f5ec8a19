//! The flags of the commands on a batch: submit, status, start, stop, cutover, delete.

use super::{ConnectArgs, Format};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct SubmitArgs {
    /// The inventory CSV.
    pub inventory: PathBuf,
    /// Report directory: journal, report.csv, report.json, failed.csv. Re-running with it resumes.
    #[arg(long, value_name = "DIR")]
    pub report: PathBuf,
    /// Requests per second at most.
    #[arg(long, default_value_t = crate::plan::DEFAULT_RATE)]
    pub rate: f64,
    /// Requests in flight at most.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Do everything but send.
    #[arg(long)]
    pub dry_run: bool,
    /// Submit the valid rows and mark the others invalid (default: any error stops the run).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Check against the account state fetched through the Describe APIs first.
    #[arg(long)]
    pub online: bool,
    /// Check against this account state file first (from `smcplan snapshot`), as validate does.
    #[arg(long, value_name = "FILE", conflicts_with = "online")]
    pub account: Option<std::path::PathBuf>,
    /// Regions whose vSwitches --online fetches.
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Print only the summary.
    #[arg(long)]
    pub quiet: bool,
    /// Rebuild a lost journal: look every row's job up by Name and SourceId before sending anything.
    #[arg(long, conflicts_with = "dry_run")]
    pub adopt: bool,
    /// Send again the rows whose last failure is final (retryable failures are always sent again).
    #[arg(long)]
    pub retry_failed: bool,
    /// On a terminal, do not ask before sending to an endpoint that is not loopback.
    #[arg(long)]
    pub yes: bool,
    /// Send N rows first, and the rest only if every one of them made its job.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub canary: usize,
    /// Output format of the outcome.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// The sheet of a workbook inventory (.xlsx) to read (default: the first).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Replace the jobs a change cannot be made to in place any more: delete each, wait
    /// until it is gone, create it again (asks first on a terminal; --yes without one).
    #[arg(long)]
    pub replace: bool,
    /// Delete the batch's jobs whose source server no row of this inventory holds (asks
    /// first on a terminal; --yes without one).
    #[arg(long)]
    pub prune: bool,
    /// Apply exactly this plan (from `smcplan plan --report DIR --out PLAN`), or nothing if
    /// the inventory, the batch or any job it read changed since.
    #[arg(long, value_name = "PLAN")]
    pub plan: Option<PathBuf>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Args, Debug)]
pub struct ActArgs {
    /// The report directory a submit wrote: its jobs are the ones acted on.
    pub dir: PathBuf,
    /// Only the jobs of this wave (the inventory's Wave column).
    #[arg(long, value_name = "W")]
    pub wave: Option<String>,
    /// Only the job of this inventory line, `N` or `FILE:N` (repeat for more).
    #[arg(long = "line", value_name = "N")]
    pub lines: Vec<String>,
    /// Only this job, named by its Name, SourceId or JobId (repeat for more).
    #[arg(long = "job", value_name = "NAME|SourceId|JobId")]
    pub jobs: Vec<String>,
    /// Calls per second at most.
    #[arg(long, default_value_t = crate::plan::DEFAULT_RATE)]
    pub rate: f64,
    /// Calls in flight at most.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Read the jobs' states and say what would be called; call nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Act on N jobs first, and on the rest only if every one of them succeeded.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub canary: usize,
    /// How long `start --canary` waits for its jobs to reach Running, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 600.0)]
    pub canary_timeout: f64,
    /// Print only the summary.
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Args, Debug)]
pub struct CutoverArgs {
    #[command(flatten)]
    pub act: ActArgs,
    /// Run a last sync before cutting over.
    #[arg(long)]
    pub sync_data: bool,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub act: ActArgs,
    /// Stop Running jobs first, wait until they can be deleted, then delete them.
    #[arg(long)]
    pub stop_first: bool,
    /// How long --stop-first waits for a stopped job to leave Running, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 600.0)]
    pub stop_timeout: f64,
    /// Do not ask before deleting (required when not on a terminal).
    #[arg(long)]
    pub yes: bool,
}

/// A format of `smcplan report`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// One self-contained page: header, totals, a chart per wave, the runs, every server.
    Html,
    /// The header, totals and a table per wave, for a change ticket.
    Md,
    /// What report.json holds.
    Json,
    /// What report.csv holds.
    Csv,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The report directory of a submit.
    pub report: PathBuf,
    #[arg(long, value_enum, default_value = "html")]
    pub format: ReportFormat,
    /// Where to write it (default: DIR/report.html for html, the standard output otherwise).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Draw the page as of this UTC time (the end of the runs still going), not the clock's.
    #[arg(long, value_name = "TIME", hide = true)]
    pub now: Option<String>,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// The report directory of a submit.
    pub report: PathBuf,
    /// Repeat until every job is in a final status.
    #[arg(long)]
    pub watch: bool,
    /// Seconds between checks with --watch.
    #[arg(long, default_value_t = 10.0)]
    pub interval: f64,
    /// Output format: one JSON object per check with `json`.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Only the jobs of this wave (the inventory's Wave column): a watch ends when they settle.
    #[arg(long, value_name = "W")]
    pub wave: Option<String>,
    /// Only the job of this inventory line, `N` or `FILE:N` (repeat for more).
    #[arg(long = "line", value_name = "N")]
    pub lines: Vec<String>,
    /// Only this job, named by its Name, SourceId or JobId (repeat for more).
    #[arg(long = "job", value_name = "NAME|SourceId|JobId")]
    pub jobs: Vec<String>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}
