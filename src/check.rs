//! The offline pipeline: read the inventory, run the row rules in parallel, then the batch checks in order.
//!
//! One thread parses CSV records into chunks, the rayon pool decodes and validates
//! chunks (each worker its own), and the calling thread runs the order-dependent
//! batch checks on them in file order. Only a few chunks are alive at once, so
//! memory stays flat whatever the size of the file.

use crate::account::{AccountIndex, DEFAULT_JOB_QUOTA};
use crate::conflicts::{self, Batch, Keys};
use crate::diagnostics::{self, Diagnostic, Severity, Summary};
use crate::inventory::read::{self, InputError, Reader};
use crate::inventory::{Record, Records, Row, Schema};
use crate::validate::{self, Context};
use jiff::Timestamp;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;

/// Records handed to a worker at a time.
const CHUNK: usize = 4096;
/// Chunks alive at once: one being read, two being checked, one in the batch checks, two waiting.
const CHUNKS: u64 = 6;

/// A chunk and its place in the file.
type Numbered = (u64, Result<Chunk, InputError>);

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
    /// Keeps every row's findings in [`Checked::diagnostics`]; without it only the header's
    /// are kept, and the rows' are seen by the visitor alone.
    pub retain: bool,
}

/// The result of checking a whole inventory.
pub struct Checked {
    pub path: String,
    pub schema: Schema,
    pub summary: Summary,
    /// Every finding kept (see [`Options::retain`]), sorted by line, column and code.
    pub diagnostics: Vec<Diagnostic>,
}

struct RowOutcome {
    diags: Vec<Diagnostic>,
    keys: Keys,
}

/// One chunk of rows on its way through the pipeline. Its buffers keep their
/// capacity from one trip to the next, so the steady state allocates nothing.
#[derive(Default)]
struct Chunk {
    records: Records,
    outcomes: Vec<RowOutcome>,
}

impl Chunk {
    /// Decodes the chunk and checks its rows (the workers check different chunks at once).
    fn validate(&mut self, path: &str, schema: &Schema, ctx: &Context) -> Result<(), InputError> {
        read::decode(path, &mut self.records)?;
        let records = &self.records;
        self.outcomes.clear();
        self.outcomes.extend((0..records.len()).map(|i| check_one(records.line(i), records.get(i), schema, ctx)));
        Ok(())
    }
}

/// Checks the inventory at `path`; `visit` sees every row, in file order, with its findings.
pub fn run(path: &Path, opts: &Options, visit: impl FnMut(&Row, &[Diagnostic]) + Send) -> Result<Checked, InputError> {
    let reader = Reader::open(path)?;
    run_reader(reader, opts, visit)
}

/// The order-dependent part: batch checks, quota, counts, and the findings so far.
struct Ordered<'s, V> {
    schema: &'s Schema,
    batch: Batch,
    summary: Summary,
    diags: Vec<Diagnostic>,
    retain: bool,
    visit: V,
    /// The input's length, to size the batch tables from the first chunk.
    len_hint: Option<u64>,
    keyed: Vec<(u64, Keys)>,
}

impl<V: FnMut(&Row, &[Diagnostic])> Ordered<'_, V> {
    fn finish(&mut self, chunk: &mut Chunk) {
        let records = &chunk.records;
        self.keyed.clear();
        self.keyed.extend(chunk.outcomes.iter().enumerate().map(|(i, o)| (records.line(i), o.keys)));
        if let Some(len) = self.len_hint.take() {
            let per_row = (records.end_byte() / records.len().max(1) as u64).max(1);
            self.batch.expect_rows(len / per_row, &self.keyed);
        }
        let clashes = self.batch.check(&self.keyed);
        let mut clashes = clashes.iter().peekable();
        for (i, out) in chunk.outcomes.iter_mut().enumerate() {
            let row = Row::new(records.line(i), self.schema, records.get(i));
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
            match self.retain {
                true => self.diags.append(&mut out.diags),
                false => out.diags.clear(),
            }
        }
        chunk.outcomes.clear();
    }
}

/// Like [`run`], on an already open reader.
pub fn run_reader(
    reader: Reader,
    opts: &Options,
    visit: impl FnMut(&Row, &[Diagnostic]) + Send,
) -> Result<Checked, InputError> {
    let schema = reader.schema().clone();
    let path = reader.path().to_string();
    let quota = opts.quota.or(opts.account.map(|a| a.state.quota.replication_jobs)).unwrap_or(DEFAULT_JOB_QUOTA);
    let header = schema.diagnostics(opts.strict);
    let mut summary = Summary::default();
    header.iter().for_each(|d| summary.count(d));
    let mut ordered = Ordered {
        schema: &schema,
        batch: Batch::new(opts.account.map_or(0, AccountIndex::job_count), quota),
        summary,
        diags: header,
        retain: opts.retain,
        visit,
        len_hint: reader.byte_len(),
        keyed: Vec::new(),
    };
    let ctx = Context::new(opts.now, opts.account);
    let (full_tx, full_rx) = mpsc::channel::<Numbered>();
    let (done_tx, done_rx) = mpsc::channel::<Numbered>();
    let (empty_tx, empty_rx) = mpsc::channel::<Chunk>();
    std::thread::scope(|scope| {
        scope.spawn(move || read_chunks(reader, &full_tx, &empty_rx));
        let (path, schema, ctx) = (&path, &schema, &ctx);
        scope.spawn(move || {
            full_rx.into_iter().par_bridge().for_each_with(done_tx, |done, (seq, chunk)| {
                let checked = chunk.and_then(|mut c| c.validate(path, schema, ctx).map(|()| c));
                let _ = done.send((seq, checked));
            });
        });
        // The batch checks take the chunks in file order, whichever worker finished first.
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        for (seq, checked) in done_rx {
            waiting.insert(seq, checked);
            while let Some(checked) = waiting.remove(&next) {
                let mut chunk = checked?;
                ordered.finish(&mut chunk);
                let _ = empty_tx.send(chunk);
                next += 1;
            }
        }
        Ok::<(), InputError>(())
    })?;
    Ok(Checked { path, schema: schema.clone(), summary: ordered.summary, diagnostics: ordered.diags })
}

/// The reader thread: fills chunks, numbered in file order, until the end of the file or
/// the first unusable record; a chunk is reused once the batch checks are done with it.
fn read_chunks(mut reader: Reader, full: &mpsc::Sender<Numbered>, empty: &mpsc::Receiver<Chunk>) {
    for seq in 0.. {
        let mut chunk = match seq < CHUNKS {
            true => Chunk::default(),
            false => match empty.recv() {
                Ok(chunk) => chunk,
                Err(_) => return,
            },
        };
        match reader.fill(&mut chunk.records, CHUNK) {
            Ok(0) => return,
            Ok(_) if full.send((seq, Ok(chunk))).is_ok() => {}
            Ok(_) => return,
            Err(e) => {
                let _ = full.send((seq, Err(e)));
                return;
            }
        }
    }
}

fn check_one(line: u64, rec: Record, schema: &Schema, ctx: &Context) -> RowOutcome {
    let cells = crate::inventory::row::Cells::new(schema, rec);
    let row = Row::with_cells(line, schema, rec, &cells);
    let mut diags = Vec::new();
    validate::check_row(&row, ctx, &mut diags);
    RowOutcome { diags, keys: conflicts::keys(&row) }
}
