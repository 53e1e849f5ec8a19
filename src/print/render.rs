//! Printing findings: colored or plain text for people, one JSON object for programs.

use super::json::push_int;
use crate::diagnostics::{Code, Column, Diagnostic, Severity, Summary};
use crate::inventory::Schema;
use crate::text::plural;
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};
use std::sync::LazyLock;

pub use super::json::{JsonDiagnostic, JsonFindings};
pub use crate::diagnostics::column_name;

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const ACCENT: Style = AnsiColor::Blue.on_default().bold();
const BOLD: Style = Style::new().bold();

/// Writes one finding for a person, with ANSI styles (the stream strips them when it should).
pub fn human_one(out: &mut dyn Write, path: &str, d: &Diagnostic, schema: &Schema) -> io::Result<()> {
    let mut text = Vec::new();
    human_one_in(&mut text, path, d, schema, Palette::styled());
    out.write_all(&text)
}

/// The styles of human output as the bytes that open and close each: colors, or none (for a
/// stream that takes none, so that nothing is written only to be stripped again). They are
/// rendered once, and a finding is written as bytes (a finding on every row is the hot path).
pub struct Palette {
    error: Marks,
    warning: Marks,
    accent: Marks,
    bold: Marks,
}

/// A style's opening and closing escape codes.
struct Marks {
    open: String,
    close: String,
}

impl Marks {
    fn of(style: Style) -> Marks {
        Marks { open: style.to_string(), close: format!("{style:#}") }
    }

    /// `text` in this style.
    fn put(&self, out: &mut Vec<u8>, text: &[&[u8]]) {
        // Plain output has no marks: nothing to copy.
        let styled = !self.open.is_empty();
        if styled {
            out.extend_from_slice(self.open.as_bytes());
        }
        text.iter().for_each(|t| out.extend_from_slice(t));
        if styled {
            out.extend_from_slice(self.close.as_bytes());
        }
    }
}

impl Palette {
    fn of(error: Style, warning: Style, accent: Style, bold: Style) -> Palette {
        Palette {
            error: Marks::of(error),
            warning: Marks::of(warning),
            accent: Marks::of(accent),
            bold: Marks::of(bold),
        }
    }

