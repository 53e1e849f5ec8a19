//! Workbook intake: the first sheet of an `.xlsx` (or the one `--sheet` names), read as the
//! user sees it, turned into CSV text and the map from its lines back to the sheet's rows.

use super::read::InputError;
use calamine::{Data, Range, Reader as _};
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

/// Whether `path` names a workbook smcplan reads as one.
pub fn is_workbook(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    matches!(ext.as_deref(), Some("xlsx" | "xlsm" | "xls" | "xlsb" | "ods"))
}

/// Reads sheet `wanted` (or the first) of the workbook at `path`.
pub fn read(path: &Path, wanted: Option<&str>) -> Result<AsCsv, InputError> {
    let shown = path.display().to_string();
    let fail = |message: String| InputError::new(&shown, None, message);
    let start = first_bytes(path).map_err(|e| fail(format!("cannot open: {e}")))?;
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    if start.starts_with(&[0xd0, 0xcf, 0x11, 0xe0]) && ext != "xls" {
        return Err(fail(
            "the workbook is password-protected (encrypted): remove the password in Excel (File > Info > Protect Workbook) and save it again".to_string(),
        ));
    }
    let opened = match ext.as_str() {
        "xls" => calamine::open_workbook(path).map(calamine::Sheets::Xls).map_err(calamine::Error::Xls),
        "xlsb" => calamine::open_workbook(path).map(calamine::Sheets::Xlsb).map_err(calamine::Error::Xlsb),
        "ods" => calamine::open_workbook(path).map(calamine::Sheets::Ods).map_err(calamine::Error::Ods),
        _ => calamine::open_workbook(path).map(calamine::Sheets::Xlsx).map_err(calamine::Error::Xlsx),
    };
    let mut book = opened.map_err(|e| {
        fail(format!("not a workbook smcplan can read ({}): save it again from Excel as .xlsx", one_line(&e)))
    })?;
    let names = book.sheet_names();
    let name = match wanted {
        // The sheet named exactly, else the one named so in another letter case.
        Some(w) => names
            .iter()
            .find(|n| n.as_str() == w)
            .or_else(|| {
                let mut folded = names.iter().filter(|n| n.to_lowercase() == w.to_lowercase());
                folded.next().filter(|_| folded.next().is_none())
            })
            .cloned()
            .ok_or_else(|| fail(format!("the workbook has no sheet '{w}' (it has: {})", names.join(", "))))?,
        None => names.first().cloned().ok_or_else(|| fail("the workbook has no sheet".to_string()))?,
    };
    let range =
        book.worksheet_range(&name).map_err(|e| fail(format!("cannot read sheet '{name}': {}", one_line(&e))))?;
    let Some((first_row, first_column)) = range.start().filter(|_| !range.is_empty()) else {
        return Err(fail(format!("sheet '{name}' is empty (expected a header row)")));
    };
    let mut csv = as_csv(&range, Sheet { name, first_column }, first_row);
    csv.sheets = names;
    Ok(csv)
}

/// The first bytes of a file, to tell what it is.
fn first_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut start = Vec::new();
    std::fs::File::open(path)?.take(8).read_to_end(&mut start)?;
    Ok(start)
}

fn one_line(e: &dyn std::fmt::Display) -> String {
    crate::text::OneLine(&e.to_string()).to_string()
}

/// The range's rows as CSV, one record a row (an empty row is a cleared one, skipped).
fn as_csv(range: &Range<Data>, sheet: Sheet, first_row: u32) -> AsCsv {
    let mut rows = vec![0];
    // Rewritten cells by kind and column: how many, and the first.
    let mut rewritten: BTreeMap<(&'static str, usize), (usize, String)> = BTreeMap::new();
    let header: Vec<String> = range.rows().next().map(|r| r.iter().map(|c| text(c).0).collect()).unwrap_or_default();
    // A cell holding `#` is quoted, so that `#N/A` in column A is not read as a comment line.
    let mut writer =
        csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).comment(Some(b'#')).from_writer(Vec::new());
    let mut fields: Vec<String> = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        let row = u64::from(first_row) + i as u64 + 1;
        fields.clear();
        for (c, cell) in cells.iter().enumerate() {
            let (value, kind) = text(cell);
            if let Some(kind) = kind {
                let entry = rewritten.entry((kind, c)).or_insert((0, sheet.cell(c as u16, row)));
                entry.0 += 1;
            }
            fields.push(value);
        }
        let before = writer.get_ref().len();
        writer.write_record(&fields).expect("writing to memory");
        writer.flush().expect("writing to memory");
        let lines = memchr::memchr_iter(b'\n', &writer.get_ref()[before..]).count();
        rows.extend(std::iter::repeat_n(row, lines));
    }
    let csv = writer.into_inner().expect("writing to memory");
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
    AsCsv { csv, rows, sheet, notes, sheets: Vec::new() }
}

/// A cell as the user sees it, and what was done to it when that is not plain copying.
fn text(cell: &Data) -> (String, Option<&'static str>) {
    match cell {
        Data::Empty => (String::new(), None),
        Data::String(s) => (s.clone(), None),
        Data::Int(i) => (i.to_string(), None),
        Data::Float(f) => (number(*f), None),
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
        Data::DateTimeIso(s) | Data::DurationIso(s) => (s.clone(), None),
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
