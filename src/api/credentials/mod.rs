//! Credentials, found where the official SDKs and the aliyun CLI look (the chain), fetched
//! (a role assumed, the instance role asked, a command run) and refreshed before they
//! expire. Secrets never print: messages name places, never values.

pub mod chain;
mod ecs;
mod ini;
mod keys;
pub mod lookup;
mod process;
mod profile;
mod sts;

pub use chain::resolve;
pub use keys::Keys;
pub use lookup::Lookup;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// A secret value: its `Debug` and `Display` show nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for signing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// An access key, with an STS token when the key is temporary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub access_key_secret: Secret,
    pub security_token: Option<Secret>,
    /// Where they came from, for messages (`profile 'default' in ~/.aliyun/config.json`).
    pub source: String,
    /// When temporary credentials stop being valid.
    pub expiration: Option<jiff::Timestamp>,
}

impl Credentials {
    /// A long-lived key (`source` says where it came from).
    pub fn key(id: &str, secret: &str, source: &str) -> Credentials {
        Credentials {
            access_key_id: id.to_string(),
            access_key_secret: Secret::new(secret),
            security_token: None,
            source: source.to_string(),
            expiration: None,
        }
    }
}

/// Why no credentials could be had. Messages name places (files, profiles, services),
/// never values.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialError {
    #[error("no credentials found: looked in {0}")]
    NotFound(String),
    #[error("{0} is set but {1} is not; set both, or neither")]
    Partial(&'static str, &'static str),
    #[error("cannot read {path}: {message}")]
    Config { path: String, message: String },
    #[error("profile '{profile}' is not in {path}")]
    NoSuchProfile { profile: String, path: String },
    #[error("profile '{profile}' in {path} uses mode '{mode}', which smcplan cannot use: {hint}")]
    UnsupportedMode { profile: String, path: String, mode: String, hint: String },
    #[error("profile '{profile}' in {path} has no {field}")]
    Incomplete { profile: String, path: String, field: &'static str },
    #[error("profile '{profile}' in {path}: source_profile goes round in a circle ({chain})")]
    Cycle { profile: String, path: String, chain: String },
    /// A source that answered badly, or not at all.
    #[error("{place}: {message}")]
    Fetch { place: String, message: String },
    #[error("the temporary credentials from {place} expired and could not be refreshed: {message}")]
    Expired { place: String, message: String },
}

/// What the run record says of the credentials in use: the chain's source, never a secret.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// `AK`, `StsToken`, `RamRoleArn`, `ChainableRamRoleArn`, `EcsRamRole`, `OIDC`,
    /// `External`, `CredentialsURI`.
    pub mode: String,
    /// `environment variables`, `profile 'prod' in ~/.aliyun/config.json`, ...
    pub place: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
}

/// A role to assume through STS, and where STS is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    pub arn: String,
    pub session_name: String,
    pub duration_seconds: u32,
    pub external_id: Option<String>,
    pub policy: Option<String>,
    /// The STS endpoint (https, or http to loopback).
    pub sts: String,
}

/// How credentials are had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provider {
    /// A key (and token) given as is: never refreshed.
    Static(Credentials),
    /// AssumeRole, signed with the credentials of `source`.
    AssumeRole { source: Box<Provider>, role: Role },
    /// AssumeRoleWithOIDC, with the token file read again at each refresh.
    Oidc { role: Role, provider_arn: String, token_file: PathBuf },
    /// The ECS instance role, from the metadata service at `endpoint`.
    Ecs { role_name: Option<String>, endpoint: String, imdsv1: bool },
    /// A command that prints credentials as JSON.
    External { command: String },
    /// A URL that answers credentials as JSON.
    Uri { uri: String },
}

/// Where the chain found credentials: how to have them, and what to say of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chosen {
    pub provider: Provider,
    pub source: Source,
}

impl Chosen {
    /// Long-lived credentials given as is.
    pub fn fixed(credentials: Credentials) -> Chosen {
        let mode = if credentials.security_token.is_some() { "StsToken" } else { "AK" };
        let source = Source { mode: mode.into(), place: credentials.source.clone(), ..Source::default() };
        Chosen { provider: Provider::Static(credentials), source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows() {
        let s = Secret::new("s3cr3t-VALUE");
        assert_eq!((format!("{s}"), format!("{s:?}")), ("***".to_string(), "Secret(***)".to_string()));
    }
}
