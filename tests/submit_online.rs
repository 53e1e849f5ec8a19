//! `smcplan submit` as programs and the account see it: JSON for programs, the account read
//! online, a property of quota and active jobs, and the breaker with its canary.

mod support;

use smcplan::emulator::{Config, Running};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::batch::*;

#[test]
fn submit_and_status_speak_json_for_programs() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 3, false);
    let out_dir = dir.path().join("report");
    let out = submit(&e, &inv, &out_dir, &["--rate", "50", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["counts"]["created"], 3);
    assert_eq!(v["counts"]["created_in_run"], 3);
    assert_eq!(v["ended"], "completed");
    assert_eq!(v["batch"]["rows"], 3);
    assert!(v["run"].as_str().unwrap().starts_with("r-"));
    let out = smcplan_in(dir.path())
        .arg("status")
        .arg(&out_dir)
        .args(["--endpoint", &e.url(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["counts"]["Ready"], 3);
    let jobs = v["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 3);
    assert!(jobs.iter().all(|j| j["JobStatus"] == "Ready" && j["JobId"].as_str().unwrap().starts_with("j-")));
    // Errors that stop a submit are findings in the same JSON shape as validate's.
    let bad = inventory(dir.path(), 1, true);
    let out = submit(&e, &bad, &dir.path().join("other"), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "SystemDiskSize.OutOfRange");
    assert_eq!(v["errors"], 1);
}

/// An account of some of the demo servers 1001-1020 (`states`: 0 Available, 1 Unavailable,
/// 2 InUse by a running job) and a job quota.
fn generated_account(states: &[(u32, u8)], quota: u32) -> String {
    let demo: serde_json::Value = serde_json::from_str(include_str!("../samples/account.json")).unwrap();
    let by_id: BTreeMap<&str, &serde_json::Value> =
        demo["source_servers"].as_array().unwrap().iter().map(|s| (s["SourceId"].as_str().unwrap(), s)).collect();
    let (mut servers, mut jobs) = (Vec::new(), Vec::new());
    for (n, state) in states {
        let id = format!("s-bp1e2fsl57knvuug{:04}", 1001 + n);
        let mut server = by_id[id.as_str()].clone();
        server["State"] = ["Available", "Unavailable", "InUse"][*state as usize].into();
        if *state == 2 {
            jobs.push(
                serde_json::json!({"JobId": format!("j-held{n:04}"), "Name": format!("held-{n}"), "SourceId": id,
                "RegionId": "cn-hangzhou", "ImageName": format!("img-held-{n}"), "Status": "Running"}),
            );
        }
        servers.push(server);
    }
    serde_json::json!({"format": "smcplan-account/1", "captured_at": demo["captured_at"], "quota": {"replication_jobs": quota},
        "source_servers": servers, "replication_jobs": jobs, "vswitches": demo["vswitches"]})
    .to_string()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 8, failure_persistence: None, ..Default::default() })]

    /// plan, a dry run and a real submit against an emulator holding the same account count
    /// every row alike: what plan creates, the dry run leaves pending and submit creates.
    #[test]
    fn plan_dry_run_and_submit_count_alike(
        states in proptest::collection::btree_map(0u32..20, proptest::sample::select(vec![0u8, 0, 0, 0, 0, 1, 2]), 12..20),
        quota in proptest::sample::select(vec![4u32, 1000, 1000]),
        rows in proptest::collection::vec((0u32..22, 0u8..16, proptest::bool::weighted(0.15)), 1..12),
    ) {
        let states: Vec<(u32, u8)> = states.into_iter().collect();
        let dir = tempfile::tempdir().unwrap();
        let account = dir.path().join("account.json");
        std::fs::write(&account, generated_account(&states, quota)).unwrap();
        let mut text = String::from("RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize\n");
        for (i, (source, name, small_disk)) in rows.iter().enumerate() {
            let size = if *small_disk { 19 } else { 60 };
            text.push_str(&format!("cn-hangzhou,s-bp1e2fsl57knvuug{:04},wave-{name},Image,img-{i},{size}\n", 1001 + source));
        }
        let inv = dir.path().join("inventory.csv");
        std::fs::write(&inv, &text).unwrap();
        let plan = Command::new(env!("CARGO_BIN_EXE_smcplan"))
            .args(["plan", inv.to_str().unwrap(), "--account", account.to_str().unwrap(), "--format", "json"])
            .output()
            .unwrap();
        let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
        let (creates, blocked) = (plan["creates"].as_u64().unwrap(), plan["blocked"].as_u64().unwrap());
        let state = smcplan::account::AccountState::parse(&std::fs::read_to_string(&account).unwrap()).unwrap();
        let e = Running::start(Config::local(state)).unwrap();
        let counts = |extra: &[&str], out_dir: &Path| {
            let mut args = vec!["--skip-invalid", "--account", account.to_str().unwrap(), "--format", "json", "--rate", "200"];
            args.extend_from_slice(extra);
            let out = submit(&e, &inv, out_dir, &args);
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let n = |k: &str| v["counts"][k].as_u64().unwrap();
            (out.status.code(), n("pending"), n("created"), n("invalid"), n("failed"))
        };
        let clean = if blocked == 0 { Some(0) } else { Some(1) };
        let dry = counts(&["--dry-run"], &dir.path().join("dry"));
        proptest::prop_assert_eq!(dry, (clean, creates, 0, blocked, 0), "dry run vs plan for\n{}", text);
        let real = counts(&[], &dir.path().join("real"));
        proptest::prop_assert_eq!(real, (clean, 0, creates, blocked, 0), "submit vs plan for\n{}", text);
    }
}

