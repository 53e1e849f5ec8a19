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
    let mut cmd = support::smcplan_with_key(home, "hardening-id", SECRET);
    cmd.env("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN).timeout(Duration::from_secs(60));
    for v in PROXY_VARS {
        cmd.env_remove(v);
    }
    cmd
}

fn snapshot(cmd: &mut Command, dir: &std::path::Path, endpoint: &str) -> (Option<i32>, String) {
    let out = dir.join("state.json");
    // One attempt: these endpoints fail on purpose, and a retry would only repeat it.
    let run =
        cmd.args(["--out", out.to_str().unwrap(), "--endpoint", endpoint, "--max-attempts", "1"]).output().unwrap();
    // What the run says of itself, less the note naming the credentials' source.
    let said: String = String::from_utf8_lossy(&run.stderr)
        .lines()
        .filter(|l| !l.starts_with("note: credentials: "))
        .map(|l| format!("{l}\n"))
        .collect();
    (run.status.code(), said)
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
        let note = format!(
            "note: sending the https calls to smc.example.invalid through the proxy {}/ (from {var};",
            proxy.url()
        );
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

/// The forms of a secret a server may quote back, written out here independently of the
/// code under test.
fn secret_forms(secret: &str) -> Vec<String> {
    use base64::Engine;
    let pct = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let e = base64::engine::general_purpose::STANDARD;
    let u = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    vec![
        secret.to_string(),
        pct(secret),
        lower_escapes(&pct(secret)),
        pct(&pct(secret)),
        lower_escapes(&pct(&pct(secret))),
        secret.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D"),
        e.encode(secret),
        u.encode(secret),
        secret.replace('/', "\\/"),
    ]
}

/// `%2B` as `%2b`, the rest of the text unchanged.
fn lower_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            out.extend(chars.by_ref().take(2).map(|h| h.to_ascii_lowercase()));
        }
    }
    out
}

/// An error message that quotes every form of the secret and the token, and a string to sign.
fn leaky_message() -> String {
    let mut parts = vec!["Specified signature is not matched with our calculation.".to_string()];
    for s in [SECRET_ODD, TOKEN_ODD] {
        parts.extend(secret_forms(s));
    }
    parts.push(format!("server string to sign is:POST&%2F&AccessKeyId%3Dhardening-id%26SecurityToken%3D{TOKEN_ODD}"));
    parts.join(" | ")
}

const SECRET_ODD: &str = "hard/ening+secret=value";
const TOKEN_ODD: &str = "CAIS+hardening/TOKEN==";

/// Every file under `dir`, and the texts given, hold no form of either secret.
fn assert_no_secret(what: &str, texts: &[&str], dir: Option<&std::path::Path>) -> usize {
    let mut all: Vec<(String, String)> = texts.iter().map(|t| (what.to_string(), t.to_string())).collect();
    if let Some(dir) = dir {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            all.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap_or_default()));
        }
    }
    let mut checked = 0;
    for s in [SECRET_ODD, TOKEN_ODD] {
        for form in secret_forms(s) {
            for (name, text) in &all {
                assert!(!text.contains(&form), "{name} holds {form:?}:\n{text}");
                checked += 1;
            }
        }
    }
    for (name, text) in &all {
        assert!(!text.contains("POST&%2F&AccessKeyId"), "{name} holds a string to sign");
    }
    checked
}

fn leaky_cmd(home: &std::path::Path) -> Command {
    let mut cmd = smcplan(home);
    cmd.env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET_ODD).env("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN_ODD);
    cmd
}

