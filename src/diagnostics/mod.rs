//! Findings as data: what a check found, where, and how it is ordered and printed.

pub mod codes;
pub mod rules;

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
/// which costs neither a copy nor a count shared between threads (a reference count bounced
/// between the batch stage, which makes the finding, and the worker, which frees it, costs
/// more than the copy).
#[derive(Clone, Debug, Eq)]
pub enum Message {
    Own(String),
    Kept(&'static str),
}

impl Message {
    pub fn as_str(&self) -> &str {
        match self {
            Message::Own(s) => s,
            Message::Kept(s) => s,
        }
    }
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
