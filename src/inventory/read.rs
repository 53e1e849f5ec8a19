//! Reading the CSV file: the header, pieces of whole lines, records, and every way the input can be unusable.

pub use super::parse::MAX_RECORD_BYTES;
use super::parse::Step;
pub use super::parse::{BadRow, Parsed, Parser};
use super::record::Records;
use super::schema::Schema;
use std::fs::File;
use std::io::Read;
use std::path::Path;

pub use super::error::InputError;

/// A piece holds about this many bytes, cut after its last newline.
const PIECE_BYTES: usize = 1 << 18;

/// An open inventory: its parsed header, then the rest of the file cut into pieces of
/// whole lines that the workers parse at once.
///
/// A piece starts on a line boundary, which is a record boundary unless a quoted field
/// holds a newline there; the batch stage finds those (the piece before ends inside a
/// record) and parses such a piece again from the record's start.
pub struct Reader {
    path: String,
    input: Box<dyn Read + Send>,
    schema: Schema,
    /// The length of the input, when known.
    len: Option<u64>,
    /// Bytes read but not handed out: the start of the next piece.
    carry: Vec<u8>,
    eof: bool,
    /// The line the first piece starts on.
    first_line: u64,
    piece_bytes: usize,
    notes: Vec<String>,
    /// For a workbook read as CSV: the spreadsheet row of each CSV line.
    sheet_rows: Option<std::sync::Arc<Vec<u64>>>,
    /// Watches the bytes as they are read, when asked (see [`Reader::tap`]).
    tap: Option<SharedTap>,
}

/// A tap the reader feeds and its opener reads once the input is used up.
pub type SharedTap = std::sync::Arc<std::sync::Mutex<super::tap::Tap>>;

/// A run of whole lines of the file, for one worker to parse.
#[derive(Debug, Default)]
pub struct Piece {
    pub bytes: Vec<u8>,
    /// The file ends with this piece.
    pub last: bool,
}

impl Reader {
    /// Opens `path` and parses its header: a workbook (`.xlsx`) by its sheet `sheet` or its
    /// first, any other file as CSV.
    pub fn open_with(path: &Path, sheet: Option<&str>) -> Result<Reader, InputError> {
        Reader::open_tapped(path, sheet, None)
    }

    /// Like [`Reader::open_with`], `tap` fed with the file's bytes (a workbook's, whole).
    pub fn open_tapped(path: &Path, sheet: Option<&str>, tap: Option<SharedTap>) -> Result<Reader, InputError> {
        let shown = path.display().to_string();
        if !super::sheet::is_workbook(path) {
            if sheet.is_some() {
                let message = "--sheet names a sheet of a workbook (.xlsx); this file is read as CSV";
                return Err(InputError::new(&shown, None, message));
            }
            return match tap {
                None => Reader::open(path),
                Some(tap) => {
                    let file =
                        File::open(path).map_err(|e| InputError::new(&shown, None, format!("cannot open: {e}")))?;
                    let len =
                        file.metadata().map_err(|e| InputError::new(&shown, None, format!("cannot read: {e}")))?;
                    let mut reader = Reader::from_reader_tapped(&shown, Box::new(file), None, Some(tap))?;
                    reader.len = Some(len.len());
                    Ok(reader)
                }
            };
        }
        if let Some(tap) = &tap {
            let bytes = std::fs::read(path).map_err(|e| InputError::new(&shown, None, format!("cannot read: {e}")))?;
            tap.lock().expect("tap lock").feed(&bytes);
        }
        let book = super::sheet::read(path, sheet)?;
        let rows = std::sync::Arc::new(book.rows);
        let (sheet_name, others) = (book.sheet.name.clone(), sheet.is_none() && book.sheets.len() > 1);
        let on_the_sheet = |mut e: InputError| {
            e.line = e.line.map(|l| rows.get(l as usize).copied().unwrap_or(l));
            // A header without the inventory's columns: perhaps another sheet holds them.
            if others && e.message.starts_with("the header has no") {
                let all = book.sheets.join(", ");
                e.message = format!(
                    "{} (sheet '{sheet_name}'; the workbook's sheets are {all}: name one with --sheet)",
                    e.message
                );
            }
            e
        };
        // The CSV made from a sheet is separated by commas whatever its cells hold.
        let csv = Box::new(std::io::Cursor::new(book.csv));
        let mut reader = Reader::from_reader_with(&shown, csv, Some(b',')).map_err(on_the_sheet)?;
        reader.schema.sheet = Some(book.sheet);
        reader.notes.extend(book.notes.into_iter().map(|n| format!("{shown}: {n}")));
        reader.sheet_rows = Some(rows);
        Ok(reader)
    }

