//! The shared credentials file of the SDKs (`~/.alibabacloud/credentials`, INI): a section
//! per profile, of `type` access_key, ecs_ram_role, ram_role_arn or oidc_role_arn.

use super::lookup::{Lookup, role};
use super::{Chosen, CredentialError, Credentials, Provider, Source};
use std::path::Path;

/// The section `name` of the INI file at `path`; `None` when it has no such section.
pub fn from_ini(lookup: &Lookup, path: &Path, name: &str) -> Result<Option<Chosen>, CredentialError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| CredentialError::Config { path: shown.clone(), message: e.kind().to_string() })?;
    // Only the position: a parser's message may quote the line, and lines here hold secrets.
    let file = ini::Ini::load_from_str(&text).map_err(|e| CredentialError::Config {
        path: shown.clone(),
        message: format!("not an INI file (line {}, column {})", e.line, e.col),
    })?;
    let Some(section) = file.section(Some(name)) else { return Ok(None) };
    let place = format!("[{name}] in {shown}");
    let get = |k: &str| section.get(k).map(str::trim).filter(|v| !v.is_empty());
    let need = |field: &'static str| {
        get(field).map(str::to_string).ok_or_else(|| CredentialError::Incomplete {
            profile: name.to_string(),
            path: shown.clone(),
            field,
        })
    };
    let kind = get("type").unwrap_or("access_key");
    let key =
        || Ok::<_, CredentialError>(Credentials::key(&need("access_key_id")?, &need("access_key_secret")?, &place));
    let role_of = || {
        let mut r = role(lookup, need("role_arn")?, None, None);
        if let Some(s) = get("role_session_name") {
            r.session_name = s.to_string();
        }
        r.policy = get("policy").map(str::to_string);
        Ok::<_, CredentialError>(r)
    };
    let (mode, provider, role_arn) = match kind {
        "access_key" => ("AK", Provider::Static(key()?), None),
        "ecs_ram_role" => ("EcsRamRole", lookup.ecs(get("role_name").map(str::to_string)), None),
        "ram_role_arn" => {
            let role = role_of()?;
            let arn = role.arn.clone();
            ("RamRoleArn", Provider::AssumeRole { source: Box::new(Provider::Static(key()?)), role }, Some(arn))
        }
        "oidc_role_arn" => {
            let role = role_of()?;
            let arn = role.arn.clone();
            let provider_arn = need("oidc_provider_arn")?;
            let token_file = need("oidc_token_file_path")?.into();
            ("OIDC", Provider::Oidc { role, provider_arn, token_file }, Some(arn))
        }
        other => {
            return Err(CredentialError::UnsupportedMode {
                profile: name.to_string(),
                path: shown,
                mode: other.to_string(),
                hint: "the types are access_key, ecs_ram_role, ram_role_arn and oidc_role_arn".to_string(),
            });
        }
    };
    let source = Source { mode: mode.to_string(), place, profile: Some(name.to_string()), role_arn };
    Ok(Some(Chosen { provider, source }))
}
