//! `init`: a draft inventory from what SMC knows of the account: one row per source server
//! that can take a job, its disks filled from the source, names made valid and unique; the
//! servers that cannot take one are said, with why. [`join`] merges a CMDB export into it.

pub mod join;
pub mod names;

use crate::account::{AccountIndex, SourceServer};
use crate::check::validate::TargetType;
use crate::check::validate::ids::is_resource_id;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

/// The API's smallest and largest disks, in GiB.
const SYSTEM_DISK: (i64, i64) = (20, 2048);
const DATA_DISK: (i64, i64) = (20, 32768);

/// What to draft.
#[derive(Clone, Debug)]
pub struct Options {
    /// The destination region of every row.
    pub region: String,
    pub target: TargetType,
}

/// A draft inventory: its header, a row per server that can take a job, and the servers
/// that cannot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Draft {
    pub header: Vec<String>,
    pub rows: Vec<DraftRow>,
    pub left_out: Vec<LeftOut>,
    /// Names the account's jobs already hold, by column (`Name`, `ImageName`): a joined
    /// name must avoid them too.
    pub taken: std::collections::BTreeMap<String, BTreeSet<String>>,
}

/// A row of the draft, its cells in header order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftRow {
    pub source_id: String,
    pub cells: Vec<String>,
}

/// A server the draft has no row for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOut {
    pub source_id: String,
    pub name: String,
    pub why: Why,
}

/// Why a server has no row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// A job of the account holds it (InUse, or an open job).
    Held { job_id: String, status: String },
    /// Its state is not Available.
    State(String),
    /// The account's job quota leaves no room for it.
    OverQuota { quota: u64 },
    /// Its system disk is larger than the API takes.
    SystemDiskTooLarge(i64),
    /// A data disk the API cannot take (an index outside 1-16, or too large).
    DataDisk { index: i64, size: i64 },
    /// Its id is not one the API takes.
    BadId,
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::Held { job_id, status } => write!(f, "InUse by job {job_id} ({status})"),
            Why::State(state) => write!(f, "{state}: jobs are created only for Available servers"),
            Why::OverQuota { quota } => write!(f, "past the account's quota of {quota} jobs"),
            Why::SystemDiskTooLarge(size) => {
                write!(f, "its system disk of {size} GiB is larger than the API's {} GiB", SYSTEM_DISK.1)
            }
            Why::DataDisk { index, size } => {
                write!(
                    f,
                    "its data disk {index} ({size} GiB) is outside what the API takes (index 1-16, up to 32768 GiB)"
                )
            }
            Why::BadId => write!(f, "its SourceId is not one the API takes"),
        }
    }
}

/// The columns a draft offers for a target type with up to `disks` data disks.
pub fn header(target: TargetType, disks: usize) -> Vec<String> {
    let mut h: Vec<String> = ["RegionId", "SourceId", "Name", "TargetType"].map(String::from).into();
    let own: &[&str] = match target {
        TargetType::Image => &["ImageName"],
        TargetType::TargetInstance => &["InstanceId"],
        TargetType::ContainerImage => &["ContainerNamespace", "ContainerRepository", "ContainerTag"],
    };
    h.extend(own.iter().map(|s| s.to_string()));
    h.push("SystemDiskSize".to_string());
    for n in 1..=disks {
        h.push(format!("DataDisk.{n}.Index"));
        h.push(format!("DataDisk.{n}.Size"));
    }
    let rest = [
        "Description",
        "VSwitchId",
        "VpcId",
        "NetMode",
        "InstanceType",
        "ScheduledStartTime",
        "Tag.1.Key",
        "Tag.1.Value",
    ];
    h.extend(rest.map(String::from));
    h
}

/// Why `s` cannot take a job, if it cannot.
fn cannot_take_a_job(s: &SourceServer, account: &AccountIndex) -> Option<Why> {
    if !is_resource_id(&s.source_id, "s-") {
        return Some(Why::BadId);
    }
    if let Some(job) = account.active_job(&s.source_id) {
        return Some(Why::Held { job_id: job.job_id.clone(), status: job.status.clone() });
    }
    if s.state != "Available" {
        return Some(Why::State(s.state.clone()));
    }
    if let Some(size) = s.system_disk_size.filter(|size| *size > SYSTEM_DISK.1) {
        return Some(Why::SystemDiskTooLarge(size));
    }
    let bad = s.data_disks.iter().find(|d| !(1..=16).contains(&d.index) || d.size > DATA_DISK.1);
    bad.map(|d| Why::DataDisk { index: d.index, size: d.size })
}

