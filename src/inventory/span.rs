//! Where a list's columns lie: the range of positions from its first column to its last.
//!
//! A field's text ends where the next one's starts, so the cells of a range of columns are
//! all empty exactly when the bounds at its two ends are equal. A row that sets none of the
//! 16 data disks of a wide export is then told by two bounds, not by a look at every one of
//! their columns, and a block of an export's API columns side by side that the row leaves
//! empty is passed over by the value rule the same way. [`Row`](super::Row) falls back to
//! that look when the bounds prove nothing (unequal over a range that holds other columns
//! too, past the record's end, or where the parser took a CR off the last field); the tests
//! here hold both ways to the same lists and cells.

use super::columns::{DiskColumns, PartColumns, TagColumns, ValueType};
use std::ops::Range;

/// Columns `from..to` of a header, and whether each of them belongs to the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub from: u16,
    /// One past the last column.
    pub to: u16,
    /// Every column in the range is the list's.
    pub exact: bool,
}

impl Span {
    /// The span of some columns (each named once), if there are any.
    pub fn of(cols: impl IntoIterator<Item = u16>) -> Option<Span> {
        let (mut from, mut last, mut count) = (u16::MAX, 0, 0usize);
        for c in cols {
            (from, last, count) = (from.min(c), last.max(c), count + 1);
        }
        (count > 0).then(|| Span { from, to: last + 1, exact: count == usize::from(last + 1 - from) })
    }
}

/// The spans of a header's lists, and blocks of the columns the API reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Spans {
    /// Every column of every data disk (their partitions included).
    pub disks: Option<Span>,
    pub system_parts: Option<Span>,
    pub tags: Option<Span>,
    /// Each data disk's own, in the schema's order of the disks.
    pub each_disk: Vec<Option<Span>>,
    /// The columns the API reads, in blocks of up to [`TYPED_BLOCK`] side by side in the
    /// header: each block's span, and its places in [`Schema::typed`](super::Schema::typed).
    pub typed: Vec<(Span, Range<usize>)>,
}

/// The most typed columns told by one pair of bounds: an export's rows fill a few of its
/// many API columns, so most blocks are empty, and a block that is not is looked at whole.
pub const TYPED_BLOCK: usize = 8;

impl Spans {
    /// The spans of the lists, and of each disk.
    pub fn of(disks: &[DiskColumns], system_parts: &[PartColumns], tags: &[TagColumns]) -> Spans {
        Spans {
            each_disk: disks.iter().map(|d| Span::of(d.columns())).collect(),
            disks: Span::of(disks.iter().flat_map(DiskColumns::columns)),
            system_parts: Span::of(system_parts.iter().flat_map(PartColumns::columns)),
            tags: Span::of(tags.iter().flat_map(TagColumns::columns)),
            typed: Vec::new(),
        }
    }