#[test]
fn init_online_drafts_from_the_describe_apis_like_from_a_snapshot() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let online = smcplan_in(dir.path())
        .args(["init", "--online", "--region", "cn-hangzhou", "--endpoint", &e.url()])
        .output()
        .unwrap();
    assert_eq!(online.status.code(), Some(0), "{}", String::from_utf8_lossy(&online.stderr));
    let offline = smcplan_in(dir.path())
        .args([
            "init",
            "--region",
            "cn-hangzhou",
            "--account",
            concat!(env!("CARGO_MANIFEST_DIR"), "/samples/account.json"),
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&online.stdout), String::from_utf8_lossy(&offline.stdout));
    assert!(String::from_utf8_lossy(&online.stdout).lines().count() > 100);
}

/// An inventory of `n` rows whose source servers the emulator's account does not have
/// (each create fails alike, with a final error), after `good` rows that succeed.
fn inventory_failing(dir: &Path, good: u32, n: u32) -> PathBuf {
    let mut text = String::from("RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize\n");
    for i in 0..good + n {
        let s = if i < good { 1001 + i } else { 5001 + i };
        text.push_str(&format!("cn-hangzhou,s-bp1e2fsl57knvuug{s:04},wave-{s},Image,img-wave-{s},60\n"));
    }
    let path = dir.join("failing.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_breaker_opens_at_the_first_forbidden_and_a_rerun_resumes() {
    let denied = emulator(|c| c.deny = vec!["CreateReplicationJob".into()]);
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 10, false);
    let out_dir = dir.path().join("report");
    let out = submit(&denied, &inv, &out_dir, &["--rate", "100", "--concurrency", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the circuit breaker opened: Forbidden.RAM fails every row alike: 9 rows were not sent"),
        "{stderr}"
    );
    assert_eq!(denied.request_count(), 1, "one create, no more");
    let rows = report(&out_dir);
    assert_eq!(rows.iter().filter(|r| r.status == "skipped").count(), 9);
    // Once the permission is granted, the same command sends every row, the first included.
    let allowed = emulator(|_| {});
    let out = submit(&allowed, &inv, &out_dir, &["--rate", "100"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_exactly_once(&allowed, &out_dir, 10);
}

#[test]
fn the_breaker_opens_on_a_burst_of_failures_and_a_failed_canary_stops_the_rest() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory_failing(dir.path(), 0, 40);
    let out_dir = dir.path().join("burst");
    let out = submit(&e, &inv, &out_dir, &["--rate", "200", "--concurrency", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the circuit breaker opened: 20 of the last 20 requests failed")
    );
    let rows = report(&out_dir);
    assert_eq!(
        (rows.iter().filter(|r| r.status == "failed").count(), rows.iter().filter(|r| r.status == "skipped").count()),
        (20, 20)
    );
    // A canary of 2 whose rows fail: nothing after them is sent.
    let inv = inventory_failing(dir.path(), 0, 5);
    let out = submit(&e, &inv, &dir.path().join("canary"), &["--rate", "200", "--canary", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("the canary failed: 0 of its 2 rows made their job: 3 rows were not sent")
    );
    // A canary that succeeds lets the rest go.
    let good = inventory(dir.path(), 5, false);
    let out = submit(&e, &good, &dir.path().join("good"), &["--rate", "200", "--canary", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}