    /// For a workbook: the spreadsheet row of each line of the CSV it was read as.
    pub fn sheet_rows(&self) -> Option<&std::sync::Arc<Vec<u64>>> {
        self.sheet_rows.as_ref()
    }

    /// Opens the CSV file `path` and parses its header.
    pub fn open(path: &Path) -> Result<Reader, InputError> {
        let shown = path.display().to_string();
        let file = File::open(path).map_err(|e| InputError::new(&shown, None, format!("cannot open: {e}")))?;
        let len = file.metadata().map_err(|e| InputError::new(&shown, None, format!("cannot read: {e}")))?.len();
        let mut reader = Reader::from_reader_tapped(&shown, Box::new(file), None, None)?;
        reader.len = Some(len);
        Ok(reader)
    }

    /// Reads an inventory from any byte stream; `path` names it in errors.
    pub fn from_reader(path: &str, input: Box<dyn Read + Send>) -> Result<Reader, InputError> {
        Reader::from_reader_with(path, input, None)
    }

    /// Like [`Reader::from_reader`], separated by `delimiter`, or by the one its header shows.
    fn from_reader_with(path: &str, input: Box<dyn Read + Send>, delimiter: Option<u8>) -> Result<Reader, InputError> {
        Reader::from_reader_tapped(path, input, delimiter, None)
    }

    fn from_reader_tapped(
        path: &str,
        input: Box<dyn Read + Send>,
        delimiter: Option<u8>,
        tap: Option<SharedTap>,
    ) -> Result<Reader, InputError> {
        let mut reader = Reader {
            path: path.to_string(),
            input,
            schema: Schema::empty(),
            len: None,
            carry: Vec::new(),
            eof: false,
            first_line: 1,
            piece_bytes: PIECE_BYTES,
            notes: Vec::new(),
            sheet_rows: None,
            tap,
        };
        let (names, line, delimiter) = reader.header(delimiter)?;
        reader.schema = Schema::parse(names).map_err(|e| InputError::new(path, Some(line), e.to_string()))?;
        reader.schema.delimiter = delimiter;
        reader.notes.extend(delimiter_note(path, delimiter));
        Ok(reader)
    }

    /// What reading the file changed or decided that the user should hear of, once each
    /// (the delimiter of a file not separated by commas, rewritten cells).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Cuts pieces after about `bytes` bytes instead of the default (tests use tiny pieces).
    pub fn with_piece_bytes(mut self, bytes: usize) -> Reader {
        self.piece_bytes = bytes.max(1);
        self
    }

    /// Reads and parses the first record; returns its names (without the empty cells a
    /// spreadsheet leaves at its end), its line and the field separator it shows.
    fn header(&mut self, delimiter: Option<u8>) -> Result<(Vec<String>, u64, u8), InputError> {
        self.read_more(64 << 10)?;
        if let Some(what) = not_csv_text(&self.carry) {
            return Err(InputError::new(&self.path, None, what));
        }
        let delimiter = delimiter.unwrap_or_else(|| delimiter_of(&self.carry));
        let mut parser = Parser::core_only_with(delimiter);
        let mut header = Records::default();
        loop {
            header.clear(0);
            parser.reset();
            let mut pos = 0;
            let step = parser.next(&self.carry, &mut pos, self.eof, &mut header);
            let step = step.map_err(|e| InputError::new(&self.path, Some(e.line), e.message))?;
            match step {
                Step::Record => {
                    self.first_line = parser.core.line();
                    self.carry.drain(..pos);
                    break;
                }
                Step::Open { .. } | Step::End if !self.eof => self.read_more(MAX_RECORD_BYTES)?,
                _ => return Err(InputError::new(&self.path, None, "the file is empty (expected a header row)")),
            }
        }
        header.decode().map_err(|e| InputError::new(&self.path, Some(header.line(0)), e.message))?;
        let mut names: Vec<String> = header.get(0).iter().map(str::to_string).collect();
        if let Some(first) = names.first_mut()
            && let Some(rest) = first.strip_prefix('\u{feff}')
        {
            *first = rest.to_string();
        }
        while names.len() > 1 && names.last().is_some_and(|n| n.trim().is_empty()) {
            names.pop();
        }
        Ok((names, header.line(0), delimiter))
    }

