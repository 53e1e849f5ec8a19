//! Every credential source end to end against the emulator (a submit and a status each):
//! the run record names the source, never a secret, and no file or output holds one; a
//! role refreshed during a long run; the instance role's IMDSv2 and its v1 fallback; a
//! source that fails is one line, exit 2, before anything is sent.

mod support;

use serde_json::json;
use smcplan::emulator::{Config, DEFAULT_KEY_ID, DEFAULT_KEY_SECRET, Running, demo_account};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;
use support::batch::{described, text};

const ROLE: &str = "acs:ram::1234567890:role/migration";
const ROLE2: &str = "acs:ram::1234567890:role/second-hop";
const TOKEN: &str = "CAIS-emulator-main-token-never-shown";
const OIDC_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwb2QifQ.c2lnbmF0dXJlLW5ldmVyLXNob3du";

fn emulator_with(tweak: impl FnOnce(&mut Config)) -> Running {
    let mut c = Config::local(demo_account());
    c.roles = vec![ROLE.into(), ROLE2.into()];
    c.ecs_role = Some("jump-host".into());
    tweak(&mut c);
    Running::start(c).unwrap()
}

/// The binary with `home` as HOME and no credentials in its environment.
fn bare(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smcplan"));
    cmd.current_dir(home).env("HOME", home).env("NO_COLOR", "1").stdin(std::process::Stdio::null());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("ALIBABA_CLOUD_") || k.starts_with("SMCPLAN_")) {
        cmd.env_remove(k);
    }
    cmd
}

fn config(home: &Path, profiles: serde_json::Value) {
    std::fs::create_dir_all(home.join(".aliyun")).unwrap();
    let text = json!({"current": profiles[0]["name"], "profiles": profiles}).to_string();
    std::fs::write(home.join(".aliyun/config.json"), text).unwrap();
}

fn inventory(home: &Path, first: u32) -> std::path::PathBuf {
    let path = home.join("inventory.csv");
    let rows: String = (first..first + 2)
        .map(|n| format!("cn-hangzhou,s-bp1e2fsl57knvuug{n},cred-{n},Image,img-cred-{n},60\n"))
        .collect();
    std::fs::write(&path, format!("RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize\n{rows}")).unwrap();
    path
}

/// A submit and a status with `cmd`'s credentials; what they said, and the run record.
fn submit_and_status(
    e: &Running,
    home: &Path,
    first: u32,
    tweak: &dyn Fn(&mut Command),
) -> (String, serde_json::Value) {
    let dir = home.join("jobs");
    let inv = inventory(home, first);
    let mut submit = bare(home);
    submit.args(["submit", inv.to_str().unwrap(), "--report", dir.to_str().unwrap(), "--endpoint", &e.url()]);
    tweak(&mut submit);
    let out = submit.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut status = bare(home);
    status.args(["status", dir.to_str().unwrap()]);
    tweak(&mut status);
    let st = status.output().unwrap();
    assert_eq!(st.status.code(), Some(0), "{}", text(&st));
    let journal = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    let run: serde_json::Value = serde_json::from_str(journal.lines().next().unwrap()).unwrap();
    (format!("{}{}", text(&out), text(&st)), run)
}

/// No file under `dir` and nothing said holds any of `secrets`.
fn assert_nothing_holds(dir: &Path, said: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!said.contains(s), "the output holds a secret: {said}");
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                for s in secrets {
                    assert!(!text.contains(s), "{} holds a secret", path.display());
                }
            }
        }
    }
}

/// A source's name, its config.json profiles and the environment it needs.
type Case = (&'static str, serde_json::Value, Vec<(&'static str, String)>);

