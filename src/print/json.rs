//! Findings as JSON, written by hand where it is the hot path (a finding on every row):
//! the object of one finding (docs/inventory.md), JSON strings escaped only where they must be, and
//! the whole diagnostics object with its counts.

use crate::diagnostics::{Column, Diagnostic, Severity, Summary, column_name};
use crate::inventory::Schema;
use serde::Serialize;
use std::io::{self, Write};

/// A finding as JSON shows it (docs/inventory.md), and the code's hint.
#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    line: u64,
    column: Option<&'a str>,
    severity: Severity,
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    related_line: Option<u64>,
    #[serde(skip_serializing_if = "str::is_empty")]
    hint: &'a str,
    /// For a workbook: the sheet, and the cell when the finding is on a column of the sheet.
    #[serde(skip_serializing_if = "Option::is_none")]
    sheet: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cell: Option<Option<String>>,
}

impl<'a> JsonDiagnostic<'a> {
    /// `d` with its column named from the header of `schema`.
    pub fn of(d: &'a Diagnostic, schema: &'a Schema) -> JsonDiagnostic<'a> {
        let sheet = schema.sheet.as_ref();
        JsonDiagnostic {
            line: d.line,
            column: column_name(&schema.names, d.column),
            severity: d.severity,
            code: d.code.id,
            message: &d.message,
            related_line: d.related_line,
            hint: d.hint(),
            sheet: sheet.map(|s| s.name.as_str()),
            cell: sheet.map(|s| match d.column {
                Column::At(i) => Some(s.cell(i, d.line)),
                _ => None,
            }),
        }
    }
}

/// Findings rendered for the diagnostics object (docs/inventory.md) as they come; the counts, known
/// only at the end, are written before them.
#[derive(Default)]
pub struct JsonFindings {
    /// Every finding so far, each preceded by `,\n   `.
    items: Vec<u8>,
}

impl JsonFindings {
    /// Renders one finding of an inventory of `schema`.
    pub fn push(&mut self, d: &Diagnostic, schema: &Schema) {
        self.items.extend_from_slice(b",\n   ");
        json_finding(&mut self.items, schema, d);
    }

    /// Appends the findings of `later`.
    pub fn append(&mut self, later: JsonFindings) {
        self.items.extend_from_slice(&later.items);
    }

    /// Writes the whole object: the findings in the order they were pushed, then the counts.
    pub fn write(&self, out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
        out.write_all(b"{\"diagnostics\": [")?;
        if let Some((_comma, items)) = self.items.split_first() {
            out.write_all(items)?;
            out.write_all(b"\n ")?;
        }
        writeln!(
            out,
            "],\n \"rows\": {}, \"valid\": {}, \"errors\": {}, \"warnings\": {}}}",
            summary.rows, summary.valid, summary.errors, summary.warnings
        )
    }
}

/// `1,234,567`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One finding as its JSON object (docs/inventory.md), written by hand (the hot path of a check that
/// finds something on every row): `line`, `column`, `severity`, `code`, `message`, and
/// `related_line`, `sheet` and `cell` when they apply.
pub fn json_finding(out: &mut Vec<u8>, schema: &Schema, d: &Diagnostic) {
    json_finding_in(out, schema, None, d);
}

/// [`json_finding`], the `column` taken from `columns` (made from `schema`) when it has it.
pub fn json_finding_in(out: &mut Vec<u8>, schema: &Schema, columns: Option<&JsonColumns>, d: &Diagnostic) {
    out.extend_from_slice(b"{\"line\":");
    push_int(out, d.line);
    out.extend_from_slice(b",\"column\":");
    match (columns, d.column) {
        (Some(JsonColumns(rendered)), Column::At(i)) if usize::from(i) < rendered.len() => {
            out.extend_from_slice(&rendered[usize::from(i)]);
        }
        _ => json_column(out, schema, d.column),
    }
    out.extend_from_slice(match d.severity {
        Severity::Error => b",\"severity\":\"error\",\"code\":",
        Severity::Warning => b",\"severity\":\"warning\",\"code\":",
    });
    // A code's id is letters and dots (`Code::new` holds every code to it): nothing to escape.
    out.push(b'"');
    out.extend_from_slice(d.code.id.as_bytes());
    out.extend_from_slice(b"\",\"message\":");
    json_string(out, &d.message);
    if let Some(r) = d.related_line {
        out.extend_from_slice(b",\"related_line\":");
        push_int(out, r);
    }
    if let Some(sheet) = &schema.sheet {
        out.extend_from_slice(b",\"sheet\":");
        json_string(out, &sheet.name);
        out.extend_from_slice(b",\"cell\":");
        match d.column {
            Column::At(i) => json_string(out, &sheet.cell(i, d.line)),
            _ => out.extend_from_slice(b"null"),
        }
    }
    out.push(b'}');
}

/// The `column` of a finding: the header's name, or `null`.
fn json_column(out: &mut Vec<u8>, schema: &Schema, column: Column) {
    match column_name(&schema.names, column) {
        Some(c) => json_string(out, c),
        None => out.extend_from_slice(b"null"),
    }
}

