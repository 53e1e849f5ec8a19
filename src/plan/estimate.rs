//! The one estimator of how long a migration takes, for schedule, plan, validate and the
//! report alike: a row's bytes (the partitions' used space when the row or the account
//! tells it, else the disks' sizes) at the throughput the schedule was made with, which
//! `schedule` writes as a comment line at the top of its output and the others read back.

use crate::account::AccountIndex;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The throughput, in Mbit/s, a migration is expected to copy at when nothing says otherwise.
pub const DEFAULT_THROUGHPUT: f64 = 100.0;

/// What a row's migration is estimated from.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub line: u64,
    pub wave: String,
    /// Bytes to copy: the source's used space where known, else the row's disk sizes.
    pub bytes: u64,
    /// The row's own bandwidth limit (ReplicationParameters `bandwidth_limit`, Mbit/s), if set.
    pub mbps: Option<f64>,
    pub valid_time: Option<Timestamp>,
}

impl Job {
    /// An inventory row's job in `wave`: the cells [`Job::of_params`] reads, by their API names.
    pub fn of(row: &crate::inventory::Row, wave: &str, account: Option<&AccountIndex>) -> Job {
        let params: BTreeMap<String, String> = row
            .fields()
            .enumerate()
            .map(|(col, v)| (row.schema.api_name(col as u16), v))
            .filter(|(name, v)| !v.is_empty() && Job::reads(name))
            .map(|(name, v)| (name.to_string(), v.to_string()))
            .collect();
        Job::of_params(row.line, wave, &params, account)
    }

    /// Whether [`Job::of_params`] reads the parameter `name`: the disks, the source, the
    /// bandwidth (in ReplicationParameters) and ValidTime.
    fn reads(name: &str) -> bool {
        name.starts_with("SystemDisk")
            || name.starts_with("DataDisk.")
            || matches!(name, "SourceId" | "ReplicationParameters" | "ValidTime")
    }

    /// A row's job from its request parameters by their API names (`SystemDiskSize`,
    /// `DataDisk.1.Part.1.SizeBytes`, ...): disk by disk, the used space its partitions
    /// tell (the row's `...Part.M.SizeBytes`, else the account's for its source: the
    /// closest proxy for used space the API gives), else the disk's size.
    pub fn of_params(line: u64, wave: &str, params: &BTreeMap<String, String>, account: Option<&AccountIndex>) -> Job {
        let int = |k: &str| params.get(k).and_then(|v| crate::inventory::row::parse_int(v)).filter(|v| *v > 0);
        let gib = |g: i64| (g.max(0) as u64) << 30;
        // Sums a value over the numbered entries of a list (`SystemDiskPart.M.SizeBytes`).
        let sum = |prefix: &str, suffix: &str| -> u64 {
            params
                .keys()
                .filter_map(|k| {
                    k.strip_prefix(prefix)?.strip_suffix(suffix).filter(|m| m.parse::<u32>().is_ok()).map(|_| k)
                })
                .filter_map(|k| int(k))
                .map(|v| v as u64)
                .sum()
        };
        let source = account.and_then(|a| a.source(params.get("SourceId").map_or("", String::as_str)));
        let system_known: u64 = source.map_or(0, |s| s.system_disk_parts.iter().map(|p| p.size_bytes).sum());
        let system = [sum("SystemDiskPart.", ".SizeBytes"), system_known]
            .into_iter()
            .find(|b| *b > 0)
            .unwrap_or_else(|| gib(int("SystemDiskSize").unwrap_or(0)));
        let disks: std::collections::BTreeSet<u32> =
            params.keys().filter_map(|k| k.strip_prefix("DataDisk.")?.split('.').next()?.parse().ok()).collect();
        let data: u64 = disks
            .iter()
            .map(|n| {
                let parts = sum(&format!("DataDisk.{n}.Part."), ".SizeBytes");
                let index = int(&format!("DataDisk.{n}.Index"));
                let known: u64 = source
                    .and_then(|s| s.data_disks.iter().find(|k| Some(k.index) == index))
                    .map_or(0, |k| k.parts.iter().map(|p| p.size_bytes).sum());
                [parts, known]
                    .into_iter()
                    .find(|b| *b > 0)
                    .unwrap_or_else(|| gib(int(&format!("DataDisk.{n}.Size")).unwrap_or(0)))
            })
            .sum();
        let mbps = params
            .get("ReplicationParameters")
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
            .and_then(|v| v.get("bandwidth_limit").and_then(serde_json::Value::as_f64))
            .filter(|m| *m > 0.0);
        Job {
            line,
            wave: wave.to_string(),
            bytes: system + data,
            mbps,
            valid_time: params.get("ValidTime").and_then(|t| crate::time::parse_time(t)),
        }
    }
}

