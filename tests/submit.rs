//! `smcplan submit` against the in-process emulator: exactly once, through faults, throttling,
//! edits, a lost journal and the breaker.

mod support;

use smcplan::emulator::{Config, DEFAULT_KEY_ID, DEFAULT_KEY_SECRET, Running};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::batch::*;

#[test]
fn creates_every_row_exactly_once_and_reports_it() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 12, false);
    let out_dir = dir.path().join("report");
    let out = submit(&e, &inv, &out_dir, &["--rate", "50"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(": 12 created (12 in this run), 0 failed"));
    assert_exactly_once(&e, &out_dir, 12);
    let before = e.change_count();
    let again = submit(&e, &inv, &out_dir, &["--rate", "50"]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(e.change_count(), before, "a finished run sends nothing again (it reads the jobs)");
    let csv = std::fs::read_to_string(out_dir.join("report.csv")).unwrap();
    assert_eq!(csv.lines().count(), 13);
    for file in ["report.csv", "report.json", "journal.jsonl", "failed.csv"] {
        let text = std::fs::read_to_string(out_dir.join(file)).unwrap();
        assert!(!text.contains(DEFAULT_KEY_SECRET), "{file} holds the secret");
    }
    assert!(!out_dir.join("lock").exists());
}

#[test]
fn invalid_rows_stop_the_run_unless_skipped() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 3, true);
    let out_dir = dir.path().join("report");
    let out = submit(&e, &inv, &out_dir, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SystemDiskSize.OutOfRange"));
    assert_eq!(e.request_count(), 0, "nothing was sent");
    let out = submit(&e, &inv, &out_dir, &["--skip-invalid", "--rate", "50"]);
    assert_eq!(out.status.code(), Some(1), "an invalid row is a problem found");
    let rows = report(&out_dir);
    assert_eq!(rows.iter().filter(|r| r.status == "created").count(), 3);
    let bad = rows.iter().find(|r| r.status == "invalid").unwrap();
    assert_eq!((bad.id.line, bad.error_code.as_str()), (5, "SystemDiskSize.OutOfRange"));
    let failed = std::fs::read_to_string(out_dir.join("failed.csv")).unwrap();
    assert_eq!(failed.lines().count(), 3, "the header, why the row failed, the row");
    assert!(failed.contains(&format!("\n# line 5 of {}: SystemDiskSize.OutOfRange: ", inv.display())), "{failed}");
    assert!(failed.ends_with("cn-hangzhou,s-bp1e2fsl57knvuug1099,bad-row,Image,img-bad,19,,\n"), "{failed}");
    // The file reads as an inventory without a warning: the reason is a comment.
    let check = Command::new(env!("CARGO_BIN_EXE_smcplan"))
        .args(["validate", out_dir.join("failed.csv").to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!((v["rows"].as_u64(), v["warnings"].as_u64()), (Some(1), Some(0)), "{v}");
    let csv = std::fs::read_to_string(out_dir.join("report.csv")).unwrap();
    assert!(!csv.contains(",=") && !csv.contains(",+"), "no cell starts a formula");
}

#[test]
fn dry_run_sends_nothing() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 3, false);
    let out_dir = dir.path().join("report");
    let out =
        submit_cmd(&e, &inv, &out_dir, &["--dry-run"]).env_remove("ALIBABA_CLOUD_ACCESS_KEY_ID").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "a clean dry run; no credentials needed");
    assert_eq!(e.request_count(), 0);
    assert!(report(&out_dir).iter().all(|r| r.status == "pending"));
}

