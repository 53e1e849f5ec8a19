//! The API client against a loopback server: what goes on the wire, signatures, paging, errors.

mod support;

use futures_util::TryStreamExt;
use serde_json::json;
use smcplan::api::calls::{CreateReplicationJob, DataDisk, JobFilter, Part, SourceServerFilter, Tag};
use smcplan::api::client::{Api, Client, ClientConfig, SignatureVersion};
use smcplan::api::credentials::{Credentials, Secret};
use smcplan::api::error::{ApiError, TransportKind};
use std::collections::BTreeMap;
use std::time::Duration;
use support::{Reply, Seen, error, ok, start, verify_v1, verify_v3};

const SECRET: &str = "test-secret-NEVER-in-output";
const TOKEN: &str = "CAIS+sts/TOKEN==never-in-output";

fn creds(sts: bool) -> Credentials {
    Credentials {
        access_key_id: if sts { "STS.testid".into() } else { "testid".into() },
        access_key_secret: Secret::new(SECRET),
        security_token: sts.then(|| Secret::new(TOKEN)),
        source: "test".into(),
        expiration: None,
    }
}

fn client(url: &str, signature: SignatureVersion, sts: bool) -> Client {
    let config = ClientConfig {
        endpoint: Some(url.to_string()),
        signature,
        timeout: Duration::from_millis(800),
        ..ClientConfig::default()
    };
    Client::new(&config, creds(sts)).unwrap()
}

