//! Reading the CSV file: the header, pieces of whole lines, records, and every way the input can be unusable.

use super::quick;
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

/// A piece holds about this many bytes, cut after its last newline.
const PIECE_BYTES: usize = 1 << 18;

/// The parser settings every piece is read with. Records end at LF only, so that line
/// counting is exact; a CR before it is dropped from the last field.
fn csv_core() -> csv_core::Reader {
    csv_core::ReaderBuilder::new().comment(Some(b'#')).terminator(csv_core::Terminator::Any(b'\n')).build()
}

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
}

/// A run of whole lines of the file, for one worker to parse.
#[derive(Debug, Default)]
pub struct Piece {
    pub bytes: Vec<u8>,
    /// The file ends with this piece.
    pub last: bool,
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
        let mut reader = Reader {
            path: path.to_string(),
            input,
            schema: Schema::empty(),
            len: None,
            carry: Vec::new(),
            eof: false,
            first_line: 1,
            piece_bytes: PIECE_BYTES,
        };
        let (names, line) = reader.header()?;
        reader.schema = Schema::parse(names).map_err(|e| InputError::new(path, Some(line), e.to_string()))?;
        Ok(reader)
    }

    /// Cuts pieces after about `bytes` bytes instead of the default (tests use tiny pieces).
    pub fn with_piece_bytes(mut self, bytes: usize) -> Reader {
        self.piece_bytes = bytes.max(1);
        self
    }

    /// Reads and parses the first record; returns its names and line.
    fn header(&mut self) -> Result<(Vec<String>, u64), InputError> {
        let mut parser = Parser::core_only();
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
        Ok((names, header.line(0)))
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

/// A record that cannot be accepted: the line it starts on (counted from the start of
/// the parsed bytes, 1 for the first) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    pub message: String,
}

/// What parsing a piece found besides its records.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Newlines in the bytes: the next piece starts that many lines later.
    pub newlines: u64,
    /// The bytes end inside a record (or a comment) that the next piece completes: the
    /// offset and line where it starts.
    pub open: Option<(usize, u64)>,
    /// The first record that cannot be accepted; parsing stopped there.
    pub bad: Option<BadRow>,
}

/// Parses CSV bytes that start at a record boundary, a record at a time.
pub struct Parser {
    core: csv_core::Reader,
    /// csv-core's field ends for the record it is reading, relative to the record's start.
    ends: Vec<usize>,
    /// Read plain records on the quick path (see [`quick::record`]).
    quick: bool,
    /// csv-core has not read since it was reset, and must not take a BOM off the next record.
    keep_bom: bool,
}

/// What [`Parser::next`] reached.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Record,
    /// The bytes end inside the record that starts at this offset and line.
    Open {
        at: usize,
        line: u64,
    },
    End,
}

impl Default for Parser {
    fn default() -> Parser {
        Parser::new()
    }
}

impl Parser {
    pub fn new() -> Parser {
        Parser { core: csv_core(), ends: vec![0; 64], quick: true, keep_bom: false }
    }

    /// A parser that reads every record with csv-core: for the header, whose BOM csv-core
    /// takes off, and for tests that compare the quick path with it.
    fn core_only() -> Parser {
        Parser { quick: false, ..Parser::new() }
    }

    fn reset(&mut self) {
        self.core.reset();
    }

    /// Parses every record of `bytes` into `out` (which keeps its width), lines counted
    /// from 1 at the first byte; `last`: the bytes end the file.
    pub fn parse(&mut self, bytes: &[u8], last: bool, out: &mut Records) -> Parsed {
        self.reset();
        // Only the file's first bytes may hold a byte order mark; csv-core would take one
        // off the start of every piece.
        self.keep_bom = true;
        let mut pos = 0;
        let mut parsed = Parsed::default();
        loop {
            match self.next(bytes, &mut pos, last, out) {
                Ok(Step::Record) => {}
                Ok(Step::End) => break,
                Ok(Step::Open { at, line }) => {
                    parsed.open = Some((at, line));
                    break;
                }
                Err(bad) => {
                    parsed.newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
                    parsed.bad = Some(bad);
                    return parsed;
                }
            }
        }
        parsed.newlines = self.core.line() - 1;
        parsed
    }

    /// Parses the next record of `input[*pos..]` into `out`, skipping blank lines.
    fn next(&mut self, input: &[u8], pos: &mut usize, eof: bool, out: &mut Records) -> Result<Step, BadRow> {
        loop {
            let (start, used, line_before, mark) = (*pos, out.used, self.core.line(), out.bounds.len());
            let Some((fields, terminated)) = self.fields(input, pos, eof, out)? else {
                // Nothing but blank or comment lines before the end of the bytes is a clean end.
                let idle = out.used == used && (*pos == start || input[*pos - 1] == b'\n');
                out.used = used;
                return Ok(if idle || eof { Step::End } else { Step::Open { at: start, line: line_before } });
            };
            let interior = self.core.line() - line_before - u64::from(terminated);
            let line = if interior == 0 {
                line_before
            } else {
                let newlines = memchr::memchr_iter(b'\n', &out.bytes[used..out.used]).count() as u64;
                self.core.line() - u64::from(terminated) - newlines
            };
            // The record's start and field ends are `out.bounds[mark..]`.
            let last = out.bounds.len() - 1;
            let end = out.bounds[last] as usize;
            if end > used && out.bytes[end - 1] == b'\r' {
                out.bounds[last] -= 1;
            }
            if fields == 0 || (fields == 1 && out.bounds[last] as usize == used) {
                out.bounds.truncate(mark);
                continue;
            }
            if out.width == 0 {
                out.width = fields;
            } else if fields != out.width {
                // The row is refused: its bytes leave the chunk, so that decoding the
                // records before it never looks at them.
                out.bounds.truncate(mark);
                out.used = used;
                let message = format!("the row has {fields} fields but the header has {}", out.width);
                return Err(BadRow { line, message });
            }
            out.lines.push(line);
            return Ok(Step::Record);
        }
    }

