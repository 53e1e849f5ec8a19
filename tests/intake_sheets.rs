//! Sheets as people fill them: a long workbook and stdin checked in full, cells never read
//! as CSV syntax, a table placed anywhere on its sheet, and formulas from a CMDB guarded.

use assert_cmd::Command;
use rust_xlsxwriter::Workbook;
use std::path::{Path, PathBuf};

const NOW: &str = "2026-11-27T08:00:00Z";

fn smcplan(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("smcplan").unwrap();
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

/// A sheet of `rows` valid rows whose last repeats the first's source server.
fn long_workbook(dir: &Path, rows: u32) -> (PathBuf, String) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let header = ["RegionId", "SourceId", "Name", "TargetType", "ImageName", "SystemDiskSize"];
    let mut csv = header.join(",") + "\n";
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for row in 1..=rows {
        let source = format!("s-bp1e2fsl57knvu{:06}", if row == rows { 1 } else { row });
        let cells = ["cn-hangzhou".to_string(), source, format!("web-{row}"), "Image".into(), format!("img-{row}")];
        for (c, cell) in cells.iter().enumerate() {
            sheet.write_string(row, c as u16, cell).unwrap();
        }
        sheet.write_number(row, 5, 40.0).unwrap();
        csv.push_str(&format!("{},40\n", cells.join(",")));
    }
    let path = dir.join("long.xlsx");
    book.save(&path).unwrap();
    (path, csv)
}

/// Inputs whose length says nothing of their rows (a workbook, stdin) are checked in full,
/// and in bounded time: the duplicate table grows with the rows it is given.
#[test]
fn a_long_workbook_and_stdin_are_checked_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let (book, csv) = long_workbook(dir.path(), 5_000);
    let check = |cmd: &mut Command| {
        let out = cmd
            .args(["--format", "json", "--quota", "10000", "--now", NOW])
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let codes: Vec<&str> =
            v["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
        assert_eq!(codes.len(), 1, "{:?}", &codes[..codes.len().min(3)]);
        assert_eq!(codes, ["SourceId.Duplicate"]);
        assert_eq!((v["rows"].as_u64(), v["valid"].as_u64()), (Some(5_000), Some(4_999)));
        v["diagnostics"][0]["line"].as_u64()
    };
    assert_eq!(check(smcplan(dir.path()).arg("validate").arg(&book)), Some(5_001));
    assert_eq!(check(smcplan(dir.path()).args(["validate", "/dev/stdin"]).write_stdin(csv)), Some(5_001));
}

/// A sheet's cells are cells: `#N/A` in column A is a value, a `;` in a cell does not make
/// the sheet a `;` file, and `--sheet` takes any letter case.
#[test]
fn a_sheets_cells_are_never_read_as_csv_syntax() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = Workbook::new();
    book.add_worksheet().set_name("Notes").unwrap().write_string(0, 0, "read me; first").unwrap();
    let sheet = book.add_worksheet().set_name("Servers").unwrap();
    let header = ["Owner; team", "RegionId", "SourceId", "", "Name", "TargetType", "ImageName", "SystemDiskSize"];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let row = ["#N/A", "cn-hangzhou", "s-bp1e2fsl57knvuug1001", "x", "web-01", "Image", "img-web-01", "40"];
    for (c, cell) in row.iter().enumerate() {
        sheet.write_string(1, c as u16, *cell).unwrap();
    }
    let path = dir.path().join("book.xlsx");
    book.save(&path).unwrap();
    let out = smcplan(dir.path()).arg("validate").arg(&path).args(["--now", NOW]).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("(sheet 'Notes'; the workbook's sheets are Notes, Servers: name one with --sheet)"), "{err}");
    let out = smcplan(dir.path())
        .arg("validate")
        .arg(&path)
        .args(["--sheet", "servers", "--format", "json", "--now", NOW])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["rows"].as_u64(), v["valid"].as_u64()), (Some(1), Some(1)), "{v}");
    let messages: Vec<&str> =
        v["diagnostics"].as_array().unwrap().iter().map(|d| d["message"].as_str().unwrap()).collect();
    assert_eq!(
        messages,
        ["unknown column 'Owner; team' is ignored", "column 4 has no name in the header; its cells are ignored"]
    );
    assert!(!String::from_utf8(out.stderr).unwrap().contains("delimiter"), "a sheet has no delimiter to detect");
}

