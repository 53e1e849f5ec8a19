//! ReplicationParameters: a JSON object of at most 2048 characters with the SMT driver's keys typed.

use super::diag;
use crate::diagnostics::{Diagnostic, codes};
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
    let len = cell.text.chars().count();
    if len > 2048 {
        out.push(diag(
            row,
            cell.column(),
            codes::REPLICATION_PARAMETERS_LENGTH,
            format!("{len} characters; at most 2048"),
        ));
    }
    let object = match serde_json::from_str::<Value>(cell.text) {
        Ok(Value::Object(map)) => map,
        Ok(_) => {
            out.push(diag(row, cell.column(), codes::REPLICATION_PARAMETERS_JSON, "must be a JSON object {...}"));
            return;
        }
        Err(e) => {
            out.push(diag(row, cell.column(), codes::REPLICATION_PARAMETERS_JSON, format!("not valid JSON: {e}")));
            return;
        }
    };
    // The object's keys in order (the map is ordered by key: a test below holds it to that).
    for (key, v) in &object {
        let problem = match key.as_str() {
            "bandwidth_limit" => (!v.is_u64()).then_some("an integer >= 0"),
            "compress_level" => (!(v.is_i64() || v.is_u64())).then_some("an integer"),
            "checksum" => (!v.is_boolean()).then_some("true or false"),
            _ => {
                let message = format!("key '{key}' is not an SMT driver parameter");
                out.push(diag(row, cell.column(), codes::REPLICATION_PARAMETERS_UNKNOWN, message));
                None
            }
        };
        if let Some(want) = problem {
            let message = format!("{key} must be {want}, got {v}");
            out.push(diag(row, cell.column(), codes::REPLICATION_PARAMETERS_TYPE, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, full, run};
    use super::*;

    const COL: &str = "ReplicationParameters";

    #[test]
    fn an_object_s_keys_are_read_in_order() {
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(r#"{"b":1,"c":2,"a":3}"#) else { panic!() };
        assert_eq!(map.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
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
