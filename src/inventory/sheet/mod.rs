//! Workbook intake: the first sheet of an `.xlsx` (or the one `--sheet` names), read as the
//! user sees it, turned into CSV text and the map from its lines back to the sheet's rows.
//!
//! For an `.xlsx` (or `.xlsb`), the workbook crate reads the cells on a thread of their own, a
//! second thread writes them as CSV, and the inventory reader takes that CSV a block at a time
//! as it is written ([`stream`]): the check of the first rows overlaps the reading of the
//! last. An `.xls` or `.ods` sheet the crate reads whole, and it is written whole first.

mod input;
mod place;
mod rows;

use super::error::InputError;
use super::handoff::overlapped;
use super::workbook;
use crate::text::one_line;
use calamine::{Data, Reader as _};
use input::Handed;
#[cfg(test)]
pub use input::refusing_after;
pub use input::{SharedTold, SheetInput, Told, refused, told};
pub use place::{MAX_COLUMNS, MAX_ROWS, Sheet, SheetError, column_letters};
use rows::{Cell, Written, write};
use std::io::Read as _;
use std::path::Path;
use std::sync::mpsc;

/// A sheet as CSV: its text, the spreadsheet row of each CSV line (index 0 unused), and what
/// was rewritten on the way, for a note each.
pub struct AsCsv {
    pub csv: Vec<u8>,
    pub rows: Vec<u64>,
    pub notes: Vec<String>,
}

/// A sheet being read: its CSV as a byte stream, and every sheet of the workbook.
pub struct Streamed {
    pub input: SheetInput,
    pub sheets: Vec<String>,
}

/// Blocks of CSV written and not yet read, at most.
const AHEAD: usize = 4;

/// Whether `path` names a workbook smcplan reads as one.
pub fn is_workbook(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    matches!(ext.as_deref(), Some("xlsx" | "xlsm" | "xls" | "xlsb" | "ods"))
}

/// Reads sheet `wanted` (or the first) of the workbook at `path` whole: its CSV in memory.
pub fn read(path: &Path, wanted: Option<&str>) -> Result<AsCsv, InputError> {
    let shown = path.display().to_string();
    let mut input = stream(path, wanted)?.input;
    let mut csv = Vec::new();
    let said = |e: std::io::Error| refused(&e).unwrap_or_else(|| format!("cannot read: {e}"));
    input.read_to_end(&mut csv).map_err(|e| InputError::new(&shown, None, said(e)))?;
    let shared = input.told();
    drop(input);
    let mut told = told(&shared);
    Ok(AsCsv { csv, rows: std::mem::take(&mut told.rows), notes: std::mem::take(&mut told.notes) })
}

/// Opens sheet `wanted` (or the first) of the workbook at `path` and reads it cell by cell:
/// memory follows the cells present, not the corners of the sheet. A workbook that cannot be
/// opened is refused here; a sheet that cannot be read is refused by its input, after the
/// records before the cell at fault.
pub fn stream(path: &Path, wanted: Option<&str>) -> Result<Streamed, InputError> {
    let shown = path.display().to_string();
    let fail = |message: String| InputError::new(&shown, None, message);
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    let kind = workbook::kind_of(path).map_err(|e| fail(format!("cannot open: {e}")))?;
    if let Some(why) = workbook::refuse(kind, &ext) {
        return Err(fail(why));
    }
    if kind == workbook::Kind::Zip {
        workbook::check_inflation(path, &workbook::CAPS).map_err(|e| fail(e.to_string()))?;
    }
    let unreadable = |e: &dyn std::fmt::Display| {
        fail(format!("not a workbook smcplan can read ({}): save it again from Excel as .xlsx", one_line(e)))
    };
    let pick = |names: &[String]| pick_sheet(names, wanted).map_err(|e| fail(e.to_string()));
    macro_rules! streamed {
        ($kind:ty) => {{
            let book: $kind = calamine::open_workbook(path).map_err(|e| unreadable(&e))?;
            let names = book.sheet_names();
            let name = pick(&names)?;
            let (tx, rx) = mpsc::sync_channel(AHEAD);
            let writer = move || {
                let (mut book, sheet) = (book, &name);
                let book = &mut book;
                // The crate's cells borrow its shared strings for as long as the book is lent.
                let make = move |emit: &mut dyn FnMut(_) -> bool| {
                    let book = book;
                    guarded(sheet, emit, |emit| {
                        pump(book.worksheet_cells_reader(sheet), sheet, |r| r.next_cell(), emit)
                    })
                };
                overlapped(make, |cells| hand(cells.map(owned), sheet, &|h| tx.send(h).is_ok()));
            };
            let writer = std::thread::Builder::new().name("smcplan-sheet".to_string()).spawn(writer);
            let writer = writer.map_err(|e| fail(format!("cannot read: {e}")))?;
            Ok(Streamed { input: SheetInput::new(rx, Some(writer)), sheets: names })
        }};
    }
    match ext.as_str() {
        "xls" | "ods" => {
            let mut book = match ext.as_str() {
                "xls" => calamine::open_workbook(path).map(calamine::Sheets::Xls).map_err(calamine::Error::Xls),
                _ => calamine::open_workbook(path).map(calamine::Sheets::Ods).map_err(calamine::Error::Ods),
            }
            .map_err(|e| unreadable(&e))?;
            let names = book.sheet_names();
            let name = pick(&names)?;
            let range = book.worksheet_range(&name).map_err(|e| fail(cannot(&name, &e).to_string()))?;
            let (r0, c0) = range.start().unwrap_or_default();
            let cells = range.used_cells().map(|(r, c, d)| Ok(((r0 + r as u32, c0 + c as u32), d.clone())));
            // The crate held the whole sheet already: it is written here, whole.
            let (tx, rx) = mpsc::channel();
            hand(cells, &name, &|h| tx.send(h).is_ok());
            Ok(Streamed { input: SheetInput::new(rx, None), sheets: names })
        }
        // The two streamed kinds differ only in the crate's type for them.
        "xlsb" => streamed!(calamine::Xlsb<_>),
        _ => streamed!(calamine::Xlsx<_>),
    }
}

