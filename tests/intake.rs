//! The files people have: workbooks written here with rust_xlsxwriter, `;` and tab CSV,
//! headers in another spelling, a spreadsheet's habits, and the workbooks smcplan cannot read.

use assert_cmd::Command;
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
use std::path::{Path, PathBuf};

const NOW: &str = "2026-11-27T08:00:00Z";

fn smcplan(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("smcplan").unwrap();
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

/// A workbook of three rows on a sheet named `Servers` (after an empty `Notes` sheet is
/// not first: `Servers` is first, `Other` second), with numbers, a date, booleans, empty
/// cells and a formula; row 4 has a system disk too small.
fn workbook(dir: &Path) -> PathBuf {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Servers").unwrap();
    let header = [
        "RegionId",
        "SourceId",
        "Name",
        "TargetType",
        "image name",
        "SystemDiskSize",
        "RunOnce",
        "ScheduledStartTime",
        "owner",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (r, (source, size)) in
        [("s-bp1e2fsl57knvuug1001", 60.0), ("s-bp1e2fsl57knvuug1002", 80.0), ("s-bp1e2fsl57knvuug1003", 19.0)]
            .into_iter()
            .enumerate()
    {
        let row = r as u32 + 1;
        sheet.write_string(row, 0, "cn-hangzhou").unwrap();
        sheet.write_string(row, 1, source).unwrap();
        // The name is a formula, read by its cached result.
        let name = format!("web-{row:02}");
        sheet.write_formula(row, 2, Formula::new(format!("=\"web-\"&\"{row:02}\"")).set_result(&name)).unwrap();
        sheet.write_string(row, 3, "Image").unwrap();
        sheet.write_string(row, 4, format!("img-{name}")).unwrap();
        sheet.write_number(row, 5, size).unwrap();
        sheet.write_boolean(row, 6, true).unwrap();
        let when = ExcelDateTime::parse_from_str("2026-12-05T10:30:00").unwrap();
        sheet.write_datetime_with_format(row, 7, &when, &date).unwrap();
        // Column I (owner) is left empty on every row.
    }
    book.add_worksheet().set_name("Other").unwrap().write_string(0, 0, "nothing").unwrap();
    let path = dir.join("inventory.xlsx");
    book.save(&path).unwrap();
    path
}

#[test]
fn a_workbook_is_read_as_the_user_sees_it_and_findings_name_its_cells() {
    let dir = tempfile::tempdir().unwrap();
    let book = workbook(dir.path());
    let out =
        smcplan(dir.path()).args(["validate", "inventory.xlsx", "--format", "json", "--now", NOW]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(u64, &str, &str, &str)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                d["code"].as_str().unwrap(),
                d["sheet"].as_str().unwrap(),
                d["cell"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (1, "Column.Spelling", "Servers", "E1"),
            (1, "Column.Unknown", "Servers", "I1"),
            (4, "SystemDiskSize.OutOfRange", "Servers", "F4")
        ]
    );
    assert_eq!(v["rows"], 3);
    // The human form names the sheet, the cell and the header, and says what was rewritten.
    let out = smcplan(dir.path()).args(["validate", "inventory.xlsx", "--now", NOW]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("--> inventory.xlsx:Servers!F4 (SystemDiskSize)"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("note: inventory.xlsx: 3 cells of column ScheduledStartTime (first Servers!H2): dates, read as YYYY-MM-DDThh:mm:ssZ (UTC)"),
        "{stderr}"
    );
    // The values as the user sees them: whole numbers without .0, booleans, dates, the formula's result.
    let dir2 = tempfile::tempdir().unwrap();
    let e =
        smcplan::emulator::Running::start(smcplan::emulator::Config::local(smcplan::emulator::demo_account())).unwrap();
    let report = dir2.path().join("report");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smcplan"))
        .arg("submit")
        .arg(&book)
        .arg("--report")
        .arg(&report)
        .args(["--endpoint", &e.url(), "--skip-invalid", "--quiet", "--rate", "100"])
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", smcplan::emulator::DEFAULT_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", smcplan::emulator::DEFAULT_KEY_SECRET)
        .env("HOME", dir2.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let jobs = e.jobs();
    let web01 = jobs.iter().find(|j| j.name == "web-01").expect("the formula's value is the name");
    assert_eq!(web01.source_id, "s-bp1e2fsl57knvuug1001");
    let journal = std::fs::read_to_string(report.join("journal.jsonl")).unwrap();
    for sent in [
        "\"SystemDiskSize\":\"60\"",
        "\"RunOnce\":\"true\"",
        "\"ScheduledStartTime\":\"2026-12-05T10:30:00Z\"",
        "\"ImageName\":\"img-web-01\"",
    ] {
        assert!(journal.contains(sent), "{sent} in {journal}");
    }
    // failed.csv is CSV, with the workbook's header and values, and the row's sheet row.
    let failed = std::fs::read_to_string(report.join("failed.csv")).unwrap();
    assert_eq!(
        failed,
        format!(
            "RegionId,SourceId,Name,TargetType,image name,SystemDiskSize,RunOnce,ScheduledStartTime,owner\n\
             # line 4 of {}: SystemDiskSize.OutOfRange: must be 20..2048 GiB, got 19\n\
             cn-hangzhou,s-bp1e2fsl57knvuug1003,web-03,Image,img-web-03,19,true,2026-12-05T10:30:00Z,\n",
            book.display()
        )
    );
    let rows = smcplan::batch::report::read(&report).unwrap().rows;
    assert_eq!(
        rows.iter().map(|r| (r.id.line, r.file.ends_with("inventory.xlsx"))).collect::<Vec<_>>(),
        [(2, true), (3, true), (4, true)]
    );
}

#[test]
fn another_sheet_is_read_by_name_and_bad_workbooks_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    workbook(dir.path());
    let out = smcplan(dir.path()).args(["validate", "inventory.xlsx", "--sheet", "Other"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: inventory.xlsx:1: the header has no RegionId column (it is required)\n"
    );
    std::fs::write(dir.path().join("junk.xlsx"), b"this is not a zip").unwrap();
    // Compound files: an encrypted Office document holds the stream EncryptedPackage, a
    // legacy workbook the stream Workbook (their names in UTF-16).
    let compound = |stream: &str| {
        let mut bytes = vec![0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
        bytes.extend([0; 504]);
        bytes.extend(stream.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    };
    std::fs::write(dir.path().join("locked.xlsx"), compound("EncryptedPackage")).unwrap();
    std::fs::write(dir.path().join("locked.xls"), compound("EncryptedPackage")).unwrap();
    std::fs::write(dir.path().join("old.xlsx"), compound("Workbook")).unwrap();
    std::fs::copy(dir.path().join("inventory.xlsx"), dir.path().join("new.xls")).unwrap();
    let mut empty = Workbook::new();
    empty.add_worksheet().set_name("Blank").unwrap();
    empty.save(dir.path().join("empty.xlsx")).unwrap();
    std::fs::copy(dir.path().join("inventory.xlsx"), dir.path().join("saved-as.csv")).unwrap();
    for (args, want) in [
        (
            &["validate", "inventory.xlsx", "--sheet", "Nope"][..],
            "error: inventory.xlsx: the workbook has no sheet 'Nope' (it has: Servers, Other)",
        ),
        (&["validate", "junk.xlsx"], "error: junk.xlsx: not a workbook smcplan can read ("),
        (&["validate", "locked.xlsx"], "error: locked.xlsx: the workbook is password-protected (encrypted)"),
        (&["validate", "locked.xls"], "error: locked.xls: the workbook is password-protected (encrypted)"),
        (
            &["validate", "old.xlsx"],
            "error: old.xlsx: this is an Excel 97-2003 workbook (.xls) named .xlsx: rename it to .xls",
        ),
        (&["validate", "new.xls"], "error: new.xls: this is an Excel 2007+ workbook (.xlsx) named .xls: rename it"),
        (&["validate", "empty.xlsx"], "error: empty.xlsx: sheet 'Blank' is empty (expected a header row)"),
        (&["validate", "saved-as.csv"], "error: saved-as.csv: this is an Excel workbook (.xlsx) under another name"),
        (
            &["validate", "saved-as.csv", "--sheet", "Servers"],
            "error: saved-as.csv: --sheet names a sheet of a workbook (.xlsx)",
        ),
    ] {
        let out = smcplan(dir.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with(want) && err.lines().count() == 1, "{args:?}: {err}");
    }
}

#[test]
fn semicolon_and_tab_csv_and_headers_in_another_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let semi = "regionid;Source Id;Name;TargetType;ImageName;SystemDiskSize;notes\n\
                cn-hangzhou;s-bp1e2fsl57knvuug1001;web-01;Image;img-web-01;60;\"Web; front, EU\"\n";
    std::fs::write(dir.path().join("semi.csv"), semi).unwrap();
    std::fs::write(dir.path().join("tab.tsv"), semi.replace(';', "\t").replace("\"Web\t front, EU\"", "WebFront"))
        .unwrap();
    for (file, delimiter) in [("semi.csv", "semicolons (;)"), ("tab.tsv", "tabs")] {
        let out = smcplan(dir.path()).args(["validate", file, "--now", NOW]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{file}: {}", String::from_utf8_lossy(&out.stdout));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.matches("note: ").count(), 1, "{stderr}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("1 row, 1 valid, 0 errors, 3 warnings"));
        assert!(stderr.contains(&format!("note: {file}: fields are separated by {delimiter}")), "{stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("column 'regionid' is read as RegionId"), "{stdout}");
        assert!(stdout.contains("column 'Source Id' is read as SourceId"), "{stdout}");
    }
    // Under --strict the other spelling is an error.
    let out = smcplan(dir.path()).args(["validate", "semi.csv", "--strict", "--now", NOW]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_spreadsheets_habits_are_not_errors_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let text = "RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize,,\n\
                cn-hangzhou,s-bp1e2fsl57knvuug1001,web-01,Image,img-web-01,60,,\n\
                ,,,,,,,\n\
                cn-hangzhou,s-bp1e2fsl57knvuug1002,web-02,Image,img-web-02,60,,,,\n";
    std::fs::write(dir.path().join("excel.csv"), text).unwrap();
    let out = smcplan(dir.path()).args(["validate", "excel.csv", "--format", "json", "--now", NOW]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["rows"].as_u64(), v["errors"].as_u64(), v["warnings"].as_u64()), (Some(2), Some(0), Some(0)));
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend("RegionId,SourceId\n".encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(dir.path().join("unicode.csv"), utf16).unwrap();
    let out = smcplan(dir.path()).args(["validate", "unicode.csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: unicode.csv: this is UTF-16 text"));
}

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples")
}

#[test]
fn init_drafts_an_inventory_that_validates_and_joins_the_cmdb() {
    let dir = tempfile::tempdir().unwrap();
    let account = samples().join("account.json");
    let cmdb = samples().join("cmdb.csv");
    let draft = dir.path().join("draft.csv");
    let out = smcplan(dir.path())
        .arg("init")
        .arg("--account")
        .arg(&account)
        .args(["--region", "cn-hangzhou", "--join"])
        .arg(&cmdb)
        .args(["--on", "hostname", "--out"])
        .arg(&draft)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for said in [
        "cmdb.csv: fields are separated by semicolons (;)",
        "cmdb.csv:2: 'DB01.corp.example': matched s-bp1e2fsl57knvuug0001 (db01)",
        "cmdb.csv:4: 'db03': matched s-bp1e2fsl57knvuug0003 (db03)",
        "cmdb.csv:5: 'web01': ambiguous: matches s-bp1e2fsl57knvuug0004, s-bp1e2fsl57knvuug0007; none is guessed",
        "cmdb.csv:9: 'retired01.corp.example': not found",
        "s-bp1e2fsl57knvuug0006 (web03): no row of",
        "init: 142 rows drafted, 2 servers without a row (see the # lines); join on hostname: 6 matched, 1 not found, 1 ambiguous, 134 servers unmatched; written to",
    ] {
        assert!(stderr.contains(said), "{said}\n{stderr}");
    }
    assert!(!stderr.contains("s-bp1e2fsl57knvuug0004 (web01): no row of"), "the ambiguous row says it: {stderr}");
    let text = std::fs::read_to_string(&draft).unwrap();
    assert!(
        text.contains("\n# s-bp1e2fsl57knvuug0022 (legacy02): no row: InUse by job j-bp17bclvg344jlyt0001 (Running)\n")
    );
    let erp02 = text.lines().find(|l| l.contains(",erp02,")).unwrap();
    assert!(
        erp02.starts_with("cn-hangzhou,s-bp1e2fsl57knvuug3002,erp02,Image,img-erp02,100,1,300,2,300,3,300,4,300,"),
        "{erp02}"
    );
    assert!(
        erp02.contains(",vsw-bp1ddbrxdlrcbim460001,,2,ecs.g6.2xlarge,") && erp02.ends_with(",team-erp,ERP,2,"),
        "{erp02}"
    );
    // The draft validates clean against the same account (the CMDB's own columns are warnings).
    let out = smcplan(dir.path())
        .arg("validate")
        .arg(&draft)
        .arg("--account")
        .arg(&account)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["rows"].as_u64(), v["errors"].as_u64()), (Some(142), Some(0)));
    // An existing file is not overwritten without --force.
    let again = smcplan(dir.path())
        .arg("init")
        .arg("--account")
        .arg(&account)
        .args(["--region", "cn-hangzhou", "--out"])
        .arg(&draft)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists: --force overwrites it"));
    let forced = smcplan(dir.path())
        .arg("init")
        .arg("--account")
        .arg(&account)
        .args(["--region", "cn-hangzhou", "--force", "--out"])
        .arg(&draft)
        .output()
        .unwrap();
    assert_eq!(forced.status.code(), Some(0));
    assert!(!std::fs::read_to_string(&draft).unwrap().contains("team-erp"));
}

#[test]
fn init_refuses_bad_input_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let account = samples().join("account.json");
    std::fs::write(dir.path().join("nokey.csv"), "owner;team\nx;y\n").unwrap();
    for (args, want) in [
        (vec!["--region", "Hangzhou"], "error: --region 'Hangzhou' is not a region id"),
        (
            vec!["--region", "cn-hangzhou", "--join", "nokey.csv", "--on", "ip"],
            "error: nokey.csv: no ip column to join on",
        ),
        (vec!["--region", "cn-hangzhou", "--join", "missing.csv", "--on", "ip"], "error: missing.csv: cannot read"),
    ] {
        let out = smcplan(dir.path()).arg("init").arg("--account").arg(&account).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.lines().last().unwrap().starts_with(want)
                && err.lines().filter(|l| l.starts_with("error")).count() == 1,
            "{args:?}: {err}"
        );
    }
}

#[test]
fn template_offers_the_data_disks_an_account_needs() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        smcplan(dir.path()).arg("template").arg("--account").arg(samples().join("account.json")).output().unwrap();
    let header = String::from_utf8(out.stdout).unwrap().lines().next().unwrap().to_string();
    assert!(header.contains("DataDisk.4.Index,DataDisk.4.Size") && !header.contains("DataDisk.5."), "{header}");
}

#[test]
fn the_bundled_workbook_validates_like_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let run = |file: &str| {
        let out = smcplan(dir.path())
            .arg("validate")
            .arg(samples().join(file))
            .arg("--account")
            .arg(samples().join("account.json"))
            .args(["--format", "json", "--now", NOW])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), v["rows"].clone(), v["valid"].clone(), v["errors"].clone(), v["warnings"].clone())
    };
    assert_eq!(run("inventory.xlsx"), run("inventory.csv"));
}
