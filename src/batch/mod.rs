//! The batch: its report directory (the lock, the journal, the report and `failed.csv`)
//! and each row of it: who it is (the same identity in the plan and in the report), where
//! it stands, and what a run made of it.

pub mod dir;
pub mod failed;
pub mod jobs;
pub mod journal;
pub mod lock;
pub mod observe;
pub mod page;
pub mod report;
pub mod resume;
pub mod rows;
pub mod story;
pub mod weekend;
pub mod written;

pub use crate::plan::RowId;
use serde::{Deserialize, Serialize};

/// Where a row of the batch stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RowStatus {
    /// Its job exists (created, or found by `--adopt`).
    Created,
    /// The API refused it; the error is recorded.
    Failed,
    /// It breaks a rule: never sent.
    Invalid,
    /// Not sent in this run (interrupted, or the run was a dry run of a settled batch).
    Skipped,
    /// Sent without an answer, or not sent yet: the next run resolves it.
    #[default]
    Pending,
}

impl RowStatus {
    pub const ALL: [RowStatus; 5] =
        [RowStatus::Created, RowStatus::Failed, RowStatus::Invalid, RowStatus::Skipped, RowStatus::Pending];

    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Created => "created",
            RowStatus::Failed => "failed",
            RowStatus::Invalid => "invalid",
            RowStatus::Skipped => "skipped",
            RowStatus::Pending => "pending",
        }
    }

    /// Lines that `failed.csv` gives back to fix.
    pub fn to_fix(self) -> bool {
        matches!(self, RowStatus::Failed | RowStatus::Invalid)
    }
}

impl std::fmt::Display for RowStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with the name a report shows (`status == "created"`).
impl PartialEq<&str> for RowStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What happened to a row in a run.
#[derive(Clone, Debug, PartialEq)]
pub enum Settled {
    /// An outcome was journaled.
    Done(journal::Outcome),
    /// Sent but no answer came (the job may exist): left for the next run to resolve.
    Unknown { attempts: u32, error: String },
    /// Not sent: the run was interrupted first.
    NotSent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_and_write_as_the_report_names_them() {
        for s in RowStatus::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<RowStatus>(&json).unwrap(), s);
            assert!(s == s.as_str());
        }
        assert!(RowStatus::Failed.to_fix() && RowStatus::Invalid.to_fix() && !RowStatus::Pending.to_fix());
    }
}
