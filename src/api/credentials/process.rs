//! Credentials another program gives: an External profile's command (split as a shell would,
//! run without one, its JSON read from stdout within 60 s, its stderr passed through, its
//! output never printed), and a credentials URI's JSON.

use super::sts::Flat as Answer;
use super::{CredentialError, Credentials, Secret};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long an External command has.
const WITHIN: Duration = Duration::from_secs(60);

#[derive(serde::Deserialize)]
struct Printed {
    #[serde(default)]
    mode: String,
    access_key_id: String,
    access_key_secret: String,
    #[serde(default)]
    sts_token: String,
    #[serde(default)]
    expiration: String,
}

/// Runs `command` and reads the credentials it prints.
pub fn external(command: &str, place: &str) -> Result<Credentials, CredentialError> {
    run(command, place, WITHIN)
}

fn run(command: &str, place: &str, within: Duration) -> Result<Credentials, CredentialError> {
    let fail = |message: String| CredentialError::Fetch { place: format!("{place} (process_command)"), message };
    let words = shlex::split(command)
        .filter(|w| !w.is_empty())
        .ok_or_else(|| fail("cannot split the command (an unclosed quote?)".into()))?;
    let mut child = Command::new(&words[0])
        .args(&words[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| fail(format!("cannot run {} ({})", words[0], e.kind())))?;
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        // At most 1 MiB: credentials are a few hundred bytes.
        let _ = (&mut stdout).take(1 << 20).read_to_end(&mut out);
        out
    });
    let deadline = Instant::now() + within;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format!("did not finish within {} s", within.as_secs())));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(fail(format!("cannot wait for it ({})", e.kind()))),
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(fail(format!("it exited with {status}")));
    }
    // Nothing of what it printed is said: it holds the secret.
    let printed: Printed =
        serde_json::from_slice(&out).map_err(|_| fail("it did not print credentials as JSON".into()))?;
    if printed.access_key_id.is_empty() || printed.access_key_secret.is_empty() {
        return Err(fail("what it printed lacks access_key_id or access_key_secret".into()));
    }
    let token = match printed.mode.as_str() {
        "StsToken" if printed.sts_token.is_empty() => {
            return Err(fail("it printed mode StsToken without sts_token".into()));
        }
        "" | "AK" | "StsToken" => Some(printed.sts_token).filter(|t| !t.is_empty()),
        other => return Err(fail(format!("it printed mode '{other}'; the modes are AK and StsToken"))),
    };
    let expiration = match printed.expiration.is_empty() {
        true => None,
        false => Some(
            crate::time::parse_time(&printed.expiration).ok_or_else(|| fail("its expiration is not a time".into()))?,
        ),
    };
    Ok(Credentials {
        access_key_id: printed.access_key_id,
        access_key_secret: Secret::new(printed.access_key_secret),
        security_token: token.map(Secret::new),
        source: place.to_string(),
        expiration,
    })
}

/// Asks `uri` for credentials (https, or http to loopback).
pub async fn uri(http: &reqwest::Client, uri: &str) -> Result<Credentials, CredentialError> {
    let shown = crate::api::endpoint::parse_endpoint(uri.split('?').next().unwrap_or(uri))
        .map(|u| crate::api::endpoint::without_userinfo(&u))
        .unwrap_or_else(|_| "ALIBABA_CLOUD_CREDENTIALS_URI".to_string());
    let place = format!("the credentials URI {shown}");
    let fail = |message: String| CredentialError::Fetch { place: place.clone(), message };
    let url = reqwest::Url::parse(uri).map_err(|_| fail("not a URL".into()))?;
    if url.scheme() != "https" && !(url.scheme() == "http" && crate::api::endpoint::is_loopback(&url)) {
        return Err(fail("only https, or plain http to loopback".into()));
    }
    let r = http
        .get(url)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| fail(format!("no answer ({})", e.without_url())))?;
    if !r.status().is_success() {
        return Err(fail(format!("HTTP {}", r.status().as_u16())));
    }
    let body = r.bytes().await.map_err(|_| fail("no whole answer".into()))?;
    let answer: Answer = serde_json::from_slice(&body).map_err(|_| fail("the answer is not credentials".into()))?;
    if answer.code != "Success" {
        return Err(fail("the answer's Code is not Success".into()));
    }
    answer.issued.ok_or_else(|| fail("the answer has no key".into()))?.credentials(&place)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_that_fails_hangs_or_prints_no_json_is_one_line_without_its_output() {
        let secretish = "LEAKED-VALUE-1234";
        let cases = [
            ("false", "exited with"),
            ("sh -c 'echo {LEAK}'", "did not print credentials as JSON"),
            ("sleep 5", "did not finish within 1 s"),
            ("/nonexistent/cmd", "cannot run /nonexistent/cmd"),
            ("'unclosed", "cannot split"),
        ];
        for (command, said) in cases {
            let command = command.replace("{LEAK}", secretish);
            let err = run(&command, "profile 'x'", Duration::from_secs(1)).unwrap_err().to_string();
            assert!(err.contains(said), "{command}: {err}");
            assert!(!err.contains(secretish) && !err.contains('\n'), "{err}");
        }
        let ok = r#"sh -c 'echo "{\"mode\":\"StsToken\",\"access_key_id\":\"STS.a\",\"access_key_secret\":\"s\",\"sts_token\":\"t\",\"expiration\":\"2030-01-01T00:00:00Z\"}"'"#;
        let c = run(ok, "profile 'x'", Duration::from_secs(5)).unwrap();
        assert_eq!((c.access_key_id.as_str(), c.expiration.is_some()), ("STS.a", true));
    }
}
