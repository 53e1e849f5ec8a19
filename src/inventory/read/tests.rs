//! The reader: pieces, line numbers, every unusable input, a spreadsheet's habits.

use super::*;

fn open(text: &[u8]) -> Result<Reader, InputError> {
    Reader::from_reader("inv.csv", Box::new(std::io::Cursor::new(text.to_vec())))
}

/// Every row as (line, fields), read through the whole check in pieces of about `piece_bytes`.
fn read_all(text: &[u8], piece_bytes: usize) -> Result<Vec<(u64, Vec<String>)>, InputError> {
    let reader = open(text)?.with_piece_bytes(piece_bytes);
    let opts = crate::check::Options {
        strict: false,
        now: jiff::Timestamp::UNIX_EPOCH,
        account: None,
        quota: None,
        retain: false,
        sheet: None,
        tap: false,
    };
    let mut rows = Vec::new();
    crate::check::run_reader(reader, &opts, |row, _| {
        rows.push((row.line, row.fields().map(str::to_string).collect()))
    })?;
    Ok(rows)
}

/// The same records whatever the piece size.
fn read(text: &[u8]) -> Result<Vec<(u64, Vec<String>)>, InputError> {
    let whole = read_all(text, 1 << 20);
    for piece_bytes in [1, 2, 3, 5, 8, 13] {
        assert_eq!(read_all(text, piece_bytes), whole, "pieces of {piece_bytes}: {:?}", String::from_utf8_lossy(text));
    }
    whole
}

#[test]
fn bom_crlf_quotes_and_newlines() {
    let text = "\u{feff}RegionId,SourceId,Description\r\ncn-hangzhou,s-a,\"a, \"\"b\"\"\nc\"\r\ncn-hangzhou,s-b,x\r\n";
    let r = open(text.as_bytes()).unwrap();
    assert_eq!(r.schema().names, vec!["RegionId", "SourceId", "Description"]);
    let rows = read(text.as_bytes()).unwrap();
    assert_eq!(rows[0].1[2], "a, \"b\"\nc");
    assert_eq!(rows[1].1[2], "x");
    assert_eq!(rows[0].0, 2);
    assert_eq!(rows[1].0, 4, "lines are physical lines");
}

#[test]
fn line_numbers_survive_blank_lines_comments_and_no_final_newline() {
    for (text, want) in [
        ("h,i\na,1\n#c\nb,2\n\nc,3\n", vec![2, 4, 6]),
        ("h,i\r\na,1\r\n\r\n#c\r\n\"b\r\nx\",2\r\nc,3", vec![2, 5, 7]),
        ("#top\nh,i\n\"a\n\n\",1\nb,2", vec![3, 6]),
        ("h,i\n\"a\n#not a comment\n\n\",1\n#\"c\n\"b\",2\n\"op\nen\",3", vec![2, 7, 8]),
    ] {
        let text = text.replace("h,i", "RegionId,SourceId");
        let rows = read(text.as_bytes());
        let lines: Vec<u64> = rows.iter().flatten().map(|r| r.0).collect();
        assert_eq!(lines, want, "{text:?}: {rows:?}");
    }
}

