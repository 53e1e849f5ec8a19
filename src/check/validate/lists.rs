//! Lists (DataDisk.N, DataDisk.N.Part.M, SystemDiskPart.M, Tag.N): the API numbers a list
//! from 1 without gaps, so a row whose list has an empty entry before a filled one is sent
//! renumbered; the row is told how, at the first empty entry.

use super::diag;
use crate::diagnostics::{Column, Diagnostic, Message, codes};
use crate::inventory::Row;

/// What a list with the numbers `set` (ascending) is sent as: each number that moves, with
/// the one it is sent under, as the list is walked; nothing when the numbers run from 1
/// without a gap.
fn moves(set: impl Iterator<Item = u32>) -> impl Iterator<Item = (u32, u32)> {
    set.enumerate().filter_map(|(i, n)| (n != i as u32 + 1).then_some((n, i as u32 + 1)))
}

/// The first number missing from `set` (ascending), below its last: the number the first
/// entry that moves is sent under.
fn first_hole(set: impl Iterator<Item = u32>) -> Option<u32> {
    moves(set).next().map(|(_, to)| to)
}

/// The finding on a list of `name` (`DataDisk`, `Tag`, `DataDisk.2.Part`) with the numbers
/// `set()` whose first hole is `hole`, written in one string.
fn said<I: Iterator<Item = u32>>(name: &str, set: impl Fn() -> I, hole: u32) -> Message {
    use std::fmt::Write;
    let last = moves(set()).last().map_or(hole, |(from, _)| from);
    let mut message =
        crate::msg!("{name}.{hole} is empty and {name}.{last} is not: the list is sent numbered from 1 without gaps (");
    for (k, (from, to)) in moves(set()).enumerate() {
        let comma = if k == 0 { "" } else { ", " };
        let _ = write!(message, "{comma}{name}.{from} as {name}.{to}");
    }
    let _ = message.write_str(")");
    message
}

pub fn check(row: &Row, out: &mut Vec<Diagnostic>) {
    let schema = row.schema;
    let mut say = |column: Column, message: Message| out.push(diag(row, column, codes::LIST_RENUMBERED, message));
    let disks = || row.data_disks().map(|d| d.n());
    if let Some(hole) = first_hole(disks()) {
        let cols = schema.disks.iter().find(|d| d.n == hole);
        let column = cols
            .and_then(|d| d.index.or(d.size))
            .map_or_else(|| row.data_disks().find(|d| d.n() > hole).map_or(Column::Row, |d| d.column()), Column::At);
        say(column, said("DataDisk", disks, hole));
    }
    for disk in row.data_disks() {
        let parts = || disk.parts().map(|p| p.m);
        if let Some(hole) = first_hole(parts()) {
            let column = disk.cols.parts.iter().find(|p| p.m == hole).and_then(|p| p.device.or(p.size_bytes));
            let column = column.map_or_else(|| disk.column(), Column::At);
            say(column, said(&format!("DataDisk.{}.Part", disk.n()), parts, hole));
        }
    }
    let parts = || row.system_parts().map(|p| p.m);
    if let Some(hole) = first_hole(parts()) {
        // The hole's column, or, when the header has none, the first entry sent under another number.
        let column = schema.system_parts.iter().find(|p| p.m == hole).and_then(|p| p.device.or(p.size_bytes));
        let moved = || row.system_parts().find(|p| p.m > hole).and_then(|p| p.cols.device.or(p.cols.size_bytes));
        let column = column.or_else(moved).map_or(Column::Row, Column::At);
        say(column, said("SystemDiskPart", parts, hole));
    }
    let tags = || row.tags().map(|t| t.n);
    if let Some(hole) = first_hole(tags()) {
        let column = schema.tags.iter().find(|t| t.n == hole).and_then(|t| t.key.or(t.value));
        let moved = || row.tags().find(|t| t.n > hole).and_then(|t| t.cols.key.or(t.cols.value));
        say(column.or_else(moved).map_or(Column::Row, Column::At), said("Tag", tags, hole));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::validate::testing::full;

    #[test]
    fn a_list_with_a_hole_is_said_as_it_is_sent() {
        assert_eq!(moves([1, 2, 3].into_iter()).count(), 0);
        assert_eq!(moves([1, 3, 4].into_iter()).collect::<Vec<_>>(), [(3, 2), (4, 3)]);
        assert_eq!(first_hole([1, 3, 4].into_iter()), Some(2));
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
