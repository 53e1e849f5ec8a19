//! `smcplan status` and its watch against the in-process emulator: every job read, the
//! report updated, failed refreshes survived, and a watch that ends when nothing moves alone.

mod support;

use smcplan::emulator::DEFAULT_KEY_ID;
use std::process::Stdio;
use std::time::Duration;
use support::batch::*;

#[test]
fn status_reads_every_job_and_updates_the_report() {
    let e = emulator(|c| c.time_scale = 7200.0);
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 3, false);
    let out_dir = dir.path().join("report");
    assert_eq!(submit(&e, &inv, &out_dir, &["--rate", "50"]).status.code(), Some(0));
    let out = smcplan_in(dir.path()).arg("status").arg(&out_dir).args(["--endpoint", &e.url()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).ends_with(": 3 Ready\n"));
    let rows = report(&out_dir);
    assert!(rows.iter().all(|r| r.job_status == Some(smcplan::jobstate::JobStatus::Ready) && r.checked_at.is_some()));
    assert!(std::fs::read_to_string(out_dir.join("report.csv")).unwrap().starts_with("line,SourceId,Name,RegionId,status,JobId,RequestId,ErrorCode,ErrorMessage,ClientToken,attempts,submitted_at,file,JobStatus,JobBusinessStatus,JobProgress,JobErrorCode,checked_at,ImageId,InstanceId,StartTime,EndTime,StatusInfo,status_at,first_running_at,finished_at\n"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap()).unwrap();
    let commands: Vec<&str> = json["runs"].as_array().unwrap().iter().map(|r| r["command"].as_str().unwrap()).collect();
    assert_eq!(commands, ["submit", "status"]);
    assert_eq!(json["runs"][1]["summary"]["counts"]["Ready"], 3);
    assert_eq!(json["runs"][1]["AccessKeyId"], DEFAULT_KEY_ID);
    // While another run holds the directory, status shows the jobs and leaves the report alone.
    let _holder = smcplan::batch::lock::Lock::take(&out_dir).unwrap();
    let before = std::fs::read(out_dir.join("report.json")).unwrap();
    let out = smcplan_in(dir.path()).arg("status").arg(&out_dir).args(["--endpoint", &e.url()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the report is left to that run"));
    assert_eq!(std::fs::read(out_dir.join("report.json")).unwrap(), before);
}

#[test]
fn status_and_snapshot_retry_through_faults() {
    let e = emulator(|c| {
        c.fault_rate = 0.3;
        c.seed = 11;
    });
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 12, false);
    let out_dir = dir.path().join("report");
    let out = submit(&e, &inv, &out_dir, &["--rate", "100", "--max-attempts", "12"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    for run in 0..3 {
        let mut status = smcplan_in(dir.path());
        let out = status.arg("status").arg(&out_dir).args(["--endpoint", &e.url(), "--max-attempts", "12"]).output();
        let out = out.unwrap();
        assert_eq!(out.status.code(), Some(0), "status run {run}: {}", String::from_utf8_lossy(&out.stderr));
        let state = dir.path().join(format!("state-{run}.json"));
        let mut snapshot = smcplan_in(dir.path());
        snapshot.args(["snapshot", "--out", state.to_str().unwrap(), "--endpoint", &e.url(), "--max-attempts", "12"]);
        let out = snapshot.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "snapshot run {run}: {}", String::from_utf8_lossy(&out.stderr));
        let state = smcplan::account::AccountState::load(&state).unwrap();
        assert_eq!(state.replication_jobs.iter().filter(|j| j.name.starts_with("wave-")).count(), 12);
    }
}

#[test]
fn a_watch_survives_a_failed_refresh_and_ends_when_only_the_user_can_move_the_jobs() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 2, false);
    let out_dir = dir.path().join("report");
    assert_eq!(submit(&e, &inv, &out_dir, &["--rate", "50"]).status.code(), Some(0));
    let status = |endpoint: &str| {
        smcplan_in(dir.path())
            .arg("status")
            .arg(&out_dir)
            .args(["--watch", "--interval", "0.2", "--max-attempts", "1", "--endpoint", endpoint])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Nothing starts Ready jobs without a schedule: the watch says so and ends.
    let out = status(&e.url()).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(": 2 Ready\n") && stdout.contains("2 jobs wait for you"), "{stdout}");
    // Each plain line of a watch is stamped with the time of its refresh.
    for line in stdout.lines() {
        let stamp = line.split(' ').next().unwrap();
        assert!(smcplan::time::parse_time(stamp).is_some(), "an unstamped line: {line}");
    }
    // An endpoint that fails every call: the watch goes on, saying so, until stopped.
    let broken = emulator(|c| c.fault_rate = 1.0);
    let mut child = status(&broken.url());
    // Two failed refreshes said: the watch went on through the first.
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stderr.take().unwrap()));
    let mut failed = 0;
    while failed < 2 {
        let line = lines.next().expect("the watch goes on").unwrap();
        failed += usize::from(line.contains("this refresh failed"));
    }
    assert!(child.try_wait().unwrap().is_none(), "the watch is still running");
    signal(&child, "INT");
    let _ = child.wait();
}