    /// Colors and bold.
    pub fn styled() -> &'static Palette {
        static STYLED: LazyLock<Palette> = LazyLock::new(|| Palette::of(ERROR, WARNING, ACCENT, BOLD));
        &STYLED
    }

    /// No styles at all.
    pub fn plain() -> &'static Palette {
        static PLAIN: LazyLock<Palette> =
            LazyLock::new(|| Palette::of(Style::new(), Style::new(), Style::new(), Style::new()));
        &PLAIN
    }

    /// `error[Code]: message`, its first line.
    fn headline(&self, out: &mut Vec<u8>, severity: Severity, code: &str, message: &str) {
        let (marks, label): (_, &[u8]) = match severity {
            Severity::Error => (&self.error, b"error"),
            Severity::Warning => (&self.warning, b"warning"),
        };
        marks.put(out, &[label, b"[", code.as_bytes(), b"]"]);
        self.bold.put(out, &[b": ", message.as_bytes()]);
        out.push(b'\n');
    }

    /// `  --> ` before a location.
    fn arrow(&self, out: &mut Vec<u8>, path: &str) {
        out.extend_from_slice(b"  ");
        self.accent.put(out, &[b"-->"]);
        out.push(b' ');
        out.extend_from_slice(path.as_bytes());
        out.push(b':');
    }

    /// `   = text`, a line of its own, and the hint (when the code has one) after it.
    fn notes(&self, out: &mut Vec<u8>, see: Option<u64>, hint: &str) {
        if let Some(r) = see {
            out.extend_from_slice(b"   ");
            self.accent.put(out, &[b"="]);
            out.extend_from_slice(b" see line ");
            push_int(out, r);
            out.push(b'\n');
        }
        if !hint.is_empty() {
            out.extend_from_slice(b"   ");
            self.accent.put(out, &[b"="]);
            out.extend_from_slice(b" hint: ");
            out.extend_from_slice(hint.as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
    }
}

/// [`human_one`] in the styles of `palette`, into memory.
pub fn human_one_in(out: &mut Vec<u8>, path: &str, d: &Diagnostic, schema: &Schema, palette: &Palette) {
    palette.headline(out, d.severity, d.code.id, &d.message);
    palette.arrow(out, path);
    match (column_name(&schema.names, d.column), &schema.sheet) {
        (column, Some(sheet)) => {
            out.extend_from_slice(sheet.name.as_bytes());
            match (column, d.column) {
                (Some(_), Column::At(i)) => {
                    out.push(b'!');
                    out.extend_from_slice(sheet.cell(i, d.line).as_bytes());
                }
                _ => {
                    out.extend_from_slice(b" row ");
                    push_int(out, d.line);
                }
            }
            if let Some(c) = column {
                out.extend_from_slice(b" (");
                out.extend_from_slice(c.as_bytes());
                out.push(b')');
            }
        }
        (column, None) => {
            push_int(out, d.line);
            if let Some(c) = column {
                out.extend_from_slice(b" column ");
                out.extend_from_slice(c.as_bytes());
            }
        }
    }
    out.push(b'\n');
    palette.notes(out, d.related_line, d.hint());
}

/// Writes a finding that stands for a run of rows (`range`: `1003-1000001`), located by
/// the run's lines: `message` is the range's own.
pub fn human_range(
    out: &mut Vec<u8>,
    path: &str,
    (severity, code): (Severity, Code),
    message: &str,
    range: &str,
    palette: &Palette,
) {
    palette.headline(out, severity, code.id, message);
    palette.arrow(out, path);
    out.extend_from_slice(range.as_bytes());
    out.push(b'\n');
    palette.notes(out, None, code.hint);
}

/// Writes every finding and the summary line.
pub fn human(
    out: &mut dyn Write,
    path: &str,
    summary: &Summary,
    diags: &[Diagnostic],
    schema: &Schema,
) -> io::Result<()> {
    for d in diags {
        human_one(out, path, d, schema)?;
    }
    summary_line(out, path, summary)
}

/// `PATH: N rows, N valid, N errors, N warnings`, styled by outcome.
pub fn summary_line(out: &mut dyn Write, path: &str, s: &Summary) -> io::Result<()> {
    let style = if s.errors > 0 {
        ERROR
    } else if s.warnings > 0 {
        WARNING
    } else {
        AnsiColor::Green.on_default().bold()
    };
    writeln!(
        out,
        "{style}{path}: {} {}, {} valid, {} {}, {} {}{style:#}",
        s.rows,
        plural(s.rows, "row", "rows"),
        s.valid,
        s.errors,
        plural(s.errors, "error", "errors"),
        s.warnings,
        plural(s.warnings, "warning", "warnings"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::codes;

    #[test]
    fn json_matches_design() {
        let names =
            Schema::parse(vec!["RegionId".to_string(), "SourceId".to_string(), "SystemDiskSize".to_string()]).unwrap();
        let diags = [
            Diagnostic::new(14, Column::At(2), codes::SYSTEM_DISK_SIZE_RANGE, "must be 20..2048 GiB, got 19"),
            Diagnostic::new(57, Column::Row, codes::QUOTA_EXCEEDED, "quota").related(12),
        ];
        let summary = Summary { rows: 3, valid: 1, errors: 2, warnings: 0 };
        let (mut head, mut rest) = (JsonFindings::default(), JsonFindings::default());
        head.push(&diags[0], &names);
        rest.push(&diags[1], &names);
        head.append(rest);
        let mut out = Vec::new();
        head.write(&mut out, &summary).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert!(out.starts_with(b"{\"diagnostics\": [\n   {\"line\":14,"), "the findings come first");
        assert_eq!(
            v,
            serde_json::json!({"rows": 3, "valid": 1, "errors": 2, "warnings": 0, "diagnostics": [
                {"line": 14, "column": "SystemDiskSize", "severity": "error",
                 "code": "SystemDiskSize.OutOfRange", "message": "must be 20..2048 GiB, got 19"},
                {"line": 57, "column": null, "severity": "error", "code": "QuotaExceeded.ReplicationJob",
                 "message": "quota", "related_line": 12}]})
        );
        let mut empty = Vec::new();
        JsonFindings::default().write(&mut empty, &Summary::default()).unwrap();
        serde_json::from_slice::<serde_json::Value>(&empty).unwrap();
    }
}
