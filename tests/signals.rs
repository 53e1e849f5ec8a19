//! A submit stopped by a signal or killed: in-flight requests finish or are abandoned as
//! asked, the journal stays whole, and a re-run finishes the job exactly once.

mod support;

use std::process::Stdio;
use std::time::Duration;
use support::batch::*;

#[test]
fn resumes_after_sigkill_at_random_points() {
    let mut x: u64 = 0x2545_F491;
    for trial in 0..20 {
        let e = emulator(|c| c.latency = Duration::from_millis(15));
        let dir = tempfile::tempdir().unwrap();
        let inv = inventory(dir.path(), 30, false);
        let out_dir = dir.path().join("report");
        let mut child = spawn_submit(&e, &inv, &out_dir, &["--rate", "200", "--concurrency", "4"]);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::thread::sleep(Duration::from_millis(20 + x % 250));
        let _ = child.kill();
        let _ = child.wait();
        let out = submit(&e, &inv, &out_dir, &["--rate", "200", "--concurrency", "4"]);
        assert_eq!(out.status.code(), Some(0), "trial {trial}: {}", String::from_utf8_lossy(&out.stderr));
        assert_exactly_once(&e, &out_dir, 30);
    }
}

#[test]
fn torn_journal_line_and_the_lock() {
    let e = emulator(|c| c.latency = Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    // 20 rows at 2 a second: the holder is still running when the second submit starts.
    let inv = inventory(dir.path(), 20, false);
    let out_dir = dir.path().join("report");
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::write(out_dir.join("journal.jsonl"), "{\"event\":\"intent\",\"line\":2,\"tok").unwrap();
    // A live submit holds the lock: a second one is refused.
    let mut holder = spawn_submit(&e, &inv, &out_dir, &["--rate", "2", "--concurrency", "1"]);
    let pid = format!("{}\n", holder.id());
    for _ in 0..600 {
        if std::fs::read_to_string(out_dir.join("lock")).is_ok_and(|t| t == pid) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = submit(&e, &inv, &out_dir, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "is held by process {}: another smcplan run is using this report directory",
            holder.id()
        )),
        "{stderr}"
    );
    // Killed with -9, it leaves its lock file but not its lock: the next run takes it over.
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert!(out_dir.join("lock").exists());
    let out = submit(&e, &inv, &out_dir, &["--rate", "50"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning: took over the lock file") && stderr.contains("is gone"), "{stderr}");
    assert!(!out_dir.join("lock").exists());
    assert_exactly_once(&e, &out_dir, 20);
}

#[test]
fn first_interrupt_finishes_in_flight_and_exits_130() {
    stops_like_a_first_ctrl_c("INT", 130);
}

/// A submit stopped by `signal_name`: in-flight requests finish, the report is written, the
/// lock released, the exit code is `code`, and a re-run finishes the job. 100 rows at 20 a
/// second take 5 s: the signal lands well before the end, however loaded the machine.
fn stops_like_a_first_ctrl_c(signal_name: &str, code: i32) {
    let e = emulator(|c| c.latency = Duration::from_millis(50));
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 100, false);
    let out_dir = dir.path().join("report");
    let child = submit_cmd(&e, &inv, &out_dir, &["--rate", "20", "--concurrency", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_journal(&out_dir);
    signal(&child, signal_name);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(code), "SIG{signal_name}");
    assert!(!out_dir.join("lock").exists(), "SIG{signal_name} released the lock");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rows not done: run the same command again to resume"), "{stderr}");
    let rows = report(&out_dir);
    assert_eq!(rows.len(), 100);
    let created = rows.iter().filter(|r| r.status == "created").count();
    assert!(created > 0 && created < 100, "SIG{signal_name}: {created}");
    assert!(rows.iter().all(|r| r.status == "created" || r.status == "skipped"), "in-flight requests finished");
    let out = submit(&e, &inv, &out_dir, &["--rate", "200", "--concurrency", "8"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_exactly_once(&e, &out_dir, 100);
}

#[test]
fn sigterm_and_sighup_stop_like_the_first_ctrl_c() {
    stops_like_a_first_ctrl_c("TERM", 143);
    stops_like_a_first_ctrl_c("HUP", 130);
}

#[test]
fn a_second_ctrl_c_abandons_what_is_in_flight_exits_at_once_and_still_writes_the_report() {
    // Every answer takes ten minutes: the second Ctrl-C comes while requests are in flight.
    let e = emulator(|c| c.latency = Duration::from_secs(600));
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 10, false);
    let out_dir = dir.path().join("report");
    let mut child = spawn_submit(&e, &inv, &out_dir, &["--rate", "50", "--concurrency", "4"]);
    wait_for_journal(&out_dir);
    signal(&child, "INT");
    signal(&child, "INT");
    let status = exit_within(&mut child, Duration::from_secs(60));
    assert_eq!(status.and_then(|s| s.code()), Some(130), "it did not leave at once");
    e.set_latency(Duration::ZERO);
    assert!(!out_dir.join("lock").exists());
    let (_, entries) = smcplan::batch::journal::Journal::open(&out_dir).unwrap();
    assert!(!entries.is_empty(), "the journal is whole");
    let rows = report(&out_dir);
    assert!(rows.iter().any(|r| r.status == "pending"), "the abandoned rows are pending: {rows:?}");
    assert!(rows.iter().all(|r| r.status == "pending" || r.status == "skipped"), "{rows:?}");
    let out = submit(&e, &inv, &out_dir, &["--rate", "50", "--concurrency", "10"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_exactly_once(&e, &out_dir, 10);
}

#[test]
fn ctrl_c_at_a_low_rate_returns_at_once() {
    // One request every 1,000 s: rows waiting for the limiter are not in flight and are
    // dropped; a run that ends within a minute did not wait for the limiter's next slot.
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 20, false);
    let out_dir = dir.path().join("report");
    let mut child = submit_cmd(&e, &inv, &out_dir, &["--rate", "0.001"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_journal(&out_dir);
    signal(&child, "INT");
    let status = exit_within(&mut child, Duration::from_secs(60));
    assert_eq!(status.and_then(|s| s.code()), Some(130), "it waited for the limiter");
    let rows = report(&out_dir);
    assert!(rows.iter().filter(|r| r.status == "skipped").count() >= 19, "{rows:?}");
}
