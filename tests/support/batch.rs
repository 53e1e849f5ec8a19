//! The batch commands against the in-process emulator: an emulator, the binary with its
//! key, an inventory of the demo servers, a submit, the report, and waits on what a run writes.

use smcplan::batch::report::ReportRow;
use smcplan::emulator::{Config, DEFAULT_KEY_ID, DEFAULT_KEY_SECRET, Running, demo_account};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

pub fn emulator(tweak: impl FnOnce(&mut Config)) -> Running {
    let mut config = Config::local(demo_account());
    tweak(&mut config);
    Running::start(config).unwrap()
}

/// An inventory of `n` plain Image jobs on the sample account's demo servers (s-...1001 on).
pub fn inventory(dir: &Path, n: u32, extra_bad_row: bool) -> PathBuf {
    let mut text = String::from("RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize,Tag.1.Key,Tag.1.Value\n");
    for i in 0..n {
        let s = 1001 + i;
        text.push_str(&format!("cn-hangzhou,s-bp1e2fsl57knvuug{s:04},wave-{s},Image,img-wave-{s},60,wave,v=1+1\n"));
    }
    if extra_bad_row {
        text.push_str("cn-hangzhou,s-bp1e2fsl57knvuug1099,bad-row,Image,img-bad,19,,\n");
    }
    let path = dir.join("inventory.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// The binary with `home` as HOME and the emulator's key in the environment.
pub fn smcplan_in(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smcplan"));
    cmd.current_dir(home)
        .stdin(Stdio::null())
        .env("HOME", home)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEFAULT_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEFAULT_KEY_SECRET)
        .env_remove("ALIBABA_CLOUD_PROFILE")
        .env_remove("ALIBABA_CLOUD_SECURITY_TOKEN")
        .env("NO_COLOR", "1");
    cmd
}

pub fn submit_cmd(e: &Running, inv: &Path, report: &Path, extra: &[&str]) -> Command {
    let mut cmd = smcplan_in(report.parent().unwrap());
    cmd.arg("submit").arg(inv).arg("--report").arg(report).args(["--endpoint", &e.url(), "--quiet"]).args(extra);
    cmd
}

/// A submit running in the background, its output discarded.
pub fn spawn_submit(e: &Running, inv: &Path, report: &Path, extra: &[&str]) -> std::process::Child {
    submit_cmd(e, inv, report, extra).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
}

/// Sends a signal (`INT`, `TERM`) to a child process.
pub fn signal(child: &std::process::Child, name: &str) {
    assert!(Command::new("kill").args([format!("-{name}"), child.id().to_string()]).status().unwrap().success());
}

pub fn submit(e: &Running, inv: &Path, report: &Path, extra: &[&str]) -> Output {
    submit_cmd(e, inv, report, extra).output().unwrap()
}

pub fn report(dir: &Path) -> Vec<ReportRow> {
    smcplan::batch::report::read(dir).unwrap().rows
}

/// Every valid row has exactly one job, and the report names it.
pub fn assert_exactly_once(e: &Running, dir: &Path, rows: u32) {
    let jobs = e.jobs();
    let mut per_source: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for j in jobs.iter().filter(|j| j.name.starts_with("wave-")) {
        per_source.entry(j.source_id.clone()).or_default().push(j.job_id.clone());
    }
    assert_eq!(per_source.len(), rows as usize, "one job per row");
    assert!(per_source.values().all(|ids| ids.len() == 1), "no duplicates: {per_source:?}");
    let created: BTreeMap<String, String> =
        report(dir).into_iter().filter(|r| r.status == "created").map(|r| (r.id.source_id, r.job_id)).collect();
    let emulated: BTreeMap<String, String> = per_source.into_iter().map(|(s, ids)| (s, ids[0].clone())).collect();
    assert_eq!(created, emulated, "every JobId in the report is the emulator's");
}

/// Waits until a submit has journaled its first intent.
pub fn wait_for_journal(dir: &Path) {
    let path = dir.join("journal.jsonl");
    for _ in 0..600 {
        if std::fs::read_to_string(&path).is_ok_and(|t| t.contains("\"intent\"")) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("no intent was journaled within 6 s");
}

/// A report directory whose rows point at `jobs` (JobIds of the emulator's account), with an
/// empty journal.
pub fn report_of_jobs(dir: &Path, jobs: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    let rows = jobs
        .iter()
        .enumerate()
        .map(|(i, j)| ReportRow {
            id: smcplan::batch::RowId { line: i as u64 + 2, source_id: format!("s-{i}"), ..Default::default() },
            status: smcplan::batch::RowStatus::Created,
            job_id: j.to_string(),
            ..Default::default()
        })
        .collect();
    smcplan::batch::report::write(dir, &smcplan::batch::report::Report::new(rows, vec![])).unwrap();
    // The journal that made those jobs.
    let journal: String = jobs
        .iter()
        .enumerate()
        .map(|(i, j)| {
            let o = serde_json::json!({"event": "outcome", "line": i + 2, "token": format!("t-{i}"), "status": "created",
                "job_id": j, "attempts": 1, "at": "2026-12-01T00:00:00Z"});
            format!("{o}\n")
        })
        .collect();
    std::fs::write(dir.join("journal.jsonl"), journal).unwrap();
}

pub fn child_is_running(child: &std::process::Child) -> bool {
    Command::new("kill").args(["-0", &child.id().to_string()]).status().unwrap().success()
        && !std::fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap_or_default().contains(") Z ")
}

/// What a run said on stderr, less the note naming the credentials' source.
pub fn errors(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.starts_with("note: credentials: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Stdout and stderr of a run, together.
pub fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Waits for `child` to end, at most `bound` (a bound far above what the run should take,
/// and far below what it takes when it is wrong); `None` if it is still running.
pub fn exit_within(child: &mut std::process::Child, bound: Duration) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + bound;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if std::time::Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A client of the emulator, signing with its key.
pub fn client_of(e: &Running) -> smcplan::api::client::Client {
    use smcplan::api::client::{Client, ClientConfig};
    let config = ClientConfig { endpoint: Some(e.url()), ..ClientConfig::default() };
    let credentials = super::emulator_credentials();
    Client::new(&config, credentials).unwrap()
}

/// Every job of the emulator's account as DescribeReplicationJobs answers over HTTP.
pub fn described(e: &Running) -> Vec<smcplan::account::ReplicationJob> {
    use futures_util::TryStreamExt as _;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let filter = smcplan::api::calls::JobFilter::default();
    runtime.block_on(client_of(e).describe_replication_jobs(&filter).try_collect()).unwrap()
}

/// Deletes a job over HTTP, as a person at the console would: not through the batch.
pub fn delete_elsewhere(e: &Running, job_id: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(client_of(e).delete_replication_job(job_id)).unwrap();
}

/// The value of a request parameter a described job shows (`ImageName`, `Description`, ...).
pub fn shown(job: &smcplan::account::ReplicationJob, param: &str) -> String {
    smcplan::account::job::flat_params(job).get(param).cloned().unwrap_or_default()
}

/// A command on the batch in `dir` (start, plan, ...) against the emulator.
pub fn on_batch(e: &Running, dir: &Path, args: &[&str]) -> Output {
    let mut cmd = smcplan_in(dir.parent().unwrap());
    cmd.args(args).args(["--endpoint", &e.url()]).output().unwrap()
}
