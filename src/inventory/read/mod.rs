//! Reading the CSV file: the header, pieces of whole lines, records, and every way the input can be unusable.

pub use super::parse::MAX_RECORD_BYTES;
use super::parse::Step;
pub use super::parse::{BadRow, Parsed, Parser};
use super::record::Records;
use super::schema::Schema;
use super::sheet::SharedTold;
use std::fs::File;
use std::io::Read;
use std::path::Path;

pub use super::error::InputError;
pub(crate) use super::sniff::{delimiter_note, delimiter_of, not_csv_text};

/// A piece holds about this many bytes, cut after its last newline (the first also holds
/// what reading the header read ahead, up to 64 KiB). Small enough that a piece, its records
/// and their findings stay near a core from the worker that checks them to the batch stage
/// that says them (against 32 KiB, pieces of 256 KiB took a tenth more time on a file with a
/// finding on every row and twice the memory on a wide export; against 64 KiB, 128 KiB with
/// 4 alive at once took 2 to 16% more); large enough that handing pieces from thread to
/// thread costs little (32 KiB with 8 alive took 3 to 11% more time, 8 KiB more again).
const PIECE_BYTES: usize = 1 << 16;

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
    /// For a workbook read as CSV: the spreadsheet row of each CSV line read so far, and
    /// what else the sheet told.
    sheet_told: Option<SharedTold>,
    /// Watches the bytes as they are read, when asked (see [`Reader::tap`]).
    tap: Option<SharedTap>,
    /// Why a workbook's sheet cannot be read past the bytes read so far, once its input said so.
    refused: Option<String>,
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
        let streamed = super::sheet::stream(path, sheet)?;
        let told = streamed.input.told();
        let others = sheet.is_none() && streamed.sheets.len() > 1;
        let sheets = streamed.sheets;
        let on_the_sheet = |mut e: InputError| {
            e.line = e.line.map(|l| super::sheet::told(&told).rows.get(l as usize).copied().unwrap_or(l));
            // A header without the inventory's columns: perhaps another sheet holds them.
            if others && e.message.starts_with("the header has no") {
                let shown = super::sheet::told(&told).sheet.as_ref().map(|s| s.name.clone()).unwrap_or_default();
                let all = sheets.join(", ");
                e.message =
                    format!("{} (sheet '{shown}'; the workbook's sheets are {all}: name one with --sheet)", e.message);
            }
            e
        };
        let mut reader = Reader::unopened(&shown, Box::new(streamed.input), None);
        reader.sheet_told = Some(std::sync::Arc::clone(&told));
        // The CSV made from a sheet is separated by commas whatever its cells hold.
        if let Err(e) = reader.open_header(Some(b',')) {
            return Err(match reader.read_for_refusal() {
                Some(message) => InputError::new(&shown, None, message),
                None => on_the_sheet(e),
            });
        }
        reader.schema.sheet = super::sheet::told(&told).sheet.clone();
        Ok(reader)
    }

    /// For a workbook: what its sheet told so far (the spreadsheet row of each line of the CSV
    /// it is read as, the sheet, and at its end the notes).
    pub fn sheet_told(&self) -> Option<&SharedTold> {
        self.sheet_told.as_ref()
    }

    /// The notes of [`Reader::notes`], and [`Reader::sheet_notes`].
    pub fn notes_at_end(&self) -> Vec<String> {
        let mut notes = self.notes.clone();
        notes.extend(self.sheet_notes());
        notes
    }

    /// The notes a workbook's sheet told once it was read to its end (none before).
    pub fn sheet_notes(&self) -> Vec<String> {
        let told = self.sheet_told.as_ref().map(super::sheet::told);
        told.map_or_else(Vec::new, |t| t.notes.iter().map(|n| format!("{}: {n}", self.path)).collect())
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
        let mut reader = Reader::unopened(path, input, tap);
        reader.open_header(delimiter)?;
        Ok(reader)
    }

    /// A reader of `input` whose header is not read yet.
    fn unopened(path: &str, input: Box<dyn Read + Send>, tap: Option<SharedTap>) -> Reader {
        Reader {
            path: path.to_string(),
            input,
            schema: Schema::empty(),
            len: None,
            carry: Vec::new(),
            eof: false,
            first_line: 1,
            piece_bytes: PIECE_BYTES,
            notes: Vec::new(),
            sheet_told: None,
            tap,
            refused: None,
        }
    }

    /// Reads the header, separated by `delimiter` or by the one it shows, into the schema.
    fn open_header(&mut self, delimiter: Option<u8>) -> Result<(), InputError> {
        let (names, line, delimiter) = self.header(delimiter)?;
        self.schema = Schema::parse(names).map_err(|e| InputError::new(&self.path, Some(line), e.to_string()))?;
        self.schema.delimiter = delimiter;
        self.notes.extend(delimiter_note(&self.path, delimiter));
        Ok(())
    }

    /// For a workbook: why its sheet cannot be read, if it cannot, past what was read so far
    /// (the rest of it read to learn it): an error in the rows above the cell at fault gives
    /// way to it.
    pub fn read_for_refusal(&mut self) -> Option<String> {
        self.sheet_told.as_ref()?;
        if let Some(message) = &self.refused {
            return Some(message.clone());
        }
        std::io::copy(&mut self.input, &mut std::io::sink()).err().and_then(|e| super::sheet::refused(&e))
    }

    /// What reading the file decided that the user should hear of, once each (the delimiter of
    /// a file not separated by commas); a workbook's rewritten cells are [`Reader::sheet_notes`].
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
        if let Err(e) = self.input.by_ref().take(max as u64).read_to_end(buf) {
            match super::sheet::refused(&e) {
                // A sheet's records before the cell at fault are whole: they are handed out
                // first, then the refusal (see `next_piece`).
                Some(message) => {
                    self.refused = Some(message);
                    self.eof = true;
                }
                None => return Err(InputError::new(&self.path, None, format!("cannot read: {e}"))),
            }
        }
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
            return match &self.refused {
                Some(message) => Err(InputError::new(&self.path, None, message.clone())),
                None => Ok(false),
            };
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

#[cfg(test)]
mod tests;
