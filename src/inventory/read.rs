//! Reading the CSV file: header, records in chunks, and every way the input can be unusable.

use super::schema::Schema;
use csv::{ByteRecord, StringRecord};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Input that cannot be checked at all (exit code 2).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct InputError {
    pub path: String,
    pub line: Option<u64>,
    pub message: String,
}

impl InputError {
    pub fn new(path: &str, line: Option<u64>, message: impl Into<String>) -> InputError {
        InputError { path: path.to_string(), line, message: message.into() }
    }
}

/// Largest record accepted, in bytes; the API's longest value is 2048 characters.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// An open inventory: its parsed header and the records still to read.
pub struct Reader {
    path: String,
    csv: csv::Reader<Box<dyn Read + Send>>,
    schema: Schema,
    rows_read: u64,
    /// The length of the input when its last byte is not a newline.
    unterminated_end: Option<u64>,
    /// The length of the input, when known.
    len: Option<u64>,
}

impl Reader {
    /// Opens `path` and parses its header.
    pub fn open(path: &Path) -> Result<Reader, InputError> {
        let shown = path.display().to_string();
        let cannot = |e: std::io::Error| InputError::new(&shown, None, format!("cannot read: {e}"));
        let mut file = File::open(path).map_err(|e| InputError::new(&shown, None, format!("cannot open: {e}")))?;
        let len = file.metadata().map_err(cannot)?.len();
        let mut last = [b'\n'];
        if len > 0 {
            file.seek(SeekFrom::Start(len - 1)).map_err(cannot)?;
            file.read_exact(&mut last).map_err(cannot)?;
            file.seek(SeekFrom::Start(0)).map_err(cannot)?;
        }
        let unterminated_end = (last[0] != b'\n').then_some(len);
        let mut reader = Reader::from_reader(&shown, Box::new(file), unterminated_end)?;
        reader.len = Some(len);
        Ok(reader)
    }

    /// Reads an inventory from any byte stream; `path` names it in errors, and
    /// `unterminated_end` is the stream's length if its last byte is not a newline.
    pub fn from_reader(
        path: &str,
        input: Box<dyn Read + Send>,
        unterminated_end: Option<u64>,
    ) -> Result<Reader, InputError> {
        // Records end at LF only, so that line counting is exact; a CR before it stays
        // at the end of the last field, and `field` drops it.
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .comment(Some(b'#'))
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(1 << 20)
            .from_reader(input);
        let mut reader =
            Reader { path: path.to_string(), csv, schema: Schema::empty(), rows_read: 0, unterminated_end, len: None };
        let mut header = ByteRecord::new();
        if !reader.next_record(&mut header)? {
            return Err(InputError::new(path, None, "the file is empty (expected a header row)"));
        }
        let header = decode(path, header)?;
        let line = record_line_of(&header);
        let mut names: Vec<String> = (0..header.len()).map(|i| field(&header, i).to_string()).collect();
        if let Some(first) = names.first_mut()
            && let Some(rest) = first.strip_prefix('\u{feff}')
        {
            *first = rest.to_string();
        }
        reader.schema = Schema::parse(names).map_err(|e| InputError::new(path, Some(line), e.to_string()))?;
        Ok(reader)
    }

