//! Printing findings: colored or plain text for people, one JSON object for programs.

use crate::diagnostics::{Column, Diagnostic, Severity, Summary};
use crate::inventory::Schema;
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

pub use super::json::{JsonDiagnostic, JsonFindings};
pub use crate::diagnostics::column_name;

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const ACCENT: Style = AnsiColor::Blue.on_default().bold();
const BOLD: Style = Style::new().bold();

/// Writes one finding for a person, with ANSI styles (the stream strips them when it should).
pub fn human_one(out: &mut dyn Write, path: &str, d: &Diagnostic, schema: &Schema) -> io::Result<()> {
    human_one_in(out, path, d, schema, &STYLED)
}

/// The styles of human output: colors, or none (for a stream that takes none, so that
/// nothing is written only to be stripped again).
pub struct Palette {
    error: Style,
    warning: Style,
    accent: Style,
    bold: Style,
}

/// Colors and bold.
pub const STYLED: Palette = Palette { error: ERROR, warning: WARNING, accent: ACCENT, bold: BOLD };
/// No styles at all.
pub const PLAIN: Palette =
    Palette { error: Style::new(), warning: Style::new(), accent: Style::new(), bold: Style::new() };

/// [`human_one`] in the styles of `palette`.
pub fn human_one_in(
    out: &mut dyn Write,
    path: &str,
    d: &Diagnostic,
    schema: &Schema,
    palette: &Palette,
) -> io::Result<()> {
    let names = &schema.names;
    let (accent, bold) = (palette.accent, palette.bold);
    let (style, label) = match d.severity {
        Severity::Error => (palette.error, "error"),
        Severity::Warning => (palette.warning, "warning"),
    };
    writeln!(out, "{style}{label}[{}]{style:#}{bold}: {}{bold:#}", d.code, d.message)?;
    match (column_name(names, d.column), &schema.sheet, d.column) {
        (Some(c), Some(sheet), Column::At(i)) => {
            writeln!(out, "  {accent}-->{accent:#} {path}:{}!{} ({c})", sheet.name, sheet.cell(i, d.line))?
        }
        (Some(c), Some(sheet), _) => {
            writeln!(out, "  {accent}-->{accent:#} {path}:{} row {} ({c})", sheet.name, d.line)?
        }
        (None, Some(sheet), _) => writeln!(out, "  {accent}-->{accent:#} {path}:{} row {}", sheet.name, d.line)?,
        (Some(c), None, _) => writeln!(out, "  {accent}-->{accent:#} {path}:{} column {c}", d.line)?,
        (None, None, _) => writeln!(out, "  {accent}-->{accent:#} {path}:{}", d.line)?,
    }
    if let Some(r) = d.related_line {
        writeln!(out, "   {accent}={accent:#} see line {r}")?;
    }
    let hint = d.hint();
    if !hint.is_empty() {
        writeln!(out, "   {accent}={accent:#} hint: {hint}")?;
    }
    writeln!(out)
}

/// Writes a finding that stands for a run of rows (`range`: `1003-1000001`), located by
/// the run's lines.
pub fn human_range(out: &mut dyn Write, path: &str, d: &Diagnostic, range: &str, palette: &Palette) -> io::Result<()> {
    let (accent, bold) = (palette.accent, palette.bold);
    let (style, label) = match d.severity {
        Severity::Error => (palette.error, "error"),
        Severity::Warning => (palette.warning, "warning"),
    };
    writeln!(out, "{style}{label}[{}]{style:#}{bold}: {}{bold:#}", d.code, d.message)?;
    writeln!(out, "  {accent}-->{accent:#} {path}:{range}")?;
    let hint = d.hint();
    if !hint.is_empty() {
        writeln!(out, "   {accent}={accent:#} hint: {hint}")?;
    }
    writeln!(out)
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

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
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
