//! `smcplan submit INVENTORY --report DIR`: the flags, the question before sending to a
//! real endpoint, the operation, and its summary (human or JSON).

use super::{Outcome, RATE, within};
use crate::batch::RowStatus;
use crate::cli::{ConnectArgs, SubmitArgs};
use crate::diagnostics::Severity;
use crate::engine::signals::Signal;
use crate::ops::submit::{self, Options, Ran};
use crate::print::render;
use crate::text::{Count, were};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

/// The command line's submit.
pub(super) fn run(args: &SubmitArgs) -> anyhow::Result<Outcome> {
    within("--rate", args.rate, RATE)?;
    within("--concurrency", args.concurrency as f64, (1.0, 1024.0))?;
    // A dry run checks offline and sends nothing: it needs no credentials.
    // The look-ups of resume are paced with the creates at --rate: reads may go as fast.
    let connect_args = ConnectArgs { read_rate: args.connect.read_rate.max(args.rate), ..args.connect.clone() };
    let client =
        if args.dry_run && !args.online { None } else { Some(super::connect_to_batch(&connect_args, &args.report)?) };
    let account = super::account_for(client.as_ref(), args.online, &args.regions, args.account.as_deref())?;
    let json = args.format != crate::cli::Format::Human;
    let saved = args.plan.as_deref().map(crate::ops::saved::SavedPlan::read).transpose()?;
    let opts = Options {
        inventory: &args.inventory,
        dir: &args.report,
        send: crate::engine::Options {
            rate: args.rate,
            concurrency: args.concurrency,
            max_attempts: args.connect.max_attempts,
            canary: args.canary,
        },
        dry_run: args.dry_run,
        skip_invalid: args.skip_invalid,
        regions: if args.online { &args.regions[..] } else { &[] },
        quiet: args.quiet,
        adopt: args.adopt,
        retry_failed: args.retry_failed,
        argv: super::command_line(),
        sheet: args.sheet.as_deref(),
        replace: args.replace,
        prune: args.prune,
        plan: saved.as_ref(),
    };
    let mut err = anstream::stderr();
    let prepared = submit::check(&opts, account.as_ref())?;
    super::say_notes(&prepared.checked.notes);
    if prepared.stops(args.skip_invalid) {
        let checked = &prepared.checked;
        {
            let errors = checked.diagnostics.iter().filter(|d| d.severity == Severity::Error);
            if json {
                let mut out = render::JsonFindings::default();
                errors.for_each(|d| out.push(d, &checked.schema));
                out.write(&mut std::io::stdout().lock(), &checked.summary).map_err(super::stdout_fault)?;
            } else {
                let errors: Vec<_> = errors.cloned().collect();
                render::human(
                    &mut anstream::stderr().lock(),
                    &checked.path,
                    &checked.summary,
                    &errors,
                    &checked.schema,
                )?;
            }
            writeln!(err, "nothing was sent: fix the errors, or use --skip-invalid to submit the valid rows")?;
            return Ok(Outcome::Problems);
        }
    }
    let warnings = prepared.warnings();
    if !warnings.is_empty() {
        let each: Vec<String> = warnings.iter().map(|(c, n)| format!("{n} {c}")).collect();
        let total: usize = warnings.values().sum();
        let path = &prepared.checked.path;
        let _ = writeln!(
            err,
            "{path}: {} ({}); `smcplan validate {path}` shows each",
            Count(total, "warning"),
            each.join(", ")
        );
    }
    let mut ask = |asking: &submit::Asking| ask_before_sending(asking, args.yes, args.rate);
    let ran = submit::submit(client.as_ref(), prepared, &opts, &mut ask, &mut err)?;
    say(&ran, args, json);
    Ok(match ran.signal {
        Some(Signal::Terminate) => Outcome::Terminated,
        Some(_) => Outcome::Interrupted,
        None if ran.clean => Outcome::Clean,
        None => Outcome::Problems,
    })
}

