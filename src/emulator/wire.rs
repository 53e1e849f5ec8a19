//! The wire protocol: an HTTP request's parameters (query, form body or both) and the JSON answers.

use crate::api::encode::form_decode;

/// A request as received, decoded for the checks.
#[derive(Debug, Clone)]
pub struct WireRequest {
    pub method: String,
    pub path: String,
    /// Query parameters, form-decoded (`+` is a space).
    pub query: Vec<(String, String)>,
    /// Query and form-body parameters together.
    pub params: Vec<(String, String)>,
    /// Header names in lower case, values as received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl WireRequest {
    /// Decodes the parts of an HTTP request; `None` if the query or the form body is not valid form encoding.
    pub fn new(
        method: &str,
        path_and_query: &str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Option<WireRequest> {
        let (path, raw_query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let query = form_decode(raw_query)?;
        let mut params = query.clone();
        let form = headers.iter().any(|(k, v)| {
            k == "content-type" && v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded")
        });
        if form && !body.is_empty() {
            params.extend(form_decode(std::str::from_utf8(&body).ok()?)?);
        }
        Some(WireRequest { method: method.to_string(), path: path.to_string(), query, params, headers, body })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Parameters of the protocol, not of the API: left out of business logic and idempotence.
pub const COMMON: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "SignatureType",
    "Timestamp",
    "SecurityToken",
    "OwnerId",
    "ResourceOwnerAccount",
    "ResourceOwnerId",
];

/// The API parameters of a request, in name order.
pub fn api_params(req: &WireRequest) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> =
        req.params.iter().filter(|(k, _)| !COMMON.contains(&k.as_str())).cloned().collect();
    params.sort();
    params
}
