//! Rows against the account state: the source server, its disks and partitions, existing jobs, vSwitches.

use super::ids::is_resource_id;
use super::{diag, effective_target};
use crate::account::{AccountIndex, DiskPart, SourceServer};
use crate::diagnostics::{Column, Diagnostic, codes};
use crate::inventory::row::Part;
use crate::inventory::{Param, Row};

pub fn check(row: &Row, account: &AccountIndex, out: &mut Vec<Diagnostic>) {
    existing_jobs(row, account, out);
    vswitch(row, account, out);
    // A malformed id already has its own finding; looking it up would only repeat it.
    let Some(source_cell) = row.get(Param::SourceId).filter(|c| is_resource_id(c.text, "s-")) else {
        return;
    };
    let Some(source) = account.source(source_cell.text) else {
        let message = crate::msg!("source server {} is not in the account", source_cell.text);
        out.push(diag(row, source_cell.column(), codes::SOURCE_STATE_INVALID, message));
        return;
    };
    if let Some(job) = account.active_job(&source.source_id) {
        let message = crate::msg!("source server {} already has job {} ({})", source.source_id, job.job_id, job.status);
        out.push(diag(row, source_cell.column(), codes::SOURCE_HAS_JOB, message));
    } else if source.state != "Available" {
        let message = crate::msg!(
            "source server {} is {}; jobs are created only for Available servers",
            source.source_id,
            source.state
        );
        out.push(diag(row, source_cell.column(), codes::SOURCE_STATE_INVALID, message));
    }
    disks(row, source, out);
}

fn existing_jobs(row: &Row, account: &AccountIndex, out: &mut Vec<Diagnostic>) {
    if let Some(c) = row.get(Param::Name)
        && let Some(job) = account.job_named(c.text)
    {
        let message = crate::msg!("name '{}' is already used by job {}", c.text, job.job_id);
        out.push(diag(row, c.column(), codes::NAME_DUPLICATE, message));
    }
    if let (Some(region), Some(c)) = (row.text(Param::RegionId), row.get(Param::ImageName))
        && let Some(job) = account.job_with_image(region, c.text)
    {
        let message = crate::msg!("image name '{}' is already used by job {} in {region}", c.text, job.job_id);
        out.push(diag(row, c.column(), codes::IMAGE_NAME_IN_USE, message));
    }
}

fn vswitch(row: &Row, account: &AccountIndex, out: &mut Vec<Diagnostic>) {
    let Some(c) = row.get(Param::VSwitchId).filter(|c| is_resource_id(c.text, "vsw-")) else {
        return;
    };
    let Some(vsw) = account.vswitch(c.text) else {
        // A snapshot taken without this region holds none of its vSwitches: nothing to tell.
        if row.text(Param::RegionId).is_none_or(|r| account.has_vswitches_in(r)) {
            let message = crate::msg!("vSwitch {} is not in the account", c.text);
            out.push(diag(row, c.column(), codes::VSWITCH_NOT_FOUND, message));
        }
        return;
    };
    if let Some(vpc) = row.get(Param::VpcId).filter(|v| is_resource_id(v.text, "vpc-") && v.text != vsw.vpc_id) {
        let message = crate::msg!("vSwitch {} is in {}, not in {}", vsw.vswitch_id, vsw.vpc_id, vpc.text);
        out.push(diag(row, vpc.column(), codes::VSWITCH_VPC_MISMATCH, message));
    }
    if let Some(region) = row.text(Param::RegionId).filter(|r| !vsw.region_id.is_empty() && *r != vsw.region_id) {
        let message = crate::msg!("vSwitch {} is in {}, not in {region}", vsw.vswitch_id, vsw.region_id);
        out.push(diag(row, c.column(), codes::VSWITCH_REGION_MISMATCH, message));
    }
}

