//! `smcplan template`: a header with every column and commented example rows.

use crate::inventory::Param;

/// The list columns the template shows (one of each list; DataDisk.1.Index and Size first,
/// more data disks after them when an account's servers need them).
const LIST_COLUMNS: &[&str] = &[
    "DataDisk.1.Index",
    "DataDisk.1.Size",
    "DataDisk.1.Part.1.Device",
    "DataDisk.1.Part.1.SizeBytes",
    "DataDisk.1.Part.1.Block",
    "SystemDiskPart.1.Device",
    "SystemDiskPart.1.SizeBytes",
    "SystemDiskPart.1.Block",
    "Tag.1.Key",
    "Tag.1.Value",
];

/// (comment, cells) of each example row.
const EXAMPLES: &[(&str, &[(&str, &str)])] = &[
    (
        "to an ECS image, one data disk, over a VPC",
        &[
            ("RegionId", "cn-hangzhou"),
            ("SourceId", "s-bp1e2fsl57knvuug0001"),
            ("Name", "db01-wave1"),
            ("TargetType", "Image"),
            ("ImageName", "img-db01"),
            ("SystemDiskSize", "80"),
            ("NetMode", "2"),
            ("VSwitchId", "vsw-bp1ddbrxdlrcbim460001"),
            ("ReplicationParameters", r#"{"bandwidth_limit":0,"compress_level":1,"checksum":true}"#),
            ("DataDisk.1.Index", "1"),
            ("DataDisk.1.Size", "200"),
            ("Tag.1.Key", "wave"),
            ("Tag.1.Value", "1"),
        ],
    ),
    (
        "into an existing ECS instance, incremental every 12 hours",
        &[
            ("RegionId", "cn-hangzhou"),
            ("SourceId", "s-bp1e2fsl57knvuug0002"),
            ("Name", "app01-wave1"),
            ("TargetType", "TargetInstance"),
            ("InstanceId", "i-bp1f1dvfto1sigz50001"),
            ("RunOnce", "false"),
            ("Frequency", "12"),
            ("MaxNumberOfImageToKeep", "3"),
        ],
    ),
    (
        "to a container image",
        &[
            ("RegionId", "cn-shanghai"),
            ("SourceId", "s-bp1e2fsl57knvuug0003"),
            ("Name", "api01-wave2"),
            ("TargetType", "ContainerImage"),
            ("ContainerNamespace", "migration"),
            ("ContainerRepository", "api01"),
            ("ContainerTag", "v1"),
        ],
    ),
];

/// Every column of the template, in order.
pub fn columns() -> Vec<&'static str> {
    Param::ALL.iter().map(|p| p.name()).chain(LIST_COLUMNS.iter().copied()).collect()
}

/// The template text.
pub fn render() -> String {
    render_with(1)
}

/// The template text with `disks` data disks' Index and Size columns.
pub fn render_with(disks: usize) -> String {
    let mut cols: Vec<String> = columns().into_iter().map(String::from).collect();
    let after = cols.iter().position(|c| c == "DataDisk.1.Part.1.Block").map_or(cols.len(), |i| i + 1);
    let more: Vec<String> =
        (2..=disks).flat_map(|n| [format!("DataDisk.{n}.Index"), format!("DataDisk.{n}.Size")]).collect();
    cols.splice(after..after, more);
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let mut out = line(cols.iter().copied());
    out.push_str("# Lines starting with # are comments. Remove the '# ' of an example to use it; leave a cell empty for \"not set\".\n");
    for (comment, cells) in EXAMPLES {
        out.push_str(&format!("# Example: {comment}\n# "));
        out.push_str(&line(cols.iter().map(|c| cells.iter().find(|(k, _)| k == c).map_or("", |(_, v)| v))));
    }
    out
}

/// One CSV line, quoted where needed.
fn line<'a>(cells: impl Iterator<Item = &'a str>) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(cells).expect("writing to memory");
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("UTF-8 in, UTF-8 out")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::schema::{ColumnKind, classify};

    #[test]
    fn every_template_column_is_known() {
        for c in columns() {
            assert_ne!(classify(c), ColumnKind::Unknown, "{c}");
        }
    }

    #[test]
    fn an_account_with_bigger_servers_gets_more_data_disk_columns() {
        let text = render_with(3);
        let header = text.lines().next().unwrap();
        assert!(
            header.contains(
                ",DataDisk.1.Part.1.Block,DataDisk.2.Index,DataDisk.2.Size,DataDisk.3.Index,DataDisk.3.Size,"
            ),
            "{header}"
        );
        assert_eq!(render_with(1), render());
    }

    #[test]
    fn examples_use_template_columns() {
        let cols = columns();
        for (_, cells) in EXAMPLES {
            for (k, _) in *cells {
                assert!(cols.contains(k), "{k}");
            }
        }
    }
}
