//! Emulator throughput: CreateReplicationJob requests a second from a concurrent client.
//!
//! `cargo run --release --example emulator_bench -- [REQUESTS] [IN_FLIGHT]` (default 20000, 64).
//! The emulator runs in this process with --latency-ms 0; the client is smcplan's own API client
//! (V3 signatures, one pooled HTTP client). Both share the machine's cores.

use futures_util::{StreamExt, stream};
use smcplan::account::{AccountState, Quota, SourceServer};
use smcplan::api::calls::CreateReplicationJob;
use smcplan::api::client::{Client, ClientConfig};
use smcplan::api::credentials::{Credentials, Secret};
use smcplan::emulator::{Config, DEFAULT_KEY_ID, DEFAULT_KEY_SECRET, Running};
use std::time::Instant;

fn state(sources: usize) -> AccountState {
    let source = |i: usize| SourceServer {
        source_id: format!("s-bench{i:08}"),
        name: format!("bench{i}"),
        state: "Available".into(),
        system_disk_size: Some(40),
        system_disk_parts: vec![],
        data_disks: vec![],
        extra: Default::default(),
    };
    AccountState {
        format: smcplan::account::FORMAT.into(),
        captured_at: None,
        quota: Quota { replication_jobs: 10_000_000 },
        source_servers: (0..sources).map(source).collect(),
        replication_jobs: vec![],
        vswitches: vec![],
        emulator: None,
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let requests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let in_flight: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    let emulator = Running::start(Config::local(state(requests))).expect("the emulator starts");
    let creds = Credentials {
        access_key_id: DEFAULT_KEY_ID.into(),
        access_key_secret: Secret::new(DEFAULT_KEY_SECRET),
        security_token: None,
        source: "bench".into(),
        expiration: None,
    };
    let client = Client::new(&ClientConfig { endpoint: Some(emulator.url()), ..ClientConfig::default() }, creds)
        .expect("a client");
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    let started = Instant::now();
    let (ok, failed) = runtime.block_on(async {
        let results: Vec<bool> = stream::iter(0..requests)
            .map(|i| {
                let client = &client;
                async move {
                    let request = CreateReplicationJob {
                        region_id: "cn-hangzhou".into(),
                        source_id: format!("s-bench{i:08}"),
                        client_token: Some(format!("bench-{i}")),
                        name: Some(format!("bench-job-{i}")),
                        target_type: Some("Image".into()),
                        image_name: Some(format!("img-bench-{i}")),
                        system_disk_size: Some(60),
                        ..CreateReplicationJob::default()
                    };
                    client.create_replication_job(&request).await.is_ok()
                }
            })
            .buffer_unordered(in_flight)
            .collect()
            .await;
        (results.iter().filter(|r| **r).count(), results.iter().filter(|r| !**r).count())
    });
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{ok} jobs created, {failed} failed, in {elapsed:.2} s with {in_flight} in flight: {:.0} CreateReplicationJob/s",
        ok as f64 / elapsed
    );
    assert_eq!(emulator.jobs().len(), ok);
}
