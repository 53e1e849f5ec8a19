//! "Did you mean": the known column name closest to an unknown one.

use super::param::Param;
use crate::diagnostics::{Column, Diagnostic, codes};

/// Column name templates that a "did you mean" can point to; `N` stands for a number.
const TEMPLATES: &[&str] = &[
    "DataDisk.N.Index",
    "DataDisk.N.Size",
    "DataDisk.N.Part.N.Device",
    "DataDisk.N.Part.N.SizeBytes",
    "DataDisk.N.Part.N.Block",
    "SystemDiskPart.N.Device",
    "SystemDiskPart.N.SizeBytes",
    "SystemDiskPart.N.Block",
    "Tag.N.Key",
    "Tag.N.Value",
];

pub(super) fn unknown_column(name: &str, col: u16, strict: bool) -> Diagnostic {
    let shown = crate::text::OneLine(name);
    let message = match suggest(name) {
        _ if name.trim().is_empty() => format!("column {} has no name in the header; its cells are ignored", col + 1),
        Some(s) => format!("unknown column '{shown}' is ignored; did you mean '{s}'?"),
        None => format!("unknown column '{shown}' is ignored"),
    };
    let mut d = Diagnostic::header(Column::At(col), codes::COLUMN_UNKNOWN, message);
    if strict {
        d.severity = crate::diagnostics::Severity::Error;
    }
    d
}

/// The known column name closest to `name`, if it is close enough to be a typo.
pub fn suggest(name: &str) -> Option<String> {
    let numbers: Vec<&str> = name.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).collect();
    let shape = generalise(name);
    let mut best: Option<(usize, String)> = None;
    let candidates = Param::ALL.iter().map(|p| (p.name(), false));
    for (cand, templated) in candidates.chain(TEMPLATES.iter().map(|t| (*t, true))) {
        let probe = if templated { shape.as_str() } else { name };
        let d = strsim::osa_distance(&probe.to_ascii_lowercase(), &cand.to_ascii_lowercase());
        let limit = (cand.len() / 3).clamp(1, 4);
        if d <= limit && best.as_ref().is_none_or(|(bd, _)| d < *bd) {
            let text = if templated { fill(cand, &numbers) } else { cand.to_string() };
            // `DataDisk.0.Size` has the very shape of a list column: its numbers are what is
            // wrong, and no other name is meant.
            if text == name {
                return None;
            }
            best = Some((d, text));
        }
    }
    best.map(|(_, s)| s)
}

/// Replaces each run of digits by `N`.
fn generalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_digits = false;
    for c in name.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('N');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

/// Puts the user's numbers back into a template, 1 where they gave none.
fn fill(template: &str, numbers: &[&str]) -> String {
    let mut it = numbers.iter();
    template.split('N').enumerate().fold(String::new(), |mut acc, (i, piece)| {
        if i > 0 {
            acc.push_str(it.next().copied().unwrap_or("1"));
        }
        acc.push_str(piece);
        acc
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(suggest("SystemDiskSise").as_deref(), Some("SystemDiskSize"));
        assert_eq!(suggest("regionid").as_deref(), Some("RegionId"));
        assert_eq!(suggest("DataDisk.3.Sizes").as_deref(), Some("DataDisk.3.Size"));
        assert_eq!(suggest("Tag.2.Kye").as_deref(), Some("Tag.2.Key"));
        assert_eq!(suggest("wave"), None);
        assert_eq!(suggest("owner"), None);
    }

    #[test]
    fn never_the_name_the_user_wrote() {
        for name in
            ["DataDisk.0.Size", "Tag.0.Key", "DataDisk.0.Part.0.Device", "SystemDiskPart.0.Block", "Tag.99.Value"]
        {
            assert_ne!(suggest(name).as_deref(), Some(name), "{name}");
        }
        assert_eq!(unknown_column("DataDisk.0.Size", 3, false).message, "unknown column 'DataDisk.0.Size' is ignored");
        assert_eq!(unknown_column("a\nb", 3, false).message, "unknown column 'a\\nb' is ignored");
        assert_eq!(unknown_column(" ", 3, false).message, "column 4 has no name in the header; its cells are ignored");
    }
}