fn full_request() -> CreateReplicationJob {
    CreateReplicationJob {
        region_id: "cn-hangzhou".into(),
        source_id: "s-bp1e2fsl57knvuug0001".into(),
        client_token: Some("123e4567-e89b-12d3-a456-426655440000".into()),
        name: Some("db01 迁移:任务_é".into()),
        description: Some("Wave 1: web+db & cache=50% ~done *now* / ü".into()),
        target_type: Some("Image".into()),
        image_name: Some("img-db01".into()),
        system_disk_size: Some(80),
        net_mode: Some(2),
        vpc_id: Some("vpc-bp1vwnn14rqpyiczj0001".into()),
        vswitch_id: Some("vsw-bp1ddbrxdlrcbim460001".into()),
        run_once: Some(true),
        replication_parameters: Some(r#"{"bandwidth_limit":0,"compress_level":1,"checksum":true}"#.into()),
        data_disk: vec![
            DataDisk {
                index: Some(1),
                size: Some(100),
                part: vec![
                    Part { device: Some("0_1".into()), size_bytes: Some(254803968), block: Some(true) },
                    Part { device: Some("0_2".into()), size_bytes: Some(1073741824), block: Some(false) },
                ],
            },
            DataDisk { index: Some(2), size: Some(200), part: vec![] },
        ],
        system_disk_part: vec![Part { device: Some("0_1".into()), size_bytes: Some(536870912), block: Some(true) }],
        tag: vec![
            Tag { key: "env".into(), value: Some("prod".into()) },
            Tag { key: "owner".into(), value: Some("team a/β".into()) },
        ],
        ..CreateReplicationJob::default()
    }
}

fn fixture() -> serde_json::Value {
    serde_json::from_str(include_str!("fixtures/signature-vectors.json")).unwrap()
}

/// The flat parameters of flattening vector `i`.
fn flattened(i: usize) -> BTreeMap<String, String> {
    let case = &fixture()["flattening"][i]["flattened"];
    case.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect()
}

fn created(_: &Seen) -> Reply {
    ok(json!({"RequestId": "C8B26B44-0189-443E-9816-D951F59623A9", "JobId": "j-bp17bclvg344jlyt0001"}))
}

#[tokio::test]
async fn create_sends_the_sdk_flattening_signed_v3() {
    let server = start(created);
    let c = client(&server.url(), SignatureVersion::V3, false);
    let got = c.create_replication_job(&full_request()).await.unwrap();
    assert_eq!(got.job_id, "j-bp17bclvg344jlyt0001");
    let req = &server.requests()[0];
    assert_eq!(req.method, "POST");
    assert!(verify_v3(req, SECRET), "the server's own check of the signature");
    assert!(!verify_v3(req, "wrong-secret"));
    assert_eq!(req.header("x-acs-action"), Some("CreateReplicationJob"));
    assert_eq!(req.header("x-acs-version"), Some("2019-06-01"));
    assert_eq!(req.header("host"), Some(server.addr.to_string().as_str()));
    assert_eq!(req.header("user-agent"), Some(format!("smcplan/{}", env!("CARGO_PKG_VERSION")).as_str()));
    let sent: BTreeMap<String, String> = req.query.iter().cloned().collect();
    assert_eq!(sent, flattened(0));
}

#[tokio::test]
async fn every_attempt_is_signed_with_a_fresh_nonce() {
    let server = start(created);
    let c = client(&server.url(), SignatureVersion::V3, false);
    c.create_replication_job(&full_request()).await.unwrap();
    c.create_replication_job(&full_request()).await.unwrap();
    let reqs = server.requests();
    assert_ne!(reqs[0].header("x-acs-signature-nonce"), reqs[1].header("x-acs-signature-nonce"));
    assert_eq!(reqs[0].param("ClientToken"), reqs[1].param("ClientToken"));
}

#[tokio::test]
async fn legacy_v1_signature_verifies_and_carries_the_sts_token() {
    let server = start(created);
    let c = client(&server.url(), SignatureVersion::V1, true);
    c.create_replication_job(&full_request()).await.unwrap();
    let req = &server.requests()[0];
    assert!(verify_v1(req, SECRET));
    assert!(!verify_v1(req, "wrong-secret"));
    assert_eq!(req.param("SignatureMethod"), Some("HMAC-SHA1"));
    assert_eq!(req.param("SignatureVersion"), Some("1.0"));
    assert_eq!(req.param("SecurityToken"), Some(TOKEN));
    assert_eq!(req.param("AccessKeyId"), Some("STS.testid"));
    assert_eq!(req.param("Version"), Some("2019-06-01"));
}

#[tokio::test]
async fn v3_sts_token_is_a_signed_header() {
    let server = start(created);
    let c = client(&server.url(), SignatureVersion::V3, true);
    c.create_replication_job(&full_request()).await.unwrap();
    let req = &server.requests()[0];
    assert!(verify_v3(req, SECRET));
    assert_eq!(req.header("x-acs-security-token"), Some(TOKEN));
    assert!(req.header("authorization").unwrap().contains("x-acs-security-token"));
}

fn pages(req: &Seen) -> Reply {
    let page: usize = req.param("PageNumber").unwrap().parse().unwrap();
    let size: usize = req.param("PageSize").unwrap().parse().unwrap();
    let total = 120;
    let ids: Vec<usize> = ((page - 1) * size..(page * size).min(total)).collect();
    let servers: Vec<_> = ids
        .iter()
        .map(|i| {
            json!({"SourceId": format!("s-bp1e2fsl57knvu{i:06}"), "Name": format!("srv{i}"), "State": "Available", "SystemDiskSize": 40,
                   "SystemDiskParts": {"SystemDiskPart": [{"Device": "0_1", "SizeBytes": 42949672960u64, "CanBlock": true}]},
                   "DataDisks": {"DataDisk": [{"Index": 1, "Size": 100, "Parts": {"Part": [{"Device": "1_1", "SizeBytes": 107374182400u64}]}}]},
                   "Platform": "CentOS Linux 7"})
        })
        .collect();
    ok(
        json!({"RequestId": "R", "TotalCount": total, "PageNumber": page, "PageSize": size, "SourceServers": {"SourceServer": servers}}),
    )
}

#[tokio::test]
async fn describe_pages_through_every_result() {
    let server = start(pages);
    let c = client(&server.url(), SignatureVersion::V3, false);
    let all: Vec<_> = c.describe_source_servers(&SourceServerFilter::default()).try_collect().await.unwrap();
    assert_eq!(all.len(), 120);
    assert_eq!(all[119].source_id, "s-bp1e2fsl57knvu000119");
    assert_eq!(all[0].data_disks[0].parts[0].device, "1_1", "nested lists are unwrapped");
    assert_eq!(all[0].extra["Platform"], "CentOS Linux 7");
    let reqs = server.requests();
    let numbers: Vec<&str> = reqs.iter().map(|r| r.param("PageNumber").unwrap()).collect();
    assert_eq!(numbers, vec!["1", "2", "3"]);
    assert!(reqs.iter().all(|r| r.param("PageSize") == Some("50")));
}

#[tokio::test]
async fn describe_stops_on_an_empty_page_and_sends_filters() {
    let server = start(|req| {
        let jobs = if req.param("PageNumber") == Some("1") {
            json!([{"JobId": "j-1", "Name": "a", "SourceId": "s-1", "RegionId": "cn-hangzhou", "ImageName": "i", "Status": "Ready"}])
        } else {
            json!([])
        };
        ok(json!({"RequestId": "R", "TotalCount": 99, "ReplicationJobs": {"ReplicationJob": jobs}}))
    });
    let c = client(&server.url(), SignatureVersion::V3, false);
    let filter = JobFilter { job_id: vec!["j-1".into(), "j-2".into()], ..Default::default() };
    let jobs: Vec<_> = c.describe_replication_jobs(&filter).try_collect().await.unwrap();
    assert_eq!(jobs.len(), 1);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!((reqs[0].param("JobId.1"), reqs[0].param("JobId.2")), (Some("j-1"), Some("j-2")));
}

async fn fail_with(reply: fn(&Seen) -> Reply) -> ApiError {
    let server = start(reply);
    let c = client(&server.url(), SignatureVersion::V3, true);
    c.create_replication_job(&full_request()).await.unwrap_err()
}

#[tokio::test]
async fn each_error_class() {
    let throttled = fail_with(|_| {
        let body = json!({"RequestId": "R-T", "Code": "Throttling.User", "Message": "Request was denied due to user flow control."});
        Reply::Json { status: 400, headers: vec![("x-acs-retry-after", "1500".into())], body: body.to_string() }
    })
    .await;
    assert!(throttled.is_throttling() && throttled.is_retryable());
    assert_eq!(throttled.retry_after(), Some(Duration::from_millis(1500)));
    assert_eq!(throttled.request_id(), Some("R-T"));

    for (status, code) in [(500, "InternalError"), (503, "ServiceUnavailable")] {
        let e = match status {
            500 => fail_with(|_| error(500, "InternalError")).await,
            _ => fail_with(|_| error(503, "ServiceUnavailable")).await,
        };
        assert_eq!(e.code(), Some(code));
        assert!(e.is_retryable() && e.outcome_unknown(), "{e}");
    }
    let final_error = fail_with(|_| error(400, "ReplicationJobName.Duplicate")).await;
    assert!(!final_error.is_retryable());
    assert_eq!(
        final_error.to_string(),
        "CreateReplicationJob: ReplicationJobName.Duplicate (HTTP 400): ReplicationJobName.Duplicate happened [RequestId REQ-ERR]"
    );

    let dropped = fail_with(|_| Reply::Drop).await;
    assert!(matches!(dropped, ApiError::Transport { kind: TransportKind::Reset, .. }), "{dropped:?}");
    assert!(dropped.is_retryable() && dropped.outcome_unknown());

    let slow = fail_with(|_| Reply::Sleep(Duration::from_secs(3))).await;
    assert!(matches!(slow, ApiError::Transport { kind: TransportKind::Timeout, .. }), "{slow:?}");

    let refused = {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let c = client(&format!("http://127.0.0.1:{port}"), SignatureVersion::V1, true);
        c.create_replication_job(&full_request()).await.unwrap_err()
    };
    assert!(matches!(refused, ApiError::Transport { kind: TransportKind::Connect, .. }), "{refused:?}");
    assert!(refused.is_retryable() && !refused.outcome_unknown());

    for e in [&throttled, &final_error, &dropped, &slow, &refused] {
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(SECRET) && !shown.contains(TOKEN) && !shown.contains("Signature="), "{shown}");
    }
}

