//! `smcplan schedule INVENTORY --start TIME`: the inventory written back with each row's
//! ScheduledStartTime, wave by wave.

use super::Outcome;
use crate::account::{AccountIndex, AccountState};
use crate::cli::ScheduleArgs;
use crate::inventory::{Param, RecordBuf, Row, Schema};
use crate::plan::waves::{self, Job};
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
    let table = crate::inventory::table::read(&args.inventory, args.sheet.as_deref())?;
    let mut err = anstream::stderr().lock();
    for note in &table.notes {
        writeln!(err, "note: {note}")?;
    }
    let schema =
        Schema::parse(table.header.clone()).map_err(|e| anyhow::anyhow!("{shown}:{}: {e}", table.header_line))?;
    if waves::wave_column(&schema).is_none() {
        writeln!(err, "note: {shown} has no Wave column: every row is scheduled as one wave")?;
    }
    let records: Vec<(u64, RecordBuf)> =
        table.rows.iter().map(|(line, cells)| (*line, cells.iter().map(String::as_str).collect())).collect();
    let jobs: Vec<Job> =
        records.iter().map(|(line, r)| Job::of(&Row::new(*line, &schema, r.view()), account.as_ref())).collect();
    let opts = waves::Options { now, start, window, max_running: args.max_running, throughput: args.throughput };
    let (planned, findings) = waves::schedule(&jobs, &opts);
    for d in &findings {
        render::human_one(&mut err, &shown, d, &schema)?;
    }
    for w in &planned.waves {
        let name = if w.wave.is_empty() { "rows without a wave".to_string() } else { format!("wave {}", w.wave) };
        writeln!(err, "{name}: {} rows, from {} to {} (expected)", w.rows, format_time(w.start), format_time(w.end))?;
    }
    if !findings.is_empty() {
        writeln!(
            err,
            "{shown}: {} rows do not fit; nothing is written",
            findings.iter().map(|d| d.line).collect::<std::collections::BTreeSet<_>>().len()
        )?;
        return Ok(Outcome::Problems);
    }
    // The inventory as it was, with its ScheduledStartTime column filled (added at the end
    // when it has none).
    let mut header = table.header.clone();
    let column = match schema.column(Param::ScheduledStartTime) {
        Some(c) => usize::from(c),
        None => {
            header.push("ScheduledStartTime".to_string());
            header.len() - 1
        }
    };
    let delimiter = table.delimiter;
    let mut out = csv::WriterBuilder::new().delimiter(delimiter).flexible(true).from_writer(Vec::new());
    out.write_record(&header)?;
    for ((_, cells), when) in table.rows.iter().zip(&planned.starts) {
        let mut cells = cells.clone();
        cells.resize(cells.len().max(header.len()), String::new());
        cells[column] = format_time(*when);
        out.write_record(&cells)?;
    }
    let text = out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    match &args.out {
        Some(path) => {
            if path.exists() && !args.force {
                bail!("{} exists: --force overwrites it", path.display());
            }
            crate::files::write_atomic(path, &text).with_context(|| format!("writing {}", path.display()))?;
            writeln!(
                err,
                "schedule: {} rows in {} waves written to {}",
                jobs.len(),
                planned.waves.len(),
                path.display()
            )?;
        }
        None => std::io::stdout().write_all(&text).map_err(super::stdout_fault)?,
    }
    Ok(Outcome::Clean)
}
