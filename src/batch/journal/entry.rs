//! The journal's entries: a create's intent and outcome, a job action's intent and result,
//! and each run's record and end. Written one a line, read back as the batch's history.

use crate::batch::RowStatus;
pub use crate::plan::request::Replaces;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One journal line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Entry {
    /// Written (and synced) before a request leaves.
    Intent {
        line: u64,
        token: String,
        params: BTreeMap<String, String>,
        #[serde(with = "crate::time::second")]
        at: Timestamp,
        /// Written by `submit --adopt` before looking the row's job up: until an outcome
        /// follows, the job may exist under another token, and must be looked up first.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        lookup: bool,
        /// The run that sent it (none in journals written before runs were recorded).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        run: Option<String>,
        /// The inventory file the row came from, as the command line named it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<String>,
        /// A create in place of the batch's job for the source server, gone or deleted to be
        /// replaced: that job's JobId (the new request has a new ClientToken: the old one
        /// names the old job), and why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replaces: Option<Replaces>,
    },
    /// Written (and synced) when a row's request is settled.
    Outcome(Outcome),
    /// Written first by every run that holds the directory: who ran what, against what.
    Run(Box<RunRecord>),
    /// Written last by a run that ended (not by one that was killed): when, and its summary.
    #[serde(rename = "run_end")]
    RunEnd(RunEnd),
    /// Written (and synced) before a job action (start, stop, cutover, delete) leaves.
    Act(Act),
    /// Written (and synced) when a job action is settled.
    Acted(Acted),
    /// A job's state as a run saw it, when it differs from the last one written.
    Seen(super::Seen),
}

/// A job action about to be called: which, on which job of the batch, for which row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Act {
    pub line: u64,
    /// `StartReplicationJob`, `StopReplicationJob`, `CutOverReplicationJob` or `DeleteReplicationJob`.
    pub action: String,
    pub job_id: String,
    /// Exactly the parameters sent (JobId, SyncData).
    pub params: BTreeMap<String, String>,
    #[serde(with = "crate::time::second")]
    pub at: Timestamp,
    pub run: String,
    /// What the action is part of, when not a lifecycle command of its own: `update`,
    /// `replace` (a delete before a create) or `prune`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<crate::plan::request::Purpose>,
}

/// What a job action came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActResult {
    /// The call succeeded, or a lost attempt's goal holds.
    Done,
    /// The API refused it; its error is recorded.
    Failed,
}

/// How a job action ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acted {
    pub line: u64,
    pub action: String,
    pub job_id: String,
    pub result: ActResult,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    pub attempts: u32,
    #[serde(with = "crate::time::second")]
    pub at: Timestamp,
}

/// How a row ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub line: u64,
    pub token: String,
    /// `created` or `failed`.
    pub status: RowStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    pub attempts: u32,
    #[serde(with = "crate::time::second")]
    pub at: Timestamp,
    /// Found by `submit --adopt` (by Name and SourceId) rather than created by this batch's journal.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adopted: bool,
    /// A failure a later attempt may not get (throttling, 5xx, a lost connection): the next
    /// run sends the row again. Journals without the field hold final failures only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retryable: bool,
}

impl Outcome {
    /// Whether the call came to its goal (a create made its job, a job call was done).
    pub fn succeeded(&self) -> bool {
        self.status == RowStatus::Created
    }

    /// A row settled after one attempt: created as `job` (`Some`), or failed without a code
    /// (`None`); the rest for the caller to set.
    pub fn settled(line: u64, token: &str, job: Option<&str>) -> Outcome {
        Outcome {
            line,
            token: token.to_string(),
            status: if job.is_some() { RowStatus::Created } else { RowStatus::Failed },
            job_id: job.map(str::to_string),
            request_id: None,
            error_code: None,
            error_message: None,
            attempts: 1,
            at: Timestamp::UNIX_EPOCH,
            adopted: false,
            retryable: false,
        }
    }
}

/// A run as it starts: written to the journal before its first request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// `r-20261202T061825Z-3f9a`: the start time and a few bits to tell apart runs of one second.
    pub run: String,
    /// `submit`, `status`, ...
    pub command: String,
    /// The command line, with the value of every option that could hold a secret masked.
    pub argv: Vec<String>,
    pub version: String,
    #[serde(default)]
    pub endpoint: String,
    #[serde(default)]
    pub regions: Vec<String>,
    /// The key the run signs with; never its secret.
    #[serde(default, rename = "AccessKeyId")]
    pub access_key_id: String,
    /// Where its credentials came from (mode, place, profile, role; never a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<crate::api::credentials::Source>,
    /// How it reached the API: what later commands on the batch default to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reached: Option<crate::api::client::Reached>,
    /// The inventory it read, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<InventoryFile>,
    #[serde(with = "crate::time::second")]
    pub started_at: Timestamp,
}

/// An inventory file as a run read it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InventoryFile {
    /// As the command line named it.
    pub file: String,
    pub sha256: String,
    /// The pace its schedule was made at (its comment line), if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pace: Option<crate::plan::estimate::Pace>,
}

/// How a run ended: written after its last request (a killed run has none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEnd {
    pub run: String,
    #[serde(with = "crate::time::second")]
    pub ended_at: Timestamp,
    pub summary: RunSummary,
}

/// How a run ended: written as `completed`, `interrupted`, `stopped: WHY` or `failed`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Ended {
    #[default]
    Completed,
    /// A signal stopped it.
    Interrupted,
    /// It stopped itself (the circuit breaker, a canary): why.
    Stopped(String),
    /// It failed; the run's error is its summary line.
    Failed,
}

impl std::fmt::Display for Ended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ended::Completed => f.write_str("completed"),
            Ended::Interrupted => f.write_str("interrupted"),
            Ended::Stopped(why) => write!(f, "stopped: {why}"),
            Ended::Failed => f.write_str("failed"),
        }
    }
}

impl Serialize for Ended {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Ended {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(match text.as_str() {
            "completed" => Ended::Completed,
            "interrupted" => Ended::Interrupted,
            "failed" => Ended::Failed,
            other => Ended::Stopped(other.strip_prefix("stopped: ").unwrap_or(other).to_string()),
        })
    }
}

/// What a run came to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    pub ended: Ended,
    /// Rows (or jobs) by where they stand: `created`, `failed`, ... for submit, the job
    /// statuses for status.
    pub counts: BTreeMap<String, u64>,
    /// The summary line the run printed.
    pub line: String,
}
