//! The offline pipeline: read the inventory, run the row rules in parallel, then the batch checks in order.
//!
//! The file is read in pieces of whole lines; a thread per core, the calling one among them,
//! parses, decodes and validates pieces (each its own), and the calling thread runs the
//! order-dependent batch checks on them in file order ([`relay`]), parsing again the rare
//! piece that began inside a quoted field. Only a few pieces are alive at once, so memory
//! stays flat whatever the size of the file.

pub mod conflicts;
mod relay;
pub mod validate;

use crate::account::{AccountIndex, DEFAULT_JOB_QUOTA};
use crate::diagnostics::{self, Diagnostic, Severity, Summary};
use crate::inventory::read::{BadRow, InputError, Parsed, Parser, Piece, Reader};
use crate::inventory::row::Cells;
use crate::inventory::sheet::{SharedTold, told};
use crate::inventory::{Record, Records, Row, Schema};
use conflicts::{Batch, Keys};
use jiff::Timestamp;
use std::path::Path;
use validate::Context;

/// Chunks alive at once: enough to keep two threads busy while the batch stage holds some (4 or 10 were within the noise of it).
const CHUNKS: usize = 6;

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
    /// The sheet of a workbook inventory to read (default: its first).
    pub sheet: Option<&'a str>,
    /// Takes the file's hash and its fix comments as it is read (see [`Checked::tapped`]).
    pub tap: bool,
}

/// The result of checking a whole inventory.
pub struct Checked {
    pub path: String,
    pub schema: Schema,
    pub summary: Summary,
    /// Every finding kept (see [`Options::retain`]), sorted by line, column and code.
    pub diagnostics: Vec<Diagnostic>,
    /// What reading the file decided or rewrote, for the user to hear once each (see
    /// [`Reader::notes_at_end`]: a workbook's notes come once its sheet is read).
    pub notes: Vec<String>,
    /// The file's hash and the rows a `failed.csv` says it fixes, when asked (see [`Options::tap`]).
    pub tapped: Option<crate::inventory::tap::Tapped>,
}

/// A checked row: where its findings end in the chunk's, and its conflict keys.
#[derive(Default)]
struct RowOutcome {
    end: usize,
    keys: Keys,
}

/// One piece of the file on its way through the pipeline: its bytes, then its records
/// and their findings, lines counted from the piece's start. Its buffers keep their
/// capacity from one trip to the next, so the steady state allocates nothing but the text of
/// a message too long to keep in its finding.
#[derive(Default)]
struct Chunk {
    piece: Piece,
    parser: Parser,
    records: Records,
    parsed: Parsed,
    /// The first record that cannot be checked at all.
    bad: Option<BadRow>,
    /// The first `checked` are this trip's rows.
    outcomes: Vec<RowOutcome>,
    checked: usize,
    /// The findings of this trip's rows, one row's after the other, each row's sorted: the
    /// batch stage reads them front to back (not a block of the heap a row), and the worker
    /// that next takes the chunk drops them (the batch stage's frees of their texts contend).
    diags: Vec<Diagnostic>,
}

impl Chunk {
    /// Parses the piece, decodes its records and checks them (the threads take different pieces at once).
    #[inline(never)]
    fn work(&mut self, schema: &Schema, ctx: &Context) {
        if self.parser.delimiter() != schema.delimiter {
            self.parser = Parser::with_delimiter(schema.delimiter);
        }
        self.records.clear(schema.names.len());
        self.parsed = self.parser.parse(&self.piece.bytes, self.piece.last, &mut self.records);
        self.checked = 0;
        let mut good = self.records.len();
        self.bad = match self.records.decode() {
            Err(e) => {
                // The piece's text is not decoded: none of its rows can be read.
                good = 0;
                Some(BadRow { line: self.records.line(e.record), message: e.message_in(&schema.names) })
            }
            Ok(()) => self.parsed.bad.take(),
        };
        // The rows before a row that cannot be parsed are checked too: their findings are said
        // before the error.
        let records = &self.records;
        let rows = good.min(records.len());
        if self.outcomes.len() < rows {
            self.outcomes.resize_with(rows, RowOutcome::default);
        }
        self.diags.clear();
        let mut cells = Cells::none();
        for (i, out) in self.outcomes[..rows].iter_mut().enumerate() {
            out.keys = check_one(records.line(i), records.get(i), schema, ctx, &mut cells, &mut self.diags);
            out.end = self.diags.len();
        }
        self.checked = rows;
    }
}

/// Joins the pieces: where each starts in the file, and the records that straddle two.
struct Stitch<'a> {
    schema: &'a Schema,
    ctx: &'a Context<'a>,
    /// The line the next piece starts on.
    next_line: u64,
    /// A record the last piece left open: its bytes so far and its line.
    open: Option<(Vec<u8>, u64)>,
}

