//! Findings as data: what a check found, where, and how it is ordered and printed.

pub mod codes;
pub mod rules;

use arrayvec::ArrayString;
pub use codes::{Code, CodeInfo};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Where on a line a finding points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Column {
    /// The whole row (printed as `null`).
    Row,
    /// A column of the file, by position.
    At(u16),
    /// A parameter the file has no column for.
    Named(&'static str),
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub line: u64,
    pub column: Column,
    pub severity: Severity,
    /// The code, with its id and hint.
    pub code: Code,
    pub message: Message,
    pub related_line: Option<u64>,
}

impl Diagnostic {
    /// A finding with the code's own severity.
    pub fn new(line: u64, column: Column, code: Code, message: impl Into<Message>) -> Diagnostic {
        Diagnostic { line, column, severity: code.severity, code, message: message.into(), related_line: None }
    }

    /// A finding about the header (line 1).
    pub fn header(column: Column, code: Code, message: impl Into<Message>) -> Diagnostic {
        Diagnostic::new(1, column, code, message)
    }

    /// Names the earlier line this finding clashes with.
    pub fn related(mut self, line: u64) -> Diagnostic {
        self.related_line = Some(line);
        self
    }

    /// The hint of this finding's code.
    pub fn hint(&self) -> &'static str {
        self.code.hint
    }

    /// Deterministic order: line, then column, then code.
    pub fn sort_key(&self) -> (u64, Column, &'static str) {
        (self.line, self.column, self.code.id)
    }
}

/// A finding's text: its own, written for it, or one that lives as long as the run (a
/// message written in the code, or the quota's, made once and said on every row past it),
/// which costs neither a copy nor a count (a reference count, written by every row that says
/// the text, costs more than the copy).
///
/// A text written for the finding is kept in the finding itself when it is short, as most
/// are ([`msg!`](crate::msg)): a finding on every row then costs no allocation, and the
/// batch stage reads its text where it reads the finding, not from a block of the heap a
/// worker allocated (the cache misses of that read, and of the worker's free after it, cost
/// more than writing the text).
#[derive(Clone, Debug, Eq)]
pub enum Message {
    Own(String),
    Kept(&'static str),
    Short(ArrayString<SHORT>),
}

/// The longest text kept in the finding itself: every message but a few that quote a long value.
pub const SHORT: usize = 100;

impl Message {
    pub fn as_str(&self) -> &str {
        match self {
            Message::Own(s) => s,
            Message::Kept(s) => s,
            Message::Short(s) => s,
        }
    }

    /// The text of `args`: kept when it has no arguments, in the finding when it is short, else
    /// on the heap; written once whichever it is.
    pub fn format(args: std::fmt::Arguments<'_>) -> Message {
        if let Some(s) = args.as_str() {
            return Message::Kept(s);
        }
        let mut text = Message::Short(ArrayString::new());
        std::fmt::Write::write_fmt(&mut text, args).expect("a message is written to memory");
        text
    }
}

/// A message grows in place until it outgrows [`SHORT`], then on the heap.
impl std::fmt::Write for Message {
    fn write_str(&mut self, piece: &str) -> std::fmt::Result {
        match self {
            Message::Own(s) => s.push_str(piece),
            Message::Short(s) => {
                if s.try_push_str(piece).is_err() {
                    let mut long = String::with_capacity(2 * SHORT + piece.len());
                    long.push_str(s);
                    long.push_str(piece);
                    *self = Message::Own(long);
                }
            }
            Message::Kept(s) => {
                let kept: &str = s;
                *self = Message::Short(ArrayString::new());
                self.write_str(kept)?;
                self.write_str(piece)?;
            }
        }
        Ok(())
    }
}

/// A finding's message written like `format!`, as a [`Message`] (short texts are not allocated).
#[macro_export]
macro_rules! msg {
    ($($arg:tt)*) => {
        $crate::diagnostics::Message::format(format_args!($($arg)*))
    };
}

impl std::ops::Deref for Message {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for Message {
    fn from(s: String) -> Message {
        Message::Own(s)
    }
}

/// A message written in the code is kept as it is, not copied.
impl From<&'static str> for Message {
    fn from(s: &'static str) -> Message {
        Message::Kept(s)
    }
}

/// Two messages are equal when their texts are, kept or not.
impl PartialEq for Message {
    fn eq(&self, other: &Message) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<&str> for Message {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Sorts findings deterministically; equal keys keep the order the checks produced them in.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// A row's findings: its own (sorted) and the batch's (`added`, in the order found, placed
/// after its own among equal keys), in the order [`sort`] gives the two together. When either
/// is empty the other is the answer (`added` sorted in place); else both are copied into
/// `out`, once each, the row's own not moved past each other.
pub fn merge<'a>(own: &'a [Diagnostic], added: &'a mut [Diagnostic], out: &'a mut Vec<Diagnostic>) -> &'a [Diagnostic] {
    sort(added);
    if added.is_empty() {
        return own;
    }
    if own.is_empty() {
        return added;
    }
    out.clear();
    let mut own = own.iter().peekable();
    for d in added.iter() {
        while let Some(o) = own.next_if(|o| o.sort_key() <= d.sort_key()) {
            out.push(o.clone());
        }
        out.push(d.clone());
    }
    out.extend(own.cloned());
    out
}

/// Counts of a finished check.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub rows: u64,
    pub valid: u64,
    pub errors: u64,
    pub warnings: u64,
}