    /// Sets the blocks of `typed` (in column order): a block ends at a column the API does
    /// not read or after [`TYPED_BLOCK`] columns.
    pub fn with_typed(mut self, typed: &[(u16, ValueType)]) -> Spans {
        let mut start = 0;
        for i in 1..=typed.len() {
            let ends = i == typed.len() || typed[i].0 != typed[i - 1].0 + 1 || i - start == TYPED_BLOCK;
            if ends {
                let span = Span { from: typed[start].0, to: typed[i - 1].0 + 1, exact: true };
                self.typed.push((span, start..i));
                start = i;
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::read::Parser;
    use crate::inventory::{RecordBuf, Records, Row, Schema};
    use proptest::prelude::*;

    /// Columns of lists, of other columns the API reads (more side by side than a block of
    /// typed columns holds), and of the user's own, which may lie between them.
    const POOL: [&str; 28] = [
        "Name",
        "InstanceType",
        "SystemDiskSize",
        "NetMode",
        "VpcId",
        "VSwitchId",
        "RunOnce",
        "Frequency",
        "DataDisk.1.Index",
        "DataDisk.1.Size",
        "DataDisk.1.Part.1.Device",
        "DataDisk.1.Part.1.SizeBytes",
        "DataDisk.1.Part.2.Block",
        "owner",
        "DataDisk.2.Index",
        "DataDisk.2.Part.1.Device",
        "DataDisk.3.Size",
        "SystemDiskPart.1.Device",
        "SystemDiskPart.1.SizeBytes",
        "Description",
        "SystemDiskPart.2.Device",
        "Tag.1.Key",
        "Tag.1.Value",
        "Tag.2.Key",
        "cmdb_id",
        "Tag.3.Value",
        "Tag.4.Key",
        "notes",
    ];

    /// Every list a row sets, as numbers.
    fn lists(row: Row) -> (Vec<u32>, Vec<Vec<u32>>, Vec<u32>, Vec<u32>) {
        let disks = row.data_disks().map(|d| d.n()).collect();
        let parts = row.data_disks().map(|d| d.parts().map(|p| p.m).collect()).collect();
        (disks, parts, row.system_parts().map(|p| p.m).collect(), row.tags().map(|t| t.n).collect())
    }

    /// The filled cells of the columns the API reads, each looked at.
    fn typed_cells_looked_at(row: Row<'_>) -> Vec<(u16, ValueType, &str)> {
        filled(row, row.schema.typed.iter())
    }

    /// The filled cells of the columns the API reads, in the blocks the row does not leave empty.
    fn typed_cells_in_blocks(row: Row<'_>) -> Vec<(u16, ValueType, &str)> {
        filled(row, row.typed_blocks().flatten())
    }

    fn filled<'a>(row: Row<'a>, typed: impl Iterator<Item = &'a (u16, ValueType)>) -> Vec<(u16, ValueType, &'a str)> {
        typed.filter_map(|&(i, ty)| Some((i, ty, row.record().get(i.into()).filter(|t| !t.is_empty())?))).collect()
    }

    proptest! {
        /// A row's lists, and the cells it fills in the columns the API reads, read through the
        /// spans are those read by looking at every cell, in headers in an export's order and
        /// in any order.
        #[test]
        fn read_through_spans_is_the_cells_looked_at(
            cols in prop_oneof![
                proptest::sample::subsequence(POOL.to_vec(), 0..=POOL.len()),
                proptest::sample::subsequence(POOL.to_vec(), 0..=POOL.len()).prop_shuffle(),
            ],
            cells in proptest::collection::vec(proptest::sample::select(vec!["", "", "", "1", "\r"]), POOL.len()),
            crlf: bool,
            cut in 0..POOL.len() + 2,
        ) {
            let names: Vec<String> = ["RegionId", "SourceId"].into_iter().chain(cols).map(String::from).collect();
            let schema = Schema::parse(names.clone()).unwrap();
            let mut looked = schema.clone();
            looked.spans = Spans::default();
            let cells: Vec<&str> = ["cn", "s"].into_iter().chain(cells).take(names.len()).collect();
            // The row as the parser reads it from a file's line, and cut short.
            let line = format!("{}{}\n", cells.join(","), if crlf { "\r" } else { "" });
            let mut parsed = Records::default();
            parsed.clear(names.len());
            Parser::new().parse(line.as_bytes(), true, &mut parsed);
            parsed.decode().unwrap();
            let short: RecordBuf = cells[..cut.min(cells.len())].iter().copied().collect();
            for record in [parsed.get(0), short.view()] {
                let row = |schema| Row::new(2, schema, record);
                prop_assert_eq!(lists(row(&schema)), lists(row(&looked)));
                prop_assert_eq!(typed_cells_in_blocks(row(&schema)), typed_cells_looked_at(row(&schema)));
            }
        }
    }

    #[test]
    fn a_span_is_exact_when_nothing_else_lies_inside() {
        assert_eq!(Span::of([7, 5, 6]), Some(Span { from: 5, to: 8, exact: true }));
        assert_eq!(Span::of([5, 8]), Some(Span { from: 5, to: 9, exact: false }));
        assert_eq!(Span::of([3]), Some(Span { from: 3, to: 4, exact: true }));
        assert_eq!(Span::of([]), None);
    }
}
