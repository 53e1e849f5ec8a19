//! The plan: each validated row in submission order, created or blocked, and how long submitting takes.

pub mod estimate;
pub mod request;
pub mod waves;

use crate::diagnostics::{Diagnostic, Severity};
use crate::inventory::{Param, Row};
use serde::{Deserialize, Serialize};
use std::io::{self, Write};

/// The row's identity: its line and the fields a person recognises it by.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowId {
    pub line: u64,
    #[serde(rename = "SourceId")]
    pub source_id: String,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "RegionId")]
    pub region_id: String,
}

impl RowId {
    /// The identity of an inventory row.
    pub fn of(row: &crate::inventory::Row) -> RowId {
        use crate::inventory::Param;
        let text = |p: Param| row.text(p).unwrap_or_default().to_string();
        RowId {
            line: row.line,
            source_id: text(Param::SourceId),
            name: text(Param::Name),
            region_id: text(Param::RegionId),
        }
    }
}

/// Requests per second submit sends unless told otherwise (no SMC limit is documented; stay gentle).
pub const DEFAULT_RATE: f64 = 5.0;

/// What submit will do with one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Blocked,
}

/// One row of the plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    #[serde(flatten)]
    pub id: RowId,
    pub action: Action,
    #[serde(rename = "TargetType")]
    pub target_type: String,
    /// The error codes that block the row, in diagnostic order, without repeats.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked_by: Vec<&'static str>,
}

impl Step {
    /// The plan step for a row and its findings.
    pub fn new(row: &Row, diags: &[Diagnostic]) -> Step {
        let mut blocked_by: Vec<&'static str> = Vec::new();
        for d in diags.iter().filter(|d| d.severity == Severity::Error) {
            if !blocked_by.contains(&d.code.id) {
                blocked_by.push(d.code.id);
            }
        }
        Step {
            id: RowId::of(row),
            action: if blocked_by.is_empty() { Action::Create } else { Action::Blocked },
            target_type: row.text(Param::TargetType).unwrap_or_default().to_string(),
            blocked_by,
        }
    }
}

/// The whole plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    pub creates: u64,
    pub blocked: u64,
    pub rate: f64,
    /// Seconds the creates take at `rate` requests per second.
    pub seconds: f64,
    pub steps: Vec<Step>,
    /// The waves (the Wave column) as their ScheduledStartTime cells have them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waves: Vec<waves::Span>,
    /// Waves that start before the one before them is expected to end.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overlaps: Vec<waves::Overlap>,
}

impl Plan {
    /// Totals the steps and estimates the time at `rate`.
    pub fn new(steps: Vec<Step>, rate: f64) -> Plan {
        let creates = steps.iter().filter(|s| s.action == Action::Create).count() as u64;
        let blocked = steps.len() as u64 - creates;
        Plan { creates, blocked, rate, seconds: creates as f64 / rate, steps, waves: Vec::new(), overlaps: Vec::new() }
    }

    /// A table for people.
    pub fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        // A column is as wide as its longest value up to the API's longest (128 characters
        // for Name); a longer value overflows its column instead of widening every row.
        const WIDEST: usize = 128;
        let w = |f: fn(&Step) -> &str, title: &str| {
            self.steps.iter().map(|s| f(s).chars().count().min(WIDEST)).chain([title.len()]).max().unwrap_or(0)
        };
        let (ws, wr, wt) = (
            w(|s| &s.id.source_id, "SourceId"),
            w(|s| &s.id.region_id, "RegionId"),
            w(|s| &s.target_type, "TargetType"),
        );
        let wn = w(|s| &s.id.name, "Name");
        writeln!(
            out,
            "{:>6}  {:<7}  {:<ws$}  {:<wr$}  {:<wt$}  {:<wn$}  blocked by",
            "line", "action", "SourceId", "RegionId", "TargetType", "Name"
        )?;
        for s in &self.steps {
            let action = if s.action == Action::Create { "create" } else { "blocked" };
            let line = format!(
                "{:>6}  {:<7}  {:<ws$}  {:<wr$}  {:<wt$}  {:<wn$}  {}",
                s.id.line,
                action,
                s.id.source_id,
                s.id.region_id,
                s.target_type,
                s.id.name,
                s.blocked_by.join(", ")
            );
            writeln!(out, "{}", line.trim_end())?;
        }
        for w in &self.waves {
            let name = if w.wave.is_empty() { "rows without a wave".to_string() } else { format!("wave {}", w.wave) };
            let (start, end) = (crate::time::format_time(w.start), crate::time::format_time(w.end));
            writeln!(out, "{name}: {} rows, from {start} to {end} (expected)", w.rows)?;
        }
        for o in &self.overlaps {
            writeln!(out, "warning: {o}")?;
        }
        writeln!(
            out,
            "plan: {} to create, {} blocked; about {} at {} requests/s",
            self.creates,
            self.blocked,
            duration(self.seconds),
            self.rate
        )
    }
}

/// `42 s`, `3 min 20 s`, `2 h 5 min`.
pub fn duration(seconds: f64) -> String {
    let s = seconds.ceil() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(0.0), "0 s");
        assert_eq!(duration(3.2), "4 s");
        assert_eq!(duration(200.0), "3 min 20 s");
        assert_eq!(duration(7500.0), "2 h 5 min");
    }

    #[test]
    fn totals_and_estimate() {
        let step = |line, action| Step {
            id: RowId { line, ..RowId::default() },
            action,
            target_type: String::new(),
            blocked_by: vec![],
        };
        let plan = Plan::new(vec![step(2, Action::Create), step(3, Action::Blocked), step(4, Action::Create)], 4.0);
        assert_eq!((plan.creates, plan.blocked, plan.seconds), (2, 1, 0.5));
    }

    #[test]
    fn a_value_longer_than_any_column_overflows_it() {
        let long = "n".repeat(70_000);
        let step = |name: &str| Step {
            id: RowId { line: 2, source_id: "s-1".into(), name: name.into(), region_id: "cn-hangzhou".into() },
            action: Action::Create,
            target_type: "Image".into(),
            blocked_by: vec![],
        };
        let mut out = Vec::new();
        Plan::new(vec![step(&long), step("web-01")], 5.0).human(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(&long));
        let short = text.lines().find(|l| l.contains("web-01")).unwrap();
        assert_eq!(short.len(), short.find("web-01").unwrap() + "web-01".len());
        assert!(short.find("web-01").unwrap() < 200, "{short}");
    }
}
