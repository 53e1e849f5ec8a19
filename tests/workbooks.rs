//! Workbooks crafted to take a reader down, written by the tests themselves: a lone cell in
//! the sheet's far corner, parts that inflate far past their size, a shared-strings count
//! that asks for memory no one has. Each command that reads a workbook refuses or reads it
//! in one line, exit 2, at the cost of the cells present.

use assert_cmd::Command;
use rust_xlsxwriter::Workbook;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

fn smcplan(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("smcplan").unwrap();
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

const HEADER: [&str; 6] = ["RegionId", "SourceId", "Name", "ImageName", "SystemDiskSize", "TargetType"];
const ROW: [&str; 6] = ["cn-hangzhou", "s-bp1e2fsl57knvuug0001", "db01x", "img-db01x", "40", "Image"];

/// A workbook of the header, one row, and a lone value at (`row`, `col`), from 0.
fn sparse(dir: &Path, name: &str, far: Option<(u32, u16)>) -> PathBuf {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, (h, v)) in HEADER.iter().zip(ROW).enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
        sheet.write_string(1, c as u16, v).unwrap();
    }
    if let Some((row, col)) = far {
        sheet.write_string(row, col, "x").unwrap();
    }
    let path = dir.join(name);
    book.save(&path).unwrap();
    path
}

/// `from` again as `to`, with the part `part` written anew by `write`.
fn rezip(from: &Path, to: &Path, part: &str, write: impl Fn(&mut dyn Write)) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(from).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut replaced = false;
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        out.start_file(name.as_str(), options).unwrap();
        if name == part {
            write(&mut out);
            replaced = true;
        } else {
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            out.write_all(&bytes).unwrap();
        }
    }
    if !replaced {
        out.start_file(part, options).unwrap();
        write(&mut out);
    }
    out.finish().unwrap();
}

/// `n` bytes of spaces: what a bomb inflates to.
fn padding(out: &mut dyn Write, n: usize) {
    let block = vec![b' '; 1 << 20];
    for _ in 0..n >> 20 {
        out.write_all(&block).unwrap();
    }
}

fn refused(dir: &Path, args: &[&str], want: &str) {
    let out = smcplan(dir).args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.starts_with(want) && err.lines().count() == 1, "{args:?}: {err}");
}

