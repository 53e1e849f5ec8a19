//! Reads every cell of a workbook's first sheet with the workbook crate and nothing else:
//! the floor a workbook's `validate` is measured against.
use calamine::Reader as _;

fn main() {
    let path = std::env::args().nth(1).expect("usage: xlsx_floor FILE.xlsx");
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("a workbook");
    let name = book.sheet_names()[0].clone();
    let mut reader = book.worksheet_cells_reader(&name).expect("a sheet");
    let (mut cells, mut bytes) = (0u64, 0usize);
    while let Some(c) = reader.next_cell().expect("a cell") {
        cells += 1;
        if let calamine::DataRef::SharedString(s) = c.get_value() {
            bytes += s.len();
        }
    }
    println!("{cells} cells, {bytes} bytes of shared strings");
}
