//! Parsing CSV bytes into records: csv-core for every shape of record, the quick path for
//! the common ones, exact line numbers either way.

use super::quick;
use super::record::Records;
use csv_core::ReadRecordResult;

pub use super::record::MAX_RECORD_BYTES;

/// The parser settings every piece is read with. Records end at LF only, so that line
/// counting is exact; a CR before it is dropped from the last field.
fn csv_core(delimiter: u8) -> csv_core::Reader {
    csv_core::ReaderBuilder::new()
        .delimiter(delimiter)
        .comment(Some(b'#'))
        .terminator(csv_core::Terminator::Any(b'\n'))
        .build()
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
    pub(super) core: csv_core::Reader,
    /// csv-core's field ends for the record it is reading, relative to the record's start.
    ends: Vec<usize>,
    /// Read plain records on the quick path (see [`quick::record`]).
    quick: bool,
    /// csv-core has not read since it was reset, and must not take a BOM off the next record.
    keep_bom: bool,
    /// The field separator.
    pub(super) delimiter: u8,
}

/// What [`Parser::next`] reached.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Step {
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
        Parser::with_delimiter(b',')
    }

    /// A parser of fields separated by `delimiter` (`,`, `;` or tab).
    pub fn with_delimiter(delimiter: u8) -> Parser {
        Parser { core: csv_core(delimiter), ends: vec![0; 64], quick: true, keep_bom: false, delimiter }
    }

    /// The field separator it reads.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// A parser that reads every record with csv-core, of fields separated by `delimiter`:
    /// for the header, whose BOM csv-core takes off, and for tests that compare the quick
    /// path with it.
    pub(super) fn core_only_with(delimiter: u8) -> Parser {
        Parser { quick: false, ..Parser::with_delimiter(delimiter) }
    }

    pub(super) fn reset(&mut self) {
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
    pub(super) fn next(&mut self, input: &[u8], pos: &mut usize, eof: bool, out: &mut Records) -> Result<Step, BadRow> {
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
            // A CR before the newline is dropped from the last field. When that field is empty
            // (`a\r,\n`), the CR is the field before's, and the last field ends before it starts:
            // it reads as empty, and stays a field past the header's width (the row keeps the
            // outcome it has always had; `Record::any_filled` takes no proof from such bounds).
            let last = out.bounds.len() - 1;
            let end = out.bounds[last] as usize;
            if end > used && out.bytes[end - 1] == b'\r' {
                out.bounds[last] -= 1;
            }
            // A blank line, or a row whose cells are all empty (`,,,,` as a spreadsheet writes
            // a cleared row), is skipped.
            if fields == 0 || out.bounds[mark..].iter().all(|&b| b as usize == used) {
                out.bounds.truncate(mark);
                continue;
            }
            let mut fields = fields;
            // Empty fields past the header's last column (a spreadsheet's habit) are not there.
            if out.width > 0 && fields > out.width {
                let width_end = out.bounds[mark + out.width];
                if out.bounds[mark + out.width..].iter().all(|&b| b == width_end) {
                    out.bounds.truncate(mark + out.width + 1);
                    fields = out.width;
                }
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
            && let Some(quick) = quick::record(input, pos, out, self.delimiter)
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

    /// Everything a parse produced, to compare two parsers by.
    fn parse_with(mut parser: Parser, bytes: &[u8], last: bool) -> String {
        let mut out = Records::default();
        out.clear(0);
        let parsed = parser.parse(bytes, last, &mut out);
        let text = String::from_utf8_lossy(&out.bytes[..out.used]).into_owned();
        format!("{parsed:?} {text:?} {:?} {:?} {}", out.bounds, out.lines, parser.core.line())
    }

    /// A CR before an empty last field is the field before's: the row has the outcome it has
    /// always had (a non-empty field past the header's width is refused).
    #[test]
    fn a_cr_before_an_empty_last_field_keeps_the_row_as_it_was() {
        let mut out = Records::default();
        out.clear(2);
        let parsed = Parser::new().parse(b"cn,s\r,\n", true, &mut out);
        assert_eq!(parsed.bad.map(|b| b.message).as_deref(), Some("the row has 3 fields but the header has 2"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2048, ..Default::default() })]

        /// The quick path reads exactly what csv-core reads, byte for byte and line for line,
        /// in files separated by commas, semicolons or tabs.
        #[test]
        fn quick_path_reads_as_csv_core(
            tokens in proptest::collection::vec(proptest::sample::select(vec![
                "a", "bc", ",", ",", ";", "\t", "\"", "\"\"", "\n", "\n", "\r", "\r\n", "#", "\u{feff}", "\u{ff}",
                // Runs of empty fields, across the quick path's blocks of 64 bytes.
                ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,", ";;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;", "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t",
            ]), 0..40),
            last: bool,
            delimiter in proptest::sample::select(vec![b',', b';', b'\t']),
        ) {
            let bytes = tokens.concat().into_bytes();
            let quick = parse_with(Parser::with_delimiter(delimiter), &bytes, last);
            proptest::prop_assert_eq!(quick, parse_with(Parser::core_only_with(delimiter), &bytes, last));
        }
    }
}
