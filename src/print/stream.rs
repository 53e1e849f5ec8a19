//! Findings written as they are found, in memory that does not grow with their number: one
//! JSON object (the findings first, the counts after them), JSON lines (a finding a line,
//! then the summary), or text for people, where a run of one code on consecutive rows is
//! said once, as a range.

use super::json::{JsonColumns, json_finding_in, json_string};
use super::ranges::Runs;
use super::render;
use crate::diagnostics::{Diagnostic, Summary};
use crate::inventory::Schema;
use std::io::{self, Write};

/// How findings are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Json,
    Jsonl,
    /// Runs of one code on consecutive rows as ranges, unless `all`; colored when `styled`.
    Human {
        all: bool,
        styled: bool,
    },
}

/// A writer of findings.
pub struct Stream<W: Write> {
    /// Taken by `finish`; until then, dropping the stream (a panic) still hands over what it gathered.
    out: Option<W>,
    style: Style,
    path: String,
    /// No finding written yet (JSON: no comma before the next).
    empty: bool,
    /// The first write that failed; nothing is written after it.
    failed: Option<io::Error>,
    /// Rows seen so far.
    rows: u64,
    /// Human output's runs of one code on consecutive rows.
    runs: Runs,
    /// What is written and not yet given to `out`: findings are rendered straight into it.
    buf: Vec<u8>,
    /// JSON's `column` of each column of the header, made at the first finding (a stream
    /// writes the findings of one header).
    columns: Option<JsonColumns>,
}

/// Bytes gathered before they are given to the writer.
const FLUSH: usize = 1 << 16;

impl<W: Write> Stream<W> {
    pub fn new(out: W, style: Style, path: &str) -> Stream<W> {
        let mut s = Stream {
            out: Some(out),
            style,
            path: path.to_string(),
            empty: true,
            failed: None,
            rows: 0,
            runs: Runs::default(),
            buf: Vec::with_capacity(FLUSH + (1 << 12)),
            columns: None,
        };
        if style == Style::Json {
            s.put(b"{\"diagnostics\": [");
        }
        s
    }

    fn put(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        self.spill(FLUSH);
    }

    /// Gives what is gathered to the writer once it is `at_least` bytes.
    fn spill(&mut self, at_least: usize) {
        if self.buf.is_empty() || self.buf.len() < at_least {
            return;
        }
        if self.failed.is_none()
            && let Some(out) = self.out.as_mut()
            && let Err(e) = out.write_all(&self.buf)
        {
            self.failed = Some(e);
        }
        self.buf.clear();
    }

    /// Whether writing failed (a reader that went away): the rest need not be rendered.
    pub fn broken(&self) -> bool {
        self.failed.is_some()
    }

    /// The header's findings.
    pub fn header(&mut self, schema: &Schema, diags: &[Diagnostic]) {
        for d in diags {
            self.one(schema, d);
        }
    }

    /// One row's findings, in order.
    pub fn row(&mut self, schema: &Schema, diags: &[Diagnostic]) {
        self.rows += 1;
        if self.broken() {
            return;
        }
        match self.style {
            Style::Human { all: false, .. } => {
                let palette = self.palette();
                self.runs.row(self.rows, diags, (schema, &self.path, palette), &mut self.buf);
            }
            _ => diags.iter().for_each(|d| self.one(schema, d)),
        }
        self.spill(FLUSH);
    }

    /// Writes one finding in the stream's style.
    fn one(&mut self, schema: &Schema, d: &Diagnostic) {
        let palette = self.palette();
        let out = &mut self.buf;
        match self.style {
            Style::Json | Style::Jsonl => {
                let columns = self.columns.get_or_insert_with(|| JsonColumns::new(schema));
                if self.style == Style::Json {
                    out.extend_from_slice(if self.empty { b"\n   " } else { b",\n   " });
                }
                json_finding_in(out, schema, Some(columns), d);
                if self.style == Style::Jsonl {
                    out.push(b'\n');
                }
            }
            Style::Human { .. } => render::human_one_in(out, &self.path, d, schema, palette),
        }
        self.empty = false;
    }

