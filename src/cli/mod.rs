//! Command-line arguments: the commands and flags of docs/commands.md.

use clap::{Parser, Subcommand, ValueEnum};

mod batch;
mod check;
mod tools;

pub use batch::*;
pub use check::*;
pub use tools::*;

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
    /// The batch's report: HTML (default, DIR/report.html), Markdown, JSON or CSV.
    Report(ReportArgs),
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
    /// Print a rule's statement, an example row that breaks it and the fix, e.g. `smcplan explain Name.Length`.
    Explain {
        /// The rule code, as validate prints it (any letter case).
        code: String,
    },
    /// Print the manual page (roff) of smcplan or of one command, e.g. `smcplan man submit | man -l -`.
    Man {
        /// The command whose page to print (default: smcplan's own).
        command: Option<String>,
    },
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
