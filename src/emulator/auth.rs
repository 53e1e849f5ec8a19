//! Request authentication, written from the reference independently of the client's signer:
//! both signature schemes, the clock-skew window, nonce replay and STS tokens.

use super::fault::Fault;
use super::wire::WireRequest;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use std::collections::{HashSet, VecDeque};

/// The one key pair (and optional STS token) the emulator accepts.
#[derive(Clone)]
pub struct KeyPair {
    pub id: String,
    pub secret: String,
    pub token: Option<String>,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair").field("id", &self.id).finish_non_exhaustive()
    }
}

/// How far a request's time may be from the server's.
const SKEW: SignedDuration = SignedDuration::from_secs(15 * 60);

/// Nonces seen within the skew window (older ones cannot come back: their time is refused).
#[derive(Default)]
pub struct Nonces {
    seen: HashSet<String>,
    order: VecDeque<(Timestamp, String)>,
}

impl Nonces {
    /// Records a nonce; false if it was used before.
    fn fresh(&mut self, nonce: &str, now: Timestamp) -> bool {
        while let Some((t, _)) = self.order.front() {
            if now.duration_since(*t) <= SKEW * 2 {
                break;
            }
            let (_, old) = self.order.pop_front().expect("front exists");
            self.seen.remove(&old);
        }
        if !self.seen.insert(nonce.to_string()) {
            return false;
        }
        self.order.push_back((now, nonce.to_string()));
        true
    }
}

/// What the signature says about the call.
pub struct Authenticated {
    pub action: String,
    pub version: String,
}

/// Checks a request's signature, time, nonce and token.
/// The keys a request may be signed with: the AccessKeyId's pair, and when it expires (a
/// temporary key the emulator issued).
pub type Keyring<'a> = &'a dyn Fn(&str) -> Option<(KeyPair, Option<Timestamp>)>;

pub fn authenticate(
    req: &WireRequest,
    keys: Keyring,
    nonces: &std::sync::Mutex<Nonces>,
    now: Timestamp,
) -> Result<Authenticated, Fault> {
    if let Some(auth) = req.header("authorization") {
        return v3(req, auth, keys, nonces, now);
    }
    if req.param("Signature").is_some() {
        return v1(req, keys, nonces, now);
    }
    Err(Fault::new(
        400,
        "IncompleteSignature",
        "The request signature does not conform to Aliyun standards: no Authorization header and no Signature parameter.",
    ))
}

fn check_time(text: Option<&str>, now: Timestamp) -> Result<(), Fault> {
    let text = text.ok_or_else(|| Fault::missing("Timestamp"))?;
    let t = crate::time::parse_time(text).ok_or_else(|| {
        Fault::new(
            400,
            "InvalidTimeStamp.Format",
            format!("Specified time stamp or date value is not well formatted: {text}"),
        )
    })?;
    if (now.duration_since(t)).abs() > SKEW {
        return Err(Fault::new(
            400,
            "InvalidTimeStamp.Expired",
            format!("Specified time stamp or date value is expired: {text}"),
        ));
    }
    Ok(())
}

fn check_nonce(nonce: Option<&str>, nonces: &std::sync::Mutex<Nonces>, now: Timestamp) -> Result<(), Fault> {
    let nonce = nonce.filter(|n| !n.is_empty()).ok_or_else(|| Fault::missing("SignatureNonce"))?;
    if !nonces.lock().expect("nonce lock").fresh(nonce, now) {
        return Err(Fault::new(
            400,
            "SignatureNonceUsed",
            format!("Specified signature nonce was used already: {nonce}"),
        ));
    }
    Ok(())
}

fn check_token(sent: Option<&str>, keys: &KeyPair) -> Result<(), Fault> {
    match (&keys.token, sent) {
        (None, _) => Ok(()),
        (Some(_), None) => Err(Fault::new(400, "MissingSecurityToken", "SecurityToken is mandatory for this action.")),
        (Some(want), Some(got)) if want == got => Ok(()),
        (Some(_), Some(_)) => Err(Fault::new(
            400,
            "InvalidSecurityToken.MismatchWithAccessKey",
            "Specified SecurityToken mismatch with the AccessKey.",
        )),
    }
}

