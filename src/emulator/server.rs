//! Serving: connections and their timeouts, then for each request the Host check,
//! authentication, routing, flow control, fault injection, the action and the answer.

use super::Shared;
use super::auth::authenticate;
use super::describe;
use super::fault::Fault;
use super::flow::FaultKind;
use super::sts::STS_VERSION;
use super::wire::{self, WireRequest};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How long the listener rests after a failed accept.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

pub(super) async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
    let saver = Arc::clone(&shared);
    let saving = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let _ = saver.save();
        }
    });
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    // Out of file descriptors (or another failure of the listener): the error
                    // would come back at once, so wait before the next try instead of spinning.
                    Err(e) => {
                        eprintln!("warning: accepting a connection failed ({e}); trying again in {} ms", ACCEPT_PAUSE.as_millis());
                        tokio::select! {
                            _ = &mut stopped => break,
                            () = tokio::time::sleep(ACCEPT_PAUSE) => continue,
                        }
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let idle = shared.idle_timeout;
                    let service = hyper::service::service_fn(move |req| handle(Arc::clone(&shared), req));
                    let io = hyper_util::rt::TokioIo::new(stream);
                    // A client that sends nothing, or only part of a request's head, for `idle`
                    // loses its connection (also between requests on a kept-alive one).
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(idle)
                        .serve_connection(io, service)
                        .await;
                });
            }
        }
    }
    saving.abort();
}

/// Closing the connection without an answer: hyper drops it when the service fails.
#[derive(Debug)]
struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed by fault injection")
    }
}

impl std::error::Error for Closed {}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Closed> {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let latency = Duration::from_millis(shared.latency_ms.load(std::sync::atomic::Ordering::Relaxed));
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let method = req.method().as_str().to_string();
    let target = req.uri().path_and_query().map_or("/".to_string(), |p| p.as_str().to_string());
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let body = match tokio::time::timeout(shared.idle_timeout, Limited::new(req.into_body(), 1 << 20).collect()).await {
        Ok(Ok(b)) => b.to_bytes().to_vec(),
        Ok(Err(_)) => {
            return Ok(answer(&shared, Err(Fault::invalid("body", "larger than 1 MiB or unreadable"))));
        }
        // Half a body and then silence: the connection goes.
        Err(_) => return Err(Closed),
    };
    let outcome = match WireRequest::new(&method, &target, headers, body) {
        // The ECS metadata service answers plain text, unsigned, on its own paths.
        Some(wire) if wire.path.starts_with("/latest/") => {
            let (status, text) = shared.sts.metadata(&wire);
            let response = Response::builder().status(status).header("content-type", "text/plain");
            return Ok(response.body(Full::new(Bytes::from(text))).expect("a valid response"));
        }
        Some(wire) => process(&shared, &wire),
        None => Err(Fault::invalid("query", "not valid form encoding")),
    };
    match outcome {
        Err(Fault::Close) => Err(Closed),
        Ok((_, true)) => Err(Closed),
        other => Ok(answer(&shared, other.map(|(v, _)| v))),
    }
}

