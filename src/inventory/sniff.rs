//! What the first bytes of a file say before it is parsed: whether it is CSV text at all
//! (not UTF-16, not a workbook under another name, not lines ended by CR alone), and the
//! field separator its header line shows.

/// What a file that is not CSV text is, said so that the user knows how to fix it.
pub fn not_csv_text(start: &[u8]) -> Option<String> {
    let save = "in Excel, File > Save As > CSV UTF-8 (Comma delimited) (*.csv)";
    if start.starts_with(&[0xff, 0xfe]) || start.starts_with(&[0xfe, 0xff]) {
        return Some(format!(
            "this is UTF-16 text (Excel's \"Unicode Text\"), not UTF-8: save it again as CSV UTF-8 ({save})"
        ));
    }
    if start.starts_with(b"PK\x03\x04") {
        return Some(format!(
            "this is an Excel workbook (.xlsx) under another name: name it .xlsx to read it as a workbook, or save it as CSV UTF-8 ({save})"
        ));
    }
    if start.starts_with(&[0xd0, 0xcf, 0x11, 0xe0]) {
        return Some(format!(
            "this is an Excel 97-2003 workbook (.xls) or a password-protected one, not CSV text: save it as .xlsx without a password, or as CSV UTF-8 ({save})"
        ));
    }
    // Lines ended by CR alone (Excel for Mac's "CSV (Macintosh)"): no LF in sight.
    if !start.contains(&b'\n') && start.iter().filter(|b| **b == b'\r').count() > 1 {
        return Some(format!(
            "its lines end with CR alone (\"CSV (Macintosh)\"), which smcplan does not read: save it again as CSV UTF-8 ({save})"
        ));
    }
    None
}

/// The note that says a file is not separated by commas, if it is not.
pub fn delimiter_note(path: &str, delimiter: u8) -> Option<String> {
    let name = match delimiter {
        b';' => "semicolons (;)",
        b'\t' => "tabs",
        _ => return None,
    };
    Some(format!("{path}: fields are separated by {name}, as the header line shows"))
}

/// The field separator the header line shows: `;` or tab when it holds more of them than
/// commas (outside quotes), else `,`. Blank and comment lines before it are passed over.
pub fn delimiter_of(start: &[u8]) -> u8 {
    let line = start
        .split(|&b| b == b'\n')
        .find(|l| {
            let l = l.strip_prefix("\u{feff}".as_bytes()).unwrap_or(l);
            !l.iter().all(|b| b.is_ascii_whitespace()) && !l.starts_with(b"#")
        })
        .unwrap_or_default();
    let (mut quoted, mut counts) = (false, [0usize; 3]);
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    match counts {
        [c, s, t] if s > c && s >= t => b';',
        [c, _, t] if t > c => b'\t',
        _ => b',',
    }
}
