//! A profile of the aliyun CLI's `config.json`, in each of its modes: AK, StsToken,
//! RamRoleArn, ChainableRamRoleArn (its source profile resolved first, any depth),
//! EcsRamRole, OIDC, External and CredentialsURI. Other fields are ignored; other modes
//! are refused with the way around them.

use super::lookup::{Lookup, role};
use super::{Chosen, CredentialError, Credentials, Provider, Role, Secret, Source};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

#[derive(Deserialize)]
struct ConfigFile {
    #[serde(default)]
    current: String,
    #[serde(default)]
    profiles: Vec<Profile>,
}

#[derive(Deserialize, Clone, Default)]
#[serde(default)]
struct Profile {
    name: String,
    mode: String,
    access_key_id: String,
    access_key_secret: String,
    sts_token: String,
    ram_role_arn: String,
    ram_session_name: String,
    expired_seconds: Value,
    external_id: String,
    policy: String,
    sts_region: String,
    sts_endpoint: String,
    source_profile: String,
    ram_role_name: String,
    oidc_provider_arn: String,
    oidc_token_file: String,
    process_command: String,
    credentials_uri: String,
}

/// The profile `name` (else the file's current one) of the CLI's file at `path`.
pub fn from_config(lookup: &Lookup, path: &Path, name: Option<&str>) -> Result<Chosen, CredentialError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| CredentialError::Config { path: shown.clone(), message: e.kind().to_string() })?;
    // Only the position: serde's messages may quote values, and values here are secrets.
    let config: ConfigFile = serde_json::from_str(&text).map_err(|e| CredentialError::Config {
        path: shown.clone(),
        message: format!("not a CLI config file (line {}, column {})", e.line(), e.column()),
    })?;
    let name = name.unwrap_or(&config.current).to_string();
    let mut seen = Vec::new();
    let (provider, role_arn) = provider_of(lookup, &config, &name, &shown, &mut seen)?;
    let mode = config.profiles.iter().find(|p| p.name == name).map(|p| mode_of(p).to_string()).unwrap_or_default();
    let source = Source { mode, place: format!("profile '{name}' in {shown}"), profile: Some(name), role_arn };
    let provider = match provider {
        Provider::Static(c) => Provider::Static(Credentials { source: source.place.clone(), ..c }),
        other => other,
    };
    Ok(Chosen { provider, source })
}

/// A profile's mode, `AK` when it says none.
fn mode_of(p: &Profile) -> &str {
    if p.mode.is_empty() { "AK" } else { &p.mode }
}

/// The provider of profile `name`, and the role it assumes; `seen`: the profiles on the way
/// here (a source profile that comes back is a cycle).
fn provider_of(
    lookup: &Lookup,
    config: &ConfigFile,
    name: &str,
    path: &str,
    seen: &mut Vec<String>,
) -> Result<(Provider, Option<String>), CredentialError> {
    let p = config
        .profiles
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| CredentialError::NoSuchProfile { profile: name.to_string(), path: path.to_string() })?;
    if seen.iter().any(|s| s == name) {
        seen.push(name.to_string());
        let first = seen[0].clone();
        return Err(CredentialError::Cycle { profile: first, path: path.to_string(), chain: seen.join(" -> ") });
    }
    seen.push(name.to_string());
    let need = |field: &'static str, value: &str| match value.is_empty() {
        true => Err(CredentialError::Incomplete { profile: name.to_string(), path: path.to_string(), field }),
        false => Ok(value.to_string()),
    };
    let key = || -> Result<Credentials, CredentialError> {
        Ok(Credentials::key(
            &need("access_key_id", &p.access_key_id)?,
            &need("access_key_secret", &p.access_key_secret)?,
            "",
        ))
    };
    let role_of = |lookup: &Lookup| -> Result<Role, CredentialError> {
        let arn = need("ram_role_arn", &p.ram_role_arn)?;
        let mut r = role(lookup, arn, Some(&p.sts_endpoint), Some(&p.sts_region));
        if !p.ram_session_name.is_empty() {
            r.session_name = p.ram_session_name.clone();
        }
        if let Some(s) = seconds(&p.expired_seconds) {
            r.duration_seconds = s;
        }
        r.external_id = Some(p.external_id.clone()).filter(|e| !e.is_empty());
        r.policy = Some(p.policy.clone()).filter(|e| !e.is_empty());
        Ok(r)
    };
    Ok(match mode_of(p) {
        "AK" => (Provider::Static(key()?), None),
        "StsToken" => {
            let token = need("sts_token", &p.sts_token)?;
            (Provider::Static(Credentials { security_token: Some(Secret::new(token)), ..key()? }), None)
        }
        "RamRoleArn" => {
            let role = role_of(lookup)?;
            let arn = role.arn.clone();
            (Provider::AssumeRole { source: Box::new(Provider::Static(key()?)), role }, Some(arn))
        }
        "ChainableRamRoleArn" => {
            let source_name = need("source_profile", &p.source_profile)?;
            let (source, _) = provider_of(lookup, config, &source_name, path, seen)?;
            let role = role_of(lookup)?;
            let arn = role.arn.clone();
            (Provider::AssumeRole { source: Box::new(source), role }, Some(arn))
        }
        "EcsRamRole" => (lookup.ecs(Some(p.ram_role_name.clone()).filter(|r| !r.is_empty())), None),
        "OIDC" => {
            let provider_arn = need("oidc_provider_arn", &p.oidc_provider_arn)?;
            let token_file = need("oidc_token_file", &p.oidc_token_file)?.into();
            let role = role_of(lookup)?;
            let arn = role.arn.clone();
            (Provider::Oidc { role, provider_arn, token_file }, Some(arn))
        }
        "External" => (Provider::External { command: need("process_command", &p.process_command)? }, None),
        "CredentialsURI" => (Provider::Uri { uri: need("credentials_uri", &p.credentials_uri)? }, None),
        other => {
            let hint = match other {
                "CloudSSO" => "its token comes from a browser sign-in only the aliyun CLI can refresh; use an External profile whose process_command runs `aliyun configure export-credentials --profile NAME` (or any command that prints the credentials as JSON)".to_string(),
                _ => "the modes are AK, StsToken, RamRoleArn, ChainableRamRoleArn, EcsRamRole, OIDC, External and CredentialsURI; an External profile can run any command that prints credentials as JSON".to_string(),
            };
            return Err(CredentialError::UnsupportedMode {
                profile: name.to_string(),
                path: path.to_string(),
                mode: other.to_string(),
                hint,
            });
        }
    })
}

/// `expired_seconds`, written as a number or as text.
fn seconds(v: &Value) -> Option<u32> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|s| *s > 0)
}