#[tokio::test]
async fn vpc_calls_follow_the_endpoint_flags() {
    let server = start(|_| {
        ok(
            json!({"RequestId": "R", "TotalCount": 1, "VSwitches": {"VSwitch": [{"VSwitchId": "vsw-1", "VpcId": "vpc-1"}]}}),
        )
    });
    let c = client(&server.url(), SignatureVersion::V3, false);
    let found: Vec<_> = c.describe_vswitches("eu-central-1", None).try_collect().await.unwrap();
    assert_eq!(found[0].region_id, "eu-central-1");
    let req = &server.requests()[0];
    assert_eq!(req.header("x-acs-version"), Some("2016-04-28"));
    assert_eq!(req.param("RegionId"), Some("eu-central-1"));
    assert!(verify_v3(req, SECRET));

    let other = start(|_| error(404, "InvalidVSwitchId.NotFound"));
    let config =
        ClientConfig { endpoint: Some(server.url()), vpc_endpoint: Some(other.url()), ..ClientConfig::default() };
    let c = Client::new(&config, creds(false)).unwrap();
    assert_eq!(c.endpoint(&Api::Smc).as_str(), format!("{}/", server.url()));
    let none: Vec<_> = c.describe_vswitches("cn-hangzhou", Some("vsw-nope")).try_collect().await.unwrap();
    assert!(none.is_empty(), "an unknown vSwitch is no vSwitch");
    assert_eq!(other.requests().len(), 1);
    let default = Client::new(&ClientConfig::default(), creds(false)).unwrap();
    assert_eq!(
        default.endpoint(&Api::Vpc { region: "eu-central-1".into() }).as_str(),
        "https://vpc.eu-central-1.aliyuncs.com/"
    );
    assert_eq!(default.endpoint(&Api::Smc).as_str(), "https://smc.aliyuncs.com/");
}

