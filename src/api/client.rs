//! Transport: one pooled HTTPS client, the endpoints, and a freshly signed request for every attempt.

use super::credentials::{Credentials, Keys};
use super::encode::{flatten, query_string};
pub use super::endpoint::{EndpointError, ProxyRule, parse_endpoint};
use super::error::{ApiError, TransportKind, parse_retry_after};
use super::sign::{V3Request, sha256_hex, sign_v1, sign_v3};
use reqwest::Url;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

pub use super::config::{ClientConfig, DEFAULT_READ_RATE, Reached, SignatureVersion};

/// The SMC API version.
pub const SMC_VERSION: &str = "2019-06-01";
/// The VPC API version (DescribeVSwitches).
pub const VPC_VERSION: &str = "2016-04-28";
/// The central SMC endpoint, for every region.
pub const SMC_ENDPOINT: &str = "https://smc.aliyuncs.com";
/// Regions served by the central VPC endpoint; the others have `vpc.<region>.aliyuncs.com`.
const CENTRAL_VPC_REGIONS: &[&str] = &[
    "cn-hangzhou",
    "cn-beijing",
    "cn-shanghai",
    "cn-shenzhen",
    "cn-qingdao",
    "cn-hongkong",
    "ap-southeast-1",
    "us-west-1",
    "us-east-1",
];

/// Which API a call belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Api {
    Smc,
    /// The VPC API, whose endpoint depends on the region.
    Vpc {
        region: String,
    },
}

/// The default VPC endpoint of a region.
pub fn vpc_endpoint_for(region: &str) -> String {
    if CENTRAL_VPC_REGIONS.contains(&region) {
        "https://vpc.aliyuncs.com".to_string()
    } else {
        format!("https://vpc.{region}.aliyuncs.com")
    }
}

/// A signed-request client. Its `Debug` shows no secret.
pub struct Client {
    http: reqwest::Client,
    keys: Arc<Keys>,
    smc: Url,
    vpc: Option<Url>,
    signature: SignatureVersion,
    read_attempts: u32,
    /// Paces every attempt of a read, retries included.
    reads: governor::DefaultDirectRateLimiter,
    reached: Reached,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("smc", &self.smc.as_str())
            .field("vpc", &self.vpc.as_ref().map(Url::as_str))
            .field("signature", &self.signature)
            .field("keys", &self.keys)
            .finish()
    }
}

/// The User-Agent of every request.
pub fn user_agent() -> String {
    format!("smcplan/{}", env!("CARGO_PKG_VERSION"))
}

impl Client {
    /// Builds the client; endpoints are checked here, before anything is sent.
    /// A client signing with long-lived `credentials`.
    pub fn new(config: &ClientConfig, credentials: Credentials) -> Result<Client, EndpointError> {
        Client::with_keys(config, Arc::new(Keys::fixed(credentials)))
    }

    /// A client signing with `keys`, refreshed as they come due.
    pub fn with_keys(config: &ClientConfig, keys: Arc<Keys>) -> Result<Client, EndpointError> {
        let smc = parse_endpoint(config.endpoint.as_deref().unwrap_or(SMC_ENDPOINT))?;
        let vpc = match (&config.vpc_endpoint, &config.endpoint) {
            (Some(v), _) | (None, Some(v)) => Some(parse_endpoint(v)?),
            (None, None) => None,
        };
        // No redirect is followed (an SMC endpoint does not redirect, and a redirect could send
        // a signed request elsewhere), and no proxy but the one the rule allows is used.
        let rule = config.proxy.clone();
        let proxy = reqwest::Proxy::custom(move |url| rule.proxy_for(url).cloned());
        let mut builder = reqwest::Client::builder();
        for url in std::iter::once(&smc).chain(vpc.as_ref()) {
            if let Some((host, addrs)) = super::endpoint::pinned_loopback(url)? {
                builder = builder.resolve_to_addrs(&host, &addrs);
            }
        }
        let http = builder
            .user_agent(user_agent())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .proxy(proxy)
            .build()
            .expect("a client with rustls and static settings builds");
        let read_attempts = config.read_attempts.max(1);
        // governor counts whole cells a period: the rate per minute keeps fractional rates.
        let per_minute =
            std::num::NonZeroU32::new((config.read_rate * 60.0).round().clamp(1.0, 6e6) as u32).expect("at least one");
        let quota = governor::Quota::per_minute(per_minute).allow_burst(std::num::NonZeroU32::new(1).expect("one"));
        let reads = governor::RateLimiter::direct(quota);
        let reached = Reached {
            endpoint: config.endpoint.clone(),
            vpc_endpoint: config.vpc_endpoint.clone(),
            profile: config.profile.clone(),
            signature: config.signature,
        };
        Ok(Client { http, keys, smc, vpc, signature: config.signature, read_attempts, reads, reached })
    }

