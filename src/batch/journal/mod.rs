//! The journal: `DIR/journal.jsonl`, append-only, each line fsynced; the single source of
//! truth for resume. A torn last line (a crash mid-write) is cut off, not rejected.

mod entry;
mod history;
pub mod record;
mod seen;

pub use entry::*;
pub use history::{History, Run, runs_of};
pub use seen::{JobResults, Seen, changes};

use crate::files::fault;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The open journal.
pub struct Journal {
    file: File,
    path: PathBuf,
}

impl Journal {
    /// Opens (or creates) `DIR/journal.jsonl` and reads what it holds, cutting a torn last line.
    pub fn open(dir: &Path) -> io::Result<(Journal, Vec<Entry>)> {
        let path = dir.join(FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| fault("opening", &path, e))?;
        regular_file(&file, &path)?;
        let mut text = Vec::new();
        file.read_to_end(&mut text).map_err(|e| fault("reading", &path, e))?;
        let (entries, good) = parse(&path, &text)?;
        if good < text.len() {
            let cut =
                file.set_len(good as u64).and_then(|()| file.seek(SeekFrom::End(0))).and_then(|_| file.sync_all());
            cut.map_err(|e| fault("cutting the torn last line of", &path, e))?;
        } else if !text.is_empty() && !text.ends_with(b"\n") {
            // A whole last entry whose newline was not written: end it, or the next entry would join it.
            let ended = file.write_all(b"\n").and_then(|()| file.sync_all());
            ended.map_err(|e| fault("ending the last line of", &path, e))?;
        }
        Ok((Journal { file, path }, entries))
    }

    /// Reads `DIR/journal.jsonl` without changing it (a dry run); no file is no entry.
    pub fn read(dir: &Path) -> io::Result<Vec<Entry>> {
        let path = dir.join(FILE);
        match File::open(&path) {
            Ok(mut file) => {
                regular_file(&file, &path)?;
                let mut text = Vec::new();
                file.read_to_end(&mut text).map_err(|e| fault("reading", &path, e))?;
                Ok(parse(&path, &text)?.0)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(fault("reading", &path, e)),
        }
    }

    /// Appends one entry and syncs it to disk before returning.
    pub fn append(&mut self, entry: &Entry) -> io::Result<()> {
        self.append_all(std::slice::from_ref(entry))
    }

    /// Appends `entries` with one write and one sync (the states one look saw go together).
    pub fn append_all(&mut self, entries: &[Entry]) -> io::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut lines = Vec::new();
        for e in entries {
            serde_json::to_writer(&mut lines, e).expect("entries serialise");
            lines.push(b'\n');
        }
        self.file.write_all(&lines).and_then(|()| self.file.sync_data()).map_err(|e| fault("writing", &self.path, e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The journal's file name in the report directory.
pub const FILE: &str = "journal.jsonl";

/// A journal is a regular file: a device or a FIFO under its name is refused before it is read.
fn regular_file(file: &File, path: &Path) -> io::Result<()> {
    let meta = file.metadata().map_err(|e| fault("reading", path, e))?;
    if meta.is_file() {
        return Ok(());
    }
    let message = format!("{} is not a regular file: a journal must be one", path.display());
    Err(io::Error::new(io::ErrorKind::InvalidInput, message))
}

/// The entries of a journal's text and the length of its whole lines; a torn last line is
/// left out, a bad line before it is an error.
fn parse(path: &Path, text: &[u8]) -> io::Result<(Vec<Entry>, usize)> {
    let mut entries = Vec::new();
    let mut good = 0;
    for (start, line) in lines(text) {
        match serde_json::from_slice::<Entry>(line) {
            Ok(e) => {
                entries.push(e);
                good = start + line.len() + 1;
            }
            Err(_) if start + line.len() >= text.len() => break,
            Err(e) => {
                let message = format!("{}: line {} is not a journal entry ({e})", path.display(), entries.len() + 1);
                return Err(io::Error::new(io::ErrorKind::InvalidData, message));
            }
        }
    }
    Ok((entries, good.min(text.len())))
}

/// `(start, line)` for each line; the last one may lack its newline.
fn lines(text: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
        let item = (start, &text[start..end]);
        start = end + 1;
        Some(item)
    })
    .filter(|(_, l)| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(line: u64) -> Entry {
        Entry::Outcome(Outcome {
            at: "2026-11-27T08:00:00Z".parse().unwrap(),
            ..Outcome::settled(line, "t", Some("j-1"))
        })
    }

    #[test]
    fn torn_last_line_is_cut_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut j, entries) = Journal::open(dir.path()).unwrap();
            assert!(entries.is_empty());
            j.append(&outcome(2)).unwrap();
            j.append(&outcome(3)).unwrap();
        }
        let path = dir.path().join("journal.jsonl");
        let mut text = std::fs::read(&path).unwrap();
        text.extend_from_slice(b"{\"event\":\"outcome\",\"line\":4,\"tok");
        std::fs::write(&path, &text).unwrap();
        let (mut j, entries) = Journal::open(dir.path()).unwrap();
        assert_eq!(entries, vec![outcome(2), outcome(3)]);
        j.append(&outcome(4)).unwrap();
        let (_, entries) = Journal::open(dir.path()).unwrap();
        assert_eq!(entries.len(), 3);
    }

    #[test]
    fn a_whole_last_entry_without_its_newline_is_ended_before_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let line = serde_json::to_string(&outcome(2)).unwrap();
        std::fs::write(dir.path().join(FILE), &line).unwrap();
        let (mut j, entries) = Journal::open(dir.path()).unwrap();
        assert_eq!(entries, vec![outcome(2)]);
        j.append(&outcome(3)).unwrap();
        assert_eq!(Journal::read(dir.path()).unwrap(), vec![outcome(2), outcome(3)]);
    }

    #[test]
    fn reading_changes_nothing_and_a_missing_journal_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Journal::read(dir.path()).unwrap().is_empty());
        assert!(!dir.path().join(FILE).exists());
        let torn = format!("{}\n{{\"event\":\"out", serde_json::to_string(&outcome(2)).unwrap());
        std::fs::write(dir.path().join(FILE), &torn).unwrap();
        assert_eq!(Journal::read(dir.path()).unwrap(), vec![outcome(2)]);
        assert_eq!(std::fs::read_to_string(dir.path().join(FILE)).unwrap(), torn);
    }

    #[test]
    fn a_journal_that_is_a_device_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join(FILE)).unwrap();
        let want = format!("{}/journal.jsonl is not a regular file: a journal must be one", dir.path().display());
        assert_eq!(Journal::open(dir.path()).err().unwrap().to_string(), want);
        assert_eq!(Journal::read(dir.path()).unwrap_err().to_string(), want);
    }

    #[test]
    fn write_faults_name_the_operation_and_the_file() {
        // A journal on a full disk: /dev/full takes no byte.
        let path = PathBuf::from("DIR/journal.jsonl");
        let mut j = Journal { file: OpenOptions::new().append(true).open("/dev/full").unwrap(), path };
        let err = j.append(&outcome(2)).unwrap_err().to_string();
        assert_eq!(err, "writing DIR/journal.jsonl: No space left on device (os error 28)");
    }

    #[test]
    fn a_bad_line_in_the_middle_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("journal.jsonl"), "garbage\n{\"event\":\"outcome\"}\n").unwrap();
        assert!(Journal::open(dir.path()).is_err());
    }
}