/// Writes `cells` as CSV, handing it to `send` a block at a time, then the end or why the
/// sheet cannot be read (`send` says `false` once the reader has gone: nothing more then).
fn hand(cells: impl Iterator<Item = Cell>, sheet: &str, send: &dyn Fn(Handed) -> bool) {
    if let Err(e) = write(cells, sheet, &mut |w: Written| send(Handed::Written(w))) {
        send(Handed::Failed(e.to_string()));
    }
}

fn cannot(name: &str, e: &dyn std::fmt::Display) -> SheetError {
    SheetError::Unread { sheet: name.to_string(), why: one_line(e) }
}

/// A cell as the workbook crate reads it: its text still in the workbook's shared strings.
type CellRef<'a> = Result<((u32, u32), calamine::DataRef<'a>), SheetError>;

/// A cell read, made the writing thread's own (the text of a shared string copied there, and
/// freed there, not on the thread the crate keeps busy).
fn owned(cell: CellRef) -> Cell {
    cell.map(|(at, value)| (at, Data::from(value)))
}

/// Gives each cell of a cells reader (or why it cannot be opened) to `emit`, in the sheet's
/// order (`next`: the reader's own `next_cell`), until the sheet ends, a cell cannot be read
/// or `emit` says stop.
fn pump<'a, R, O: std::fmt::Display, E: std::fmt::Display>(
    reader: Result<R, O>,
    name: &str,
    mut next: impl FnMut(&mut R) -> Result<Option<calamine::Cell<calamine::DataRef<'a>>>, E>,
    emit: &mut dyn FnMut(CellRef<'a>) -> bool,
) {
    let mut reader = match reader {
        Ok(reader) => reader,
        Err(e) => {
            emit(Err(cannot(name, &e)));
            return;
        }
    };
    loop {
        let cell = match next(&mut reader) {
            Ok(Some(c)) => Ok((c.get_position(), c.get_value().clone())),
            Ok(None) => return,
            Err(e) => Err(cannot(name, &e)),
        };
        let failed = cell.is_err();
        if !emit(cell) || failed {
            return;
        }
    }
}

/// Runs `read`, which gives cells to `emit`; when the workbook crate panics on the way, says
/// so as a cell that cannot be read, so that the sheet is refused, not taken as ended there.
fn guarded<'a>(
    sheet: &str,
    emit: &mut dyn FnMut(CellRef<'a>) -> bool,
    read: impl FnOnce(&mut dyn FnMut(CellRef<'a>) -> bool),
) {
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(&mut *emit)));
    if read.is_err() {
        emit(Err(cannot(sheet, &"the workbook is damaged; save it again from Excel")));
    }
}

/// The sheet named exactly, else the one named so in another letter case; the first when
/// none is wanted.
fn pick_sheet(names: &[String], wanted: Option<&str>) -> Result<String, SheetError> {
    match wanted {
        Some(w) => names
            .iter()
            .find(|n| n.as_str() == w)
            .or_else(|| {
                let mut folded = names.iter().filter(|n| n.to_lowercase() == w.to_lowercase());
                folded.next().filter(|_| folded.next().is_none())
            })
            .cloned()
            .ok_or_else(|| SheetError::NoSuchSheet { wanted: w.to_string(), has: names.to_vec() }),
        None => names.first().cloned().ok_or(SheetError::NoSheet),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_of_the_workbook_crate_refuses_the_sheet() {
        let mut emitted = Vec::new();
        guarded(
            "S",
            &mut |cell| {
                emitted.push(cell.map(|(at, _)| at));
                true
            },
            |emit| {
                emit(Ok(((0, 0), calamine::DataRef::Int(1))));
                panic!("a damaged sheet");
            },
        );
        let why = "the workbook is damaged; save it again from Excel".to_string();
        assert_eq!(emitted, [Ok((0, 0)), Err(SheetError::Unread { sheet: "S".into(), why })]);
    }
}
