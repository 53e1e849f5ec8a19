//! Test helpers: build a one-row inventory and run a rule on it.

use crate::account::{AccountIndex, AccountState};
use crate::diagnostics::{Diagnostic, column_name};
use crate::inventory::RecordBuf;
use crate::inventory::{Row, Schema};

/// Defaults that make a row valid for the rules that do not look at them.
const BASE: &[(&str, &str)] = &[("RegionId", "cn-hangzhou"), ("SourceId", "s-bp1e2fsl57knvuug0001")];

/// Runs `rule` on a row made of BASE overridden by `cells`; returns (line, column, code).
pub fn run(
    cells: &[(&str, &str)],
    rule: impl Fn(&Row, &mut Vec<Diagnostic>),
) -> Vec<(u64, Option<String>, &'static str)> {
    full(cells, rule).into_iter().map(|(d, col)| (d.line, col, d.code.id)).collect()
}

/// Like [`run`], with the whole findings.
pub fn full(cells: &[(&str, &str)], rule: impl Fn(&Row, &mut Vec<Diagnostic>)) -> Vec<(Diagnostic, Option<String>)> {
    let mut names: Vec<String> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    for (k, v) in BASE.iter().chain(cells) {
        match names.iter().position(|n| n == k) {
            Some(i) => values[i] = v.to_string(),
            None => {
                names.push(k.to_string());
                values.push(v.to_string());
            }
        }
    }
    let schema = Schema::parse(names.clone()).expect("test header");
    let record: RecordBuf = values.iter().collect();
    let row = Row::new(2, &schema, record.view());
    let mut out = Vec::new();
    rule(&row, &mut out);
    out.into_iter()
        .map(|d| {
            let col = column_name(&names, d.column).map(str::to_string);
            (d, col)
        })
        .collect()
}

/// One (line 2, column, code) triple.
pub fn at(column: &str, code: &'static str) -> (u64, Option<String>, &'static str) {
    (2, Some(column.to_string()), code)
}

/// The sample-like account used by the account rule tests.
pub fn account() -> AccountIndex {
    let text = r#"{"format": "smcplan-account/1", "quota": {"replication_jobs": 10},
     "source_servers": [
       {"SourceId": "s-bp1e2fsl57knvuug0001", "Name": "db01", "State": "Available", "SystemDiskSize": 40,
        "SystemDiskParts": [{"Device": "0_1", "SizeBytes": 42949672960}],
        "DataDisks": [{"Index": 1, "Size": 100, "Parts": [{"Device": "1_1", "SizeBytes": 107374182400}]}]},
       {"SourceId": "s-bp1e2fsl57knvuug0002", "Name": "web01", "State": "Available", "SystemDiskSize": 40},
       {"SourceId": "s-bp1e2fsl57knvuug0004", "Name": "app01", "State": "Available", "SystemDiskSize": 40,
        "DataDisks": [{"Index": 1, "Size": 100}, {"Index": 2, "Size": 200}, {"Index": 3, "Size": 300}]},
       {"SourceId": "s-bp1e2fsl57knvuug0003", "Name": "web02", "State": "Unavailable", "SystemDiskSize": 40},
       {"SourceId": "s-bp1e2fsl57knvuug0009", "Name": "old", "State": "InUse", "SystemDiskSize": 40}],
     "replication_jobs": [
       {"JobId": "j-bp17bclvg344jlyt0001", "Name": "old-db01", "SourceId": "s-bp1e2fsl57knvuug0009",
        "RegionId": "cn-hangzhou", "ImageName": "img-old-db01", "Status": "Running"}],
     "vswitches": [{"VSwitchId": "vsw-bp1ddbrxdlrcbim460001", "VpcId": "vpc-bp1vwnn14rqpyiczj0001", "RegionId": "cn-hangzhou"}]}"#;
    AccountIndex::new(AccountState::parse(text).expect("test account"))
}
