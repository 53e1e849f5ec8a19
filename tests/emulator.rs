//! The emulator over real HTTP: signatures and their errors, every CreateReplicationJob rule,
//! idempotence, paging, job life cycle, flow control, faults and the saved state.

use futures_util::TryStreamExt;
use serde_json::Value;
use smcplan::api::calls::{CreateReplicationJob, DataDisk, JobFilter, SourceServerFilter};
use smcplan::api::client::{Client, ClientConfig, SignatureVersion};
use smcplan::api::credentials::{Credentials, Secret};
use smcplan::api::error::{ApiError, TransportKind};
use smcplan::emulator::{Config, DEFAULT_KEY_ID, DEFAULT_KEY_SECRET, KeyPair, Running, demo_account};
use std::time::{Duration, Instant};

fn emulator(tweak: impl FnOnce(&mut Config)) -> Running {
    let mut config = Config::local(demo_account());
    tweak(&mut config);
    Running::start(config).unwrap()
}

fn client_for(e: &Running, signature: SignatureVersion, secret: &str, token: Option<&str>) -> Client {
    let creds = Credentials {
        access_key_id: DEFAULT_KEY_ID.into(),
        access_key_secret: Secret::new(secret),
        security_token: token.map(Secret::new),
        source: "test".into(),
        expiration: None,
    };
    let config =
        ClientConfig { endpoint: Some(e.url()), signature, timeout: Duration::from_secs(5), ..ClientConfig::default() };
    Client::new(&config, creds).unwrap()
}

fn client(e: &Running) -> Client {
    client_for(e, SignatureVersion::V3, DEFAULT_KEY_SECRET, None)
}

fn source(n: u32) -> String {
    format!("s-bp1e2fsl57knvuug{n:04}")
}

fn job(n: u32) -> CreateReplicationJob {
    CreateReplicationJob {
        region_id: "cn-hangzhou".into(),
        source_id: source(n),
        name: Some(format!("job-{n}")),
        target_type: Some("Image".into()),
        image_name: Some(format!("img-{n}")),
        system_disk_size: Some(60),
        ..CreateReplicationJob::default()
    }
}

fn code(r: Result<impl std::fmt::Debug, ApiError>) -> (u16, String) {
    match r {
        Err(ApiError::Service { status, code, .. }) => (status, code),
        other => panic!("expected a service error, got {other:?}"),
    }
}

/// A V1 request signed by hand, so that time, nonce, key and parameter placement can be wrong on purpose.
async fn raw(e: &Running, query: &[(&str, &str)], body: &[(&str, &str)], secret: &str) -> (u16, Value) {
    let mut all: Vec<(String, String)> =
        query.iter().chain(body).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let signature = smcplan::api::sign::sign_v1("POST", &all, secret).signature;
    all.truncate(query.len());
    all.push(("Signature".into(), signature));
    let url = format!("{}/?{}", e.url(), smcplan::api::encode::query_string(&all));
    let form: Vec<(String, String)> = body.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let http = reqwest::Client::new().post(url);
    let http = if form.is_empty() {
        http
    } else {
        http.header("content-type", "application/x-www-form-urlencoded")
            .body(smcplan::api::encode::query_string(&form).replace("%20", "+"))
    };
    let response = http.send().await.unwrap();
    let status = response.status().as_u16();
    (status, serde_json::from_slice(&response.bytes().await.unwrap()).unwrap())
}

fn now() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn common<'a>(nonce: &'a str, timestamp: &'a str, key: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("Action", "DescribeSourceServers"),
        ("Version", "2019-06-01"),
        ("Format", "JSON"),
        ("AccessKeyId", key),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", nonce),
        ("Timestamp", timestamp),
    ]
}

