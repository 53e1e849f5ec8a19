//! Workbook intake: the first sheet of an `.xlsx` (or the one `--sheet` names), read as the
//! user sees it, turned into CSV text and the map from its lines back to the sheet's rows.

use super::error::InputError;
use super::handoff::overlapped;
use super::workbook;
use crate::text::{OneLine, one_line};
use calamine::{Data, Reader as _};
use std::collections::BTreeMap;
use std::path::Path;

/// The sheet the rows of an XLSX inventory come from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    /// The sheet column (from 0) of the inventory's first column.
    pub first_column: u32,
}

impl Sheet {
    /// `G14`: the cell of field `field` (from 0) on spreadsheet row `row`.
    pub fn cell(&self, field: u16, row: u64) -> String {
        format!("{}{row}", column_letters(self.first_column + u32::from(field)))
    }
}

/// `A`, `B`, ..., `Z`, `AA`, ... for a column from 0.
pub fn column_letters(mut column: u32) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// A sheet as CSV: its text, the spreadsheet row of each CSV line (index 0 unused), the
/// sheet, and what was rewritten on the way, for a note each.
pub struct AsCsv {
    pub csv: Vec<u8>,
    pub rows: Vec<u64>,
    pub sheet: Sheet,
    pub notes: Vec<String>,
    /// Every sheet of the workbook, for an error that should point to `--sheet`.
    pub sheets: Vec<String>,
}

/// Why a sheet cannot be read as an inventory (rows and columns from 0; the sheet's name on
/// one line, except in `Unread`, which names it as the workbook does).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("cannot read sheet '{sheet}': {why}")]
    Unread { sheet: String, why: String },
    #[error("the workbook has no sheet '{}' (it has: {})", OneLine(.wanted), one_line_each(.has))]
    NoSuchSheet { wanted: String, has: Vec<String> },
    #[error("the workbook has no sheet")]
    NoSheet,
    #[error("sheet '{sheet}' has a cell whose {}: the workbook is damaged; save it again from Excel", past(*.row, *.column))]
    PastTheEnd { sheet: String, row: u32, column: u32 },
    #[error("sheet '{sheet}' holds row {} after row {}: its rows are out of order; save it again from Excel", .row + 1, .after + 1)]
    OutOfOrder { sheet: String, row: u32, after: u32 },
    #[error(
        "{sheet}!{}{} holds a value left of the header's first column ({}): move it into the table, or clear it",
        column_letters(*.column), .row + 1, column_letters(*.first)
    )]
    LeftOfHeader { sheet: String, row: u32, column: u32, first: u32 },
    #[error(
        "{sheet}!{}{} holds a value right of the header's last column ({}): move it into the table, or clear it",
        column_letters(*.column), .row + 1, column_letters(*.last)
    )]
    RightOfHeader { sheet: String, row: u32, column: u32, last: u32 },
    #[error("sheet '{sheet}' is empty (expected a header row)")]
    Empty { sheet: String },
}

/// Writing CSV into memory does not fail.
const IN_MEMORY: &str = "CSV written to memory";

fn one_line_each(names: &[String]) -> String {
    names.iter().map(|n| OneLine(n).to_string()).collect::<Vec<_>>().join(", ")
}

/// Which end of the sheet a cell at (`row`, `column`) is past.
fn past(row: u32, column: u32) -> String {
    match column >= MAX_COLUMNS {
        true => format!("column {} is past the last a sheet can have (XFD, the 16,384th)", column as u64 + 1),
        false => format!("row {} is past the last a sheet can have (1,048,576)", row as u64 + 1),
    }
}

/// Whether `path` names a workbook smcplan reads as one.
pub fn is_workbook(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    matches!(ext.as_deref(), Some("xlsx" | "xlsm" | "xls" | "xlsb" | "ods"))
}

/// The most a sheet holds: 1,048,576 rows of 16,384 columns (XFD).
pub const MAX_ROWS: u32 = 1 << 20;
pub const MAX_COLUMNS: u32 = 1 << 14;

