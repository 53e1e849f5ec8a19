//! The inventory as the desired state of its batch, against the emulator: each action of a
//! plan applied and read back through DescribeReplicationJobs, a saved plan refused for each
//! kind of drift, jobs chosen by what people know them by, and the batch's own endpoint.

mod support;

use serde_json::Value;
use smcplan::account::ReplicationJob;
use smcplan::emulator::Running;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use support::batch::*;

const HEADER: &str = "RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize,Description,Tag.1.Key,Tag.1.Value\n";

/// One row of the demo servers' inventory: server `n` (1001 on), its image name, its
/// description and its tag's value.
fn row(n: u32, image: &str, description: &str, tag: &str) -> String {
    format!("cn-hangzhou,s-bp1e2fsl57knvuug{n},wave-{n},Image,{image},60,{description},team,{tag}\n")
}

fn write_inventory(path: &Path, rows: &[String]) {
    std::fs::write(path, format!("{HEADER}{}", rows.concat())).unwrap();
}

fn source(n: u32) -> String {
    format!("s-bp1e2fsl57knvuug{n}")
}

/// The live jobs by SourceId, as DescribeReplicationJobs shows them.
fn by_source(e: &Running) -> BTreeMap<String, Vec<ReplicationJob>> {
    let mut out: BTreeMap<String, Vec<ReplicationJob>> = BTreeMap::new();
    for j in described(e) {
        out.entry(j.source_id.clone()).or_default().push(j);
    }
    out
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)))
}