#[tokio::test]
async fn signature_errors() {
    let e = emulator(|_| {});
    let t = now();
    let (status, ok) = raw(&e, &common("n-1", &t, DEFAULT_KEY_ID), &[], DEFAULT_KEY_SECRET).await;
    assert_eq!((status, ok["TotalCount"].as_u64()), (200, Some(144)));
    assert!(ok["RequestId"].as_str().unwrap().len() == 36);
    let (status, v) = raw(&e, &common("n-1", &t, DEFAULT_KEY_ID), &[], DEFAULT_KEY_SECRET).await;
    assert_eq!((status, v["Code"].as_str().unwrap()), (400, "SignatureNonceUsed"));
    let (status, v) = raw(&e, &common("n-2", &t, DEFAULT_KEY_ID), &[], "wrong").await;
    assert_eq!((status, v["Code"].as_str().unwrap()), (400, "SignatureDoesNotMatch"));
    assert!(
        v["Message"]
            .as_str()
            .unwrap()
            .starts_with("Specified signature is not matched with our calculation. server string to sign is:POST&%2F&")
    );
    let (status, v) = raw(&e, &common("n-3", &t, "nobody"), &[], DEFAULT_KEY_SECRET).await;
    assert_eq!((status, v["Code"].as_str().unwrap()), (404, "InvalidAccessKeyId.NotFound"));
    let old = (jiff::Timestamp::now() - jiff::SignedDuration::from_mins(16)).strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let (status, v) = raw(&e, &common("n-4", &old, DEFAULT_KEY_ID), &[], DEFAULT_KEY_SECRET).await;
    assert_eq!((status, v["Code"].as_str().unwrap()), (400, "InvalidTimeStamp.Expired"));
    let unsigned = reqwest::get(format!("{}/?Action=DescribeSourceServers", e.url())).await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 400);
    let v: Value = serde_json::from_slice(&unsigned.bytes().await.unwrap()).unwrap();
    assert_eq!(v["Code"], "IncompleteSignature");
    let mut bad_action = common("n-5", &t, DEFAULT_KEY_ID);
    bad_action[0] = ("Action", "DescribeEverything");
    assert_eq!(raw(&e, &bad_action, &[], DEFAULT_KEY_SECRET).await.1["Code"], "InvalidAction.NotFound");
    let mut bad_version = common("n-6", &t, DEFAULT_KEY_ID);
    bad_version[1] = ("Version", "2014-05-26");
    assert_eq!(raw(&e, &bad_version, &[], DEFAULT_KEY_SECRET).await.1["Code"], "InvalidVersion");
    let wrong = client_for(&e, SignatureVersion::V3, "wrong", None);
    assert_eq!(code(wrong.start_replication_job("j-x").await), (400, "SignatureDoesNotMatch".into()));
}

#[tokio::test]
async fn sts_tokens_are_required_when_configured() {
    let e = emulator(|c| {
        c.keys = KeyPair { id: DEFAULT_KEY_ID.into(), secret: DEFAULT_KEY_SECRET.into(), token: Some("tok".into()) }
    });
    for signature in [SignatureVersion::V3, SignatureVersion::V1] {
        let none = client_for(&e, signature, DEFAULT_KEY_SECRET, None);
        assert_eq!(code(none.delete_replication_job("j-x").await), (400, "MissingSecurityToken".into()));
        let wrong = client_for(&e, signature, DEFAULT_KEY_SECRET, Some("other"));
        assert_eq!(
            code(wrong.delete_replication_job("j-x").await),
            (400, "InvalidSecurityToken.MismatchWithAccessKey".into())
        );
        let right = client_for(&e, signature, DEFAULT_KEY_SECRET, Some("tok"));
        assert_eq!(code(right.delete_replication_job("j-x").await), (404, "InvalidJobId.NotFound".into()));
    }
}