    /// Copies one record's fields into `out` and pushes its start and field ends onto
    /// `out.bounds`; returns their count and whether a newline ended the record, or `None`
    /// (pushing nothing) when the bytes end first (or hold no more records).
    fn fields(
        &mut self,
        input: &[u8],
        pos: &mut usize,
        eof: bool,
        out: &mut Records,
    ) -> Result<Option<(usize, bool)>, BadRow> {
        if self.quick
            && let Some(quick) = quick::record(input, pos, out)
        {
            self.core.set_line(self.core.line() + quick.newlines);
            return Ok(Some((quick.fields, true)));
        }
        let start = out.used;
        let mut nends = 0;
        loop {
            let rest = &input[*pos..];
            if rest.is_empty() && !eof {
                return Ok(None);
            }
            make_room(&mut out.bytes, out.used);
            // csv-core takes a BOM off only when its first read holds all three bytes.
            let feed = if std::mem::take(&mut self.keep_bom) { &rest[..rest.len().min(1)] } else { rest };
            let (res, nin, nout, nend) =
                self.core.read_record(feed, &mut out.bytes[out.used..], &mut self.ends[nends..]);
            *pos += nin;
            out.used += nout;
            nends += nend;
            if out.used - start > MAX_RECORD_BYTES {
                let newlines = memchr::memchr_iter(b'\n', &out.bytes[start..out.used]).count() as u64;
                let ended = res == ReadRecordResult::Record && !rest.is_empty();
                let line = self.core.line() - newlines - u64::from(ended);
                let message = format!(
                    "the row is longer than {MAX_RECORD_BYTES} bytes, the most a row may hold (is this an inventory?)"
                );
                out.used = start;
                return Err(BadRow { line, message });
            }
            match res {
                ReadRecordResult::InputEmpty | ReadRecordResult::OutputFull => {}
                ReadRecordResult::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                ReadRecordResult::Record => {
                    out.bounds.push(start as u32);
                    out.bounds.extend(self.ends[..nends].iter().map(|&e| (start + e) as u32));
                    return Ok(Some((nends, !rest.is_empty())));
                }
                ReadRecordResult::End => return Ok(None),
            }
        }
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
            (b"RegionId,SourceId\na,\xff\xfe\n", "inv.csv:2: field 2 is not valid UTF-8 (save the file as UTF-8)"),
            (
                b"RegionId,SourceId\na,b\x00c\n",
                "inv.csv:2: the row holds a NUL byte: this looks like a binary file, not a CSV inventory",
            ),
            (b"Region\xffId,SourceId\na,b\n", "inv.csv:1: field 1 is not valid UTF-8 (save the file as UTF-8)"),
            // The first bad row in file order wins, whatever is wrong with it.
            (b"RegionId,SourceId\na,\xff\nb\n", "inv.csv:2: field 2 is not valid UTF-8"),
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

    /// Everything a parse produced, to compare two parsers by.
    fn parse_with(mut parser: Parser, bytes: &[u8], last: bool) -> String {
        let mut out = Records::default();
        out.clear(0);
        let parsed = parser.parse(bytes, last, &mut out);
        let text = String::from_utf8_lossy(&out.bytes[..out.used]).into_owned();
        format!("{parsed:?} {text:?} {:?} {:?} {}", out.bounds, out.lines, parser.core.line())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2048, ..Default::default() })]

        /// The quick path reads exactly what csv-core reads, byte for byte and line for line.
        #[test]
        fn quick_path_reads_as_csv_core(
            tokens in proptest::collection::vec(proptest::sample::select(vec![
                "a", "bc", ",", ",", "\"", "\"\"", "\n", "\n", "\r", "\r\n", "#", "\u{feff}", "\u{ff}",
            ]), 0..40),
            last: bool,
        ) {
            let bytes = tokens.concat().into_bytes();
            let quick = parse_with(Parser::new(), &bytes, last);
            proptest::prop_assert_eq!(quick, parse_with(Parser::core_only(), &bytes, last));
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
    fn comment_lines_are_skipped() {
        let rows = read(b"RegionId,SourceId\n# an example\ncn-hangzhou,s-a\n").unwrap();
        assert_eq!(rows, vec![(3, vec!["cn-hangzhou".to_string(), "s-a".to_string()])]);
    }
}
