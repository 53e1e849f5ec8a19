//! Schedule: each row's ScheduledStartTime, wave by wave, and the inventory written back
//! with them (as it was, the column filled or added at its end).

use crate::account::AccountIndex;
use crate::diagnostics::Diagnostic;
use crate::inventory::{Param, RecordBuf, Row, Schema};
use crate::plan::estimate::Pace;
use crate::plan::waves::{self, Job, Schedule as Planned};
use std::path::Path;

/// What to schedule.
pub struct Options<'a> {
    pub inventory: &'a Path,
    pub sheet: Option<&'a str>,
    pub account: Option<&'a AccountIndex>,
    pub waves: waves::Options,
}

/// A schedule: the waves and each row's start, what does not fit, and the inventory with
/// its starts (when everything fits).
pub struct Scheduled {
    pub schema: Schema,
    pub rows: usize,
    pub planned: Planned,
    pub findings: Vec<Diagnostic>,
    /// The inventory written back (none when a row does not fit).
    pub text: Option<Vec<u8>>,
    /// What reading the file decided (its delimiter, rewritten cells).
    pub notes: Vec<String>,
    /// The inventory has no Wave column: every row is one wave.
    pub one_wave: bool,
}

pub fn schedule(opts: &Options) -> anyhow::Result<Scheduled> {
    let shown = opts.inventory.display().to_string();
    let table = crate::inventory::table::read(opts.inventory, opts.sheet)?;
    let schema =
        Schema::parse(table.header.clone()).map_err(|e| anyhow::anyhow!("{shown}:{}: {e}", table.header_line))?;
    let records: Vec<(u64, RecordBuf)> =
        table.rows.iter().map(|(line, cells)| (*line, cells.iter().map(String::as_str).collect())).collect();
    let jobs: Vec<Job> = records
        .iter()
        .map(|(line, r)| Job::of(&Row::new(*line, &schema, r.view()), waves::wave_of(&schema, r.view()), opts.account))
        .collect();
    let (planned, findings) = waves::schedule(&jobs, &opts.waves);
    let text = match findings.is_empty() {
        true => {
            let pace = Pace { throughput: opts.waves.throughput, max_running: opts.waves.max_running };
            Some(written(&table, &schema, &planned, &pace)?)
        }
        false => None,
    };
    let one_wave = waves::wave_column(&schema).is_none();
    Ok(Scheduled { schema, rows: jobs.len(), planned, findings, text, notes: table.notes, one_wave })
}

/// The inventory as it was, with its ScheduledStartTime column filled (added at the end
/// when it has none), after a comment line that says the pace it was scheduled at.
fn written(
    table: &crate::inventory::table::Table,
    schema: &Schema,
    planned: &Planned,
    pace: &Pace,
) -> anyhow::Result<Vec<u8>> {
    let mut header = table.header.clone();
    let column = match schema.column(Param::ScheduledStartTime) {
        Some(c) => usize::from(c),
        None => {
            header.push("ScheduledStartTime".to_string());
            header.len() - 1
        }
    };
    let first = format!("{}\n", pace.comment()).into_bytes();
    let mut out = csv::WriterBuilder::new().delimiter(table.delimiter).flexible(true).from_writer(first);
    out.write_record(&header)?;
    for ((_, cells), when) in table.rows.iter().zip(&planned.starts) {
        let mut cells = cells.clone();
        cells.resize(cells.len().max(header.len()), String::new());
        cells[column] = crate::time::format_time(*when);
        out.write_record(&cells)?;
    }
    out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}
