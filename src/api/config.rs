//! How a client is set up: its endpoints, signature scheme, timeouts, proxy and read pace;
//! and how a run reached the API, as its batch remembers it.

use super::endpoint::ProxyRule;
use std::time::Duration;

/// Which signature scheme requests use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureVersion {
    /// ACS3-HMAC-SHA256.
    #[default]
    V3,
    /// The legacy HMAC-SHA1 RPC scheme (SignatureVersion 1.0).
    V1,
}

/// Where requests go and how they are sent.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Every call, SMC and VPC, goes here when set.
    pub endpoint: Option<String>,
    /// VPC calls go here when set (over `endpoint`).
    pub vpc_endpoint: Option<String>,
    pub signature: SignatureVersion,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    /// The proxy for https calls (see [`ProxyRule`]); none by default.
    pub proxy: ProxyRule,
    /// Attempts of a Describe call (a read, safe to repeat) before its error stands.
    pub read_attempts: u32,
    /// Describe calls a second at most (snapshot, --online, status, the look-ups).
    pub read_rate: f64,
    /// The credentials profile named (by `--profile` or the environment), for the record.
    pub profile: Option<String>,
}

/// Describe calls a second unless told otherwise: gentle, and far above what a status of a
/// thousand jobs (20 pages) or a snapshot needs.
pub const DEFAULT_READ_RATE: f64 = 10.0;

impl Default for ClientConfig {
    fn default() -> ClientConfig {
        ClientConfig {
            endpoint: None,
            vpc_endpoint: None,
            signature: SignatureVersion::V3,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            proxy: ProxyRule::default(),
            read_attempts: 8,
            read_rate: DEFAULT_READ_RATE,
            profile: None,
        }
    }
}

/// How a run reached the API, as its batch remembers it: the endpoints given (none: the
/// public ones), the profile named, the signature scheme. What later commands on the batch
/// default to.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reached {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    pub signature: SignatureVersion,
}
