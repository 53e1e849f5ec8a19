//! API failures: the service's error body, transport failures, and which of them a retry can fix.

use std::time::Duration;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The service answered with an error status and (usually) a JSON error body.
    #[error("{action}: {code} (HTTP {status}): {message}{}", request_id.as_deref().map(|r| format!(" [RequestId {r}]")).unwrap_or_default())]
    Service {
        action: String,
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
        retry_after: Option<Duration>,
    },
    /// No usable answer: the connection failed, timed out or was cut.
    #[error("{action}: {kind} ({detail})")]
    Transport { action: String, kind: TransportKind, detail: String },
    /// The endpoint answered with a redirect, which smcplan never follows.
    #[error(
        "{action}: the endpoint answered HTTP {status}, a redirect to {to}; an SMC endpoint does not redirect, so smcplan does not follow it (check --endpoint)"
    )]
    Redirect { action: String, status: u16, to: String },
    /// No credentials to sign with: temporary ones expired and could not be refreshed.
    #[error("{action}: not sent: {detail}")]
    Credentials { action: String, detail: String },
    /// A success status with a body that is not what the API returns.
    #[error("{action}: unexpected response (HTTP {status}): {detail}")]
    Decode { action: String, status: u16, detail: String },
}

/// How a request failed to get an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Connect,
    Timeout,
    /// The connection closed or reset before a whole response arrived.
    Reset,
    Other,
}

impl std::fmt::Display for TransportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "cannot connect",
            TransportKind::Timeout => "timed out",
            TransportKind::Reset => "connection closed before the response",
            TransportKind::Other => "request failed",
        })
    }
}

/// The most of a non-JSON error body that is kept before secrets are masked.
const MAX_SNIPPET: usize = 16 << 10;

/// The most of a server's message that is stored and printed, once secrets are masked.
const MAX_MESSAGE_CHARS: usize = 300;

/// A server's text as one line of at most [`MAX_MESSAGE_CHARS`] characters.
fn one_short_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((at, _)) => format!("{}...", &joined[..at]),
        None => joined,
    }
}

/// Error codes that a later attempt may not get.
const RETRYABLE_CODES: &[&str] = &["ServiceUnavailable", "InternalError", "UnknownError"];

impl ApiError {
    /// Builds the error for an error status from its body, which should be the API's JSON error.
    pub fn from_response(action: &str, status: u16, body: &[u8], retry_after: Option<Duration>) -> ApiError {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let field = |a: &str, b: &str| v.get(a).or_else(|| v.get(b)).and_then(|x| x.as_str()).map(str::to_string);
        // Cut short only once secrets are masked (see `redacted`): a cut form is a partial leak.
        let snippet = || String::from_utf8_lossy(&body[..body.len().min(MAX_SNIPPET)]).trim().to_string();
        ApiError::Service {
            action: action.to_string(),
            status,
            code: field("Code", "code").unwrap_or_else(|| format!("HTTP{status}")),
            message: field("Message", "message").unwrap_or_else(snippet),
            request_id: field("RequestId", "requestId"),
            retry_after,
        }
    }

    /// The same error with every secret form masked in what the server or the transport said.
    pub fn redacted(self, r: &super::redact::Redactor) -> ApiError {
        match self {
            ApiError::Service { action, status, code, message, request_id, retry_after } => ApiError::Service {
                action,
                status,
                code: one_short_line(&r.redact(&code)),
                message: one_short_line(&r.redact(&message)),
                request_id: request_id.map(|id| r.redact(&id)),
                retry_after,
            },
            ApiError::Transport { action, kind, detail } => {
                ApiError::Transport { action, kind, detail: one_short_line(&r.redact(&detail)) }
            }
            ApiError::Decode { action, status, detail } => {
                ApiError::Decode { action, status, detail: one_short_line(&r.redact(&detail)) }
            }
            ApiError::Redirect { action, status, to } => {
                let to = if r.finds_ignoring_case(&to) { "a host that holds a secret".to_string() } else { to };
                ApiError::Redirect { action, status, to }
            }
            ApiError::Credentials { action, detail } => {
                ApiError::Credentials { action, detail: one_short_line(&r.redact(&detail)) }
            }
        }
    }

