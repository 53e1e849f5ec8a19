//! The header row: which column holds which parameter, and what is wrong with the header itself.

use super::param::Param;
use super::span::Spans;
use crate::diagnostics::{Column, Diagnostic, codes};

pub use super::columns::*;

/// The parsed header: every column's name and meaning, and the list layouts.
#[derive(Clone, Debug)]
pub struct Schema {
    pub names: Vec<String>,
    pub kinds: Vec<ColumnKind>,
    /// The columns the API reads, each with `kinds[i].value_type()`, in order: an unknown
    /// column's values are the user's and not checked.
    pub typed: Vec<(u16, ValueType)>,
    params: [Option<u16>; Param::COUNT],
    pub disks: Vec<DiskColumns>,
    pub system_parts: Vec<PartColumns>,
    pub tags: Vec<TagColumns>,
    /// Where each list's columns lie, to tell a row that sets none of them at a glance.
    pub(crate) spans: Spans,
    /// Columns read as the API parameter their name differs from only in letter case,
    /// spaces or underscores: (column, the API's spelling).
    pub folded: Vec<(u16, String)>,
    /// The field separator: `,`, `;` or tab.
    pub delimiter: u8,
    /// The workbook sheet the rows come from (an XLSX inventory): findings name its cells.
    pub sheet: Option<super::sheet::Sheet>,
}

/// A header that cannot be used at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HeaderError {
    #[error("the header has no {0} column (it is required)")]
    MissingRequired(&'static str),
    #[error("column {} appears twice (columns {first} and {second})", crate::text::OneLine(name))]
    Duplicate { name: String, first: usize, second: usize },
    #[error("the header has {0} columns; at most 65535 are supported")]
    TooWide(usize),
}

/// Most columns a header may have (positions are stored as u16).
const MAX_COLUMNS: usize = u16::MAX as usize;

impl Schema {
    /// A schema of no columns, before the header is read.
    pub(crate) fn empty() -> Schema {
        Schema {
            names: Vec::new(),
            kinds: Vec::new(),
            typed: Vec::new(),
            params: [None; Param::COUNT],
            disks: Vec::new(),
            system_parts: Vec::new(),
            tags: Vec::new(),
            spans: Spans::default(),
            folded: Vec::new(),
            delimiter: b',',
            sheet: None,
        }
    }

    /// Builds the schema from the header cells (BOM already removed).
    pub fn parse(names: Vec<String>) -> Result<Schema, HeaderError> {
        if names.len() > MAX_COLUMNS {
            return Err(HeaderError::TooWide(names.len()));
        }
        let mut schema = Schema {
            kinds: Vec::with_capacity(names.len()),
            typed: Vec::with_capacity(names.len()),
            ..Schema::empty()
        };
        for (i, name) in names.iter().enumerate() {
            // Blank header cells (a column a spreadsheet left unnamed) are the user's, and may repeat.
            if let Some(first) = names[..i].iter().position(|n| n == name).filter(|_| !name.trim().is_empty()) {
                return Err(HeaderError::Duplicate { name: name.clone(), first: first + 1, second: i + 1 });
            }
            let mut kind = classify(name);
            if kind == ColumnKind::Unknown
                && let Some(canon) = canonical_spelling(name)
            {
                kind = classify(&canon);
                schema.folded.push((i as u16, canon));
            }
            // Two spellings of one parameter (`ImageName` and `image name`) are one column twice.
            if kind != ColumnKind::Unknown
                && let Some(first) = schema.kinds.iter().position(|k| *k == kind)
            {
                let name = canonical_name(&names[first], &schema.folded, first).to_string();
                return Err(HeaderError::Duplicate { name, first: first + 1, second: i + 1 });
            }
            schema.place(kind, i as u16);
            schema.kinds.push(kind);
            if kind.value_type() != ValueType::Ignored {
                schema.typed.push((i as u16, kind.value_type()));
            }
        }
        schema.names = names;
        schema.disks.sort_by_key(|d| d.n);
        schema.disks.iter_mut().for_each(|d| d.parts.sort_by_key(|p| p.m));
        schema.system_parts.sort_by_key(|p| p.m);
        schema.tags.sort_by_key(|t| t.n);
        schema.spans = Spans::of(&schema.disks, &schema.system_parts, &schema.tags).with_typed(&schema.typed);
        for required in [Param::RegionId, Param::SourceId] {
            if schema.column(required).is_none() {
                return Err(HeaderError::MissingRequired(required.name()));
            }
        }
        Ok(schema)
    }

    /// The column of each scalar parameter, in [`Param::ALL`] order.
    pub fn param_columns(&self) -> &[Option<u16>; Param::COUNT] {
        &self.params
    }

    /// The column that holds a scalar parameter, if the header has one.
    pub fn column(&self, p: Param) -> Option<u16> {
        self.params[p.index()]
    }

    /// The header name of a column.
    pub fn name(&self, col: u16) -> &str {
        &self.names[col as usize]
    }

