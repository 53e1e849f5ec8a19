//! Shapes of inventory the rules were not tuned on, their details drawn from the seed.

use super::Rng;
use std::io::{self, BufWriter, Write};

/// The API columns a wide export carries, most of them empty on most rows.
const API: &[&str] = &[
    "RegionId",
    "SourceId",
    "Name",
    "Description",
    "TargetType",
    "ImageName",
    "SystemDiskSize",
    "NetMode",
    "VpcId",
    "VSwitchId",
    "RunOnce",
    "Frequency",
    "MaxNumberOfImageToKeep",
    "ReplicationParameters",
    "InstanceType",
    "InstanceRamRole",
    "LicenseType",
    "ResourceGroupId",
    "LaunchTemplateId",
    "LaunchTemplateVersion",
    "ValidTime",
    "ScheduledStartTime",
    "ContainerNamespace",
    "ContainerRepository",
    "ContainerTag",
    "JobType",
];
/// What a CMDB export adds: columns smcplan does not know.
const OWN: &[&str] = &[
    "owner",
    "cmdb_id",
    "hostname",
    "ip",
    "os",
    "os_version",
    "cpu",
    "memory_gb",
    "rack",
    "site",
    "env",
    "app",
    "app_owner",
    "cost_center",
    "backup",
    "monitoring",
    "patch_group",
    "notes",
    "decommission",
    "ticket",
    "wave",
    "contact",
    "sla",
    "tier",
    "criticality",
    "zone",
    "vlan",
    "domain",
    "serial",
    "vendor",
    "model",
    "purchase",
    "warranty",
    "dr_site",
    "rto",
    "rpo",
    "comment",
    "status",
    "created",
    "updated",
    "checked_by",
];

struct Out {
    w: BufWriter<io::StdoutLock<'static>>,
    eol: &'static str,
}

impl Out {
    fn row(&mut self, cells: &[String]) -> io::Result<()> {
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                self.w.write_all(b",")?;
            }
            if c.contains([',', '"', '\n', '\r']) {
                write!(self.w, "\"{}\"", c.replace('"', "\"\""))?;
            } else {
                self.w.write_all(c.as_bytes())?;
            }
        }
        self.w.write_all(self.eol.as_bytes())
    }
}

/// A header of the API columns, data disks, tags, and the export's own columns: `width` in all.
fn header(rng: &mut Rng, width: usize, disks: u32, parts: u32, tags: u32) -> Vec<String> {
    let mut h: Vec<String> = API.iter().map(|s| s.to_string()).collect();
    for n in 1..=disks {
        h.extend([format!("DataDisk.{n}.Index"), format!("DataDisk.{n}.Size")]);
        for m in 1..=parts {
            h.extend([format!("DataDisk.{n}.Part.{m}.Device"), format!("DataDisk.{n}.Part.{m}.SizeBytes")]);
        }
    }
    for n in 1..=tags {
        h.extend([format!("Tag.{n}.Key"), format!("Tag.{n}.Value")]);
    }
    let mut own = 0;
    while h.len() < width {
        h.push(OWN[own % OWN.len()].to_string() + &"_x".repeat(own / OWN.len()));
        own += 1;
    }
    // A few columns spelled as people spell them: read under the API's spelling, with a warning.
    if rng.below(2) == 0 {
        h[6] = "systemdisksize".into();
        h[14] = "Instance Type".into();
    }
    h
}

fn at(h: &[String], name: &str) -> Option<usize> {
    h.iter().position(|c| c.eq_ignore_ascii_case(name) || c.replace(' ', "").eq_ignore_ascii_case(name))
}

/// A valid base row for `id` in header `h`.
fn base(h: &[String], rng: &mut Rng, id: u64) -> Vec<String> {
    let mut r = vec![String::new(); h.len()];
    let mut set = |name: &str, v: String| {
        if let Some(i) = at(h, name) {
            r[i] = v;
        }
    };
    let role = ["web", "app", "db", "cache"][(id % 4) as usize];
    set("RegionId", "cn-hangzhou".into());
    set("SourceId", format!("s-bp1e2fsl57knvuu{id:07}"));
    set("Name", format!("{role}-{id:07}"));
    set("TargetType", "Image".into());
    set("ImageName", format!("img-{role}-{id:07}"));
    set("SystemDiskSize", (40 + 20 * rng.below(10)).to_string());
    set("owner", format!("team-{role}"));
    set("hostname", format!("{role}{id:07}.corp"));
    r
}

/// Breaks `r` for one rule family, with a value in the message.
fn finding(h: &[String], r: &mut [String], rng: &mut Rng, id: u64) {
    let mut set = |name: &str, v: String| {
        if let Some(i) = at(h, name) {
            r[i] = v;
        }
    };
    match rng.below(12) {
        0 => set("Name", format!("n{}", "x".repeat(128 + (id % 40) as usize))),
        1 => set("Description", format!("Migration of {id} (wave {})", id % 9)),
        2 => set("SystemDiskSize", (2049 + id % 5000).to_string()),
        3 => {
            set("DataDisk.1.Index", (17 + id % 9).to_string());
            set("DataDisk.1.Size", (10 + id % 9).to_string());
        }
        4 => set("Tag.1.Key", format!("aliyun-{id}")),
        5 => set("ValidTime", format!("2026-12-{:02} 00:00", 1 + id % 28)),
        6 => set("ReplicationParameters", format!("{{\"bandwidth_limit\": \"{id}\"}}")),
        7 => {
            set("RunOnce", "false".into());
            set("Frequency", (200 + id % 100).to_string());
            set("MaxNumberOfImageToKeep", (11 + id % 5).to_string());
        }
        8 => set("NetMode", (3 + id % 7).to_string()),
        9 => set("VSwitchId", format!("vsw_{id}")),
        10 => set("ImageName", format!("img {id}")),
        _ => set("ScheduledStartTime", format!("2020-01-{:02}T00:00:00Z", 1 + id % 28)),
    }
}

