//! What a workbook file is before the workbook library opens it: an Office Open XML zip
//! (whose inflated size is capped), a legacy Excel 97-2003 file, or an encrypted one; each
//! refused with one line saying what it is and what to do.

use crate::text::{OneLine, one_line};
use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;

/// How far a workbook may inflate: generous for real workbooks (a 1,000,000-row inventory
/// reads), a bound on memory and time for a crafted one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    /// Every part of the zip, inflated, together.
    pub total: u64,
    /// A worksheet part (read as a stream: bounds time, not memory).
    pub sheet: u64,
    /// The shared strings (held in memory whole).
    pub shared_strings: u64,
    /// Any other part (styles, the workbook's list of sheets: held in memory).
    pub other: u64,
    /// Inflated bytes per stored byte, for a part larger than `small`.
    pub ratio: u64,
    pub small: u64,
}

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// The caps smcplan reads workbooks under.
pub const CAPS: Caps =
    Caps { total: 4 * GIB, sheet: 4 * GIB, shared_strings: GIB, other: 64 * MIB, ratio: 250, small: 16 * MIB };

/// What the first bytes and the container say a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A zip: `.xlsx`, `.xlsm`, `.xlsb` or `.ods`.
    Zip,
    /// An OLE compound file holding a legacy Excel 97-2003 workbook.
    LegacyXls,
    /// An OLE compound file holding an encrypted (password-protected) workbook.
    Encrypted,
    /// Something else.
    Other,
}

/// What `path` holds, from its first bytes and, for a compound file, the names of its streams.
pub fn kind_of(path: &Path) -> std::io::Result<Kind> {
    let mut file = File::open(path)?;
    let mut start = [0u8; 8];
    let n = read_up_to(&mut file, &mut start)?;
    let start = &start[..n];
    if start.starts_with(b"PK\x03\x04") || start.starts_with(b"PK\x05\x06") {
        return Ok(Kind::Zip);
    }
    if !start.starts_with(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) {
        return Ok(Kind::Other);
    }
    // The directory of a compound file names its streams in UTF-16: an encrypted Office
    // document holds `EncryptedPackage`, a legacy workbook `Workbook` (or `Book`).
    let encrypted = utf16("EncryptedPackage");
    let (workbook, book) = (utf16("Workbook"), utf16("Book"));
    file.rewind()?;
    let mut found = Kind::Other;
    scan(&mut file, encrypted.len(), |window| {
        if memchr::memmem::find(window, &encrypted).is_some() {
            found = Kind::Encrypted;
            return true;
        }
        if memchr::memmem::find(window, &workbook).is_some() || memchr::memmem::find(window, &book).is_some() {
            found = Kind::LegacyXls;
        }
        false
    })?;
    Ok(found)
}

fn utf16(name: &str) -> Vec<u8> {
    name.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Reads `file` a megabyte at a time (each window overlapping the last by `overlap` bytes)
/// until `seen` says it found what it looks for.
fn scan(file: &mut File, overlap: usize, mut seen: impl FnMut(&[u8]) -> bool) -> std::io::Result<()> {
    let mut buf = vec![0u8; MIB as usize + overlap];
    let mut kept = 0;
    loop {
        let n = read_up_to(file, &mut buf[kept..])?;
        if n == 0 || seen(&buf[..kept + n]) {
            return Ok(());
        }
        let end = kept + n;
        kept = overlap.min(end);
        buf.copy_within(end - kept..end, 0);
    }
}

fn read_up_to(file: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The one-line reason a file named as a workbook cannot be read as one, from what it is.
pub fn refuse(kind: Kind, ext: &str) -> Option<String> {
    match (kind, ext) {
        (Kind::Encrypted, _) => Some(
            "the workbook is password-protected (encrypted): remove the password in Excel (File > Info > Protect Workbook) and save it again"
                .to_string(),
        ),
        (Kind::LegacyXls, "xls") => None,
        (Kind::LegacyXls, _) => Some(format!(
            "this is an Excel 97-2003 workbook (.xls) named .{ext}: rename it to .xls, or open it in Excel and save it as .xlsx"
        )),
        (Kind::Zip, "xls") => Some(
            "this is an Excel 2007+ workbook (.xlsx) named .xls: rename it to .xlsx".to_string(),
        ),
        _ => None,
    }
}

/// The parts of a workbook the reader never inflates, by the start of their path.
const NEVER_READ: &[&str] = &[
    "xl/media/",
    "xl/embeddings/",
    "xl/printersettings/",
    "xl/pivotcache/",
    "xl/pivottables/",
    "xl/drawings/",
    "xl/charts/",
    "customxml/",
    "docprops/",
];

/// Why a workbook is refused before it is inflated (`what`: which kind of part).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Inflation {
    #[error("cannot open: {0}")]
    Unopened(String),
    #[error("not a workbook smcplan can read ({0}): save it again from Excel as .xlsx")]
    NotAZip(String),
    #[error("a part of the workbook cannot be read ({0})")]
    PartUnread(String),
    #[error(
        "{what} of the workbook ({}) inflates to {}, past smcplan's limit of {}: save the sheet alone as .xlsx or .csv",
        OneLine(.part), bytes(*.size), bytes(*.cap)
    )]
    PartTooLarge { what: &'static str, part: String, size: u64, cap: u64 },
    #[error(
        "{what} of the workbook ({}) inflates {} times ({} to {}), past smcplan's limit of {ratio} times: no spreadsheet program writes that; save the sheet again from Excel",
        OneLine(.part), *.size / (*.stored).max(1), bytes(*.stored), bytes(*.size)
    )]
    PartTooDense { what: &'static str, part: String, stored: u64, size: u64, ratio: u64 },
    #[error(
        "the workbook inflates to {}, past smcplan's limit of {}: save the sheet alone as .xlsx or .csv",
        bytes(*.total), bytes(*.cap)
    )]
    TooLarge { total: u64, cap: u64 },
    #[error("the shared strings cannot be read ({0})")]
    SharedUnread(String),
    #[error(
        "the shared strings claim {count} strings in {}: the workbook is damaged; save it again from Excel",
        bytes(*.size)
    )]
    CountTooLarge { count: u64, size: u64 },
}

