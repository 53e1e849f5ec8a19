//! Every diagnostic code smcplan reports: its stable id, default severity and the hint shown to the user.

use super::Severity::{self, Error, Warning};

/// One diagnostic code: a reference to its [`CodeInfo`], so that a finding carries 8 bytes
/// for it, not 40 (a million findings are moved, sorted and freed in a run).
#[derive(Clone, Copy, Debug)]
pub struct Code(&'static CodeInfo);

/// What a code is.
#[derive(Debug)]
pub struct CodeInfo {
    pub id: &'static str,
    pub severity: Severity,
    pub hint: &'static str,
}

impl Code {
    /// The code that `info` describes. Its id is letters and dots (JSON writes it as it is):
    /// a code defined otherwise does not compile.
    pub const fn new(info: &'static CodeInfo) -> Code {
        let id = info.id.as_bytes();
        let mut i = 0;
        while i < id.len() {
            assert!(id[i].is_ascii_alphabetic() || id[i] == b'.', "a code's id is letters and dots");
            i += 1;
        }
        Code(info)
    }
}

impl std::ops::Deref for Code {
    type Target = CodeInfo;
    fn deref(&self) -> &CodeInfo {
        self.0
    }
}

/// Codes are equal when their ids are (each id is defined once); the same definition is
/// known without reading the ids (though a code's copies need not share one address).
impl PartialEq for Code {
    fn eq(&self, other: &Code) -> bool {
        std::ptr::eq(self.0, other.0) || self.0.id == other.0.id
    }
}

impl Eq for Code {}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

/// Compares with a code's id (`d.code == "Name.Length"`).
impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.id == *other
    }
}

macro_rules! codes {
    ($($konst:ident = $id:literal, $sev:ident, $hint:literal;)*) => {
        $(pub const $konst: Code = Code::new(&CodeInfo { id: $id, severity: $sev, hint: $hint });)*
        /// Every code, in the order docs/codes.md lists them.
        pub const ALL: &[Code] = &[$($konst),*];
    };
}