    /// Reads the next record, skipping blank lines; its position's line is provisional
    /// until [`decode`] subtracts the newlines inside its fields.
    fn next_record(&mut self, rec: &mut ByteRecord) -> Result<bool, InputError> {
        loop {
            if !self.csv.read_byte_record(rec).map_err(|e| csv_error(&self.path, e))? {
                return Ok(false);
            }
            let end = self.csv.position();
            let newline_consumed = self.unterminated_end != Some(end.byte());
            let mut pos = csv::Position::new();
            pos.set_byte(rec.position().map_or(0, |p| p.byte()));
            pos.set_line(end.line() - u64::from(newline_consumed));
            rec.set_position(Some(pos));
            if !(rec.len() == 1 && (rec[0].is_empty() || &rec[0] == b"\r")) {
                return Ok(true);
            }
        }
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

    /// Fills `chunk` with up to `max` records, reusing its buffers; returns how many it read
    /// (0 at the end of the file).
    pub fn fill(&mut self, chunk: &mut Vec<ByteRecord>, max: usize) -> Result<usize, InputError> {
        let mut n = 0;
        while n < max {
            if chunk.len() == n {
                chunk.push(ByteRecord::new());
            }
            let rec = &mut chunk[n];
            if !self.next_record(rec)? {
                break;
            }
            self.check_record(rec)?;
            n += 1;
        }
        chunk.truncate(n);
        self.rows_read += n as u64;
        if n == 0 && self.rows_read == 0 {
            return Err(InputError::new(&self.path, None, "the file has a header but no rows"));
        }
        Ok(n)
    }

    fn check_record(&self, rec: &ByteRecord) -> Result<(), InputError> {
        let size = rec.as_slice().len();
        let width = self.schema.names.len();
        let problem = if size > MAX_RECORD_BYTES {
            format!("the row holds {size} bytes; at most {MAX_RECORD_BYTES} are accepted (is this an inventory?)")
        } else if rec.len() != width {
            format!("the row has {} fields but the header has {width}", rec.len())
        } else {
            return Ok(());
        };
        Err(InputError::new(&self.path, Some(start_line(rec)), problem))
    }
}

/// The physical line a record read by [`Reader`] starts on.
fn start_line(rec: &ByteRecord) -> u64 {
    let end = rec.position().map_or(0, |p| p.line());
    match memchr::memchr(b'\n', rec.as_slice()) {
        None => end,
        Some(_) => end - memchr::memchr_iter(b'\n', rec.as_slice()).count() as u64,
    }
}

/// The physical line a decoded record starts on (1 = the header).
pub fn record_line_of(rec: &StringRecord) -> u64 {
    rec.position().map_or(0, |p| p.line())
}

/// Field `i` of a record, without the CR of a CRLF line end.
pub fn field(rec: &StringRecord, i: usize) -> &str {
    let text = rec.get(i).unwrap_or_default();
    if i + 1 == rec.len() { text.strip_suffix('\r').unwrap_or(text) } else { text }
}

/// Turns a record into text, refusing bytes that are not UTF-8 or are binary, and
/// settles its position on the physical line where it starts.
pub fn decode(path: &str, mut rec: ByteRecord) -> Result<StringRecord, InputError> {
    // One scan finds both rare bytes: a newline inside a field, a NUL.
    let rare = memchr::memchr2(b'\n', 0, rec.as_slice()).is_some();
    let line = if rare { start_line(&rec) } else { rec.position().map_or(0, |p| p.line()) };
    if let Some(p) = rec.position().filter(|p| p.line() != line) {
        let mut p = p.clone();
        p.set_line(line);
        rec.set_position(Some(p));
    }
    if rare && memchr::memchr(0, rec.as_slice()).is_some() {
        return Err(InputError::new(
            path,
            Some(line),
            "the row holds a NUL byte: this looks like a binary file, not a CSV inventory",
        ));
    }
    StringRecord::from_byte_record(rec).map_err(|e| {
        let field = e.utf8_error().field() + 1;
        InputError::new(path, Some(line), format!("field {field} is not valid UTF-8 (save the file as UTF-8)"))
    })
}

fn csv_error(path: &str, e: csv::Error) -> InputError {
    let line = e.position().map(|p| p.line());
    let message = match e.into_kind() {
        csv::ErrorKind::Io(io) => format!("cannot read: {io}"),
        other => format!("{other:?}"),
    };
    InputError::new(path, line, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(text: &[u8]) -> Result<Reader, InputError> {
        let unterminated = (text.last() != Some(&b'\n')).then_some(text.len() as u64);
        Reader::from_reader("inv.csv", Box::new(std::io::Cursor::new(text.to_vec())), unterminated)
    }

    fn read_all(text: &[u8]) -> Result<Vec<StringRecord>, InputError> {
        let mut r = open(text)?;
        let mut chunk = Vec::new();
        let mut out = Vec::new();
        while r.fill(&mut chunk, 2)? > 0 {
            for rec in chunk.drain(..) {
                out.push(decode("inv.csv", rec)?);
            }
        }
        Ok(out)
    }

    #[test]
    fn bom_crlf_quotes_and_newlines() {
        let text =
            "\u{feff}RegionId,SourceId,Description\r\ncn-hangzhou,s-a,\"a, \"\"b\"\"\nc\"\r\ncn-hangzhou,s-b,x\r\n";
        let r = open(text.as_bytes()).unwrap();
        assert_eq!(r.schema().names, vec!["RegionId", "SourceId", "Description"]);
        let rows = read_all(text.as_bytes()).unwrap();
        assert_eq!(field(&rows[0], 2), "a, \"b\"\nc");
        assert_eq!(field(&rows[1], 2), "x");
        assert_eq!(record_line_of(&rows[0]), 2);
        assert_eq!(record_line_of(&rows[1]), 4, "lines are physical lines");
    }

    #[test]
    fn line_numbers_survive_blank_lines_comments_and_no_final_newline() {
        for (text, want) in [
            ("h,i\na,1\n#c\nb,2\n\nc,3\n", vec![2, 4, 6]),
            ("h,i\r\na,1\r\n\r\n#c\r\n\"b\r\nx\",2\r\nc,3", vec![2, 5, 7]),
            ("#top\nh,i\n\"a\n\n\",1\nb,2", vec![3, 6]),
        ] {
            let text = text.replace("h,i", "RegionId,SourceId");
            let rows = read_all(text.as_bytes()).unwrap();
            let lines: Vec<u64> = rows.iter().map(record_line_of).collect();
            assert_eq!(lines, want, "{text:?}");
        }
    }

    #[test]
    fn unusable_inputs_name_file_and_line() {
        let cases: Vec<(&[u8], &str)> = vec![
            (b"", "inv.csv: the file is empty (expected a header row)"),
            (b"RegionId,SourceId\n", "inv.csv: the file has a header but no rows"),
            (b"RegionId,Name\nx,y\n", "inv.csv:1: the header has no SourceId column (it is required)"),
            (b"RegionId,SourceId\na,b\nc\n", "inv.csv:3: the row has 1 fields but the header has 2"),
            (b"RegionId,SourceId\na,\xff\xfe\n", "inv.csv:2: field 2 is not valid UTF-8 (save the file as UTF-8)"),
            (
                b"RegionId,SourceId\na,b\x00c\n",
                "inv.csv:2: the row holds a NUL byte: this looks like a binary file, not a CSV inventory",
            ),
            (b"Region\xffId,SourceId\na,b\n", "inv.csv:1: field 1 is not valid UTF-8 (save the file as UTF-8)"),
        ];
        for (input, want) in cases {
            assert_eq!(read_all(input).unwrap_err().to_string(), want);
        }
    }

    #[test]
    fn huge_field_is_refused() {
        let mut text = b"RegionId,SourceId\ncn-hangzhou,".to_vec();
        text.extend(std::iter::repeat_n(b'a', 2 << 20));
        text.push(b'\n');
        let err = read_all(&text).unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("at most 1048576"), "{err}");
    }

    #[test]
    fn comment_lines_are_skipped() {
        let rows = read_all(b"RegionId,SourceId\n# an example\ncn-hangzhou,s-a\n").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].position().unwrap().line(), 3);
    }
}
