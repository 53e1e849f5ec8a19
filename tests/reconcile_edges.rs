//! The edges of reconcile against the emulator: a job under the batch's JobId that is
//! another server's, a saved plan of a batch with no job yet, a plan made offline, a replace
//! or prune asked for without a terminal to confirm on, a saved plan applied whole or not at
//! all, and flags with nothing to do.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::batch::*;

const HEADER: &str = "RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize,Description\n";

fn write_rows(path: &Path, rows: &[(u32, &str)]) {
    let rows: String = rows
        .iter()
        .map(|(n, d)| format!("cn-hangzhou,s-bp1e2fsl57knvuug{n},wave-{n},Image,img-{n},60,{d}\n"))
        .collect();
    std::fs::write(path, format!("{HEADER}{rows}")).unwrap();
}

/// A scratch directory, and in it the paths of an inventory, a report directory and a plan.
fn scratch() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let at = |name: &str| tmp.path().join(name);
    let (inv, dir, plan) = (at("inventory.csv"), at("jobs"), at("p.json"));
    (tmp, inv, dir, plan)
}

fn plan_json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)))
}

#[test]
fn a_job_under_the_batchs_job_id_that_is_another_servers_is_never_touched() {
    // Two emulators with one seed give the same JobIds in the same order.
    let (first, second) = (emulator(|_| {}), emulator(|_| {}));
    let tmp = tempfile::tempdir().unwrap();
    let (inv, dir) = (tmp.path().join("inventory.csv"), tmp.path().join("jobs"));
    write_rows(&inv, &[(1001, "first")]);
    assert_eq!(submit(&first, &inv, &dir, &[]).status.code(), Some(0));
    // At the second endpoint that JobId is another server's job.
    let other = tmp.path().join("other.csv");
    write_rows(&other, &[(1007, "not_ours")]);
    assert_eq!(submit(&second, &other, &tmp.path().join("elsewhere"), &[]).status.code(), Some(0));
    let of = |e: &smcplan::emulator::Running, source: &str| {
        described(e).into_iter().find(|j| j.source_id == format!("s-bp1e2fsl57knvuug{source}")).unwrap()
    };
    let ours = of(&first, "1001").job_id;
    assert_eq!(of(&second, "1007").job_id, ours, "the same JobId, another server");
    write_rows(&inv, &[(1001, "changed")]);
    let dir_s = dir.to_str().unwrap();
    let plan = on_batch(&second, &dir, &["plan", inv.to_str().unwrap(), "--report", dir_s, "--format", "json"]);
    let plan = plan_json(&plan);
    assert_eq!(plan["steps"][0]["action"], "blocked", "{plan}");
    assert_eq!(plan["steps"][0]["blocked_by"][0], "Job.NotThisBatchs");
    assert_eq!(plan["not_in_inventory"], serde_json::json!([]));
    let before = second.change_count();
    let out = submit(&second, &inv, &dir, &["--replace", "--prune", "--yes"]);
    assert_eq!(second.change_count(), before, "nothing sent to another server's job: {}", text(&out));
    assert_eq!(of(&second, "1007").name, "wave-1007", "as it was");
}