    fn place(&mut self, kind: ColumnKind, col: u16) {
        match kind {
            ColumnKind::Param(p) => self.params[p.index()] = Some(col),
            ColumnKind::Disk(n, f) => {
                let disk = disk_entry(&mut self.disks, n);
                match f {
                    DiskField::Index => disk.index = Some(col),
                    DiskField::Size => disk.size = Some(col),
                }
            }
            ColumnKind::DiskPart(n, m, f) => {
                let disk = disk_entry(&mut self.disks, n);
                set_part(part_entry(&mut disk.parts, m), f, col);
            }
            ColumnKind::SystemPart(m, f) => set_part(part_entry(&mut self.system_parts, m), f, col),
            ColumnKind::Tag(n, f) => {
                let tag = match self.tags.iter().position(|t| t.n == n) {
                    Some(i) => &mut self.tags[i],
                    None => {
                        self.tags.push(TagColumns { n, ..Default::default() });
                        self.tags.last_mut().expect("just pushed")
                    }
                };
                match f {
                    TagField::Key => tag.key = Some(col),
                    TagField::Value => tag.value = Some(col),
                }
            }
            ColumnKind::Unknown => {}
        }
    }

    /// The API's name of a column: its header, or the spelling it was folded to.
    pub fn api_name(&self, col: u16) -> &str {
        match self.folded.iter().find(|(c, _)| *c == col) {
            Some((_, canon)) => canon,
            None => &self.names[col as usize],
        }
    }

    /// Header findings: unknown columns, columns read under another spelling, and gaps in
    /// list numbering, all on line 1.
    pub fn diagnostics(&self, strict: bool) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (col, canon) in &self.folded {
            let name = crate::text::OneLine(&self.names[*col as usize]);
            let mut d = Diagnostic::header(
                Column::At(*col),
                codes::COLUMN_SPELLING,
                format!("column '{name}' is read as {canon}, the API's spelling; rename it to {canon}"),
            );
            if strict {
                d.severity = crate::diagnostics::Severity::Error;
            }
            out.push(d);
        }
        for (i, kind) in self.kinds.iter().enumerate() {
            // `Wave` is smcplan's own column (schedule, start, status read it), never sent.
            if *kind == ColumnKind::Unknown && !self.names[i].trim().eq_ignore_ascii_case("wave") {
                out.push(super::suggest::unknown_column(&self.names[i], i as u16, strict));
            }
        }
        let disk_ns: Vec<(u32, u16)> = self.disks.iter().map(|d| (d.n, d.columns().min().unwrap_or(0))).collect();
        gaps("DataDisk", &disk_ns, &mut out);
        for d in &self.disks {
            let ms: Vec<(u32, u16)> = d.parts.iter().map(|p| (p.m, p.columns().min().unwrap_or(0))).collect();
            gaps(&format!("DataDisk.{}.Part", d.n), &ms, &mut out);
        }
        let ms: Vec<(u32, u16)> = self.system_parts.iter().map(|p| (p.m, p.columns().min().unwrap_or(0))).collect();
        gaps("SystemDiskPart", &ms, &mut out);
        let ns: Vec<(u32, u16)> = self.tags.iter().map(|t| (t.n, t.key.or(t.value).unwrap_or(0))).collect();
        gaps("Tag", &ns, &mut out);
        out
    }
}

/// The API's name of column `i` while the schema is being built.
fn canonical_name<'a>(name: &'a str, folded: &'a [(u16, String)], i: usize) -> &'a str {
    folded.iter().find(|(c, _)| *c as usize == i).map_or(name, |(_, canon)| canon)
}

fn disk_entry(disks: &mut Vec<DiskColumns>, n: u32) -> &mut DiskColumns {
    match disks.iter().position(|d| d.n == n) {
        Some(i) => &mut disks[i],
        None => {
            disks.push(DiskColumns { n, ..Default::default() });
            disks.last_mut().expect("just pushed")
        }
    }
}

fn part_entry(parts: &mut Vec<PartColumns>, m: u32) -> &mut PartColumns {
    match parts.iter().position(|p| p.m == m) {
        Some(i) => &mut parts[i],
        None => {
            parts.push(PartColumns { m, ..Default::default() });
            parts.last_mut().expect("just pushed")
        }
    }
}

fn set_part(part: &mut PartColumns, f: PartField, col: u16) {
    match f {
        PartField::Device => part.device = Some(col),
        PartField::SizeBytes => part.size_bytes = Some(col),
        PartField::Block => part.block = Some(col),
    }
}

