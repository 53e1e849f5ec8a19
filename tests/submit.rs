//! `smcplan submit` against the in-process emulator: exactly once, through faults, throttling,
//! edits, a lost journal and the breaker.

mod support;

use smcplan::emulator::{DEFAULT_KEY_ID, DEFAULT_KEY_SECRET};
use std::collections::BTreeMap;
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
