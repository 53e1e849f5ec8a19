//! The emulator over HTTP for the tests: an emulator of the demo account, clients signing
//! each way, the demo servers' jobs, and requests signed by hand.

use serde_json::Value;
use smcplan::api::calls::CreateReplicationJob;
use smcplan::api::client::{Client, ClientConfig, SignatureVersion};
use smcplan::api::credentials::{Credentials, Secret};
use smcplan::api::error::ApiError;
use smcplan::emulator::{Config, DEFAULT_KEY_ID, DEFAULT_KEY_SECRET, Running, demo_account};
use std::time::Duration;

pub fn emulator(tweak: impl FnOnce(&mut Config)) -> Running {
    let mut config = Config::local(demo_account());
    tweak(&mut config);
    Running::start(config).unwrap()
}

pub fn client_for(e: &Running, signature: SignatureVersion, secret: &str, token: Option<&str>) -> Client {
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

pub fn client(e: &Running) -> Client {
    client_for(e, SignatureVersion::V3, DEFAULT_KEY_SECRET, None)
}

pub fn source(n: u32) -> String {
    format!("s-bp1e2fsl57knvuug{n:04}")
}

pub fn job(n: u32) -> CreateReplicationJob {
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

pub fn code(r: Result<impl std::fmt::Debug, ApiError>) -> (u16, String) {
    match r {
        Err(ApiError::Service { status, code, .. }) => (status, code),
        other => panic!("expected a service error, got {other:?}"),
    }
}

/// A V1 request signed by hand, so that time, nonce, key and parameter placement can be wrong on purpose.
pub async fn raw(e: &Running, query: &[(&str, &str)], body: &[(&str, &str)], secret: &str) -> (u16, Value) {
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

pub fn now() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn common<'a>(nonce: &'a str, timestamp: &'a str, key: &'a str) -> Vec<(&'a str, &'a str)> {
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