    /// The styles of human output.
    fn palette(&self) -> &'static render::Palette {
        match self.style {
            Style::Human { styled: true, .. } => render::Palette::styled(),
            _ => render::Palette::plain(),
        }
    }

    /// Writes the runs still open (human output), in the order they started.
    fn end_runs(&mut self, schema: &Schema) {
        let palette = self.palette();
        self.runs.end((schema, &self.path, palette), &mut self.buf);
    }

    /// Ends the output with the counts (and, for people, any run still open).
    pub fn finish(mut self, schema: &Schema, summary: &Summary) -> io::Result<W> {
        self.end_runs(schema);
        match self.style {
            Style::Json => {
                let end = if self.empty { "" } else { "\n " };
                let tail = format!(
                    "{end}],\n \"rows\": {}, \"valid\": {}, \"errors\": {}, \"warnings\": {}}}\n",
                    summary.rows, summary.valid, summary.errors, summary.warnings
                );
                self.put(tail.as_bytes());
            }
            Style::Jsonl => {
                let tail = format!(
                    "{{\"summary\": {{\"rows\": {}, \"valid\": {}, \"errors\": {}, \"warnings\": {}}}}}\n",
                    summary.rows, summary.valid, summary.errors, summary.warnings
                );
                self.put(tail.as_bytes());
            }
            Style::Human { styled, .. } => {
                let mut line = Vec::new();
                render::summary_line(&mut line, &self.path, summary)?;
                if !styled {
                    line = anstream::adapter::strip_bytes(&line).into_vec();
                }
                self.put(&line);
            }
        }
        self.end()?;
        Ok(self.out.take().expect("taken only here"))
    }

    /// Hands over what is gathered and flushes; the first write that failed is the error.
    fn end(&mut self) -> io::Result<()> {
        self.spill(1);
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        self.out.as_mut().map_or(Ok(()), Write::flush)
    }

    /// Ends the output with an error that stopped the check (a row that cannot be read):
    /// JSON closes its object with it, so that what was written stays one JSON value.
    pub fn fail(mut self, schema: &Schema, message: &str) -> io::Result<()> {
        // The findings held for a range were found: they are said before the error.
        self.end_runs(schema);
        let mut text = Vec::new();
        json_string(&mut text, message);
        let text = String::from_utf8(text).expect("JSON text is UTF-8");
        match self.style {
            Style::Json => {
                let end = if self.empty { "" } else { "\n " };
                let tail = format!("{end}],\n \"error\": {{\"message\": {text}, \"exit_code\": 2}}}}\n");
                self.put(tail.as_bytes());
            }
            Style::Jsonl => self.put(format!("{{\"error\": {{\"message\": {text}, \"exit_code\": 2}}}}\n").as_bytes()),
            Style::Human { .. } => {}
        }
        self.end()
    }
}