/// Refuses a zip whose parts inflate past `caps`, before anything of it is inflated: the
/// sizes it declares bound what the zip reader inflates (it stops at a part's declared size).
pub fn check_inflation(path: &Path, caps: &Caps) -> Result<(), Inflation> {
    let file = File::open(path).map_err(|e| Inflation::Unopened(e.to_string()))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| Inflation::NotAZip(one_line(&e)))?;
    let mut total: u64 = 0;
    let mut shared = None;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|e| Inflation::PartUnread(one_line(&e)))?;
        let name = part.name().map(|n| n.to_string()).unwrap_or_default();
        let (size, stored) = (part.size(), part.compressed_size());
        let lower = name.to_ascii_lowercase();
        // Pictures, embedded files, printer settings, pivot caches, charts and properties
        // are never inflated: a workbook with a big picture reads.
        if NEVER_READ.iter().any(|p| lower.starts_with(p)) {
            continue;
        }
        total = total.saturating_add(size);
        let (cap, what) = if lower.contains("worksheets/") {
            (caps.sheet, "a sheet")
        } else if lower.ends_with("sharedstrings.xml") || lower.ends_with("sharedstrings.bin") {
            shared = Some((i, size, lower.ends_with(".xml")));
            (caps.shared_strings, "the shared strings")
        } else {
            (caps.other, "a part")
        };
        if size > cap {
            return Err(Inflation::PartTooLarge { what, part: name, size, cap });
        }
        if size > caps.small && size / stored.max(1) > caps.ratio {
            return Err(Inflation::PartTooDense { what, part: name, stored, size, ratio: caps.ratio });
        }
    }
    if total > caps.total {
        return Err(Inflation::TooLarge { total, cap: caps.total });
    }
    if let Some((i, size, true)) = shared {
        let mut start = Vec::new();
        let part = zip.by_index(i).map_err(|e| Inflation::SharedUnread(one_line(&e)))?;
        part.take(64 * 1024).read_to_end(&mut start).map_err(|e| Inflation::SharedUnread(e.to_string()))?;
        if let Some(count) = unique_count(&start)
            && count > size / 4
        {
            return Err(Inflation::CountTooLarge { count, size });
        }
    }
    Ok(())
}

/// The `uniqueCount` the shared strings' `<sst>` element declares (what a reader reserves room for).
fn unique_count(start: &[u8]) -> Option<u64> {
    let at = memchr::memmem::find(start, b"<sst")?;
    let rest = &start[at..];
    let end = memchr::memchr(b'>', rest).unwrap_or(rest.len());
    let tag = &rest[..end];
    let attr = memchr::memmem::find(tag, b"uniqueCount=")? + b"uniqueCount=".len();
    let digits: Vec<u8> = tag[attr..].iter().skip(1).take_while(|b| b.is_ascii_digit()).copied().collect();
    // A count too long for a number is as damaged as one too large.
    std::str::from_utf8(&digits).ok().map(|d| d.parse::<u64>().unwrap_or(u64::MAX))
}

/// `2.0 GiB`, `512 KiB`, `300 bytes`.
fn bytes(n: u64) -> String {
    match n {
        n if n >= GIB => format!("{:.1} GiB", n as f64 / GIB as f64),
        n if n >= MIB => format!("{:.1} MiB", n as f64 / MIB as f64),
        n if n >= 1024 => format!("{} KiB", n / 1024),
        n => format!("{n} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declared_string_count_is_read_from_the_sst_tag() {
        assert_eq!(unique_count(br#"<?xml?><sst xmlns="x" count="9" uniqueCount="7"><si>"#), Some(7));
        assert_eq!(unique_count(br#"<sst uniqueCount='12'>"#), Some(12));
        assert_eq!(unique_count(br#"<sst count="3">"#), None);
        assert_eq!(unique_count(br#"<sst uniqueCount="99999999999999999999999">"#), Some(u64::MAX));
    }

    #[test]
    fn sizes_read_as_a_person_reads_them() {
        assert_eq!(bytes(2 * GIB), "2.0 GiB");
        assert_eq!(bytes(3 * MIB / 2), "1.5 MiB");
        assert_eq!(bytes(4096), "4 KiB");
        assert_eq!(bytes(12), "12 bytes");
    }

    #[test]
    fn a_compound_file_is_told_apart_by_its_streams() {
        let dir = tempfile::tempdir().unwrap();
        let magic = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
        let with = |name: &str| {
            let mut bytes = magic.to_vec();
            bytes.resize(3 * MIB as usize - 5, 0);
            bytes.extend(utf16(name));
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            kind_of(&path).unwrap()
        };
        assert_eq!(with("EncryptedPackage"), Kind::Encrypted);
        assert_eq!(with("Workbook"), Kind::LegacyXls);
        assert_eq!(with("Nothing"), Kind::Other);
        assert!(refuse(Kind::LegacyXls, "xlsx").unwrap().contains("Excel 97-2003 workbook (.xls) named .xlsx"));
        assert_eq!(refuse(Kind::LegacyXls, "xls"), None);
        assert!(refuse(Kind::Encrypted, "xls").unwrap().contains("password-protected"));
    }
}