#[test]
fn no_form_of_a_secret_reaches_a_file_or_the_terminal() {
    let message = leaky_message();
    let json = serde_json::json!({"RequestId": "R-1", "Code": "SignatureDoesNotMatch", "Message": message}).to_string();
    // A body of whitespace long enough to push a secret across any cut, then the secret.
    let html = format!("<html>{}{}</html>", " ".repeat(20_000), secret_forms(TOKEN_ODD).join(" "));
    // A success that echoes the token in its fields, and a redirect whose host holds it.
    let echo = serde_json::json!({"RequestId": TOKEN_ODD, "JobId": format!("j-{}", secret_forms(TOKEN_ODD)[1])});
    let b64 = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(TOKEN_ODD)
    };
    let replies: Vec<(u16, String, Option<String>)> = vec![
        (400, json, None),
        (502, html, None),
        (200, echo.to_string(), None),
        (302, String::new(), Some(format!("https://{b64}.evil.example/?t={}", secret_forms(TOKEN_ODD)[1]))),
    ];
    let mut checked = 0;
    for (status, body, location) in replies {
        let headers: Vec<(&'static str, String)> = location.into_iter().map(|l| ("location", l)).collect();
        let server = start(move |_| Reply::Json { status, headers: headers.clone(), body: body.clone() });
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        // submit: the journal, the report and failed.csv, and what it prints.
        let report = home.join("report");
        let out = leaky_cmd(home)
            .args(["submit", "samples/inventory.csv", "--report", report.to_str().unwrap()])
            .args(["--endpoint", &server.url(), "--rate", "1000", "--max-attempts", "1", "--quiet"])
            .output()
            .unwrap();
        let rows = smcplan::batch::report::read(&report).unwrap().rows;
        let want = match status {
            200 => "created",
            502 => "pending",
            _ => "failed",
        };
        let code = if status == 200 { 0 } else { 1 };
        assert_eq!(out.status.code(), Some(code), "{}", String::from_utf8_lossy(&out.stderr));
        // A signature error fails every row alike: the breaker leaves the rest unsent.
        let sent: Vec<_> = rows.iter().filter(|r| r.status != "skipped").collect();
        assert!(!sent.is_empty() && sent.iter().all(|r| r.status == want), "{rows:?}");
        if status != 200 {
            assert!(sent.iter().all(|r| !r.error_message.is_empty()), "each row says why: {rows:?}");
        }
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        checked += assert_no_secret("submit", &[&stdout, &stderr], Some(&report));
        // snapshot, validate --online and status: what they print, and status's report.
        for args in [
            vec!["snapshot", "--out", "s.json"],
            vec!["validate", concat!(env!("CARGO_MANIFEST_DIR"), "/samples/inventory.csv"), "--online"],
            vec!["status", report.to_str().unwrap()],
        ] {
            let mut cmd = leaky_cmd(home);
            let out = cmd.current_dir(home).args(&args).args(["--endpoint", &server.url(), "--max-attempts", "2"]);
            let out = out.output().unwrap();
            let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            checked += assert_no_secret(args[0], &[&stdout, &stderr], None);
        }
    }
    assert!(checked > 600, "{checked}");
}

#[test]
fn a_wrong_secret_with_v1_signatures_leaves_no_token_in_the_batch() {
    let token = "CAIS+emulator/token==";
    let mut config = smcplan::emulator::Config::local(smcplan::emulator::demo_account());
    config.keys.token = Some(token.to_string());
    let emulator = smcplan::emulator::Running::start(config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    let out = smcplan(dir.path())
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", smcplan::emulator::DEFAULT_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "not-the-secret")
        .env("ALIBABA_CLOUD_SECURITY_TOKEN", token)
        .args(["submit", "samples/inventory.csv", "--report", report.to_str().unwrap(), "--signature", "v1"])
        .args(["--endpoint", &emulator.url(), "--rate", "1000", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report_json = std::fs::read_to_string(report.join("report.json")).unwrap();
    assert!(report_json.contains("SignatureDoesNotMatch"), "{report_json}");
    assert!(report_json.contains("string to sign is: (omitted)"), "{report_json}");
    for entry in std::fs::read_dir(&report).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for form in secret_forms(token) {
            assert!(!text.contains(&form), "{form} in {text}");
        }
    }
}
