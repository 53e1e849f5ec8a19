//! The offline pipeline: read the inventory, run the row rules in parallel, then the batch checks in order.
//!
//! One thread parses CSV records into chunks while the rayon pool decodes and
//! validates the previous chunk; the calling thread then runs the order-dependent
//! batch checks. Only a few chunks are alive at once, so memory stays flat
//! whatever the size of the file.

use crate::account::{AccountIndex, DEFAULT_JOB_QUOTA};
use crate::conflicts::{self, Batch, Keys};
use crate::diagnostics::{self, Diagnostic, Severity, Summary};
use crate::inventory::read::{self, InputError, Reader};
use crate::inventory::{Row, Schema};
use crate::validate::{self, Context};
use csv::{ByteRecord, StringRecord};
use jiff::Timestamp;
use rayon::prelude::*;
use std::path::Path;
use std::sync::mpsc;

/// Records handed to the workers at a time.
const CHUNK: usize = 2048;
/// Chunks parsed ahead of validation.
const AHEAD: usize = 4;

/// How to check.
pub struct Options<'a> {
    /// Unknown columns are errors, not warnings.
    pub strict: bool,
    /// "Now" for the schedule rules.
    pub now: Timestamp,
    /// The account state, if any.
    pub account: Option<&'a AccountIndex>,
    /// Overrides the account's job quota.
    pub quota: Option<u64>,
}

/// The result of checking a whole inventory.
pub struct Checked {
    pub path: String,
    pub schema: Schema,
    pub summary: Summary,
    /// Every finding, sorted by line, column and code.
    pub diagnostics: Vec<Diagnostic>,
}

struct RowOutcome {
    diags: Vec<Diagnostic>,
    keys: Keys,
}

/// Checks the inventory at `path`; `visit` sees every row, in file order, with its findings.
pub fn run(path: &Path, opts: &Options, visit: impl FnMut(&Row, &[Diagnostic])) -> Result<Checked, InputError> {
    let reader = Reader::open(path)?;
    run_reader(reader, opts, visit)
}

/// Like [`run`], on an already open reader.
pub fn run_reader(mut reader: Reader, opts: &Options, mut visit: impl FnMut(&Row, &[Diagnostic])) -> Result<Checked, InputError> {
    let schema = reader.schema().clone();
    let path = reader.path().to_string();
    let mut diags = schema.diagnostics(opts.strict);
    let mut summary = Summary::default();
    diags.iter().for_each(|d| summary.count(d));
    let quota = opts.quota.or(opts.account.map(|a| a.state.quota.replication_jobs)).unwrap_or(DEFAULT_JOB_QUOTA);
    let mut batch = Batch::new(opts.account.map_or(0, AccountIndex::job_count), quota);
    let ctx = Context { now: opts.now, account: opts.account };
    let (full_tx, full_rx) = mpsc::sync_channel::<Result<Vec<ByteRecord>, InputError>>(AHEAD);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<ByteRecord>>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            loop {
                let mut chunk = empty_rx.try_recv().unwrap_or_default();
                let filled = reader.fill(&mut chunk, CHUNK);
                let done = !matches!(filled, Ok(n) if n > 0);
                let sent = match filled {
                    Ok(0) => Ok(()),
                    Ok(_) => full_tx.send(Ok(chunk)),
                    Err(e) => full_tx.send(Err(e)),
                };
                if done || sent.is_err() {
                    break;
                }
            }
        });
        for chunk in full_rx {
            let records = decode(&path, chunk?)?;
            let outcomes: Vec<RowOutcome> = records.par_iter().map(|rec| check_one(rec, &schema, &ctx)).collect();
            for (rec, mut out) in records.iter().zip(outcomes) {
                let row = Row::new(read::record_line_of(rec), &schema, rec);
                batch.check(&row, &out.keys, &mut out.diags);
                let has_error = out.diags.iter().any(|d| d.severity == Severity::Error);
                batch.admit(&row, has_error, &mut out.diags);
                diagnostics::sort(&mut out.diags);
                summary.rows += 1;
                if !out.diags.iter().any(|d| d.severity == Severity::Error) {
                    summary.valid += 1;
                }
                out.diags.iter().for_each(|d| summary.count(d));
                visit(&row, &out.diags);
                diags.append(&mut out.diags);
            }
            let _ = empty_tx.send(records.into_iter().map(StringRecord::into_byte_record).collect());
        }
        Ok::<(), InputError>(())
    })?;
    Ok(Checked { path, schema, summary, diagnostics: diags })
}

/// Turns a chunk into text in parallel; the first bad record in file order wins.
fn decode(path: &str, chunk: Vec<ByteRecord>) -> Result<Vec<StringRecord>, InputError> {
    let decoded: Vec<Result<StringRecord, InputError>> = chunk.into_par_iter().map(|rec| read::decode(path, rec)).collect();
    decoded.into_iter().collect()
}

fn check_one(rec: &StringRecord, schema: &Schema, ctx: &Context) -> RowOutcome {
    let row = Row::new(read::record_line_of(rec), schema, rec);
    let mut diags = Vec::new();
    validate::check_row(&row, ctx, &mut diags);
    RowOutcome { diags, keys: conflicts::keys(&row) }
}