#[tokio::test]
async fn parameters_in_query_body_or_both_with_plus_as_space() {
    let e = emulator(|_| {});
    let t = now();
    let mut query = common("b-1", &t, DEFAULT_KEY_ID);
    query[0] = ("Action", "CreateReplicationJob");
    let body = [
        ("RegionId", "cn-hangzhou"),
        ("SourceId", "s-bp1e2fsl57knvuug1050"),
        ("Name", "form-job"),
        ("ImageName", "img-form"),
        ("SystemDiskSize", "60"),
        ("Tag.1.Key", "env"),
        ("Tag.1.Value", "split between query and body"),
        ("RunOnce", "True"),
    ];
    let (status, v) = raw(&e, &query, &body, DEFAULT_KEY_SECRET).await;
    assert_eq!(status, 200, "{v}");
    let jobs = e.jobs();
    let created = jobs.iter().find(|j| j.job_id == v["JobId"].as_str().unwrap()).unwrap();
    assert_eq!(created.extra["Tags"]["Tag"][0]["Value"], "split between query and body");
}

#[tokio::test]
async fn create_rules_answer_with_api_codes() {
    let e = emulator(|_| {});
    let c = client(&e);
    let id = c.create_replication_job(&job(1001)).await.unwrap().job_id;
    assert!(id.starts_with("j-") && id.len() == 22);
    let state = e.state();
    assert_eq!(state.source_servers.iter().find(|s| s.source_id == source(1001)).unwrap().state, "InUse");
    let cases: Vec<(CreateReplicationJob, u16, &str)> = vec![
        (CreateReplicationJob { source_id: String::new(), ..job(1002) }, 400, "MissingParameter"),
        (CreateReplicationJob { system_disk_size: Some(19), ..job(1002) }, 400, "InvalidParameter"),
        (CreateReplicationJob { image_name: None, ..job(1002) }, 400, "MissingParameter"),
        (CreateReplicationJob { name: Some("1bad".into()), ..job(1002) }, 400, "InvalidParameter"),
        (job(21), 400, "SourceServerState.Invalid"),
        (job(9999), 400, "SourceServerState.Invalid"),
        (job(22), 400, "SourceServer.WithRunningReplicationJob"),
        (CreateReplicationJob { source_id: source(1002), ..job(1001) }, 400, "ReplicationJobName.Duplicate"),
        (
            CreateReplicationJob { name: Some("legacy02-wave0".into()), ..job(1002) },
            400,
            "ReplicationJobName.Duplicate",
        ),
        (
            CreateReplicationJob { image_name: Some("img-1001".into()), ..job(1002) },
            400,
            "ImageName.UsedByReplicationJob",
        ),
        (
            CreateReplicationJob {
                data_disk: vec![DataDisk { index: Some(2), size: Some(100), part: vec![] }],
                ..job(2001)
            },
            400,
            "ReplicationJobDataDiskIndex.Invalid",
        ),
        (
            CreateReplicationJob { net_mode: Some(2), vswitch_id: Some("vsw-bp1nothere0001".into()), ..job(1002) },
            404,
            "InvalidVSwitchId.NotFound",
        ),
        (
            CreateReplicationJob {
                net_mode: Some(2),
                vswitch_id: Some("vsw-bp1ddbrxdlrcbim460001".into()),
                vpc_id: Some("vpc-other".into()),
                ..job(1002)
            },
            400,
            "VSwitchIdVpcId.Mismatch",
        ),
    ];
    for (request, status, want) in cases {
        assert_eq!(code(c.create_replication_job(&request).await), (status, want.to_string()), "{request:?}");
    }
    let in_other_region =
        CreateReplicationJob { region_id: "cn-beijing".into(), image_name: Some("img-1001".into()), ..job(1003) };
    c.create_replication_job(&in_other_region).await.unwrap();
    let with_disk = CreateReplicationJob {
        data_disk: vec![DataDisk { index: Some(1), size: Some(100), part: vec![] }],
        ..job(2001)
    };
    c.create_replication_job(&with_disk).await.unwrap();
}

#[tokio::test]
async fn quota_is_enforced() {
    let e = emulator(|c| c.state.quota.replication_jobs = 4);
    let c = client(&e);
    for n in [1001, 1002] {
        c.create_replication_job(&job(n)).await.unwrap();
    }
    assert_eq!(code(c.create_replication_job(&job(1003)).await), (400, "QuotaExceeded.ReplicationJob".into()));
}