codes! {
    // Header.
    COLUMN_UNKNOWN = "Column.Unknown", Warning, "the column is ignored; rename it to an API parameter, or keep it for your own notes (an error under --strict)";
    COLUMN_SPELLING = "Column.Spelling", Warning, "the column is read as the API parameter its name differs from only in letter case, spaces or underscores; rename it to the API's spelling (an error under --strict)";
    COLUMN_LIST_GAP = "Column.ListGap", Warning, "number list columns 1, 2, 3, ... without gaps; smcplan renumbers them densely when it sends";
    // Cell typing.
    VALUE_NOT_INTEGER = "Value.NotInteger", Error, "write a whole number in decimal, without units or separators";
    VALUE_NOT_BOOLEAN = "Value.NotBoolean", Error, "write true or false (any letter case)";
    VALUE_WHITESPACE = "Value.Whitespace", Error, "remove the spaces around the value; the API compares values exactly";
    VALUE_FORMULA = "Value.Formula", Error, "no API parameter starts like a spreadsheet formula (=, @, or + or - before a letter); a spreadsheet would run it: write the value itself";
    // Required parameters and identifier formats.
    REGION_ID_MISSING = "RegionId.Missing", Error, "every row needs the destination region, e.g. cn-hangzhou";
    REGION_ID_FORMAT = "RegionId.Format", Error, "a region id looks like cn-hangzhou or ap-southeast-1";
    SOURCE_ID_MISSING = "SourceId.Missing", Error, "every row needs the source server id, s-... (see DescribeSourceServers)";
    SOURCE_ID_FORMAT = "SourceId.Format", Error, "a source server id is s- followed by lower-case letters and digits";
    INSTANCE_ID_FORMAT = "InstanceId.Format", Error, "an ECS instance id is i- followed by lower-case letters and digits";
    VPC_ID_FORMAT = "VpcId.Format", Error, "a VPC id is vpc- followed by lower-case letters and digits";
    VSWITCH_ID_FORMAT = "VSwitchId.Format", Error, "a vSwitch id is vsw- followed by lower-case letters and digits";
    RESOURCE_GROUP_ID_FORMAT = "ResourceGroupId.Format", Error, "a resource group id is rg- followed by lower-case letters and digits";
    LAUNCH_TEMPLATE_ID_FORMAT = "LaunchTemplateId.Format", Error, "a launch template id is lt- followed by lower-case letters and digits";
    INSTANCE_TYPE_FORMAT = "InstanceType.Format", Error, "an instance type looks like ecs.c6.large";
    // Names.
    NAME_LENGTH = "Name.Length", Error, "names are 2 to 128 characters long";
    NAME_FIRST_CHAR = "Name.FirstChar", Error, "names start with a letter";
    NAME_CHARSET = "Name.Charset", Error, "names hold only letters, digits, colons (:), underscores (_) and hyphens (-)";
    NAME_URL_PREFIX = "Name.UrlPrefix", Error, "names must not start with http:// or https://";
    DESCRIPTION_LENGTH = "Description.Length", Error, "descriptions are 2 to 128 characters long";
    DESCRIPTION_FIRST_CHAR = "Description.FirstChar", Error, "descriptions start with a letter";
    DESCRIPTION_CHARSET = "Description.Charset", Error, "descriptions hold only letters, digits, colons (:), underscores (_) and hyphens (-)";
    DESCRIPTION_URL_PREFIX = "Description.UrlPrefix", Error, "descriptions must not start with http:// or https://";
    IMAGE_NAME_LENGTH = "ImageName.Length", Error, "image names are 2 to 128 characters long";
    IMAGE_NAME_FIRST_CHAR = "ImageName.FirstChar", Error, "image names start with a letter";
    IMAGE_NAME_CHARSET = "ImageName.Charset", Error, "image names hold only letters, digits, colons (:), underscores (_) and hyphens (-)";
    IMAGE_NAME_URL_PREFIX = "ImageName.UrlPrefix", Error, "image names must not start with http:// or https://";
    // Target type.
    TARGET_TYPE_INVALID = "TargetType.Invalid", Error, "use Image, ContainerImage or TargetInstance";
    TARGET_TYPE_DEFAULTED = "TargetType.Missing", Warning, "the API's default target type is not documented; set TargetType explicitly";
    IMAGE_NAME_MISSING = "ImageName.Missing", Error, "an Image target needs ImageName";
    SYSTEM_DISK_SIZE_MISSING = "SystemDiskSize.Missing", Error, "an Image target needs SystemDiskSize (GiB)";
    DATA_DISK_NOT_LISTED = "DataDisk.NotListed", Warning, "list every data disk of the source that should be migrated (DataDisk.N.Index / DataDisk.N.Size); a disk not listed is not migrated";
    DATA_DISK_MISSING = "DataDisk.Missing", Error, "the source server has data disks: an Image target must list them as DataDisk.N.Index / DataDisk.N.Size";
    INSTANCE_ID_MISSING = "InstanceId.Missing", Error, "a TargetInstance target needs the destination InstanceId";
    CONTAINER_NAMESPACE_MISSING = "ContainerNamespace.Missing", Error, "a ContainerImage target needs ContainerNamespace";
    CONTAINER_REPOSITORY_MISSING = "ContainerRepository.Missing", Error, "a ContainerImage target needs ContainerRepository";
    CONTAINER_TAG_MISSING = "ContainerTag.Missing", Error, "a ContainerImage target needs ContainerTag";
    TARGET_TYPE_UNUSED = "TargetType.UnusedParameter", Warning, "this parameter belongs to another target type and will have no effect; clear it";
    // Disks and partitions.
    SYSTEM_DISK_SIZE_RANGE = "SystemDiskSize.OutOfRange", Error, "the system disk is 20 to 2048 GiB";
    DATA_DISK_INDEX_MISSING = "DataDisk.Index.Missing", Error, "each data disk needs its Index (1 to 16) on the source";
    DATA_DISK_INDEX_RANGE = "DataDisk.Index.OutOfRange", Error, "data disk indexes are 1 to 16";
    DATA_DISK_INDEX_DUPLICATE = "DataDisk.Index.Duplicate", Error, "each data disk index appears once per row";
    DATA_DISK_SIZE_MISSING = "DataDisk.Size.Missing", Warning, "set the destination size (GiB) of each data disk";
    DATA_DISK_SIZE_RANGE = "DataDisk.Size.OutOfRange", Error, "a data disk is 20 to 32768 GiB";
    PART_INCOMPLETE = "Part.Incomplete", Error, "set a partition's Device and SizeBytes together, or neither";
    PART_SIZE_BYTES_RANGE = "Part.SizeBytes.OutOfRange", Error, "a partition size is a positive number of bytes";
    PART_TOO_LARGE = "Part.TooLarge", Error, "the partitions of a disk must fit in the disk: their SizeBytes add up to at most Size GiB x 2^30";
    PART_WITHOUT_DISK = "Part.WithoutDiskSize", Warning, "partitions are checked against the disk size; set the disk's size too";
    LIST_RENUMBERED = "List.Renumbered", Warning, "fill the empty entry or move the later ones up, so that the numbers in the file are the ones sent";
    // Tags.
    TAG_INDEX_RANGE = "Tag.Index.OutOfRange", Error, "a job has at most 20 tags, Tag.1 to Tag.20";
    TAG_KEY_MISSING = "Tag.Key.Missing", Error, "a tag key cannot be empty; clear the value too, or give it a key";
    TAG_KEY_LENGTH = "Tag.Key.Length", Error, "tag keys are at most 128 characters";
    TAG_VALUE_LENGTH = "Tag.Value.Length", Error, "tag values are at most 128 characters";
    TAG_KEY_RESERVED = "Tag.Key.ReservedPrefix", Error, "tag keys must not start with aliyun, acs:, http:// or https://";
    TAG_VALUE_RESERVED = "Tag.Value.ReservedPrefix", Error, "tag values must not start with aliyun, acs:, http:// or https://";
    TAG_KEY_DUPLICATE = "Tag.Key.Duplicate", Error, "each tag key appears once per row";
    // Network.
    NET_MODE_INVALID = "NetMode.Invalid", Error, "NetMode is 0 (public Internet) or 2 (VPC)";
    VSWITCH_ID_MISSING = "VSwitchId.Missing", Error, "NetMode 2 (VPC) needs the VSwitchId to migrate through";
    VPC_WITHOUT_VSWITCH = "VpcId.WithoutVSwitch", Error, "the VPC is taken from the vSwitch: set VSwitchId (and NetMode 2), or clear VpcId";
    VSWITCH_WITHOUT_VPC_MODE = "VSwitchId.Unused", Warning, "a vSwitch is used only with NetMode 2; set NetMode to 2 or clear VSwitchId";
    // Incremental jobs.
    FREQUENCY_MISSING = "Frequency.Missing", Error, "an incremental job (RunOnce=false) needs Frequency, in hours (1 to 168)";
    FREQUENCY_RANGE = "Frequency.OutOfRange", Error, "Frequency is 1 to 168 hours";
    MAX_IMAGES_MISSING = "MaxNumberOfImageToKeep.Missing", Error, "an incremental job (RunOnce=false) needs MaxNumberOfImageToKeep (1 to 10)";
    MAX_IMAGES_RANGE = "MaxNumberOfImageToKeep.OutOfRange", Error, "MaxNumberOfImageToKeep is 1 to 10";
    INCREMENTAL_IGNORED = "RunOnce.IgnoredParameter", Warning, "Frequency and MaxNumberOfImageToKeep apply only to incremental jobs (RunOnce=false); clear them or set RunOnce=false";
    // Schedule.
    TIME_FORMAT = "Time.Format", Error, "write UTC times as YYYY-MM-DDThh:mm:ssZ, e.g. 2026-12-01T02:00:00Z";
    SCHEDULED_START_PAST = "ScheduledStartTime.Past", Error, "the start time must be in the future; clear it to start the job by hand";
    SCHEDULED_START_TOO_FAR = "ScheduledStartTime.TooFar", Error, "the start time is at most 30 days ahead";
    VALID_TIME_RANGE = "ValidTime.OutOfRange", Error, "a job expires 7 to 90 days after it is created";
    VALID_TIME_BEFORE_START = "ValidTime.BeforeStart", Error, "the job would expire before its scheduled start";
    // Replication parameters.
    REPLICATION_PARAMETERS_JSON = "ReplicationParameters.Json", Error, "write a JSON object, e.g. {\"bandwidth_limit\":0,\"compress_level\":1,\"checksum\":true}";
    REPLICATION_PARAMETERS_LENGTH = "ReplicationParameters.Length", Error, "the JSON is at most 2048 characters";
    REPLICATION_PARAMETERS_TYPE = "ReplicationParameters.Type", Error, "bandwidth_limit is an integer >= 0, compress_level an integer, checksum true or false";
    REPLICATION_PARAMETERS_UNKNOWN = "ReplicationParameters.UnknownKey", Warning, "the SMT driver knows bandwidth_limit, compress_level and checksum";
    // Other parameters.
    LICENSE_TYPE_INVALID = "LicenseType.Invalid", Error, "LicenseType is empty (no license) or BYOL";
    JOB_TYPE_INVALID = "JobType.Invalid", Error, "JobType is 0 (server), 1 (OS), 2 (cross-zone) or 3 (agentless VMware)";
    CLIENT_TOKEN_INVALID = "ClientToken.Invalid", Error, "a ClientToken is at most 64 ASCII characters; leave it empty and smcplan derives one";
    LAUNCH_TEMPLATE_VERSION_ALONE = "LaunchTemplateVersion.WithoutTemplate", Error, "a template version needs its LaunchTemplateId";
    // Batch conflicts.
    NAME_DUPLICATE = "ReplicationJobName.Duplicate", Error, "job names are unique in the account; rename one of the rows";
    IMAGE_NAME_IN_USE = "ImageName.UsedByReplicationJob", Error, "image names are unique among the jobs of a region; rename one of the images";
    SOURCE_DUPLICATE = "SourceId.Duplicate", Error, "a source server can have one open job; keep one row per source server";
    INSTANCE_DUPLICATE = "InstanceId.Duplicate", Error, "two jobs would write to the same destination instance";
    CLIENT_TOKEN_DUPLICATE = "ClientToken.Duplicate", Error, "a ClientToken names one request; give each row its own, or leave it empty";
    QUOTA_EXCEEDED = "QuotaExceeded.ReplicationJob", Error, "the account holds at most its quota of jobs (1000 unless raised); delete finished jobs or split the batch";
    // Account state.
    SOURCE_STATE_INVALID = "SourceServerState.Invalid", Error, "jobs are created only for source servers in state Available, as DescribeSourceServers shows";
    SOURCE_HAS_JOB = "SourceServer.JobExists", Error, "the source server already has an open job; delete or finish it first";
    DATA_DISK_INDEX_UNKNOWN = "ReplicationJobDataDiskIndex.Invalid", Error, "use a data disk index the source server reports";
    DISK_SMALLER_THAN_SOURCE = "DiskSize.SmallerThanSource", Warning, "the destination disk is smaller than the source disk; the job fails if the used space does not fit";
    PART_DEVICE_UNKNOWN = "Part.Device.Unknown", Error, "use a partition Device the source server reports, e.g. 0_1";
    VSWITCH_NOT_FOUND = "InvalidVSwitchId.NotFound", Error, "the vSwitch is not in the account state; check the id and the region";
    VSWITCH_VPC_MISMATCH = "VSwitchIdVpcId.Mismatch", Error, "the vSwitch belongs to another VPC; fix VpcId or clear it";
    VSWITCH_REGION_MISMATCH = "VSwitchId.RegionMismatch", Error, "the vSwitch is in another region than RegionId";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<_> = ALL.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
