//! Disks: the system disk size, data disk indexes and sizes, and partitions that must fit their disk.

use super::diag;
use crate::diagnostics::{Column, Diagnostic, codes};
use crate::inventory::row::{Cell, Part};
use crate::inventory::{Param, Row};

const GIB: i128 = 1 << 30;

pub fn check(row: &Row, out: &mut Vec<Diagnostic>) {
    let system_size = row.get(Param::SystemDiskSize);
    if let Some((c, v)) = system_size.and_then(|c| Some((c, c.int()?))).filter(|(_, v)| !(20..=2048).contains(v)) {
        out.push(diag(row, c.column(), codes::SYSTEM_DISK_SIZE_RANGE, crate::msg!("must be 20..2048 GiB, got {v}")));
    }
    check_parts(row, DiskName::System, row.system_parts(), system_size, row.column_of(Param::SystemDiskSize), out);
    // The list position N of the disk that first used each index 1..=16 (0: none yet).
    let mut first_of = [0u32; 17];
    for disk in row.data_disks() {
        let n = disk.n();
        match disk.index() {
            None => {
                let col = disk.cols.index.map_or(disk.column(), Column::At);
                out.push(diag(row, col, codes::DATA_DISK_INDEX_MISSING, crate::msg!("DataDisk.{n} has no Index")));
            }
            Some(c) => {
                if let Some(v) = c.int() {
                    if !(1..=16).contains(&v) {
                        out.push(diag(
                            row,
                            c.column(),
                            codes::DATA_DISK_INDEX_RANGE,
                            crate::msg!("must be 1..16, got {v}"),
                        ));
                    } else if first_of[v as usize] != 0 {
                        let message = crate::msg!("index {v} is already used by DataDisk.{}", first_of[v as usize]);
                        out.push(diag(row, c.column(), codes::DATA_DISK_INDEX_DUPLICATE, message));
                    } else {
                        first_of[v as usize] = n;
                    }
                }
            }
        }
        match disk.size() {
            None => {
                let col = disk.cols.size.map_or(disk.column(), Column::At);
                out.push(diag(row, col, codes::DATA_DISK_SIZE_MISSING, crate::msg!("DataDisk.{n} has no Size")));
            }
            Some(c) => {
                if let Some(v) = c.int().filter(|v| !(20..=32768).contains(v)) {
                    out.push(diag(
                        row,
                        c.column(),
                        codes::DATA_DISK_SIZE_RANGE,
                        crate::msg!("must be 20..32768 GiB, got {v}"),
                    ));
                }
            }
        }
        if disk.parts().next().is_some() {
            let size_column = disk.size().map_or(disk.column(), Cell::column);
            check_parts(row, DiskName::Data(n), disk.parts(), disk.size(), size_column, out);
        }
    }
}

/// The disk whose partitions are checked, as a finding names it.
#[derive(Clone, Copy, PartialEq)]
enum DiskName {
    System,
    Data(u32),
}

impl std::fmt::Display for DiskName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiskName::System => f.write_str("the system disk"),
            DiskName::Data(n) => write!(f, "DataDisk.{n}"),
        }
    }
}

