//! Command-line arguments: the commands and flags of DESIGN.md.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "smcplan", version, about = "Plan and submit Alibaba Cloud SMC migration jobs in bulk")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check every row and the whole batch, offline; writes nothing.
    Validate(CheckArgs),
    /// Validate, then show what submit would do, in order, and how long it will take.
    Plan(PlanArgs),
    /// Print a CSV header with every column, and commented example rows.
    Template(TemplateArgs),
    /// Draft an inventory from the account's source servers (and merge a CMDB export with --join).
    Init(InitArgs),
    /// Fetch the account state (source servers, replication jobs, vSwitches) into a file for --account.
    Snapshot(SnapshotArgs),
    /// Serve a local SMC-compatible endpoint (for rehearsals and tests) until interrupted.
    Emulator(EmulatorArgs),
    /// Create the jobs: rate-limited, journaled, resumable; writes an audit report to DIR.
    Submit(SubmitArgs),
    /// Update a report with each job's status (DescribeReplicationJobs).
    Status(StatusArgs),
    /// Fill ScheduledStartTime wave by wave (the Wave column), at most N migrations at once, within the API's 30 days.
    Schedule(ScheduleArgs),
    /// Start the batch's jobs (StartReplicationJob), where their state allows it.
    Start(ActArgs),
    /// Stop (pause) the batch's running jobs (StopReplicationJob).
    Stop(ActArgs),
    /// Cut over the batch's incremental jobs Waiting between runs (CutOverReplicationJob).
    Cutover(CutoverArgs),
    /// Delete the batch's jobs (DeleteReplicationJob): asks first; --stop-first stops running ones.
    Delete(DeleteArgs),
    /// Print a completion script for a shell (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) of smcplan or of one command, e.g. `smcplan man submit | man -l -`.
    Man {
        /// The command whose page to print (default: smcplan's own).
        command: Option<String>,
    },
}

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
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Args, Debug)]
pub struct ScheduleArgs {
    /// The inventory (CSV or .xlsx) whose rows to schedule; its Wave column groups them.
    pub inventory: PathBuf,
    /// When the first wave starts (YYYY-MM-DDThh:mm:ssZ, in the future, at most 30 days ahead).
    #[arg(long, value_name = "TIME")]
    pub start: String,
    /// Every job of a wave starts within this long of the wave's start (e.g. 8h, 1d12h).
    #[arg(long, value_name = "DURATION")]
    pub window: Option<String>,
    /// Migrations running at once at most.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_running: usize,
    /// Mbit/s each migration copies at (a row's ReplicationParameters bandwidth_limit, when lower, wins).
    #[arg(long, value_name = "MBPS", default_value_t = 100.0)]
    pub throughput: f64,
    /// The account state file: the sources' partitions tell their used space.
    #[arg(long, value_name = "FILE")]
    pub account: Option<PathBuf>,
    /// Write the scheduled inventory to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Overwrite FILE if it exists.
    #[arg(long, requires = "out")]
    pub force: bool,
    /// The sheet of a workbook inventory (.xlsx) to read (default: the first).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// The time the rules are checked against (default: now).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
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

#[derive(Args, Debug)]
pub struct TemplateArgs {
    /// Offer as many DataDisk columns as this account's largest source server needs.
    #[arg(long, value_name = "FILE")]
    pub account: Option<PathBuf>,
}

/// The target type of the jobs a draft creates.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetArg {
    #[value(name = "Image")]
    Image,
    #[value(name = "TargetInstance")]
    TargetInstance,
    #[value(name = "ContainerImage")]
    ContainerImage,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The account state file (from `smcplan snapshot`) to draft from.
    #[arg(long, value_name = "FILE", conflicts_with = "online", required_unless_present = "online")]
    pub account: Option<PathBuf>,
    /// Draft from the account state fetched now through the Describe APIs.
    #[arg(long)]
    pub online: bool,
    /// The destination region of every row (with --online, also the region whose vSwitches are fetched).
    #[arg(long, value_name = "DEST")]
    pub region: String,
    /// The target type of every row.
    #[arg(long, value_enum, default_value = "Image")]
    pub target_type: TargetArg,
    /// A CMDB export (CSV separated by `,`, `;` or tab, or .xlsx) to merge into the draft.
    #[arg(long, value_name = "FILE", requires = "on")]
    pub join: Option<PathBuf>,
    /// What a CMDB row is matched by.
    #[arg(long, value_enum, value_name = "KEY", requires = "join")]
    pub on: Option<crate::init::join::Key>,
    /// The sheet of a workbook given to --join (default: the first).
    #[arg(long, value_name = "NAME", requires = "join")]
    pub sheet: Option<String>,
    /// Write the draft to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Overwrite FILE if it exists.
    #[arg(long, requires = "out")]
    pub force: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
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
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Args, Debug)]
pub struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// Account state file to serve (default: the bundled sample account).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Save the account state here on every change and on shutdown.
    #[arg(long, value_name = "FILE")]
    pub state_out: Option<PathBuf>,
    /// The one AccessKey ID accepted.
    #[arg(long, default_value = crate::emulator::DEFAULT_KEY_ID)]
    pub access_key_id: String,
    /// Its secret.
    #[arg(long, default_value = crate::emulator::DEFAULT_KEY_SECRET)]
    pub access_key_secret: String,
    /// Require this STS security token with the key.
    #[arg(long, value_name = "TOKEN")]
    pub security_token: Option<String>,
    /// Delay before answering each request.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Admit at most N requests a second (the rest get Throttling.User).
    #[arg(long, value_name = "N")]
    pub qps: Option<f64>,
    /// Share of requests that fail: 500, 503, throttling, or a connection closed before or after the work.
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Seed of the fault dice and ids.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Simulated seconds per real second for job progress.
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// Answer this action with Forbidden.RAM, as for a RAM user without its permission (repeat for more).
    #[arg(long, value_name = "ACTION")]
    pub deny: Vec<String>,
    /// Share of job runs that end InError with a JobErrorCode (decided by --seed).
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub job_error_rate: f64,
}

