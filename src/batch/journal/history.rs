//! What the journal says: each source server's latest request and each request's outcome,
//! and the runs that held the directory.

use super::entry::{Entry, Outcome, RunRecord, RunSummary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the journal says: the settled outcome of each ClientToken, and the latest token sent
/// for each source server. Lines move when an inventory is edited; tokens follow unchanged
/// rows, and a source server (one open job each) identifies an edited one.
#[derive(Default, Debug)]
pub struct History {
    /// SourceId → the token of its latest intent.
    pub latest_by_source: BTreeMap<String, String>,
    /// token → its outcome.
    pub outcomes: BTreeMap<String, Outcome>,
    /// Tokens whose job must be looked up before they are sent (see `Entry::Intent::lookup`).
    pub look_up: std::collections::BTreeSet<String>,
}

impl History {
    pub fn of(entries: &[Entry]) -> History {
        let mut h = History::default();
        for e in entries {
            match e {
                Entry::Intent { token, params, lookup, .. } => {
                    if let Some(source) = params.get("SourceId") {
                        h.latest_by_source.insert(source.clone(), token.clone());
                    }
                    if *lookup {
                        h.look_up.insert(token.clone());
                    }
                }
                Entry::Outcome(o) => {
                    h.outcomes.insert(o.token.clone(), o.clone());
                }
                Entry::Run(_) | Entry::RunEnd(_) | Entry::Act(_) | Entry::Acted(_) | Entry::Seen(_) => {}
            }
        }
        h
    }
}

/// A run as `report.json` lists it: its start, and its end when it had one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    #[serde(flatten)]
    pub record: RunRecord,
    #[serde(default)]
    pub ended_at: Option<String>,
    #[serde(default)]
    pub summary: Option<RunSummary>,
}

/// The runs a journal records, in the order they started.
pub fn runs_of(entries: &[Entry]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut at: BTreeMap<String, usize> = BTreeMap::new();
    for e in entries {
        match e {
            Entry::Run(record) => {
                at.insert(record.run.clone(), runs.len());
                runs.push(Run { record: (**record).clone(), ended_at: None, summary: None });
            }
            Entry::RunEnd(end) => {
                if let Some(&i) = at.get(&end.run) {
                    runs[i].ended_at = Some(crate::time::format_time(end.ended_at));
                    runs[i].summary = Some(end.summary.clone());
                }
            }
            Entry::Intent { .. } | Entry::Outcome(_) | Entry::Act(_) | Entry::Acted(_) | Entry::Seen(_) => {}
        }
    }
    runs
}