/// A temporary key past its expiration is refused, as STS tokens are.
fn check_expiry(expires: Option<Timestamp>, now: Timestamp) -> Result<(), Fault> {
    match expires {
        Some(t) if now >= t => {
            Err(Fault::new(400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired."))
        }
        _ => Ok(()),
    }
}

fn unknown_key(id: &str) -> Fault {
    Fault::new(404, "InvalidAccessKeyId.NotFound", format!("Specified access key is not found: {id}"))
}

/// RFC 3986: unreserved bytes kept, the rest `%XX` in upper case.
fn rfc3986(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn v3(
    req: &WireRequest,
    auth: &str,
    keys: Keyring,
    nonces: &std::sync::Mutex<Nonces>,
    now: Timestamp,
) -> Result<Authenticated, Fault> {
    let incomplete =
        || Fault::new(400, "IncompleteSignature", "The Authorization header is not a valid ACS3-HMAC-SHA256 header.");
    let rest = auth.strip_prefix("ACS3-HMAC-SHA256 ").ok_or_else(incomplete)?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed_headers = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    let (credential, signed_headers, signature) =
        (credential.ok_or_else(incomplete)?, signed_headers.ok_or_else(incomplete)?, signature.ok_or_else(incomplete)?);
    let (keys, expires) = keys(credential).ok_or_else(|| unknown_key(credential))?;
    let keys = &keys;
    check_time(req.header("x-acs-date"), now)?;
    let payload = hex(&Sha256::digest(&req.body));
    if req.header("x-acs-content-sha256") != Some(payload.as_str()) {
        return Err(Fault::new(
            400,
            "SignatureDoesNotMatch",
            "x-acs-content-sha256 does not match the SHA-256 of the request body.",
        ));
    }
    let mut query: Vec<(String, String)> = req.query.iter().map(|(k, v)| (rfc3986(k), rfc3986(v))).collect();
    query.sort();
    let query = query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let mut canonical = format!("{}\n{}\n{query}\n", req.method, req.path);
    for name in signed_headers.split(';') {
        let values: Vec<&str> = req.headers.iter().filter(|(k, _)| k == name).map(|(_, v)| v.trim()).collect();
        let mut values = values;
        values.sort_unstable();
        canonical.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    canonical.push_str(&format!("\n{signed_headers}\n{payload}"));
    let to_sign = format!("ACS3-HMAC-SHA256\n{}", hex(&Sha256::digest(canonical.as_bytes())));
    let mut mac = Hmac::<Sha256>::new_from_slice(keys.secret.as_bytes()).expect("any key length");
    mac.update(to_sign.as_bytes());
    if hex(&mac.finalize().into_bytes()) != signature {
        return Err(Fault::new(
            400,
            "SignatureDoesNotMatch",
            format!("The request signature does not conform to Aliyun standards. server string to sign is:{to_sign}"),
        ));
    }
    check_nonce(req.header("x-acs-signature-nonce"), nonces, now)?;
    check_token(req.header("x-acs-security-token"), keys)?;
    check_expiry(expires, now)?;
    let action = req.header("x-acs-action").ok_or_else(|| Fault::missing("x-acs-action"))?.to_string();
    let version = req.header("x-acs-version").ok_or_else(|| Fault::missing("x-acs-version"))?.to_string();
    Ok(Authenticated { action, version })
}

fn v1(
    req: &WireRequest,
    keys: Keyring,
    nonces: &std::sync::Mutex<Nonces>,
    now: Timestamp,
) -> Result<Authenticated, Fault> {
    if req.param("SignatureMethod") != Some("HMAC-SHA1") {
        return Err(Fault::new(
            400,
            "InvalidSignatureMethod",
            "Specified signature method is not supported; use HMAC-SHA1.",
        ));
    }
    let id = req.param("AccessKeyId").ok_or_else(|| Fault::missing("AccessKeyId"))?;
    let (keys, expires) = keys(id).ok_or_else(|| unknown_key(id))?;
    let keys = &keys;
    check_time(req.param("Timestamp"), now)?;
    let mut signed: Vec<&(String, String)> = req.params.iter().filter(|(k, _)| k != "Signature").collect();
    signed.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let canonical = signed.iter().map(|(k, v)| format!("{}={}", rfc3986(k), rfc3986(v))).collect::<Vec<_>>().join("&");
    let to_sign = format!("{}&{}&{}", req.method, rfc3986("/"), rfc3986(&canonical));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{}&", keys.secret).as_bytes()).expect("any key length");
    mac.update(to_sign.as_bytes());
    let want = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    if req.param("Signature") != Some(want.as_str()) {
        let message =
            format!("Specified signature is not matched with our calculation. server string to sign is:{to_sign}");
        return Err(Fault::new(400, "SignatureDoesNotMatch", message));
    }
    check_nonce(req.param("SignatureNonce"), nonces, now)?;
    check_token(req.param("SecurityToken"), keys)?;
    check_expiry(expires, now)?;
    let action = req.param("Action").ok_or_else(|| Fault::missing("Action"))?.to_string();
    let version = req.param("Version").ok_or_else(|| Fault::missing("Version"))?.to_string();
    Ok(Authenticated { action, version })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
