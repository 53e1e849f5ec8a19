//! Incremental jobs: RunOnce=false needs Frequency 1-168 and MaxNumberOfImageToKeep 1-10.

use super::diag;
use crate::diagnostics::{Code, Diagnostic, codes};
use crate::inventory::{Param, Row};
use std::ops::RangeInclusive;

const SETTINGS: &[(Param, RangeInclusive<i64>, Code, Code, &str)] = &[
    (Param::Frequency, 1..=168, codes::FREQUENCY_MISSING, codes::FREQUENCY_RANGE, "hours"),
    (Param::MaxNumberOfImageToKeep, 1..=10, codes::MAX_IMAGES_MISSING, codes::MAX_IMAGES_RANGE, "images"),
];

pub fn check(row: &Row, out: &mut Vec<Diagnostic>) {
    let incremental = row.boolean(Param::RunOnce) == Some(false);
    let run_once = row.get(Param::RunOnce).is_none() || row.boolean(Param::RunOnce) == Some(true);
    for (param, range, missing, out_of_range, unit) in SETTINGS {
        let name = param.name();
        match row.get(*param) {
            None if incremental => {
                let message = crate::msg!("RunOnce=false requires {name}");
                out.push(diag(row, row.column_of(*param), *missing, message));
            }
            None => {}
            Some(c) => {
                if let Some(v) = c.int().filter(|v| !range.contains(v)) {
                    let message = crate::msg!("{name} must be {}..{} {unit}, got {v}", range.start(), range.end());
                    out.push(diag(row, c.column(), *out_of_range, message));
                }
                if run_once {
                    let message = crate::msg!("{name} is set on a run-once job and is ignored");
                    out.push(diag(row, c.column(), codes::INCREMENTAL_IGNORED, message));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, run};
    use super::*;

    #[test]
    fn incremental_needs_both_settings() {
        assert_eq!(
            run(&[("RunOnce", "false")], check),
            vec![at("Frequency", "Frequency.Missing"), at("MaxNumberOfImageToKeep", "MaxNumberOfImageToKeep.Missing")]
        );
        assert_eq!(
            run(&[("RunOnce", "FALSE"), ("Frequency", "169"), ("MaxNumberOfImageToKeep", "0")], check),
            vec![
                at("Frequency", "Frequency.OutOfRange"),
                at("MaxNumberOfImageToKeep", "MaxNumberOfImageToKeep.OutOfRange")
            ]
        );
        assert!(run(&[("RunOnce", "false"), ("Frequency", "12"), ("MaxNumberOfImageToKeep", "10")], check).is_empty());
    }

    #[test]
    fn settings_on_run_once_jobs_warn() {
        assert_eq!(
            run(&[("RunOnce", "true"), ("Frequency", "12")], check),
            vec![at("Frequency", "RunOnce.IgnoredParameter")]
        );
        assert_eq!(
            run(&[("MaxNumberOfImageToKeep", "3")], check),
            vec![at("MaxNumberOfImageToKeep", "RunOnce.IgnoredParameter")]
        );
    }
}