    /// The API's error code, if the service sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Service { code, .. } => Some(code),
            ApiError::Credentials { .. } => Some("Credentials.Expired"),
            _ => None,
        }
    }

    /// The request id of the failed call, if the service sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Service { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// Flow control (`Throttling`, `Throttling.User`, `Throttling.Api`, ...).
    pub fn is_throttling(&self) -> bool {
        self.code().is_some_and(|c| c == "Throttling" || c.starts_with("Throttling."))
    }

    /// Whether the same request (same ClientToken, new signature) may succeed later.
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiError::Service { status, code, .. } => {
                self.is_throttling() || RETRYABLE_CODES.contains(&code.as_str()) || *status >= 500
            }
            ApiError::Transport { kind, .. } => *kind != TransportKind::Other,
            ApiError::Decode { status, .. } => *status >= 500,
            ApiError::Redirect { .. } | ApiError::Credentials { .. } => false,
        }
    }

    /// Whether the request may have been carried out although no answer came back:
    /// a create must then be looked up or retried with the same ClientToken.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            ApiError::Transport { kind, .. } => *kind != TransportKind::Connect,
            ApiError::Service { status, .. } | ApiError::Decode { status, .. } => *status >= 500,
            // Never sent.
            ApiError::Redirect { .. } | ApiError::Credentials { .. } => false,
        }
    }

    /// The server's `x-acs-retry-after` hint.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::Service { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// How long to wait before attempt `attempt` (2 for the first retry): exponential from
/// 200 ms, capped at 10 s, with full jitter (`fraction` in 0..1), never sooner than the
/// server's hint. The one retry policy of every call smcplan retries.
pub fn backoff(attempt: u32, hint: Option<Duration>, fraction: f64) -> Duration {
    let cap =
        Duration::from_millis(200).saturating_mul(1 << (attempt.saturating_sub(2)).min(6)).min(Duration::from_secs(10));
    cap.mul_f64(fraction.clamp(0.0, 1.0)).max(hint.unwrap_or(Duration::ZERO))
}

/// Parses `x-acs-retry-after`: a positive number of milliseconds (as the SDKs read it), capped at 120 s.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let ms: u64 = value.trim().parse().ok().filter(|&ms| ms > 0)?;
    Some(Duration::from_millis(ms.min(120_000)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(status: u16, code: &str) -> ApiError {
        let body = format!(r#"{{"RequestId":"R-1","HostId":"smc.aliyuncs.com","Code":"{code}","Message":"m"}}"#);
        ApiError::from_response("CreateReplicationJob", status, body.as_bytes(), None)
    }

    #[test]
    fn classification_follows_error_codes_json() {
        let table: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/error-codes.json")).unwrap();
        let codes = table["codes"].as_array().unwrap();
        assert!(codes.len() > 20);
        for c in codes {
            let code = c["code"].as_str().unwrap();
            let status = c["http_status"].as_u64().unwrap_or(400) as u16;
            let retry = c["retryable"].as_bool().unwrap_or(false);
            assert_eq!(service(status, code).is_retryable(), retry, "{code} ({status})");
        }
    }

    #[test]
    fn error_body_fields_and_display() {
        let e = service(400, "ReplicationJobName.Duplicate");
        assert_eq!(e.code(), Some("ReplicationJobName.Duplicate"));
        assert_eq!(e.request_id(), Some("R-1"));
        assert_eq!(e.to_string(), "CreateReplicationJob: ReplicationJobName.Duplicate (HTTP 400): m [RequestId R-1]");
        let odd = ApiError::from_response("X", 502, b"<html>bad gateway</html>", None);
        assert_eq!(odd.code(), Some("HTTP502"));
        assert!(odd.is_retryable());
        let lower = ApiError::from_response(
            "X",
            400,
            br#"{"code":"Throttling.User","message":"slow down","requestId":"r"}"#,
            None,
        );
        assert!(lower.is_throttling() && lower.is_retryable());
        assert_eq!(lower.request_id(), Some("r"));
    }

    #[test]
    fn secrets_are_masked_before_a_message_is_cut_and_made_one_line() {
        let token = "CAIS+a/very/long/token/".repeat(20);
        let body = format!("<html>\n{}\n{token}</html>", "x ".repeat(140));
        let e = ApiError::from_response("X", 502, body.as_bytes(), None);
        let shown = e.redacted(&super::super::redact::Redactor::of(&[&token])).to_string();
        assert!(!shown.contains("CAIS") && !shown.contains('\n'), "{shown}");
        assert!(shown.len() < 400, "{shown}");
    }

    #[test]
    fn transport_failures() {
        let t = |kind| ApiError::Transport { action: "A".into(), kind, detail: "d".into() };
        assert!(t(TransportKind::Timeout).is_retryable() && t(TransportKind::Timeout).outcome_unknown());
        assert!(t(TransportKind::Reset).is_retryable() && t(TransportKind::Reset).outcome_unknown());
        assert!(t(TransportKind::Connect).is_retryable() && !t(TransportKind::Connect).outcome_unknown());
        assert!(!t(TransportKind::Other).is_retryable());
    }

    #[test]
    fn retry_after_is_milliseconds_capped() {
        assert_eq!(parse_retry_after("1500"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("999999"), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("0"), None);
        assert_eq!(parse_retry_after("soon"), None);
    }
}
