//! What a header name stands for: an API parameter, a field of a list entry
//! (`DataDisk.2.Part.1.SizeBytes`), or a column of the user's own; and the columns each
//! list entry's fields are in.

use super::param::Param;

/// Column positions of one partition's fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartColumns {
    pub m: u32,
    pub device: Option<u16>,
    pub size_bytes: Option<u16>,
    pub block: Option<u16>,
}

/// Column positions of one data disk's fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiskColumns {
    pub n: u32,
    pub index: Option<u16>,
    pub size: Option<u16>,
    pub parts: Vec<PartColumns>,
}

/// Column positions of one tag's fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagColumns {
    pub n: u32,
    pub key: Option<u16>,
    pub value: Option<u16>,
}

impl PartColumns {
    /// The partition's columns that the header has.
    pub fn columns(&self) -> impl Iterator<Item = u16> {
        [self.device, self.size_bytes, self.block].into_iter().flatten()
    }
}

impl DiskColumns {
    /// The disk's columns that the header has, its partitions' included.
    pub fn columns(&self) -> impl Iterator<Item = u16> + '_ {
        [self.index, self.size].into_iter().flatten().chain(self.parts.iter().flat_map(PartColumns::columns))
    }
}

impl TagColumns {
    /// The tag's columns that the header has.
    pub fn columns(&self) -> impl Iterator<Item = u16> {
        [self.key, self.value].into_iter().flatten()
    }
}

/// A field of one data disk (`DataDisk.N.*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiskField {
    Index,
    Size,
}

/// A field of one partition (`DataDisk.N.Part.M.*`, `SystemDiskPart.M.*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartField {
    Device,
    SizeBytes,
    Block,
}

/// A field of one tag (`Tag.N.*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagField {
    Key,
    Value,
}

/// What one column of the inventory holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    Param(Param),
    Disk(u32, DiskField),
    DiskPart(u32, u32, PartField),
    SystemPart(u32, PartField),
    Tag(u32, TagField),
    Unknown,
}

/// The type of value a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    Int,
    Bool,
    Text,
    /// A column the API does not know.
    Ignored,
}

impl ColumnKind {
    /// The type of the values in such a column.
    pub fn value_type(self) -> ValueType {
        match self {
            ColumnKind::Unknown => ValueType::Ignored,
            ColumnKind::Param(
                Param::SystemDiskSize
                | Param::NetMode
                | Param::Frequency
                | Param::MaxNumberOfImageToKeep
                | Param::JobType,
            ) => ValueType::Int,
            ColumnKind::Param(Param::RunOnce) => ValueType::Bool,
            ColumnKind::Disk(..) => ValueType::Int,
            ColumnKind::DiskPart(_, _, PartField::SizeBytes) | ColumnKind::SystemPart(_, PartField::SizeBytes) => {
                ValueType::Int
            }
            ColumnKind::DiskPart(_, _, PartField::Block) | ColumnKind::SystemPart(_, PartField::Block) => {
                ValueType::Bool
            }
            _ => ValueType::Text,
        }
    }
}

/// Parses a list position: decimal, 1 or more, no leading zero.
fn position(s: &str) -> Option<u32> {
    if s.is_empty() || s.starts_with('0') || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Decides what a header cell names.
pub fn classify(name: &str) -> ColumnKind {
    if let Some(p) = Param::from_name(name) {
        return ColumnKind::Param(p);
    }
    let parts: Vec<&str> = name.split('.').collect();
    let part_field = |s: &str| match s {
        "Device" => Some(PartField::Device),
        "SizeBytes" => Some(PartField::SizeBytes),
        "Block" => Some(PartField::Block),
        _ => None,
    };
    let kind = match parts.as_slice() {
        ["DataDisk", n, "Index"] => position(n).map(|n| ColumnKind::Disk(n, DiskField::Index)),
        ["DataDisk", n, "Size"] => position(n).map(|n| ColumnKind::Disk(n, DiskField::Size)),
        ["DataDisk", n, "Part", m, f] => match (position(n), position(m), part_field(f)) {
            (Some(n), Some(m), Some(f)) => Some(ColumnKind::DiskPart(n, m, f)),
            _ => None,
        },
        ["SystemDiskPart", m, f] => match (position(m), part_field(f)) {
            (Some(m), Some(f)) => Some(ColumnKind::SystemPart(m, f)),
            _ => None,
        },
        ["Tag", n, "Key"] => position(n).map(|n| ColumnKind::Tag(n, TagField::Key)),
        ["Tag", n, "Value"] => position(n).map(|n| ColumnKind::Tag(n, TagField::Value)),
        _ => None,
    };
    kind.unwrap_or(ColumnKind::Unknown)
}

/// The API's spelling of a header that differs from it only in letter case, spaces or
/// underscores (`imagename`, `Image Name`, `datadisk.1.size`); `None` for any other name,
/// and for one already spelled right.
pub fn canonical_spelling(name: &str) -> Option<String> {
    let squeezed: String =
        name.chars().filter(|c| !matches!(c, ' ' | '_' | '\u{a0}' | '\t')).collect::<String>().to_ascii_lowercase();
    if squeezed.is_empty() {
        return None;
    }
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let canon = match Param::ALL.iter().find(|p| same(p.name(), &squeezed)) {
        Some(p) => Some(p.name().to_string()),
        None => {
            let parts: Vec<&str> = squeezed.split('.').collect();
            let field = |s: &str, options: &[&'static str]| options.iter().copied().find(|o| same(o, s));
            const PART: &[&str] = &["Device", "SizeBytes", "Block"];
            match parts.as_slice() {
                ["datadisk", n, f] => field(f, &["Index", "Size"]).map(|f| format!("DataDisk.{n}.{f}")),
                ["datadisk", n, "part", m, f] => field(f, PART).map(|f| format!("DataDisk.{n}.Part.{m}.{f}")),
                ["systemdiskpart", m, f] => field(f, PART).map(|f| format!("SystemDiskPart.{m}.{f}")),
                ["tag", n, f] => field(f, &["Key", "Value"]).map(|f| format!("Tag.{n}.{f}")),
                _ => None,
            }
        }
    }?;
    (canon != name && classify(&canon) != ColumnKind::Unknown).then_some(canon)
}