#[tokio::test]
async fn client_token_idempotence() {
    let e = emulator(|_| {});
    let c = client(&e);
    let request = CreateReplicationJob { client_token: Some("tok-1".into()), ..job(1001) };
    let first = c.create_replication_job(&request).await.unwrap();
    let again = c.create_replication_job(&request).await.unwrap();
    assert_eq!(first.job_id, again.job_id);
    assert_ne!(first.request_id, again.request_id);
    assert_eq!(e.jobs().len(), 3, "two jobs of the sample account and one new");
    let changed = CreateReplicationJob { description: Some("Different".into()), ..request.clone() };
    assert_eq!(code(c.create_replication_job(&changed).await), (400, "IdempotentParameterMismatch".into()));
    let v1 = client_for(&e, SignatureVersion::V1, DEFAULT_KEY_SECRET, None);
    assert_eq!(
        v1.create_replication_job(&request).await.unwrap().job_id,
        first.job_id,
        "the scheme is not a parameter"
    );
    let failed = CreateReplicationJob { client_token: Some("tok-2".into()), ..job(21) };
    code(c.create_replication_job(&failed).await);
    let fixed = CreateReplicationJob { client_token: Some("tok-2".into()), ..job(1002) };
    c.create_replication_job(&fixed).await.unwrap();
}

#[tokio::test]
async fn describe_filters_and_paging() {
    let e = emulator(|_| {});
    let c = client(&e);
    let all: Vec<_> = c.describe_source_servers(&SourceServerFilter::default()).try_collect().await.unwrap();
    assert_eq!(all.len(), 144);
    let available = SourceServerFilter { state: Some("Unavailable".into()), ..Default::default() };
    let some: Vec<_> = c.describe_source_servers(&available).try_collect().await.unwrap();
    assert_eq!(some.iter().map(|s| s.source_id.as_str()).collect::<Vec<_>>(), vec![source(21)]);
    let t = now();
    let mut q = common("p-1", &t, DEFAULT_KEY_ID);
    q.push(("PageSize", "51"));
    assert_eq!(raw(&e, &q, &[], DEFAULT_KEY_SECRET).await.1["Code"], "InvalidParameter");
    let mut q = common("p-2", &t, DEFAULT_KEY_ID);
    q.extend([("PageSize", "50"), ("PageNumber", "3")]);
    let (_, v) = raw(&e, &q, &[], DEFAULT_KEY_SECRET).await;
    assert_eq!(
        (v["TotalCount"].as_u64(), v["SourceServers"]["SourceServer"].as_array().unwrap().len()),
        (Some(144), 44)
    );
    let running = JobFilter { status: Some("Running".into()), ..Default::default() };
    let jobs: Vec<_> = c.describe_replication_jobs(&running).try_collect().await.unwrap();
    assert_eq!(jobs.len(), 1);
    let vsw: Vec<_> = c.describe_vswitches("cn-shanghai", None).try_collect().await.unwrap();
    assert_eq!(vsw.len(), 1);
}

#[tokio::test]
async fn jobs_run_on_the_simulated_clock() {
    let e = emulator(|c| c.time_scale = 0.0);
    let c = client(&e);
    let id = c.create_replication_job(&job(1001)).await.unwrap().job_id;
    let status = || e.jobs().into_iter().find(|j| j.job_id == id).unwrap();
    assert_eq!(status().status, "Ready", "no ScheduledStartTime: waits for StartReplicationJob");
    c.start_replication_job(&id).await.unwrap();
    assert_eq!(code(c.start_replication_job(&id).await), (400, "ReplicationJob.InvalidStatus".into()));
    assert_eq!(status().status, "Running");
    assert_eq!(code(c.delete_replication_job(&id).await), (400, "ReplicationJob.InvalidStatus".into()));
    e.advance(Duration::from_secs(3600));
    let done = status();
    assert_eq!((done.status.as_str(), done.extra["Progress"].as_f64()), ("Finished", Some(100.0)));
    c.delete_replication_job(&id).await.unwrap();
    assert!(e.jobs().iter().all(|j| j.job_id != id));
    c.create_replication_job(&job(1001)).await.unwrap();
}