/// A run of one finding on consecutive sheet rows is said once, with its cells.
#[test]
fn a_range_on_a_sheet_names_its_cells() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("Servers").unwrap();
    for (c, h) in ["RegionId", "SourceId", "Name", "TargetType", "ImageName", "SystemDiskSize"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for row in 1..=4u32 {
        let cells = [
            "cn-hangzhou".to_string(),
            format!("s-bp1e2fsl57knvu{row:06}"),
            format!("web-{row}"),
            "Image".into(),
            format!("img-{row}"),
        ];
        for (c, cell) in cells.iter().enumerate() {
            sheet.write_string(row, c as u16, cell).unwrap();
        }
        sheet.write_number(row, 5, 19.0).unwrap();
    }
    let path = dir.path().join("small.xlsx");
    book.save(&path).unwrap();
    let out = smcplan(dir.path()).arg("validate").arg(&path).args(["--now", NOW]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("small.xlsx:Servers!F2:F5 (SystemDiskSize)\n"), "{text}");
    assert!(text.contains(": 4 rows, lines 2-5; the first: "), "{text}");
}

/// A CMDB export's formulas do not pass into the draft as formulas: the user's own columns
/// and headers get the `'` guard, and API columns keep the value for validate to report.
#[test]
fn formulas_from_a_cmdb_are_guarded_in_the_draft_and_reported_in_api_columns() {
    let dir = tempfile::tempdir().unwrap();
    let account = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/account.json");
    let cmdb = "hostname,Description,Instance Type,=HYPERLINK(\"http://x\"),Owner\n\
                DB01.corp.example,=cmd|' /C calc'!A0,@SUM(1),\"+SUM(1,1)\",-team\n";
    std::fs::write(dir.path().join("cmdb.csv"), cmdb).unwrap();
    let out = smcplan(dir.path())
        .args(["init", "--account", account, "--region", "cn-hangzhou", "--join", "cmdb.csv", "--on", "hostname"])
        .args(["--out", "draft.csv"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("warning: 2 cells of the draft's API columns start like a spreadsheet formula"), "{err}");
    let draft = std::fs::read_to_string(dir.path().join("draft.csv")).unwrap();
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).from_reader(draft.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert!(header.contains(&"'=HYPERLINK(\"http://x\")".to_string()), "{header:?}");
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = reader.records().map(Result::unwrap).find(|r| &r[at("SourceId")] == "s-bp1e2fsl57knvuug0001").unwrap();
    assert_eq!(&row[at("'=HYPERLINK(\"http://x\")")], "'+SUM(1,1)");
    assert_eq!(&row[at("Owner")], "'-team");
    assert_eq!(&row[at("Description")], "=cmd|' /C calc'!A0");
    assert_eq!(&row[at("InstanceType")], "@SUM(1)");
    let out = smcplan(dir.path()).args(["validate", "draft.csv", "--format", "json", "--now", NOW]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let formulas: Vec<(u64, &str)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "Value.Formula")
        .map(|d| (d["line"].as_u64().unwrap(), d["column"].as_str().unwrap()))
        .collect();
    assert_eq!(formulas, [(10, "Description"), (10, "InstanceType")], "db01 is the draft's ninth row");
}

/// A sheet of 20,000 rows, with a note of two lines on row 51 (so that CSV lines and sheet
/// rows part there), row 101 repeating row 1's source server and row 14,990 repeating row
/// 2's, and `more` written after; saved as `name`.
fn sheet_with(dir: &Path, name: &str, header: &[&str], more: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for row in 1..=20_000u32 {
        let source = format!(
            "s-bp1e2fsl57knvu{:06}",
            [(100, 1), (14_989, 2)].into_iter().find(|r| r.0 == row).map_or(row, |r| r.1)
        );
        let cells = ["cn-hangzhou".to_string(), source, format!("web-{row}"), "Image".into(), format!("img-{row}")];
        for (c, cell) in cells.iter().enumerate() {
            sheet.write_string(row, c as u16, cell).unwrap();
        }
        sheet.write_number(row, 5, 40.0).unwrap();
    }
    sheet.write_string(50, 6, "two\nlines").unwrap();
    more(sheet);
    book.save(dir.join(name)).unwrap();
}

const HEADER: [&str; 7] = ["RegionId", "SourceId", "Name", "TargetType", "ImageName", "SystemDiskSize", "note"];

/// A sheet is checked as it is read: one that goes wrong far down has every row above the
/// cell at fault checked and said, then its one-line refusal (exit 2); commands that act
/// refuse it with nothing done.
#[test]
fn a_sheet_that_goes_wrong_far_down_is_checked_up_to_the_cell_at_fault() {
    let dir = tempfile::tempdir().unwrap();
    sheet_with(dir.path(), "far.xlsx", &HEADER, |s| {
        s.write_string(15_000, 10, "stray").unwrap();
    });
    let want = "far.xlsx: Sheet1!K15001 holds a value right of the header's last column (G): move it into the table, or clear it";
    let out = smcplan(dir.path())
        .args(["validate", "far.xlsx", "--format", "json", "--quota", "100000", "--now", NOW])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err, format!("error: {want}\n"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["message"], want);
    let said: Vec<(u64, &str)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["line"].as_u64().unwrap(), d["code"].as_str().unwrap()))
        .filter(|(_, code)| *code == "SourceId.Duplicate")
        .collect();
    // Spreadsheet rows, past the two-line cell; the second just above the fault.
    assert_eq!(said, [(101, "SourceId.Duplicate"), (14_990, "SourceId.Duplicate")]);
    for args in [&["plan", "far.xlsx"][..], &["submit", "far.xlsx", "--report", "out", "--dry-run"]] {
        let out = smcplan(dir.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), format!("error: {want}\n"), "{args:?}");
        assert!(!dir.path().join("out").exists(), "{args:?}: nothing written");
    }
}

