//! The default credential chain of the official SDKs, in their order, the first source that
//! is there wins: the environment's key, OIDC (RRSA), the CLI's `config.json` profile, the
//! shared `credentials` INI file, the ECS instance role, `ALIBABA_CLOUD_CREDENTIALS_URI`. A
//! profile named with `--profile` is that profile or an error.

use super::lookup::{Lookup, role};
use super::{Chosen, CredentialError, Credentials, Provider, Role, Secret, Source};
use std::path::PathBuf;

/// The sources to try, in order: the first the chain finds; when that is the instance role
/// (which only its metadata service can confirm), `ALIBABA_CLOUD_CREDENTIALS_URI` after it.
pub fn resolve(lookup: &Lookup) -> Result<Vec<Chosen>, CredentialError> {
    if let Some(name) = lookup.profile {
        return named_profile(lookup, name).map(|c| vec![c]);
    }
    // 1. The environment's key.
    let (id, secret) = (lookup.var("ALIBABA_CLOUD_ACCESS_KEY_ID"), lookup.var("ALIBABA_CLOUD_ACCESS_KEY_SECRET"));
    match (id, secret) {
        (Some(id), Some(secret)) => {
            let credentials = Credentials {
                security_token: lookup.var("ALIBABA_CLOUD_SECURITY_TOKEN").map(Secret::new),
                ..Credentials::key(&id, &secret, "environment variables")
            };
            return Ok(vec![Chosen::fixed(credentials)]);
        }
        (Some(_), None) => {
            return Err(CredentialError::Partial("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"));
        }
        (None, Some(_)) => {
            return Err(CredentialError::Partial("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_ACCESS_KEY_ID"));
        }
        (None, None) => {}
    }
    // 2. OIDC (RRSA), when all three are set.
    let oidc = ["ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE"]
        .map(|v| lookup.var(v));
    if let [Some(arn), Some(provider_arn), Some(token_file)] = oidc {
        let role = Role {
            session_name: lookup.var("ALIBABA_CLOUD_ROLE_SESSION_NAME").unwrap_or_else(|| lookup.session_name()),
            ..role(lookup, arn, None, None)
        };
        let source = Source {
            mode: "OIDC".into(),
            place: "environment variables (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN)".into(),
            profile: None,
            role_arn: Some(role.arn.clone()),
        };
        return Ok(vec![Chosen {
            provider: Provider::Oidc { role, provider_arn, token_file: token_file.into() },
            source,
        }]);
    }
    // 3. The CLI's profile; 4. the shared INI file.
    let env_profile = lookup.var("ALIBABA_CLOUD_PROFILE");
    if !lookup.is_true("ALIBABA_CLOUD_CLI_PROFILE_DISABLED")
        && let Some(path) = lookup.config_file().filter(|p| p.exists())
    {
        match super::profile::from_config(lookup, &path, env_profile.as_deref()) {
            Err(CredentialError::NoSuchProfile { .. }) if env_profile.is_some() => {}
            other => return other.map(|c| vec![c]),
        }
    }
    if let Some(path) = lookup.ini_file().filter(|p| p.exists())
        && let Some(chosen) = super::ini::from_ini(lookup, &path, env_profile.as_deref().unwrap_or("default"))?
    {
        return Ok(vec![chosen]);
    }
    if let Some(name) = &env_profile {
        return Err(CredentialError::NoSuchProfile { profile: name.clone(), path: places(lookup) });
    }
    // 5. The instance role (only its service can say whether there is one); 6. the URI.
    let mut tail = Vec::new();
    if !lookup.is_true("ALIBABA_CLOUD_ECS_METADATA_DISABLED") {
        let source = Source { mode: "EcsRamRole".into(), place: "the ECS instance role".into(), ..Source::default() };
        tail.push(Chosen { provider: lookup.ecs(None), source });
    }
    if let Some(uri) = lookup.var("ALIBABA_CLOUD_CREDENTIALS_URI") {
        let source = Source {
            mode: "CredentialsURI".into(),
            place: "ALIBABA_CLOUD_CREDENTIALS_URI".into(),
            ..Source::default()
        };
        tail.push(Chosen { provider: Provider::Uri { uri }, source });
    }
    match tail.is_empty() {
        true => Err(CredentialError::NotFound(places(lookup))),
        false => Ok(tail),
    }
}

/// Every place the chain looks, for the message when none answers.
pub fn places(lookup: &Lookup) -> String {
    let shown = |p: Option<PathBuf>, default: &str| p.map_or(default.to_string(), |p| p.display().to_string());
    format!(
        "ALIBABA_CLOUD_ACCESS_KEY_ID and _SECRET, the OIDC variables (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE), {}, {}, the ECS metadata service, ALIBABA_CLOUD_CREDENTIALS_URI",
        shown(lookup.config_file(), "~/.aliyun/config.json"),
        shown(lookup.ini_file(), "~/.alibabacloud/credentials")
    )
}

/// `--profile NAME`: in the CLI's file, else a section of the INI file, else an error.
fn named_profile(lookup: &Lookup, name: &str) -> Result<Chosen, CredentialError> {
    if let Some(path) = lookup.config_file().filter(|p| p.exists()) {
        match super::profile::from_config(lookup, &path, Some(name)) {
            Err(CredentialError::NoSuchProfile { .. }) => {}
            other => return other,
        }
    }
    if let Some(path) = lookup.ini_file().filter(|p| p.exists())
        && let Some(chosen) = super::ini::from_ini(lookup, &path, name)?
    {
        return Ok(chosen);
    }
    let files = format!(
        "{} or {}",
        lookup.config_file().map_or("~/.aliyun/config.json".into(), |p| p.display().to_string()),
        lookup.ini_file().map_or("~/.alibabacloud/credentials".into(), |p| p.display().to_string())
    );
    Err(CredentialError::NoSuchProfile { profile: name.to_string(), path: files })
}

#[cfg(test)]
#[path = "chain_tests.rs"]
mod tests;
