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
const CHUNK: usize = 4096;
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
pub fn run(
    path: &Path,
    opts: &Options,
    visit: impl FnMut(&Row, &[Diagnostic]) + Send,
) -> Result<Checked, InputError> {
    let reader = Reader::open(path)?;
    run_reader(reader, opts, visit)
}

/// The order-dependent part: batch checks, quota, counts, and the findings so far.
struct Ordered<'s, V> {
    schema: &'s Schema,
    batch: Batch,
    summary: Summary,
    diags: Vec<Diagnostic>,
    visit: V,
    /// The input's length, to size the batch tables from the first chunk.
    len_hint: Option<u64>,
}

impl<V: FnMut(&Row, &[Diagnostic])> Ordered<'_, V> {
    fn finish(&mut self, records: &[StringRecord], outcomes: Vec<RowOutcome>) {
        let keyed: Vec<(u64, Keys)> = records
            .iter()
            .zip(&outcomes)
            .map(|(r, o)| (read::record_line_of(r), o.keys))
            .collect();
        if let (Some(len), Some(last)) = (
            self.len_hint.take(),
            records.last().and_then(|r| r.position()),
        ) {
            let per_row = (last.byte() / records.len().max(1) as u64).max(1);
            self.batch.expect_rows(len / per_row, &keyed);
        }
        let clashes = self.batch.check(&keyed);
        let mut clashes = clashes.iter().peekable();
        for (i, (rec, mut out)) in records.iter().zip(outcomes).enumerate() {
            let row = Row::new(read::record_line_of(rec), self.schema, rec);
            while let Some(c) = clashes.next_if(|c| c.row == i) {
                out.diags.push(conflicts::clash(&row, c));
            }
            let has_error = out.diags.iter().any(|d| d.severity == Severity::Error);
            self.batch.admit(&row, has_error, &mut out.diags);
            diagnostics::sort(&mut out.diags);
            self.summary.rows += 1;
            if !out.diags.iter().any(|d| d.severity == Severity::Error) {
                self.summary.valid += 1;
            }
            out.diags.iter().for_each(|d| self.summary.count(d));
            (self.visit)(&row, &out.diags);
            self.diags.append(&mut out.diags);
        }
    }
}

type Validated = (Vec<StringRecord>, Vec<RowOutcome>);

/// Like [`run`], on an already open reader.
pub fn run_reader(
    mut reader: Reader,
    opts: &Options,
    visit: impl FnMut(&Row, &[Diagnostic]) + Send,
) -> Result<Checked, InputError> {
    let schema = reader.schema().clone();
    let path = reader.path().to_string();
    let quota = opts
        .quota
        .or(opts.account.map(|a| a.state.quota.replication_jobs))
        .unwrap_or(DEFAULT_JOB_QUOTA);
    let mut ordered = Ordered {
        schema: &schema,
        batch: Batch::new(opts.account.map_or(0, AccountIndex::job_count), quota),
        summary: Summary::default(),
        diags: schema.diagnostics(opts.strict),
        visit,
        len_hint: reader.byte_len(),
    };
    let header = std::mem::take(&mut ordered.diags);
    header.iter().for_each(|d| ordered.summary.count(d));
    ordered.diags = header;
    let ctx = Context {
        now: opts.now,
        account: opts.account,
    };
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
        // Chunk k's batch checks run while the pool validates chunk k+1.
        let mut pending: Option<Validated> = None;
        let recycle = |records: Vec<StringRecord>| {
            let _ = empty_tx.send(
                records
                    .into_iter()
                    .map(StringRecord::into_byte_record)
                    .collect(),
            );
        };
        for chunk in full_rx {
            let done = pending.take();
            let (next, ()) = rayon::join(
                || chunk.and_then(|c| validate_chunk(&path, c, &schema, &ctx)),
                || {
                    if let Some((records, outcomes)) = done {
                        ordered.finish(&records, outcomes);
                        recycle(records);
                    }
                },
            );
            pending = Some(next?);
        }
        if let Some((records, outcomes)) = pending {
            ordered.finish(&records, outcomes);
        }
        Ok::<(), InputError>(())
    })?;
    Ok(Checked {
        path,
        schema: schema.clone(),
        summary: ordered.summary,
        diagnostics: ordered.diags,
    })
}

fn validate_chunk(
    path: &str,
    chunk: Vec<ByteRecord>,
    schema: &Schema,
    ctx: &Context,
) -> Result<Validated, InputError> {
    let records = decode(path, chunk)?;
    let outcomes = records
        .par_iter()
        .map(|rec| check_one(rec, schema, ctx))
        .collect();
    Ok((records, outcomes))
}

/// Turns a chunk into text in parallel; the first bad record in file order wins.
fn decode(path: &str, chunk: Vec<ByteRecord>) -> Result<Vec<StringRecord>, InputError> {
    let decoded: Vec<Result<StringRecord, InputError>> = chunk
        .into_par_iter()
        .map(|rec| read::decode(path, rec))
        .collect();
    decoded.into_iter().collect()
}

fn check_one(rec: &StringRecord, schema: &Schema, ctx: &Context) -> RowOutcome {
    let row = Row::new(read::record_line_of(rec), schema, rec);
    let mut diags = Vec::new();
    validate::check_row(&row, ctx, &mut diags);
    RowOutcome {
        diags,
        keys: conflicts::keys(&row),
    }
}
