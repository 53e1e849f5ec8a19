//! The batch's story: each job's transitions kept in the journal (only changes), its
//! results (the image a run made, every run's), a delete and a vanish never overwritten by
//! a look that finds nothing, and a row that keeps where it was sent from.

mod support;

use smcplan::batch::journal::{Entry, Journal};
use smcplan::jobstate::JobStatus;
use std::time::Duration;
use support::batch::*;

fn seen_lines(dir: &std::path::Path) -> usize {
    Journal::read(dir).unwrap().iter().filter(|e| matches!(e, Entry::Seen(_))).count()
}

fn status(e: &smcplan::emulator::Running, dir: &std::path::Path) -> String {
    let out = on_batch(e, dir, &["status", dir.to_str().unwrap()]);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", errors(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn history_is_kept_across_status_runs_a_delete_and_a_vanish() {
    let e = emulator(|c| c.time_scale = 0.0);
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 3, false);
    let out_dir = dir.path().join("report");
    assert_eq!(submit(&e, &inv, &out_dir, &["--rate", "50"]).status.code(), Some(0));
    let d = out_dir.to_str().unwrap();
    assert_eq!(on_batch(&e, &out_dir, &["start", d]).status.code(), Some(0));
    assert!(status(&e, &out_dir).ends_with(": 3 Running\n"));
    e.advance(Duration::from_secs(1800));
    assert!(status(&e, &out_dir).ends_with(": 3 Finished\n"));
    // Nothing moved: the journal gains the run's start and end, no transition.
    let before = seen_lines(&out_dir);
    status(&e, &out_dir);
    assert_eq!(seen_lines(&out_dir), before, "only changes are written");
    let rows = report(&out_dir);
    let image = rows[0].results.image_id.clone();
    assert!(image.starts_with("m-") && image.len() == 22, "{image}");
    assert_eq!(rows[0].results.image_ids, std::slice::from_ref(&image));
    assert!(!rows[0].results.start_time.is_empty() && !rows[0].results.end_time.is_empty());
    // One wave rolled back by the batch, one job deleted at the console.
    let out = on_batch(&e, &out_dir, &["delete", d, "--job", &rows[0].id.name, "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out));
    delete_elsewhere(&e, &rows[1].job_id);
    let line = status(&e, &out_dir);
    assert!(line.contains("1 Deleted") && line.contains("1 Missing") && line.contains("1 Finished"), "{line}");
    status(&e, &out_dir);
    let rows = report(&out_dir);
    let story = |i: usize| rows[i].history.iter().map(|s| s.status.clone()).collect::<Vec<_>>();
    use JobStatus::*;
    assert_eq!(story(0), [Ready, Running, Finished, Deleted]);
    assert_eq!(story(1), [Ready, Running, Finished, Missing]);
    assert_eq!(rows[0].job_status, Some(Deleted));
    assert_eq!(rows[1].job_status, Some(Missing));
    assert_eq!(rows[0].results.image_id, image, "the image outlives the job");
    let csv = std::fs::read_to_string(out_dir.join("report.csv")).unwrap();
    assert!(csv.contains(&image), "{csv}");
}

#[test]
fn an_incremental_job_lists_an_image_for_each_run() {
    let e = emulator(|c| c.time_scale = 0.0);
    let dir = tempfile::tempdir().unwrap();
    let text = "RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize,RunOnce,Frequency,MaxNumberOfImageToKeep\n\
        cn-hangzhou,s-bp1e2fsl57knvuug1001,inc-1,Image,img-inc-1,60,false,1,2\n";
    let inv = dir.path().join("inventory.csv");
    std::fs::write(&inv, text).unwrap();
    let out_dir = dir.path().join("report");
    assert_eq!(submit(&e, &inv, &out_dir, &[]).status.code(), Some(0));
    assert_eq!(on_batch(&e, &out_dir, &["start", out_dir.to_str().unwrap()]).status.code(), Some(0));
    e.advance(Duration::from_secs(1800));
    status(&e, &out_dir);
    e.advance(Duration::from_secs(3600));
    status(&e, &out_dir);
    let rows = report(&out_dir);
    assert_eq!(rows[0].results.image_ids.len(), 2, "{:?}", rows[0].results);
    assert_ne!(rows[0].results.image_ids[0], rows[0].results.image_ids[1]);
    assert_eq!(rows[0].results.image_id, rows[0].results.image_ids[1]);
    let job = described(&e).pop().unwrap();
    let runs = &job.extra["ReplicationJobRuns"]["ReplicationJobRun"];
    assert_eq!(runs[0]["Type"], "Manual");
    assert_eq!(runs[1]["Type"], "Schedule");
}

#[test]
fn a_submit_that_changes_nothing_keeps_where_each_row_came_from() {
    let e = emulator(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let inv = inventory(dir.path(), 2, false);
    let out_dir = dir.path().join("report");
    assert_eq!(submit(&e, &inv, &out_dir, &[]).status.code(), Some(0));
    let before = report(&out_dir);
    // The same rows, in another order, from another file.
    let text = std::fs::read_to_string(&inv).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1..].reverse();
    let moved = dir.path().join("moved.csv");
    std::fs::write(&moved, lines.join("\n") + "\n").unwrap();
    assert_eq!(submit(&e, &moved, &out_dir, &[]).status.code(), Some(0));
    let after = report(&out_dir);
    let at = |rows: &[smcplan::batch::report::ReportRow]| {
        let mut v: Vec<_> = rows.iter().map(|r| (r.id.source_id.clone(), r.file.clone(), r.id.line)).collect();
        v.sort();
        v
    };
    assert_eq!(at(&after), at(&before));
    assert!(after.iter().all(|r| r.params.get("SourceId") == Some(&r.id.source_id)));
}
