//! The emulator over real HTTP: signatures and their errors, every CreateReplicationJob rule,
//! idempotence, paging, job life cycle, flow control and faults.

mod support;

use futures_util::TryStreamExt;
use serde_json::Value;
use smcplan::api::calls::{CreateReplicationJob, DataDisk, JobFilter, SourceServerFilter};
use smcplan::api::client::SignatureVersion;
use smcplan::api::error::{ApiError, TransportKind};
use smcplan::emulator::{DEFAULT_KEY_ID, DEFAULT_KEY_SECRET, KeyPair};
use std::time::Duration;

use support::emulated::*;

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
