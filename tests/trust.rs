//! A batch acts only on what it can prove: a JobId edited in report.json or the journal is
//! never acted on, a cutover is done only when the job's state shows one, and a cutover a
//! killed run made is done, not a failure, when the command runs again.

mod support;

use support::batch::{smcplan_in, text};

use smcplan::emulator::{Config, Running, demo_account};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

/// Submits rows for the servers `from..from+n` into `dir/name`, with `extra` columns.
fn batch(url: &str, dir: &Path, name: &str, from: u32, n: u32, incremental: bool) -> PathBuf {
    let mut inv = String::from(
        "RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize,RunOnce,Frequency,MaxNumberOfImageToKeep\n",
    );
    for s in from..from + n {
        let (once, every) = if incremental { ("false", "168,2") } else { ("true", ",") };
        inv.push_str(&format!(
            "cn-hangzhou,s-bp1e2fsl57knvuug{s:04},{name}-{s},Image,img-{name}-{s},40,{once},{every}\n"
        ));
    }
    let file = dir.join(format!("{name}.csv"));
    std::fs::write(&file, inv).unwrap();
    let report = dir.join(name);
    let out = smcplan_in(dir)
        .arg("submit")
        .arg(&file)
        .arg("--report")
        .arg(&report)
        .args(["--endpoint", url, "--rate", "200", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    report
}

fn act(url: &str, dir: &Path, verb: &str, extra: &[&str]) -> Output {
    smcplan_in(dir.parent().unwrap())
        .arg(verb)
        .arg(dir)
        .args(["--endpoint", url, "--rate", "200"])
        .args(extra)
        .output()
        .unwrap()
}

fn jobs(dir: &Path) -> Vec<String> {
    smcplan::batch::report::read(dir).unwrap().rows.into_iter().map(|r| r.job_id).collect()
}

fn status_of(e: &Running, job: &str) -> String {
    e.jobs().into_iter().find(|j| j.job_id == job).map_or("gone".into(), |j| j.status)
}

#[test]
fn a_jobid_edited_to_another_batchs_job_is_never_acted_on() {
    let e = Running::start(Config::local(demo_account())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (batch(&e.url(), dir.path(), "a", 1001, 3, false), batch(&e.url(), dir.path(), "b", 1011, 2, false));
    let (a_jobs, b_jobs) = (jobs(&a), jobs(&b));
    // report.json and the journal both edited: the endpoint's job is another server's.
    for file in ["report.json", "journal.jsonl"] {
        let path = a.join(file);
        let edited = std::fs::read_to_string(&path).unwrap().replace(&a_jobs[0], &b_jobs[0]);
        std::fs::write(&path, edited).unwrap();
    }
    let out = act(&e.url(), &a, "start", &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("refused: {}: the job at the endpoint is SourceId s-bp1e2fsl57knvuug1011", b_jobs[0])),
        "{said}"
    );
    assert!(said.contains("3 jobs: 1 refused, 2 started"), "{said}");
    assert_eq!(status_of(&e, &b_jobs[0]), "Ready", "the other batch's job is untouched");
    // The journal alone edited: report.json and the journal disagree, and delete refuses the row.
    let path = b.join("journal.jsonl");
    let edited = std::fs::read_to_string(&path).unwrap().replace(&b_jobs[1], &a_jobs[1]);
    std::fs::write(&path, edited).unwrap();
    let out = act(&e.url(), &b, "delete", &["--yes"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!(
            "refused: report.json says JobId {} for this row, the journal says {}",
            b_jobs[1], a_jobs[1]
        )),
        "{said}"
    );
    assert_ne!(status_of(&e, &a_jobs[1]), "gone", "a's job is not deleted by b");
    assert_eq!(status_of(&e, &b_jobs[0]), "gone");
    // A journal whose outcomes name two jobs for one ClientToken is refused whole.
    let journal = std::fs::read_to_string(b.join("journal.jsonl")).unwrap();
    let outcome = journal.lines().find(|l| l.contains("\"event\":\"outcome\"")).unwrap().to_string();
    let twin = outcome.replace("\"job_id\":\"j-", "\"job_id\":\"j-x");
    std::fs::write(b.join("journal.jsonl"), format!("{journal}{twin}\n")).unwrap();
    let before = e.request_count();
    let out = act(&e.url(), &b, "stop", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("the journal is inconsistent: ClientToken"), "{}", text(&out));
    assert!(e.request_count() - before <= 1, "at most the state read");
}

#[test]
fn a_cutover_rerun_after_its_run_was_killed_is_done_not_a_failure() {
    let mut config = Config::local(demo_account());
    config.time_scale = 0.0;
    let e = Running::start(config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let inc = batch(&e.url(), dir.path(), "inc", 1001, 3, true);
    let out = act(&e.url(), &inc, "start", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // One run done: Waiting for the next, a week away.
    e.advance(Duration::from_secs(3600));
    let ids = jobs(&inc);
    assert!(ids.iter().all(|j| status_of(&e, j) == "Waiting"), "{:?}", e.jobs());
    let out = act(&e.url(), &inc, "cutover", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The last runs are Running (the clock stands): the command again, as after a kill -9.
    assert!(ids.iter().all(|j| status_of(&e, j) == "Running"));
    let out = act(&e.url(), &inc, "cutover", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("3 jobs: 3 cut over earlier"), "{}", text(&out));
    let report = smcplan::batch::report::read(&inc).unwrap();
    assert!(
        report.rows.iter().all(|r| r.last_action_result == "cut over by an earlier run of this batch"),
        "{:?}",
        report.rows
    );
    e.advance(Duration::from_secs(3600));
    assert!(ids.iter().all(|j| status_of(&e, j) == "Finished"));
}

/// A stub SMC whose cutover answer is lost, and whose retry meets the job's next scheduled
/// run: Running, and still incremental. No proof of a cutover: pending, never "cut over".
#[test]
fn a_cutover_whose_answer_was_lost_is_not_taken_for_the_next_run() {
    let e = Running::start(Config::local(demo_account())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let inc = batch(&e.url(), dir.path(), "inc", 1001, 1, true);
    let job = jobs(&inc).remove(0);
    let describe = move |status: &str| {
        let j = serde_json::json!({"JobId": job, "Name": "inc-1001", "SourceId": "s-bp1e2fsl57knvuug1001",
            "Status": status, "BusinessStatus": "Syncing", "RunOnce": false, "Frequency": 168});
        support::ok(serde_json::json!({"RequestId": "R", "TotalCount": 1, "PageNumber": 1, "PageSize": 50,
            "ReplicationJobs": {"ReplicationJob": [j]}}))
    };
    let calls = std::sync::atomic::AtomicU32::new(0);
    let server = support::start(move |seen| match seen.action().as_str() {
        "DescribeReplicationJobs" if calls.load(std::sync::atomic::Ordering::SeqCst) == 0 => describe("Waiting"),
        "DescribeReplicationJobs" => describe("Running"),
        "CutOverReplicationJob" if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 => support::Reply::Drop,
        "CutOverReplicationJob" => support::error(400, "ReplicationJob.InvalidStatus"),
        _ => support::error(400, "Unexpected"),
    });
    let out = act(&server.url(), &inc, "cutover", &[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("1 job: 1 without an answer"), "{said}");
    let row = smcplan::batch::report::read(&inc).unwrap().rows.remove(0);
    assert!(row.last_action_result.starts_with("no answer ("), "{}", row.last_action_result);
}

/// Before the first submit into a directory has written its report (it runs, or was
/// killed), status shows the jobs its journal holds; an empty directory is said as such.
#[test]
fn status_during_the_first_submit_reads_the_journal() {
    let e = Running::start(Config::local(demo_account())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let a = batch(&e.url(), dir.path(), "a", 1001, 3, false);
    for file in ["report.json", "report.csv", "failed.csv"] {
        let _ = std::fs::remove_file(a.join(file));
    }
    let out = smcplan_in(dir.path()).arg("status").arg(&a).args(["--endpoint", &e.url()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains(": 3 Ready"), "{}", text(&out));
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let out = smcplan_in(dir.path()).args(["status", "empty", "--endpoint", &e.url()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).starts_with("error: empty holds no batch yet (no report.json, no journal.jsonl)"),
        "{}",
        text(&out)
    );
}