fn disks(row: &Row, source: &SourceServer, out: &mut Vec<Diagnostic>) {
    if let (Some(c), Some(want), Some(have)) =
        (row.get(Param::SystemDiskSize), row.int(Param::SystemDiskSize), source.system_disk_size)
        && (20..have).contains(&want)
    {
        let message = crate::msg!("SystemDiskSize {want} GiB is smaller than the source's {have} GiB system disk");
        out.push(diag(row, c.column(), codes::DISK_SMALLER_THAN_SOURCE, message));
    }
    devices(row, "the system disk", row.system_parts(), &source.system_disk_parts, out);
    let mut any = false;
    let mut listed: Vec<i64> = Vec::new();
    for disk in row.data_disks() {
        any = true;
        if let Some(index) = disk.index().and_then(|c| c.int()) {
            listed.push(index);
        }
        let Some((cell, index)) = disk.index().and_then(|c| Some((c, c.int()?))).filter(|(_, i)| (1..=16).contains(i))
        else {
            continue;
        };
        let Some(src) = source.data_disks.iter().find(|d| d.index == index) else {
            let have: Vec<String> = source.data_disks.iter().map(|d| d.index.to_string()).collect();
            let message = match have.is_empty() {
                true => crate::msg!("source server {} has no data disks", source.source_id),
                false => {
                    crate::msg!(
                        "source server {} has no data disk {index} (it has {})",
                        source.source_id,
                        have.join(", ")
                    )
                }
            };
            out.push(diag(row, cell.column(), codes::DATA_DISK_INDEX_UNKNOWN, message));
            continue;
        };
        if let Some((c, want)) =
            disk.size().and_then(|c| Some((c, c.int()?))).filter(|(_, w)| (20..src.size).contains(w))
        {
            let message = crate::msg!(
                "DataDisk.{} Size {want} GiB is smaller than the source's {} GiB disk {index}",
                disk.n(),
                src.size
            );
            out.push(diag(row, c.column(), codes::DISK_SMALLER_THAN_SOURCE, message));
        }
        devices(row, &crate::msg!("data disk {index}"), disk.parts(), &src.parts, out);
    }
    if !any && !source.data_disks.is_empty() && effective_target(row) == Some(super::TargetType::Image) {
        let message = crate::msg!(
            "source server {} has {} data disk(s) and the row migrates none",
            source.source_id,
            source.data_disks.len()
        );
        out.push(diag(row, Column::Named("DataDisk.1.Index"), codes::DATA_DISK_MISSING, message));
    }
    // Some of the source's data disks but not all: the others are not migrated.
    let left: Vec<String> =
        source.data_disks.iter().filter(|d| !listed.contains(&d.index)).map(|d| d.index.to_string()).collect();
    if any && !left.is_empty() {
        let (n, which) = (left.len(), left.join(", "));
        let disks = if n == 1 { "data disk" } else { "data disks" };
        // Where the first of them would be listed: the first DataDisk.N the header has and the
        // row leaves empty, else (no room) the row's first disk.
        let set: Vec<u32> = row.data_disks().map(|d| d.n()).collect();
        let free = row.schema.disks.iter().find(|d| !set.contains(&d.n));
        let room = free.map_or(String::new(), |d| format!(" (list it as DataDisk.{}.Index = {})", d.n, left[0]));
        let message = crate::msg!(
            "source server {} has {disks} {which} that the row does not list: {} not migrated{room}",
            source.source_id,
            if n == 1 { "it is" } else { "they are" }
        );
        let first = || row.data_disks().next().and_then(|d| d.index()).map(|c| c.column());
        let column =
            free.and_then(|d| d.index).map(Column::At).or_else(first).unwrap_or(Column::Named("DataDisk.1.Index"));
        out.push(diag(row, column, codes::DATA_DISK_NOT_LISTED, message));
    }
}

