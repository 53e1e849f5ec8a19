//! Reading the CSV file: header, records in chunks, and every way the input can be unusable.

use super::record::Records;
use super::schema::Schema;
use csv_core::ReadRecordResult;
use std::fs::File;
use std::io::Read;
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

/// A chunk stops taking records past this many bytes of fields, so that its offsets fit in 32 bits.
const MAX_CHUNK_BYTES: usize = 8 << 20;

/// Bytes read from the input at a time.
const READ_SIZE: usize = 1 << 20;

/// An open inventory: its parsed header and the records still to read.
pub struct Reader {
    path: String,
    input: Box<dyn Read + Send>,
    buf: Vec<u8>,
    /// `buf[pos..filled]` is read but not yet parsed.
    pos: usize,
    filled: usize,
    eof: bool,
    /// Bytes of the input parsed so far.
    consumed: u64,
    core: csv_core::Reader,
    /// Field ends of the record being read, relative to its start.
    ends: Vec<usize>,
    schema: Schema,
    rows_read: u64,
    /// The length of the input, when known.
    len: Option<u64>,
    /// An error met after the first records of a chunk, for the next call.
    pending: Option<InputError>,
}

impl Reader {
    /// Opens `path` and parses its header.
    pub fn open(path: &Path) -> Result<Reader, InputError> {
        let shown = path.display().to_string();
        let file = File::open(path).map_err(|e| InputError::new(&shown, None, format!("cannot open: {e}")))?;
        let len = file.metadata().map_err(|e| InputError::new(&shown, None, format!("cannot read: {e}")))?.len();
        let mut reader = Reader::from_reader(&shown, Box::new(file))?;
        reader.len = Some(len);
        Ok(reader)
    }

    /// Reads an inventory from any byte stream; `path` names it in errors.
    pub fn from_reader(path: &str, input: Box<dyn Read + Send>) -> Result<Reader, InputError> {
        // Records end at LF only, so that line counting is exact; a CR before it is
        // dropped from the last field.
        let core =
            csv_core::ReaderBuilder::new().comment(Some(b'#')).terminator(csv_core::Terminator::Any(b'\n')).build();
        let mut reader = Reader {
            path: path.to_string(),
            input,
            buf: vec![0; READ_SIZE],
            pos: 0,
            filled: 0,
            eof: false,
            consumed: 0,
            core,
            ends: vec![0; 64],
            schema: Schema::empty(),
            rows_read: 0,
            len: None,
            pending: None,
        };
        let mut header = Records::default();
        header.clear(0);
        if !reader.next_record(&mut header)? {
            return Err(InputError::new(path, None, "the file is empty (expected a header row)"));
        }
        header.decode().map_err(|e| InputError::new(path, Some(1), e.message))?;
        let line = header.line(0);
        let mut names: Vec<String> = header.get(0).iter().map(str::to_string).collect();
        if let Some(first) = names.first_mut()
            && let Some(rest) = first.strip_prefix('\u{feff}')
        {
            *first = rest.to_string();
        }
        reader.schema = Schema::parse(names).map_err(|e| InputError::new(path, Some(line), e.to_string()))?;
        Ok(reader)
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

    /// Empties `chunk` and fills it with up to `max` records; returns how many it read
    /// (0 at the end of the file). An unusable record after the first of a chunk ends
    /// the chunk before it and is returned by the next call.
    pub fn fill(&mut self, chunk: &mut Records, max: usize) -> Result<usize, InputError> {
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        chunk.clear(self.schema.names.len());
        while chunk.len() < max && chunk.used < MAX_CHUNK_BYTES {
            match self.next_record(chunk) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) if chunk.is_empty() => return Err(e),
                Err(e) => {
                    self.pending = Some(e);
                    break;
                }
            }
        }
        chunk.end = self.consumed;
        self.rows_read += chunk.len() as u64;
        if chunk.is_empty() && self.rows_read == 0 {
            return Err(InputError::new(&self.path, None, "the file has a header but no rows"));
        }
        Ok(chunk.len())
    }

    /// Reads the next record into `out`, skipping blank lines; `false` at the end of the input.
    fn next_record(&mut self, out: &mut Records) -> Result<bool, InputError> {
        loop {
            let start = out.used;
            let line_before = self.core.line();
            let Some((fields, terminated)) = self.parse_one(out, start)? else {
                out.used = start;
                return Ok(false);
            };
            let interior = self.core.line() - line_before - u64::from(terminated);
            let line = if interior == 0 {
                line_before
            } else {
                let newlines = memchr::memchr_iter(b'\n', &out.bytes[start..out.used]).count() as u64;
                self.core.line() - u64::from(terminated) - newlines
            };
            if fields == 0 {
                continue;
            }
            let mut end = start + self.ends[fields - 1];
            if end > start && out.bytes[end - 1] == b'\r' {
                end -= 1;
            }
            if fields == 1 && end == start {
                continue;
            }
            if out.width == 0 {
                out.width = fields;
            } else if fields != out.width {
                let message = format!("the row has {fields} fields but the header has {}", out.width);
                return Err(InputError::new(&self.path, Some(line), message));
            }
            out.bounds.push(start as u32);
            out.bounds.extend(self.ends[..fields - 1].iter().map(|&e| (start + e) as u32));
            out.bounds.push(end as u32);
            out.lines.push(line);
            return Ok(true);
        }
    }

    /// Parses one record's fields into `out` from byte `start`; returns its field count and
    /// whether a newline ended it, or `None` at the end of the input.
    fn parse_one(&mut self, out: &mut Records, start: usize) -> Result<Option<(usize, bool)>, InputError> {
        let mut nends = 0;
        loop {
            if self.pos == self.filled && !self.eof {
                self.refill()?;
            }
            make_room(&mut out.bytes, out.used);
            let input = &self.buf[self.pos..self.filled];
            let (res, nin, nout, nend) =
                self.core.read_record(input, &mut out.bytes[out.used..], &mut self.ends[nends..]);
            let terminated = !input.is_empty();
            self.pos += nin;
            self.consumed += nin as u64;
            out.used += nout;
            nends += nend;
            if out.used - start > MAX_RECORD_BYTES {
                let newlines = memchr::memchr_iter(b'\n', &out.bytes[start..out.used]).count() as u64;
                let line = self.core.line() - newlines - u64::from(res == ReadRecordResult::Record && terminated);
                let message = format!(
                    "the row is longer than {MAX_RECORD_BYTES} bytes, the most a row may hold (is this an inventory?)"
                );
                return Err(InputError::new(&self.path, Some(line), message));
            }
            match res {
                ReadRecordResult::InputEmpty | ReadRecordResult::OutputFull => {}
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record => return Ok(Some((nends, terminated))),
                ReadRecordResult::End => return Ok(None),
            }
        }
    }

    fn refill(&mut self) -> Result<(), InputError> {
        let n = loop {
            match self.input.read(&mut self.buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(InputError::new(&self.path, None, format!("cannot read: {e}"))),
            }
        };
        (self.pos, self.filled, self.eof) = (0, n, n == 0);
        Ok(())
    }
}

