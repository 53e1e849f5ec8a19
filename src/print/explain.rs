//! `smcplan explain CODE`: a rule's statement, an example row that breaks it (the row of the
//! bundled `samples/broken.csv` that shows the code, and the finding validate gives it), and
//! the fix; and `docs/codes.md`, every code's statement and fix, from the same table.

use crate::account::{AccountIndex, AccountState};
use crate::check::{self, Options};
use crate::diagnostics::{Code, Diagnostic, Severity, codes, column_name, rules};
use crate::inventory::Reader;
use std::fmt::Write as _;

/// The bundled sample that shows every code, and the account and time it is checked against.
const SAMPLE: &str = include_str!("../../samples/broken.csv");
const ACCOUNT: &str = include_str!("../../samples/account.json");
const NOW: i64 = 1_795_766_400;

/// The code named `id` (in any letter case).
pub fn code(id: &str) -> Option<&'static Code> {
    codes::ALL.iter().find(|c| c.id.eq_ignore_ascii_case(id))
}

/// The explanation of `code`: its rule, an example, its fix.
pub fn explain(code: &Code) -> String {
    let mut out = String::new();
    let severity = match code.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let _ = writeln!(out, "{} ({severity})\n", code.id);
    let _ = writeln!(out, "Rule: {}\n", rules::statement(code.id).unwrap_or_default());
    if let Some(e) = example(code) {
        let _ = writeln!(out, "Example (samples/broken.csv, line {}):", e.line);
        for (name, value) in e.cells {
            let _ = writeln!(out, "  {name} = {value}");
        }
        let _ = writeln!(out, "gives\n  {}\n", e.finding);
    }
    let _ = writeln!(out, "Fix: {}", code.hint);
    out
}

/// A row that breaks a rule: its non-empty cells (the header's names, for a finding on the
/// header), its line, and the finding as validate says it.
struct Example {
    cells: Vec<(String, String)>,
    line: u64,
    finding: String,
}

/// The first finding of `code` on the sample.
fn example(code: &Code) -> Option<Example> {
    let account = AccountIndex::new(AccountState::parse(ACCOUNT).ok()?);
    let opts = Options {
        strict: false,
        now: jiff::Timestamp::from_second(NOW).ok()?,
        account: Some(&account),
        quota: Some(14),
        retain: true,
        sheet: None,
        tap: false,
    };
    let reader = Reader::from_reader("samples/broken.csv", Box::new(std::io::Cursor::new(SAMPLE.as_bytes()))).ok()?;
    let mut rows: Vec<(u64, Vec<(String, String)>)> = Vec::new();
    let checked = check::run_reader(reader, &opts, |row, diags| {
        if diags.iter().any(|d| d.code.id == code.id) && rows.is_empty() {
            let cells = row
                .schema
                .names
                .iter()
                .zip(row.fields())
                .filter(|(_, v)| !v.is_empty())
                .map(|(n, v)| (n.clone(), v.to_string()))
                .collect();
            rows.push((row.line, cells));
        }
    })
    .ok()?;
    let d: &Diagnostic = checked.diagnostics.iter().find(|d| d.code.id == code.id)?;
    let column = column_name(&checked.schema.names, d.column).map_or(String::new(), |c| format!(" column {c}"));
    let finding = format!("line {}{column}: {}[{}]: {}", d.line, severity_word(d.severity), d.code.id, d.message);
    match rows.into_iter().next() {
        Some((line, cells)) => Some(Example { cells, line, finding }),
        None => Some(Example { cells: vec![("header".into(), checked.schema.names.join(","))], line: d.line, finding }),
    }
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// `docs/codes.md`: every code with its severity, rule and fix, in the order of the table.
pub fn codes_markdown() -> String {
    let mut out = String::from(
        "# Rule codes\n\n\
         Generated from smcplan's code table (`smcplan explain CODE` prints one code with an example row\n\
         from `samples/broken.csv`, which shows every code). A test keeps this file and the table equal.\n\n\
         | code | severity | rule | fix |\n| --- | --- | --- | --- |\n",
    );
    for c in codes::ALL {
        let rule = rules::statement(c.id).unwrap_or_default();
        let _ = writeln!(out, "| `{}` | {} | {} | {} |", c.id, severity_word(c.severity), cell(rule), cell(c.hint));
    }
    out.push_str(CHOICES);
    out
}

/// Where the API's documentation is silent or unclear, what smcplan chose.
const CHOICES: &str = "
## Choices where the API documentation is silent

- Name, Description and ImageName may hold letters of any script (the console accepts
  Chinese names), digits, `:`, `_` and `-`; periods and spaces are refused, as the
  documentation lists no others.
- A row without `TargetType` is checked as `Image` (the documentation's example; its
  default is undocumented) and warned about.
- `DataDisk` is required for an Image target only when the account state shows the source
  has data disks.
- A destination disk smaller than the source disk is a warning: SMC checks the used space,
  which DescribeSourceServers does not report.
- Batch conflict keys are kept as 64-bit hashes, most of them as 44 bits and the place of
  their slot (a bit less for each doubling of the batch past a million rows), so that a
  million-row batch fits in about 30 MB; two different values taken as one (odds about 1 in
  1.3 million for a million rows, 1 in 330,000 for two million) would be reported as a clash.
";

/// Text in a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_an_example_in_the_sample() {
        for c in codes::ALL {
            let text = explain(c);
            assert!(text.contains("Example (samples/broken.csv"), "{}: {text}", c.id);
            assert!(text.contains(&format!("[{}]", c.id)), "{}: {text}", c.id);
        }
        assert_eq!(code("name.length").map(|c| c.id), Some("Name.Length"));
    }

    /// docs/codes.md is made from the table (`UPDATE_DOCS=1 cargo test codes_md` writes it).
    #[test]
    fn docs_codes_md_is_the_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/codes.md");
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(path, codes_markdown()).unwrap();
        }
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == codes_markdown(),
            "docs/codes.md differs from the code table: run UPDATE_DOCS=1 cargo test codes_md"
        );
    }
}