#[test]
fn each_source_submits_and_reads_and_the_record_names_it() {
    let e = emulator_with(|c| c.keys.token = None);
    let key = json!({"access_key_id": DEFAULT_KEY_ID, "access_key_secret": DEFAULT_KEY_SECRET});
    let url = e.url();
    let ram = json!({"name": "ram", "mode": "RamRoleArn", "access_key_id": DEFAULT_KEY_ID, "access_key_secret": DEFAULT_KEY_SECRET,
        "ram_role_arn": ROLE, "ram_session_name": "weekend", "sts_endpoint": url});
    // Split as a shell would, run without one: the JSON is the script's $0.
    let printed = json!({"mode": "AK", "access_key_id": DEFAULT_KEY_ID, "access_key_secret": DEFAULT_KEY_SECRET});
    let external = format!("sh -c 'printf %s \"$0\"' '{printed}'");
    let cases: Vec<Case> = vec![
        (
            "AK",
            json!([{"name": "ak", "mode": "AK", "access_key_id": key["access_key_id"], "access_key_secret": key["access_key_secret"]}]),
            vec![],
        ),
        ("RamRoleArn", json!([ram]), vec![]),
        (
            "ChainableRamRoleArn",
            json!([{"name": "hop", "mode": "ChainableRamRoleArn", "source_profile": "ram",
            "ram_role_arn": ROLE2, "sts_endpoint": url}, ram]),
            vec![],
        ),
        (
            "EcsRamRole",
            json!([{"name": "ecs", "mode": "EcsRamRole"}]),
            vec![("SMCPLAN_ECS_METADATA_ENDPOINT", url.clone())],
        ),
        ("External", json!([{"name": "ext", "mode": "External", "process_command": external}]), vec![]),
        (
            "OIDC",
            json!([{"name": "pod", "mode": "OIDC", "oidc_provider_arn": "acs:ram::1:oidc-provider/ack",
            "oidc_token_file": "TOKEN_FILE", "ram_role_arn": ROLE, "ram_session_name": "pod", "sts_endpoint": url}]),
            vec![],
        ),
    ];
    for (i, (mode, profiles, vars)) in cases.into_iter().enumerate() {
        let home = tempfile::tempdir().unwrap();
        let token_file = home.path().join("oidc-token");
        std::fs::write(&token_file, OIDC_TOKEN).unwrap();
        let profiles: serde_json::Value =
            serde_json::from_str(&profiles.to_string().replace("TOKEN_FILE", token_file.to_str().unwrap())).unwrap();
        config(home.path(), profiles);
        let before = e.issued_keys();
        // Servers of their own: a deleted job's ClientToken keeps naming the deleted job.
        let (said, run) = submit_and_status(&e, home.path(), 1001 + 2 * i as u32, &|c| {
            c.envs(vars.iter().map(|(k, v)| (*k, v.as_str())));
        });
        assert_eq!(run["credentials"]["mode"], mode, "{run}");
        assert!(said.contains(&format!("note: credentials: {mode} from ")), "{said}");
        let temporary = !matches!(mode, "AK" | "External");
        assert_eq!(run["AccessKeyId"].as_str().unwrap().starts_with("STS."), temporary, "{mode}: {run}");
        assert_eq!(e.issued_keys() > before, temporary, "{mode}");
        if matches!(mode, "RamRoleArn" | "ChainableRamRoleArn" | "OIDC") {
            assert_eq!(run["credentials"]["role_arn"], if mode == "ChainableRamRoleArn" { ROLE2 } else { ROLE });
        }
        assert_nothing_holds(home.path().join("jobs").as_path(), &said, &[DEFAULT_KEY_SECRET, OIDC_TOKEN, "CAIS"]);
    }
    // The shared INI file of the SDKs, with no CLI profile at all.
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".alibabacloud")).unwrap();
    let ini = format!(
        "[default]\ntype = access_key\naccess_key_id = {DEFAULT_KEY_ID}\naccess_key_secret = {DEFAULT_KEY_SECRET}\n"
    );
    std::fs::write(home.path().join(".alibabacloud/credentials"), ini).unwrap();
    let (said, run) = submit_and_status(&e, home.path(), 1013, &|_| {});
    assert_eq!(
        (run["credentials"]["mode"].as_str(), run["credentials"]["profile"].as_str()),
        (Some("AK"), Some("default"))
    );
    assert_nothing_holds(home.path().join("jobs").as_path(), &said, &[DEFAULT_KEY_SECRET]);
    assert_eq!(described(&e).iter().filter(|j| j.name.starts_with("cred-")).count(), 14, "two jobs a source");
}

