//! The lock that keeps a second run off a report directory.

use crate::files::fault;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The lock on a report directory: an exclusive lock (flock) on the directory itself, which
/// keeps a second run off it, and `DIR/lock`, a file naming its holder for messages. The
/// lock is on the directory, not the file, so that removing the file lets no second run in;
/// the operating system drops it when its holder dies (kill -9 included), so a lock file
/// left behind names no holder, whatever PID it says.
pub struct Lock {
    path: PathBuf,
    /// The directory, locked for as long as this is held.
    dir: File,
    /// Set when a lock file left by a run that died was taken over: what it said, for a warning.
    pub taken_over: Option<String>,
}

impl Lock {
    /// Takes the lock of `dir`, or says which process holds it.
    pub fn take(dir: &Path) -> io::Result<Lock> {
        let path = dir.join("lock");
        if path.is_dir() {
            let message = format!(
                "{} is a directory, not smcplan's lock file: remove it, or use another report directory",
                path.display()
            );
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, message));
        }
        let handle = File::open(dir).map_err(|e| fault("opening", dir, e))?;
        match handle.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let holder =
                    text.trim().parse::<u32>().map_or("another process".to_string(), |p| format!("process {p}"));
                let message = format!(
                    "{} is held by {holder}: another smcplan run is using this report directory",
                    path.display()
                );
                return Err(io::Error::new(io::ErrorKind::WouldBlock, message));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(fault("locking", dir, e)),
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| fault("opening the lock", &path, e))?;
        let mut before = String::new();
        file.read_to_string(&mut before).map_err(|e| fault("reading the lock", &path, e))?;
        let taken_over = (!before.trim().is_empty()).then(|| {
            format!(
                "took over the lock file {} left by a run that ended without removing it ({})",
                path.display(),
                left_by(before.trim())
            )
        });
        let written = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| writeln!(file, "{}", std::process::id()))
            .and_then(|()| file.sync_all());
        written.map_err(|e| fault("writing", &path, e))?;
        Ok(Lock { path, dir: handle, taken_over })
    }
}

/// What a lock file left behind says of its writer: its PID, and what runs under that PID now.
fn left_by(text: &str) -> String {
    let Ok(pid) = text.parse::<u32>() else { return "it names no process".to_string() };
    match std::fs::read_to_string(format!("/proc/{pid}/comm")) {
        Ok(comm) => format!("process {pid}, now '{}', does not hold it", comm.trim()),
        Err(_) => format!("process {pid} is gone"),
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still locked: the next holder writes its own.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.dir.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_refused_and_a_left_one_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let lock = Lock::take(dir.path()).unwrap();
        assert!(lock.taken_over.is_none());
        let err = Lock::take(dir.path()).err().unwrap().to_string();
        let pid = std::process::id();
        assert!(
            err.ends_with(&format!(
                "lock is held by process {pid}: another smcplan run is using this report directory"
            )),
            "{err}"
        );
        drop(lock);
        assert!(!dir.path().join("lock").exists(), "released and removed");
        // A run killed with -9 leaves its file, but not its lock.
        std::fs::write(dir.path().join("lock"), "999999999\n").unwrap();
        let lock = Lock::take(dir.path()).unwrap();
        assert!(lock.taken_over.as_deref().unwrap().ends_with("(process 999999999 is gone)"), "{:?}", lock.taken_over);
        drop(lock);
        // A PID reused by another program holds no lock either.
        std::fs::write(dir.path().join("lock"), format!("{pid}\n")).unwrap();
        let lock = Lock::take(dir.path()).unwrap();
        assert!(
            lock.taken_over.as_deref().unwrap().contains(&format!("process {pid}, now '")),
            "{:?}",
            lock.taken_over
        );
    }

    #[test]
    fn removing_the_lock_file_lets_no_second_run_in() {
        let dir = tempfile::tempdir().unwrap();
        let lock = Lock::take(dir.path()).unwrap();
        std::fs::remove_file(dir.path().join("lock")).unwrap();
        let err = Lock::take(dir.path()).err().unwrap().to_string();
        assert!(
            err.ends_with("lock is held by another process: another smcplan run is using this report directory"),
            "{err}"
        );
        drop(lock);
        assert!(Lock::take(dir.path()).is_ok());
    }

    #[test]
    fn a_lock_that_is_a_directory_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("lock")).unwrap();
        let err = Lock::take(dir.path()).err().unwrap().to_string();
        assert_eq!(
            err,
            format!(
                "{}/lock is a directory, not smcplan's lock file: remove it, or use another report directory",
                dir.path().display()
            )
        );
    }
}