/// What the run says: the summary (or its JSON), the
/// batch when the inventory holds part of it, and why it stopped. A courtesy: the terminal
/// may be gone (SIGHUP) or the reader closed, and the work's outcome stands either way.
fn say(ran: &Ran, args: &SubmitArgs, json: bool) {
    let mut err = anstream::stderr();
    let shown = if json {
        let ended = match (ran.signal.is_some(), ran.tripped.is_some()) {
            (true, _) => "interrupted",
            (false, true) => "stopped",
            (false, false) => "completed",
        };
        let report = args.report.display().to_string();
        let json = SubmitJson {
            report,
            run: ran.run.as_deref(),
            dry_run: args.dry_run,
            ended,
            counts: &ran.counts,
            seconds: ran.seconds,
            batch: ran.totals.as_ref(),
            to_replace: ran
                .plan
                .as_ref()
                .map(|p| ran.replace_left.iter().chain(&ran.refused).map(|&i| &p.steps[i]).collect())
                .unwrap_or_default(),
            not_in_inventory: ran.plan.as_ref().map(|p| p.not_in_inventory.iter().collect()).unwrap_or_default(),
        };
        serde_json::to_string_pretty(&json).expect("a summary serialises")
    } else {
        ran.summary.clone()
    };
    let _ = writeln!(anstream::stdout(), "{shown}");
    if ran.left_as_it_was {
        let dir = args.report.display();
        let _ = writeln!(err, "dry run: the report of {dir} is left as it is (its journal is the record)");
        return;
    }
    if ran.batch.len() != ran.seen.len() && !json {
        let _ = writeln!(anstream::stdout(), "{}", crate::batch::rows::batch_line(&ran.batch));
    }
    if let (Some(plan), false) = (&ran.plan, json) {
        let mut replace = ran.replace_left.clone();
        replace.extend(&ran.refused);
        let dir = args.report.display().to_string();
        let _ = crate::print::reconcile::left(&mut anstream::stdout(), plan, &replace, &ran.prune_left, &dir);
    }
    for f in &ran.failures {
        let _ = writeln!(err, "{f}");
    }
    if let Some(why) = &ran.tripped {
        let left = ran.seen.iter().filter(|r| r.status == RowStatus::Skipped).count();
        let _ = writeln!(
            err,
            "{why}: {} not sent (skipped); fix the cause and run the same command again to resume",
            were(Count(left, "row"))
        );
    }
    if ran.signal.is_some() {
        let left = ran.seen.iter().filter(|r| matches!(r.status, RowStatus::Skipped | RowStatus::Pending)).count();
        let dir = args.report.display();
        let _ = writeln!(
            err,
            "stopped with {} not done: run the same command again to resume; the journal in {dir} holds every request sent",
            Count(left, "row")
        );
    }
}

/// Before the first request, asks to go on: on a terminal, before calls to an endpoint that
/// is not loopback, and before any delete (a replace's or a prune's) wherever it goes; a
/// delete without a terminal needs `--yes`. `--yes` skips every question.
fn ask_before_sending(asking: &submit::Asking, yes: bool, rate: f64) -> anyhow::Result<()> {
    let endpoint = asking.endpoint;
    let terminal = std::io::stdin().is_terminal();
    if yes || (asking.deletes == 0 && (crate::api::endpoint::is_loopback(endpoint) || !terminal)) {
        return Ok(());
    }
    if !terminal {
        anyhow::bail!(
            "nothing was sent: {} would be deleted (--replace, --prune) and there is no terminal to confirm on; add --yes",
            Count(asking.deletes, "job")
        );
    }
    let each: Vec<String> = asking.counts.iter().filter(|(_, n)| **n > 0).map(|(k, n)| format!("{n} {k}")).collect();
    let question = format!("about to send to {endpoint} at {rate} a second: {}; go on? [y/N] ", each.join(", "));
    if !super::confirm(&mut anstream::stderr(), &mut std::io::stdin().lock(), &question)? {
        anyhow::bail!("nothing was sent: not confirmed (--yes skips the question)");
    }
    Ok(())
}

/// `submit --format json`: how the run ended, its inventory's rows by status, and the batch.
#[derive(serde::Serialize)]
struct SubmitJson<'a> {
    report: String,
    /// The run's id (a dry run has none).
    run: Option<&'a str>,
    dry_run: bool,
    ended: &'a str,
    counts: &'a BTreeMap<String, u64>,
    seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    batch: Option<&'a crate::batch::report::Batch>,
    /// Rows a change was left for `--replace`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    to_replace: Vec<&'a crate::ops::reconcile::Step>,
    /// The batch's jobs this inventory does not hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_in_inventory: Vec<&'a crate::ops::reconcile::Outside>,
}
