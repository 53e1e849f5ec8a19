//! The chain's order and its errors, over which sources are present.

use super::*;
use crate::api::credentials::Provider;
use std::collections::BTreeMap;
use std::path::Path;

const SECRET: &str = "s3cr3t-VALUE-never-shown";
const TOKEN: &str = "CAIS+sts-TOKEN-never-shown";

fn write(home: &Path, rel: &str, text: &str) {
    let path = home.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn config() -> String {
    format!(
        r#"{{"current": "ak", "profiles": [
          {{"name": "ak", "mode": "AK", "access_key_id": "LTAIak", "access_key_secret": "{SECRET}", "region_id": "cn-hangzhou", "output_format": "json"}},
          {{"name": "sts", "mode": "StsToken", "access_key_id": "STS.id", "access_key_secret": "{SECRET}", "sts_token": "{TOKEN}"}},
          {{"name": "ram", "mode": "RamRoleArn", "access_key_id": "LTAIx", "access_key_secret": "{SECRET}", "ram_role_arn": "acs:ram::1:role/ops", "ram_session_name": "weekend", "expired_seconds": 900, "sts_region": "cn-shanghai"}},
          {{"name": "chain", "mode": "ChainableRamRoleArn", "source_profile": "ram", "ram_role_arn": "acs:ram::2:role/migrate"}},
          {{"name": "loop-a", "mode": "ChainableRamRoleArn", "source_profile": "loop-b", "ram_role_arn": "acs:ram::2:role/a"}},
          {{"name": "loop-b", "mode": "ChainableRamRoleArn", "source_profile": "loop-a", "ram_role_arn": "acs:ram::2:role/b"}},
          {{"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "jump-host"}},
          {{"name": "oidc", "mode": "OIDC", "oidc_provider_arn": "acs:ram::1:oidc-provider/ack", "oidc_token_file": "/var/run/token", "ram_role_arn": "acs:ram::1:role/pod"}},
          {{"name": "ext", "mode": "External", "process_command": "aliyun configure export-credentials --profile sso"}},
          {{"name": "uri", "mode": "CredentialsURI", "credentials_uri": "http://127.0.0.1:9/creds"}},
          {{"name": "sso", "mode": "CloudSSO"}},
          {{"name": "half", "mode": "AK", "access_key_id": "LTAIx"}}]}}"#
    )
}

const INI: &str = "[default]\ntype = access_key\naccess_key_id = LTAIini\naccess_key_secret = s3cr3t-VALUE-never-shown\n\n[role]\ntype = ram_role_arn\naccess_key_id = LTAIr\naccess_key_secret = x\nrole_arn = acs:ram::1:role/ini\n";

/// What the chain picks with `vars` set and the files `files` present (`config`, `ini`).
fn pick(vars: &[(&str, &str)], files: &[&str], profile: Option<&str>) -> Result<Vec<Chosen>, CredentialError> {
    let home = tempfile::tempdir().unwrap();
    if files.contains(&"config") {
        write(home.path(), ".aliyun/config.json", &config());
    }
    if files.contains(&"ini") {
        write(home.path(), ".alibabacloud/credentials", INI);
    }
    let vars: BTreeMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let env = |k: &str| vars.get(k).cloned();
    resolve(&Lookup { profile, env: &env, home: Some(home.path().to_path_buf()) })
}

fn first(vars: &[(&str, &str)], files: &[&str], profile: Option<&str>) -> (String, String) {
    let chosen = pick(vars, files, profile).unwrap().remove(0);
    (chosen.source.mode, chosen.source.place.split(" in ").next().unwrap().to_string())
}

const ENV_KEY: [(&str, &str); 2] =
    [("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIenv"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)];
const OIDC: [(&str, &str); 3] = [
    ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/pod"),
    ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::1:oidc-provider/ack"),
    ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "/var/run/token"),
];

