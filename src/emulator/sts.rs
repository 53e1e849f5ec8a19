//! Roles, for rehearsals of every credential source that is not a fixed key: STS
//! AssumeRole (signed with any key the emulator accepts) and AssumeRoleWithOIDC (unsigned,
//! with a token shaped as a JWT) for the roles given, and the ECS metadata service's IMDSv2
//! paths for one instance role. Each issues a temporary key that the SMC API accepts until
//! it expires, and refuses afterwards with `InvalidSecurityToken.Expired`.

use super::auth::KeyPair;
use super::fault::Fault;
use super::wire::WireRequest;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The STS API version.
pub const STS_VERSION: &str = "2015-04-01";

/// What the emulator plays of STS and the metadata service.
#[derive(Debug, Default)]
pub struct Sts {
    /// Role ARNs that may be assumed.
    pub roles: Vec<String>,
    /// How long issued keys live.
    pub duration: SignedDuration,
    /// The instance role the metadata service serves, if any.
    pub ecs_role: Option<String>,
    issued: Mutex<BTreeMap<String, (KeyPair, Timestamp)>>,
    imds_tokens: Mutex<BTreeSet<String>>,
    assumed: AtomicU64,
}

impl Sts {
    pub fn new(roles: Vec<String>, duration: SignedDuration, ecs_role: Option<String>) -> Sts {
        Sts { roles, duration, ecs_role, ..Sts::default() }
    }

    /// An issued key by its AccessKeyId, and when it expires.
    pub fn key(&self, id: &str) -> Option<(KeyPair, Timestamp)> {
        self.issued.lock().expect("sts lock").get(id).cloned()
    }

    /// How many keys were issued (AssumeRole, AssumeRoleWithOIDC, the instance role).
    pub fn issued_count(&self) -> u64 {
        self.assumed.load(Ordering::Relaxed)
    }

    /// A new temporary key, as STS and the metadata service write it.
    fn issue(&self) -> (Value, Timestamp) {
        let mut bytes = [0u8; 24];
        getrandom::fill(&mut bytes).expect("the OS has a random source");
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let expires = Timestamp::now().checked_add(self.duration).expect("a lifetime within range");
        let key = KeyPair {
            id: format!("STS.{}", &hex[..20]),
            secret: hex[20..].to_string(),
            token: Some(format!("CAIS{hex}")),
        };
        self.assumed.fetch_add(1, Ordering::Relaxed);
        let shown = json!({
            "AccessKeyId": key.id,
            "AccessKeySecret": key.secret,
            "SecurityToken": key.token,
            "Expiration": crate::time::format_time(expires),
        });
        self.issued.lock().expect("sts lock").insert(key.id.clone(), (key, expires));
        (shown, expires)
    }

    /// The role a call names, if it may be assumed.
    fn role<'a>(&self, params: &'a [(String, String)]) -> Result<&'a str, Fault> {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let arn = get("RoleArn").ok_or_else(|| Fault::missing("RoleArn"))?;
        let session = get("RoleSessionName").ok_or_else(|| Fault::missing("RoleSessionName"))?;
        if session.len() < 2
            || session.len() > 64
            || !session.chars().all(|c| c.is_ascii_alphanumeric() || ".@_-".contains(c))
        {
            return Err(Fault::new(
                400,
                "InvalidParameter.RoleSessionName",
                "The parameter RoleSessionName is wrongly formed.",
            ));
        }
        if let Some(d) = get("DurationSeconds") {
            let ok = d.parse::<u32>().is_ok_and(|d| (900..=43_200).contains(&d));
            if !ok {
                return Err(Fault::new(
                    400,
                    "InvalidParameter.DurationSeconds",
                    "The parameter DurationSeconds is wrongly formed.",
                ));
            }
        }
        if !self.roles.iter().any(|r| r == arn) {
            return Err(Fault::new(404, "EntityNotExist.Role", format!("The role not exists: {arn}.")));
        }
        Ok(arn)
    }

    /// AssumeRole (the caller already authenticated).
    pub fn assume_role(&self, params: &[(String, String)]) -> Result<Value, Fault> {
        let arn = self.role(params)?.to_string();
        let (credentials, _) = self.issue();
        Ok(
            json!({"Credentials": credentials, "AssumedRoleUser": {"Arn": arn, "AssumedRoleId": "300000000000000000:smcplan"}}),
        )
    }

    /// AssumeRoleWithOIDC: no signature; the OIDC token must be three base64url parts.
    pub fn assume_role_with_oidc(&self, params: &[(String, String)]) -> Result<Value, Fault> {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        get("OIDCProviderArn").ok_or_else(|| Fault::missing("OIDCProviderArn"))?;
        let token = get("OIDCToken").ok_or_else(|| Fault::missing("OIDCToken"))?;
        let parts: Vec<&str> = token.split('.').collect();
        let jwt = parts.len() == 3
            && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "-_=".contains(c)));
        if !jwt {
            return Err(Fault::new(400, "InvalidParameter.OIDCToken", "The parameter OIDCToken is invalid."));
        }
        self.assume_role(params)
    }

    /// The metadata service's answer to `req` (a path under `/latest/`): status and body.
    pub fn metadata(&self, req: &WireRequest) -> (u16, String) {
        let Some(role) = &self.ecs_role else { return (404, "Not Found".into()) };
        let token_ok = match req.header("x-aliyun-ecs-metadata-token") {
            Some(t) => self.imds_tokens.lock().expect("imds lock").contains(t),
            None => true,
        };
        match (req.method.as_str(), req.path.as_str()) {
            ("PUT", "/latest/api/token") => {
                let ttl = req.header("x-aliyun-ecs-metadata-token-ttl-seconds").and_then(|t| t.parse::<u32>().ok());
                if !ttl.is_some_and(|t| (1..=21_600).contains(&t)) {
                    return (400, "Bad Request".into());
                }
                let mut bytes = [0u8; 16];
                getrandom::fill(&mut bytes).expect("the OS has a random source");
                let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                self.imds_tokens.lock().expect("imds lock").insert(token.clone());
                (200, token)
            }
            _ if !token_ok => (401, "Unauthorized".into()),
            ("GET", "/latest/meta-data/ram/security-credentials/") => (200, role.clone()),
            ("GET", path) if path == format!("/latest/meta-data/ram/security-credentials/{role}") => {
                let (mut credentials, _) = self.issue();
                credentials["Code"] = json!("Success");
                credentials["LastUpdated"] = json!(crate::time::format_time(Timestamp::now()));
                (200, credentials.to_string())
            }
            _ => (404, "Not Found".into()),
        }
    }
}
