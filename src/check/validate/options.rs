//! Single-parameter options: LicenseType, JobType, ClientToken, LaunchTemplateVersion.

use super::diag;
use crate::diagnostics::{Diagnostic, codes};
use crate::inventory::{Param, Row};

pub fn check(row: &Row, out: &mut Vec<Diagnostic>) {
    if let Some(c) = row.get(Param::LicenseType).filter(|c| c.text != "BYOL") {
        let message = crate::msg!("LicenseType must be empty or BYOL, got '{}'", c.text);
        out.push(diag(row, c.column(), codes::LICENSE_TYPE_INVALID, message));
    }
    if let Some((c, v)) =
        row.get(Param::JobType).and_then(|c| Some((c, c.int()?))).filter(|(_, v)| !(0..=3).contains(v))
    {
        out.push(diag(row, c.column(), codes::JOB_TYPE_INVALID, crate::msg!("JobType must be 0..3, got {v}")));
    }
    if let Some(c) = row.get(Param::ClientToken) {
        if let Some(bad) = c.text.chars().find(|ch| !(ch.is_ascii_graphic() || *ch == ' ')) {
            let message = crate::msg!("ClientToken holds '{}', which is not printable ASCII", bad.escape_debug());
            out.push(diag(row, c.column(), codes::CLIENT_TOKEN_INVALID, message));
        } else if c.text.len() > 64 {
            let message = crate::msg!("ClientToken has {} characters; at most 64", c.text.len());
            out.push(diag(row, c.column(), codes::CLIENT_TOKEN_INVALID, message));
        }
    }
    if let Some(c) = row.get(Param::LaunchTemplateVersion).filter(|_| row.get(Param::LaunchTemplateId).is_none()) {
        let message = crate::msg!("LaunchTemplateVersion {} is set without a LaunchTemplateId", c.text);
        out.push(diag(row, c.column(), codes::LAUNCH_TEMPLATE_VERSION_ALONE, message));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, run};
    use super::*;

    #[test]
    fn options() {
        let long = "t".repeat(65);
        let got = run(
            &[
                ("LicenseType", "byol"),
                ("JobType", "4"),
                ("ClientToken", long.as_str()),
                ("LaunchTemplateVersion", "1"),
            ],
            check,
        );
        assert_eq!(
            got,
            vec![
                at("LicenseType", "LicenseType.Invalid"),
                at("JobType", "JobType.Invalid"),
                at("ClientToken", "ClientToken.Invalid"),
                at("LaunchTemplateVersion", "LaunchTemplateVersion.WithoutTemplate"),
            ]
        );
        assert_eq!(run(&[("ClientToken", "tökén")], check), vec![at("ClientToken", "ClientToken.Invalid")]);
        let ok = run(
            &[
                ("LicenseType", "BYOL"),
                ("JobType", "3"),
                ("ClientToken", "123e4567-e89b-12d3-a456-426655440000"),
                ("LaunchTemplateId", "lt-bp16jovvln1cgaaq0001"),
                ("LaunchTemplateVersion", "1"),
            ],
            check,
        );
        assert!(ok.is_empty());
    }
}