fn devices<'a>(
    row: &Row,
    disk: &str,
    parts: impl Iterator<Item = Part<'a>>,
    known: &[DiskPart],
    out: &mut Vec<Diagnostic>,
) {
    for d in parts.filter_map(|p| p.device) {
        if !known.iter().any(|k| k.device == d.text) {
            let have: Vec<&str> = known.iter().map(|k| k.device.as_str()).collect();
            let message = crate::msg!("{disk} of the source has no partition {} (it has: {})", d.text, have.join(", "));
            out.push(diag(row, d.column(), codes::PART_DEVICE_UNKNOWN, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{account, at, full, run};
    use super::*;

    fn rule(row: &Row, out: &mut Vec<Diagnostic>) {
        check(row, &account(), out)
    }

    const DB01: (&str, &str) = ("SourceId", "s-bp1e2fsl57knvuug0001");

    #[test]
    fn source_servers() {
        assert_eq!(
            run(&[("SourceId", "s-bp1e2fsl57knvuug0404")], rule),
            vec![at("SourceId", "SourceServerState.Invalid")]
        );
        assert_eq!(
            run(&[("SourceId", "s-bp1e2fsl57knvuug0003")], rule),
            vec![at("SourceId", "SourceServerState.Invalid")]
        );
        assert_eq!(
            run(&[("SourceId", "s-bp1e2fsl57knvuug0009")], rule),
            vec![at("SourceId", "SourceServer.JobExists")]
        );
        let got = full(&[("SourceId", "s-bp1e2fsl57knvuug0003")], rule);
        assert_eq!(
            got[0].0.message,
            "source server s-bp1e2fsl57knvuug0003 is Unavailable; jobs are created only for Available servers"
        );
    }

    #[test]
    fn existing_names_and_images() {
        let got =
            run(&[("SourceId", "s-bp1e2fsl57knvuug0002"), ("Name", "old-db01"), ("ImageName", "img-old-db01")], rule);
        assert_eq!(
            got,
            vec![at("Name", "ReplicationJobName.Duplicate"), at("ImageName", "ImageName.UsedByReplicationJob")]
        );
        let other_region = run(
            &[("RegionId", "cn-beijing"), ("SourceId", "s-bp1e2fsl57knvuug0002"), ("ImageName", "img-old-db01")],
            rule,
        );
        assert!(other_region.is_empty());
    }

    #[test]
    fn a_row_that_lists_some_data_disks_of_its_source_is_warned_of_the_others() {
        // app01 has data disks 1, 2 and 3.
        const APP01: (&str, &str) = ("SourceId", "s-bp1e2fsl57knvuug0004");
        let some = [APP01, ("DataDisk.1.Index", "2"), ("DataDisk.1.Size", "500")];
        let got = full(&some, rule);
        assert_eq!(got.iter().map(|(d, _)| d.code.id).collect::<Vec<_>>(), ["DataDisk.NotListed"]);
        assert_eq!(
            got[0].0.message,
            "source server s-bp1e2fsl57knvuug0004 has data disks 1, 3 that the row does not list: they are not migrated"
        );
        assert_eq!(got[0].0.severity, crate::diagnostics::Severity::Warning);
        assert_eq!(got[0].1.as_deref(), Some("DataDisk.1.Index"));
        // With room in the header, the warning points where the first missing disk goes.
        let room = [APP01, ("DataDisk.1.Index", "2"), ("DataDisk.1.Size", "500"), ("DataDisk.2.Index", "")];
        let got = full(&room, rule);
        assert_eq!(got[0].1.as_deref(), Some("DataDisk.2.Index"));
        assert!(
            got[0].0.message.ends_with("they are not migrated (list it as DataDisk.2.Index = 1)"),
            "{}",
            got[0].0.message
        );
        let all = [
            APP01,
            ("DataDisk.1.Index", "1"),
            ("DataDisk.1.Size", "500"),
            ("DataDisk.2.Index", "2"),
            ("DataDisk.2.Size", "500"),
            ("DataDisk.3.Index", "3"),
            ("DataDisk.3.Size", "500"),
        ];
        assert_eq!(run(&all, rule), vec![]);
    }

    #[test]
    fn disks_against_the_source() {
        let got = run(
            &[
                DB01,
                ("SystemDiskSize", "30"),
                ("SystemDiskPart.1.Device", "0_9"),
                ("SystemDiskPart.1.SizeBytes", "1024"),
                ("DataDisk.1.Index", "1"),
                ("DataDisk.1.Size", "50"),
                ("DataDisk.1.Part.1.Device", "1_2"),
                ("DataDisk.1.Part.1.SizeBytes", "1024"),
                ("DataDisk.2.Index", "2"),
                ("DataDisk.2.Size", "50"),
            ],
            rule,
        );
        assert_eq!(
            got,
            vec![
                at("SystemDiskSize", "DiskSize.SmallerThanSource"),
                at("SystemDiskPart.1.Device", "Part.Device.Unknown"),
                at("DataDisk.1.Size", "DiskSize.SmallerThanSource"),
                at("DataDisk.1.Part.1.Device", "Part.Device.Unknown"),
                at("DataDisk.2.Index", "ReplicationJobDataDiskIndex.Invalid"),
            ]
        );
        assert_eq!(
            run(&[DB01, ("TargetType", "Image"), ("SystemDiskSize", "40")], rule),
            vec![at("DataDisk.1.Index", "DataDisk.Missing")]
        );
        assert!(run(&[DB01, ("TargetType", "TargetInstance")], rule).is_empty());
        assert_eq!(
            run(&[("SourceId", "s-bp1e2fsl57knvuug0002"), ("DataDisk.1.Index", "1"), ("DataDisk.1.Size", "20")], rule),
            vec![at("DataDisk.1.Index", "ReplicationJobDataDiskIndex.Invalid")]
        );
    }

    #[test]
    fn vswitches() {
        let src = ("SourceId", "s-bp1e2fsl57knvuug0002");
        let unfetched = run(&[src, ("RegionId", "eu-central-1"), ("VSwitchId", "vsw-gw8nothere0001")], rule);
        assert!(unfetched.is_empty(), "no vSwitch of the region was fetched: {unfetched:?}");
        assert_eq!(
            run(&[src, ("VSwitchId", "vsw-bp1nothere")], rule),
            vec![at("VSwitchId", "InvalidVSwitchId.NotFound")]
        );
        assert_eq!(
            run(&[src, ("VSwitchId", "vsw-bp1ddbrxdlrcbim460001"), ("VpcId", "vpc-bp1other")], rule),
            vec![at("VpcId", "VSwitchIdVpcId.Mismatch")]
        );
        assert_eq!(
            run(&[src, ("RegionId", "cn-beijing"), ("VSwitchId", "vsw-bp1ddbrxdlrcbim460001")], rule),
            vec![at("VSwitchId", "VSwitchId.RegionMismatch")]
        );
        assert!(
            run(&[src, ("VSwitchId", "vsw-bp1ddbrxdlrcbim460001"), ("VpcId", "vpc-bp1vwnn14rqpyiczj0001")], rule)
                .is_empty()
        );
    }
}
