//! `smcplan snapshot` against a loopback server that serves the sample account: the file it
//! writes is one `validate --account` accepts, and it holds no secret.

mod support;

use assert_cmd::Command;
use serde_json::{Value, json};
use support::{Reply, Seen, error, ok, start, verify_v1, verify_v3};

const SECRET: &str = "snapshot-secret-NOT-in-files";

fn sample() -> Value {
    serde_json::from_str(include_str!("../samples/account.json")).unwrap()
}

fn wrap(list: &Value, inner: &str) -> Value {
    json!({ inner: list.clone() })
}

/// The sample account, shaped as the API returns it (lists wrapped, paged).
fn serve(req: &Seen) -> Reply {
    if !verify_v3(req, SECRET) && !verify_v1(req, SECRET) {
        return error(400, "SignatureDoesNotMatch");
    }
    let account = sample();
    let (outer, inner, items): (&str, &str, Vec<Value>) = match req.action().as_str() {
        "DescribeSourceServers" => {
            let servers = account["source_servers"].as_array().unwrap().iter().map(|s| {
                let mut s = s.clone();
                s["SystemDiskParts"] = wrap(&s["SystemDiskParts"], "SystemDiskPart");
                let disks: Vec<Value> = s["DataDisks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| {
                        let mut d = d.clone();
                        d["Parts"] = wrap(&d["Parts"], "Part");
                        d
                    })
                    .collect();
                s["DataDisks"] = wrap(&json!(disks), "DataDisk");
                s
            });
            ("SourceServers", "SourceServer", servers.collect())
        }
        "DescribeReplicationJobs" => {
            ("ReplicationJobs", "ReplicationJob", account["replication_jobs"].as_array().unwrap().clone())
        }
        "DescribeVSwitches" => {
            let region = req.param("RegionId").unwrap_or_default().to_string();
            let v =
                account["vswitches"].as_array().unwrap().iter().filter(|v| v["RegionId"] == region.as_str()).map(|v| {
                    let mut v = v.clone();
                    v.as_object_mut().unwrap().remove("RegionId");
                    v
                });
            ("VSwitches", "VSwitch", v.collect())
        }
        _ => return error(404, "InvalidAction.NotFound"),
    };
    let page: usize = req.param("PageNumber").unwrap_or("1").parse().unwrap();
    let size: usize = req.param("PageSize").unwrap_or("10").parse().unwrap();
    let slice: Vec<Value> = items.iter().skip((page - 1) * size).take(size).cloned().collect();
    ok(
        json!({"RequestId": "R", "TotalCount": items.len(), "PageNumber": page, "PageSize": size, outer: { inner: slice }}),
    )
}

fn smcplan(home: &std::path::Path) -> Command {
    support::smcplan_with_key(home, "snapshot-test-id", SECRET)
}

#[test]
fn snapshot_writes_a_state_file_that_validate_accepts() {
    let server = start(serve);
    let dir = tempfile::tempdir().unwrap();
    for (signature, file) in [("v3", "v3.json"), ("v1", "v1.json")] {
        let out = dir.path().join(file);
        let args = [
            "snapshot",
            "--out",
            out.to_str().unwrap(),
            "--endpoint",
            &server.url(),
            "--region",
            "cn-hangzhou",
            "--region",
            "cn-shanghai",
            "--signature",
            signature,
        ];
        let run = smcplan(dir.path()).args(args).output().unwrap();
        assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
        let stdout = String::from_utf8(run.stdout).unwrap();
        assert!(stdout.contains(": 144 source servers, 2 replication jobs, 3 vSwitches"), "{stdout}");
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(!text.contains(SECRET));
        let state = smcplan::account::AccountState::parse(&text).unwrap();
        let want = smcplan::account::AccountState::parse(include_str!("../samples/account.json")).unwrap();
        assert_eq!(state.source_servers, want.source_servers);
        assert_eq!(state.replication_jobs, want.replication_jobs);
        assert_eq!(state.vswitches.len(), 3);
        smcplan(dir.path())
            .args(["validate", "samples/inventory.csv", "--account", out.to_str().unwrap()])
            .assert()
            .code(0);
    }
    let pages = server.requests().iter().filter(|r| r.action() == "DescribeSourceServers").count();
    assert_eq!(pages, 6, "144 servers are 3 pages of 50, for each of the two runs");
}

#[test]
fn snapshot_failures_are_clear_and_exit_2() {
    let server = start(|_| error(400, "SignatureDoesNotMatch"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.json");
    let run = smcplan(dir.path())
        .args(["snapshot", "--out", out.to_str().unwrap(), "--endpoint", &server.url()])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8(run.stderr).unwrap();
    assert!(
        err.starts_with("note: credentials: AK from environment variables, AccessKeyId snapshot-test-id\n"),
        "{err}"
    );
    assert!(err.contains("\nerror: DescribeSourceServers: SignatureDoesNotMatch (HTTP 400)"), "{err}");
    assert!(!err.contains(SECRET));
    assert!(!out.exists());

    let run = smcplan(dir.path())
        .env_remove("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        .args(["snapshot", "--out", out.to_str().unwrap(), "--endpoint", &server.url()])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(run.stderr).unwrap(),
        "error: ALIBABA_CLOUD_ACCESS_KEY_ID is set but ALIBABA_CLOUD_ACCESS_KEY_SECRET is not; set both, or neither\n"
    );
    let run = smcplan(dir.path())
        .args(["snapshot", "--out", out.to_str().unwrap(), "--endpoint", "http://192.168.0.1"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8(run.stderr).unwrap().contains("plain http is allowed only to loopback"));
}

#[test]
fn validate_online_reads_the_account_through_the_api() {
    let server = start(serve);
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv.csv");
    std::fs::write(&inv, "RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize\ncn-hangzhou,s-bp1e2fsl57knvuug0021,x1,Image,img-x1,60\n").unwrap();
    let out = smcplan(dir.path())
        .args([
            "validate",
            inv.to_str().unwrap(),
            "--online",
            "--region",
            "cn-hangzhou",
            "--endpoint",
            &server.url(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "SourceServerState.Invalid");
    smcplan(dir.path())
        .args([
            "validate",
            "samples/inventory.csv",
            "--online",
            "--region",
            "cn-hangzhou",
            "--region",
            "cn-shanghai",
            "--endpoint",
            &server.url(),
        ])
        .assert()
        .code(0);
}
