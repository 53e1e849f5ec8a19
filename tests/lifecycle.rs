//! The runbook against the in-process emulator: schedule, start, stop, cutover and delete of
//! a batch, the canary and the breaker, and delete killed at random points.

mod support;

use support::batch::{emulator, smcplan_in, text};

use smcplan::batch::report::ReportRow;
use smcplan::emulator::Running;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

/// `n` Image rows on the demo servers, the first half in wave 1, the rest in wave 2.
fn inventory(dir: &Path, n: u32) -> PathBuf {
    let mut text = String::from("RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize,Wave\n");
    for i in 0..n {
        let s = 1001 + i;
        let wave = if i < n / 2 { 1 } else { 2 };
        text.push_str(&format!("cn-hangzhou,s-bp1e2fsl57knvuug{s:04},job-{s},Image,img-job-{s},40,{wave}\n"));
    }
    let path = dir.join("inventory.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// A lifecycle command on the batch in `dir`.
fn act(e: &Running, dir: &Path, verb: &str, extra: &[&str]) -> Output {
    smcplan_in(dir.parent().unwrap())
        .arg(verb)
        .arg(dir)
        .args(["--endpoint", &e.url(), "--rate", "200"])
        .args(extra)
        .output()
        .unwrap()
}

fn submitted(e: &Running, dir: &Path, n: u32) -> PathBuf {
    let inv = inventory(dir, n);
    let report = dir.join("batch");
    let out = smcplan_in(dir)
        .arg("submit")
        .arg(&inv)
        .arg("--report")
        .arg(&report)
        .args(["--endpoint", &e.url(), "--rate", "200", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    report
}

fn rows(dir: &Path) -> Vec<ReportRow> {
    smcplan::batch::report::read(dir).unwrap().rows
}

fn status_of(e: &Running, job: &str) -> String {
    e.jobs().into_iter().find(|j| j.job_id == job).map_or("gone".into(), |j| j.status)
}

#[test]
fn start_stop_and_delete_a_batch_wave_by_wave() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let batch = submitted(&e, dir.path(), 6);
    let jobs: Vec<(u64, String, String)> = rows(&batch).into_iter().map(|r| (r.id.line, r.wave, r.job_id)).collect();
    assert_eq!(jobs.iter().filter(|(_, w, _)| w == "1").count(), 3);
    // Bad input: one line, exit 2, nothing called.
    let before = e.request_count();
    for (extra, said) in [
        (vec!["--wave", "9"], "no row of the batch is in wave '9' (the batch's waves: 1, 2)"),
        (vec!["--line", "99"], "line 99 is not in the batch"),
    ] {
        let out = act(&e, &batch, "start", &extra);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(text(&out).contains(said), "{}", text(&out));
    }
    let out = act(&e, &dir.path().join("nothing"), "start", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("has no report.json"), "{}", text(&out));
    assert_eq!(e.request_count(), before, "bad input calls nothing");

    // A dry run reads the states and calls nothing.
    let out = act(&e, &batch, "start", &["--wave", "1", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("3 to call StartReplicationJob"), "{}", text(&out));
    assert!(jobs.iter().all(|(_, _, j)| status_of(&e, j) == "Ready"));

    // Wave 1 starts; wave 2 is not touched; a second start is an outcome, not a failure.
    let out = act(&e, &batch, "start", &["--wave", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("3 jobs: 3 started"), "{}", text(&out));
    for (_, wave, job) in &jobs {
        assert_eq!(status_of(&e, job), if wave == "1" { "Running" } else { "Ready" }, "{job}");
    }
    let out = act(&e, &batch, "start", &["--wave", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("3 started earlier"), "{}", text(&out));
    // The status of one wave, with its bar.
    let out = smcplan_in(dir.path())
        .arg("status")
        .arg(&batch)
        .args(["--endpoint", &e.url(), "--wave", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(
            ": 3 Running\n  wave 1     [>>>>>>>>>>>>>>>>>>>>>>>>] 0/3 Finished, 3 running, 0 ready or waiting\n"
        ),
        "{}",
        text(&out)
    );

    // One job stopped by its line; stopping a Ready job is not called.
    let (line, _, first) = &jobs[0];
    let out = act(&e, &batch, "stop", &["--line", &line.to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(status_of(&e, first), "Stopped");
    let ready = &jobs[5];
    let out = act(&e, &batch, "stop", &["--line", &ready.0.to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("not called: Ready: only a Running job can be stopped"), "{}", text(&out));

    // Delete asks first; without a terminal it needs --yes.
    let out = act(&e, &batch, "delete", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("pass --yes"), "{}", text(&out));
    assert!(e.deleted().is_empty());
    // Running jobs are refused without --stop-first; the rest go.
    let out = act(&e, &batch, "delete", &["--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("a Running job is not deleted"), "{}", text(&out));
    assert_eq!(e.deleted().len(), 4);
    let out = act(&e, &batch, "delete", &["--yes", "--stop-first"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("4 already gone, 2 stopped, then deleted"), "{}", text(&out));
    let mut deleted = e.deleted();
    deleted.sort();
    let mut want: Vec<String> = jobs.iter().map(|(_, _, j)| j.clone()).collect();
    want.sort();
    assert_eq!(deleted, want, "every job of the batch, and no other");
    // The report says each job's last action, and the journal each call.
    let report = rows(&batch);
    assert!(report.iter().all(|r| r.last_action == "delete"), "{report:?}");
    let journal = std::fs::read_to_string(batch.join("journal.jsonl")).unwrap();
    assert_eq!(journal.matches("\"event\":\"act\"").count(), journal.matches("\"event\":\"acted\"").count());
    assert_eq!(journal.matches("\"action\":\"StopReplicationJob\"").count(), 2 * 3, "1 stop, then 2 by --stop-first");
}

#[test]
fn a_failing_canary_stops_before_the_rest_and_the_breaker_opens_on_a_denial() {
    let e = emulator(|c| c.deny = vec!["StartReplicationJob".into()]);
    let dir = tempfile::tempdir().unwrap();
    let batch = submitted(&e, dir.path(), 10);
    let before = e.request_count();
    let out = act(&e, &batch, "start", &["--canary", "2", "--concurrency", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("the circuit breaker opened"), "{}", text(&out));
    assert!(text(&out).contains("9 jobs were not called (skipped)"), "{}", text(&out));
    // The states are read (a page), then the canary's first call trips the breaker.
    let starts = e.request_count() - before;
    assert!(starts <= 4, "{starts} requests");
    let report = rows(&batch);
    let results: Vec<&str> = report.iter().map(|r| r.last_action_result.as_str()).collect();
    assert!(results[0].starts_with("failed: Forbidden.RAM"), "{results:?}");
}

#[test]
fn a_canary_that_does_not_run_stops_the_start() {
    // Every run fails: the canary's jobs end InError instead of running.
    let e = emulator(|c| {
        c.job_error_rate = 1.0;
        // A run takes half a millisecond: it has failed by the time the canary looks.
        c.time_scale = 3_600_000.0;
    });
    let dir = tempfile::tempdir().unwrap();
    let batch = submitted(&e, dir.path(), 6);
    let out = act(&e, &batch, "start", &["--canary", "1", "--canary-timeout", "20"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("the canary failed: job"), "{said}");
    let started = rows(&batch).iter().filter(|r| r.last_action_result == "started").count();
    assert_eq!(started, 1, "only the canary was started");
}

#[test]
fn delete_killed_at_random_points_deletes_every_job_once_and_nothing_else() {
    let mut x: u64 = 0x9E37_79B9;
    for trial in 0..20 {
        let e = emulator(|c| c.latency = Duration::from_millis(10));
        let dir = tempfile::tempdir().unwrap();
        let batch = submitted(&e, dir.path(), 20);
        let others: Vec<String> = e.jobs().into_iter().map(|j| j.job_id).filter(|j| !j.is_empty()).collect();
        let ours: Vec<String> = rows(&batch).into_iter().map(|r| r.job_id).collect();
        let mut child = smcplan_in(dir.path())
            .arg("delete")
            .arg(&batch)
            .args(["--endpoint", &e.url(), "--rate", "400", "--yes", "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::thread::sleep(Duration::from_millis(20 + x % 200));
        let _ = child.kill();
        let _ = child.wait();
        let out = act(&e, &batch, "delete", &["--yes"]);
        assert_eq!(out.status.code(), Some(0), "trial {trial}: {}", text(&out));
        let mut deleted = e.deleted();
        deleted.sort();
        let mut want: Vec<String> = ours.iter().filter(|j| !others.contains(j) || ours.contains(j)).cloned().collect();
        want.sort();
        assert_eq!(deleted, want, "trial {trial}: every batch job deleted, once");
        let left: Vec<String> = e.jobs().into_iter().map(|j| j.job_id).collect();
        assert!(
            others.iter().filter(|j| !ours.contains(j)).all(|j| left.contains(j)),
            "trial {trial}: no other job touched"
        );
    }
}

#[test]
fn schedule_fills_the_waves_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 6);
    let now = "2026-12-01T00:00:00Z";
    let out = smcplan_in(dir.path())
        .arg("schedule")
        .arg(&inv)
        .args(["--start", "2026-12-05T20:00:00Z", "--max-running", "2", "--throughput", "1000", "--now", now])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let csv = String::from_utf8(out.stdout.clone()).unwrap();
    let starts: Vec<&str> = csv.lines().skip(2).map(|l| l.rsplit(',').next().unwrap()).collect();
    // 40 GiB at 1000 Mbit/s: 344 s; two at once.
    assert_eq!(
        starts,
        [
            "2026-12-05T20:00:00Z",
            "2026-12-05T20:00:00Z",
            "2026-12-05T20:05:44Z",
            "2026-12-05T20:12:00Z",
            "2026-12-05T20:12:00Z",
            "2026-12-05T20:17:44Z"
        ]
    );
    assert!(csv.starts_with("# smcplan schedule: throughput 1000 Mbit/s, max-running 2\nRegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize,Wave,ScheduledStartTime\n"));
    assert!(text(&out).contains("wave 2: 3 rows, from 2026-12-05T20:12:00Z"), "{}", text(&out));
    for (args, said) in [
        (vec!["--start", "2026-11-30T00:00:00Z"], "is in the past"),
        (vec!["--start", "2027-01-05T00:00:00Z"], "more than the API's 30 days ahead"),
        (vec!["--start", "2026-12-05T20:00:00Z", "--window", "8 hours"], "is not a duration"),
        (vec!["--start", "tomorrow"], "is not a UTC time"),
    ] {
        let out = smcplan_in(dir.path()).arg("schedule").arg(&inv).args(&args).args(["--now", now]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(said) && err.lines().count() == 1, "{err}");
    }
    // A wave that would start past the 30 days: errors, nothing written.
    let out = smcplan_in(dir.path())
        .arg("schedule")
        .arg(&inv)
        .args(["--start", "2026-12-29T00:00:00Z", "--max-running", "1", "--throughput", "0.5", "--now", now])
        .args(["--out", "scheduled.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("error[ScheduledStartTime.TooFar]"), "{}", text(&out));
    assert!(text(&out).contains("the schedule overflows from wave 1"), "{}", text(&out));
    assert!(!dir.path().join("scheduled.csv").exists());
}

/// A service whose every StartReplicationJob fails (a state the batch's read did not show):
/// the breaker opens once more than half of the last 20 calls failed.
#[test]
fn the_breaker_opens_on_a_burst_of_failed_calls() {
    let jobs: Vec<serde_json::Value> = (0..40)
        .map(|i| serde_json::json!({"JobId": format!("j-{i}"), "Name": format!("job-{i}"), "SourceId": format!("s-{i}"), "Status": "Ready"}))
        .collect();
    let server = support::start(move |seen| match seen.action().as_str() {
        "DescribeReplicationJobs" => {
            support::ok(serde_json::json!({"RequestId": "r", "TotalCount": 40, "PageNumber": 1,
            "PageSize": 50, "ReplicationJobs": {"ReplicationJob": jobs.clone()}}))
        }
        _ => support::error(400, "ReplicationJob.InvalidStatus"),
    });
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    std::fs::create_dir_all(&batch).unwrap();
    let rows: Vec<ReportRow> = (0..40)
        .map(|i| ReportRow {
            id: smcplan::batch::RowId { line: i + 2, source_id: format!("s-{i}"), ..Default::default() },
            status: smcplan::batch::RowStatus::Created,
            job_id: format!("j-{i}"),
            ..ReportRow::default()
        })
        .collect();
    smcplan::batch::report::write(&batch, &smcplan::batch::report::Report::new(rows, Vec::new())).unwrap();
    // The journal that made those jobs.
    let journal: String = (0..40)
        .map(|i| {
            let o = serde_json::json!({"event": "outcome", "line": i + 2, "token": format!("t-{i}"), "status": "created",
                "job_id": format!("j-{i}"), "attempts": 1, "at": "2026-12-01T00:00:00Z"});
            format!("{o}\n")
        })
        .collect();
    std::fs::write(batch.join("journal.jsonl"), journal).unwrap();
    let out = smcplan_in(dir.path())
        .arg("start")
        .arg(&batch)
        .args(["--endpoint", &server.url(), "--rate", "500", "--concurrency", "1"])
        .output()
        .unwrap();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("the circuit breaker opened: 20 of the last 20 requests failed"), "{said}");
    assert!(said.contains("40 jobs: 20 failed, 20 skipped"), "{said}");
    let starts = server.requests().iter().filter(|r| r.action() == "StartReplicationJob").count();
    assert_eq!(starts, 20, "nothing is called once the breaker is open");
}

#[test]
fn cutover_finishes_incremental_jobs_that_wait_between_runs() {
    // The emulator's clock stands still unless the test steps it: a run takes 30 minutes,
    // the next comes 168 h later.
    let e = emulator(|c| c.time_scale = 0.0);
    let dir = tempfile::tempdir().unwrap();
    let mut text_ = String::from(
        "RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize,RunOnce,Frequency,MaxNumberOfImageToKeep\n",
    );
    for s in 1001..1004 {
        text_.push_str(&format!("cn-hangzhou,s-bp1e2fsl57knvuug{s:04},inc-{s},Image,img-inc-{s},40,false,168,2\n"));
    }
    std::fs::write(dir.path().join("inventory.csv"), text_).unwrap();
    let batch = dir.path().join("batch");
    let out = smcplan_in(dir.path())
        .args(["submit", "inventory.csv", "--report", "batch", "--endpoint", &e.url(), "--rate", "200"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Not Waiting yet: nothing to cut over.
    let out = act(&e, &batch, "cutover", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("not called: Ready: CutOverReplicationJob takes an incremental job Waiting"),
        "{}",
        text(&out)
    );
    let out = act(&e, &batch, "start", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    e.advance(Duration::from_secs(3600));
    let ids: Vec<String> = rows(&batch).into_iter().map(|r| r.job_id).collect();
    assert!(ids.iter().all(|j| status_of(&e, j) == "Waiting"), "{:?}", e.jobs());
    let out = act(&e, &batch, "cutover", &["--sync-data"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("3 jobs: 3 cut over"), "{}", text(&out));
    e.advance(Duration::from_secs(3600));
    assert!(ids.iter().all(|j| status_of(&e, j) == "Finished"), "{:?}", e.jobs());
    let journal = std::fs::read_to_string(batch.join("journal.jsonl")).unwrap();
    assert_eq!(journal.matches("\"SyncData\":\"true\"").count(), 3 * 2 / 2, "each cutover's intent records SyncData");
}

/// Against another account or endpoint the batch's jobs are not there: nothing is called,
/// and no job is taken for "already gone".
#[test]
fn another_endpoint_is_refused_before_anything_is_called() {
    let e = emulator(|_| {});
    let other = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let batch = submitted(&e, dir.path(), 3);
    let out = act(&other, &batch, "delete", &["--yes"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("warning: the batch was submitted to"), "{said}");
    assert!(said.contains("none of the 3 jobs chosen from"), "{said}");
    assert!(e.deleted().is_empty() && other.deleted().is_empty());
    // A --stop-first delete with a canary stops and deletes the canary before the rest.
    let out = act(&e, &batch, "start", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = act(&e, &batch, "delete", &["--yes", "--stop-first", "--canary", "1", "--concurrency", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let journal = std::fs::read_to_string(batch.join("journal.jsonl")).unwrap();
    let calls: Vec<&str> = journal
        .lines()
        .filter(|l| l.contains("\"event\":\"act\"") && !l.contains("StartReplicationJob"))
        .map(|l| if l.contains("StopReplicationJob") { "stop" } else { "delete" })
        .collect();
    assert_eq!(calls, ["stop", "delete", "stop", "stop", "delete", "delete"]);
}