    /// How this client reaches the API, as a run record keeps it.
    pub fn reached(&self) -> &Reached {
        &self.reached
    }

    /// The AccessKeyId requests are signed with (never the secret): what a run record names.
    pub fn access_key_id(&self) -> String {
        self.keys.access_key_id()
    }

    /// The credentials it signs with: their source, and how often they were fetched.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// `text` with every form of this client's secrets masked (for what typed calls make of an answer).
    pub fn redact(&self, text: &str) -> String {
        self.keys.redactor().redact(text)
    }

    /// The endpoint a call goes to.
    pub fn endpoint(&self, api: &Api) -> Url {
        match api {
            Api::Smc => self.smc.clone(),
            Api::Vpc { region } => self.vpc.clone().unwrap_or_else(|| {
                parse_endpoint(&vpc_endpoint_for(region)).expect("built-in VPC endpoints are https URLs")
            }),
        }
    }

    /// Calls `action` with a typed request (flattened as the SDKs do) and returns the JSON response.
    pub async fn call<T: serde::Serialize>(&self, api: &Api, action: &str, request: &T) -> Result<Value, ApiError> {
        let value = serde_json::to_value(request).expect("requests serialise");
        self.call_params(api, action, &flatten(&value)).await
    }

    /// A read (a Describe call) with the retry policy of every call: retryable failures are
    /// tried again after a backoff, up to the configured attempts.
    pub async fn read_params(&self, api: &Api, action: &str, params: &[(String, String)]) -> Result<Value, ApiError> {
        let mut attempt = 1;
        loop {
            self.reads.until_ready().await;
            match self.call_params(api, action, params).await {
                Err(e) if e.is_retryable() && attempt < self.read_attempts => {
                    attempt += 1;
                    let mut r = [0u8; 8];
                    let fraction = match getrandom::fill(&mut r) {
                        Ok(()) => (u64::from_le_bytes(r) >> 11) as f64 / (1u64 << 53) as f64,
                        Err(_) => 0.5,
                    };
                    tokio::time::sleep(super::error::backoff(attempt, e.retry_after(), fraction)).await;
                }
                other => return other,
            }
        }
    }

    /// Calls `action` with flat parameters. Each call is signed anew (nonce and time). No
    /// secret survives in an error: it is stored and printed as it is returned.
    pub async fn call_params(&self, api: &Api, action: &str, params: &[(String, String)]) -> Result<Value, ApiError> {
        self.send(api, action, params).await.map_err(|e| e.redacted(&self.keys.redactor()))
    }

    async fn send(&self, api: &Api, action: &str, params: &[(String, String)]) -> Result<Value, ApiError> {
        let version = match api {
            Api::Smc => SMC_VERSION,
            Api::Vpc { .. } => VPC_VERSION,
        };
        let url = self.endpoint(api);
        // Fresh credentials for every attempt: a refresh never goes unseen by a retry.
        let keys = self
            .keys
            .current()
            .await
            .map_err(|e| ApiError::Credentials { action: action.to_string(), detail: e.to_string() })?;
        let request = match self.signature {
            SignatureVersion::V3 => self.build_v3(&keys, url, action, version, params),
            SignatureVersion::V1 => self.build_v1(&keys, url, action, version, params),
        };
        let response = request.send().await.map_err(|e| transport(action, e))?;
        let status = response.status().as_u16();
        let retry_after =
            response.headers().get("x-acs-retry-after").and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
        if (300..400).contains(&status) {
            let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default();
            return Err(ApiError::Redirect { action: action.to_string(), status, to: redirect_host(location) });
        }
        let mut body = response.bytes().await.map_err(|e| transport(action, e))?.to_vec();
        // An answer that echoes a secret (a buggy or hostile server) is masked before anything
        // of it can reach the journal, the report or a snapshot.
        let redactor = self.keys.redactor();
        if let Ok(text) = std::str::from_utf8(&body)
            && redactor.finds(text)
        {
            body = redactor.mask(text).into_bytes();
        }
        if !(200..300).contains(&status) {
            return Err(ApiError::from_response(action, status, &body, retry_after));
        }
        serde_json::from_slice(&body).map_err(|e| ApiError::Decode {
            action: action.to_string(),
            status,
            detail: e.to_string(),
        })
    }