#[test]
fn faults_with_lost_answers_make_no_duplicates_and_lose_no_row() {
    let e = emulator(|c| {
        c.fault_rate = 0.3;
        c.seed = 7;
    });
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 40, false);
    let out_dir = dir.path().join("report");
    let out = submit(&e, &inv, &out_dir, &["--rate", "100", "--concurrency", "8", "--max-attempts", "12"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert_exactly_once(&e, &out_dir, 40);
    assert!(report(&out_dir).iter().any(|r| r.attempts > 1), "faults happened");
}

#[test]
fn throttling_below_the_client_rate_costs_no_row() {
    let e = emulator(|c| c.qps = Some(8.0));
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 24, false);
    let out_dir = dir.path().join("report");
    let out = submit(&e, &inv, &out_dir, &["--rate", "30", "--concurrency", "6"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert_exactly_once(&e, &out_dir, 24);
}

#[test]
fn an_edited_row_with_an_unsettled_intent_is_looked_up_before_anything_is_created() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 2, false);
    let out_dir = dir.path().join("report");
    std::fs::create_dir_all(&out_dir).unwrap();
    // An earlier run sent line 2 with another token (the row was edited since) and died before
    // the answer; the job exists.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let creds = smcplan::api::credentials::Credentials {
        access_key_id: DEFAULT_KEY_ID.into(),
        access_key_secret: smcplan::api::credentials::Secret::new(DEFAULT_KEY_SECRET),
        security_token: None,
        source: "test".into(),
        expiration: None,
    };
    let client = smcplan::api::client::Client::new(
        &smcplan::api::client::ClientConfig { endpoint: Some(e.url()), ..Default::default() },
        creds,
    )
    .unwrap();
    let earlier = smcplan::api::calls::CreateReplicationJob {
        region_id: "cn-hangzhou".into(),
        source_id: "s-bp1e2fsl57knvuug1001".into(),
        name: Some("wave-1001".into()),
        target_type: Some("Image".into()),
        image_name: Some("img-wave-1001".into()),
        system_disk_size: Some(40),
        client_token: Some("old-token".into()),
        ..Default::default()
    };
    let existing = runtime.block_on(client.create_replication_job(&earlier)).unwrap().job_id;
    std::fs::write(
        out_dir.join("journal.jsonl"),
        "{\"event\":\"intent\",\"line\":2,\"token\":\"old-token\",\"params\":{\"SourceId\":\"s-bp1e2fsl57knvuug1001\"},\"at\":\"2026-11-27T08:00:00Z\"}\n",
    )
    .unwrap();
    let out = submit(&e, &inv, &out_dir, &["--rate", "50"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_exactly_once(&e, &out_dir, 2);
    assert_eq!(report(&out_dir)[0].job_id, existing);
}

#[test]
fn online_checks_against_the_live_account_first() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inventory.csv");
    std::fs::write(&path, "RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize\ncn-hangzhou,s-bp1e2fsl57knvuug0021,down,Image,img-down,60\n").unwrap();
    let out_dir = dir.path().join("report");
    let offline = submit(&e, &path, &out_dir, &["--dry-run"]);
    assert_eq!(offline.status.code(), Some(0), "without the account the row is clean");
    assert!(!String::from_utf8_lossy(&offline.stderr).contains("SourceServerState.Invalid"));
    // With the account file, submit checks exactly as validate --account does.
    let account = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/account.json");
    let with_file = submit(&e, &path, &out_dir, &["--dry-run", "--account", account]);
    assert_eq!(with_file.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&with_file.stderr).contains("SourceServerState.Invalid"));
    let online = submit(&e, &path, &out_dir, &["--online", "--region", "cn-hangzhou"]);
    assert_eq!(online.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&online.stderr).contains("SourceServerState.Invalid"),
        "{}",
        String::from_utf8_lossy(&online.stderr)
    );
    assert!(e.jobs().iter().all(|j| j.source_id != "s-bp1e2fsl57knvuug0021"));
}

#[test]
fn rows_moved_by_an_edit_keep_their_jobs_and_a_new_row_is_created() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 4, false);
    let out_dir = dir.path().join("report");
    assert_eq!(submit(&e, &inv, &out_dir, &["--rate", "50"]).status.code(), Some(0));
    // A new row at the top: every earlier row moves down a line.
    let text = std::fs::read_to_string(&inv).unwrap();
    let (header, rows) = text.split_once('\n').unwrap();
    let added = "cn-hangzhou,s-bp1e2fsl57knvuug1090,wave-1090,Image,img-wave-1090,60,wave,2\n";
    std::fs::write(&inv, format!("{header}\n{added}{rows}")).unwrap();
    let before = e.change_count();
    assert_eq!(submit(&e, &inv, &out_dir, &["--rate", "50"]).status.code(), Some(0));
    assert_eq!(e.change_count() - before, 1, "only the new row is sent");
    assert_exactly_once(&e, &out_dir, 5);
    // Editing a created row (a new token) does not make a second job for it.
    let edited = std::fs::read_to_string(&inv).unwrap().replace("img-wave-1001,60", "img-wave-1001,80");
    std::fs::write(&inv, edited).unwrap();
    assert_eq!(submit(&e, &inv, &out_dir, &["--rate", "50"]).status.code(), Some(0));
    assert_exactly_once(&e, &out_dir, 5);
}

