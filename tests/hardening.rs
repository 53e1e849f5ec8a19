//! Requests stay on the endpoint the user named: no redirect is followed, and a proxy from
//! the environment carries https calls only, when it is https or on loopback.

mod support;

use assert_cmd::Command;
use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;
use support::{Reply, start};

const SECRET: &str = "hardening-secret-value";
const TOKEN: &str = "CAIS+hardening/TOKEN=";

/// The proxy variables a shell may carry, which must all be ignored for plain http.
const PROXY_VARS: &[&str] =
    &["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"];

fn smcplan(home: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("smcplan").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env_remove("ALIBABA_CLOUD_PROFILE")
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "hardening-id")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
        .env("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN)
        .timeout(Duration::from_secs(60));
    for v in PROXY_VARS {
        cmd.env_remove(v);
    }
    cmd
}

fn snapshot(cmd: &mut Command, dir: &std::path::Path, endpoint: &str) -> (Option<i32>, String) {
    let out = dir.join("state.json");
    let run = cmd.args(["--out", out.to_str().unwrap(), "--endpoint", endpoint]).output().unwrap();
    (run.status.code(), String::from_utf8_lossy(&run.stderr).into_owned())
}

#[test]
fn redirects_are_refused_and_never_followed() {
    let target = start(|_| support::ok(serde_json::json!({})));
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (302, "http://10.0.0.1/".to_string(), "10.0.0.1"),
        (307, format!("{}/", target.url()), "127.0.0.1"),
        (308, format!("https://evil.example/?SecurityToken={TOKEN}"), "evil.example"),
        (301, "/elsewhere".to_string(), "a path on the same host"),
    ];
    for (status, location, host) in cases {
        let redirecting =
            start(move |_| Reply::Json { status, headers: vec![("location", location.clone())], body: String::new() });
        let (code, err) = snapshot(smcplan(dir.path()).arg("snapshot"), dir.path(), &redirecting.url());
        assert_eq!(code, Some(2), "{err}");
        let want =
            format!("the endpoint answered HTTP {status}, a redirect to {host}; an SMC endpoint does not redirect");
        assert!(err.contains(&want), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!err.contains(TOKEN) && !err.contains(SECRET), "{err}");
        assert_eq!(redirecting.requests().len(), 1, "one request, not retried elsewhere");
    }
    assert!(target.requests().is_empty(), "the redirect target must see nothing");
}

#[test]
fn plain_http_to_loopback_never_uses_a_proxy() {
    let proxy = start(|_| support::ok(serde_json::json!({})));
    let emulator =
        smcplan::emulator::Running::start(smcplan::emulator::Config::local(smcplan::emulator::demo_account())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"] {
        let mut cmd = smcplan(dir.path());
        cmd.env(var, proxy.url())
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", smcplan::emulator::DEFAULT_KEY_ID)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", smcplan::emulator::DEFAULT_KEY_SECRET)
            .env_remove("ALIBABA_CLOUD_SECURITY_TOKEN");
        let (code, err) = snapshot(cmd.arg("snapshot"), dir.path(), &emulator.url());
        assert_eq!(code, Some(0), "{var}: {err}");
        assert!(!err.contains("proxy"), "{var}: {err}");
    }
    assert!(proxy.requests().is_empty(), "the proxy must see nothing: {:?}", proxy.requests());
}

#[test]
fn an_allowed_proxy_carries_https_calls_and_is_named() {
    let proxy = start(|_| Reply::Json { status: 403, headers: vec![], body: String::new() });
    let dir = tempfile::tempdir().unwrap();
    for var in ["HTTPS_PROXY", "all_proxy"] {
        let mut cmd = smcplan(dir.path());
        cmd.env(var, proxy.url());
        let (code, err) = snapshot(cmd.arg("snapshot"), dir.path(), "https://smc.example.invalid");
        assert_eq!(code, Some(2), "{err}");
        let note = format!("note: sending the https calls through the proxy {}/ (from {var};", proxy.url());
        assert!(err.contains(&note), "{err}");
    }
    let seen = proxy.requests();
    assert!(!seen.is_empty());
    for r in &seen {
        assert_eq!(r.method, "CONNECT", "the proxy sees a tunnel, never the signed request: {r:?}");
        assert!(r.raw_query.is_empty() && r.header("x-acs-security-token").is_none());
        assert!(!format!("{r:?}").contains(TOKEN));
    }
}

/// A listener that notes the first byte of the first connection: 0x16 opens a TLS handshake.
fn first_byte_listener() -> (String, std::sync::mpsc::Receiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut buf = [0u8; 16];
            let n = stream.read(&mut buf).unwrap_or(0);
            let _ = tx.send(buf[..n].to_vec());
        }
    });
    (format!("https://{addr}"), rx)
}

#[test]
fn a_plain_http_proxy_elsewhere_is_refused_and_said_so() {
    let dir = tempfile::tempdir().unwrap();
    for (var, proxy) in [
        ("HTTPS_PROXY", "http://10.0.0.1:3128"),
        ("https_proxy", "http://user:hunter2@proxy.corp.example:3128"),
        ("ALL_PROXY", "socks5://127.0.0.1:1080"),
    ] {
        let (endpoint, first) = first_byte_listener();
        let mut cmd = smcplan(dir.path());
        cmd.env(var, proxy);
        let (code, err) = snapshot(cmd.arg("snapshot"), dir.path(), &endpoint);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.starts_with(&format!("warning: not using a proxy: {var} names ")), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let bytes = first.recv_timeout(Duration::from_secs(30)).unwrap();
        assert_eq!(bytes.first(), Some(&0x16), "a direct TLS handshake to the endpoint, not a proxy request");
    }
    let (endpoint, first) = first_byte_listener();
    let mut cmd = smcplan(dir.path());
    cmd.env("HTTPS_PROXY", "http://10.0.0.1:3128");
    let (code, err) = snapshot(cmd.arg("snapshot").arg("--no-proxy"), dir.path(), &endpoint);
    assert_eq!(code, Some(2), "{err}");
    assert!(!err.contains("proxy"), "--no-proxy is silent: {err}");
    assert_eq!(first.recv_timeout(Duration::from_secs(30)).unwrap().first(), Some(&0x16));
}
