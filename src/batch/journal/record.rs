//! A run's record as it starts: its id, the hash of the inventory it read, and its command
//! line without secrets.

use super::{Ended, InventoryFile, RunEnd, RunRecord, RunSummary};
use crate::files::fault;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::Path;

impl RunRecord {
    /// A run starting now: `command` with `argv` (secrets masked), sent through `client`
    /// (its endpoint, key and how it reached them; none for a dry run), for rows of
    /// `regions`, from `inventory` if it read one.
    pub fn start(
        command: &str,
        argv: Vec<String>,
        client: Option<&crate::api::client::Client>,
        regions: impl IntoIterator<Item = String>,
        inventory: Option<InventoryFile>,
    ) -> RunRecord {
        let now = jiff::Timestamp::now();
        let regions: std::collections::BTreeSet<String> = regions.into_iter().filter(|r| !r.is_empty()).collect();
        RunRecord {
            run: new_id(now),
            command: command.to_string(),
            argv,
            version: env!("CARGO_PKG_VERSION").to_string(),
            endpoint: client.map(|c| c.endpoint(&crate::api::client::Api::Smc).to_string()).unwrap_or_default(),
            regions: regions.into_iter().collect(),
            access_key_id: client.map(|c| c.access_key_id().to_string()).unwrap_or_default(),
            reached: client.map(|c| c.reached().clone()),
            credentials: client.map(|c| c.keys().source().clone()),
            inventory,
            started_at: now,
        }
    }

    /// How this run ended, now.
    pub fn end(&self, ended: Ended, counts: BTreeMap<String, u64>, line: &str) -> RunEnd {
        RunEnd {
            run: self.run.clone(),
            ended_at: jiff::Timestamp::now(),
            summary: RunSummary { ended, counts, line: line.to_string() },
        }
    }
}

/// A new run id from its start time.
pub fn new_id(now: jiff::Timestamp) -> String {
    let stamp = now.strftime("%Y%m%dT%H%M%SZ").to_string();
    let mixed =
        (now.subsec_nanosecond() as u64 ^ (u64::from(std::process::id()) << 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let bits = mixed >> 48;
    format!("r-{stamp}-{bits:04x}")
}

/// The SHA-256 of a file, in lower-case hex.
pub fn sha256_of(path: &Path) -> io::Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| fault("reading", path, e))?;
    let mut hash = Sha256::new();
    let mut buf = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(|e| fault("reading", path, e))?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
    }
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Options whose value could be a secret: their value is masked in a run record.
fn holds_a_secret(option: &str) -> bool {
    let name = option.trim_start_matches('-').to_ascii_lowercase();
    ["secret", "token", "password", "key"].iter().any(|w| name.contains(w)) && name != "access-key-id"
}

/// The command line with the value of every option that could hold a secret masked
/// (`--access-key-secret S`, `--security-token=T`).
pub fn without_secrets(argv: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut mask_next = false;
    for arg in argv {
        if mask_next {
            out.push("***".to_string());
            mask_next = false;
            continue;
        }
        match arg.split_once('=') {
            Some((option, _)) if option.starts_with("--") && holds_a_secret(option) => {
                out.push(format!("{option}=***"));
            }
            _ => {
                mask_next = arg.starts_with("--") && holds_a_secret(&arg);
                out.push(arg);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Entry, RunEnd, RunRecord, RunSummary, runs_of};
    use super::*;

    #[test]
    fn secrets_are_masked_in_either_spelling() {
        let argv = ["smcplan", "emulator", "--access-key-id", "AK", "--access-key-secret", "S3cr3t"]
            .into_iter()
            .chain(["--security-token=TOK", "--report", "DIR"])
            .map(String::from);
        assert_eq!(
            without_secrets(argv),
            [
                "smcplan",
                "emulator",
                "--access-key-id",
                "AK",
                "--access-key-secret",
                "***",
                "--security-token=***",
                "--report",
                "DIR"
            ]
        );
    }

    #[test]
    fn runs_pair_their_start_and_end() {
        let start = |id: &str| {
            Entry::Run(Box::new(RunRecord { run: id.into(), command: "submit".into(), ..Default::default() }))
        };
        let end = RunEnd { run: "r-1".into(), ended_at: jiff::Timestamp::UNIX_EPOCH, summary: RunSummary::default() };
        let runs = runs_of(&[start("r-1"), start("r-2"), Entry::RunEnd(end)]);
        assert_eq!(runs.len(), 2);
        assert_eq!((runs[0].ended_at.as_deref(), runs[1].ended_at.as_deref()), (Some("1970-01-01T00:00:00Z"), None));
        let id = new_id(jiff::Timestamp::from_second(1_796_000_000).unwrap());
        assert!(id.starts_with("r-20261130T005320Z-") && id.len() == "r-20261130T005320Z-0000".len(), "{id}");
    }

    #[test]
    fn the_hash_is_of_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(&path, "abc").unwrap();
        assert_eq!(sha256_of(&path).unwrap(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
