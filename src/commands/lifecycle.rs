//! `smcplan start|stop|cutover|delete DIR`: the jobs chosen from the batch, the question a
//! delete asks, the operation, and what became of each job.

use super::{Outcome, RATE, connect_to_batch, within};
use crate::batch::report::{self, ReportRow};
use crate::cli::ActArgs;
use crate::engine::signals::Signal;
use crate::jobs::choose::{Choice, choose};
use crate::jobs::plan::JobResult;
use crate::jobstate::Action;
use crate::ops::act::{self, Asking, Options};
use crate::text::{Count, were};
use anyhow::bail;
use std::io::{IsTerminal, Write};

/// What `delete` adds to the shared flags.
#[derive(Clone, Copy, Debug, Default)]
pub struct DeleteFlags {
    pub stop_first: bool,
    pub stop_timeout: f64,
    pub yes: bool,
}

pub(super) fn run(args: &ActArgs, action: Action, delete: DeleteFlags) -> anyhow::Result<Outcome> {
    within("--rate", args.rate, RATE)?;
    within("--canary-timeout", args.canary_timeout, (0.1, 86_400.0))?;
    if delete.stop_first {
        within("--stop-timeout", delete.stop_timeout, (0.1, 86_400.0))?;
    }
    let dir = args.dir.as_path();
    let shown = dir.display().to_string();
    let Some(batch) = report::read_if_any(dir)? else {
        bail!(
            "{shown} has no report.json: {} acts on the jobs that `smcplan submit INVENTORY --report {shown}` created",
            action.verb()
        );
    };
    let choice = Choice { wave: args.wave.as_deref(), lines: &args.lines, jobs: &args.jobs };
    let chosen = choose(&batch.rows, choice).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    let rows: Vec<ReportRow> = chosen.iter().map(|&i| batch.rows[i].clone()).collect();
    // The states are read at the calls' pace at least (the look-ups of lost answers too).
    let client = connect_to_batch(
        &crate::cli::ConnectArgs { read_rate: args.connect.read_rate.max(args.rate), ..args.connect.clone() },
        &args.dir,
    )?;
    let opts = Options {
        action,
        send: crate::engine::Options {
            rate: args.rate,
            concurrency: args.concurrency.max(1),
            max_attempts: args.connect.max_attempts,
            canary: args.canary,
        },
        dry_run: args.dry_run,
        canary_timeout: args.canary_timeout,
        stop_first: delete.stop_first.then_some(delete.stop_timeout),
        quiet: args.quiet,
    };
    let mut ask = |a: &Asking| ask_before_deleting(a, &shown, delete.yes);
    let done = act::act(&client, dir, rows, &opts, super::command_line(), &mut ask, &mut anstream::stderr())?;
    let mut out = anstream::stdout();
    if args.dry_run {
        for &k in &done.planned.calls {
            let r = &done.rows[k];
            let first = if done.planned.stop_first.contains(&k) { "StopReplicationJob, then " } else { "" };
            writeln!(out, "line {} ({}, {}): would call {first}{}", r.id.line, r.id.name, r.job_id, action.api_name())?;
        }
    }
    if args.dry_run || !args.quiet {
        say_the_rest(&mut out, &done.rows, &done.results, action)?;
    }
    let _ = writeln!(out, "{}", done.summary);
    if let Some(why) = &done.tripped {
        let left = done.results.iter().flatten().filter(|x| **x == JobResult::Skipped).count();
        let _ = writeln!(
            anstream::stderr(),
            "{why}: {} not called (skipped); fix the cause and run the same command again to resume",
            were(Count(left, "job"))
        );
    }
    Ok(match done.signal {
        Some(Signal::Terminate) => Outcome::Terminated,
        Some(_) => Outcome::Interrupted,
        None if done.problems() => Outcome::Problems,
        None => Outcome::Clean,
    })
}

/// A line for each job that did not simply come to the action's goal.
fn say_the_rest(
    out: &mut dyn Write,
    rows: &[ReportRow],
    results: &[Option<JobResult>],
    action: Action,
) -> std::io::Result<()> {
    for (r, x) in rows.iter().zip(results) {
        if let Some(x) = x.as_ref().filter(|x| x.is_problem()) {
            writeln!(
                out,
                "line {} ({}, {}): {}",
                r.id.line,
                crate::text::OneLine(&r.id.name),
                r.job_id,
                x.text(action)
            )?;
        }
    }
    Ok(())
}

/// Deleting cannot be undone: on a terminal, asks (`--yes` skips); without one, `--yes` is required.
fn ask_before_deleting(a: &Asking, shown: &str, yes: bool) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    let count = a.calls;
    if !std::io::stdin().is_terminal() {
        bail!(
            "nothing was deleted: delete asks before deleting {}, and there is no terminal to answer; pass --yes",
            Count(count, "job")
        );
    }
    let stopping = if a.running > 0 { format!(" ({} Running, stopped first)", a.running) } else { String::new() };
    let question = format!(
        "about to delete {}{stopping} of {shown} at {}; this cannot be undone; go on? [y/N] ",
        Count(count, "job"),
        a.endpoint
    );
    if !super::confirm(&mut anstream::stderr(), &mut std::io::stdin().lock(), &question)? {
        bail!("nothing was deleted: not confirmed (--yes skips the question)");
    }
    Ok(())
}
