//! A loopback HTTP server for tests: records what clients send and answers as a handler says.
//! It verifies signatures with its own code, written from the reference, not with smcplan's signer.
#![allow(dead_code)]

pub mod batch;
pub mod browser;
pub mod emulated;

/// The emulator's own key, as credentials from the environment.
pub fn emulator_credentials() -> smcplan::api::credentials::Credentials {
    smcplan::api::credentials::Credentials {
        access_key_id: smcplan::emulator::DEFAULT_KEY_ID.into(),
        access_key_secret: smcplan::api::credentials::Secret::new(smcplan::emulator::DEFAULT_KEY_SECRET),
        security_token: None,
        source: "test".into(),
        expiration: None,
    }
}

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// The path, without the query.
    pub path: String,
    pub raw_query: String,
    pub query: Vec<(String, String)>,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    /// The API action, from either signature scheme.
    pub fn action(&self) -> String {
        self.header("x-acs-action").or(self.param("Action")).unwrap_or_default().to_string()
    }
}

/// What the server does with a request.
pub enum Reply {
    Json {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Close the connection without answering.
    Drop,
    /// Wait, then answer 200 `{}` (for timeouts).
    Sleep(Duration),
}

pub fn ok(body: serde_json::Value) -> Reply {
    Reply::Json { status: 200, headers: vec![], body: body.to_string() }
}

pub fn error(status: u16, code: &str) -> Reply {
    let body = serde_json::json!({"RequestId": "REQ-ERR", "HostId": "127.0.0.1", "Code": code, "Message": format!("{code} happened")});
    Reply::Json { status, headers: vec![], body: body.to_string() }
}

pub struct Server {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts a server on 127.0.0.1:0.
pub fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
    let handler = Arc::new(handler);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let seen2 = Arc::clone(&seen);
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            loop {
                tokio::select! {
                    _ = &mut stop_rx => break,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let (handler, seen) = (Arc::clone(&handler), Arc::clone(&seen2));
                        tokio::spawn(async move { serve(stream, handler, seen).await });
                    }
                }
            }
        });
    });
    Server { addr: addr_rx.recv().unwrap(), seen, stop: Some(stop_tx), thread: Some(thread) }
}

async fn serve(
    mut stream: tokio::net::TcpStream,
    handler: Arc<dyn Fn(&Seen) -> Reply + Send + Sync>,
    seen: Arc<Mutex<Vec<Seen>>>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let request_line: Vec<&str> = lines.next().unwrap_or_default().split(' ').collect();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize =
        headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    let target = request_line.get(1).copied().unwrap_or("/");
    let raw_query = target.split_once('?').map(|(_, q)| q.to_string()).unwrap_or_default();
    let request = Seen {
        method: request_line.first().copied().unwrap_or_default().to_string(),
        path: target.split('?').next().unwrap_or("/").to_string(),
        query: form_decode(&raw_query),
        raw_query,
        headers,
        body,
    };
    seen.lock().unwrap().push(request.clone());
    let reply = handler(&request);
    let (status, extra, body) = match reply {
        Reply::Drop => return,
        Reply::Sleep(d) => {
            tokio::time::sleep(d).await;
            (200, vec![], "{}".to_string())
        }
        Reply::Json { status, headers, body } => (status, headers, body),
    };
    let mut out = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json;charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (k, v) in extra {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&body);
    let _ = stream.write_all(out.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Form decoding: `+` is a space, `%XX` a byte.
pub fn form_decode(text: &str) -> Vec<(String, String)> {
    let unescape = |s: &str| {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len() => {
                    out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                    i += 2;
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8(out).unwrap()
    };
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (unescape(k), unescape(v))
        })
        .collect()
}

/// RFC 3986 encoding, as the reference describes it.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Recomputes an ACS3-HMAC-SHA256 signature from what was received; true if it matches.
pub fn verify_v3(req: &Seen, secret: &str) -> bool {
    let Some(auth) = req.header("authorization") else {
        return false;
    };
    let Some(rest) = auth.strip_prefix("ACS3-HMAC-SHA256 ") else {
        return false;
    };
    let fields: Vec<(&str, &str)> = rest.split(',').filter_map(|f| f.split_once('=')).collect();
    let get = |k: &str| fields.iter().find(|(n, _)| *n == k).map(|(_, v)| *v).unwrap_or_default();
    let signed: Vec<&str> = get("SignedHeaders").split(';').collect();
    let mut query: Vec<(String, String)> = req.query.iter().map(|(k, v)| (enc(k), enc(v))).collect();
    query.sort();
    let cq = query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let ch: String = signed.iter().map(|h| format!("{h}:{}\n", req.header(h).unwrap_or_default().trim())).collect();
    let payload = hex(&Sha256::digest(&req.body));
    if req.header("x-acs-content-sha256") != Some(payload.as_str()) {
        return false;
    }
    let canonical = format!("{}\n/\n{cq}\n{ch}\n{}\n{payload}", req.method, signed.join(";"));
    let to_sign = format!("ACS3-HMAC-SHA256\n{}", hex(&Sha256::digest(canonical.as_bytes())));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(to_sign.as_bytes());
    hex(&mac.finalize().into_bytes()) == get("Signature")
}

/// Recomputes an HMAC-SHA1 RPC signature over query and form body; true if it matches.
pub fn verify_v1(req: &Seen, secret: &str) -> bool {
    let mut params: Vec<(String, String)> = req.query.iter().filter(|(k, _)| k != "Signature").cloned().collect();
    params.extend(form_decode(&String::from_utf8_lossy(&req.body)));
    params.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let cq = params.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
    let to_sign = format!("{}&%2F&{}", req.method, enc(&cq));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).unwrap();
    mac.update(to_sign.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    req.param("Signature") == Some(sig.as_str())
}

/// The smcplan binary run from the project root with `home` as HOME, no profile, no
/// color, and the key pair `id` / `secret` in the environment.
pub fn smcplan_with_key(home: &std::path::Path, id: &str, secret: &str) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("smcplan").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env_remove("ALIBABA_CLOUD_PROFILE")
        .env_remove("ALIBABA_CLOUD_SECURITY_TOKEN")
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", id)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret);
    cmd
}
