//! `smcplan schedule INVENTORY --start TIME`: the inventory written back with each row's
//! ScheduledStartTime, wave by wave.

use super::Outcome;
use crate::account::{AccountIndex, AccountState};
use crate::cli::ScheduleArgs;
use crate::ops::schedule;
use crate::plan::waves;
use crate::print::render;
use crate::time::{format_time, parse_time};
use anyhow::{Context as _, bail};
use std::io::Write as _;

pub(super) fn run(args: &ScheduleArgs) -> anyhow::Result<Outcome> {
    let now = super::now_or(args.now.as_deref())?;
    let start = parse_time(&args.start)
        .with_context(|| format!("--start '{}' is not a UTC time YYYY-MM-DDThh:mm:ssZ", args.start))?;
    if start <= now {
        bail!(
            "--start {} is in the past (now is {}): a job's ScheduledStartTime is in the future",
            args.start,
            format_time(now)
        );
    }
    let latest = now.saturating_add(waves::AHEAD).expect("30 days ahead");
    if start > latest {
        bail!("--start {} is more than the API's 30 days ahead (at most {})", args.start, format_time(latest));
    }
    let window = args
        .window
        .as_deref()
        .map(crate::time::parse_duration)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--window {e}"))?;
    if args.max_running == 0 {
        bail!("--max-running must be at least 1");
    }
    super::within("--throughput", args.throughput, (0.001, 1e9))?;
    if let Some(out) = args.out.as_deref().filter(|p| crate::inventory::sheet::is_workbook(p)) {
        bail!("--out {}: schedule writes CSV; name the file .csv (a workbook is read, not written)", out.display());
    }
    let account = args.account.as_deref().map(AccountState::load).transpose()?.map(AccountIndex::new);
    let shown = args.inventory.display().to_string();
    let opts = schedule::Options {
        inventory: &args.inventory,
        sheet: args.sheet.as_deref(),
        account: account.as_ref(),
        waves: waves::Options { now, start, window, max_running: args.max_running, throughput: args.throughput },
    };
    let done = schedule::schedule(&opts)?;
    let mut err = anstream::stderr().lock();
    for note in &done.notes {
        writeln!(err, "note: {note}")?;
    }
    if done.one_wave {
        writeln!(err, "note: {shown} has no Wave column: every row is scheduled as one wave")?;
    }
    for d in &done.findings {
        render::human_one(&mut err, &shown, d, &done.schema)?;
    }
    for w in &done.planned.waves {
        let name = if w.wave.is_empty() { "rows without a wave".to_string() } else { format!("wave {}", w.wave) };
        writeln!(err, "{name}: {} rows, from {} to {} (expected)", w.rows, format_time(w.start), format_time(w.end))?;
    }
    let Some(text) = done.text else {
        let rows: std::collections::BTreeSet<u64> = done.findings.iter().map(|d| d.line).collect();
        writeln!(err, "{shown}: {} rows do not fit; nothing is written", rows.len())?;
        return Ok(Outcome::Problems);
    };
    match &args.out {
        Some(path) => {
            if path.exists() && !args.force {
                bail!("{} exists: --force overwrites it", path.display());
            }
            crate::files::write_atomic(path, &text).with_context(|| format!("writing {}", path.display()))?;
            let waves = done.planned.waves.len();
            writeln!(err, "schedule: {} rows in {waves} waves written to {}", done.rows, path.display())?;
        }
        None => std::io::stdout().write_all(&text).map_err(super::stdout_fault)?,
    }
    Ok(Outcome::Clean)
}