impl Summary {
    /// Adds one finding to the counts.
    pub fn count(&mut self, d: &Diagnostic) {
        match d.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
        }
    }
}
/// Resolves a column to the name printed for it (`None` for a whole-row finding, and for
/// a column the header leaves unnamed: its finding says which it is).
pub fn column_name(names: &[String], column: Column) -> Option<&str> {
    match column {
        Column::Row => None,
        Column::At(i) => names.get(i as usize).map(String::as_str).filter(|n| !n.trim().is_empty()),
        Column::Named(n) => Some(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A message is the text `format!` writes, kept in place exactly when it fits.
        #[test]
        fn a_message_is_what_format_writes(a in "\\PC{0,80}", b in "\\PC{0,80}", n in proptest::prelude::any::<u64>()) {
            let message = msg!("{a} is {n}, not {b}");
            let text = format!("{a} is {n}, not {b}");
            proptest::prop_assert_eq!(message.as_str(), text.as_str());
            proptest::prop_assert_eq!(matches!(message, Message::Short(_)), text.len() <= SHORT);
        }
    }

    proptest::proptest! {
        /// Merging the batch's findings into a row's is sorting the two together, equal keys in the order given.
        #[test]
        fn merge_is_sort(
            found in proptest::collection::vec((0..3u16, 0..4usize, 0..3u64), 0..8),
            added in proptest::collection::vec((0..3u16, 0..4usize, 0..3u64), 0..4),
        ) {
            let codes = [codes::NAME_LENGTH, codes::QUOTA_EXCEEDED, codes::NAME_DUPLICATE, codes::SOURCE_ID_FORMAT];
            let make = |&(column, code, tag): &(u16, usize, u64)| {
                let column = if column == 0 { Column::Row } else { Column::At(column) };
                Diagnostic::new(7, column, codes[code], msg!("{tag}"))
            };
            let mut own: Vec<Diagnostic> = found.iter().map(make).collect();
            sort(&mut own);
            let mut more: Vec<Diagnostic> = added.iter().map(make).collect();
            let mut want: Vec<Diagnostic> = own.iter().chain(&more).cloned().collect();
            sort(&mut want);
            let mut out = vec![make(&(1, 0, 9))];
            proptest::prop_assert_eq!(merge(&own, &mut more, &mut out), &want[..]);
        }
    }

    #[test]
    fn a_message_without_arguments_is_kept() {
        assert!(matches!(msg!("must be set"), Message::Kept("must be set")));
        let long = "x".repeat(SHORT + 1);
        assert!(matches!(msg!("{long}"), Message::Own(ref s) if *s == long));
        assert_eq!(msg!("{}", "é".repeat(50)), "é".repeat(50).as_str());
        let mut grown = msg!("kept");
        for piece in [" and ", &"y".repeat(SHORT - 9), " past"] {
            std::fmt::Write::write_str(&mut grown, piece).unwrap();
        }
        assert_eq!(grown.as_str(), format!("kept and {} past", "y".repeat(SHORT - 9)));
        assert!(matches!(grown, Message::Own(_)));
    }
}
