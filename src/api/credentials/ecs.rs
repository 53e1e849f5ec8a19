//! The ECS instance role, from the metadata service: an IMDSv2 session token first (`PUT
//! /latest/api/token`), the tokenless call when that fails (unless IMDSv1 is disabled),
//! the role's name when none is given, then its temporary credentials.

use super::sts::Flat as Answer;
use super::{CredentialError, Credentials};
use std::time::Duration;

/// How long the metadata service has to answer each call.
const WITHIN: Duration = Duration::from_secs(1);

/// The instance role's credentials from the service at `endpoint`.
pub async fn fetch(
    http: &reqwest::Client,
    endpoint: &str,
    role_name: Option<&str>,
    imdsv1: bool,
) -> Result<Credentials, CredentialError> {
    let base = endpoint.trim_end_matches('/');
    let place = format!("the ECS metadata service at {base}");
    let fail = |message: String| CredentialError::Fetch { place: place.clone(), message };
    check(base).map_err(|e| fail(e.to_string()))?;
    let token = http
        .put(format!("{base}/latest/api/token"))
        .header("X-aliyun-ecs-metadata-token-ttl-seconds", "21600")
        .timeout(WITHIN)
        .send()
        .await;
    let token = match token {
        Ok(r) if r.status().is_success() => Some(r.text().await.map_err(|_| fail("no whole token".into()))?),
        Ok(r) if !imdsv1 => {
            return Err(fail(format!(
                "the IMDSv2 token call answered HTTP {}, and IMDSv1 is disabled",
                r.status().as_u16()
            )));
        }
        Err(e) if !imdsv1 => return Err(fail(format!("no answer to the IMDSv2 token call ({})", e.without_url()))),
        _ => None,
    };
    let get = |path: String| {
        let mut req = http.get(format!("{base}{path}")).timeout(WITHIN);
        if let Some(t) = &token {
            req = req.header("X-aliyun-ecs-metadata-token", t.trim());
        }
        req
    };
    let answered = |r: Result<reqwest::Response, reqwest::Error>, what: &str| match r {
        Ok(r) if r.status().is_success() => Ok(r),
        Ok(r) => Err(fail(format!("{what} answered HTTP {}", r.status().as_u16()))),
        Err(e) => Err(fail(format!("no answer to {what} ({})", e.without_url()))),
    };
    let role = match role_name {
        Some(r) => r.to_string(),
        None => {
            let r = answered(get("/latest/meta-data/ram/security-credentials/".into()).send().await, "the role name")?;
            let text = r.text().await.map_err(|_| fail("no whole role name".into()))?;
            let name = text.lines().next().unwrap_or_default().trim().to_string();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
                return Err(fail("the instance has no RAM role (or the service answered something else)".into()));
            }
            name
        }
    };
    let path = format!("/latest/meta-data/ram/security-credentials/{role}");
    let r = answered(get(path).send().await, "the role's credentials")?;
    let body = r.bytes().await.map_err(|_| fail("no whole answer".into()))?;
    let answer: Answer =
        serde_json::from_slice(&body).map_err(|_| fail(format!("the answer for role '{role}' is not credentials")))?;
    if answer.code != "Success" {
        return Err(fail(format!("the answer for role '{role}' is not Success")));
    }
    let issued = answer.issued.ok_or_else(|| fail(format!("the answer for role '{role}' has no key")))?;
    issued.credentials(&format!("the ECS instance role '{role}'"))
}

/// The service is reached over https, plain http to loopback, or the instance's own address.
fn check(base: &str) -> Result<(), crate::api::endpoint::EndpointError> {
    if base == super::lookup::ECS_METADATA {
        return Ok(());
    }
    crate::api::endpoint::parse_endpoint(base).map(|_| ())
}
