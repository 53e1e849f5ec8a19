//! What submit needs of an inventory's bytes besides its rows, taken as they are read (the
//! file is read once): its SHA-256, and the comment lines that say which earlier row a row
//! of a `failed.csv` fixes (`# line N of FILE: ...`).

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The longest comment line kept.
const MAX_COMMENT: usize = 4096;

/// Watches the bytes of an input go by.
#[derive(Clone, Default)]
pub struct Tap {
    hash: Sha256,
    /// The line the next byte is on (from 1), and whether it starts that line.
    line: u64,
    at_start: bool,
    /// A comment line being gathered: its line and its bytes so far.
    open: Option<(u64, Vec<u8>)>,
    comments: Vec<(u64, String)>,
}

/// What a tap saw of a whole input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tapped {
    pub sha256: String,
    /// Each comment line that names a fixed row: the line of the row after it → (file, line).
    pub fixes: BTreeMap<u64, (String, u64)>,
}

impl Tap {
    pub fn new() -> Tap {
        Tap { line: 1, at_start: true, ..Tap::default() }
    }

    /// Takes the next bytes of the input.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.hash.update(bytes);
        let mut rest = bytes;
        while !rest.is_empty() {
            if let Some((_, text)) = &mut self.open {
                let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                if text.len() < MAX_COMMENT {
                    text.extend_from_slice(&rest[..end.min(MAX_COMMENT - text.len())]);
                }
                if end == rest.len() {
                    return;
                }
                let (line, text) = self.open.take().expect("open");
                self.comments.push((line, String::from_utf8_lossy(&text).trim_end_matches('\r').to_string()));
                self.line += 1;
                self.at_start = true;
                rest = &rest[end + 1..];
                continue;
            }
            if self.at_start && rest[0] == b'#' {
                self.open = Some((self.line, Vec::new()));
                continue;
            }
            match memchr::memchr(b'\n', rest) {
                Some(i) => {
                    self.line += 1;
                    self.at_start = true;
                    rest = &rest[i + 1..];
                }
                None => {
                    self.at_start = false;
                    return;
                }
            }
        }
    }

    /// What the whole input held.
    pub fn finish(mut self) -> Tapped {
        if let Some((line, text)) = self.open.take() {
            self.comments.push((line, String::from_utf8_lossy(&text).to_string()));
        }
        let sha256 = self.hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        let fixes = self.comments.iter().filter_map(|(line, text)| fix_of(text).map(|f| (line + 1, f))).collect();
        Tapped { sha256, fixes }
    }
}

/// `# line N of FILE: ...` → (FILE, N).
fn fix_of(comment: &str) -> Option<(String, u64)> {
    let rest = comment.strip_prefix("# line ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let n = digits.parse::<u64>().ok()?;
    let (file, _) = rest[digits.len()..].strip_prefix(" of ")?.split_once(": ")?;
    Some((file.to_string(), n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TEXT: &str =
        "H,I\r\n# line 4 of inv.csv: Name.Length: too short\r\na,b\n#plain\n# line 9 of x y.csv: E: m\nc,d";

    #[test]
    fn a_fixed_rows_comment_names_the_row_after_it() {
        let mut tap = Tap::new();
        tap.feed(TEXT.as_bytes());
        let t = tap.finish();
        assert_eq!(t.fixes, BTreeMap::from([(3, ("inv.csv".into(), 4)), (6, ("x y.csv".into(), 9))]));
        let direct: String = Sha256::digest(TEXT.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(t.sha256, direct);
    }

    proptest! {
        /// However the input is cut into reads, the tap sees the same.
        #[test]
        fn the_cuts_between_reads_change_nothing(cuts in proptest::collection::vec(0usize..TEXT.len(), 0..8)) {
            let mut cuts = cuts;
            cuts.sort_unstable();
            let mut tap = Tap::new();
            let mut at = 0;
            for c in cuts.into_iter().chain([TEXT.len()]) {
                tap.feed(&TEXT.as_bytes()[at..c.max(at)]);
                at = c.max(at);
            }
            let whole = { let mut t = Tap::new(); t.feed(TEXT.as_bytes()); t.finish() };
            prop_assert_eq!(tap.finish(), whole);
        }
    }
}
