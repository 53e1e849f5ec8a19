//! Credentials, found where the Alibaba Cloud CLI and SDKs look; secrets never print.

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

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
}

/// Why no credentials could be had. Messages name places, never values.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialError {
    #[error(
        "no credentials found: looked for a profile (--profile or ALIBABA_CLOUD_PROFILE), then ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, then the current profile of {0}"
    )]
    NotFound(String),
    #[error("{0} is set but {1} is not; set both, or neither")]
    Partial(&'static str, &'static str),
    #[error("cannot read {path}: {message}")]
    Config { path: String, message: String },
    #[error("profile '{profile}' is not in {path}")]
    NoSuchProfile { profile: String, path: String },
    #[error("profile '{profile}' in {path} uses mode '{mode}'; smcplan supports the modes AK and StsToken")]
    UnsupportedMode { profile: String, path: String, mode: String },
    #[error("profile '{profile}' in {path} has no {field}")]
    Incomplete { profile: String, path: String, field: &'static str },
}

/// What credential lookup may read: environment variables and the home directory.
pub struct Lookup<'a> {
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
}

#[derive(Deserialize)]
struct ConfigFile {
    #[serde(default)]
    current: String,
    #[serde(default)]
    profiles: Vec<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    name: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    access_key_id: String,
    #[serde(default)]
    access_key_secret: String,
    #[serde(default)]
    sts_token: String,
}

/// Finds credentials: a named profile first, then the environment, then the config's current profile.
pub fn resolve(lookup: &Lookup) -> Result<Credentials, CredentialError> {
    let config = lookup.home.as_ref().map(|h| h.join(".aliyun").join("config.json"));
    let shown = config.as_ref().map_or("~/.aliyun/config.json".to_string(), |p| p.display().to_string());
    let named = lookup.profile.map(str::to_string).or_else(|| (lookup.env)("ALIBABA_CLOUD_PROFILE"));
    if let Some(name) = named {
        let path = config.ok_or(CredentialError::NotFound(shown))?;
        return from_profile(&path, Some(&name));
    }
    let id = (lookup.env)("ALIBABA_CLOUD_ACCESS_KEY_ID");
    let secret = (lookup.env)("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    match (id, secret) {
        (Some(id), Some(secret)) => {
            return Ok(Credentials {
                access_key_id: id,
                access_key_secret: Secret(secret),
                security_token: (lookup.env)("ALIBABA_CLOUD_SECURITY_TOKEN").map(Secret),
                source: "environment variables".to_string(),
            });
        }
        (Some(_), None) => {
            return Err(CredentialError::Partial("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"));
        }
        (None, Some(_)) => {
            return Err(CredentialError::Partial("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_ACCESS_KEY_ID"));
        }
        (None, None) => {}
    }
    match config {
        Some(path) if path.exists() => from_profile(&path, None),
        _ => Err(CredentialError::NotFound(shown)),
    }
}