impl Stitch<'_> {
    /// Places the next piece in file order; returns what to add to its lines. A piece that
    /// began inside a record the one before left open is parsed again from that record.
    fn place(&mut self, chunk: &mut Chunk) -> u64 {
        let piece_line = self.next_line;
        self.next_line += chunk.parsed.newlines;
        let start = match self.open.take() {
            None => piece_line,
            Some((mut bytes, line)) => {
                bytes.extend_from_slice(&chunk.piece.bytes);
                chunk.piece.bytes = bytes;
                chunk.work(self.schema, self.ctx);
                line
            }
        };
        if let Some((at, line)) = chunk.parsed.open {
            self.open = Some((chunk.piece.bytes[at..].to_vec(), start + line - 1));
        }
        start - 1
    }

    /// The record the last piece left open when the file ended inside it, parsed, and
    /// what to add to its lines.
    fn rest(&mut self) -> Option<(Chunk, u64)> {
        let (bytes, line) = self.open.take()?;
        let mut chunk = Chunk { piece: Piece { bytes, last: true }, ..Chunk::default() };
        chunk.work(self.schema, self.ctx);
        Some((chunk, line - 1))
    }
}

/// Checks the inventory at `path`; `visit` sees every row, in file order, with its findings.
pub fn run(path: &Path, opts: &Options, visit: impl FnMut(&Row, &[Diagnostic])) -> Result<Checked, InputError> {
    let tap = opts.tap.then(|| std::sync::Arc::new(std::sync::Mutex::new(crate::inventory::tap::Tap::new())));
    let reader = Reader::open_tapped(path, opts.sheet, tap.clone())?;
    let mut checked = run_reader(reader, opts, visit)?;
    checked.tapped = tap.map(|t| std::mem::take(&mut *t.lock().expect("tap lock")).finish());
    Ok(checked)
}

/// Like [`run`], and `header` sees the header's findings (and the notes of the reading so far,
/// which a workbook's sheet adds to at its end) before any row is checked, so that findings
/// can be written as they are found.
pub fn run_streaming(
    path: &Path,
    opts: &Options,
    header: impl FnOnce(&Schema, &[Diagnostic], &[String]),
    visit: impl FnMut(&Row, &[Diagnostic]),
) -> Result<Checked, InputError> {
    let reader = Reader::open_with(path, opts.sheet)?;
    run_reader_with(reader, opts, header, visit)
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
    /// The batch's findings on the row being settled.
    added: Vec<Diagnostic>,
    /// The row's own findings and the batch's, in order, when it has both.
    merged: Vec<Diagnostic>,
    /// What a workbook's sheet told so far: the spreadsheet row of each line of the CSV it is read as.
    sheet_told: Option<SharedTold>,
}

/// The line a person sees: the CSV line, or a workbook's spreadsheet row.
fn seen_line(sheet_rows: Option<&[u64]>, line: u64) -> u64 {
    sheet_rows.and_then(|rows| rows.get(line as usize).copied()).unwrap_or(line)
}

/// Sees `line` as a person does, the rows read so far locked for it.
fn seen_line_in(sheet_told: Option<&SharedTold>, line: u64) -> u64 {
    seen_line(sheet_told.map(told).as_deref().map(|t| t.rows.as_slice()), line)
}

impl<V: FnMut(&Row, &[Diagnostic])> Ordered<'_, V> {
    /// Runs the batch checks on a chunk's rows, whose lines are `offset` short of the file's.
    fn finish(&mut self, chunk: &mut Chunk, offset: u64) {
        let records = &chunk.records;
        self.keyed.clear();
        // The rows the reader has told so far include the chunk's (it read them first). They
        // stay locked while the chunk is settled: the reader waits for them only to add a
        // block's rows, and the thread the workbook crate keeps busy does not wait at all.
        let told = self.sheet_told.as_ref().map(told);
        let rows = told.as_deref().map(|t| t.rows.as_slice());
        self.keyed.extend(
            chunk.outcomes[..chunk.checked]
                .iter()
                .enumerate()
                .map(|(i, o)| (seen_line(rows, records.line(i) + offset), o.keys)),
        );
        if let Some(len) = self.len_hint.take() {
            let per_row = (chunk.piece.bytes.len() / records.len().max(1)).max(1) as u64;
            self.batch.expect_rows(len / per_row, &self.keyed);
        }
        let clashes = self.batch.check(&self.keyed);
        let mut clashes = clashes.iter().peekable();
        let mut start = 0;
        for (i, out) in chunk.outcomes[..chunk.checked].iter().enumerate() {
            let own = &mut chunk.diags[start..out.end];
            start = out.end;
            own.iter_mut().for_each(|d| d.line = seen_line(rows, d.line + offset));
            let row = Row::new(seen_line(rows, records.line(i) + offset), self.schema, records.get(i));
            // The batch's findings on the row, if any, are said among its own, in their order.
            let added = &mut self.added;
            added.clear();
            while let Some(c) = clashes.next_if(|c| c.row == i) {
                added.push(conflicts::clash(&row, c));
            }
            let has_error = own.iter().chain(added.iter()).any(|d| d.severity == Severity::Error);
            self.batch.admit(&row, has_error, added);
            let diags = diagnostics::merge(own, added, &mut self.merged);
            self.summary.rows += 1;
            if !diags.iter().any(|d| d.severity == Severity::Error) {
                self.summary.valid += 1;
            }
            diags.iter().for_each(|d| self.summary.count(d));
            (self.visit)(&row, diags);
            if self.retain {
                self.diags.extend_from_slice(diags);
            }
        }
        chunk.checked = 0;
    }
}

