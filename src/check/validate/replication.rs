//! ReplicationParameters: a JSON object of at most 2048 characters with the SMT driver's keys typed.

use super::diag;
use super::object::{self, Kind};
use crate::diagnostics::{Diagnostic, Message, codes};
use crate::inventory::{Cell, Param, Row};
use serde_json::Value;
use std::cell::RefCell;

thread_local! {
    /// The last value this thread found clean: batches repeat the same parameters on most rows.
    static LAST_CLEAN: RefCell<String> = const { RefCell::new(String::new()) };
}

pub fn check(row: &Row, out: &mut Vec<Diagnostic>) {
    let Some(cell) = row.get(Param::ReplicationParameters) else {
        return;
    };
    if LAST_CLEAN.with_borrow(|last| last == cell.text) {
        return;
    }
    let before = out.len();
    check_value(row, cell, out);
    if out.len() == before {
        LAST_CLEAN.with_borrow_mut(|last| cell.text.clone_into(last));
    }
}

fn check_value(row: &Row, cell: Cell, out: &mut Vec<Diagnostic>) {
    // A text has no more characters than bytes.
    let len = if cell.text.len() <= 2048 { 0 } else { cell.text.chars().count() };
    if len > 2048 {
        out.push(diag(
            row,
            cell.column(),
            codes::REPLICATION_PARAMETERS_LENGTH,
            crate::msg!("{len} characters; at most 2048"),
        ));
    }
    let Some(keys) = object::kinds(cell.text) else {
        let message: Message = match serde_json::from_str::<Value>(cell.text) {
            Ok(_) => "must be a JSON object {...}".into(),
            Err(e) => crate::msg!("not valid JSON: {e}"),
        };
        out.push(diag(row, cell.column(), codes::REPLICATION_PARAMETERS_JSON, message));
        return;
    };
    for (key, kind) in &keys {
        let want = match (&**key, *kind) {
            ("bandwidth_limit", Kind::Unsigned) | ("compress_level", Kind::Unsigned | Kind::Negative) => continue,
            ("checksum", Kind::Bool) => continue,
            ("bandwidth_limit", _) => "an integer >= 0",
            ("compress_level", _) => "an integer",
            ("checksum", _) => "true or false",
            _ => {
                let message = crate::msg!("key '{}' is not an SMT driver parameter", &**key);
                out.push(diag(row, cell.column(), codes::REPLICATION_PARAMETERS_UNKNOWN, message));
                continue;
            }
        };
        let got = object::value_of(cell.text, key).unwrap_or_default();
        let message = crate::msg!("{} must be {want}, got {got}", &**key);
        out.push(diag(row, cell.column(), codes::REPLICATION_PARAMETERS_TYPE, message));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, full, run};
    use super::*;

    const COL: &str = "ReplicationParameters";

    #[test]
    fn an_object_s_keys_are_read_in_order() {
        let keys = object::kinds(r#"{"b":1,"c":2,"a":3}"#).unwrap();
        assert_eq!(keys.iter().map(|(k, _)| &**k).collect::<Vec<_>>(), ["a", "b", "c"]);
    }

    #[test]
    fn well_typed_object_passes() {
        assert!(run(&[(COL, r#"{"bandwidth_limit":0,"compress_level":1,"checksum":true}"#)], check).is_empty());
    }

    #[test]
    fn json_shape_length_and_types() {
        assert_eq!(run(&[(COL, "{bandwidth_limit:1}")], check), vec![at(COL, "ReplicationParameters.Json")]);
        assert_eq!(run(&[(COL, "[1]")], check), vec![at(COL, "ReplicationParameters.Json")]);
        let long = format!(r#"{{"checksum":true,"x":"{}"}}"#, "a".repeat(2048));
        assert_eq!(
            run(&[(COL, long.as_str())], check),
            vec![at(COL, "ReplicationParameters.Length"), at(COL, "ReplicationParameters.UnknownKey")]
        );
        let got = full(&[(COL, r#"{"bandwidth_limit":-1,"compress_level":"9","checksum":"true","speed":1}"#)], check);
        let got: Vec<_> = got.iter().map(|(d, _)| (d.code.id, d.message.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("ReplicationParameters.Type", "bandwidth_limit must be an integer >= 0, got -1"),
                ("ReplicationParameters.Type", "checksum must be true or false, got \"true\""),
                ("ReplicationParameters.Type", "compress_level must be an integer, got \"9\""),
                ("ReplicationParameters.UnknownKey", "key 'speed' is not an SMT driver parameter"),
            ]
        );
    }
}