/// Authentication, routing, flow control, faults and the action. `Ok((body, close))`.
fn process(shared: &Shared, wire: &WireRequest) -> Result<(Value, bool), Fault> {
    if wire.method != "GET" && wire.method != "POST" {
        return Err(Fault::new(400, "UnsupportedHTTPMethod", format!("{} is not supported.", wire.method)));
    }
    if wire.path != "/" {
        return Err(Fault::new(
            404,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        ));
    }
    check_host(wire.header("host"), shared.addr)?;
    // AssumeRoleWithOIDC is not signed: the OIDC token is the proof.
    if wire.param("Action") == Some("AssumeRoleWithOIDC") && wire.param("Version") == Some(STS_VERSION) {
        return shared.sts.assume_role_with_oidc(&wire.params).map(|v| (v, false));
    }
    let main = &shared.keys;
    let keyring = |id: &str| match id == main.id {
        true => Some((main.clone(), None)),
        false => shared.sts.key(id).map(|(k, t)| (k, Some(t))),
    };
    let auth = authenticate(wire, &keyring, &shared.nonces, jiff::Timestamp::now())?;
    if auth.action == "AssumeRole" && auth.version == STS_VERSION {
        return shared.sts.assume_role(&wire.params).map(|v| (v, false));
    }
    let version = match auth.action.as_str() {
        "CreateReplicationJob"
        | "DescribeSourceServers"
        | "DescribeReplicationJobs"
        | "StartReplicationJob"
        | "StopReplicationJob"
        | "CutOverReplicationJob"
        | "DeleteReplicationJob"
        | "ModifyReplicationJobAttribute" => crate::api::client::SMC_VERSION,
        "DescribeVSwitches" => crate::api::client::VPC_VERSION,
        _ => {
            return Err(Fault::new(
                404,
                "InvalidAction.NotFound",
                "Specified api is not found, please check your url and method.",
            ));
        }
    };
    if !auth.action.starts_with("Describe") {
        shared.changes.fetch_add(1, Ordering::Relaxed);
    }
    if auth.version != version {
        return Err(Fault::new(
            400,
            "InvalidVersion",
            format!("Specified parameter Version is not valid: {}", auth.version),
        ));
    }
    if let Some(bucket) = &shared.bucket
        && let Err(wait) = bucket.lock().expect("bucket lock").take()
    {
        let ms = wait.as_millis().max(1) as u64;
        let message = "Request was denied due to user flow control.";
        return Err(Fault::Api {
            status: 400,
            code: "Throttling.User".into(),
            message: message.into(),
            retry_after_ms: Some(ms),
        });
    }
    let close_after = match shared.dice.lock().expect("dice lock").roll() {
        None => false,
        Some(FaultKind::InternalError) => {
            return Err(Fault::new(
                500,
                "InternalError",
                "The request processing has failed due to some unknown error.",
            ));
        }
        Some(FaultKind::ServiceUnavailable) => {
            return Err(Fault::new(
                503,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
            ));
        }
        Some(FaultKind::Throttling) => {
            return Err(Fault::Api {
                status: 400,
                code: "Throttling".into(),
                message: "Request was denied due to request throttling.".into(),
                retry_after_ms: Some(100),
            });
        }
        Some(FaultKind::CloseBefore) => return Err(Fault::Close),
        Some(FaultKind::CloseAfter) => true,
    };
    // A RAM user without the permission for this action.
    if shared.deny.contains(&auth.action) {
        let message =
            format!("User not authorized to operate on the specified resource: {} is not allowed by RAM.", auth.action);
        return Err(Fault::new(403, "Forbidden.RAM", message));
    }
    let params = wire::api_params(wire);
    let mut world = shared.world.lock().expect("world lock");
    // A new block of JobId numbers is saved before its first id is issued: a restart from the
    // state file, however abrupt the stop, never issues one of them again.
    if auth.action == "CreateReplicationJob"
        && let Some(path) = &shared.state_out
        && world.ids().needs_reservation()
    {
        world.ids().reserve();
        let state = world.state();
        if let Err(e) = crate::account::write(path, &state) {
            // Not covered: the next create tries to save the block again.
            world.ids().persist();
            return Err(Fault::new(500, "InternalError", format!("the emulator could not save its state: {e}")));
        }
    }
    let body = match auth.action.as_str() {
        "CreateReplicationJob" => world.create(&params).map(|id| json!({ "JobId": id }))?,
        "StartReplicationJob" => world.start(&params).map(|()| json!({}))?,
        "StopReplicationJob" => world.stop(&params).map(|()| json!({}))?,
        "CutOverReplicationJob" => world.cut_over(&params).map(|()| json!({}))?,
        "DeleteReplicationJob" => world.delete(&params).map(|()| json!({}))?,
        "ModifyReplicationJobAttribute" => world.modify(&params).map(|()| json!({}))?,
        "DescribeSourceServers" => describe::source_servers(&mut world, &params)?,
        "DescribeReplicationJobs" => describe::replication_jobs(&mut world, &params)?,
        _ => describe::vswitches(&world, &params)?,
    };
    if !auth.action.starts_with("Describe") {
        shared.dirty.store(true, Ordering::Release);
    }
    Ok((body, close_after))
}

