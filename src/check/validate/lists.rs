//! Lists (DataDisk.N, DataDisk.N.Part.M, SystemDiskPart.M, Tag.N): the API numbers a list
//! from 1 without gaps, so a row whose list has an empty entry before a filled one is sent
//! renumbered; the row is told how, at the first empty entry.

use super::diag;
use crate::diagnostics::{Column, Diagnostic, codes};
use crate::inventory::Row;

/// What a list of `name` (`DataDisk`, `Tag`, `DataDisk.2.Part`) with the numbers `set`
/// (ascending) is sent as: each number that moves, with the one it is sent under. Empty
/// when the numbers run from 1 without a gap.
pub fn renumbered(set: &[u32]) -> Vec<(u32, u32)> {
    set.iter().enumerate().filter_map(|(i, &n)| (n != i as u32 + 1).then_some((n, i as u32 + 1))).collect()
}

/// The first number missing from `set` (ascending), below its last: the number the first
/// entry of [`renumbered`] is sent under, found without building the list (every row's
/// lists are looked at, few have a hole; a property test holds the two to agreeing).
fn first_hole(set: &[u32]) -> Option<u32> {
    set.iter().enumerate().find(|(i, n)| **n != *i as u32 + 1).map(|(i, _)| i as u32 + 1)
}

fn said(name: &str, set: &[u32], hole: u32, column: Column) -> Option<(Column, String)> {
    let moved = renumbered(set);
    let (last, _) = *moved.last()?;
    let each: Vec<String> = moved.iter().map(|(from, to)| format!("{name}.{from} as {name}.{to}")).collect();
    let message = format!(
        "{name}.{hole} is empty and {name}.{last} is not: the list is sent numbered from 1 without gaps ({})",
        each.join(", ")
    );
    Some((column, message))
}

pub fn check(row: &Row, out: &mut Vec<Diagnostic>) {
    let schema = row.schema;
    let mut found: Vec<(Column, String)> = Vec::new();
    let disks: Vec<u32> = row.data_disks().map(|d| d.n()).collect();
    if let Some(hole) = first_hole(&disks) {
        let cols = schema.disks.iter().find(|d| d.n == hole);
        let column = cols
            .and_then(|d| d.index.or(d.size))
            .map_or_else(|| row.data_disks().find(|d| d.n() > hole).map_or(Column::Row, |d| d.column()), Column::At);
        found.extend(said("DataDisk", &disks, hole, column));
    }
    for disk in row.data_disks() {
        let parts: Vec<u32> = disk.parts().map(|p| p.m).collect();
        if let Some(hole) = first_hole(&parts) {
            let column = disk.cols.parts.iter().find(|p| p.m == hole).and_then(|p| p.device.or(p.size_bytes));
            let column = column.map_or_else(|| disk.column(), Column::At);
            found.extend(said(&format!("DataDisk.{}.Part", disk.n()), &parts, hole, column));
        }
    }
    let parts: Vec<u32> = row.system_parts().map(|p| p.m).collect();
    if let Some(hole) = first_hole(&parts) {
        // The hole's column, or, when the header has none, the first entry sent under another number.
        let column = schema.system_parts.iter().find(|p| p.m == hole).and_then(|p| p.device.or(p.size_bytes));
        let moved = || row.system_parts().find(|p| p.m > hole).and_then(|p| p.cols.device.or(p.cols.size_bytes));
        let column = column.or_else(moved).map_or(Column::Row, Column::At);
        found.extend(said("SystemDiskPart", &parts, hole, column));
    }
    let tags: Vec<u32> = row.tags().map(|t| t.n).collect();
    if let Some(hole) = first_hole(&tags) {
        let column = schema.tags.iter().find(|t| t.n == hole).and_then(|t| t.key.or(t.value));
        let moved = || row.tags().find(|t| t.n > hole).and_then(|t| t.cols.key.or(t.cols.value));
        found.extend(said("Tag", &tags, hole, column.or_else(moved).map_or(Column::Row, Column::At)));
    }
    for (column, message) in found {
        out.push(diag(row, column, codes::LIST_RENUMBERED, message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::validate::testing::full;

    proptest::proptest! {
        #[test]
        fn the_first_hole_is_where_renumbering_starts(set in proptest::collection::btree_set(1u32..12, 0..8)) {
            let set: Vec<u32> = set.into_iter().collect();
            proptest::prop_assert_eq!(first_hole(&set), renumbered(&set).first().map(|&(_, to)| to));
        }
    }

    #[test]
    fn a_list_with_a_hole_is_said_as_it_is_sent() {
        assert_eq!(renumbered(&[1, 2, 3]), []);
        assert_eq!(renumbered(&[1, 3, 4]), [(3, 2), (4, 3)]);
        let cells = [
            ("DataDisk.1.Index", "1"),
            ("DataDisk.1.Size", "100"),
            ("DataDisk.2.Index", ""),
            ("DataDisk.2.Size", ""),
            ("DataDisk.3.Index", "3"),
            ("DataDisk.3.Size", "100"),
            ("DataDisk.3.Part.1.Device", ""),
            ("DataDisk.3.Part.2.Device", "3_2"),
            ("DataDisk.3.Part.2.SizeBytes", "1024"),
            ("Tag.1.Key", "env"),
            ("Tag.2.Key", ""),
            ("Tag.3.Key", "team"),
        ];
        let got = full(&cells, check);
        let said: Vec<(Option<&str>, &str)> = got.iter().map(|(d, c)| (c.as_deref(), d.message.as_str())).collect();
        assert_eq!(
            said,
            [
                (
                    Some("DataDisk.2.Index"),
                    "DataDisk.2 is empty and DataDisk.3 is not: the list is sent numbered from 1 without gaps (DataDisk.3 as DataDisk.2)"
                ),
                (
                    Some("DataDisk.3.Part.1.Device"),
                    "DataDisk.3.Part.1 is empty and DataDisk.3.Part.2 is not: the list is sent numbered from 1 without gaps (DataDisk.3.Part.2 as DataDisk.3.Part.1)"
                ),
                (
                    Some("Tag.2.Key"),
                    "Tag.2 is empty and Tag.3 is not: the list is sent numbered from 1 without gaps (Tag.3 as Tag.2)"
                ),
            ]
        );
        assert!(full(&cells[..2], check).is_empty());
    }
}
