//! A replace and a prune killed (SIGKILL) at many points, then run again: every server the
//! inventory wants ends with exactly one job, those it dropped with none, and no other job
//! is touched.

mod support;

use smcplan::emulator::Running;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};
use support::batch::*;

const HEADER: &str = "RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize,Tag.1.Key,Tag.1.Value\n";

fn inventory_of(path: &Path, rows: &[(u32, &str)]) {
    let rows: String = rows
        .iter()
        .map(|(n, tag)| format!("cn-hangzhou,s-bp1e2fsl57knvuug{n},wave-{n},Image,img-{n},60,team,{tag}\n"))
        .collect();
    std::fs::write(path, format!("{HEADER}{rows}")).unwrap();
}

/// JobIds of the live jobs, by SourceId (several when a server has more than one).
fn jobs_by_source(e: &Running) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for j in described(e) {
        out.entry(j.source_id.clone()).or_default().push(j.job_id.clone());
    }
    out
}

type Jobs = BTreeMap<String, Vec<String>>;

fn lines_of(path: &Path) -> usize {
    std::fs::read_to_string(path).map(|t| t.lines().count()).unwrap_or(0)
}

fn source(n: u32) -> String {
    format!("s-bp1e2fsl57knvuug{n}")
}

/// One trial: a batch of four servers (and another batch's job beside it), the change
/// `after` applied with `flags`, the run killed once the journal has grown by `k` lines,
/// then run again to its end. Jobs by source before and after, and whether the kill landed
/// inside the change (the killed run journaled something, and not its end).
fn trial(after: &[(u32, &str)], flags: &[&str], k: usize) -> (Jobs, Jobs, bool) {
    let e = emulator(|_| {});
    let tmp = tempfile::tempdir().unwrap();
    let (inv, dir) = (tmp.path().join("inventory.csv"), tmp.path().join("jobs"));
    let other = tmp.path().join("other");
    inventory_of(&tmp.path().join("other.csv"), &[(1010, "a")]);
    assert_eq!(submit(&e, &tmp.path().join("other.csv"), &other, &[]).status.code(), Some(0));
    inventory_of(&inv, &[(1001, "a"), (1002, "a"), (1003, "a"), (1004, "a")]);
    assert_eq!(submit(&e, &inv, &dir, &["--rate", "50"]).status.code(), Some(0));
    let before = jobs_by_source(&e);
    inventory_of(&inv, after);
    let journal = dir.join("journal.jsonl");
    let start = lines_of(&journal);
    // Slow answers leave room to be killed between any two journal lines.
    e.set_latency(Duration::from_millis(15));
    let mut args = vec!["--rate", "50"];
    args.extend_from_slice(flags);
    let mut child = spawn_submit(&e, &inv, &dir, &args);
    let deadline = Instant::now() + Duration::from_secs(20);
    while lines_of(&journal) < start + k && child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let text = std::fs::read_to_string(&journal).unwrap_or_default();
    let mid = lines_of(&journal) > start + 1 && !text.lines().last().unwrap_or_default().contains("\"run_end\"");
    e.set_latency(Duration::ZERO);
    let mut finished = false;
    for _ in 0..3 {
        let out = submit(&e, &inv, &dir, &args);
        if out.status.code() == Some(0) {
            finished = true;
            break;
        }
    }
    assert!(finished, "a run after the kill finishes the change (k = {k})");
    (before, jobs_by_source(&e), mid)
}

/// 20 points drawn (seeded) from 0 (killed at once) to `most` journal lines in.
fn points(seed: u64, most: u64) -> Vec<usize> {
    let mut x = seed;
    (0..20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % (most + 1)) as usize
        })
        .collect()
}

#[test]
fn a_replace_killed_at_any_point_ends_with_one_job_a_server() {
    let mut inside = 0;
    // A replace of three jobs journals 14 lines: its run, a delete's two, a create's two each, its end.
    for k in points(0x9E37_79B9_7F4A_7C15, 13) {
        let after = [(1001, "b"), (1002, "b"), (1003, "b"), (1004, "a")];
        let (before, now, mid) = trial(&after, &["--replace", "--yes"], k);
        inside += usize::from(mid);
        for n in 1001..=1004 {
            assert_eq!(now[&source(n)].len(), 1, "server {n}, k = {k}: {now:?}");
        }
        for n in 1001..=1003 {
            assert_ne!(now[&source(n)], before[&source(n)], "server {n} replaced, k = {k}");
        }
        assert_eq!(now[&source(1004)], before[&source(1004)], "unchanged, k = {k}");
        assert_eq!(now[&source(1010)], before[&source(1010)], "another batch's job, k = {k}");
    }
    assert!(inside >= 10, "only {inside} of 20 kills landed inside the replace");
}

#[test]
fn a_prune_killed_at_any_point_deletes_only_what_the_inventory_dropped() {
    let mut inside = 0;
    // A prune of two jobs journals 6 lines: its run, each delete's two, its end.
    for k in points(0xD1B5_4A32_D192_ED03, 5) {
        let (before, now, mid) = trial(&[(1001, "a"), (1002, "a")], &["--prune", "--yes"], k);
        inside += usize::from(mid);
        for n in [1001, 1002, 1010] {
            assert_eq!(now[&source(n)], before[&source(n)], "server {n} kept, k = {k}");
        }
        for n in [1003, 1004] {
            assert!(!now.contains_key(&source(n)), "server {n} pruned, k = {k}: {now:?}");
        }
    }
    assert!(inside >= 8, "only {inside} of 20 kills landed inside the prune");
}