#[test]
fn client_debug_and_endpoint_errors_hold_no_secret() {
    let c = Client::new(&ClientConfig::default(), creds(true)).unwrap();
    let shown = format!("{c:?}");
    assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
    let config = ClientConfig { endpoint: Some("http://192.168.1.10:80".into()), ..ClientConfig::default() };
    let err = Client::new(&config, creds(true)).unwrap_err();
    assert!(err.to_string().contains("plain http is allowed only to loopback"));
}

#[tokio::test]
async fn start_and_delete_send_the_job_id() {
    let server = start(|req| match req.action().as_str() {
        "StartReplicationJob" => ok(json!({"RequestId": "R-START"})),
        "DeleteReplicationJob" => ok(json!({"RequestId": "R-DELETE"})),
        _ => error(404, "InvalidAction.NotFound"),
    });
    let c = client(&server.url(), SignatureVersion::V1, false);
    assert_eq!(c.start_replication_job("j-bp17bclvg344jlyt0001").await.unwrap(), "R-START");
    assert_eq!(c.delete_replication_job("j-bp17bclvg344jlyt0001").await.unwrap(), "R-DELETE");
    let reqs = server.requests();
    assert!(reqs.iter().all(|r| verify_v1(r, SECRET) && r.param("JobId") == Some("j-bp17bclvg344jlyt0001")));
    assert_eq!(reqs.iter().map(Seen::action).collect::<Vec<_>>(), vec!["StartReplicationJob", "DeleteReplicationJob"]);
}
