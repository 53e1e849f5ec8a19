//! Cell typing: integers and booleans where the API wants them, no stray spaces around
//! values, and no value that a spreadsheet would run as a formula.

use super::diag;
use crate::diagnostics::{Column, Diagnostic, codes};
use crate::inventory::Row;
use crate::inventory::row::{is_padded, parse_bool_bytes, parse_int_bytes};
use crate::inventory::schema::ValueType;

pub fn check(row: &Row, out: &mut Vec<Diagnostic>) {
    let record = row.record();
    for block in row.typed_blocks() {
        for &(i, ty) in block {
            let i = usize::from(i);
            // Bytes first: a clean value needs no characters decoded.
            let Some(bytes) = record.bytes(i) else { continue };
            let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else { continue };
            if formula_like(bytes) {
                let text = record.get(i).unwrap_or_default();
                let message = crate::msg!("'{}' starts like a spreadsheet formula", crate::text::OneLine(text));
                out.push(diag(row, Column::At(i as u16), codes::VALUE_FORMULA, message));
                continue;
            }
            let typed = match ty {
                // (Ignored is not among the columns the API reads.)
                ValueType::Text | ValueType::Ignored => true,
                ValueType::Int => parse_int_bytes(bytes).is_some(),
                ValueType::Bool => parse_bool_bytes(bytes).is_some(),
            };
            // Printable ASCII at both ends is neither a space nor part of a character to decode.
            let plain = |b: u8| b > b' ' && b < 0x7f;
            if typed && plain(first) && plain(last) {
                continue;
            }
            let text = record.get(i).unwrap_or_default();
            let col = Column::At(i as u16);
            if is_padded(text) {
                out.push(diag(row, col, codes::VALUE_WHITESPACE, crate::msg!("'{text}' has spaces around it")));
            } else if ty == ValueType::Int && !typed {
                out.push(diag(row, col, codes::VALUE_NOT_INTEGER, crate::msg!("expected an integer, got '{text}'")));
            } else if ty == ValueType::Bool && !typed {
                out.push(diag(row, col, codes::VALUE_NOT_BOOLEAN, crate::msg!("expected true or false, got '{text}'")));
            }
        }
    }
}

/// Whether a value starts as a spreadsheet formula does: `=` or `@`, or `+` or `-` before a
/// letter (no API parameter does; `-5` and `+8` are numbers).
pub fn formula_like(bytes: &[u8]) -> bool {
    match bytes {
        [b'=' | b'@', ..] => true,
        [b'+' | b'-', next, ..] => next.is_ascii_alphabetic(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, run};
    use super::*;

    #[test]
    fn integers_booleans_and_spaces() {
        let got = run(
            &[
                ("SystemDiskSize", "40GiB"),
                ("RunOnce", "yes"),
                ("DataDisk.1.Index", "1.0"),
                ("DataDisk.1.Part.1.Block", "1"),
                ("Name", " web01"),
                ("owner", " anything "),
                ("NetMode", "2"),
            ],
            check,
        );
        assert_eq!(
            got,
            vec![
                at("SystemDiskSize", "Value.NotInteger"),
                at("RunOnce", "Value.NotBoolean"),
                at("DataDisk.1.Index", "Value.NotInteger"),
                at("DataDisk.1.Part.1.Block", "Value.NotBoolean"),
                at("Name", "Value.Whitespace"),
            ]
        );
    }

    #[test]
    fn a_value_a_spreadsheet_would_run_is_an_error_in_api_columns_only() {
        let got = run(
            &[
                ("Description", "=HYPERLINK(\"http://x\")"),
                ("InstanceType", "@SUM(1)"),
                ("ImageName", "+SUM(1,1)"),
                ("Tag.1.Value", "-cmd"),
                ("SystemDiskSize", "-5"),
                ("owner", "=cmd|' /C calc'!A0"),
            ],
            check,
        );
        assert_eq!(
            got,
            vec![
                at("Description", "Value.Formula"),
                at("InstanceType", "Value.Formula"),
                at("ImageName", "Value.Formula"),
                at("Tag.1.Value", "Value.Formula"),
            ]
        );
        assert!(
            formula_like(b"=1")
                && formula_like(b"-a")
                && !formula_like(b"-1")
                && !formula_like(b"+")
                && !formula_like(b"a=b")
        );
    }
}
