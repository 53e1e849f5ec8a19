//! STS (version 2015-04-01): AssumeRole, signed with HMAC-SHA1 over the query's common
//! parameters and the form's together (the signing key's own token in the query when it is
//! temporary), and AssumeRoleWithOIDC, unsigned, with the token file read again each time.

use super::{CredentialError, Credentials, Role, Secret};
use crate::api::encode::query_string;
use crate::api::redact::Redactor;
use serde::Deserialize;

const VERSION: &str = "2015-04-01";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    credentials: Option<Issued>,
}

/// The answer of the metadata service and of a credentials URI or command: a `Code`, and the
/// credentials flat beside it.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Flat {
    #[serde(default)]
    pub code: String,
    #[serde(flatten)]
    pub issued: Option<Issued>,
}

/// Temporary credentials as STS, the metadata service and a credentials URI give them.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Issued {
    pub access_key_id: String,
    pub access_key_secret: String,
    pub security_token: String,
    pub expiration: String,
}

impl Issued {
    /// As credentials from `place`; an Expiration that is not a time is refused.
    pub fn credentials(self, place: &str) -> Result<Credentials, CredentialError> {
        let expiration = crate::time::parse_time(&self.expiration).ok_or_else(|| CredentialError::Fetch {
            place: place.to_string(),
            message: "the answer's Expiration is not a time".into(),
        })?;
        if self.access_key_id.is_empty() || self.access_key_secret.is_empty() || self.security_token.is_empty() {
            return Err(CredentialError::Fetch {
                place: place.into(),
                message: "the answer lacks a key or a token".into(),
            });
        }
        Ok(Credentials {
            access_key_id: self.access_key_id,
            access_key_secret: Secret::new(self.access_key_secret),
            security_token: Some(Secret::new(self.security_token)),
            source: place.to_string(),
            expiration: Some(expiration),
        })
    }
}

/// AssumeRole with `signing`'s key.
pub async fn assume_role(
    http: &reqwest::Client,
    signing: &Credentials,
    role: &Role,
) -> Result<Credentials, CredentialError> {
    let mut query = common("AssumeRole");
    query.push(("AccessKeyId".into(), signing.access_key_id.clone()));
    query.push(("SignatureMethod".into(), "HMAC-SHA1".into()));
    query.push(("SignatureVersion".into(), "1.0".into()));
    if let Some(token) = &signing.security_token {
        query.push(("SecurityToken".into(), token.expose().to_string()));
    }
    let mut form = vec![
        ("RoleArn".to_string(), role.arn.clone()),
        ("RoleSessionName".to_string(), role.session_name.clone()),
        ("DurationSeconds".to_string(), role.duration_seconds.to_string()),
    ];
    form.extend(role.external_id.iter().map(|e| ("ExternalId".to_string(), e.clone())));
    form.extend(role.policy.iter().map(|p| ("Policy".to_string(), p.clone())));
    let all: Vec<(String, String)> = query.iter().chain(&form).cloned().collect();
    let signed = crate::api::sign::sign_v1("POST", &all, signing.access_key_secret.expose());
    query.push(("Signature".into(), signed.signature));
    let mut secrets = vec![signing.access_key_secret.expose()];
    secrets.extend(signing.security_token.as_ref().map(Secret::expose));
    post(http, role, "AssumeRole", &query, &form, &Redactor::of(&secrets)).await
}

/// AssumeRoleWithOIDC with the token in `token_file` (read now: it is rotated).
pub async fn assume_role_with_oidc(
    http: &reqwest::Client,
    role: &Role,
    provider_arn: &str,
    token_file: &std::path::Path,
) -> Result<Credentials, CredentialError> {
    let token = std::fs::read_to_string(token_file).map_err(|e| CredentialError::Fetch {
        place: format!("the OIDC token file {}", token_file.display()),
        message: e.kind().to_string(),
    })?;
    let token = token.trim().to_string();
    let mut form = vec![
        ("RoleArn".to_string(), role.arn.clone()),
        ("OIDCProviderArn".to_string(), provider_arn.to_string()),
        ("OIDCToken".to_string(), token.clone()),
        ("RoleSessionName".to_string(), role.session_name.clone()),
        ("DurationSeconds".to_string(), role.duration_seconds.to_string()),
    ];
    form.extend(role.policy.iter().map(|p| ("Policy".to_string(), p.clone())));
    post(http, role, "AssumeRoleWithOIDC", &common("AssumeRoleWithOIDC"), &form, &Redactor::of(&[&token])).await
}

/// The common parameters of an STS call.
fn common(action: &str) -> Vec<(String, String)> {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).expect("the OS has a random source");
    vec![
        ("Action".into(), action.into()),
        ("Version".into(), VERSION.into()),
        ("Format".into(), "JSON".into()),
        ("Timestamp".into(), crate::time::format_time(jiff::Timestamp::now())),
        ("SignatureNonce".into(), nonce.iter().map(|b| format!("{b:02x}")).collect()),
    ]
}

/// Posts the call to the role's STS endpoint and reads the credentials it answers.
async fn post(
    http: &reqwest::Client,
    role: &Role,
    action: &str,
    query: &[(String, String)],
    form: &[(String, String)],
    redactor: &Redactor,
) -> Result<Credentials, CredentialError> {
    let place = format!("STS {action} of {} at {}", role.arn, role.sts);
    let fail = |message: String| CredentialError::Fetch { place: place.clone(), message: redactor.redact(&message) };
    let mut url = crate::api::endpoint::parse_endpoint(&role.sts).map_err(|e| fail(e.to_string()))?;
    url.set_path("/");
    url.set_query(Some(&query_string(query)));
    let response = http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(query_string(form))
        .send()
        .await
        .map_err(|e| fail(format!("no answer ({})", e.without_url())))?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| fail(format!("no whole answer ({})", e.without_url())))?;
    if !(200..300).contains(&status) {
        let e = crate::api::error::ApiError::from_response(action, status, &body, None);
        return Err(fail(match e.code() {
            Some(code) => format!("{code} (HTTP {status})"),
            None => format!("HTTP {status}"),
        }));
    }
    let answer: Answer = serde_json::from_slice(&body).map_err(|_| fail("the answer is not STS credentials".into()))?;
    answer.credentials.ok_or_else(|| fail("the answer has no Credentials".into()))?.credentials(&place)
}