/// Reads sheet `wanted` (or the first) of the workbook at `path`, cell by cell: memory
/// follows the cells present, not the corners of the sheet.
pub fn read(path: &Path, wanted: Option<&str>) -> Result<AsCsv, InputError> {
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
            let mut book: $kind = calamine::open_workbook(path).map_err(|e| unreadable(&e))?;
            let (names, name) = named(book.sheet_names(), &pick)?;
            let (book, sheet) = (&mut book, &name);
            // The crate's cells borrow its shared strings for as long as the book is lent.
            let make = move |emit: &mut dyn FnMut(_) -> bool| {
                let book = book;
                pump(book.worksheet_cells_reader(sheet), sheet, |r| r.next_cell(), emit)
            };
            overlapped(make, |cells| as_csv(cells.map(owned), name.clone(), names)).map_err(|e| fail(e.to_string()))
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
            as_csv(cells, name, names).map_err(|e| fail(e.to_string()))
        }
        // The workbook's cells are read on a thread of their own while this one writes them as
        // CSV; the two streamed kinds differ only in the crate's type for them.
        "xlsb" => streamed!(calamine::Xlsb<_>),
        _ => streamed!(calamine::Xlsx<_>),
    }
}

/// The workbook's sheets, and the one to read.
fn named(
    names: Vec<String>,
    pick: &dyn Fn(&[String]) -> Result<String, InputError>,
) -> Result<(Vec<String>, String), InputError> {
    let name = pick(&names)?;
    Ok((names, name))
}

fn cannot(name: &str, e: &dyn std::fmt::Display) -> SheetError {
    SheetError::Unread { sheet: name.to_string(), why: one_line(e) }
}

/// A cell of the sheet with its position (row, column), or why it cannot be read.
type Cell = Result<((u32, u32), Data), SheetError>;

/// A cell as the workbook crate reads it: its text still in the workbook's shared strings.
type CellRef<'a> = Result<((u32, u32), calamine::DataRef<'a>), SheetError>;

/// A cell read, made the calling thread's own (the text of a shared string copied there,
/// where it is freed too: the thread that reads the sheet is the one the crate keeps busy).
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

