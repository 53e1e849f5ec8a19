//! Network: NetMode 0 or 2, a vSwitch for VPC mode, no VpcId without a vSwitch.

use super::diag;
use crate::diagnostics::{Diagnostic, codes};
use crate::inventory::{Param, Row};

pub fn check(row: &Row, out: &mut Vec<Diagnostic>) {
    let mode = row.get(Param::NetMode);
    let value = mode.and_then(|c| c.int());
    if let (Some(c), Some(v)) = (mode, value)
        && v != 0
        && v != 2
    {
        out.push(diag(row, c.column(), codes::NET_MODE_INVALID, crate::msg!("NetMode must be 0 or 2, got {v}")));
    }
    let vswitch = row.get(Param::VSwitchId);
    if value == Some(2) && vswitch.is_none() {
        let message = "NetMode 2 (VPC) requires VSwitchId";
        out.push(diag(row, row.column_of(Param::VSwitchId), codes::VSWITCH_ID_MISSING, message));
    }
    if let Some(vpc) = row.get(Param::VpcId).filter(|_| vswitch.is_none()) {
        let message = crate::msg!("VpcId {} is set without a VSwitchId", vpc.text);
        out.push(diag(row, vpc.column(), codes::VPC_WITHOUT_VSWITCH, message));
    }
    if let Some(vsw) = vswitch.filter(|_| mode.is_none() || value == Some(0)) {
        let message =
            crate::msg!("VSwitchId {} is set but NetMode is not 2, so the migration goes over the Internet", vsw.text);
        out.push(diag(row, vsw.column(), codes::VSWITCH_WITHOUT_VPC_MODE, message));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, run};
    use super::*;

    #[test]
    fn net_modes() {
        assert_eq!(run(&[("NetMode", "1")], check), vec![at("NetMode", "NetMode.Invalid")]);
        assert_eq!(run(&[("NetMode", "2")], check), vec![at("VSwitchId", "VSwitchId.Missing")]);
        assert_eq!(run(&[("VpcId", "vpc-bp1")], check), vec![at("VpcId", "VpcId.WithoutVSwitch")]);
        assert_eq!(run(&[("VSwitchId", "vsw-bp1")], check), vec![at("VSwitchId", "VSwitchId.Unused")]);
        assert!(run(&[("NetMode", "2"), ("VSwitchId", "vsw-bp1"), ("VpcId", "vpc-bp1")], check).is_empty());
        assert!(run(&[("NetMode", "0")], check).is_empty());
    }
}