/// Reports every number missing below the highest one used in a list's columns.
fn gaps(list: &str, present: &[(u32, u16)], out: &mut Vec<Diagnostic>) {
    let mut expected = 1;
    for &(n, col) in present {
        if n > expected {
            let missing = if n == expected + 1 {
                format!("{list}.{expected}")
            } else {
                format!("{list}.{expected} to {list}.{}", n - 1)
            };
            out.push(Diagnostic::header(
                Column::At(col),
                codes::COLUMN_LIST_GAP,
                format!("{list}.{n} has no {missing} before it; smcplan sends lists numbered 1, 2, 3, ..."),
            ));
        }
        expected = n + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(cols: &[&str]) -> Schema {
        Schema::parse(cols.iter().map(|s| s.to_string()).collect()).unwrap()
    }

    #[test]
    fn classifies_flattened_lists() {
        assert_eq!(classify("DataDisk.2.Size"), ColumnKind::Disk(2, DiskField::Size));
        assert_eq!(classify("DataDisk.1.Part.3.SizeBytes"), ColumnKind::DiskPart(1, 3, PartField::SizeBytes));
        assert_eq!(classify("SystemDiskPart.2.Block"), ColumnKind::SystemPart(2, PartField::Block));
        assert_eq!(classify("Tag.20.Value"), ColumnKind::Tag(20, TagField::Value));
        assert_eq!(classify("Tag.0.Key"), ColumnKind::Unknown);
        assert_eq!(classify("Tag.01.Key"), ColumnKind::Unknown);
        assert_eq!(classify("owner"), ColumnKind::Unknown);
    }

    #[test]
    fn a_header_spelled_in_another_case_or_with_spaces_is_read_as_the_parameter() {
        let s = schema(&["regionid", "Source Id", "image_name", "datadisk.1.size", "VSwitchID", "owner"]);
        let kinds: Vec<ColumnKind> = s.kinds.clone();
        assert_eq!(kinds[0], ColumnKind::Param(Param::RegionId));
        assert_eq!(kinds[1], ColumnKind::Param(Param::SourceId));
        assert_eq!(kinds[2], ColumnKind::Param(Param::ImageName));
        assert_eq!(kinds[3], ColumnKind::Disk(1, DiskField::Size));
        assert_eq!(kinds[4], ColumnKind::Param(Param::VSwitchId));
        assert_eq!(kinds[5], ColumnKind::Unknown);
        let d = s.diagnostics(false);
        let got: Vec<_> = d.iter().map(|d| (d.code.id, d.column, d.severity)).collect();
        assert_eq!(got[..5].iter().map(|g| g.0).collect::<Vec<_>>(), ["Column.Spelling"; 5]);
        assert_eq!(
            d[2].message,
            "column 'image_name' is read as ImageName, the API's spelling; rename it to ImageName"
        );
        assert_eq!(d[3].column, Column::At(3));
        assert!(
            s.diagnostics(true)
                .iter()
                .filter(|d| d.code == "Column.Spelling")
                .all(|d| d.severity == crate::diagnostics::Severity::Error)
        );
        assert_eq!(s.api_name(2), "ImageName");
        let err = Schema::parse(["RegionId", "SourceId", "ImageName", "image name"].map(String::from).to_vec());
        assert_eq!(err.unwrap_err().to_string(), "column ImageName appears twice (columns 3 and 4)");
    }

    #[test]
    fn required_columns_and_duplicates() {
        let err = Schema::parse(vec!["RegionId".into(), "Name".into()]).unwrap_err();
        assert_eq!(err, HeaderError::MissingRequired("SourceId"));
        let err = Schema::parse(vec!["RegionId".into(), "SourceId".into(), "RegionId".into()]).unwrap_err();
        assert_eq!(err.to_string(), "column RegionId appears twice (columns 1 and 3)");
    }

    #[test]
    fn unknown_columns_warn_or_fail_under_strict() {
        let s = schema(&["RegionId", "SourceId", "Nmae", "wave", "owner"]);
        let d = s.diagnostics(false);
        assert_eq!(d.len(), 2, "Wave is smcplan's own column");
        assert_eq!(d[1].column, Column::At(4));
        assert_eq!((d[0].line, d[0].code.id, d[0].column), (1, "Column.Unknown", Column::At(2)));
        assert_eq!(d[0].message, "unknown column 'Nmae' is ignored; did you mean 'Name'?");
        assert_eq!(d[0].severity, crate::diagnostics::Severity::Warning);
        assert_eq!(s.diagnostics(true)[0].severity, crate::diagnostics::Severity::Error);
    }

    #[test]
    fn list_gaps_are_reported() {
        let s = schema(&["RegionId", "SourceId", "DataDisk.1.Index", "DataDisk.3.Index", "Tag.2.Key"]);
        let d = s.diagnostics(false);
        let got: Vec<_> = d.iter().map(|d| (d.code.id, d.column, d.message.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (
                    "Column.ListGap",
                    Column::At(3),
                    "DataDisk.3 has no DataDisk.2 before it; smcplan sends lists numbered 1, 2, 3, ..."
                ),
                (
                    "Column.ListGap",
                    Column::At(4),
                    "Tag.2 has no Tag.1 before it; smcplan sends lists numbered 1, 2, 3, ..."
                ),
            ]
        );
    }

    #[test]
    fn layout_is_sorted() {
        let s = schema(&[
            "RegionId",
            "SourceId",
            "DataDisk.2.Size",
            "DataDisk.1.Part.2.Device",
            "DataDisk.1.Part.1.Device",
            "DataDisk.1.Index",
        ]);
        assert_eq!(s.disks.iter().map(|d| d.n).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(s.disks[0].parts.iter().map(|p| p.m).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(s.disks[0].index, Some(5));
    }
}
