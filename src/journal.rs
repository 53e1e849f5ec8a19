//! The submit journal: `DIR/journal.jsonl`, append-only, each line fsynced; the single source of
//! truth for resume. A torn last line (a crash mid-write) is cut off, not rejected.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// One journal line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Entry {
    /// Written (and synced) before a request leaves.
    Intent { line: u64, token: String, params: BTreeMap<String, String>, at: String },
    /// Written (and synced) when a row's request is settled.
    Outcome(Outcome),
}

/// How a row ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub line: u64,
    pub token: String,
    /// `created` or `failed`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    pub attempts: u32,
    pub at: String,
}

/// The open journal.
pub struct Journal {
    file: File,
    path: PathBuf,
}

impl Journal {
    /// Opens (or creates) `DIR/journal.jsonl` and reads what it holds, cutting a torn last line.
    pub fn open(dir: &Path) -> io::Result<(Journal, Vec<Entry>)> {
        let path = dir.join("journal.jsonl");
        let mut file = OpenOptions::new().read(true).append(true).create(true).open(&path)?;
        let mut text = Vec::new();
        file.read_to_end(&mut text)?;
        let mut entries = Vec::new();
        let mut good = 0;
        for (start, line) in lines(&text) {
            match serde_json::from_slice::<Entry>(line) {
                Ok(e) => {
                    entries.push(e);
                    good = start + line.len() + 1;
                }
                Err(_) if start + line.len() >= text.len() => break,
                Err(e) => {
                    let message =
                        format!("{}: line {} is not a journal entry ({e})", path.display(), entries.len() + 1);
                    return Err(io::Error::new(io::ErrorKind::InvalidData, message));
                }
            }
        }
        if good < text.len() {
            file.set_len(good as u64)?;
            file.seek(SeekFrom::End(0))?;
            file.sync_all()?;
        }
        Ok((Journal { file, path }, entries))
    }

    /// Appends one entry and syncs it to disk before returning.
    pub fn append(&mut self, entry: &Entry) -> io::Result<()> {
        let mut line = serde_json::to_vec(entry).expect("entries serialise");
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.sync_data()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
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

/// What the journal says: the settled outcome of each ClientToken, and the latest token sent
/// for each source server. Lines move when an inventory is edited; tokens follow unchanged
/// rows, and a source server (one open job each) identifies an edited one.
#[derive(Default, Debug)]
pub struct History {
    /// SourceId → the token of its latest intent.
    pub latest_by_source: BTreeMap<String, String>,
    /// token → its outcome.
    pub outcomes: BTreeMap<String, Outcome>,
}

impl History {
    pub fn of(entries: &[Entry]) -> History {
        let mut h = History::default();
        for e in entries {
            match e {
                Entry::Intent { token, params, .. } => {
                    if let Some(source) = params.get("SourceId") {
                        h.latest_by_source.insert(source.clone(), token.clone());
                    }
                }
                Entry::Outcome(o) => {
                    h.outcomes.insert(o.token.clone(), o.clone());
                }
            }
        }
        h
    }
}

/// A lock file that keeps a second submit off the same directory.
pub struct Lock {
    path: PathBuf,
}

impl Lock {
    /// Takes `DIR/lock`, or says which process holds it. A lock left by a dead process is taken over.
    pub fn take(dir: &Path) -> io::Result<Lock> {
        let path = dir.join("lock");
        for _ in 0..2 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    writeln!(f, "{}", std::process::id())?;
                    f.sync_all()?;
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let pid = std::fs::read_to_string(&path).unwrap_or_default().trim().parse::<u32>().ok();
                    if let Some(pid) = pid.filter(|p| Path::new(&format!("/proc/{p}")).exists()) {
                        let message = format!(
                            "{} is held by process {pid}: another submit is using this report directory",
                            path.display()
                        );
                        return Err(io::Error::new(io::ErrorKind::WouldBlock, message));
                    }
                    std::fs::remove_file(&path)?;
                }
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other(format!("cannot take {}", path.display())))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(line: u64) -> Entry {
        Entry::Outcome(Outcome {
            line,
            token: "t".into(),
            status: "created".into(),
            job_id: Some("j-1".into()),
            request_id: None,
            error_code: None,
            error_message: None,
            attempts: 1,
            at: "2026-11-27T08:00:00Z".into(),
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
    fn a_bad_line_in_the_middle_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("journal.jsonl"), "garbage\n{\"event\":\"outcome\"}\n").unwrap();
        assert!(Journal::open(dir.path()).is_err());
    }

    #[test]
    fn lock_refuses_a_second_holder_and_takes_over_a_dead_one() {
        let dir = tempfile::tempdir().unwrap();
        let lock = Lock::take(dir.path()).unwrap();
        let err = Lock::take(dir.path()).err().unwrap();
        assert!(err.to_string().contains("another submit"), "{err}");
        drop(lock);
        std::fs::write(dir.path().join("lock"), "999999999\n").unwrap();
        assert!(Lock::take(dir.path()).is_ok());
    }
}