#[test]
fn a_lost_journal_is_refused_and_adopt_rebuilds_it_without_a_second_job() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("report");
    let inv = inventory(dir.path(), 3, false);
    assert_eq!(submit(&e, &inv, &out_dir, &["--rate", "50"]).status.code(), Some(0));
    let before: BTreeMap<String, String> = report(&out_dir).into_iter().map(|r| (r.id.source_id, r.job_id)).collect();
    std::fs::remove_file(out_dir.join("journal.jsonl")).unwrap();
    // The inventory grew meanwhile: two rows were never sent.
    let inv = inventory(dir.path(), 5, false);
    let out = submit(&e, &inv, &out_dir, &["--rate", "50"]);
    assert_eq!(out.status.code(), Some(2));
    let err = errors(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("holds report.json (3 JobIds, 3 rows sent or settled) but no journal.jsonl"), "{err}");
    assert!(err.contains("--adopt"), "{err}");
    assert_eq!(e.jobs().iter().filter(|j| j.name.starts_with("wave-")).count(), 3, "nothing was sent");
    let requests = e.request_count();
    let out = submit(&e, &inv, &out_dir, &["--rate", "50", "--adopt"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_exactly_once(&e, &out_dir, 5);
    let after: BTreeMap<String, String> = report(&out_dir).into_iter().map(|r| (r.id.source_id, r.job_id)).collect();
    for (source, job) in &before {
        assert_eq!(after.get(source), Some(job), "the jobs found keep their JobIds");
    }
    assert_eq!(e.request_count() - requests, 5 + 2, "five look-ups, then two creates");
    let journal = std::fs::read_to_string(out_dir.join("journal.jsonl")).unwrap();
    assert_eq!(journal.matches("\"adopted\":true").count(), 3, "{journal}");
    let out = submit(&e, &inv, &out_dir, &["--adopt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has a journal: --adopt rebuilds a lost one only"));
}

#[test]
fn a_dry_run_never_rewrites_the_report_of_a_batch() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("report");
    let inv = inventory(dir.path(), 3, false);
    assert_eq!(submit(&e, &inv, &out_dir, &["--rate", "50"]).status.code(), Some(0));
    let files = ["journal.jsonl", "report.csv", "report.json", "failed.csv"];
    let read = || files.map(|f| std::fs::read(out_dir.join(f)).unwrap());
    let before = read();
    let inv = inventory(dir.path(), 5, false);
    let out =
        submit_cmd(&e, &inv, &out_dir, &["--dry-run"]).env_remove("ALIBABA_CLOUD_ACCESS_KEY_ID").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "a clean dry run");
    assert!(String::from_utf8_lossy(&out.stderr).contains("dry run: the report of"));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("3 created (0 in this run), 0 failed, 0 invalid, 0 skipped, 2 pending")
    );
    assert_eq!(read(), before, "nothing under the batch changed");
    assert!(!out_dir.join("lock").exists());
}