#[test]
fn a_lone_cell_in_the_far_corner_costs_what_the_cells_cost() {
    let dir = tempfile::tempdir().unwrap();
    sparse(dir.path(), "corner.xlsx", Some((1_048_575, 16_383)));
    sparse(dir.path(), "far.xlsx", Some((9_999, 16_383)));
    std::fs::write(dir.path().join("cmdb.csv"), "hostname,owner\ndb01,team\n").unwrap();
    // The far cell is past the header: the reader refuses it as soon as it meets it, naming
    // its cell (a row as wide as the sheet is never built).
    let past = "holds a value right of the header's last column (F): move it into the table, or clear it";
    for args in [
        &["validate", "corner.xlsx"][..],
        &["plan", "corner.xlsx"],
        &["submit", "corner.xlsx", "--report", "out", "--dry-run"],
        &["schedule", "corner.xlsx", "--start", "2026-12-05T00:00:00Z", "--now", "2026-12-01T00:00:00Z"],
    ] {
        refused(dir.path(), args, &format!("error: corner.xlsx: Sheet1!XFD1048576 {past}"));
    }
    refused(dir.path(), &["validate", "far.xlsx"], &format!("error: far.xlsx: Sheet1!XFD10000 {past}"));
    // A CMDB export with the same far cell, joined by init.
    let account = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/account.json");
    let cmdb = sparse(dir.path(), "cmdb.xlsx", Some((1_048_575, 16_383)));
    let out = smcplan(dir.path())
        .args(["init", "--account", account, "--region", "cn-hangzhou", "--join"])
        .arg(&cmdb)
        .args(["--on", "name"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.lines().count() == 1 && err.contains("cmdb.xlsx"), "{err}");
    // The same sheet without the far cell reads.
    sparse(dir.path(), "clean.xlsx", None);
    let out = smcplan(dir.path()).args(["validate", "clean.xlsx", "--now", "2026-11-27T08:00:00Z"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn a_value_left_of_the_header_is_named_by_its_cell() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, (h, v)) in HEADER.iter().zip(ROW).enumerate() {
        sheet.write_string(2, c as u16 + 2, *h).unwrap();
        sheet.write_string(3, c as u16 + 2, v).unwrap();
    }
    sheet.write_string(6, 0, "stray").unwrap();
    book.save(dir.path().join("left.xlsx")).unwrap();
    refused(
        dir.path(),
        &["validate", "left.xlsx"],
        "error: left.xlsx: Sheet1!A7 holds a value left of the header's first column (C): move it into the table, or clear it",
    );
}

#[test]
fn parts_that_inflate_past_the_caps_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let base = sparse(dir.path(), "base.xlsx", None);
    // 24 MiB of spaces deflate to about 24 KiB: a thousand times.
    rezip(&base, &dir.path().join("strings.xlsx"), "xl/sharedStrings.xml", |out| {
        out.write_all(b"<?xml version=\"1.0\"?><sst uniqueCount=\"1\"><si><t>a</t></si>").unwrap();
        padding(out, 24 << 20);
        out.write_all(b"</sst>").unwrap();
    });
    rezip(&base, &dir.path().join("sheet.xlsx"), "xl/worksheets/sheet1.xml", |out| {
        out.write_all(b"<?xml version=\"1.0\"?><worksheet><sheetData>").unwrap();
        padding(out, 24 << 20);
        out.write_all(b"</sheetData></worksheet>").unwrap();
    });
    // A count of strings that would reserve terabytes.
    rezip(&base, &dir.path().join("count.xlsx"), "xl/sharedStrings.xml", |out| {
        out.write_all(b"<?xml version=\"1.0\"?><sst uniqueCount=\"99999999999999\"><si><t>a</t></si></sst>").unwrap();
    });
    refused(
        dir.path(),
        &["validate", "strings.xlsx"],
        "error: strings.xlsx: the shared strings of the workbook (xl/sharedStrings.xml) inflates 1",
    );
    refused(
        dir.path(),
        &["validate", "sheet.xlsx"],
        "error: sheet.xlsx: a sheet of the workbook (xl/worksheets/sheet1.xml) inflates",
    );
    refused(
        dir.path(),
        &["plan", "count.xlsx"],
        "error: count.xlsx: the shared strings claim 99999999999999 strings in ",
    );
    // Under smaller caps, a part's size alone is refused, whatever its ratio.
    let caps = smcplan::inventory::workbook::Caps { other: 64, ..smcplan::inventory::workbook::CAPS };
    let err = smcplan::inventory::workbook::check_inflation(&base, &caps).unwrap_err();
    assert!(matches!(err, smcplan::inventory::workbook::Inflation::PartTooLarge { cap: 64, .. }), "{err}");
    let err = err.to_string();
    assert!(err.contains("inflates to") && err.contains("past smcplan's limit of 64 bytes"), "{err}");
    assert_eq!(smcplan::inventory::workbook::check_inflation(&base, &smcplan::inventory::workbook::CAPS), Ok(()));
    // A picture (never inflated by the reader) as big as a bomb does not count: the workbook reads.
    rezip(&base, &dir.path().join("picture.xlsx"), "xl/media/image1.png", |out| padding(out, 80 << 20));
    let out = smcplan(dir.path()).args(["validate", "picture.xlsx", "--now", "2026-11-27T08:00:00Z"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_cell_past_the_last_column_or_row_a_sheet_can_have_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let clean = sparse(dir.path(), "clean.xlsx", None);
    let sheet = |cell: &str| {
        let header: String = HEADER
            .iter()
            .enumerate()
            .map(|(c, h)| format!(r#"<c r="{}1" t="inlineStr"><is><t>{h}</t></is></c>"#, (b'A' + c as u8) as char))
            .collect();
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">{header}</row><row r="2"><c r="{cell}" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#
        )
    };
    for (cell, name, said) in [
        ("XFE2", "wide.xlsx", "column 16385 is past the last a sheet can have (XFD, the 16,384th)"),
        ("A1048577", "long.xlsx", "row 1048577 is past the last a sheet can have (1,048,576)"),
    ] {
        let xml = sheet(cell);
        rezip(&clean, &dir.path().join(name), "xl/worksheets/sheet1.xml", |out| out.write_all(xml.as_bytes()).unwrap());
        let out = smcplan(dir.path()).args(["validate", name]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cell}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(name), "{err}");
        assert!(err.contains(said), "{err}");
    }
}
