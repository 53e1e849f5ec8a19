//! One estimator: the pace schedule was given is written as its output's first line, and
//! plan reads it back, so both say the same end for every wave; plan warns of waves that
//! overlap.

use assert_cmd::Command;

fn smcplan(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("smcplan").unwrap();
    cmd.current_dir(dir).env("NO_COLOR", "1").env("HOME", dir);
    cmd
}

fn samples(name: &str) -> String {
    format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn wave_lines(text: &str) -> Vec<String> {
    text.lines().filter(|l| l.starts_with("wave ")).map(str::to_string).collect()
}

#[test]
fn plan_says_the_wave_ends_schedule_said() {
    let dir = tempfile::tempdir().unwrap();
    let account = samples("account.json");
    let out = smcplan(dir.path())
        .args([
            "schedule",
            &samples("inventory.csv"),
            "--start",
            "2026-12-05T20:00:00Z",
            "--now",
            "2026-12-03T00:00:00Z",
        ])
        .args(["--throughput", "250", "--max-running", "3", "--account", &account, "--out", "s.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let scheduled =
        wave_lines(&format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
    assert_eq!(scheduled.len(), 2);
    let written = std::fs::read_to_string(dir.path().join("s.csv")).unwrap();
    assert!(written.starts_with("# smcplan schedule: throughput 250 Mbit/s, max-running 3\nRegionId,"));
    let out = smcplan(dir.path()).args(["plan", "s.csv", "--account", &account]).output().unwrap();
    let planned = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(wave_lines(&planned), scheduled);
    assert!(!planned.contains("warning:"), "{planned}");
    // Wave 2 moved an hour earlier by hand: it runs beside wave 1, and plan says so.
    let wave2 = scheduled[1].split(" from ").nth(1).unwrap().split(' ').next().unwrap();
    let earlier = wave2.parse::<jiff::Timestamp>().unwrap() - jiff::SignedDuration::from_hours(1);
    let moved = written.replace(wave2, &earlier.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
    std::fs::write(dir.path().join("moved.csv"), moved).unwrap();
    let out = smcplan(dir.path()).args(["plan", "moved.csv", "--account", &account]).output().unwrap();
    let planned = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(planned.contains("warning: wave 2 starts at "), "{planned}");
    assert!(planned.contains(", before wave 1 is expected to end (2026-12-06T"), "{planned}");
}