/// Keeps some zeroed room after `used` for the parser to write fields into.
/// What was written before stays: a recycled chunk zeroes only what it grows past its last fill.
fn make_room(bytes: &mut Vec<u8>, used: usize) {
    const ROOM: usize = 4096;
    if bytes.len() - used < ROOM {
        bytes.resize(used + 16 * ROOM, 0);
    }
}

/// Decodes a chunk, naming the file and line of its first bad record.
pub fn decode(path: &str, chunk: &mut Records) -> Result<(), InputError> {
    chunk.decode().map_err(|e| InputError::new(path, Some(chunk.line(e.record)), e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(text: &[u8]) -> Result<Reader, InputError> {
        Reader::from_reader("inv.csv", Box::new(std::io::Cursor::new(text.to_vec())))
    }

    /// Every record as (line, fields), read two at a time.
    fn read_all(text: &[u8]) -> Result<Vec<(u64, Vec<String>)>, InputError> {
        let mut r = open(text)?;
        let mut chunk = Records::default();
        let mut out = Vec::new();
        while r.fill(&mut chunk, 2)? > 0 {
            decode("inv.csv", &mut chunk)?;
            for i in 0..chunk.len() {
                out.push((chunk.line(i), chunk.get(i).iter().map(str::to_string).collect()));
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
        ] {
            let text = text.replace("h,i", "RegionId,SourceId");
            let rows = read_all(text.as_bytes()).unwrap();
            let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
            assert_eq!(lines, want, "{text:?}");
        }
    }

    #[test]
    fn records_cross_read_buffers_and_chunks() {
        let mut text = String::from("RegionId,SourceId\n");
        let long = "x".repeat(READ_SIZE / 3);
        for i in 0..7 {
            text.push_str(&format!("cn-hangzhou,\"s-{i}\n{long}\"\n"));
        }
        let rows = read_all(text.as_bytes()).unwrap();
        let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![2, 4, 6, 8, 10, 12, 14]);
        assert!(rows.iter().enumerate().all(|(i, r)| r.1[1] == format!("s-{i}\n{long}")));
    }

    #[test]
    fn unusable_inputs_name_file_and_line() {
        let cases: Vec<(&[u8], &str)> = vec![
            (b"", "inv.csv: the file is empty (expected a header row)"),
            (b"\n\r\n", "inv.csv: the file is empty (expected a header row)"),
            (b"RegionId,SourceId\n", "inv.csv: the file has a header but no rows"),
            (b"RegionId,Name\nx,y\n", "inv.csv:1: the header has no SourceId column (it is required)"),
            (b"RegionId,SourceId\na,b\nc\n", "inv.csv:3: the row has 1 fields but the header has 2"),
            (b"RegionId,SourceId\na,\xff\xfe\n", "inv.csv:2: field 2 is not valid UTF-8 (save the file as UTF-8)"),
            (
                b"RegionId,SourceId\na,b\x00c\n",
                "inv.csv:2: the row holds a NUL byte: this looks like a binary file, not a CSV inventory",
            ),
            (b"Region\xffId,SourceId\na,b\n", "inv.csv:1: field 1 is not valid UTF-8 (save the file as UTF-8)"),
            // The first bad row in file order wins, whatever is wrong with it.
            (b"RegionId,SourceId\na,\xff\nb\n", "inv.csv:2: field 2 is not valid UTF-8"),
            (b"RegionId,SourceId\na,b\nb\nc,\xff\n", "inv.csv:3: the row has 1 fields but the header has 2"),
        ];
        for (input, want) in cases {
            let got = read_all(input).unwrap_err().to_string();
            assert!(got.starts_with(want), "{input:?}: {got}");
        }
    }

    #[test]
    fn huge_field_is_refused() {
        let mut text = b"RegionId,SourceId\ncn-hangzhou,\"a\nb".to_vec();
        text.extend(std::iter::repeat_n(b'a', 2 << 20));
        text.extend(b"\"\n");
        let err = read_all(&text).unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("longer than 1048576 bytes"), "{err}");
    }

    #[test]
    fn comment_lines_are_skipped() {
        let rows = read_all(b"RegionId,SourceId\n# an example\ncn-hangzhou,s-a\n").unwrap();
        assert_eq!(rows, vec![(3, vec!["cn-hangzhou".to_string(), "s-a".to_string()])]);
    }
}
