//! The scalar CreateReplicationJob parameters that an inventory column can name.

macro_rules! params {
    ($($variant:ident),* $(,)?) => {
        /// A scalar request parameter, named exactly as in the API reference.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Param { $($variant),* }

        impl Param {
            /// Every scalar parameter, in the order `smcplan template` prints them.
            pub const ALL: &'static [Param] = &[$(Param::$variant),*];

            /// The parameter's wire name, which is also its CSV column name.
            pub fn name(self) -> &'static str {
                match self { $(Param::$variant => stringify!($variant)),* }
            }
        }
    };
}

params!(
    RegionId,
    SourceId,
    Name,
    Description,
    TargetType,
    ImageName,
    InstanceId,
    SystemDiskSize,
    VpcId,
    VSwitchId,
    ReplicationParameters,
    NetMode,
    RunOnce,
    Frequency,
    MaxNumberOfImageToKeep,
    InstanceType,
    LaunchTemplateId,
    LaunchTemplateVersion,
    InstanceRamRole,
    ContainerNamespace,
    ContainerRepository,
    ContainerTag,
    LicenseType,
    JobType,
    ResourceGroupId,
    ScheduledStartTime,
    ValidTime,
    ClientToken,
);

impl Param {
    /// Number of scalar parameters.
    pub const COUNT: usize = Param::ALL.len();

    /// Looks a column name up, exactly (the API's names are case-sensitive).
    pub fn from_name(name: &str) -> Option<Param> {
        Param::ALL.iter().copied().find(|p| p.name() == name)
    }

    /// Position in [`Param::ALL`], for table lookups.
    pub fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Param::ALL {
            assert_eq!(Param::from_name(p.name()), Some(*p));
            assert_eq!(Param::ALL[p.index()], *p);
        }
        assert_eq!(Param::COUNT, 28);
        assert_eq!(Param::from_name("regionid"), None);
    }
}