#[test]
fn a_report_that_cannot_be_written_is_named_and_leaves_no_temporary_file() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("report");
    assert_eq!(submit(&e, &inventory(dir.path(), 2, false), &out_dir, &["--rate", "50"]).status.code(), Some(0));
    std::fs::remove_file(out_dir.join("report.csv")).unwrap();
    std::fs::create_dir_all(out_dir.join("report.csv")).unwrap();
    let inv = inventory(dir.path(), 3, false);
    let out = submit(&e, &inv, &out_dir, &["--rate", "50"]);
    assert_eq!(out.status.code(), Some(2));
    let err = errors(&out);
    assert!(err.starts_with(&format!("error: replacing {}/report.csv: ", out_dir.display())), "{err}");
    let tmp: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(tmp.is_empty(), "{tmp:?}");
    assert!(!out_dir.join("lock").exists());
    // The journal kept what was created: once the way is clear, a re-run creates nothing new.
    std::fs::remove_dir(out_dir.join("report.csv")).unwrap();
    let out = submit(&e, &inv, &out_dir, &["--rate", "50"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_exactly_once(&e, &out_dir, 3);
}

#[test]
fn a_look_up_that_failed_during_adopt_is_made_again_before_anything_is_sent() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("report");
    let inv = inventory(dir.path(), 3, false);
    assert_eq!(submit(&e, &inv, &out_dir, &["--rate", "50"]).status.code(), Some(0));
    std::fs::remove_file(out_dir.join("journal.jsonl")).unwrap();
    // Adopt against an endpoint where every call fails: no look-up succeeds, nothing is sent.
    let broken = emulator(|c| c.fault_rate = 1.0);
    let out = submit(&broken, &inv, &out_dir, &["--rate", "50", "--adopt", "--max-attempts", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(broken.jobs().iter().all(|j| !j.name.starts_with("wave-")), "nothing was created there");
    // The run settled none of them: each is pending, for the next run to look up.
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("0 created (0 in this run), 0 failed, 0 invalid, 0 skipped, 3 pending")
    );
    assert!(report(&out_dir).iter().all(|r| r.status == "pending"), "{:?}", report(&out_dir));
    // The next plain run looks each job up first and finds it: no create at all.
    let requests = e.request_count();
    let out = submit(&e, &inv, &out_dir, &["--rate", "50"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(e.request_count() - requests, 3, "three look-ups, no create");
    assert_exactly_once(&e, &out_dir, 3);
}

#[test]
fn a_retryable_failure_is_sent_again_by_the_next_run_and_a_final_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("report");
    // Four rows; the last names a source server the account does not have: a final failure.
    let inv = inventory(dir.path(), 3, false);
    let mut text = std::fs::read_to_string(&inv).unwrap();
    text.push_str("cn-hangzhou,s-bp1e2fsl57knvuug9999,wave-9999,Image,img-wave-9999,60,wave,x\n");
    std::fs::write(&inv, text).unwrap();
    // An endpoint that takes no connection: one attempt each, and every row fails, retryably
    // (a throttled answer is never final: it would be tried until the run is stopped).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let out = smcplan_in(dir.path())
        .arg("submit")
        .arg(&inv)
        .arg("--report")
        .arg(&out_dir)
        .args(["--endpoint", &format!("http://{closed}"), "--quiet", "--rate", "50", "--max-attempts", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = report(&out_dir);
    assert!(rows.iter().all(|r| r.status == "failed" && r.error_code == "Transport"), "{rows:?}");
    // The next run, against an endpoint that admits them, sends the throttled rows again.
    let e = emulator(|_| {});
    let out = submit(&e, &inv, &out_dir, &["--rate", "50"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = report(&out_dir);
    let by_source = |s: &str| rows.iter().find(|r| r.id.source_id == s).unwrap().clone();
    for n in 1001..=1003 {
        assert_eq!(by_source(&format!("s-bp1e2fsl57knvuug{n}")).status, "created");
    }
    let last = by_source("s-bp1e2fsl57knvuug9999");
    assert_eq!((last.status.as_str(), last.error_code.as_str()), ("failed", "SourceServerState.Invalid"));
    // A final failure is not sent again, unless asked.
    let requests = e.change_count();
    assert_eq!(submit(&e, &inv, &out_dir, &["--rate", "50"]).status.code(), Some(1));
    assert_eq!(e.change_count(), requests, "nothing was sent");
    assert_eq!(submit(&e, &inv, &out_dir, &["--rate", "50", "--retry-failed"]).status.code(), Some(1));
    assert_eq!(e.change_count(), requests + 1, "the final failure was sent once more");
}

#[test]
fn plan_and_a_dry_run_count_alike() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 6, true);
    let account = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/account.json");
    let plan = Command::new(env!("CARGO_BIN_EXE_smcplan"))
        .args(["plan", inv.to_str().unwrap(), "--account", account, "--format", "json"])
        .output()
        .unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let out_dir = dir.path().join("report");
    let dry = submit_cmd(&e, &inv, &out_dir, &["--dry-run", "--skip-invalid", "--account", account])
        .env_remove("ALIBABA_CLOUD_ACCESS_KEY_ID")
        .output()
        .unwrap();
    assert_eq!(dry.status.code(), Some(1), "an invalid row is a problem found");
    let rows = report(&out_dir);
    let count = |s: &str| rows.iter().filter(|r| r.status == s).count() as u64;
    assert_eq!((plan["creates"].as_u64(), plan["blocked"].as_u64()), (Some(count("pending")), Some(count("invalid"))));
    assert_eq!((count("pending"), count("invalid")), (6, 1));
}

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