#[test]
fn a_saved_plan_of_a_batch_with_no_job_yet_is_applied() {
    let e = emulator(|_| {});
    let (_tmp, inv, dir, plan) = scratch();
    write_rows(&inv, &[(1001, "first"), (1002, "first")]);
    let (inv_s, dir_s, plan_s) = (inv.to_str().unwrap(), dir.to_str().unwrap(), plan.to_str().unwrap());
    let out = on_batch(&e, &dir, &["plan", inv_s, "--report", dir_s, "--out", plan_s]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = on_batch(&e, &dir, &["submit", inv_s, "--report", dir_s, "--plan", plan_s, "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(described(&e).iter().filter(|j| j.name.starts_with("wave-")).count(), 2);
}

#[test]
fn a_saved_plan_is_applied_whole_or_not_at_all() {
    let e = emulator(|_| {});
    let (_tmp, inv, dir, plan) = scratch();
    write_rows(&inv, &[(1001, "first"), (1002, "first")]);
    assert_eq!(submit(&e, &inv, &dir, &[]).status.code(), Some(0));
    // One row changes in place, the other leaves the file: the plan updates one job and prunes one.
    write_rows(&inv, &[(1001, "moved")]);
    let (inv_s, dir_s, plan_s) = (inv.to_str().unwrap(), dir.to_str().unwrap(), plan.to_str().unwrap());
    let out = on_batch(&e, &dir, &["plan", inv_s, "--report", dir_s, "--out", plan_s]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains(&format!("--plan {plan_s} --prune` applies it")), "{}", text(&out));
    // Without --prune: refused before anything is sent, the update too.
    let before = e.change_count();
    let out = on_batch(&e, &dir, &["submit", inv_s, "--report", dir_s, "--plan", plan_s, "--quiet"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let want = format!("{plan_s}: refused, nothing was applied: the plan prunes 1 job; add --prune to apply it whole");
    assert!(text(&out).contains(&want), "{}", text(&out));
    assert_eq!(e.change_count(), before, "nothing was sent");
    // The same plan, whole: still current, applied.
    let out =
        on_batch(&e, &dir, &["submit", inv_s, "--report", dir_s, "--plan", plan_s, "--prune", "--yes", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let names: Vec<String> = described(&e).into_iter().map(|j| j.name).filter(|n| n.starts_with("wave-")).collect();
    assert_eq!(names, ["wave-1001"]);
}

#[test]
fn offline_plans_from_the_report_and_deletes_need_a_terminal_or_yes() {
    let e = emulator(|_| {});
    let tmp = tempfile::tempdir().unwrap();
    let (inv, dir) = (tmp.path().join("inventory.csv"), tmp.path().join("jobs"));
    write_rows(&inv, &[(1001, "first"), (1002, "first"), (1003, "first")]);
    assert_eq!(submit(&e, &inv, &dir, &[]).status.code(), Some(0));
    let dir_s = dir.to_str().unwrap();
    let out = on_batch(&e, &dir, &["delete", dir_s, "--job", "wave-1001", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    write_rows(&inv, &[(1001, "first"), (1002, "moved")]);
    // Offline: nothing is read; the journal and the report say what is known.
    let before = e.request_count();
    let out = smcplan_in(tmp.path())
        .args(["plan", inv.to_str().unwrap(), "--report", dir_s, "--offline", "--format", "json"])
        .env_remove("ALIBABA_CLOUD_ACCESS_KEY_ID")
        .output()
        .unwrap();
    let plan = plan_json(&out);
    assert_eq!(e.request_count(), before, "offline reads nothing");
    let actions: Vec<&str> = plan["steps"].as_array().unwrap().iter().map(|s| s["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["recreate", "update"]);
    assert_eq!(plan["not_in_inventory"][0]["Name"], "wave-1003");
    // A prune without a terminal and without --yes: refused before anything is sent.
    let before = e.change_count();
    let out = submit(&e, &inv, &dir, &["--prune"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out)
            .contains("1 job would be deleted (--replace, --prune) and there is no terminal to confirm on; add --yes")
    );
    assert_eq!(e.change_count(), before, "nothing was sent");
    // Applied; then the flags find nothing to do, and say so.
    assert_eq!(submit(&e, &inv, &dir, &["--prune", "--yes"]).status.code(), Some(0));
    let out = submit(&e, &inv, &dir, &["--prune", "--replace", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("note: --replace: no job of this inventory needs replacing"), "{said}");
    assert!(said.contains("note: --prune: every job of the batch is in this inventory"), "{said}");
    // The report keeps each job's parameters now.
    let report: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let row = report["rows"].as_array().unwrap().iter().find(|r| r["Name"] == "wave-1002").unwrap();
    assert_eq!(row["params"]["Description"], "moved");
}