    fn build_v3(
        &self,
        credentials: &Credentials,
        mut url: Url,
        action: &str,
        version: &str,
        params: &[(String, String)],
    ) -> reqwest::RequestBuilder {
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        let mut headers: Vec<(String, String)> = vec![
            ("host".into(), host),
            ("x-acs-action".into(), action.into()),
            ("x-acs-version".into(), version.into()),
            ("x-acs-date".into(), timestamp()),
            ("x-acs-signature-nonce".into(), nonce()),
            ("x-acs-content-sha256".into(), sha256_hex(b"")),
            ("accept".into(), "application/json".into()),
        ];
        if let Some(token) = &credentials.security_token {
            headers.push(("x-acs-security-token".into(), token.expose().to_string()));
        }
        let signed = sign_v3(
            &V3Request { method: "POST", path: "/", query: params, headers: &headers, body: b"" },
            &credentials.access_key_id,
            credentials.access_key_secret.expose(),
        );
        url.set_path("/");
        url.set_query((!params.is_empty()).then(|| query_string(params)).as_deref());
        let mut builder = self.http.post(url);
        for (name, value) in headers.iter().filter(|(n, _)| n != "host") {
            builder = builder.header(name, value);
        }
        builder.header("authorization", signed.authorization)
    }

    fn build_v1(
        &self,
        credentials: &Credentials,
        mut url: Url,
        action: &str,
        version: &str,
        params: &[(String, String)],
    ) -> reqwest::RequestBuilder {
        let mut all: Vec<(String, String)> = vec![
            ("Action".into(), action.into()),
            ("Version".into(), version.into()),
            ("Format".into(), "JSON".into()),
            ("AccessKeyId".into(), credentials.access_key_id.clone()),
            ("SignatureMethod".into(), "HMAC-SHA1".into()),
            ("SignatureVersion".into(), "1.0".into()),
            ("SignatureNonce".into(), nonce()),
            ("Timestamp".into(), timestamp()),
        ];
        if let Some(token) = &credentials.security_token {
            all.push(("SecurityToken".into(), token.expose().to_string()));
        }
        all.extend(params.iter().cloned());
        let signed = sign_v1("POST", &all, credentials.access_key_secret.expose());
        all.push(("Signature".into(), signed.signature));
        url.set_path("/");
        url.set_query(Some(&query_string(&all)));
        self.http.post(url).header("accept", "application/json")
    }
}

/// The host a redirect points to (never its path or query, which may carry a token).
fn redirect_host(location: &str) -> String {
    match Url::parse(location) {
        Ok(url) => url.host_str().map_or("no host".to_string(), str::to_string),
        Err(_) if location.is_empty() => "nowhere (no Location)".to_string(),
        Err(_) => "a path on the same host".to_string(),
    }
}

/// Classifies a transport failure; the URL (which may carry a token) is left out.
fn transport(action: &str, e: reqwest::Error) -> ApiError {
    let kind = if e.is_timeout() {
        TransportKind::Timeout
    } else if e.is_connect() {
        TransportKind::Connect
    } else if e.is_builder() {
        TransportKind::Other
    } else {
        TransportKind::Reset
    };
    let e = e.without_url();
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        detail.push_str(&format!(": {s}"));
        source = s.source();
    }
    ApiError::Transport { action: action.to_string(), kind, detail }
}

/// `yyyy-MM-ddTHH:mm:ssZ`, now.
fn timestamp() -> String {
    crate::time::format_time(jiff::Timestamp::now())
}

/// 32 random hex digits.
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS has a random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vpc_endpoints_by_region() {
        assert_eq!(vpc_endpoint_for("cn-hangzhou"), "https://vpc.aliyuncs.com");
        assert_eq!(vpc_endpoint_for("eu-central-1"), "https://vpc.eu-central-1.aliyuncs.com");
    }

    #[test]
    fn nonces_and_timestamps() {
        assert_ne!(nonce(), nonce());
        assert_eq!(nonce().len(), 32);
        assert!(crate::time::parse_time(&timestamp()).is_some());
    }
}