/// A sheet's cells, in the order the sheet holds them (row by row), as CSV: the first row
/// holding a value is the header, whose first cell is the inventory's first column; each
/// later row with a value is a record (a row without one is a cleared one, skipped).
fn as_csv(cells: impl Iterator<Item = Cell>, name: String, sheets: Vec<String>) -> Result<AsCsv, SheetError> {
    // A sheet's name is the workbook's text: said on one line, whatever it holds.
    let name = crate::text::OneLine(&name).to_string();
    let mut rows = vec![0];
    // Rewritten cells by kind and column: how many, and the first.
    let mut rewritten: BTreeMap<(&'static str, usize), (usize, String)> = BTreeMap::new();
    let mut header: Vec<String> = Vec::new();
    let mut sheet: Option<Sheet> = None;
    // A cell holding `#` is quoted, so that `#N/A` in column A is not read as a comment line.
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .comment(Some(b'#'))
        .from_writer(Vec::new());
    // The row being gathered: its number and its cells (column, text).
    let mut row: Option<u32> = None;
    let mut cells_of_row: Vec<(u32, String)> = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    // The header's width, once its row is read.
    let width_of_header = std::cell::Cell::new(0u32);
    let mut flush = |r: u32, cells: &mut Vec<(u32, String)>, first: u32| -> Result<(), SheetError> {
        // A column written twice keeps its last value.
        cells.reverse();
        cells.sort_by_key(|(c, _)| *c);
        cells.dedup_by_key(|(c, _)| *c);
        if let Some((c, _)) = cells.iter().find(|(c, _)| *c < first) {
            return Err(SheetError::LeftOfHeader { sheet: name.clone(), row: r, column: *c, first });
        }
        let width = (cells.last().map_or(0, |(c, _)| c - first) as usize + 1).max(header.len());
        fields.clear();
        fields.resize(width, String::new());
        for (c, text) in cells.drain(..) {
            fields[(c - first) as usize] = text;
        }
        if header.is_empty() {
            header = fields.clone();
            width_of_header.set(header.len() as u32);
        }
        let before = writer.get_ref().len();
        writer.write_record(&fields).expect(IN_MEMORY);
        writer.flush().expect(IN_MEMORY);
        let lines = memchr::memchr_iter(b'\n', &writer.get_ref()[before..]).count();
        rows.extend(std::iter::repeat_n(u64::from(r) + 1, lines));
        Ok(())
    };
    for cell in cells {
        let ((r, c), data) = cell?;
        if r >= MAX_ROWS || c >= MAX_COLUMNS {
            return Err(SheetError::PastTheEnd { sheet: name, row: r, column: c });
        }
        let (value, kind) = text(data);
        if value.is_empty() && kind.is_none() {
            continue;
        }
        match row {
            Some(now) if now == r => {}
            Some(now) if r < now => {
                return Err(SheetError::OutOfOrder { sheet: name, row: r, after: now });
            }
            Some(now) => {
                flush(now, &mut cells_of_row, first_column(&sheet))?;
                row = Some(r);
            }
            None => row = Some(r),
        }
        let first = sheet.get_or_insert_with(|| Sheet { name: name.clone(), first_column: c }).first_column;
        if let Some(kind) = kind {
            let at = c.saturating_sub(first) as usize;
            let entry = rewritten.entry((kind, at)).or_insert((0, format!("{}{}", column_letters(c), r + 1)));
            entry.0 += 1;
        }
        // Past the header's last column: a record wider than its header (held, it would
        // make every row as wide as the sheet).
        let width = width_of_header.get();
        if width > 0 && c >= first + width {
            return Err(SheetError::RightOfHeader { sheet: name, row: r, column: c, last: first + width - 1 });
        }
        cells_of_row.push((c, value));
    }
    match row {
        Some(r) => flush(r, &mut cells_of_row, first_column(&sheet))?,
        None => return Err(SheetError::Empty { sheet: name }),
    }
    let sheet = sheet.expect("a cell places the sheet");
    let csv = writer.into_inner().map_err(|e| e.into_error()).expect(IN_MEMORY);
    let notes = rewritten
        .into_iter()
        .map(|((kind, c), (n, first))| {
            let column = header
                .get(c)
                .filter(|h| !h.is_empty())
                .map_or(column_letters(sheet.first_column + c as u32), |h| h.clone());
            let cells = if n == 1 { "1 cell".to_string() } else { format!("{n} cells") };
            let column = crate::text::OneLine(&column);
            format!("{cells} of column {column} (first {}!{first}): {kind}", sheet.name)
        })
        .collect();
    Ok(AsCsv { csv, rows, sheet, notes, sheets })
}

fn first_column(sheet: &Option<Sheet>) -> u32 {
    sheet.as_ref().map_or(0, |s| s.first_column)
}

/// A cell as the user sees it, and what was done to it when that is not plain copying.
fn text(cell: Data) -> (String, Option<&'static str>) {
    match cell {
        Data::Empty => (String::new(), None),
        Data::String(s) => (s, None),
        Data::Int(i) => (i.to_string(), None),
        Data::Float(f) => (number(f), None),
        Data::Bool(b) => (b.to_string(), None),
        Data::DateTime(d) => {
            let (y, mo, day, h, mi, s, _) = d.to_ymd_hms_milli();
            if d.is_duration() {
                (number(d.as_f64()), Some("durations, read as their number of days"))
            } else {
                let t = format!("{y:04}-{mo:02}-{day:02}T{h:02}:{mi:02}:{s:02}Z");
                (t, Some("dates, read as YYYY-MM-DDThh:mm:ssZ (UTC)"))
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => (s, None),
        Data::Error(e) => (e.to_string(), Some("formula errors, read as the error's name")),
    }
}

/// A number as a spreadsheet shows it: a whole one without `.0`.
fn number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { f.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_run_past_z() {
        let got: Vec<String> = [0, 6, 25, 26, 27, 51, 52, 701, 702].into_iter().map(column_letters).collect();
        assert_eq!(got, ["A", "G", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
        assert_eq!(Sheet { name: "S".into(), first_column: 1 }.cell(5, 14), "G14");
    }

    #[test]
    fn numbers_print_as_a_spreadsheet_shows_them() {
        assert_eq!(number(60.0), "60");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(1e20), "100000000000000000000");
    }
}