/// The draft of every source server of the account, in the order of their names (then ids).
pub fn draft(account: &AccountIndex, opts: &Options) -> Draft {
    let mut servers: Vec<&SourceServer> = Vec::new();
    let mut seen = BTreeSet::new();
    for s in &account.state.source_servers {
        if seen.insert(s.source_id.as_str()) {
            servers.push(s);
        }
    }
    servers.sort_by(|a, b| (&a.name, &a.source_id).cmp(&(&b.name, &b.source_id)));
    let quota = account.state.quota.replication_jobs;
    let mut room = quota.saturating_sub(account.job_count());
    let mut taken_names: BTreeSet<String> = account.state.replication_jobs.iter().map(|j| j.name.clone()).collect();
    let mut taken_images: BTreeSet<String> = account
        .state
        .replication_jobs
        .iter()
        .filter(|j| j.region_id == opts.region)
        .map(|j| j.image_name.clone())
        .collect();
    let taken = [("Name".to_string(), taken_names.clone()), ("ImageName".to_string(), taken_images.clone())].into();
    let mut rows = Vec::new();
    let mut left_out = Vec::new();
    for s in servers {
        let why = cannot_take_a_job(s, account).or_else(|| (room == 0).then_some(Why::OverQuota { quota }));
        if let Some(why) = why {
            left_out.push(LeftOut { source_id: s.source_id.clone(), name: s.name.clone(), why });
            continue;
        }
        room -= 1;
        let base = names::valid_name(if s.name.is_empty() { &s.source_id } else { &s.name });
        let name = names::unique(&base, &mut taken_names);
        let image = names::unique(&names::valid_name(&format!("img-{name}")), &mut taken_images);
        rows.push((s, name, image));
    }
    let disks = rows.iter().map(|(s, _, _)| data_disks(s).len()).max().unwrap_or(0);
    let header = header(opts.target, disks);
    let at = |col: &str| header.iter().position(|h| h == col);
    let rows = rows
        .into_iter()
        .map(|(s, name, image)| {
            let mut cells = vec![String::new(); header.len()];
            let mut put = |col: &str, value: String| {
                if let Some(i) = at(col) {
                    cells[i] = value;
                }
            };
            put("RegionId", opts.region.clone());
            put("SourceId", s.source_id.clone());
            put("Name", name);
            put("TargetType", opts.target.name().to_string());
            if opts.target == TargetType::Image {
                put("ImageName", image);
            }
            if let Some(size) = s.system_disk_size {
                put("SystemDiskSize", size.max(SYSTEM_DISK.0).to_string());
            } else if opts.target == TargetType::Image {
                put("SystemDiskSize", SYSTEM_DISK.0.to_string());
            }
            for (n, (index, size)) in data_disks(s).into_iter().enumerate() {
                put(&format!("DataDisk.{}.Index", n + 1), index.to_string());
                put(&format!("DataDisk.{}.Size", n + 1), size.max(DATA_DISK.0).to_string());
            }
            DraftRow { source_id: s.source_id.clone(), cells }
        })
        .collect();
    Draft { header, rows, left_out, taken }
}

/// Whether a draft column is the user's own (not an API parameter, nor smcplan's `Wave`).
fn is_own_column(name: &str) -> bool {
    crate::inventory::schema::classify(name) == crate::inventory::schema::ColumnKind::Unknown
}

/// The cells of the draft's API columns that start like a spreadsheet formula: validate
/// reports each; init says how many.
pub fn formula_cells(draft: &Draft) -> usize {
    let api: Vec<bool> = draft.header.iter().map(|h| !is_own_column(h)).collect();
    draft
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().zip(&api))
        .filter(|(c, api)| **api && crate::check::validate::values::formula_like(c.as_bytes()))
        .count()
}

/// A source's data disks by index (a disk reported twice once, at its larger size).
fn data_disks(s: &SourceServer) -> BTreeMap<i64, i64> {
    let mut disks = BTreeMap::new();
    for d in &s.data_disks {
        let size = disks.entry(d.index).or_insert(d.size);
        *size = (*size).max(d.size);
    }
    disks
}

/// Writes the draft as an inventory: the header, the rows, then a comment line for each
/// server left out. The draft is the file people open in a spreadsheet next: a user's own
/// column (joined from a CMDB export), and its header, get the `'` guard against a formula;
/// an API column keeps its value, for validate to report (`Value.Formula`).
pub fn write_csv(draft: &Draft, out: &mut dyn Write) -> io::Result<()> {
    let own: Vec<bool> = draft.header.iter().map(|h| is_own_column(h)).collect();
    let line = |out: &mut dyn Write, cells: &[String]| -> io::Result<()> {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
        let guarded = cells.iter().zip(&own).map(|(c, own)| if *own { crate::text::neutralise(c) } else { c.clone() });
        w.write_record(guarded)?;
        out.write_all(&w.into_inner().map_err(|e| e.into_error())?)
    };
    line(out, &draft.header)?;
    for r in &draft.rows {
        line(out, &r.cells)?;
    }
    for l in &draft.left_out {
        let name = crate::text::OneLine(&l.name);
        writeln!(out, "# {} ({name}): no row: {}", l.source_id, l.why)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AccountState;

    fn account() -> AccountIndex {
        AccountIndex::new(AccountState::parse(include_str!("../../samples/account.json")).unwrap())
    }

    #[test]
    fn every_available_server_gets_a_row_and_the_others_a_reason() {
        let a = account();
        let d = draft(&a, &Options { region: "cn-hangzhou".into(), target: TargetType::Image });
        let servers = a.state.source_servers.len();
        assert_eq!(d.rows.len() + d.left_out.len(), servers);
        let why: Vec<String> = d.left_out.iter().map(|l| l.why.to_string()).collect();
        assert!(why.iter().any(|w| w.starts_with("InUse by job j-")), "{why:?}");
        assert!(why.iter().any(|w| w.starts_with("Unavailable")), "{why:?}");
        let db01 = d.rows.iter().find(|r| r.source_id == "s-bp1e2fsl57knvuug0001").unwrap();
        let cell = |c: &str| &db01.cells[d.header.iter().position(|h| h == c).unwrap()];
        assert_eq!(
            (cell("Name").as_str(), cell("ImageName").as_str(), cell("SystemDiskSize").as_str()),
            ("db01", "img-db01", "80")
        );
        assert_eq!((cell("DataDisk.1.Index").as_str(), cell("DataDisk.2.Size").as_str()), ("1", "500"));
        let mut text = Vec::new();
        write_csv(&d, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.starts_with("RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize,DataDisk.1.Index,"));
        assert!(
            text.contains(
                "\n# s-bp1e2fsl57knvuug0022 (legacy02): no row: InUse by job j-bp17bclvg344jlyt0001 (Running)\n"
            ),
            "{text}"
        );
    }
}