#[test]
fn a_watch_goes_on_while_a_job_runs_beside_one_in_error_and_stops_cleanly_on_a_signal() {
    let e = emulator(|c| {
        let mut broken = c.state.replication_jobs[0].clone();
        broken.job_id = "j-bp17bclvg344jlyt0009".into();
        broken.source_id = "s-bp1e2fsl57knvuug0009".into();
        broken.name = "broken".into();
        broken.status = "InError".into();
        c.state.replication_jobs.push(broken);
    });
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("report");
    // j-...0001 is Running (and runs for hours of real time); j-...0009 is InError.
    report_of_jobs(&out_dir, &["j-bp17bclvg344jlyt0001", "j-bp17bclvg344jlyt0009"]);
    let child = smcplan_in(dir.path())
        .arg("status")
        .arg(&out_dir)
        .args(["--endpoint", &e.url(), "--watch", "--interval", "0.2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Three refreshes shown, each with a job running: the watch goes on.
    let mut child = child;
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let mut seen = String::new();
    while seen.matches("1 InError, 1 Running").count() < 3 {
        seen.push_str(&lines.next().expect("the watch goes on").unwrap());
        seen.push('\n');
    }
    assert!(child_is_running(&child), "the watch must not end while a job runs");
    // A submit of fixed rows can go on beside a watch: the lock is held only for a write
    // (which the take may meet: it tries again a moment later).
    let free = (0..25).any(|_| {
        let taken = smcplan::batch::lock::Lock::take(&out_dir).is_ok();
        if !taken {
            std::thread::sleep(Duration::from_millis(20));
        }
        taken
    });
    assert!(free);
    signal(&child, "TERM");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!out_dir.join("lock").exists());
    let journal = std::fs::read_to_string(out_dir.join("journal.jsonl")).unwrap();
    assert!(journal.contains("\"event\":\"run_end\"") && journal.contains("\"ended\":\"interrupted\""), "{journal}");
}

#[test]
fn status_on_a_directory_whose_journal_is_lost_writes_no_journal() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 2, false);
    let out_dir = dir.path().join("report");
    assert_eq!(submit(&e, &inv, &out_dir, &["--rate", "50"]).status.code(), Some(0));
    std::fs::remove_file(out_dir.join("journal.jsonl")).unwrap();
    let out = smcplan_in(dir.path()).arg("status").arg(&out_dir).args(["--endpoint", &e.url()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no journal.jsonl"));
    assert!(!out_dir.join("journal.jsonl").exists(), "the lost journal stays visibly lost");
    let again = submit(&e, &inv, &out_dir, &["--rate", "50"]);
    assert_eq!(again.status.code(), Some(2), "the guard still refuses");
}
