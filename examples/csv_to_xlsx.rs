//! Writes a CSV inventory as an .xlsx workbook (sheet `Servers`) the way a spreadsheet
//! holds it: whole numbers as numbers, true/false as booleans, UTC times as dates, the rest
//! as text; comment lines are left out. Makes `samples/inventory.xlsx` and the workbooks of
//! `scripts/bench-intake.sh`.
//!
//! `cargo run --release --example csv_to_xlsx -- IN.csv OUT.xlsx`

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        return Err("usage: csv_to_xlsx IN.csv OUT.xlsx".into());
    };
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Servers")?;
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_path(input)?;
    let mut row = 0u32;
    for record in reader.records() {
        let record = record?;
        if record.get(0).is_some_and(|c| c.starts_with('#')) {
            continue;
        }
        for (c, cell) in record.iter().enumerate() {
            let c = c as u16;
            if cell.is_empty() {
                continue;
            }
            if row > 0 && !cell.starts_with('0') && cell.len() < 16 && cell.bytes().all(|b| b.is_ascii_digit()) {
                sheet.write_number(row, c, cell.parse::<f64>()?)?;
            } else if row > 0 && (cell == "true" || cell == "false") {
                sheet.write_boolean(row, c, cell == "true")?;
            } else if let Some(t) =
                cell.strip_suffix('Z').filter(|t| row > 0 && t.len() == 19 && t.as_bytes()[10] == b'T')
            {
                sheet.write_datetime_with_format(row, c, &ExcelDateTime::parse_from_str(t)?, &date)?;
            } else {
                sheet.write_string(row, c, cell)?;
            }
        }
        row += 1;
    }
    book.save(output)?;
    Ok(())
}
