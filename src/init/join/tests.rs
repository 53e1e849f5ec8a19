//! Joining a CMDB export: matched, not found, ambiguous; identity columns kept; names by the API's rule.

use super::super::{Options, draft};
use super::*;
use crate::account::AccountState;
use crate::check::validate::TargetType;

fn account() -> AccountIndex {
    let server = |id: &str, name: &str, host: &str, ip: &str| {
        serde_json::json!({"SourceId": id, "Name": name, "State": "Available", "SystemDiskSize": 40,
            "SystemInfo": serde_json::json!({"hostname": host, "ipv4": ip}).to_string()})
    };
    let state = serde_json::json!({"format": "smcplan-account/1", "source_servers": [
        server("s-bp1e2fsl57knvuug0001", "db01", "db01.corp.example", "10.0.0.1"),
        server("s-bp1e2fsl57knvuug0002", "web01", "web01.corp.example", "10.0.0.2"),
        server("s-bp1e2fsl57knvuug0003", "web01b", "web01.dmz.example", "10.0.0.3"),
        server("s-bp1e2fsl57knvuug0004", "app01", "APP01", "10.0.0.4"),
    ]});
    AccountIndex::new(AccountState::parse(&state.to_string()).unwrap())
}

fn table(header: &[&str], rows: &[&[&str]]) -> Table {
    Table {
        header: header.iter().map(|s| s.to_string()).collect(),
        rows: rows.iter().enumerate().map(|(i, r)| (i as u64 + 2, r.iter().map(|s| s.to_string()).collect())).collect(),
        header_line: 1,
        notes: Vec::new(),
        comments: 0,
        delimiter: b',',
    }
}

#[test]
fn rows_are_matched_unique_none_or_ambiguous() {
    let a = account();
    let mut d = draft(&a, &Options { region: "cn-hangzhou".into(), target: TargetType::Image });
    let t = table(
        &["Host Name", "vswitchid", "owner"],
        &[
            &["DB01.corp.example ", "vsw-bp1ddbrxdlrcbim460001", "dba"],
            &["web01", "vsw-x", "web"],
            &["app01.corp.example", "", "apps"],
            &["nothere", "", ""],
        ],
    );
    let j = join(&mut d, &a, &t, Key::Hostname).unwrap();
    let got: Vec<(u64, Matched)> = j.rows.iter().map(|(l, _, m)| (*l, m.clone())).collect();
    assert_eq!(
        got,
        vec![
            (2, Matched::One { source_id: "s-bp1e2fsl57knvuug0001".into() }),
            (
                3,
                Matched::Ambiguous {
                    source_ids: vec!["s-bp1e2fsl57knvuug0002".into(), "s-bp1e2fsl57knvuug0003".into()]
                }
            ),
            (4, Matched::One { source_id: "s-bp1e2fsl57knvuug0004".into() }),
            (5, Matched::NotFound),
        ]
    );
    assert!(j.unmatched.is_empty(), "servers an ambiguous row names are said there: {:?}", j.unmatched);
    let cell =
        |id: &str, col: &str| row(&d, id).unwrap().cells[d.header.iter().position(|h| h == col).unwrap()].clone();
    assert_eq!(cell("s-bp1e2fsl57knvuug0001", "VSwitchId"), "vsw-bp1ddbrxdlrcbim460001");
    assert_eq!(cell("s-bp1e2fsl57knvuug0001", "owner"), "dba");
    assert_eq!(cell("s-bp1e2fsl57knvuug0002", "VSwitchId"), "", "an ambiguous match is left as drafted");
    assert!(!d.header.contains(&"Host Name".to_string()), "the key column is not copied");
}

#[test]
fn two_rows_for_one_server_match_neither_and_ips_and_names_match_too() {
    let a = account();
    let mut d = draft(&a, &Options { region: "cn-hangzhou".into(), target: TargetType::Image });
    let t = table(&["ip", "owner"], &[&["10.0.0.1", "a"], &[" 10.0.0.1", "b"], &["10.0.0.2", "c"]]);
    let j = join(&mut d, &a, &t, Key::Ip).unwrap();
    assert_eq!(j.count(|m| matches!(m, Matched::Ambiguous { .. })), 2);
    assert_eq!(j.count(|m| matches!(m, Matched::One { .. })), 1);
    let t = table(&["Name", "owner"], &[&["WEB01", "x"]]);
    let j = join(&mut d, &a, &t, Key::Name).unwrap();
    assert_eq!(j.rows[0].2, Matched::One { source_id: "s-bp1e2fsl57knvuug0002".into() });
    let err = join(&mut d, &a, &table(&["owner"], &[]), Key::Hostname).unwrap_err();
    assert!(matches!(err, JoinError::NoKeyColumn { key: Key::Hostname, .. }), "{err}");
    assert!(err.to_string().starts_with("no hostname column to join on"), "{err}");
}