#[test]
fn the_environment_the_ini_file_and_a_credentials_uri() {
    let e = emulator_with(|c| c.keys.token = Some(TOKEN.into()));
    let home = tempfile::tempdir().unwrap();
    // The environment's temporary key.
    let (said, run) = submit_and_status(&e, home.path(), 1001, &|c| {
        c.env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEFAULT_KEY_ID)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEFAULT_KEY_SECRET)
            .env("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN);
    });
    assert_eq!(run["credentials"]["mode"], "StsToken");
    assert_nothing_holds(home.path(), &said, &[DEFAULT_KEY_SECRET, TOKEN]);
    // A credentials URI serving the same key.
    let expiration = smcplan::time::format_time(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(2));
    let served = json!({"Code": "Success", "AccessKeyId": DEFAULT_KEY_ID, "AccessKeySecret": DEFAULT_KEY_SECRET,
        "SecurityToken": TOKEN, "Expiration": expiration})
    .to_string();
    let uri = support::start(move |_| support::Reply::Json { status: 200, headers: vec![], body: served.clone() });
    let home = tempfile::tempdir().unwrap();
    let (said, run) = submit_and_status(&e, home.path(), 1003, &|c| {
        c.env("ALIBABA_CLOUD_CREDENTIALS_URI", format!("{}/creds", uri.url()))
            .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true");
    });
    assert_eq!(run["credentials"]["mode"], "CredentialsURI");
    assert_nothing_holds(home.path(), &said, &[DEFAULT_KEY_SECRET, TOKEN]);
}

#[test]
fn a_role_is_refreshed_during_a_long_run_and_every_row_is_created_once() {
    let e = emulator_with(|c| c.sts_duration = Duration::from_secs(4));
    let home = tempfile::tempdir().unwrap();
    config(
        home.path(),
        json!([{"name": "ram", "mode": "RamRoleArn", "access_key_id": DEFAULT_KEY_ID,
        "access_key_secret": DEFAULT_KEY_SECRET, "ram_role_arn": ROLE, "sts_endpoint": e.url()}]),
    );
    let rows: String =
        (1001..1009).map(|n| format!("cn-hangzhou,s-bp1e2fsl57knvuug{n},long-{n},Image,img-long-{n},60\n")).collect();
    let inv = home.path().join("inventory.csv");
    std::fs::write(&inv, format!("RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize\n{rows}")).unwrap();
    let dir = home.path().join("jobs");
    // Eight creates at one a second outlive two lifetimes of four seconds.
    let out = bare(home.path())
        .args([
            "submit",
            inv.to_str().unwrap(),
            "--report",
            dir.to_str().unwrap(),
            "--endpoint",
            &e.url(),
            "--rate",
            "1",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["counts"]["created"], 8);
    assert!(summary["counts"]["credential_fetches"].as_u64().unwrap() > 1, "{summary}");
    assert!(e.issued_keys() > 1);
    let made = described(&e).into_iter().filter(|j| j.name.starts_with("long-")).count();
    assert_eq!(made, 8, "each row once");
}

#[test]
fn the_instance_role_falls_back_to_imdsv1_unless_it_is_disabled() {
    let e = emulator_with(|c| c.keys.token = Some(TOKEN.into()));
    let expiration = smcplan::time::format_time(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(6));
    let answer = json!({"Code": "Success", "AccessKeyId": DEFAULT_KEY_ID, "AccessKeySecret": DEFAULT_KEY_SECRET,
        "SecurityToken": TOKEN, "Expiration": expiration, "LastUpdated": expiration})
    .to_string();
    // A service that knows no IMDSv2 token.
    let v1 = support::start(move |seen| match (seen.method.as_str(), seen.path.as_str()) {
        ("PUT", _) => support::Reply::Json { status: 403, headers: vec![], body: String::new() },
        (_, "/latest/meta-data/ram/security-credentials/") => {
            support::Reply::Json { status: 200, headers: vec![], body: "old-host".into() }
        }
        (_, "/latest/meta-data/ram/security-credentials/old-host") => {
            support::Reply::Json { status: 200, headers: vec![], body: answer.clone() }
        }
        _ => support::Reply::Json { status: 404, headers: vec![], body: String::new() },
    });
    let home = tempfile::tempdir().unwrap();
    let (_, run) = submit_and_status(&e, home.path(), 1001, &|c| {
        c.env("SMCPLAN_ECS_METADATA_ENDPOINT", v1.url());
    });
    assert_eq!(run["credentials"]["mode"], "EcsRamRole");
    let out = bare(home.path())
        .args(["status", home.path().join("jobs").to_str().unwrap()])
        .env("SMCPLAN_ECS_METADATA_ENDPOINT", v1.url())
        .env("ALIBABA_CLOUD_IMDSV1_DISABLED", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("the IMDSv2 token call answered HTTP 403, and IMDSv1 is disabled"), "{}", text(&out));
    // With IMDSv2, every GET carried the session token.
    let before = e.issued_keys();
    let home = tempfile::tempdir().unwrap();
    submit_and_status(&e, home.path(), 1003, &|c| {
        c.env("SMCPLAN_ECS_METADATA_ENDPOINT", e.url());
    });
    assert!(e.issued_keys() > before);
}

/// A source that cannot give credentials: one line naming it, exit 2, nothing sent.
fn refused(e: &Running, home: &Path, tweak: &dyn Fn(&mut Command), said: &str) -> Output {
    let before = e.request_count();
    let mut cmd = bare(home);
    cmd.args(["snapshot", "--out", "state.json", "--endpoint", &e.url()]);
    tweak(&mut cmd);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(said), "{said:?} not in {err}");
    assert!(!err.contains(DEFAULT_KEY_SECRET) && !err.contains(OIDC_TOKEN), "{err}");
    let sts_calls = e.request_count() - before;
    assert!(sts_calls <= 1, "nothing but the credentials' own call");
    out
}

