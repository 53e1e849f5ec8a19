//! The account state file (`--account`, `snapshot --out`, `emulator --state`): one format, one definition.

pub mod job;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;

/// The only format version this build reads and writes.
pub const FORMAT: &str = "smcplan-account/1";

/// The account quota of replication jobs when the file does not say.
pub const DEFAULT_JOB_QUOTA: u64 = 1000;

/// The whole account state.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AccountState {
    pub format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<String>,
    #[serde(default)]
    pub quota: Quota,
    #[serde(default)]
    pub source_servers: Vec<SourceServer>,
    #[serde(default)]
    pub replication_jobs: Vec<ReplicationJob>,
    #[serde(default)]
    pub vswitches: Vec<VSwitch>,
    /// Written by the emulator's `--state-out` only: where its id sequence stands, so that an
    /// emulator restarted from the file never issues a JobId again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emulator: Option<EmulatorSequence>,
}

/// The emulator's id generator, saved with its state.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct EmulatorSequence {
    pub next_id: u64,
    pub rng: u64,
}

/// Account limits.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Quota {
    pub replication_jobs: u64,
}

impl Default for Quota {
    fn default() -> Quota {
        Quota { replication_jobs: DEFAULT_JOB_QUOTA }
    }
}

/// A partition of a source disk, as DescribeSourceServers reports it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct DiskPart {
    pub device: String,
    #[serde(default)]
    pub size_bytes: u64,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A data disk of a source server.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct DataDisk {
    pub index: i64,
    #[serde(default)]
    pub size: i64,
    #[serde(default)]
    pub parts: Vec<DiskPart>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A source server (DescribeSourceServers field names).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct SourceServer {
    pub source_id: String,
    #[serde(default)]
    pub name: String,
    pub state: String,
    #[serde(default)]
    pub system_disk_size: Option<i64>,
    #[serde(default)]
    pub system_disk_parts: Vec<DiskPart>,
    #[serde(default)]
    pub data_disks: Vec<DataDisk>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An existing replication job (DescribeReplicationJobs field names).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicationJob {
    pub job_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub source_id: String,
    #[serde(default)]
    pub region_id: String,
    #[serde(default)]
    pub image_name: String,
    pub status: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A vSwitch (VPC DescribeVSwitches field names).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct VSwitch {
    #[serde(rename = "VSwitchId")]
    pub vswitch_id: String,
    pub vpc_id: String,
    #[serde(default)]
    pub region_id: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A state file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct AccountError {
    pub path: String,
    pub problem: StateProblem,
}

/// What is wrong with a state file's text (or the file).
#[derive(Debug, thiserror::Error)]
pub enum StateProblem {
    #[error("cannot read: {0}")]
    Unreadable(std::io::Error),
    #[error("not valid JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("unknown format '{0}'; this smcplan reads '{FORMAT}'")]
    UnknownFormat(String),
    #[error("no \"format\" field; expected \"{FORMAT}\"")]
    NoFormat,
    #[error("not an account state file: {0}")]
    NotAState(serde_json::Error),
}

impl AccountState {
    /// Reads and checks a state file.
    pub fn load(path: &Path) -> Result<AccountState, AccountError> {
        let shown = path.display().to_string();
        let err = |problem: StateProblem| AccountError { path: shown.clone(), problem };
        let text = std::fs::read_to_string(path).map_err(|e| err(StateProblem::Unreadable(e)))?;
        AccountState::parse(&text).map_err(err)
    }

    /// Parses a state file's text.
    pub fn parse(text: &str) -> Result<AccountState, StateProblem> {
        let v: Value = serde_json::from_str(text).map_err(StateProblem::NotJson)?;
        match v.get("format").and_then(Value::as_str) {
            Some(FORMAT) => {}
            Some(other) => return Err(StateProblem::UnknownFormat(other.to_string())),
            None => return Err(StateProblem::NoFormat),
        }
        serde_json::from_value(v).map_err(StateProblem::NotAState)
    }

    /// Pretty JSON, as `snapshot` writes it.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("account state serialises")
    }
}

/// Lookups over an account state, shared read-only by the checks.
pub struct AccountIndex {
    pub state: AccountState,
    sources: HashMap<String, usize>,
    active_job_by_source: HashMap<String, usize>,
    job_by_name: HashMap<String, usize>,
    job_by_image: HashMap<(String, String), usize>,
    vswitches: HashMap<String, usize>,
}

impl AccountIndex {
    /// Indexes a state; on duplicates the first entry wins.
    pub fn new(state: AccountState) -> AccountIndex {
        let mut ix = AccountIndex {
            sources: HashMap::new(),
            active_job_by_source: HashMap::new(),
            job_by_name: HashMap::new(),
            job_by_image: HashMap::new(),
            vswitches: HashMap::new(),
            state,
        };
        for (i, s) in ix.state.source_servers.iter().enumerate() {
            ix.sources.entry(s.source_id.clone()).or_insert(i);
        }
        for (i, j) in ix.state.replication_jobs.iter().enumerate() {
            if crate::jobstate::JobStatus::parse(&j.status).is_active() {
                ix.active_job_by_source.entry(j.source_id.clone()).or_insert(i);
            }
            if !j.name.is_empty() {
                ix.job_by_name.entry(j.name.clone()).or_insert(i);
            }
            if !j.image_name.is_empty() {
                ix.job_by_image.entry((j.region_id.clone(), j.image_name.clone())).or_insert(i);
            }
        }
        for (i, v) in ix.state.vswitches.iter().enumerate() {
            ix.vswitches.entry(v.vswitch_id.clone()).or_insert(i);
        }
        ix
    }

    pub fn source(&self, id: &str) -> Option<&SourceServer> {
        self.sources.get(id).map(|&i| &self.state.source_servers[i])
    }

    /// The job that holds this source server, if any.
    pub fn active_job(&self, source_id: &str) -> Option<&ReplicationJob> {
        self.active_job_by_source.get(source_id).map(|&i| &self.state.replication_jobs[i])
    }

    pub fn job_named(&self, name: &str) -> Option<&ReplicationJob> {
        self.job_by_name.get(name).map(|&i| &self.state.replication_jobs[i])
    }

    pub fn job_with_image(&self, region: &str, image: &str) -> Option<&ReplicationJob> {
        self.job_by_image.get(&(region.to_string(), image.to_string())).map(|&i| &self.state.replication_jobs[i])
    }

    pub fn vswitch(&self, id: &str) -> Option<&VSwitch> {
        self.vswitches.get(id).map(|&i| &self.state.vswitches[i])
    }

    /// Whether the state lists any vSwitch of `region` (a snapshot fetches them per region).
    pub fn has_vswitches_in(&self, region: &str) -> bool {
        self.state.vswitches.iter().any(|v| v.region_id == region)
    }

    /// Jobs that count against the quota (every job the account holds).
    pub fn job_count(&self) -> u64 {
        self.state.replication_jobs.len() as u64
    }
}

/// Writes the state file atomically: a temporary file beside it, synced, then a rename.
pub fn write(path: &std::path::Path, state: &AccountState) -> std::io::Result<()> {
    crate::files::write_atomic(path, (state.to_json() + "\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{"format": "smcplan-account/1",
 "captured_at": "2026-11-27T08:00:00Z",
 "quota": {"replication_jobs": 1000},
 "source_servers": [
   {"SourceId": "s-bp1e2fsl57knvuug0001", "Name": "db01", "State": "Available",
    "SystemDiskSize": 40, "Platform": "CentOS Linux 7",
    "SystemDiskParts": [{"Device": "0_1", "SizeBytes": 42949672960}],
    "DataDisks": [{"Index": 1, "Size": 100,
                   "Parts": [{"Device": "1_1", "SizeBytes": 107374182400}]}]}],
 "replication_jobs": [
   {"JobId": "j-bp17bclvg344jlyt0001", "Name": "old-db01", "SourceId": "s-bp1e2fsl57knvuug0009",
    "RegionId": "cn-hangzhou", "ImageName": "img-old-db01", "Status": "Running"}],
 "vswitches": [{"VSwitchId": "vsw-bp1ddbrxdlrcbim460001", "VpcId": "vpc-bp1vwnn14rqpyiczj0001",
                "RegionId": "cn-hangzhou"}]}"#;

    #[test]
    fn design_example_round_trips_with_extra_fields() {
        let s = AccountState::parse(EXAMPLE).unwrap();
        assert_eq!(s.source_servers[0].data_disks[0].parts[0].size_bytes, 107374182400);
        assert_eq!(s.source_servers[0].extra["Platform"], "CentOS Linux 7");
        let again = AccountState::parse(&s.to_json()).unwrap();
        assert_eq!(again, s);
        let ix = AccountIndex::new(s);
        assert_eq!(ix.active_job("s-bp1e2fsl57knvuug0009").unwrap().job_id, "j-bp17bclvg344jlyt0001");
        assert!(ix.job_with_image("cn-hangzhou", "img-old-db01").is_some());
        assert!(ix.job_with_image("cn-beijing", "img-old-db01").is_none());
    }

    #[test]
    fn unknown_format_is_refused() {
        let err = AccountState::parse(r#"{"format":"smcplan-account/9"}"#).unwrap_err();
        assert_eq!(err.to_string(), "unknown format 'smcplan-account/9'; this smcplan reads 'smcplan-account/1'");
        assert!(matches!(AccountState::parse("[]").unwrap_err(), StateProblem::NoFormat));
    }
}
