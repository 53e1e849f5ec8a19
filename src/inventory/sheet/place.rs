//! Where a sheet's cells are: the sheet, its columns' letters, its bounds, and why a sheet cannot be read.

use crate::text::OneLine;

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

/// The most a sheet holds: 1,048,576 rows of 16,384 columns (XFD).
pub const MAX_ROWS: u32 = 1 << 20;
pub const MAX_COLUMNS: u32 = 1 << 14;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_run_past_z() {
        let got: Vec<String> = [0, 6, 25, 26, 27, 51, 52, 701, 702].into_iter().map(column_letters).collect();
        assert_eq!(got, ["A", "G", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
        assert_eq!(Sheet { name: "S".into(), first_column: 1 }.cell(5, 14), "G14");
    }
}