/// A sheet that goes wrong far down is refused as such even when a row above it cannot be
/// read (a header cell of a space is no column) or the header lacks a column, and the notes on
/// rewritten cells are said before the error of a row that cannot be read.
#[test]
fn a_sheet_at_fault_is_refused_ahead_of_its_rows_and_notes_come_before_a_rows_error() {
    let dir = tempfile::tempdir().unwrap();
    let spaced = ["RegionId", "SourceId", "Name", "TargetType", "ImageName", "SystemDiskSize", " "];
    let stray = |s: &mut rust_xlsxwriter::Worksheet| {
        s.write_string(15_000, 10, "stray").unwrap();
    };
    sheet_with(dir.path(), "bad-row.xlsx", &spaced, stray);
    sheet_with(
        dir.path(),
        "no-source.xlsx",
        &["RegionId", "Source", "Name", "TargetType", "ImageName", "SystemDiskSize", "note"],
        stray,
    );
    let dated = |s: &mut rust_xlsxwriter::Worksheet| {
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 12, 24).unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        s.write_datetime_with_format(9, 6, &date, &format).unwrap();
    };
    sheet_with(dir.path(), "dated.xlsx", &spaced, dated);
    let past = "holds a value right of the header's last column";
    for (file, want) in [
        (
            "bad-row.xlsx",
            format!("error: bad-row.xlsx: Sheet1!K15001 {past} (G): move it into the table, or clear it\n"),
        ),
        (
            "no-source.xlsx",
            format!("error: no-source.xlsx: Sheet1!K15001 {past} (G): move it into the table, or clear it\n"),
        ),
        (
            "dated.xlsx",
            concat!(
                "note: dated.xlsx: 1 cell of column   (first Sheet1!G10): dates, read as YYYY-MM-DDThh:mm:ssZ (UTC)\n",
                "error: dated.xlsx:10: the row has 7 fields but the header has 6\n"
            )
            .to_string(),
        ),
    ] {
        let out = smcplan(dir.path()).args(["validate", file, "--now", NOW]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{file}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), want, "{file}");
    }
}