/// The `column` of a finding on each column of a header, rendered once for all its rows.
pub struct JsonColumns(Vec<Box<[u8]>>);

impl JsonColumns {
    pub fn new(schema: &Schema) -> JsonColumns {
        let render = |i: usize| {
            let mut out = Vec::new();
            json_column(&mut out, schema, Column::At(i as u16));
            out.into_boxed_slice()
        };
        // The schema holds at most u16::MAX columns.
        JsonColumns((0..schema.names.len()).map(render).collect())
    }
}

pub(super) fn push_int(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// A JSON string: quotes, backslashes and control characters escaped, the rest as it is.
pub fn json_string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    // Most texts need no escape: said 16 bytes at a time, and copied whole.
    if !needs_escape(bytes) {
        out.reserve(bytes.len() + 2);
        out.push(b'"');
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escaped: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..0x20 => {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escaped);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Whether a JSON string of `bytes` needs an escape (a quote, a backslash or a control
/// character), tested 16 bytes at a time; the property test below holds it to the plain rule.
fn needs_escape(bytes: &[u8]) -> bool {
    use wide::u8x16;
    let special = |chunk: &[u8]| {
        let v = u8x16::new(chunk.try_into().expect("16 bytes"));
        // `v < 0x20` as unsigned bytes: min(v, 0x1f) == v.
        let control = v.min(u8x16::splat(0x1f)).simd_eq(v);
        (v.simd_eq(u8x16::splat(b'"')) | v.simd_eq(u8x16::splat(b'\\')) | control).to_bitmask() != 0
    };
    if bytes.len() < 16 {
        return bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
    }
    // The last 16 bytes are tested whole, overlapping the chunks before them.
    bytes.chunks_exact(16).fold(false, |any, chunk| any | special(chunk)) || special(&bytes[bytes.len() - 16..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::codes;

    fn schema() -> Schema {
        Schema::parse(["RegionId", "SourceId", "Name"].map(String::from).to_vec()).unwrap()
    }

    proptest::proptest! {
        /// The fast test for escapes agrees with the plain rule.
        #[test]
        fn needs_escape_is_the_plain_rule(
            mut bytes in proptest::collection::vec(proptest::sample::select(vec![b'a', 0x20, 0x7f, 0xc3]), 0..70),
            special in proptest::option::of((
                proptest::arbitrary::any::<proptest::sample::Index>(),
                proptest::sample::select(vec![b'"', b'\\', 0x1f, 0x00, b'\n']),
            )),
        ) {
            // Clean bytes with at most one that needs an escape, anywhere (in a chunk or the tail).
            if let Some((at, b)) = special {
                let at = at.index(bytes.len() + 1);
                bytes.insert(at, b);
            }
            let plain = bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
            proptest::prop_assert_eq!(needs_escape(&bytes), plain);
        }

        /// A column rendered once for the header is the column rendered for each finding, for
        /// any header (blank names, quotes, control characters) and any column a finding names.
        #[test]
        fn columns_rendered_once_are_the_columns_rendered_each_time(
            extra in proptest::collection::vec("\\PC{0,6}|[ \"\\\\\\x01]{0,3}", 0..6),
            at in 0u16..10,
        ) {
            let mut names = vec!["RegionId".to_string(), "SourceId".to_string()];
            names.extend(extra);
            let schema = Schema::parse(names);
            proptest::prop_assume!(schema.is_ok());
            let schema = schema.unwrap();
            let columns = JsonColumns::new(&schema);
            for column in [Column::At(at), Column::Row, Column::Named("SystemDiskSize")] {
                let d = Diagnostic::new(7, column, codes::NAME_LENGTH, "short");
                let (mut once, mut each) = (Vec::new(), Vec::new());
                json_finding_in(&mut once, &schema, Some(&columns), &d);
                json_finding(&mut each, &schema, &d);
                proptest::prop_assert_eq!(once, each);
            }
        }

        /// The hand-written JSON is what serde_json reads back, for any text.
        #[test]
        fn json_strings_read_back(text in "\\PC*|[\\x00-\\x7f]*") {
            let mut out = Vec::new();
            json_string(&mut out, &text);
            proptest::prop_assert_eq!(serde_json::from_slice::<String>(&out).unwrap(), text);
        }
    }

    #[test]
    fn codes_are_written_as_they_are() {
        for code in codes::ALL {
            assert!(!needs_escape(code.id.as_bytes()), "{}", code.id);
        }
    }

    #[test]
    fn a_finding_reads_back_as_the_design_says() {
        let d = Diagnostic::new(14, Column::At(2), codes::NAME_LENGTH, "a \"b\"\n").related(3);
        let mut out = Vec::new();
        json_finding(&mut out, &schema(), &d);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"line": 14, "column": "Name", "severity": "error", "code": "Name.Length",
                "message": "a \"b\"\n", "related_line": 3})
        );
        assert_eq!(grouped(999_000), "999,000");
        assert_eq!(grouped(12), "12");
        assert_eq!(grouped(1_000_001), "1,000,001");
    }
}
