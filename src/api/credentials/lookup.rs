//! What the credential chain reads (the environment and the home directory) and where it
//! finds things from them: the CLI's files, STS, the metadata service, a role to assume.

use super::{Provider, Role};
use std::path::PathBuf;

/// The metadata service of an ECS instance.
pub const ECS_METADATA: &str = "http://100.100.100.200";

/// What the chain may read: environment variables and the home directory.
pub struct Lookup<'a> {
    /// `--profile NAME`: that profile or an error.
    pub profile: Option<&'a str>,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub home: Option<PathBuf>,
}

impl Lookup<'_> {
    /// Looks in the process environment and `$HOME`.
    pub fn from_process(profile: Option<&str>) -> Lookup<'_> {
        static ENV: fn(&str) -> Option<String> = |k| std::env::var(k).ok().filter(|v| !v.is_empty());
        Lookup { profile, env: &ENV, home: std::env::var_os("HOME").map(PathBuf::from) }
    }

    pub(super) fn var(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|v| !v.is_empty())
    }

    pub(super) fn is_true(&self, name: &str) -> bool {
        self.var(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// `config.json` of the CLI: `ALIBABA_CLOUD_CONFIG_FILE`, else `~/.aliyun/config.json`.
    pub fn config_file(&self) -> Option<PathBuf> {
        self.var("ALIBABA_CLOUD_CONFIG_FILE")
            .map(PathBuf::from)
            .or_else(|| self.home.as_ref().map(|h| h.join(".aliyun").join("config.json")))
    }

    /// The shared INI file: `ALIBABA_CLOUD_CREDENTIALS_FILE`, else `~/.alibabacloud/credentials`.
    pub fn ini_file(&self) -> Option<PathBuf> {
        self.var("ALIBABA_CLOUD_CREDENTIALS_FILE")
            .map(PathBuf::from)
            .or_else(|| self.home.as_ref().map(|h| h.join(".alibabacloud").join("credentials")))
    }

    /// Where STS is: `endpoint` (a profile's), else `ALIBABA_CLOUD_STS_ENDPOINT`, else the
    /// region's (`region`, else `ALIBABA_CLOUD_STS_REGION`), else the central one. A host
    /// name means https.
    pub fn sts_endpoint(&self, endpoint: Option<&str>, region: Option<&str>) -> String {
        let explicit =
            endpoint.filter(|e| !e.is_empty()).map(str::to_string).or_else(|| self.var("ALIBABA_CLOUD_STS_ENDPOINT"));
        let region =
            region.filter(|r| !r.is_empty()).map(str::to_string).or_else(|| self.var("ALIBABA_CLOUD_STS_REGION"));
        match (explicit, region) {
            (Some(e), _) if e.contains("://") => e,
            (Some(host), _) => format!("https://{host}"),
            (None, Some(r)) => format!("https://sts.{r}.aliyuncs.com"),
            (None, None) => "https://sts.aliyuncs.com".to_string(),
        }
    }

    /// A session name for a role assumed without one: `smcplan-` and the time.
    pub fn session_name(&self) -> String {
        format!("smcplan-{}", jiff::Timestamp::now().as_second())
    }

    /// The metadata service: `SMCPLAN_ECS_METADATA_ENDPOINT` (a rehearsal), else the instance's.
    pub fn ecs_endpoint(&self) -> String {
        self.var("SMCPLAN_ECS_METADATA_ENDPOINT").unwrap_or_else(|| ECS_METADATA.to_string())
    }

    /// The instance role as the environment describes it.
    pub fn ecs(&self, role_name: Option<String>) -> Provider {
        Provider::Ecs {
            role_name: role_name.or_else(|| self.var("ALIBABA_CLOUD_ECS_METADATA")),
            endpoint: self.ecs_endpoint(),
            imdsv1: !self.is_true("ALIBABA_CLOUD_IMDSV1_DISABLED"),
        }
    }
}

/// A role of `arn`, its STS endpoint from the environment (or `endpoint`, `region`).
pub fn role(lookup: &Lookup, arn: String, endpoint: Option<&str>, region: Option<&str>) -> Role {
    Role {
        arn,
        session_name: lookup.session_name(),
        duration_seconds: 3600,
        external_id: None,
        policy: None,
        sts: lookup.sts_endpoint(endpoint, region),
    }
}