/// How to reach the API.
#[derive(Args, Debug, Clone)]
pub struct ConnectArgs {
    /// Send every call, SMC and VPC, to this URL (https, or http to a loopback address).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Send the VPC calls (DescribeVSwitches) to this URL.
    #[arg(long, value_name = "URL")]
    pub vpc_endpoint: Option<String>,
    /// Credentials profile of ~/.aliyun/config.json (else ALIBABA_CLOUD_PROFILE, then the environment).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Signature scheme: v3 (ACS3-HMAC-SHA256) or v1 (legacy HMAC-SHA1).
    #[arg(long, value_enum, default_value = "v3")]
    pub signature: crate::api::client::SignatureVersion,
    /// Use no proxy, whatever HTTPS_PROXY or ALL_PROXY say.
    #[arg(long)]
    pub no_proxy: bool,
    /// Attempts of each call (retryable errors only: throttling, 5xx, timeouts) before its error stands.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub max_attempts: u32,
    /// Describe calls a second at most (snapshot, --online, status, the look-ups of submit).
    #[arg(long, value_name = "R", default_value_t = crate::api::client::DEFAULT_READ_RATE)]
    pub read_rate: f64,
}

#[derive(Args, Debug)]
pub struct SnapshotArgs {
    /// The account state file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// A region whose vSwitches to fetch (repeat for more).
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// The account's replication job quota to record (the API does not report it).
    #[arg(long, value_name = "N", default_value_t = crate::account::DEFAULT_JOB_QUOTA)]
    pub quota: u64,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    /// One JSON finding a line, then a summary line (validate only).
    Jsonl,
}

impl Cli {
    /// Whether the command's output is JSON: then a failure is a JSON error object too.
    pub fn wants_json(&self) -> bool {
        let format = match &self.command {
            Command::Validate(a) => a.format,
            Command::Plan(a) => a.check.format,
            Command::Submit(a) => a.format,
            Command::Status(a) => a.format,
            _ => Format::Human,
        };
        format != Format::Human
    }
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The inventory (CSV separated by `,`, `;` or tab, or an .xlsx workbook), one row per CreateReplicationJob call.
    pub inventory: PathBuf,
    /// Account state file (from `smcplan snapshot`) to check against.
    #[arg(long, value_name = "FILE", conflicts_with = "online")]
    pub account: Option<PathBuf>,
    /// Check against the account state fetched now through the Describe APIs.
    #[arg(long)]
    pub online: bool,
    /// With --online: a region whose vSwitches to fetch (repeat for more).
    #[arg(long = "region", value_name = "REGION", requires = "online")]
    pub regions: Vec<String>,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Treat unknown columns as errors.
    #[arg(long)]
    pub strict: bool,
    /// Print every finding, also those of a run of one code on consecutive rows that human
    /// output says once, as a range.
    #[arg(long)]
    pub all: bool,
    /// The sheet of a workbook inventory (.xlsx) to read (default: the first).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// The account's replication job quota (default: the account file's, else 1000).
    #[arg(long, value_name = "N")]
    pub quota: Option<u64>,
    /// The time the schedule rules treat as now, as YYYY-MM-DDThh:mm:ssZ (default: the clock).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub check: CheckArgs,
    /// Requests per second that submit will send.
    #[arg(long, default_value_t = crate::plan::DEFAULT_RATE)]
    pub rate: f64,
    /// Mbit/s a migration is expected to copy at, for the waves' expected ends (as schedule's --throughput).
    #[arg(long, value_name = "MBPS", default_value_t = 100.0)]
    pub throughput: f64,
}