#[test]
fn unusable_inputs_name_file_and_line() {
    let cases: Vec<(&[u8], &str)> = vec![
        (b"", "inv.csv: the file is empty (expected a header row)"),
        (b"\n\r\n", "inv.csv: the file is empty (expected a header row)"),
        (b"RegionId,Name\nx,y\n", "inv.csv:1: the header has no SourceId column (it is required)"),
        (b"RegionId,SourceId\na,b\nc\n", "inv.csv:3: the row has 1 fields but the header has 2"),
        (
            b"RegionId,SourceId\na,\xff\xfe\n",
            "inv.csv:2: column SourceId (field 2) is not valid UTF-8 (save the file as UTF-8)",
        ),
        (
            b"RegionId,SourceId\na,b\x00c\n",
            "inv.csv:2: the row holds a NUL byte: this looks like a binary file, not a CSV inventory",
        ),
        (b"Region\xffId,SourceId\na,b\n", "inv.csv:1: field 1 is not valid UTF-8 (save the file as UTF-8)"),
        // The first bad row in file order wins, whatever is wrong with it.
        (b"RegionId,SourceId\na,\xff\nb\n", "inv.csv:2: column SourceId (field 2) is not valid UTF-8"),
        (
            b"\xff\xfeR\x00e\x00",
            "inv.csv: this is UTF-16 text (Excel's \"Unicode Text\"), not UTF-8: save it again as CSV UTF-8",
        ),
        (b"PK\x03\x04\x14\x00", "inv.csv: this is an Excel workbook (.xlsx) under another name"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1", "inv.csv: this is an Excel 97-2003 workbook (.xls) or a password-protected one"),
        (b"RegionId,SourceId\na,b\nb\nc,\xff\n", "inv.csv:3: the row has 1 fields but the header has 2"),
        // A short row of invalid text is refused for its shape, on its own line.
        (b"RegionId,SourceId\n\xff\n", "inv.csv:2: the row has 1 fields but the header has 2"),
        (b"RegionId,SourceId\nx,y\n\xff\n", "inv.csv:3: the row has 1 fields but the header has 2"),
        (b"RegionId,SourceId\nx,y\n\xff,\xfe,z\n", "inv.csv:3: the row has 3 fields but the header has 2"),
    ];
    for (input, want) in cases {
        let got = read(input).unwrap_err().to_string();
        assert!(got.starts_with(want), "{input:?}: {got}");
    }
}

#[test]
fn huge_field_is_refused() {
    for quoted in [true, false] {
        let mut text = b"RegionId,SourceId\ncn-hangzhou,s-1\ncn-hangzhou,".to_vec();
        text.extend(if quoted { &b"\"a\nb"[..] } else { b"ab" });
        text.extend(std::iter::repeat_n(b'a', 3 << 20));
        text.extend(if quoted { &b"\"\n"[..] } else { b"\n" });
        let err = read_all(&text, 1 << 20).unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert!(err.message.contains("longer than 1048576 bytes"), "{err}");
    }
}

#[test]
fn a_bom_is_kept_wherever_a_piece_starts() {
    let text = "RegionId,SourceId\n\u{feff}cn-hangzhou,s-a\n\u{feff}cn-hangzhou,s-b";
    for rows in [read_all(text.as_bytes(), 1 << 20).unwrap(), read_all(text.as_bytes(), 1).unwrap()] {
        assert!(rows.iter().all(|r| r.1[0] == "\u{feff}cn-hangzhou"), "{rows:?}");
    }
}

#[test]
fn semicolons_and_tabs_are_read_from_the_header_line() {
    for (text, delimiter) in [
        ("RegionId;SourceId;Description\ncn-hangzhou;s-a;\"a; b, c\"\n", b';'),
        ("# note, with, commas\nRegionId\tSourceId\tDescription\ncn-hangzhou\ts-a\t\"a; b, c\"\n", b'\t'),
        ("RegionId,SourceId,Description\ncn-hangzhou,s-a,\"a; b, c\"\n", b','),
    ] {
        let r = open(text.as_bytes()).unwrap();
        assert_eq!(r.schema().delimiter, delimiter, "{text:?}");
        assert_eq!(r.notes().len(), usize::from(delimiter != b','));
        let rows = read(text.as_bytes()).unwrap();
        assert_eq!(rows[0].1, ["cn-hangzhou", "s-a", "a; b, c"], "{text:?}");
    }
    assert_eq!(
        open(b"RegionId;SourceId\na;b\n").unwrap().notes(),
        ["inv.csv: fields are separated by semicolons (;), as the header line shows"]
    );
}

#[test]
fn a_spreadsheets_habits_are_not_errors() {
    // Empty header cells at the end, and empty cells under them or past them; a cleared row.
    let text = "RegionId,SourceId,Name,,\ncn-hangzhou,s-a,web,,\n,,,,\ncn-hangzhou,s-b,db,,,,\n\"\",,\n";
    let rows = read(text.as_bytes()).unwrap();
    assert_eq!(open(text.as_bytes()).unwrap().schema().names, ["RegionId", "SourceId", "Name"]);
    assert_eq!(
        rows,
        vec![
            (2, vec!["cn-hangzhou".into(), "s-a".into(), "web".into()]),
            (4, vec!["cn-hangzhou".into(), "s-b".into(), "db".into()])
        ]
    );
    // A field past the header that holds something is still an error.
    let err = read(b"RegionId,SourceId\na,b,,x\n").unwrap_err().to_string();
    assert_eq!(err, "inv.csv:2: the row has 4 fields but the header has 2");
}

#[test]
fn comment_lines_are_skipped() {
    let rows = read(b"RegionId,SourceId\n# an example\ncn-hangzhou,s-a\n").unwrap();
    assert_eq!(rows, vec![(3, vec!["cn-hangzhou".to_string(), "s-a".to_string()])]);
}

#[test]
fn lines_ended_by_cr_alone_are_explained() {
    let said = not_csv_text(b"RegionId,SourceId\rcn-hangzhou,s-1\rcn-hangzhou,s-2\r").unwrap();
    assert!(said.starts_with("its lines end with CR alone"), "{said}");
    assert_eq!(not_csv_text(b"RegionId,SourceId\r\ncn-hangzhou,s-1\r\n"), None);
}

/// An input that refuses (a workbook's sheet at fault far down) after records of more than a
/// piece: every record before the refusal is checked, then the refusal is the error, in its
/// own words.
#[test]
fn every_record_before_a_refusal_is_checked() {
    let mut csv = String::from("RegionId,SourceId\n");
    (0..10_000).for_each(|i| csv.push_str(&format!("cn-hangzhou,s-{i}\n")));
    let input = crate::inventory::sheet::refusing_after(&csv, "sheet 'S' holds row 3 after row 10002");
    let reader = Reader::from_reader("inv.xlsx", Box::new(input)).unwrap();
    let opts = crate::check::Options {
        strict: false,
        now: jiff::Timestamp::UNIX_EPOCH,
        account: None,
        quota: Some(100_000),
        retain: false,
        sheet: None,
        tap: false,
    };
    let mut lines = Vec::new();
    let e = crate::check::run_reader(reader, &opts, |row, _| lines.push(row.line)).err().unwrap();
    assert_eq!(e, InputError::new("inv.xlsx", None, "sheet 'S' holds row 3 after row 10002"));
    let every = lines.iter().copied().eq(2..=10_001);
    assert!(every, "every record, the last piece's too: {} of 10,000, the last {:?}", lines.len(), lines.last());
}