/// How long a job is expected to run: its bytes at its speed, at least a minute.
pub fn duration(job: &Job, throughput: f64) -> SignedDuration {
    let mbps = job.mbps.filter(|m| *m > 0.0).map_or(throughput, |m| m.min(throughput)).max(0.001);
    let seconds = (job.bytes as f64 * 8.0 / 1e6 / mbps).ceil().max(60.0);
    SignedDuration::from_secs(seconds.min(1e12) as i64)
}

/// What a schedule was made with: the comment line `schedule` writes first.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pace {
    /// Mbit/s a migration copies at.
    pub throughput: f64,
    /// Migrations running at once.
    pub max_running: usize,
}

const MARK: &str = "# smcplan schedule:";

impl Pace {
    /// `# smcplan schedule: throughput 100 Mbit/s, max-running 20`.
    pub fn comment(&self) -> String {
        format!("{MARK} throughput {} Mbit/s, max-running {}", self.throughput, self.max_running)
    }

    /// The pace a file's first lines say (the comment line, before the header), if any.
    pub fn read(head: &[u8]) -> Option<Pace> {
        let text = String::from_utf8_lossy(&head[..head.len().min(4096)]);
        let line = text
            .trim_start_matches('\u{feff}')
            .lines()
            .take_while(|l| l.starts_with('#'))
            .find_map(|l| l.strip_prefix(MARK))?;
        let mut pace = Pace { throughput: DEFAULT_THROUGHPUT, max_running: 0 };
        for part in line.split(',') {
            let words: Vec<&str> = part.split_whitespace().collect();
            match words.as_slice() {
                ["throughput", n, ..] => pace.throughput = n.parse().ok().filter(|t: &f64| *t > 0.0)?,
                ["max-running", n] => pace.max_running = n.parse().ok()?,
                _ => {}
            }
        }
        Some(pace)
    }

    /// The pace the file at `path` says, if it says one (an unreadable file says none).
    pub fn of_file(path: &std::path::Path) -> Option<Pace> {
        use std::io::Read as _;
        let mut head = Vec::with_capacity(4096);
        std::fs::File::open(path).ok()?.take(4096).read_to_end(&mut head).ok()?;
        Pace::read(&head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comment_reads_back() {
        let pace = Pace { throughput: 250.5, max_running: 12 };
        let text = format!("\u{feff}{}\nRegionId,SourceId\n", pace.comment());
        assert_eq!(Pace::read(text.as_bytes()), Some(pace));
        assert_eq!(Pace::read(b"RegionId\n# smcplan schedule: throughput 5 Mbit/s, max-running 1\n"), None);
        assert_eq!(Pace::read(b"# smcplan schedule: throughput zero Mbit/s\n"), None);
    }

    #[test]
    fn bytes_come_from_parts_then_sizes() {
        let p = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let sizes = p(&[("SystemDiskSize", "40"), ("DataDisk.1.Size", "100"), ("DataDisk.2.Size", "20")]);
        assert_eq!(Job::of_params(2, "", &sizes, None).bytes, 160 << 30);
        let parts = p(&[
            ("SystemDiskSize", "40"),
            ("SystemDiskPart.1.SizeBytes", "1000"),
            ("DataDisk.1.Size", "100"),
            ("DataDisk.1.Part.1.SizeBytes", "500"),
            ("DataDisk.1.Part.2.SizeBytes", "25"),
        ]);
        assert_eq!(Job::of_params(2, "", &parts, None).bytes, 1525);
    }
}