#[tokio::test]
async fn flow_control_throttles_at_the_configured_rate() {
    let e = emulator(|c| c.qps = Some(5.0));
    let c = client(&e);
    let mut admitted = 0;
    let mut throttled = Vec::new();
    for n in 0..20 {
        match c.delete_replication_job(&format!("j-{n}")).await {
            Err(err) if err.is_throttling() => throttled.push(err),
            _ => admitted += 1,
        }
    }
    assert!((5..=7).contains(&admitted), "{admitted}");
    assert_eq!(throttled[0].code(), Some("Throttling.User"));
    let wait = throttled[0].retry_after().unwrap();
    assert!(wait > Duration::ZERO && wait <= Duration::from_millis(200), "{wait:?}");
    // Waiting as long as each answer says, a request is admitted again.
    let mut admitted_again = false;
    for _ in 0..50 {
        match c.delete_replication_job("j-x").await {
            Err(err) if err.is_throttling() => tokio::time::sleep(err.retry_after().unwrap()).await,
            _ => {
                admitted_again = true;
                break;
            }
        }
    }
    assert!(admitted_again, "the bucket refills at the configured rate");
}

#[tokio::test]
async fn every_fault_kind_and_lost_answers_after_commit() {
    let e = emulator(|c| {
        c.fault_rate = 0.5;
        c.seed = 42;
    });
    let c = client(&e);
    let mut seen = std::collections::BTreeSet::new();
    let mut lost_after_commit = 0;
    for n in 1001..1061 {
        let request = CreateReplicationJob { client_token: Some(format!("t-{n}")), ..job(n) };
        match c.create_replication_job(&request).await {
            Ok(_) => {
                seen.insert("ok".to_string());
            }
            Err(ApiError::Transport { kind: TransportKind::Reset, .. }) => {
                seen.insert("closed".to_string());
                if e.jobs().iter().any(|j| j.source_id == source(n)) {
                    lost_after_commit += 1;
                }
            }
            Err(err) => {
                seen.insert(err.code().unwrap().to_string());
            }
        }
    }
    for want in ["ok", "closed", "InternalError", "ServiceUnavailable", "Throttling"] {
        assert!(seen.contains(want), "{want} not seen: {seen:?}");
    }
    assert!(lost_after_commit > 0, "a connection closed after the job was created");
}

#[tokio::test]
async fn state_out_is_saved_on_change_and_on_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let e = emulator(|c| c.state_out = Some(path.clone()));
    let c = client(&e);
    let id = c.create_replication_job(&job(1001)).await.unwrap().job_id;
    let deadline = Instant::now() + Duration::from_secs(3);
    let saved = loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.contains(&id) || Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(saved.contains(&id), "saved within a moment of the change");
    c.start_replication_job(&id).await.unwrap();
    e.stop().unwrap();
    let state = smcplan::account::AccountState::load(&path).unwrap();
    let saved_job = state.replication_jobs.iter().find(|j| j.job_id == id).unwrap();
    assert_eq!(saved_job.status, "Running");
    assert_eq!(state.source_servers.iter().find(|s| s.source_id == source(1001)).unwrap().state, "InUse");
    let again = emulator(|c| c.state = state.clone());
    assert_eq!(
        code(client(&again).create_replication_job(&job(1001)).await),
        (400, "SourceServer.WithRunningReplicationJob".into())
    );
}

#[tokio::test]
async fn a_restart_from_its_own_state_never_issues_a_job_id_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let mut issued = std::collections::BTreeSet::new();
    let mut state = demo_account();
    for round in 0..3u32 {
        let e = emulator(|c| {
            c.state = state.clone();
            c.state_out = Some(path.clone());
        });
        let c = client(&e);
        for n in 0..4 {
            let id = c.create_replication_job(&job(1001 + round * 10 + n)).await.unwrap().job_id;
            assert!(issued.insert(id.clone()), "round {round}: {id} was issued before");
        }
        // A deleted job's id is gone from the state, and still never comes back.
        let first = e.jobs().into_iter().find(|j| j.name == format!("job-{}", 1001 + round * 10)).unwrap();
        c.delete_replication_job(&first.job_id).await.unwrap();
        e.stop().unwrap();
        state = smcplan::account::AccountState::load(&path).unwrap();
        assert!(state.emulator.is_some(), "the saved state records where the id sequence stands");
    }
    assert_eq!(issued.len(), 12);
}