/// Warnings: a disk without a size, a list with a hole, a target type left to the API.
fn warning(h: &[String], r: &mut [String], rng: &mut Rng, id: u64) {
    let mut set = |name: &str, v: String| {
        if let Some(i) = at(h, name) {
            r[i] = v;
        }
    };
    match rng.below(3) {
        0 => set("DataDisk.1.Index", (1 + id % 4).to_string()),
        1 => {
            set("Tag.2.Key", format!("k{}", id % 100));
            set("Tag.2.Value", format!("v{id}"));
        }
        _ => set("TargetType", String::new()),
    }
}

/// Long text: a 128-character description and a long quoted JSON cell.
fn long(h: &[String], r: &mut [String], id: u64) {
    if let Some(i) = at(h, "Description") {
        r[i] = format!("Migration_{id:07}_{}", "of_the_server_to_the_cloud_".repeat(5))[..128].to_string();
    }
    if let Some(i) = at(h, "ReplicationParameters") {
        r[i] = format!(
            r#"{{"bandwidth_limit": {}, "compress_level": 3, "checksum": true, "exclude": ["/tmp", "/var/cache", "/proc"]}}"#,
            100 + id % 400
        );
    }
    if let Some(i) = at(h, "notes") {
        r[i] =
            format!("owner: team, ticket MIG-{id}, checked 2026-11, \"priority\": high, window: sat 20:00-sun 06:00");
    }
}

/// 16 data disks with a partition each and 20 tags.
fn full_lists(h: &[String], r: &mut [String], id: u64) {
    for n in 1..=16u64 {
        for (name, v) in [
            (format!("DataDisk.{n}.Index"), n.to_string()),
            (format!("DataDisk.{n}.Size"), (100 + n * 10).to_string()),
            (format!("DataDisk.{n}.Part.1.Device"), format!("{n}_1")),
            (format!("DataDisk.{n}.Part.1.SizeBytes"), (1u64 << 30).to_string()),
        ] {
            if let Some(i) = at(h, &name) {
                r[i] = v;
            }
        }
    }
    for n in 1..=20u64 {
        if let (Some(k), Some(v)) = (at(h, &format!("Tag.{n}.Key")), at(h, &format!("Tag.{n}.Value"))) {
            r[k] = format!("key{n}");
            r[v] = format!("value-{id}-{n}, with a comma");
        }
    }
}

/// Writes the shape `name` (see the example's documentation).
pub fn write(name: &str, all: &[String]) -> io::Result<()> {
    let number = |flag: &str| {
        all.iter().position(|a| a == flag).and_then(|i| all.get(i + 1)).and_then(|v| v.parse::<u64>().ok())
    };
    let positional: Vec<&String> = all
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || !all[i - 1].starts_with("--")))
        .map(|(_, a)| a)
        .collect();
    let rows: u64 = positional.first().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let seed = positional.get(1).and_then(|a| a.parse().ok()).unwrap_or(0x5eed);
    let mut rng = Rng(seed | 1);
    let share = number("--findings").unwrap_or(100).min(100);
    let crlf = rng.below(2) == 0;
    let bom = rng.below(2) == 0;
    let (width, disks, parts, tags) = match name {
        "wide" => (40 + rng.below(41) as usize, 2, 1, 3),
        "disks" | "mixed" => (80, 16, 1, 20),
        _ => (48, 2, 1, 3),
    };
    let mut h = header(&mut rng, width, disks, parts, tags);
    let pad = number("--pad").map(|n| n as usize);
    if pad.is_some() {
        // A second column of the name would make the header invalid, and the file unreadable.
        if h.iter().any(|c| c.eq_ignore_ascii_case("remark")) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "the shape already has a column named remark"));
        }
        h.push("remark".into());
    }
    let mut out =
        Out { w: BufWriter::with_capacity(1 << 20, io::stdout().lock()), eol: if crlf { "\r\n" } else { "\n" } };
    if bom {
        out.w.write_all("\u{feff}".as_bytes())?;
    }
    out.row(&h)?;
    let kinds = ["wide", "findings", "warnings", "long", "disks"];
    for id in 0..rows {
        let mut r = base(&h, &mut rng, id);
        let kind = if name == "mixed" { kinds[rng.below(kinds.len() as u64) as usize] } else { name };
        match kind {
            "findings" if rng.below(100) < share => finding(&h, &mut r, &mut rng, id),
            "warnings" => warning(&h, &mut r, &mut rng, id),
            "long" => long(&h, &mut r, id),
            "disks" if rng.below(4) == 0 => full_lists(&h, &mut r, id),
            _ => {}
        }
        if let Some(bytes) = pad {
            let last = r.len() - 1;
            r[last] = remark(id, bytes);
        }
        out.row(&r)?;
    }
    out.w.flush()
}

/// A free-text remark of `bytes` bytes, commas in it (so it is quoted), in a column the API does not read.
fn remark(id: u64, bytes: usize) -> String {
    let mut text = format!("ticket MIG-{id}, ");
    while text.len() < bytes {
        text.push_str("owner team, window sat 20:00-sun 06:00, checked 2026-11, ");
    }
    text.truncate(bytes);
    text
}
