//! What a job's parameters must agree with in the account, at its creation and at each
//! change: a name no other job has, an image name no other job of the region has, data disks
//! the source server has, a vSwitch that exists in the VPC named.

use super::World;
use crate::emulator::fault::Fault;
use crate::emulator::params::Params;

impl World {
    /// Checks `p` against the account for the source server `si`; `except` is the job being
    /// changed (its own name and image name are no clash).
    pub(super) fn check_against_account(&self, p: &Params, si: usize, except: Option<usize>) -> Result<(), Fault> {
        let other = |i: Option<&usize>| i.is_some_and(|i| Some(*i) != except);
        if let Some(name) = p.get("Name")
            && other(self.names.get(name))
        {
            return Err(Fault::new(
                400,
                "ReplicationJobName.Duplicate",
                "The specified replication job name already exists.",
            ));
        }
        let region = p.required("RegionId")?;
        if let Some(image) = p.get("ImageName")
            && other(self.images.get(&(region.to_string(), image.to_string())))
        {
            return Err(Fault::new(
                400,
                "ImageName.UsedByReplicationJob",
                format!(
                    "The specified imageName: \"{image}\" was used by another replication job in the current region."
                ),
            ));
        }
        let disks: Vec<i64> = self.sources[si].data_disks.iter().map(|d| d.index).collect();
        for n in p.indexes("DataDisk")? {
            if let Some(index) = p.int(&format!("DataDisk.{n}.Index"))?
                && !disks.contains(&index)
            {
                return Err(Fault::new(
                    400,
                    "ReplicationJobDataDiskIndex.Invalid",
                    "The specified replication job contains data disk index not found in source server.",
                ));
            }
        }
        if let Some(vsw) = p.get("VSwitchId") {
            let found = self.vswitches.iter().find(|v| v.vswitch_id == vsw);
            let found = found.ok_or_else(|| {
                Fault::new(404, "InvalidVSwitchId.NotFound", format!("The specified vSwitch {vsw} does not exist."))
            })?;
            if p.get("VpcId").is_some_and(|vpc| vpc != found.vpc_id) {
                return Err(Fault::new(
                    400,
                    "VSwitchIdVpcId.Mismatch",
                    "The specified VSwitchId and VpcId does not match.",
                ));
            }
        }
        Ok(())
    }
}