    /// Appends up to `max` more bytes of the input to the carry.
    fn read_more(&mut self, max: usize) -> Result<(), InputError> {
        let mut carry = std::mem::take(&mut self.carry);
        let read = self.read_into(&mut carry, max);
        self.carry = carry;
        read
    }

    /// Appends up to `max` more bytes of the input to `buf`, noting the end of the input.
    fn read_into(&mut self, buf: &mut Vec<u8>, max: usize) -> Result<(), InputError> {
        let before = buf.len();
        let read = self.input.by_ref().take(max as u64).read_to_end(buf);
        read.map_err(|e| InputError::new(&self.path, None, format!("cannot read: {e}")))?;
        if let Some(tap) = &self.tap {
            tap.lock().expect("tap lock").feed(&buf[before..]);
        }
        self.eof |= buf.len() - before < max;
        Ok(())
    }

    /// The header's schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The length of the input in bytes, when known.
    pub fn byte_len(&self) -> Option<u64> {
        self.len
    }

    /// The name the file is reported under.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The line the first piece starts on.
    pub fn first_line(&self) -> u64 {
        self.first_line
    }

    /// Fills `piece` with the next run of whole lines; `false` once the file is used up.
    pub fn next_piece(&mut self, piece: &mut Piece) -> Result<bool, InputError> {
        let want = self.piece_bytes;
        let bytes = &mut piece.bytes;
        bytes.clear();
        bytes.append(&mut self.carry);
        while !self.eof && bytes.len() < want {
            self.read_into(bytes, want - bytes.len())?;
        }
        if bytes.is_empty() {
            return Ok(false);
        }
        // Cut after the last newline, so that what is left for the next piece is less than
        // a line; a piece without one grows, up to a row too long to accept (which the
        // parser then refuses).
        let mut searched = 0;
        let cut = loop {
            if self.eof {
                break bytes.len();
            }
            if let Some(i) = memchr::memrchr(b'\n', &bytes[searched..]) {
                break searched + i + 1;
            }
            if bytes.len() > want + MAX_RECORD_BYTES {
                break bytes.len();
            }
            searched = bytes.len();
            self.read_into(bytes, want.min(64 << 10))?;
        };
        self.carry.extend_from_slice(&bytes[cut..]);
        bytes.truncate(cut);
        piece.last = self.eof && self.carry.is_empty();
        Ok(true)
    }
}

/// What a file that is not CSV text is, said so that the user knows how to fix it.
pub(crate) fn not_csv_text(start: &[u8]) -> Option<String> {
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
pub(crate) fn delimiter_note(path: &str, delimiter: u8) -> Option<String> {
    let name = match delimiter {
        b';' => "semicolons (;)",
        b'\t' => "tabs",
        _ => return None,
    };
    Some(format!("{path}: fields are separated by {name}, as the header line shows"))
}

/// The field separator the header line shows: `;` or tab when it holds more of them than
/// commas (outside quotes), else `,`. Blank and comment lines before it are passed over.
pub(crate) fn delimiter_of(start: &[u8]) -> u8 {
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

#[cfg(test)]
mod tests {
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
            assert_eq!(
                read_all(text, piece_bytes),
                whole,
                "pieces of {piece_bytes}: {:?}",
                String::from_utf8_lossy(text)
            );
        }
        whole
    }

    #[test]
    fn bom_crlf_quotes_and_newlines() {
        let text =
            "\u{feff}RegionId,SourceId,Description\r\ncn-hangzhou,s-a,\"a, \"\"b\"\"\nc\"\r\ncn-hangzhou,s-b,x\r\n";
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
            (
                b"\xd0\xcf\x11\xe0\xa1\xb1",
                "inv.csv: this is an Excel 97-2003 workbook (.xls) or a password-protected one",
            ),
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
}
