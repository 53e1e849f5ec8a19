//! A sheet's CSV as a byte stream for the inventory reader: the blocks the thread that writes
//! them hands over, and what comes with them (the spreadsheet row of each line, the sheet, the
//! notes), kept where the check reads it.

use super::place::Sheet;
use super::rows::Written;
use std::io::{self, Read};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// What the writer of a sheet hands over.
pub enum Handed {
    Written(Written),
    /// The sheet cannot be read past the records handed over before: why, in the user's words.
    Failed(String),
}

/// What the blocks read so far told: the spreadsheet row of each CSV line (index 0 unused),
/// the sheet, and, once the sheet is over, the notes on what was rewritten.
#[derive(Debug)]
pub struct Told {
    pub rows: Vec<u64>,
    pub sheet: Option<Sheet>,
    pub notes: Vec<String>,
}

impl Told {
    fn new() -> Told {
        Told { rows: vec![0], sheet: None, notes: Vec::new() }
    }
}

/// [`Told`], shared by the reader that appends to it and the check that reads it.
pub type SharedTold = Arc<Mutex<Told>>;

/// Locks what was told (a panic elsewhere leaves it readable: it is only ever appended to).
pub fn told(shared: &SharedTold) -> std::sync::MutexGuard<'_, Told> {
    shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The reading's own words for why the sheet cannot be read, carried through [`io::Error`].
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

/// Why the sheet cannot be read, when `e` is its input's refusal (and not an I/O error).
pub fn refused(e: &io::Error) -> Option<String> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<Refused>()).map(|Refused(message)| message.clone())
}

/// The CSV of a sheet, read as its writer hands it over.
pub struct SheetInput {
    handed: Option<Receiver<Handed>>,
    block: Vec<u8>,
    at: usize,
    told: SharedTold,
    ended: bool,
    failed: Option<String>,
    /// The thread that writes the sheet, waited for when the input is dropped.
    writer: Option<JoinHandle<()>>,
}

impl SheetInput {
    /// Reads what `handed` brings, written by `writer` (none: it was all written already).
    pub fn new(handed: Receiver<Handed>, writer: Option<JoinHandle<()>>) -> SheetInput {
        let told = Arc::new(Mutex::new(Told::new()));
        SheetInput { handed: Some(handed), block: Vec::new(), at: 0, told, ended: false, failed: None, writer }
    }

    /// What the blocks read so far told.
    pub fn told(&self) -> SharedTold {
        Arc::clone(&self.told)
    }

    /// Takes the next block, or learns that the sheet is over or cannot be read.
    fn next_block(&mut self) -> io::Result<()> {
        if let Some(message) = &self.failed {
            return Err(io::Error::other(Refused(message.clone())));
        }
        let handed = self.handed.as_ref().and_then(|rx| rx.recv().ok());
        match handed {
            Some(Handed::Written(Written::Lines { csv, rows, sheet })) => {
                let mut told = told(&self.told);
                told.rows.extend(rows);
                if sheet.is_some() {
                    told.sheet = sheet;
                }
                (self.block, self.at) = (csv, 0);
            }
            Some(Handed::Written(Written::End { notes })) => {
                told(&self.told).notes = notes;
                self.ended = true;
            }
            Some(Handed::Failed(message)) => self.failed = Some(message),
            None => self.failed = Some("internal error: the workbook's reader stopped".to_string()),
        }
        Ok(())
    }
}

