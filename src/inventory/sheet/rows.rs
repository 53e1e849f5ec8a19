//! A sheet's cells written as CSV text, a block of whole records at a time, with the spreadsheet row of each line.

use super::place::{MAX_COLUMNS, MAX_ROWS, Sheet, SheetError, column_letters};
use calamine::Data;
use std::collections::BTreeMap;

/// Writing CSV into memory does not fail.
const IN_MEMORY: &str = "CSV written to memory";

/// A cell of the sheet with its position (row, column), or why it cannot be read.
pub type Cell = Result<((u32, u32), Data), SheetError>;

/// What writing a sheet hands over, in order.
pub enum Written {
    /// Whole CSV records (the header's first), the spreadsheet row of each of their lines,
    /// and, with the first block, the sheet they come from.
    Lines { csv: Vec<u8>, rows: Vec<u64>, sheet: Option<Sheet> },
    /// The sheet is over; what was rewritten on the way, for a note each.
    End { notes: Vec<String> },
}

/// Records are handed over once this many bytes of them are written.
const BLOCK: usize = 1 << 16;

/// The sheet's records being written: the header, the bytes and rows not handed over yet,
/// and the cells rewritten on the way.
struct Writing {
    /// The sheet's name, on one line.
    name: String,
    writer: csv::Writer<Vec<u8>>,
    rows: Vec<u64>,
    header: Vec<String>,
    fields: Vec<String>,
    sheet: Option<Sheet>,
    /// Whether the sheet has been handed over with a block yet.
    told_sheet: bool,
    /// Rewritten cells by kind and column: how many, and the first.
    rewritten: BTreeMap<(&'static str, usize), (usize, String)>,
}

impl Writing {
    /// Writes spreadsheet row `r` (from 0) from its cells (column, text).
    fn record(&mut self, r: u32, cells: &mut Vec<(u32, String)>) -> Result<(), SheetError> {
        let first = self.sheet.as_ref().map_or(0, |s| s.first_column);
        // A column written twice keeps its last value.
        cells.reverse();
        cells.sort_by_key(|(c, _)| *c);
        cells.dedup_by_key(|(c, _)| *c);
        if let Some((c, _)) = cells.iter().find(|(c, _)| *c < first) {
            return Err(SheetError::LeftOfHeader { sheet: self.name.clone(), row: r, column: *c, first });
        }
        let width = (cells.last().map_or(0, |(c, _)| c - first) as usize + 1).max(self.header.len());
        self.fields.clear();
        self.fields.resize(width, String::new());
        for (c, text) in cells.drain(..) {
            self.fields[(c - first) as usize] = text;
        }
        if self.header.is_empty() {
            self.header = self.fields.clone();
        }
        let before = self.writer.get_ref().len();
        self.writer.write_record(&self.fields).expect(IN_MEMORY);
        self.writer.flush().expect(IN_MEMORY);
        let lines = memchr::memchr_iter(b'\n', &self.writer.get_ref()[before..]).count();
        self.rows.extend(std::iter::repeat_n(u64::from(r) + 1, lines));
        Ok(())
    }

    /// The records written and not handed over yet: once they are a block, or, with `all`, any.
    fn block(&mut self, all: bool) -> Option<Written> {
        let written = self.writer.get_ref().len();
        if written == 0 || (!all && written < BLOCK) {
            return None;
        }
        let sheet = if self.told_sheet { None } else { self.sheet.clone() };
        self.told_sheet = true;
        let writer = std::mem::replace(&mut self.writer, csv_writer());
        let csv = writer.into_inner().map_err(|e| e.into_error()).expect(IN_MEMORY);
        Some(Written::Lines { csv, rows: std::mem::take(&mut self.rows), sheet })
    }

