//! Files written whole: atomically (a temporary file, then a rename) and with errors that
//! name the operation and the file.

use std::io::{self, Write};
use std::path::Path;

/// An I/O error that names the operation and the file: `writing DIR/journal.jsonl: No space left on device`.
pub fn fault(operation: &str, path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{operation} {}: {e}", path.display()))
}

/// Writes `path` through a temporary file and a rename, synced, so that readers see the old
/// or the new file. On failure the temporary file is removed and the error names the file
/// and what failed (`writing DIR/report.csv: No space left on device`).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    // A name of its own (process and write), so that two runs writing one file at once
    // (a watch and `smcplan report`) never write into each other's temporary file.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let tmp = path.with_extension(format!("{ext}.{}-{n}.tmp", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(|e| fault("creating", &tmp, e))?;
        f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| fault("writing", path, e))?;
        std::fs::rename(&tmp, path).map_err(|e| fault("replacing", path, e))
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_names_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the report should be: the rename fails.
        std::fs::create_dir(dir.path().join("report.csv")).unwrap();
        let err = write_atomic(&dir.path().join("report.csv"), b"x").unwrap_err().to_string();
        assert!(err.starts_with(&format!("replacing {}/report.csv: ", dir.path().display())), "{err}");
        let names: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        assert_eq!(names, vec!["report.csv"]);
    }
}