/// Device and SizeBytes together, positive sizes, and a sum that fits the disk.
fn check_parts<'a>(
    row: &Row,
    disk: DiskName,
    parts: impl Iterator<Item = Part<'a>>,
    size: Option<Cell>,
    size_column: Column,
    out: &mut Vec<Diagnostic>,
) {
    let mut total: i128 = 0;
    for p in parts {
        match (p.device, p.size_bytes) {
            (Some(d), None) => {
                let message = crate::msg!("partition {} of {disk} has a Device but no SizeBytes", p.m);
                let col = p.cols.size_bytes.map_or(d.column(), Column::At);
                out.push(diag(row, col, codes::PART_INCOMPLETE, message));
            }
            (None, Some(s)) => {
                let message = crate::msg!("partition {} of {disk} has SizeBytes but no Device", p.m);
                let col = p.cols.device.map_or(s.column(), Column::At);
                out.push(diag(row, col, codes::PART_INCOMPLETE, message));
            }
            _ => {}
        }
        if let Some(s) = p.size_bytes
            && let Some(v) = s.int()
        {
            if v <= 0 {
                out.push(diag(
                    row,
                    s.column(),
                    codes::PART_SIZE_BYTES_RANGE,
                    crate::msg!("must be more than 0 bytes, got {v}"),
                ));
            }
            total += i128::from(v.max(0));
        }
    }
    if total == 0 {
        return;
    }
    match size.and_then(Cell::int) {
        Some(gib) if total > i128::from(gib) * GIB => {
            let message = crate::msg!(
                "the partitions of {disk} add up to {total} bytes, more than its {gib} GiB ({} bytes)",
                i128::from(gib) * GIB
            );
            out.push(diag(row, size_column, codes::PART_TOO_LARGE, message));
        }
        None if size.is_none() && disk == DiskName::System => {
            let message = "system disk partitions are set but SystemDiskSize is not";
            out.push(diag(row, size_column, codes::PART_WITHOUT_DISK, message));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, full, run};
    use super::*;

    #[test]
    fn system_disk_range() {
        assert_eq!(run(&[("SystemDiskSize", "19")], check), vec![at("SystemDiskSize", "SystemDiskSize.OutOfRange")]);
        assert_eq!(run(&[("SystemDiskSize", "2049")], check), vec![at("SystemDiskSize", "SystemDiskSize.OutOfRange")]);
        assert!(run(&[("SystemDiskSize", "20")], check).is_empty());
        assert_eq!(full(&[("SystemDiskSize", "19")], check)[0].0.message, "must be 20..2048 GiB, got 19");
    }

    #[test]
    fn data_disk_indexes_and_sizes() {
        let got = run(
            &[
                ("DataDisk.1.Index", "1"),
                ("DataDisk.1.Size", "19"),
                ("DataDisk.2.Index", "1"),
                ("DataDisk.2.Size", "100"),
                ("DataDisk.3.Index", "17"),
                ("DataDisk.3.Size", "32769"),
                ("DataDisk.4.Index", ""),
                ("DataDisk.4.Size", ""),
                ("DataDisk.5.Size", "50"),
                ("DataDisk.6.Index", "6"),
            ],
            check,
        );
        assert_eq!(
            got,
            vec![
                at("DataDisk.1.Size", "DataDisk.Size.OutOfRange"),
                at("DataDisk.2.Index", "DataDisk.Index.Duplicate"),
                at("DataDisk.3.Index", "DataDisk.Index.OutOfRange"),
                at("DataDisk.3.Size", "DataDisk.Size.OutOfRange"),
                at("DataDisk.5.Size", "DataDisk.Index.Missing"),
                at("DataDisk.6.Index", "DataDisk.Size.Missing"),
            ]
        );
        assert_eq!(
            run(&[("DataDisk.1.Index", "1"), ("DataDisk.1.Size", "")], check),
            vec![at("DataDisk.1.Size", "DataDisk.Size.Missing")]
        );
    }

    #[test]
    fn partitions_pair_and_fit() {
        let got = run(
            &[
                ("DataDisk.1.Index", "1"),
                ("DataDisk.1.Size", "20"),
                ("DataDisk.1.Part.1.Device", "1_1"),
                ("DataDisk.1.Part.1.SizeBytes", "21474836480"),
                ("DataDisk.1.Part.2.Device", "1_2"),
                ("DataDisk.1.Part.2.SizeBytes", "1"),
                ("DataDisk.1.Part.3.Device", "1_3"),
                ("DataDisk.1.Part.3.SizeBytes", ""),
                ("SystemDiskPart.1.Device", ""),
                ("SystemDiskPart.1.SizeBytes", "0"),
            ],
            check,
        );
        assert_eq!(
            got,
            vec![
                at("SystemDiskPart.1.Device", "Part.Incomplete"),
                at("SystemDiskPart.1.SizeBytes", "Part.SizeBytes.OutOfRange"),
                at("DataDisk.1.Part.3.SizeBytes", "Part.Incomplete"),
                at("DataDisk.1.Size", "Part.TooLarge"),
            ]
        );
        // Each disk is named as the message says it: the system disk, or its list position.
        let cells = [
            ("DataDisk.1.Index", "1"),
            ("DataDisk.1.Size", "20"),
            ("DataDisk.1.Part.1.Device", "1_1"),
            ("SystemDiskPart.1.SizeBytes", "1024"),
        ];
        let messages: Vec<String> = full(&cells, check).into_iter().map(|(d, _)| d.message.to_string()).collect();
        assert_eq!(
            messages,
            [
                "partition 1 of the system disk has SizeBytes but no Device",
                "system disk partitions are set but SystemDiskSize is not",
                "partition 1 of DataDisk.1 has a Device but no SizeBytes",
            ]
        );
        assert_eq!(
            run(&[("SystemDiskPart.1.Device", "0_1"), ("SystemDiskPart.1.SizeBytes", "1024")], check),
            vec![at("SystemDiskSize", "Part.WithoutDiskSize")]
        );
        assert!(
            run(
                &[
                    ("SystemDiskSize", "1"),
                    ("SystemDiskSize", "40"),
                    ("SystemDiskPart.1.Device", "0_1"),
                    ("SystemDiskPart.1.SizeBytes", "42949672960")
                ],
                check
            )
            .is_empty()
        );
    }
}