    /// A note for each kind of rewritten cell in each column.
    fn notes(&self) -> Vec<String> {
        let sheet = self.sheet.as_ref().expect("a cell places the sheet");
        let notes = self.rewritten.iter().map(|(&(kind, c), (n, first))| {
            let column = self
                .header
                .get(c)
                .filter(|h| !h.is_empty())
                .map_or(column_letters(sheet.first_column + c as u32), |h| h.clone());
            let cells = if *n == 1 { "1 cell".to_string() } else { format!("{n} cells") };
            let column = crate::text::OneLine(&column);
            format!("{cells} of column {column} (first {}!{first}): {kind}", sheet.name)
        });
        notes.collect()
    }
}

/// A writer of CSV records into memory. A cell holding `#` is quoted, so that `#N/A` in column A
/// is not read as a comment line.
fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .comment(Some(b'#'))
        .from_writer(Vec::new())
}

/// Writes a sheet's cells, in the order the sheet holds them (row by row), as CSV, giving it to
/// `emit` a block of whole records at a time and then its end, until `emit` says stop: the first
/// row holding a value is the header, whose first cell is the inventory's first column; each
/// later row with a value is a record (a row without one is a cleared one, skipped). When a
/// cell cannot be read, the records before its row are handed over, then the error returned.
pub fn write(
    cells: impl Iterator<Item = Cell>,
    name: &str,
    emit: &mut dyn FnMut(Written) -> bool,
) -> Result<(), SheetError> {
    // A sheet's name is the workbook's text: said on one line, whatever it holds.
    let name = crate::text::OneLine(name).to_string();
    let mut w = Writing {
        name,
        writer: csv_writer(),
        rows: Vec::new(),
        header: Vec::new(),
        fields: Vec::new(),
        sheet: None,
        told_sheet: false,
        rewritten: BTreeMap::new(),
    };
    let written = rows_of(cells, &mut w, emit);
    // What was written before a failure is handed over before it.
    if let Some(block) = w.block(true)
        && !emit(block)
    {
        return Ok(());
    }
    if written? {
        emit(Written::End { notes: w.notes() });
    }
    Ok(())
}

