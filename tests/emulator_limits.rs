//! The emulator at its limits: out of file descriptors it waits between accepts instead of
//! spinning a core, and a list index it cannot read is an error, never a filter dropped.

mod support;

use smcplan::api::client::{Client, ClientConfig};
use smcplan::emulator::{Config, Running};
use std::io::BufRead;
use std::time::{Duration, Instant};

fn client(url: String) -> Client {
    let creds = support::emulator_credentials();
    Client::new(&ClientConfig { endpoint: Some(url), ..ClientConfig::default() }, creds).unwrap()
}

#[test]
fn out_of_file_descriptors_the_listener_rests_between_tries() {
    // The emulator with 32 descriptors: the connections below take the rest.
    let mut child = std::process::Command::new("prlimit")
        .args(["--nofile=32", "--"])
        .arg(env!("CARGO_BIN_EXE_smcplan"))
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let addr = first.trim().strip_prefix("listening on http://").unwrap().to_string();
    let held: Vec<std::net::TcpStream> = (0..48).filter_map(|_| std::net::TcpStream::connect(&addr).ok()).collect();
    assert!(!held.is_empty());
    // Each failed accept is said once; three of them take at least two pauses of 100 ms.
    // A listener that spins says thousands in that time.
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut times = Vec::new();
    while times.len() < 3 {
        let line = err.next().unwrap().unwrap();
        assert!(line.starts_with("warning: accepting a connection failed ("), "{line}");
        times.push(Instant::now());
    }
    assert!(times[2] - times[0] >= Duration::from_millis(150), "{:?}", times[2] - times[0]);
    drop(held);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn a_list_index_out_of_range_is_invalid_not_dropped() {
    let e = Running::start(Config::local(smcplan::emulator::demo_account())).unwrap();
    let c = client(e.url());
    let params = |n: &str| vec![(format!("JobId.{n}"), "j-nothing".to_string())];
    for n in ["18446744073709551616", "0", "99999999999999999999999"] {
        let err = c.read_params(&smcplan::api::client::Api::Smc, "DescribeReplicationJobs", &params(n)).await;
        let err = err.unwrap_err();
        assert_eq!(err.code(), Some("InvalidParameter"), "JobId.{n}: {err}");
    }
    // A JobId that names no job finds none (the filter holds).
    let found = c.read_params(&smcplan::api::client::Api::Smc, "DescribeReplicationJobs", &params("1")).await.unwrap();
    assert_eq!(found["TotalCount"], 0);
}