#[test]
fn sources_that_fail_are_one_line_and_exit_2() {
    let e = emulator_with(|_| {});
    let home = tempfile::tempdir().unwrap();
    let ram = |arn: &str| {
        json!([{"name": "ram", "mode": "RamRoleArn", "access_key_id": DEFAULT_KEY_ID,
        "access_key_secret": DEFAULT_KEY_SECRET, "ram_role_arn": arn, "sts_endpoint": e.url()}])
    };
    config(home.path(), ram("acs:ram::1:role/nobody"));
    refused(&e, home.path(), &|_| {}, "EntityNotExist.Role (HTTP 404)");
    config(
        home.path(),
        json!([{"name": "pod", "mode": "OIDC", "oidc_provider_arn": "p", "oidc_token_file": "/nonexistent/token",
        "ram_role_arn": ROLE, "sts_endpoint": e.url()}]),
    );
    refused(&e, home.path(), &|_| {}, "the OIDC token file /nonexistent/token");
    let bad_token = home.path().join("bad-token");
    std::fs::write(&bad_token, "not-a-jwt").unwrap();
    config(
        home.path(),
        json!([{"name": "pod", "mode": "OIDC", "oidc_provider_arn": "p", "oidc_token_file": bad_token,
        "ram_role_arn": ROLE, "sts_endpoint": e.url()}]),
    );
    refused(&e, home.path(), &|_| {}, "InvalidParameter.OIDCToken");
    config(
        home.path(),
        json!([{"name": "ext", "mode": "External", "process_command": format!("sh -c 'echo {DEFAULT_KEY_SECRET}; exit 3'")}]),
    );
    refused(&e, home.path(), &|_| {}, "it exited with exit status: 3");
    config(home.path(), json!([{"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "jump-host"}]));
    refused(
        &e,
        home.path(),
        &|c| {
            c.env("SMCPLAN_ECS_METADATA_ENDPOINT", "http://127.0.0.1:9");
        },
        "the ECS metadata service at http://127.0.0.1:9",
    );
    let garbage = support::start(|_| support::Reply::Json { status: 200, headers: vec![], body: "<html>".into() });
    refused(
        &e,
        home.path(),
        &|c| {
            c.env("SMCPLAN_ECS_METADATA_ENDPOINT", garbage.url());
        },
        "is not credentials",
    );
    std::fs::write(home.path().join(".aliyun/config.json"), "{\"profiles\": [").unwrap();
    refused(&e, home.path(), &|_| {}, "not a CLI config file (line 1, column 14)");
}