/// Opens a connection, sends `bytes`, and says how long the emulator took to close it.
async fn closed_after(e: &Running, bytes: &[u8]) -> Duration {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(e.addr()).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let started = Instant::now();
    let mut buf = vec![0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("the connection was still open after 10 s"),
        }
    }
}

#[tokio::test]
async fn idle_and_half_sent_connections_are_closed() {
    let e = emulator(|c| c.idle_timeout = Duration::from_millis(400));
    let host = e.addr().to_string();
    let keep_alive = format!("GET /?Action=X HTTP/1.1\r\nhost: {host}\r\n\r\n");
    let half_body = format!("POST / HTTP/1.1\r\nhost: {host}\r\ncontent-length: 100\r\n\r\nAction=Describe");
    for (what, bytes) in [
        ("nothing sent", String::new()),
        ("half a request head", "POST / HTTP/1.1\r\nhost: 127".to_string()),
        ("half a body", half_body),
        ("idle after a whole request on a kept-alive connection", keep_alive),
    ] {
        let took = closed_after(&e, bytes.as_bytes()).await;
        assert!(took >= Duration::from_millis(300), "{what}: closed too soon ({took:?})");
        assert!(took < Duration::from_secs(5), "{what}: {took:?}");
    }
    // The default is the 30 s the issue asks for.
    assert_eq!(Config::local(demo_account()).idle_timeout, Duration::from_secs(30));
}