impl Read for SheetInput {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.block.len() {
            if self.ended {
                return Ok(0);
            }
            self.next_block()?;
        }
        let n = buf.len().min(self.block.len() - self.at);
        buf[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A reader that stops early stops the writer: its next hand-over finds no one, and it ends.
impl Drop for SheetInput {
    fn drop(&mut self) {
        drop(self.handed.take());
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// An input that hands over `csv` in blocks of whole lines of about 4 KiB, then refuses
/// with `message` (for the reader's tests).
#[cfg(test)]
pub fn refusing_after(csv: &str, message: &str) -> SheetInput {
    let (tx, rx) = std::sync::mpsc::channel();
    let mut rest = csv;
    while !rest.is_empty() {
        let cut = rest[..rest.len().min(4096)].rfind('\n').map_or(rest.len(), |i| i + 1);
        let (block, after) = rest.split_at(cut);
        let rows = vec![0; block.matches('\n').count()];
        tx.send(Handed::Written(Written::Lines { csv: block.as_bytes().to_vec(), rows, sheet: None })).unwrap();
        rest = after;
    }
    tx.send(Handed::Failed(message.to_string())).unwrap();
    SheetInput::new(rx, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn lines(csv: &str, rows: &[u64], sheet: Option<&str>) -> Handed {
        let sheet = sheet.map(|name| Sheet { name: name.to_string(), first_column: 2 });
        Handed::Written(Written::Lines { csv: csv.as_bytes().to_vec(), rows: rows.to_vec(), sheet })
    }

    #[test]
    fn blocks_read_as_one_stream_and_tell_their_rows_and_notes() {
        let (tx, rx) = mpsc::channel();
        tx.send(lines("a,b\n", &[2], Some("S"))).unwrap();
        tx.send(lines("c,\"d\ne\"\nf,g\n", &[3, 3, 5], None)).unwrap();
        tx.send(Handed::Written(Written::End { notes: vec!["1 cell of column b".into()] })).unwrap();
        let mut input = SheetInput::new(rx, None);
        let mut text = String::new();
        // A small buffer reads across the blocks' ends.
        let mut buf = [0u8; 3];
        loop {
            let n = input.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            text.push_str(std::str::from_utf8(&buf[..n]).unwrap());
        }
        assert_eq!(text, "a,b\nc,\"d\ne\"\nf,g\n");
        let shared = input.told();
        let told = told(&shared);
        assert_eq!(told.rows, [0, 2, 3, 3, 5]);
        assert_eq!(told.sheet, Some(Sheet { name: "S".into(), first_column: 2 }));
        assert_eq!(told.notes, ["1 cell of column b"]);
    }

    #[test]
    fn a_refusal_comes_after_the_records_before_it_in_its_own_words() {
        let (tx, rx) = mpsc::channel();
        tx.send(lines("a,b\n", &[1], Some("S"))).unwrap();
        tx.send(Handed::Failed("sheet 'S' holds row 3 after row 9".into())).unwrap();
        let mut input = SheetInput::new(rx, None);
        let mut got = Vec::new();
        let e = input.read_to_end(&mut got).unwrap_err();
        assert_eq!(got, b"a,b\n");
        assert_eq!(refused(&e).as_deref(), Some("sheet 'S' holds row 3 after row 9"));
        let again = input.read(&mut [0u8; 8]).unwrap_err();
        assert_eq!(
            refused(&again).as_deref(),
            Some("sheet 'S' holds row 3 after row 9"),
            "said again when asked again"
        );
        assert_eq!(refused(&io::Error::other("disk gone")), None, "an I/O error is not a refusal");
    }

    #[test]
    fn a_writer_gone_without_an_end_is_an_error() {
        let (tx, rx) = mpsc::channel();
        tx.send(lines("a,b\n", &[1], Some("S"))).unwrap();
        drop(tx);
        let e = SheetInput::new(rx, None).read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(refused(&e).as_deref(), Some("internal error: the workbook's reader stopped"));
    }

    #[test]
    fn a_reader_that_stops_stops_the_writer_and_waits_for_it() {
        let (tx, rx) = mpsc::sync_channel(1);
        let ended = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let told_ended = Arc::clone(&ended);
        // A writer of a sheet without end: it stops only when the reader has gone.
        let writer = std::thread::spawn(move || {
            while tx.send(lines("a,b\n", &[1], None)).is_ok() {}
            told_ended.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        let mut input = SheetInput::new(rx, Some(writer));
        input.read_exact(&mut [0u8; 10]).unwrap();
        drop(input);
        assert!(ended.load(std::sync::atomic::Ordering::SeqCst), "the writer ended before the input was gone");
    }
}
