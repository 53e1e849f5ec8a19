//! Properties of the command on the sample inventory broken at any line: the exit code and
//! the finding the break calls for, in every format, and never a panic; and the sample's
//! findings the same on any number of threads.

use proptest::prelude::*;
use std::path::Path;

/// How a mutation breaks line `k` of the sample inventory, and what validate must then say.
#[derive(Clone, Copy, Debug)]
enum Break {
    /// Invalid UTF-8 in a cell: exit 2, one line naming line k.
    BadText,
    /// A NUL byte: exit 2, one line naming line k.
    Nul,
    /// One field too many: exit 2, one line naming line k.
    ExtraField,
    /// One field too few: exit 2, one line naming line k.
    MissingField,
    /// A system disk below the API's 20 GiB: exit 1, a finding on line k.
    SmallDisk,
    /// Nothing: exit 0.
    None,
}

fn broken_sample(k: usize, how: Break, cell: usize) -> Vec<u8> {
    let text = include_str!("../samples/inventory.csv");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let line = &mut lines[k - 1];
    let mut bytes = std::mem::take(line).into_bytes();
    let commas: Vec<usize> = bytes.iter().enumerate().filter(|(_, b)| **b == b',').map(|(i, _)| i).collect();
    let at = commas[cell % commas.len()] + 1;
    match how {
        Break::BadText => drop(bytes.splice(at..at, [0xff, 0xfe])),
        Break::Nul => bytes.insert(at, 0),
        Break::ExtraField => bytes.extend_from_slice(b",extra"),
        Break::MissingField => bytes.truncate(*commas.last().unwrap()),
        Break::SmallDisk | Break::None => {}
    }
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if i == k - 1 {
            let mut row = String::from_utf8_lossy(&bytes).into_owned();
            if matches!(how, Break::SmallDisk) {
                let mut cells: Vec<&str> = row.split(',').collect();
                cells[7] = "19";
                row = cells.join(",");
            }
            if matches!(how, Break::BadText | Break::Nul) {
                out.extend_from_slice(&bytes);
            } else {
                out.extend_from_slice(row.as_bytes());
            }
        } else {
            out.extend_from_slice(l.as_bytes());
        }
        out.push(b'\n');
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The binary on a sample broken at a known line: the exit class, one line for an
    /// unusable input, and the line it names.
    #[test]
    fn a_broken_line_is_named_with_the_right_exit_class(
        k in 2usize..=21,
        how in prop::sample::select(vec![
            Break::BadText, Break::Nul, Break::ExtraField, Break::MissingField, Break::SmallDisk, Break::None,
        ]),
        cell in 0usize..40,
        format in prop::sample::select(vec!["human", "json"]),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inv.csv");
        std::fs::write(&path, broken_sample(k, how, cell)).unwrap();
        let out = assert_cmd::Command::cargo_bin("smcplan").unwrap()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .args(["validate", path.to_str().unwrap(), "--account", "samples/account.json"])
            .args(["--now", "2026-11-27T08:00:00Z", "--format", format])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        match how {
            Break::BadText | Break::Nul | Break::ExtraField | Break::MissingField => {
                prop_assert_eq!(out.status.code(), Some(2), "{}", stderr);
                prop_assert_eq!(stderr.lines().count(), 1, "{}", stderr);
                let at = format!("inv.csv:{k}: ");
                prop_assert!(stderr.contains(&at), "{:?} should name line {}", stderr, k);
            }
            Break::SmallDisk => {
                prop_assert_eq!(out.status.code(), Some(1), "{}", stderr);
                if format == "json" {
                    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                    let hit = v["diagnostics"].as_array().unwrap().iter().any(|d| {
                        d["line"] == k as u64 && d["column"] == "SystemDiskSize" && d["code"] == "SystemDiskSize.OutOfRange"
                    });
                    prop_assert!(hit, "{}", stdout);
                } else {
                    let at = format!("inv.csv:{k} column SystemDiskSize");
                    prop_assert!(stdout.contains(&at), "{}", stdout);
                }
            }
            Break::None => prop_assert_eq!(out.status.code(), Some(0), "{}{}", stdout, stderr),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Mutations of the samples through every stage and printer in memory (the fuzz
    /// target's body): never a panic, and an unusable input is one line naming the file.
    #[test]
    fn mutated_samples_never_panic(
        base in prop::sample::select(vec![
            include_bytes!("../samples/inventory.csv").as_slice(),
            include_bytes!("../samples/broken.csv").as_slice(),
        ]),
        edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(vec![
            &b"\""[..], b",", b"\n", b"\r", b"\xff", b"\0", b"#", b"\xef\xbb\xbf", b"", b"-1", b"\xe4\xb8",
        ])), 1..6),
    ) {
        let mut bytes = base.to_vec();
        for (at, token) in edits {
            let at = at.index(bytes.len() + 1);
            if token.is_empty() && at < bytes.len() {
                bytes.remove(at);
            } else {
                bytes.splice(at..at, token.iter().copied());
            }
        }
        if let Err(e) = smcplan::fuzzing::offline(&bytes, None) {
            let shown = e.to_string();
            prop_assert!(shown.starts_with("fuzz.csv") && !shown.contains('\n'), "{}", shown);
        }
    }
}

#[test]
fn output_is_identical_for_any_thread_count() {
    // The sample's rows sixty times over: a megabyte, some sixteen pieces, each with clashes
    // with the pieces before it.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sample = std::fs::read_to_string(root.join("samples/broken.csv")).unwrap();
    let (header, rows) = sample.split_once('\n').unwrap();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.csv");
    std::fs::write(&big, format!("{header}\n{}", rows.repeat(60))).unwrap();
    let account = root.join("samples/account.json");
    for input in [root.join("samples/broken.csv"), big] {
        let findings = |threads: &str| {
            let out = assert_cmd::Command::cargo_bin("smcplan")
                .unwrap()
                .env("SMCPLAN_THREADS", threads)
                .arg("validate")
                .arg(&input)
                .arg("--account")
                .arg(&account)
                .args(["--format", "json", "--now", "2026-11-27T08:00:00Z"])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
            out.stdout
        };
        let one = findings("1");
        for threads in ["2", "3", "8"] {
            assert!(findings(threads) == one, "{threads} threads differ on {}", input.display());
        }
    }
}