#[tokio::test]
async fn a_request_for_another_host_is_refused_whatever_its_signature() {
    let e = emulator(|_| {});
    let t = now();
    let mut all: Vec<(String, String)> =
        common("n-host", &t, DEFAULT_KEY_ID).iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let signature = smcplan::api::sign::sign_v1("POST", &all, DEFAULT_KEY_SECRET).signature;
    all.push(("Signature".into(), signature));
    let url = format!("{}/?{}", e.url(), smcplan::api::encode::query_string(&all));
    let wrong = format!("smc.aliyuncs.com:{}", e.addr().port());
    let response = reqwest::Client::new().post(&url).header("host", &wrong).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let v: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(v["Code"], "InvalidAction.NotFound");
    assert!(v["Message"].as_str().unwrap().contains(&format!("The Host '{wrong}' is not this endpoint")), "{v}");
    // The same signed request to the right host goes through (a fresh nonce: the first was not spent).
    let response = reqwest::Client::new().post(&url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn killed_right_after_a_create_its_state_still_never_reissues_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let mut issued = std::collections::BTreeSet::new();
    for round in 0..3u32 {
        let mut args = vec!["emulator".to_string(), "--state-out".into(), path.display().to_string()];
        if round > 0 {
            args.extend(["--state".into(), path.display().to_string()]);
        }
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_smcplan"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut first).unwrap();
        let url = first.trim().strip_prefix("listening on ").unwrap().to_string();
        let creds = Credentials {
            access_key_id: DEFAULT_KEY_ID.into(),
            access_key_secret: Secret::new(DEFAULT_KEY_SECRET),
            security_token: None,
            source: "test".into(),
            expiration: None,
        };
        let config = ClientConfig { endpoint: Some(url), timeout: Duration::from_secs(5), ..ClientConfig::default() };
        let c = Client::new(&config, creds).unwrap();
        for n in 0..3 {
            let mut j = job(1001 + round * 10 + n);
            j.name = Some(format!("kill-{round}-{n}"));
            let id = c.create_replication_job(&j).await.unwrap().job_id;
            assert!(issued.insert(id.clone()), "round {round}: {id} was issued before");
        }
        // Killed at once: the periodic save (every 200 ms) had no time to run.
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

#[tokio::test]
async fn reads_are_paced_at_the_read_rate() {
    let e = emulator(|_| {});
    let config = ClientConfig { endpoint: Some(e.url()), read_rate: 4.0, ..ClientConfig::default() };
    let creds = Credentials {
        access_key_id: DEFAULT_KEY_ID.into(),
        access_key_secret: Secret::new(DEFAULT_KEY_SECRET),
        security_token: None,
        source: "test".into(),
        expiration: None,
    };
    let c = Client::new(&config, creds).unwrap();
    let started = Instant::now();
    for _ in 0..5 {
        let filter = JobFilter { job_id: vec!["j-bp17bclvg344jlyt0001".into()], ..JobFilter::default() };
        let jobs: Vec<_> = c.describe_replication_jobs(&filter).try_collect().await.unwrap();
        assert_eq!(jobs.len(), 1);
    }
    // Five reads at four a second: the first at once, then one every 250 ms.
    assert!(started.elapsed() >= Duration::from_millis(950), "{:?}", started.elapsed());
}

#[tokio::test]
async fn cut_over_finishes_an_incremental_job_waiting_between_runs() {
    let e = emulator(|c| c.time_scale = 0.0);
    let c = client(&e);
    let incremental = CreateReplicationJob {
        run_once: Some(false),
        frequency: Some(168),
        max_number_of_image_to_keep: Some(2),
        ..job(1002)
    };
    let id = c.create_replication_job(&incremental).await.unwrap().job_id;
    let status = || e.jobs().into_iter().find(|j| j.job_id == id).unwrap().status;
    assert_eq!(
        code(c.cut_over_replication_job(&id, false).await),
        (400, "ReplicationJob.InvalidStatus".into()),
        "Ready is not Waiting"
    );
    c.start_replication_job(&id).await.unwrap();
    e.advance(Duration::from_secs(3600));
    assert_eq!(status(), "Waiting", "one run done, the next a week away");
    c.cut_over_replication_job(&id, true).await.unwrap();
    assert_eq!(status(), "Running", "the last sync");
    e.advance(Duration::from_secs(3600));
    assert_eq!(status(), "Finished");
    assert_eq!(
        code(c.stop_replication_job(&id).await),
        (400, "ReplicationJob.InvalidStatus".into()),
        "only a Running job stops"
    );
}

#[tokio::test]
async fn a_denied_action_is_forbidden_by_ram_and_runs_fail_as_seeded() {
    let e = emulator(|c| {
        c.deny = vec!["DeleteReplicationJob".into()];
        c.job_error_rate = 1.0;
        c.time_scale = 0.0;
        c.seed = 7;
    });
    let c = client(&e);
    let id = c.create_replication_job(&job(1003)).await.unwrap().job_id;
    assert_eq!(code(c.delete_replication_job(&id).await), (403, "Forbidden.RAM".into()));
    c.start_replication_job(&id).await.unwrap();
    let current = || e.jobs().into_iter().find(|j| j.job_id == id).unwrap();
    e.advance(Duration::from_secs(3600));
    let failed = current();
    assert_eq!(failed.status, "InError");
    let error = failed.extra["ErrorCode"].as_str().unwrap().to_string();
    assert!(!error.is_empty());
    // The same seed fails the same job's same run the same way.
    let again = emulator(|c| {
        c.job_error_rate = 1.0;
        c.time_scale = 0.0;
        c.seed = 7;
    });
    let c2 = client(&again);
    let id2 = c2.create_replication_job(&job(1003)).await.unwrap().job_id;
    assert_eq!(id2, id, "ids follow the seed");
    c2.start_replication_job(&id2).await.unwrap();
    let status = || again.jobs().into_iter().find(|j| j.job_id == id2).unwrap();
    again.advance(Duration::from_secs(3600));
    assert_eq!(status().extra["ErrorCode"].as_str().unwrap(), error);
    // A start from InError runs again.
    c.start_replication_job(&id).await.unwrap();
    assert_eq!(current().status, "Running");
}