/// Writes the records of `cells` into `w`, handing over each block as it fills; `false` when
/// `emit` said stop.
fn rows_of(
    cells: impl Iterator<Item = Cell>,
    w: &mut Writing,
    emit: &mut dyn FnMut(Written) -> bool,
) -> Result<bool, SheetError> {
    // The row being gathered: its number and its cells (column, text).
    let mut row: Option<u32> = None;
    let mut cells_of_row: Vec<(u32, String)> = Vec::new();
    for cell in cells {
        let ((r, c), data) = cell?;
        if r >= MAX_ROWS || c >= MAX_COLUMNS {
            return Err(SheetError::PastTheEnd { sheet: w.name.clone(), row: r, column: c });
        }
        let (value, kind) = text(data);
        if value.is_empty() && kind.is_none() {
            continue;
        }
        match row {
            Some(now) if now == r => {}
            Some(now) if r < now => {
                return Err(SheetError::OutOfOrder { sheet: w.name.clone(), row: r, after: now });
            }
            Some(now) => {
                w.record(now, &mut cells_of_row)?;
                if let Some(block) = w.block(false)
                    && !emit(block)
                {
                    return Ok(false);
                }
                row = Some(r);
            }
            None => row = Some(r),
        }
        let name = &w.name;
        let first = w.sheet.get_or_insert_with(|| Sheet { name: name.clone(), first_column: c }).first_column;
        if let Some(kind) = kind {
            let at = c.saturating_sub(first) as usize;
            let entry = w.rewritten.entry((kind, at)).or_insert((0, format!("{}{}", column_letters(c), r + 1)));
            entry.0 += 1;
        }
        // Past the header's last column: a record wider than its header (held, it would
        // make every row as wide as the sheet).
        let width = w.header.len() as u32;
        if width > 0 && c >= first + width {
            return Err(SheetError::RightOfHeader {
                sheet: w.name.clone(),
                row: r,
                column: c,
                last: first + width - 1,
            });
        }
        cells_of_row.push((c, value));
    }
    match row {
        Some(r) => w.record(r, &mut cells_of_row)?,
        None => return Err(SheetError::Empty { sheet: w.name.clone() }),
    }
    Ok(true)
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

    /// A sheet of a header and `rows` records of two cells; every 100th record's second
    /// cell holds a newline.
    fn sheet(rows: u32) -> impl Iterator<Item = Cell> {
        let cell = |r: u32, c: u32| {
            let text = match (r, c) {
                (0, _) => format!("H{c}"),
                (r, 1) if r % 100 == 0 => format!("two\nlines {r}"),
                (r, c) => format!("v{r}-{c}"),
            };
            Ok(((r, c), Data::String(text)))
        };
        (0..=rows).flat_map(move |r| [cell(r, 0), cell(r, 1)])
    }

    /// Everything `write` hands over, and what it returned.
    fn written(cells: impl Iterator<Item = Cell>) -> (Vec<Written>, Result<(), SheetError>) {
        let mut handed = Vec::new();
        let result = write(cells, "S", &mut |w| {
            handed.push(w);
            true
        });
        (handed, result)
    }

    #[test]
    fn blocks_are_whole_records_that_join_into_the_sheet() {
        let (handed, result) = written(sheet(20_000));
        assert_eq!(result, Ok(()));
        let (mut csv, mut rows, mut sheets) = (Vec::new(), Vec::new(), Vec::new());
        let (mut notes, mut sizes) = (None, Vec::new());
        for w in handed {
            match w {
                Written::Lines { csv: block, rows: lines, sheet } => {
                    assert!(block.ends_with(b"\n"), "a block ends with a whole record");
                    assert_eq!(memchr::memchr_iter(b'\n', &block).count(), lines.len(), "a row for each line");
                    sizes.push(block.len());
                    csv.extend(block);
                    rows.extend(lines);
                    sheets.push(sheet);
                }
                Written::End { notes: said } => notes = Some(said),
            }
        }
        assert!(sheets.len() > 2, "handed over in {} blocks", sheets.len());
        assert!(sizes[..sizes.len() - 1].iter().all(|&n| n >= BLOCK), "blocks are handed over once full: {sizes:?}");
        assert_eq!(sheets[0], Some(Sheet { name: "S".into(), first_column: 0 }));
        assert!(sheets[1..].iter().all(Option::is_none), "the sheet comes with the first block only");
        assert_eq!(notes, Some(Vec::new()));
        let mut want = String::from("H0,H1\n");
        let mut want_rows = vec![1];
        for r in 1..=20_000u64 {
            if r % 100 == 0 {
                want.push_str(&format!("v{r}-0,\"two\nlines {r}\"\n"));
                want_rows.extend([r + 1, r + 1]);
            } else {
                want.push_str(&format!("v{r}-0,v{r}-1\n"));
                want_rows.push(r + 1);
            }
        }
        assert_eq!(String::from_utf8(csv).unwrap(), want);
        assert_eq!(rows, want_rows);
    }

    #[test]
    fn a_failure_hands_over_the_records_before_it_then_says_why() {
        let back = std::iter::once(Ok(((10, 0), Data::String("late".into()))));
        let (handed, result) = written(sheet(3_000).chain(back));
        assert_eq!(result, Err(SheetError::OutOfOrder { sheet: "S".into(), row: 10, after: 3_000 }));
        let lines: usize = handed
            .iter()
            .map(|w| match w {
                Written::Lines { rows, .. } => rows.len(),
                Written::End { .. } => panic!("a sheet that failed has no end"),
            })
            .sum();
        // Row 3,000 was still being gathered when the late cell came.
        assert_eq!(lines, 1 + 2_999 + 29, "the header, every record before row 3,000, and the second line of 29");
    }

    #[test]
    fn a_reader_that_stops_stops_the_writing() {
        let taken = std::cell::Cell::new(0);
        let cells = sheet(50_000).inspect(|_| taken.set(taken.get() + 1));
        let mut blocks = 0;
        let result = write(cells, "S", &mut |_| {
            blocks += 1;
            false
        });
        assert_eq!((result, blocks), (Ok(()), 1));
        assert!(taken.get() < 20_000, "{} cells read after the reader stopped", taken.get());
    }

    #[test]
    fn numbers_print_as_a_spreadsheet_shows_them() {
        assert_eq!(number(60.0), "60");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(1e20), "100000000000000000000");
    }
}
