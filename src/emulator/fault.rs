//! What the emulator answers when a request fails: the API's error codes, statuses and body.

use serde_json::json;

/// An error answer, or a connection closed without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    Api {
        status: u16,
        code: String,
        message: String,
        retry_after_ms: Option<u64>,
    },
    /// Close the connection without a response.
    Close,
}

impl Fault {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Fault {
        Fault::Api { status, code: code.to_string(), message: message.into(), retry_after_ms: None }
    }

    /// `MissingParameter`, naming the parameter.
    pub fn missing(param: &str) -> Fault {
        Fault::new(
            400,
            "MissingParameter",
            format!("The input parameter \"{param}\" that is mandatory for processing this request is not supplied."),
        )
    }

    /// `InvalidParameter`, naming the parameter and why.
    pub fn invalid(param: &str, why: impl std::fmt::Display) -> Fault {
        Fault::new(400, "InvalidParameter", format!("The specified parameter \"{param}\" is not valid: {why}"))
    }

    /// The JSON error body the SDKs parse.
    pub fn body(code: &str, message: &str, request_id: &str, host: &str) -> String {
        json!({
            "RequestId": request_id,
            "HostId": host,
            "Code": code,
            "Message": message,
            "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}&product=Smc&requestId={request_id}"),
        })
        .to_string()
    }
}
