//! The flags of the commands that read an inventory: validate, plan, schedule, init, template.

use super::{ConnectArgs, Format};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

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
    /// Mbit/s a migration is expected to copy at, for the waves' expected ends (default: the
    /// throughput the inventory's schedule comment line says, else 100).
    #[arg(long, value_name = "MBPS")]
    pub throughput: Option<f64>,
    /// Compare with the batch in DIR: each row's action (create, none, update, replace,
    /// recreate, blocked) against its job, read now through DescribeReplicationJobs.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// With --report: compare with the last state the report knows; read nothing.
    #[arg(long, requires = "report")]
    pub offline: bool,
    /// With --report: save the plan to PLAN, for `submit --plan PLAN` to apply exactly it.
    #[arg(long, value_name = "PLAN", requires = "report")]
    pub out: Option<PathBuf>,
}
