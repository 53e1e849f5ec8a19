//! Any table a user hands over besides an inventory (a CMDB export): CSV separated by `,`,
//! `;` or tab, or a workbook's sheet; a header and rows, each named by its line.

use super::error::InputError;
use std::path::Path;

/// A table: its header and its rows, each with the line (or spreadsheet row) it starts on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
    /// Where the header is (line or spreadsheet row).
    pub header_line: u64,
    /// What reading it decided (the delimiter, rewritten cells), for a note each.
    pub notes: Vec<String>,
    /// Comment lines (`#` first) passed over.
    pub comments: usize,
    /// The field separator it was read with (`,` for a workbook's sheet).
    pub delimiter: u8,
}

/// Reads the table at `path` (a workbook by its first sheet, or `sheet`).
pub fn read(path: &Path, sheet: Option<&str>) -> Result<Table, InputError> {
    let shown = path.display().to_string();
    if sheet.is_some() && !super::sheet::is_workbook(path) {
        let message = "--sheet names a sheet of a workbook (.xlsx); this file is read as CSV";
        return Err(InputError::new(&shown, None, message));
    }
    let (bytes, rows_of, mut notes) = if super::sheet::is_workbook(path) {
        let book = super::sheet::read(path, sheet)?;
        let notes = book.notes.iter().map(|n| format!("{shown}: {n}")).collect();
        (book.csv, Some(book.rows), notes)
    } else {
        let bytes = std::fs::read(path).map_err(|e| InputError::new(&shown, None, format!("cannot read: {e}")))?;
        if let Some(what) = super::sniff::not_csv_text(&bytes) {
            return Err(InputError::new(&shown, None, what));
        }
        (bytes, None, Vec::new())
    };
    // The CSV made from a sheet is separated by commas whatever its cells hold.
    let delimiter = if rows_of.is_some() { b',' } else { super::sniff::delimiter_of(&bytes) };
    if rows_of.is_none() {
        notes.extend(super::sniff::delimiter_note(&shown, delimiter));
    }
    let workbook = rows_of.is_some();
    let seen = |line: u64| rows_of.as_ref().and_then(|r| r.get(line as usize).copied()).unwrap_or(line);
    let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    let (mut newlines, mut counted) = (0u64, 0usize);
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text);
    let mut table = Table { notes, delimiter, ..Table::default() };
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| seen(p.line()));
            let message = match e.kind() {
                csv::ErrorKind::Utf8 { .. } => "a field is not valid UTF-8 (save the file as UTF-8)".to_string(),
                _ => crate::text::one_line(&e),
            };
            InputError::new(&shown, line, message)
        })?;
        // The line a record starts on, counted from its byte offset (the csv crate's own
        // count lags behind on CRLF files).
        let mut at = record.position().map_or(0, |p| p.byte() as usize).min(text.len());
        while at < text.len() && matches!(text[at], b'\n' | b'\r') {
            at += 1;
        }
        newlines += memchr::memchr_iter(b'\n', &text[counted.min(at)..at]).count() as u64;
        counted = counted.max(at);
        let line = seen(newlines + 1);
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        // Blank, cleared and comment lines (the csv crate's own comment handling would
        // miscount lines); a sheet has no comments (`#N/A` is a cell).
        let comment = !workbook && cells.first().is_some_and(|c| c.starts_with('#'));
        if cells.iter().all(|c| c.trim().is_empty()) || comment {
            table.comments += usize::from(comment);
            continue;
        }
        if table.header.is_empty() {
            table.header = cells;
            while table.header.len() > 1 && table.header.last().is_some_and(|h| h.trim().is_empty()) {
                table.header.pop();
            }
            table.header_line = line;
        } else {
            // A value past the header's last column belongs to no column: said, never dropped.
            if let Some(extra) = cells.iter().skip(table.header.len()).position(|c| !c.trim().is_empty()) {
                let column = table.header.len() + extra + 1;
                let message = format!(
                    "a value in column {column}, past the header's last ({}): give the column a name, or clear it",
                    table.header.len()
                );
                return Err(InputError::new(&shown, Some(line), message));
            }
            table.rows.push((line, cells));
        }
    }
    if table.header.is_empty() {
        return Err(InputError::new(&shown, None, "the file is empty (expected a header row)"));
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_semicolon_table_with_a_bom_and_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cmdb.csv");
        std::fs::write(&path, "\u{feff}# export\r\nhostname;owner\r\ndb01.corp;\"Ops; EU\"\r\n;\r\ndb02;x\r\n")
            .unwrap();
        let t = read(&path, None).unwrap();
        assert_eq!(t.header, ["hostname", "owner"]);
        assert_eq!(t.header_line, 2);
        assert_eq!(t.rows, vec![(3, vec!["db01.corp".into(), "Ops; EU".into()]), (5, vec!["db02".into(), "x".into()])]);
        assert_eq!((t.notes.len(), t.comments), (1, 1));
        std::fs::write(&path, "hostname,owner\ndb01,x,,\ndb02,y,,z\n").unwrap();
        let err = read(&path, None).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert_eq!(err.message, "a value in column 4, past the header's last (2): give the column a name, or clear it");
    }
}