/// Like [`run`], on an already open reader.
pub fn run_reader(
    reader: Reader,
    opts: &Options,
    visit: impl FnMut(&Row, &[Diagnostic]),
) -> Result<Checked, InputError> {
    run_reader_with(reader, opts, |_, _, _| {}, visit)
}

/// Like [`run_streaming`], on an already open reader.
pub fn run_reader_with(
    mut reader: Reader,
    opts: &Options,
    on_header: impl FnOnce(&Schema, &[Diagnostic], &[String]),
    visit: impl FnMut(&Row, &[Diagnostic]),
) -> Result<Checked, InputError> {
    let schema = reader.schema().clone();
    let path = reader.path().to_string();
    // A workbook's notes on rewritten cells come once its sheet is read to the end (in `Checked`).
    let notes = reader.notes().to_vec();
    let sheet_told = reader.sheet_told().cloned();
    let quota = opts.quota.or(opts.account.map(|a| a.state.quota.replication_jobs)).unwrap_or(DEFAULT_JOB_QUOTA);
    let mut header = schema.diagnostics(opts.strict);
    header.iter_mut().for_each(|d| d.line = seen_line_in(sheet_told.as_ref(), d.line));
    on_header(&schema, &header, &notes);
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
        added: Vec::new(),
        merged: Vec::new(),
        sheet_told: sheet_told.clone(),
    };
    let ctx = Context::new(opts.now, opts.account);
    let mut stitch = Stitch { schema: &schema, ctx: &ctx, next_line: reader.first_line(), open: None };
    // A placed chunk: its first unusable record ends the check, or its rows go through the batch checks.
    let mut settle = |chunk: &mut Chunk, offset: u64| {
        let bad = chunk.bad.take();
        ordered.finish(chunk, offset);
        if let Some(b) = bad {
            return Err(InputError::new(&path, Some(seen_line_in(sheet_told.as_ref(), b.line + offset)), b.message));
        }
        Ok(())
    };
    let ran = relay::run(
        threads(),
        CHUNKS,
        |chunk: &mut Chunk| reader.next_piece(&mut chunk.piece),
        |chunk| chunk.work(&schema, &ctx),
        // The batch checks take the pieces in file order, whichever thread worked them.
        |chunk| {
            let offset = stitch.place(chunk);
            settle(chunk, offset)
        },
        || InputError::new(&path, None, "internal error: a check worker panicked"),
    );
    let ran = ran.and_then(|()| stitch.rest().map_or(Ok(()), |(mut chunk, offset)| settle(&mut chunk, offset)));
    if let Err(mut e) = ran {
        // A workbook's sheet that cannot be read is refused as such, whatever its rows above showed.
        if let Some(message) = reader.read_for_refusal() {
            e = InputError::new(&path, None, message);
        }
        e.notes = reader.sheet_notes();
        return Err(e);
    }
    if ordered.summary.rows == 0 {
        let mut e = InputError::new(&path, None, "the file has a header but no rows");
        e.notes = reader.sheet_notes();
        return Err(e);
    }
    Ok(Checked {
        path,
        schema: schema.clone(),
        summary: ordered.summary,
        diagnostics: ordered.diags,
        notes: reader.notes_at_end(),
        tapped: None,
    })
}

/// The threads a check runs on: `SMCPLAN_THREADS` when set to a number, else one per core.
fn threads() -> usize {
    let set = std::env::var("SMCPLAN_THREADS").ok().and_then(|n| n.trim().parse().ok());
    set.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)).max(1)
}

/// Checks one row (its parameters read into `cells`), its findings pushed sorted onto
/// `diags`; returns its conflict keys.
fn check_one<'a>(
    line: u64,
    rec: Record<'a>,
    schema: &Schema,
    ctx: &Context,
    cells: &mut Cells<'a>,
    diags: &mut Vec<Diagnostic>,
) -> Keys {
    cells.read(schema, rec);
    let row = Row::with_cells(line, schema, rec, cells);
    let start = diags.len();
    validate::check_row(&row, ctx, diags);
    // Sorted here, in the cache; all are on the row's line, so the batch stage's line for them keeps the order.
    diagnostics::sort(&mut diags[start..]);
    conflicts::keys(&row)
}
