//! A batch fixed in place: a fixed `failed.csv` updates its rows and leaves the rest, a fix
//! that changes the source and an edited file leave no stale rows, and no source gets two jobs.

mod support;

use smcplan::emulator::{DEFAULT_KEY_ID, DEFAULT_KEY_SECRET, Running};
use std::collections::BTreeMap;
use support::batch::*;

#[test]
fn a_fixed_failed_csv_updates_its_rows_and_leaves_the_rest_of_the_batch() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("report");
    // Three good rows, one the API refuses (its Name is an existing job's), one invalid offline.
    let mut text = String::from("RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize,Tag.1.Key,Tag.1.Value\n");
    for s in 1001..=1003 {
        text.push_str(&format!("cn-hangzhou,s-bp1e2fsl57knvuug{s:04},wave-{s},Image,img-wave-{s},60,wave,v=1+1\n"));
    }
    text.push_str("cn-hangzhou,s-bp1e2fsl57knvuug1004,legacy02-wave0,Image,img-wave-1004,60,,\n");
    text.push_str("cn-hangzhou,s-bp1e2fsl57knvuug1005,wave-1005,Image,img-wave-1005,19,,\n");
    let inv = dir.path().join("inventory.csv");
    std::fs::write(&inv, &text).unwrap();
    assert_eq!(submit(&e, &inv, &out_dir, &["--rate", "50", "--skip-invalid"]).status.code(), Some(1));
    let first = report(&out_dir);
    let jobs: BTreeMap<String, String> =
        first.iter().filter(|r| r.status == "created").map(|r| (r.id.source_id.clone(), r.job_id.clone())).collect();
    assert_eq!(jobs.len(), 3);
    let failed = std::fs::read_to_string(out_dir.join("failed.csv")).unwrap();
    let of = inv.display();
    assert!(failed.contains(&format!("# line 5 of {of}: ReplicationJobName.Duplicate: ")), "{failed}");
    assert!(failed.contains(&format!("# line 6 of {of}: SystemDiskSize.OutOfRange: ")), "{failed}");
    // Fixed where it lies, and submitted into the same directory.
    let fixed = dir.path().join("fixed.csv");
    std::fs::write(&fixed, failed.replace("legacy02-wave0", "wave-1004").replace(",19,", ",60,")).unwrap();
    let out = submit(&e, &fixed, &out_dir, &["--rate", "50"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("batch: 5 rows from 2 files: 5 created"));
    let second = report(&out_dir);
    assert_eq!(second.len(), 5, "{second:?}");
    assert!(second.iter().all(|r| r.status == "created"), "{second:?}");
    for r in &second {
        match jobs.get(&r.id.source_id) {
            Some(job) => assert_eq!((&r.job_id, r.file.as_str()), (job, inv.to_str().unwrap()), "kept as it was"),
            None => assert_eq!(r.file, fixed.to_str().unwrap(), "the fixed row names the file it came from"),
        }
    }
    assert_eq!(std::fs::read_to_string(out_dir.join("report.csv")).unwrap().lines().count(), 6);
    // The original inventory again: its old versions of the fixed rows do not hide their jobs.
    let requests = e.change_count();
    let out = submit(&e, &inv, &out_dir, &["--rate", "50", "--skip-invalid"]);
    assert_eq!(out.status.code(), Some(0), "every row of it stands created: {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(e.change_count(), requests, "nothing is sent again");
    assert!(report(&out_dir).iter().all(|r| r.status == "created"), "{:?}", report(&out_dir));
    assert_eq!(report(&out_dir), second, "the rows keep the file and line their jobs came from");
    let failed = std::fs::read_to_string(out_dir.join("failed.csv")).unwrap();
    assert_eq!(failed.lines().count(), 1, "nothing to fix: {failed}");
    assert_exactly_once_by_source(&e, 5);
    // Every run is on record, secret-free, with what it ran on.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap()).unwrap();
    let runs = json["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(json["batch"]["rows"], 5);
    for run in runs {
        assert_eq!(run["command"], "submit");
        assert_eq!(run["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(run["AccessKeyId"], DEFAULT_KEY_ID);
        assert_eq!(run["endpoint"].as_str().unwrap().trim_end_matches('/'), e.url().trim_end_matches('/'));
        assert_eq!(run["regions"], serde_json::json!(["cn-hangzhou"]));
        assert_eq!(run["inventory"]["sha256"].as_str().unwrap().len(), 64);
        assert!(run["ended_at"].is_string() && run["summary"]["line"].is_string(), "{run}");
        assert!(run["argv"].as_array().unwrap().iter().any(|a| a == "--report"));
    }
    assert_eq!(runs[1]["summary"]["counts"]["created_in_run"], 2);
    for file in ["report.csv", "report.json", "journal.jsonl", "failed.csv"] {
        let text = std::fs::read_to_string(out_dir.join(file)).unwrap();
        assert!(!text.contains(DEFAULT_KEY_SECRET), "{file} holds the secret");
    }
}

#[test]
fn a_fix_that_changes_the_source_and_an_edited_file_leave_no_stale_rows() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("report");
    let head = "RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize\n";
    let good = "cn-hangzhou,s-bp1e2fsl57knvuug1001,wave-1001,Image,img-wave-1001,60\n";
    // A mistyped SourceId, and a row without one.
    let bad = "cn-hangzhou,srv-1002,wave-1002,Image,img-wave-1002,60\ncn-hangzhou,,wave-1003,Image,img-wave-1003,60\n";
    let inv = dir.path().join("inventory.csv");
    std::fs::write(&inv, format!("{head}{good}{bad}")).unwrap();
    assert_eq!(submit(&e, &inv, &out_dir, &["--rate", "50", "--skip-invalid"]).status.code(), Some(1));
    assert_eq!(report(&out_dir).len(), 3);
    // The same file, edited: a line inserted above; its never-sent rows are replaced, not added.
    std::fs::write(&inv, format!("{head}# a note\n{good}{bad}")).unwrap();
    assert_eq!(submit(&e, &inv, &out_dir, &["--rate", "50", "--skip-invalid"]).status.code(), Some(1));
    let rows = report(&out_dir);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows.iter().filter(|r| r.status == "invalid").map(|r| r.id.line).collect::<Vec<_>>(), [4, 5]);
    // failed.csv fixed where it lies, the SourceIds changed: the rows it fixes go.
    let failed = std::fs::read_to_string(out_dir.join("failed.csv")).unwrap();
    let fixed = dir.path().join("fixed.csv");
    std::fs::write(
        &fixed,
        failed
            .replace("srv-1002", "s-bp1e2fsl57knvuug1002")
            .replace(",,wave-1003", ",s-bp1e2fsl57knvuug1003,wave-1003"),
    )
    .unwrap();
    let out = submit(&e, &fixed, &out_dir, &["--rate", "50"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = report(&out_dir);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().all(|r| r.status == "created"), "{rows:?}");
    assert_eq!(std::fs::read_to_string(out_dir.join("failed.csv")).unwrap().lines().count(), 1);
    assert_exactly_once_by_source(&e, 3);
}

/// One job per source among the batch's (`wave-` named) jobs.
fn assert_exactly_once_by_source(e: &Running, sources: usize) {
    let mut per_source: BTreeMap<String, usize> = BTreeMap::new();
    for j in e.jobs().iter().filter(|j| j.name.starts_with("wave-")) {
        *per_source.entry(j.source_id.clone()).or_default() += 1;
    }
    assert_eq!(per_source.len(), sources, "{per_source:?}");
    assert!(per_source.values().all(|n| *n == 1), "{per_source:?}");
}
