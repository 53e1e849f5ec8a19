//! `failed.csv`: the original rows of the lines that ended invalid or failed, each after a
//! comment saying where it came from and why, to fix and submit again; written anew after
//! each submit from this run's rows and the earlier file's rows still failing.

use super::report::{ReportRow, neutralise};
use super::rows::Line;
use crate::files::write_atomic;
use crate::inventory::{RecordBuf, Schema};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::Path;

/// Writes `failed.csv`: the header and the original rows of the lines that ended invalid or
/// failed. API columns are copied unchanged (the file is meant to be submitted again); other
/// columns (notes, owners) are neutralised like the report.
pub fn write_failed(dir: &Path, header: &[String], api_column: &[bool], rows: &[Failed]) -> io::Result<()> {
    let mut bytes = Vec::new();
    write_failed_csv(&mut bytes, header, api_column, rows)?;
    write_atomic(&dir.join("failed.csv"), &bytes)
}

/// A row of `failed.csv`: the original record, and why it failed.
pub struct Failed<'a> {
    pub record: &'a RecordBuf,
    /// The inventory line it came from.
    pub line: u64,
    /// The inventory file it came from.
    pub file: &'a str,
    pub code: &'a str,
    pub message: &'a str,
    /// Read back from an earlier `failed.csv`: its cells are written as they are.
    pub as_read: bool,
}

/// `failed.csv`'s header for an inventory's: the user's own column names neutralised.
pub fn failed_header(header: &[String], api_column: &[bool]) -> Vec<String> {
    header.iter().zip(api_column).map(|(h, api)| if *api { h.to_string() } else { neutralise(h) }).collect()
}

/// The header and rows of the directory's `failed.csv`, if it has one (its comments skipped).
pub fn read_failed(dir: &Path) -> io::Result<Option<(Vec<String>, Vec<RecordBuf>)>> {
    let path = dir.join("failed.csv");
    if !path.exists() {
        return Ok(None);
    }
    let unreadable = |e: csv::Error| io::Error::other(format!("reading {}: {e}", path.display()));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_path(&path)
        .map_err(unreadable)?;
    let mut records = reader.records();
    let Some(header) = records.next() else { return Ok(None) };
    let header = header.map_err(unreadable)?;
    let mut rows = Vec::new();
    for record in records {
        rows.push(record.map_err(unreadable)?.iter().collect());
    }
    Ok(Some((header.iter().map(str::to_string).collect(), rows)))
}

/// `failed.csv` to any writer. Each row is preceded by a comment line that says where it
/// came from and why it failed (`# line 14 of inventory.csv: SystemDiskSize.OutOfRange:
/// ...`): an inventory's comment, so the file can be fixed and submitted as it is, and the
/// batch knows which row each fixed one stands for.
pub fn write_failed_csv(
    out: &mut dyn io::Write,
    header: &[String],
    api_column: &[bool],
    rows: &[Failed],
) -> io::Result<()> {
    let names = failed_header(header, api_column);
    let mut line = Vec::new();
    let mut record = |out: &mut dyn io::Write, cells: Vec<String>| -> io::Result<()> {
        line.clear();
        let mut csv = csv::Writer::from_writer(&mut line);
        csv.write_record(cells)?;
        csv.flush()?;
        drop(csv);
        out.write_all(&line)
    };
    record(out, names)?;
    for f in rows {
        let why = crate::text::OneLine(f.message);
        let file = crate::text::OneLine(f.file);
        writeln!(out, "# line {} of {file}: {}: {why}", f.line, crate::text::OneLine(f.code))?;
        let cells = f
            .record
            .view()
            .iter()
            .zip(api_column)
            .map(|(c, api)| if *api || f.as_read { c.to_string() } else { neutralise(c) });
        record(out, cells.collect())?;
    }
    Ok(())
}

/// Writes `failed.csv`: this inventory's rows to fix, and the rows of the earlier
/// `failed.csv` (same header) whose source still fails and is not in this inventory.
pub fn write_merged(
    dir: &Path,
    schema: &Schema,
    lines: &[Line],
    this_run: &[ReportRow],
    batch: &[ReportRow],
    before: Option<(Vec<String>, Vec<RecordBuf>)>,
    file: &str,
) -> io::Result<()> {
    let mut failed: Vec<Failed> = lines
        .iter()
        .zip(this_run)
        .filter(|(_, r)| r.status.to_fix())
        .map(|(l, r)| Failed {
            record: &l.record,
            line: l.line,
            file,
            code: &r.error_code,
            message: &r.error_message,
            as_read: false,
        })
        .collect();
    let api: Vec<bool> = schema.kinds.iter().map(|k| *k != crate::inventory::schema::ColumnKind::Unknown).collect();
    let here: BTreeSet<&str> = this_run.iter().map(|r| r.id.source_id.as_str()).collect();
    let to_fix: BTreeMap<&str, &ReportRow> = batch
        .iter()
        .filter(|r| r.status.to_fix() && !r.id.source_id.is_empty())
        .map(|r| (r.id.source_id.as_str(), r))
        .collect();
    let kept = before.as_ref().filter(|(header, _)| *header == failed_header(&schema.names, &api));
    let source_at = schema.names.iter().position(|n| n == "SourceId");
    if let (Some((_, records)), Some(at)) = (kept, source_at) {
        for record in records {
            let source = record.view().get(at).unwrap_or_default();
            if here.contains(source) {
                continue;
            }
            if let Some(r) = to_fix.get(source) {
                failed.push(Failed {
                    record,
                    line: r.id.line,
                    file: &r.file,
                    code: &r.error_code,
                    message: &r.error_message,
                    as_read: true,
                });
            }
        }
    }
    write_failed(dir, &schema.names, &api, &failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_csv_neutralises_the_users_own_columns_header_included() {
        let dir = tempfile::tempdir().unwrap();
        let header: Vec<String> = ["RegionId", "=HYPERLINK(\"x\")", "SourceId", "@owner"].map(String::from).into();
        let row: crate::inventory::RecordBuf = ["cn-hangzhou", "=1+1", "-s", "+note"].into_iter().collect();
        let failed = Failed {
            record: &row,
            line: 7,
            file: "inv.csv",
            code: "Name.Length",
            message: "too\nshort",
            as_read: false,
        };
        write_failed(dir.path(), &header, &[true, false, true, false], &[failed]).unwrap();
        let text = std::fs::read_to_string(dir.path().join("failed.csv")).unwrap();
        assert_eq!(
            text,
            "RegionId,\"'=HYPERLINK(\"\"x\"\")\",SourceId,'@owner\n# line 7 of inv.csv: Name.Length: too\\nshort\ncn-hangzhou,'=1+1,-s,'+note\n"
        );
    }
}