fn plan_json(e: &Running, inv: &Path, dir: &Path) -> Value {
    let out = on_batch(e, dir, &["plan", inv.to_str().unwrap(), "--report", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    json(&out)
}

fn action_of(plan: &Value, n: u32) -> String {
    let step = plan["steps"].as_array().unwrap().iter().find(|s| s["SourceId"] == source(n).as_str()).unwrap();
    step["action"].as_str().unwrap().to_string()
}

struct Batch {
    _tmp: tempfile::TempDir,
    inv: PathBuf,
    dir: PathBuf,
}

/// Servers `ns` submitted into a new batch.
fn batch_of(e: &Running, ns: &[u32]) -> Batch {
    let tmp = tempfile::tempdir().unwrap();
    let (inv, dir) = (tmp.path().join("inventory.csv"), tmp.path().join("jobs"));
    let rows: Vec<String> = ns.iter().map(|&n| row(n, &format!("img-{n}"), "first_plan", "a")).collect();
    write_inventory(&inv, &rows);
    let out = submit(e, &inv, &dir, &["--rate", "50"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    Batch { _tmp: tmp, inv, dir }
}

#[test]
fn every_action_of_a_plan_is_applied_and_read_back() {
    let e = emulator(|_| {});
    let b = batch_of(&e, &[1001, 1002, 1003, 1004]);
    let before = by_source(&e);
    let id = |jobs: &BTreeMap<String, Vec<ReplicationJob>>, n: u32| jobs[&source(n)][0].job_id.clone();
    // The plan changes: 1001 moves (an update), 1002's job is deleted as a rollback (a
    // recreate), 1003's tag changes (no job takes that in place: a replace), 1004 drops out.
    let deleted = on_batch(&e, &b.dir, &["delete", b.dir.to_str().unwrap(), "--job", "wave-1002", "--yes"]);
    assert_eq!(deleted.status.code(), Some(0), "{}", text(&deleted));
    let rows = [
        row(1001, "img-1001-b", "moved_to_saturday", "a"),
        row(1002, "img-1002", "first_plan", "a"),
        row(1003, "img-1003", "first_plan", "b"),
    ];
    write_inventory(&b.inv, &rows);
    let plan = plan_json(&e, &b.inv, &b.dir);
    let actions: Vec<String> = [1001, 1002, 1003].iter().map(|&n| action_of(&plan, n)).collect();
    assert_eq!(actions, ["update", "recreate", "replace"]);
    let update = &plan["steps"][0]["changes"];
    assert_eq!(
        update[0],
        serde_json::json!({"parameter": "Description", "from": "first_plan", "to": "moved_to_saturday"})
    );
    assert_eq!(update[1], serde_json::json!({"parameter": "ImageName", "from": "img-1001", "to": "img-1001-b"}));
    assert!(plan["steps"][2]["why"].as_str().unwrap().contains("Tag.1.Value"), "{plan}");
    assert_eq!(plan["not_in_inventory"][0]["JobId"], id(&before, 1004).as_str());
    assert_eq!((plan["update"].as_u64(), plan["replace"].as_u64(), plan["none"].as_u64()), (Some(1), Some(1), Some(0)));

    // Without --replace and --prune: those are listed and the exit code says so.
    let out = submit(&e, &b.inv, &b.dir, &["--rate", "50"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("1 updated, 1 recreated, 1 to replace (--replace applies), 1 not in this inventory"),
        "{said}"
    );
    let now = by_source(&e);
    let moved = &now[&source(1001)][0];
    assert_eq!(moved.job_id, id(&before, 1001), "an update keeps the job");
    assert_eq!(
        (shown(moved, "ImageName"), shown(moved, "Description")),
        ("img-1001-b".into(), "moved_to_saturday".into())
    );
    assert_ne!(id(&now, 1002), id(&before, 1002), "a new job for the deleted one");
    assert_eq!(id(&now, 1003), id(&before, 1003), "not replaced without --replace");
    assert!(now.contains_key(&source(1004)), "not pruned without --prune");

    let out = submit(&e, &b.inv, &b.dir, &["--rate", "50", "--replace", "--prune", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let after = by_source(&e);
    assert!(after.values().all(|jobs| jobs.len() == 1), "one job a server: {after:?}");
    assert_ne!(id(&after, 1003), id(&before, 1003));
    assert_eq!(shown(&after[&source(1003)][0], "Tag.1.Value"), "b");
    assert!(!after.contains_key(&source(1004)), "pruned");
    assert_eq!(id(&after, 1001), id(&before, 1001));

    // Applied, the plan is all `none`; the report says what each row's last change was.
    let plan = plan_json(&e, &b.inv, &b.dir);
    assert!([1001, 1002, 1003].iter().all(|&n| action_of(&plan, n) == "none"), "{plan}");
    assert_eq!(plan["not_in_inventory"], serde_json::json!([]));
    let last: BTreeMap<String, String> = report(&b.dir).into_iter().map(|r| (r.id.source_id, r.last_action)).collect();
    let want = [(1001, "update"), (1002, "recreate"), (1003, "replace"), (1004, "prune")];
    for (n, action) in want {
        assert_eq!(last[&source(n)], action, "{last:?}");
    }
    // The journal keeps both tokens of a recreate, and why.
    let journal = std::fs::read_to_string(b.dir.join("journal.jsonl")).unwrap();
    let replaces = format!("\"replaces\":{{\"job_id\":\"{}\",\"why\":\"recreate\"}}", id(&before, 1002));
    assert!(journal.contains(&replaces), "{journal}");
}

/// Changes a job's parameters through the API, as someone at the console would.
fn modify_elsewhere(e: &Running, job: &str, param: &str, value: &str) {
    use smcplan::api::client::{Client, ClientConfig};
    use smcplan::api::credentials::{Credentials, Secret};
    let config = ClientConfig { endpoint: Some(e.url()), ..ClientConfig::default() };
    let credentials = Credentials {
        access_key_id: smcplan::emulator::DEFAULT_KEY_ID.into(),
        access_key_secret: Secret::new(smcplan::emulator::DEFAULT_KEY_SECRET),
        security_token: None,
        source: "test".into(),
        expiration: None,
    };
    let client = Client::new(&config, credentials).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let params = [("JobId".to_string(), job.to_string()), (param.to_string(), value.to_string())];
    runtime.block_on(client.modify_replication_job_attribute(&params)).unwrap();
}

#[test]
fn a_saved_plan_is_applied_as_it_was_made_or_not_at_all() {
    let e = emulator(|_| {});
    let b = batch_of(&e, &[1001, 1002, 1003]);
    let (inv, dir) = (b.inv.to_str().unwrap(), b.dir.to_str().unwrap());
    let plan_path = b.dir.parent().unwrap().join("friday.json");
    let plan = plan_path.to_str().unwrap();
    let moved = |path: &Path| {
        let rows = [
            row(1001, "img-1001", "moved", "a"),
            row(1002, "img-1002", "first_plan", "a"),
            row(1003, "img-1003", "first_plan", "a"),
        ];
        write_inventory(path, &rows);
    };
    moved(&b.inv);
    let save = || {
        let out = on_batch(&e, &b.dir, &["plan", inv, "--report", dir, "--out", plan]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    };
    let apply = |report: &str| on_batch(&e, &b.dir, &["submit", inv, "--report", report, "--plan", plan, "--quiet"]);
    let refused = |out: std::process::Output, why: &str| {
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let said = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(said.contains(why), "{why:?} not in {said}");
        assert_eq!(said.trim().lines().filter(|l| l.starts_with("error")).count(), 1, "{said}");
    };
    let changes_before = e.change_count();
    // Edited by hand.
    save();
    let text_of_plan = std::fs::read_to_string(&plan_path).unwrap();
    std::fs::write(&plan_path, text_of_plan.replace("\"to\": \"moved\"", "\"to\": \"other\"")).unwrap();
    refused(apply(dir), "the plan file was edited after plan wrote it");
    // Of another batch.
    save();
    let other = batch_of(&e, &[1005]);
    refused(apply(other.dir.to_str().unwrap()), "the plan is of another batch");
    // The inventory changed since.
    save();
    let rows = [
        row(1001, "img-1001", "moved_again", "a"),
        row(1002, "img-1002", "first_plan", "a"),
        row(1003, "img-1003", "first_plan", "a"),
    ];
    write_inventory(&b.inv, &rows);
    refused(apply(dir), "the inventory changed since the plan");
    moved(&b.inv);
    // The batch moved on: a job of it was started.
    save();
    let started = on_batch(&e, &b.dir, &["start", dir, "--job", "wave-1003"]);
    assert_eq!(started.status.code(), Some(0), "{}", text(&started));
    refused(apply(dir), "the batch moved on since the plan");
    // A job changed at the console.
    save();
    let job = by_source(&e)[&source(1002)][0].job_id.clone();
    modify_elsewhere(&e, &job, "Description", "console_edit");
    refused(apply(dir), &format!("job {job} changed since the plan: Description: first_plan -> console_edit"));
    // Nothing was applied: the other batch's create, the start and the console's change only.
    assert_eq!(e.change_count(), changes_before + 3);
    // Made again, it is applied: both changes (the console's is undone: the inventory is the desired state).
    save();
    let out = apply(dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let now = by_source(&e);
    assert_eq!(shown(&now[&source(1001)][0], "Description"), "moved");
    assert_eq!(shown(&now[&source(1002)][0], "Description"), "first_plan");
    // A plan file that is no plan: one line.
    std::fs::write(&plan_path, "{\"steps\": 3").unwrap();
    refused(apply(dir), "not a plan written by `smcplan plan --out`");
}

#[test]
fn jobs_are_chosen_by_name_source_or_job_id_and_the_batch_keeps_its_endpoint() {
    let e = emulator(|_| {});
    let b = batch_of(&e, &[1001, 1002, 1003]);
    let dir = b.dir.to_str().unwrap();
    let jobs = by_source(&e);
    let job = jobs[&source(1003)][0].job_id.clone();
    let src = source(1002);
    for (key, n) in [("wave-1001", 1001), (src.as_str(), 1002), (job.as_str(), 1003)] {
        let out = on_batch(&e, &b.dir, &["start", dir, "--job", key, "--dry-run"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains(": 1 job:"), "{key}: {}", text(&out));
        let status = on_batch(&e, &b.dir, &["status", dir, "--job", key, "--format", "json"]);
        let status = json(&status);
        let ids: Vec<&str> =
            status["jobs"].as_array().unwrap().iter().map(|r| r["SourceId"].as_str().unwrap()).collect();
        assert_eq!(ids, [source(n)], "{key}");
    }
    let out = on_batch(&e, &b.dir, &["stop", dir, "--job", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("--job nope: no row of the batch has this Name, SourceId or JobId"), "{}", text(&out));
    // Without --endpoint, a command on the batch goes where its first run went.
    let out = smcplan_in(b.dir.parent().unwrap()).args(["status", dir, "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(json(&out)["jobs"].as_array().unwrap().len(), 3);
    // Another endpoint, given: used, and said.
    let other = emulator(|_| {});
    let out = smcplan_in(b.dir.parent().unwrap()).args(["status", dir, "--endpoint", &other.url()]).output().unwrap();
    let said = text(&out);
    assert!(said.contains(&format!("was reached at {}", e.url())), "{said}");
}

#[test]
fn a_saved_plan_that_replaces_needs_replace_and_no_running_job() {
    let e = emulator(|_| {});
    let b = batch_of(&e, &[1001, 1002]);
    let (inv, dir) = (b.inv.to_str().unwrap(), b.dir.to_str().unwrap());
    let plan_path = b.dir.parent().unwrap().join("friday.json");
    let plan = plan_path.to_str().unwrap();
    let save = || on_batch(&e, &b.dir, &["plan", inv, "--report", dir, "--out", plan]);
    let apply = |flags: &[&str]| {
        let mut args = vec!["submit", inv, "--report", dir, "--plan", plan, "--quiet"];
        args.extend_from_slice(flags);
        on_batch(&e, &b.dir, &args)
    };
    // 1001's tag changes: no job takes that in place, a replace.
    write_inventory(&b.inv, &[row(1001, "img-1001", "first_plan", "b"), row(1002, "img-1002", "first_plan", "a")]);
    let out = save();
    assert!(text(&out).contains(&format!("--plan {plan} --replace` applies it")), "{}", text(&out));
    let before = e.change_count();
    let out = apply(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let want =
        format!("{plan}: refused, nothing was applied: the plan replaces 1 job; add --replace to apply it whole");
    assert!(text(&out).contains(&want), "{}", text(&out));
    assert_eq!(e.change_count(), before, "nothing was sent");
    // A job that is Running is replaced only once stopped: no flag applies such a plan.
    let started = on_batch(&e, &b.dir, &["start", dir, "--job", "wave-1001"]);
    assert_eq!(started.status.code(), Some(0), "{}", text(&started));
    let out = save();
    assert!(
        text(&out).contains("note: submit will refuse it: line 2 replaces a job that is Running"),
        "{}",
        text(&out)
    );
    let before = e.change_count();
    let out = apply(&["--replace", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains(&format!("`smcplan stop {dir} --line 2`, then make the plan again")), "{}", text(&out));
    assert_eq!(e.change_count(), before, "nothing was sent");
}