#[test]
fn the_first_source_present_wins_in_the_sdks_order() {
    let both: Vec<(&str, &str)> = ENV_KEY.iter().chain(&OIDC).copied().collect();
    // The variables set, the files present, and the source (mode, place) that wins.
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str], (&'a str, &'a str));
    let table: [Case; 7] = [
        (&both, &["config", "ini"], ("AK", "environment variables")),
        (
            &OIDC,
            &["config", "ini"],
            ("OIDC", "environment variables (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN)"),
        ),
        (&OIDC[..2], &["config", "ini"], ("AK", "profile 'ak'")),
        (&[], &["config", "ini"], ("AK", "profile 'ak'")),
        (&[("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")], &["config", "ini"], ("AK", "[default]")),
        (&[], &["ini"], ("AK", "[default]")),
        (&[], &[], ("EcsRamRole", "the ECS instance role")),
    ];
    for (vars, files, want) in table {
        assert_eq!(first(vars, files, None), (want.0.to_string(), want.1.to_string()), "{vars:?} {files:?}");
    }
    // The profile the environment names, in either file.
    assert_eq!(first(&[("ALIBABA_CLOUD_PROFILE", "sts")], &["config", "ini"], None).0, "StsToken");
    assert_eq!(first(&[("ALIBABA_CLOUD_PROFILE", "role")], &["config", "ini"], None).0, "RamRoleArn");
    // Nothing at all but the instance role's service, then the URI after it.
    let tail = pick(&[("ALIBABA_CLOUD_CREDENTIALS_URI", "http://127.0.0.1:9/c")], &[], None).unwrap();
    assert_eq!(tail.iter().map(|c| c.source.mode.as_str()).collect::<Vec<_>>(), ["EcsRamRole", "CredentialsURI"]);
    let none = pick(&[("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")], &[], None).unwrap_err();
    assert!(none.to_string().starts_with("no credentials found: looked in ALIBABA_CLOUD_ACCESS_KEY_ID"), "{none}");
}

#[test]
fn each_mode_of_a_profile() {
    let chosen = |name: &str| pick(&[], &["config"], Some(name)).unwrap().remove(0);
    let ram = chosen("ram");
    let Provider::AssumeRole { role, source } = &ram.provider else { panic!("{ram:?}") };
    assert_eq!(
        (role.arn.as_str(), role.session_name.as_str(), role.duration_seconds),
        ("acs:ram::1:role/ops", "weekend", 900)
    );
    assert_eq!(role.sts, "https://sts.cn-shanghai.aliyuncs.com");
    assert!(matches!(**source, Provider::Static(_)));
    assert_eq!(ram.source.role_arn.as_deref(), Some("acs:ram::1:role/ops"));
    let Provider::AssumeRole { source, role } = chosen("chain").provider else { panic!() };
    assert_eq!(role.arn, "acs:ram::2:role/migrate");
    assert!(matches!(*source, Provider::AssumeRole { .. }), "the source profile is resolved first");
    assert!(matches!(chosen("ecs").provider, Provider::Ecs { role_name: Some(ref r), .. } if r == "jump-host"));
    assert!(matches!(chosen("oidc").provider, Provider::Oidc { .. }));
    assert!(matches!(chosen("ext").provider, Provider::External { .. }));
    assert!(matches!(chosen("uri").provider, Provider::Uri { .. }));
    // The STS endpoint: the environment's when the profile names none.
    let env_sts = pick(&[("ALIBABA_CLOUD_STS_ENDPOINT", "sts.example.com")], &["config"], Some("chain")).unwrap();
    let Provider::AssumeRole { role, .. } = &env_sts[0].provider else { panic!() };
    assert_eq!(role.sts, "https://sts.example.com");
}

#[test]
fn bad_profiles_are_one_line_naming_the_place_never_a_value() {
    let err = |name: &str| pick(&[], &["config", "ini"], Some(name)).unwrap_err().to_string();
    assert!(
        err("sso").contains("uses mode 'CloudSSO', which smcplan cannot use: its token comes from a browser sign-in"),
        "{}",
        err("sso")
    );
    assert!(err("half").ends_with("has no access_key_secret"));
    assert!(
        err("loop-a").contains("source_profile goes round in a circle (loop-a -> loop-b -> loop-a)"),
        "{}",
        err("loop-a")
    );
    assert!(err("nope").starts_with("profile 'nope' is not in "), "{}", err("nope"));
    let half = pick(&[("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIx")], &[], None).unwrap_err();
    assert_eq!(
        half.to_string(),
        "ALIBABA_CLOUD_ACCESS_KEY_ID is set but ALIBABA_CLOUD_ACCESS_KEY_SECRET is not; set both, or neither"
    );
    let home = tempfile::tempdir().unwrap();
    write(
        home.path(),
        ".aliyun/config.json",
        &format!("{{\"current\": \"x\", \"profiles\": [{{\"name\": \"x\", \"access_key_secret\": [\"{SECRET}\"]}}]}}"),
    );
    write(home.path(), ".alibabacloud/credentials", &format!("[default]\naccess_key_secret = {SECRET}\n[broken\n"));
    let none = |_: &str| None;
    let lookup = Lookup { profile: None, env: &none, home: Some(home.path().to_path_buf()) };
    for e in [
        resolve(&lookup).unwrap_err(),
        super::super::ini::from_ini(&lookup, &lookup.ini_file().unwrap(), "default").unwrap_err(),
    ] {
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(SECRET) && !shown.contains(TOKEN) && !shown.contains('\n'), "{shown}");
    }
}
