//! Each code's rule, stated as the API (or smcplan, for its own checks) states it: what
//! `smcplan explain CODE` and `docs/codes.md` print above the code's fix (its hint).

/// The statement of the rule behind `id`, if `id` is a code.
pub fn statement(id: &str) -> Option<&'static str> {
    Some(match id {
        "Column.Unknown" => "Every column is an API parameter of CreateReplicationJob, or the user's own (ignored).",
        "Column.Spelling" => "A column is named exactly as the API parameter it holds.",
        "Column.ListGap" => "The API numbers list parameters (DataDisk.N, Tag.N) from 1 without gaps.",
        "Value.NotInteger" => "Integer parameters (sizes, NetMode, Frequency, ...) hold whole numbers.",
        "Value.NotBoolean" => "Boolean parameters (RunOnce, Block) hold true or false.",
        "Value.Whitespace" => "The API takes a value exactly as it is sent: spaces around it are part of it.",
        "Value.Formula" => {
            "No API parameter starts with =, @, or + or - before a letter; a spreadsheet runs such a cell."
        }
        "RegionId.Missing" => "RegionId, the destination region, is required.",
        "RegionId.Format" => "A region id is lower-case letters and digits in parts joined by hyphens.",
        "SourceId.Missing" => "SourceId, the source server the job migrates, is required.",
        "SourceId.Format" => "A source server id is s- followed by lower-case letters and digits.",
        "InstanceId.Format" => "An ECS instance id is i- followed by lower-case letters and digits.",
        "VpcId.Format" => "A VPC id is vpc- followed by lower-case letters and digits.",
        "VSwitchId.Format" => "A vSwitch id is vsw- followed by lower-case letters and digits.",
        "ResourceGroupId.Format" => "A resource group id is rg- followed by lower-case letters and digits.",
        "LaunchTemplateId.Format" => "A launch template id is lt- followed by lower-case letters and digits.",
        "InstanceType.Format" => "An instance type is ecs. followed by a family and a size.",
        "Name.Length" => "A job name is 2 to 128 characters.",
        "Name.FirstChar" => "A job name starts with a letter.",
        "Name.Charset" => "A job name holds letters, digits, colons, underscores and hyphens.",
        "Name.UrlPrefix" => "A job name does not start with http:// or https://.",
        "Description.Length" => "A description is 2 to 128 characters.",
        "Description.FirstChar" => "A description starts with a letter.",
        "Description.Charset" => "A description holds letters, digits, colons, underscores and hyphens.",
        "Description.UrlPrefix" => "A description does not start with http:// or https://.",
        "ImageName.Length" => "An image name is 2 to 128 characters.",
        "ImageName.FirstChar" => "An image name starts with a letter.",
        "ImageName.Charset" => "An image name holds letters, digits, colons, underscores and hyphens.",
        "ImageName.UrlPrefix" => "An image name does not start with http:// or https://.",
        "TargetType.Invalid" => "TargetType is Image, ContainerImage or TargetInstance.",
        "TargetType.Missing" => "The API documents no default TargetType; smcplan checks a row without one as Image.",
        "ImageName.Missing" => "An Image job names the image it makes (ImageName).",
        "SystemDiskSize.Missing" => "An Image job sizes its system disk (SystemDiskSize, GiB).",
        "DataDisk.NotListed" => "A job migrates the data disks it lists, and no other.",
        "List.Renumbered" => {
            "A list (DataDisk.N, its Part.M, SystemDiskPart.M, Tag.N) is sent numbered from 1 without gaps."
        }
        "DataDisk.Missing" => {
            "An Image job of a source with data disks lists them (DataDisk.N.Index, DataDisk.N.Size)."
        }
        "InstanceId.Missing" => "A TargetInstance job names the destination instance (InstanceId).",
        "ContainerNamespace.Missing" => "A ContainerImage job names its ContainerNamespace.",
        "ContainerRepository.Missing" => "A ContainerImage job names its ContainerRepository.",
        "ContainerTag.Missing" => "A ContainerImage job names its ContainerTag.",
        "TargetType.UnusedParameter" => "Each target type takes its own parameters; the others have no effect.",
        "SystemDiskSize.OutOfRange" => "SystemDiskSize is 20 to 2048 GiB.",
        "DataDisk.Index.Missing" => "Each listed data disk names its Index on the source.",
        "DataDisk.Index.OutOfRange" => "A data disk index is 1 to 16.",
        "DataDisk.Index.Duplicate" => "A data disk is listed once.",
        "DataDisk.Size.Missing" => "Each listed data disk has a destination Size (GiB).",
        "DataDisk.Size.OutOfRange" => "A data disk Size is 20 to 32768 GiB.",
        "Part.Incomplete" => "A partition names its Device and its SizeBytes together.",
        "Part.SizeBytes.OutOfRange" => "A partition's SizeBytes is a positive number.",
        "Part.TooLarge" => "A disk's partitions fit in the disk.",
        "Part.WithoutDiskSize" => "A disk with partitions has a Size to check them against.",
        "Tag.Index.OutOfRange" => "A job has at most 20 tags, Tag.1 to Tag.20.",
        "Tag.Key.Missing" => "A tag has a key.",
        "Tag.Key.Length" => "A tag key is at most 128 characters.",
        "Tag.Value.Length" => "A tag value is at most 128 characters.",
        "Tag.Key.ReservedPrefix" => "A tag key does not start with aliyun, acs:, http:// or https://.",
        "Tag.Value.ReservedPrefix" => "A tag value does not start with aliyun, acs:, http:// or https://.",
        "Tag.Key.Duplicate" => "A tag key appears once on a job.",
        "NetMode.Invalid" => "NetMode is 0 (over the public Internet) or 2 (through a VPC).",
        "VSwitchId.Missing" => "A job that migrates through a VPC (NetMode 2) names the vSwitch.",
        "VpcId.WithoutVSwitch" => "The VPC of a job is its vSwitch's.",
        "VSwitchId.Unused" => "A vSwitch is used only by a job that migrates through a VPC (NetMode 2).",
        "Frequency.Missing" => "An incremental job (RunOnce false) runs every Frequency hours.",
        "Frequency.OutOfRange" => "Frequency is 1 to 168 hours.",
        "MaxNumberOfImageToKeep.Missing" => "An incremental job keeps MaxNumberOfImageToKeep images.",
        "MaxNumberOfImageToKeep.OutOfRange" => "MaxNumberOfImageToKeep is 1 to 10.",
        "RunOnce.IgnoredParameter" => "Frequency and MaxNumberOfImageToKeep apply to incremental jobs only.",
        "Time.Format" => "Times are UTC, written YYYY-MM-DDThh:mm:ssZ.",
        "ScheduledStartTime.Past" => "A scheduled start is in the future.",
        "ScheduledStartTime.TooFar" => "A scheduled start is at most 30 days ahead.",
        "ValidTime.OutOfRange" => "A job is valid 7 to 90 days from its creation.",
        "ValidTime.BeforeStart" => "A job is still valid when its scheduled start comes.",
        "ReplicationParameters.Json" => "ReplicationParameters is a JSON object.",
        "ReplicationParameters.Length" => "ReplicationParameters is at most 2048 characters.",
        "ReplicationParameters.Type" => "Each replication parameter has its type.",
        "ReplicationParameters.UnknownKey" => {
            "The migration driver reads bandwidth_limit, compress_level and checksum."
        }
        "LicenseType.Invalid" => "LicenseType is empty or BYOL.",
        "JobType.Invalid" => "JobType is 0, 1, 2 or 3.",
        "ClientToken.Invalid" => "A ClientToken is at most 64 ASCII characters.",
        "LaunchTemplateVersion.WithoutTemplate" => "A launch template version belongs to a LaunchTemplateId.",
        "ReplicationJobName.Duplicate" => "Job names are unique in the account.",
        "ImageName.UsedByReplicationJob" => "Image names are unique among the jobs of a region.",
        "SourceId.Duplicate" => "A source server has one open job at a time.",
        "InstanceId.Duplicate" => "A destination instance takes one job.",
        "ClientToken.Duplicate" => "A ClientToken names one request.",
        "QuotaExceeded.ReplicationJob" => "An account holds at most its quota of replication jobs.",
        "SourceServerState.Invalid" => "A job is created for a source server in state Available.",
        "SourceServer.JobExists" => "A source server has one open job at a time.",
        "ReplicationJobDataDiskIndex.Invalid" => "A job lists the data disks its source server has.",
        "DiskSize.SmallerThanSource" => "A destination disk holds what the source disk uses.",
        "Part.Device.Unknown" => "A job lists the partitions its source server has.",
        "InvalidVSwitchId.NotFound" => "A job's vSwitch exists in the account.",
        "VSwitchIdVpcId.Mismatch" => "A job's vSwitch belongs to its VpcId.",
        "VSwitchId.RegionMismatch" => "A job's vSwitch is in its destination region.",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::codes::ALL;

    #[test]
    fn every_code_states_its_rule() {
        for code in ALL {
            assert!(super::statement(code.id).is_some(), "{} has no statement", code.id);
        }
    }
}
