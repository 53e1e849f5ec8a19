//! Input that cannot be checked at all: one line naming the file, the line and what is wrong.

/// Input that cannot be checked at all (exit code 2).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct InputError {
    pub path: String,
    pub line: Option<u64>,
    pub message: String,
    /// What reading the input had noted before it failed (a workbook's rewritten cells), to be
    /// said before the error.
    pub notes: Vec<String>,
}

impl InputError {
    pub fn new(path: &str, line: Option<u64>, message: impl Into<String>) -> InputError {
        InputError { path: path.to_string(), line, message: message.into(), notes: Vec::new() }
    }
}