/// A stream dropped before its end (a check that panicked) still writes the findings it
/// gathered, as the buffered writer it replaced did.
impl<W: Write> Drop for Stream<W> {
    fn drop(&mut self) {
        let _ = self.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{Column, codes};

    fn schema() -> Schema {
        Schema::parse(["RegionId", "SourceId", "Name"].map(String::from).to_vec()).unwrap()
    }

    fn quota(line: u64) -> Diagnostic {
        Diagnostic::new(line, Column::Row, codes::QUOTA_EXCEEDED, format!("over by {line}"))
    }

    #[test]
    fn a_run_of_one_code_is_one_range_for_people() {
        let s = schema();
        let mut stream = Stream::new(Vec::new(), Style::Human { all: false, styled: true }, "inv.csv");
        stream.row(&s, &[quota(2)]);
        stream.row(&s, &[]);
        for line in 4..10 {
            stream.row(&s, &[quota(line)]);
        }
        stream.row(&s, &[quota(10), Diagnostic::new(10, Column::At(2), codes::NAME_LENGTH, "short")]);
        let summary = Summary { rows: 9, valid: 1, errors: 8, warnings: 0 };
        let bytes = stream.finish(&s, &summary).unwrap();
        let text = anstream::adapter::strip_str(std::str::from_utf8(&bytes).unwrap()).to_string();
        assert_eq!(text.matches("error[QuotaExceeded.ReplicationJob]").count(), 2, "{text}");
        assert!(text.contains("error[QuotaExceeded.ReplicationJob]: over by 2\n  --> inv.csv:2\n"), "{text}");
        assert!(
            text.contains(
                "error[QuotaExceeded.ReplicationJob]: 7 rows, lines 4-10; the first: over by 4\n  --> inv.csv:4-10\n"
            ),
            "{text}"
        );
        assert!(text.contains("error[Name.Length]: short"), "{text}");
        // A row with another error (an invalid row is not past the quota) does not end a run.
        let mut stream = Stream::new(Vec::new(), Style::Human { all: false, styled: true }, "inv.csv");
        stream.row(&s, &[quota(4)]);
        stream.row(&s, &[Diagnostic::new(5, Column::At(2), codes::NAME_LENGTH, "short")]);
        stream.row(&s, &[quota(6)]);
        stream.row(&s, &[quota(7)]);
        let bytes = stream.finish(&s, &summary).unwrap();
        let text = anstream::adapter::strip_str(std::str::from_utf8(&bytes).unwrap()).to_string();
        assert!(
            text.contains("error[QuotaExceeded.ReplicationJob]: 3 rows, lines 4-7; the first: over by 4\n"),
            "{text}"
        );
        // --all, JSON and JSON lines keep one finding a row.
        for style in [Style::Human { all: true, styled: false }, Style::Jsonl] {
            let mut stream = Stream::new(Vec::new(), style, "inv.csv");
            for line in 4..10 {
                stream.row(&s, &[quota(line)]);
            }
            let text = String::from_utf8(stream.finish(&s, &summary).unwrap()).unwrap();
            assert_eq!(text.matches("QuotaExceeded.ReplicationJob").count(), 6, "{text}");
        }
    }

    #[test]
    fn output_larger_than_what_is_gathered_is_whole_and_a_failed_write_is_said() {
        let s = schema();
        let mut stream = Stream::new(Vec::new(), Style::Json, "inv.csv");
        for line in 2..5002 {
            stream.row(&s, &[quota(line)]);
        }
        let summary = Summary { rows: 5000, valid: 0, errors: 5000, warnings: 0 };
        let out = stream.finish(&s, &summary).unwrap();
        assert!(out.len() > 2 * FLUSH);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["diagnostics"].as_array().unwrap().len(), 5000);
        assert_eq!(v["diagnostics"][4999]["line"], 5001);
        // A stream dropped before its end (a check that panicked) still writes what it gathered.
        let mut out = Vec::new();
        let mut stream = Stream::new(&mut out, Style::Jsonl, "inv.csv");
        stream.row(&s, &[quota(2)]);
        drop(stream);
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 1);
        // A reader that went away: the stream stops rendering and the end says why.
        struct Gone;
        impl Write for Gone {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut stream = Stream::new(Gone, Style::Jsonl, "inv.csv");
        let mut line = 2;
        while !stream.broken() {
            stream.row(&s, &[quota(line)]);
            line += 1;
        }
        assert!(line < 5000, "said once {FLUSH} bytes are gathered");
        let e = stream.finish(&s, &summary).err().expect("the write failed");
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn json_lines_end_with_the_summary_and_an_error_closes_the_object() {
        let s = schema();
        let mut stream = Stream::new(Vec::new(), Style::Jsonl, "inv.csv");
        stream.row(&s, &[quota(2)]);
        let text =
            String::from_utf8(stream.finish(&s, &Summary { rows: 1, valid: 0, errors: 1, warnings: 0 }).unwrap())
                .unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines[1], serde_json::json!({"summary": {"rows": 1, "valid": 0, "errors": 1, "warnings": 0}}));
        let mut out = Vec::new();
        let mut stream = Stream::new(&mut out, Style::Json, "inv.csv");
        stream.row(&s, &[quota(2)]);
        stream.fail(&s, "inv.csv:3: the row has 1 fields").unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["error"]["message"], "inv.csv:3: the row has 1 fields");
        assert_eq!(v["diagnostics"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn one_code_in_two_columns_is_two_runs_and_an_error_says_what_was_held() {
        let s = schema();
        let mut stream = Stream::new(Vec::new(), Style::Human { all: false, styled: false }, "inv.csv");
        let short = |line, col| Diagnostic::new(line, Column::At(col), codes::NAME_LENGTH, format!("short {col}"));
        for line in 2..6 {
            stream.row(&s, &[short(line, 1), short(line, 2)]);
        }
        let text = String::from_utf8(stream.finish(&s, &Summary::default()).unwrap()).unwrap();
        assert_eq!(text.matches("4 rows, lines 2-5").count(), 2, "{text}");
        let mut out = Vec::new();
        let mut stream = Stream::new(&mut out, Style::Human { all: false, styled: false }, "inv.csv");
        stream.row(&s, &[quota(2)]);
        stream.row(&s, &[quota(3)]);
        stream.fail(&s, "inv.csv:4: the row has 1 fields").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches("error[QuotaExceeded.ReplicationJob]").count(), 2, "{text}");
    }
}