/// The Host header names the address served: its port, and its IP (or, on loopback,
/// `localhost`; on an unspecified address, any host). A request for another host is not
/// this endpoint's, whatever its signature says (v1 signatures do not cover the host).
fn check_host(host: Option<&str>, served: SocketAddr) -> Result<(), Fault> {
    let wrong = |shown: &str| {
        Fault::new(
            404,
            "InvalidAction.NotFound",
            format!(
                "Specified api is not found, please check your url and method. The Host '{shown}' is not this endpoint ({served})."
            ),
        )
    };
    let Some(host) = host else { return Err(wrong("")) };
    // A Host header is a host and a port, nothing a URL parser would quietly drop.
    if host.is_empty() || host.contains(['@', '#', '/', '?', '\\', '%']) || host.contains(char::is_whitespace) {
        return Err(wrong(host));
    }
    let Ok(url) = url::Url::parse(&format!("http://{host}/")) else { return Err(wrong(host)) };
    if url.port_or_known_default() != Some(served.port()) || url.path() != "/" || url.query().is_some() {
        return Err(wrong(host));
    }
    let ip = served.ip();
    let same = match url.host() {
        _ if ip.is_unspecified() => true,
        Some(url::Host::Ipv4(v4)) => std::net::IpAddr::V4(v4) == ip,
        Some(url::Host::Ipv6(v6)) => std::net::IpAddr::V6(v6) == ip,
        Some(url::Host::Domain(d)) => ip.is_loopback() && d.trim_end_matches('.').eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if same { Ok(()) } else { Err(wrong(host)) }
}

fn answer(shared: &Shared, outcome: Result<Value, Fault>) -> Response<Full<Bytes>> {
    let request_id = shared.world.lock().expect("world lock").request_id();
    let (status, body, retry) = match outcome {
        Ok(mut v) => {
            v["RequestId"] = json!(request_id);
            (200, v.to_string(), None)
        }
        Err(Fault::Api { status, code, message, retry_after_ms }) => {
            (status, Fault::body(&code, &message, &request_id, &shared.host), retry_after_ms)
        }
        Err(Fault::Close) => (500, Fault::body("InternalError", "closed", &request_id, &shared.host), None),
    };
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "application/json;charset=utf-8")
        .header("x-acs-request-id", request_id);
    if let Some(ms) = retry {
        response = response.header("x-acs-retry-after", ms.to_string());
    }
    response.body(Full::new(Bytes::from(body))).expect("a valid response")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_must_name_the_address_served() {
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        for ok in ["127.0.0.1:8080", "localhost:8080", "LOCALHOST:8080", "localhost.:8080"] {
            assert!(check_host(Some(ok), local).is_ok(), "{ok}");
        }
        for bad in [
            "127.0.0.1:8081",
            "127.0.0.2:8080",
            "smc.aliyuncs.com",
            "evil.example:8080",
            "127.0.0.1",
            "",
            "x@127.0.0.1:8080",
            "127.0.0.1:8080#f",
            "127.0.0.1:8080/x",
            "127.0.0.1:8080?q",
            "127.0.0.1:8080\\",
            "127.0.0.1 :8080",
            "%3127.0.0.1:8080",
        ] {
            assert!(check_host(Some(bad), local).is_err(), "{bad}");
        }
        assert!(check_host(None, local).is_err());
        let any: SocketAddr = "0.0.0.0:80".parse().unwrap();
        assert!(check_host(Some("emulator.test"), any).is_ok());
        assert!(check_host(Some("emulator.test:81"), any).is_err());
        let v6: SocketAddr = "[::1]:9".parse().unwrap();
        assert!(check_host(Some("[::1]:9"), v6).is_ok() && check_host(Some("127.0.0.1:9"), v6).is_err());
    }
}