fn from_profile(path: &Path, name: Option<&str>) -> Result<Credentials, CredentialError> {
    let shown = path.display().to_string();
    let config_error = |message: String| CredentialError::Config { path: shown.clone(), message };
    let text = std::fs::read_to_string(path).map_err(|e| config_error(e.to_string()))?;
    // Only the position: serde's messages may quote values, and values here are secrets.
    let config: ConfigFile = serde_json::from_str(&text)
        .map_err(|e| config_error(format!("not a CLI config file (line {}, column {})", e.line(), e.column())))?;
    let name = name.unwrap_or(&config.current).to_string();
    let profile = config.profiles.into_iter().find(|p| p.name == name);
    let profile =
        profile.ok_or_else(|| CredentialError::NoSuchProfile { profile: name.clone(), path: shown.clone() })?;
    let incomplete = |field| CredentialError::Incomplete { profile: name.clone(), path: shown.clone(), field };
    let token = match profile.mode.as_str() {
        "AK" | "" => None,
        "StsToken" if profile.sts_token.is_empty() => return Err(incomplete("sts_token")),
        "StsToken" => Some(Secret(profile.sts_token)),
        other => {
            return Err(CredentialError::UnsupportedMode { profile: name, path: shown, mode: other.to_string() });
        }
    };
    if profile.access_key_id.is_empty() {
        return Err(incomplete("access_key_id"));
    }
    if profile.access_key_secret.is_empty() {
        return Err(incomplete("access_key_secret"));
    }
    Ok(Credentials {
        access_key_id: profile.access_key_id,
        access_key_secret: Secret(profile.access_key_secret),
        security_token: token,
        source: format!("profile '{name}' in {shown}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const SECRET: &str = "s3cr3t-VALUE-never-shown";
    const TOKEN: &str = "CAIS+sts-TOKEN-never-shown";

    fn lookup_with<'a>(env: &'a dyn Fn(&str) -> Option<String>, home: &Path, profile: Option<&'a str>) -> Lookup<'a> {
        Lookup { profile, env, home: Some(home.to_path_buf()) }
    }

    fn write_config(home: &Path, text: &str) {
        std::fs::create_dir_all(home.join(".aliyun")).unwrap();
        std::fs::write(home.join(".aliyun/config.json"), text).unwrap();
    }

    fn config() -> String {
        format!(
            r#"{{"current": "ak", "profiles": [
              {{"name": "ak", "mode": "AK", "access_key_id": "LTAIak", "access_key_secret": "{SECRET}"}},
              {{"name": "sts", "mode": "StsToken", "access_key_id": "STS.id", "access_key_secret": "{SECRET}", "sts_token": "{TOKEN}"}},
              {{"name": "ram", "mode": "RamRoleArn", "access_key_id": "LTAIx", "access_key_secret": "{SECRET}"}},
              {{"name": "half", "mode": "AK", "access_key_id": "LTAIx"}}]}}"#
        )
    }

    #[test]
    fn order_profile_then_environment_then_current_profile() {
        let home = tempfile::tempdir().unwrap();
        write_config(home.path(), &config());
        let vars: HashMap<&str, String> = [
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIenv".to_string()),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET.to_string()),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN.to_string()),
        ]
        .into();
        let env = |k: &str| vars.get(k).cloned();
        let c = resolve(&lookup_with(&env, home.path(), Some("sts"))).unwrap();
        assert_eq!((c.access_key_id.as_str(), c.security_token.as_ref().map(Secret::expose)), ("STS.id", Some(TOKEN)));
        let c = resolve(&lookup_with(&env, home.path(), None)).unwrap();
        assert_eq!(c.access_key_id, "LTAIenv");
        assert_eq!(c.source, "environment variables");
        let none = |_: &str| None;
        let c = resolve(&lookup_with(&none, home.path(), None)).unwrap();
        assert_eq!(c.access_key_id, "LTAIak");
        let profile_env = |k: &str| (k == "ALIBABA_CLOUD_PROFILE").then(|| "sts".to_string());
        assert_eq!(resolve(&lookup_with(&profile_env, home.path(), None)).unwrap().access_key_id, "STS.id");
    }

    #[test]
    fn clear_errors_that_say_where_they_looked() {
        let home = tempfile::tempdir().unwrap();
        let none = |_: &str| None;
        let err = resolve(&lookup_with(&none, home.path(), None)).unwrap_err();
        assert!(err.to_string().starts_with("no credentials found: looked for a profile"), "{err}");
        assert!(err.to_string().contains(".aliyun/config.json"));
        let half = |k: &str| (k == "ALIBABA_CLOUD_ACCESS_KEY_ID").then(|| "LTAIx".to_string());
        assert_eq!(
            resolve(&lookup_with(&half, home.path(), None)).unwrap_err().to_string(),
            "ALIBABA_CLOUD_ACCESS_KEY_ID is set but ALIBABA_CLOUD_ACCESS_KEY_SECRET is not; set both, or neither"
        );
        write_config(home.path(), &config());
        let err = resolve(&lookup_with(&none, home.path(), Some("ram"))).unwrap_err();
        assert!(
            err.to_string().contains("uses mode 'RamRoleArn'; smcplan supports the modes AK and StsToken"),
            "{err}"
        );
        let err = resolve(&lookup_with(&none, home.path(), Some("half"))).unwrap_err();
        assert!(err.to_string().ends_with("has no access_key_secret"), "{err}");
        let err = resolve(&lookup_with(&none, home.path(), Some("nope"))).unwrap_err();
        assert!(err.to_string().starts_with("profile 'nope' is not in "), "{err}");
    }

    #[test]
    fn secrets_never_appear_in_debug_display_or_errors() {
        let home = tempfile::tempdir().unwrap();
        write_config(home.path(), &config());
        let none = |_: &str| None;
        let c = resolve(&lookup_with(&none, home.path(), Some("sts"))).unwrap();
        let shown = format!("{c:?} {} {}", c.access_key_secret, c.security_token.as_ref().unwrap());
        assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
        for name in ["ram", "half", "nope"] {
            let err = resolve(&lookup_with(&none, home.path(), Some(name))).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
        }
        write_config(
            home.path(),
            &format!(
                "{{\"current\": \"x\", \"profiles\": [{{\"name\": \"x\", \"access_key_secret\": [\"{SECRET}\"]}}]}}"
            ),
        );
        let err = resolve(&lookup_with(&none, home.path(), None)).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(SECRET), "{shown}");
    }
}