#[test]
fn a_short_form_matches_only_an_unqualified_side() {
    let a = account();
    let mut d = draft(&a, &Options { region: "cn-hangzhou".into(), target: TargetType::Image });
    let t = table(&["hostname"], &[&["db01.other.example"], &["db01"], &[""]]);
    let j = join(&mut d, &a, &t, Key::Hostname).unwrap();
    assert_eq!(j.rows[0].2, Matched::NotFound, "another domain's db01 is not this one");
    assert_eq!(j.rows[1].2, Matched::One { source_id: "s-bp1e2fsl57knvuug0001".into() });
    assert_eq!(j.rows[2].2, Matched::NoKey);
    assert_eq!(j.unmatched.len(), 3);
}

#[test]
fn a_cell_of_several_addresses_matches_by_any() {
    let a = account();
    let mut d = draft(&a, &Options { region: "cn-hangzhou".into(), target: TargetType::Image });
    let t = table(&["IP Address"], &[&["192.168.5.5, 10.0.0.2"], &["10.0.0.3; 10.0.0.4"]]);
    let j = join(&mut d, &a, &t, Key::Ip).unwrap();
    assert_eq!(j.rows[0].2, Matched::One { source_id: "s-bp1e2fsl57knvuug0002".into() });
    assert!(matches!(&j.rows[1].2, Matched::Ambiguous { source_ids } if source_ids.len() == 2));
}

#[test]
fn identity_columns_are_not_joined_and_names_keep_the_api_rule() {
    let a = account();
    let mut d = draft(&a, &Options { region: "cn-hangzhou".into(), target: TargetType::Image });
    let t = table(
        &["name", "SourceId", "region id", "Name ", "imagename"],
        &[&["db01", "s-other", "cn-beijing", "9 web01", "img web"], &["web01", "", "", "web01", "img-web"]],
    );
    // The key column is `name`; the second Name-like column is a header in another spelling.
    let j = join(&mut d, &a, &t, Key::Name).unwrap();
    assert_eq!(j.skipped, ["SourceId", "region id"]);
    let cell =
        |id: &str, col: &str| row(&d, id).unwrap().cells[d.header.iter().position(|h| h == col).unwrap()].clone();
    assert_eq!(cell("s-bp1e2fsl57knvuug0001", "SourceId"), "s-bp1e2fsl57knvuug0001");
    assert_eq!(cell("s-bp1e2fsl57knvuug0001", "RegionId"), "cn-hangzhou");
    assert_eq!(cell("s-bp1e2fsl57knvuug0001", "ImageName"), "img-web");
    // web01's own row already holds `web01`, so db01's rewritten `web01` gets a suffix.
    assert_eq!(cell("s-bp1e2fsl57knvuug0001", "Name"), "web01-2");
    assert_eq!(cell("s-bp1e2fsl57knvuug0002", "Name"), "web01");
    assert_eq!(cell("s-bp1e2fsl57knvuug0002", "ImageName"), "img-web-2");
    assert_eq!(j.renamed.len(), 3, "{:?}", j.renamed);
}

#[test]
fn a_key_shared_with_a_server_without_a_row_is_ambiguous_and_such_a_server_is_named() {
    let state = serde_json::json!({"format": "smcplan-account/1", "source_servers": [
        {"SourceId": "s-bp1e2fsl57knvuug0001", "Name": "web01", "State": "Available", "SystemDiskSize": 40},
        {"SourceId": "s-bp1e2fsl57knvuug0002", "Name": "web01", "State": "Unavailable", "SystemDiskSize": 40},
        {"SourceId": "s-bp1e2fsl57knvuug0003", "Name": "old01", "State": "Unavailable", "SystemDiskSize": 40},
    ]});
    let a = AccountIndex::new(AccountState::parse(&state.to_string()).unwrap());
    let mut d = draft(&a, &Options { region: "cn-hangzhou".into(), target: TargetType::Image });
    let t = table(&["name", "owner"], &[&["web01", "x"], &["OLD01", "y"]]);
    let j = join(&mut d, &a, &t, Key::Name).unwrap();
    assert!(matches!(&j.rows[0].2, Matched::Ambiguous { source_ids } if source_ids.len() == 2), "{:?}", j.rows);
    assert_eq!(j.rows[1].2, Matched::NoRow { source_id: "s-bp1e2fsl57knvuug0003".into() });
    let t = table(&["name", "VSwitchId", "vswitch id"], &[]);
    let err = join(&mut d, &a, &t, Key::Name).unwrap_err();
    assert_eq!(err.to_string(), "columns VSwitchId and vswitch id are both VSwitchId (columns 2 and 3); keep one");
}
