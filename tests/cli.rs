//! The `smcplan` binary end to end: exit codes, output formats, unusable input.

use assert_cmd::Command;
use std::io::Write;
use std::path::Path;

const NOW: &str = "2026-11-27T08:00:00Z";

fn smcplan() -> Command {
    let mut cmd = Command::cargo_bin("smcplan").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).env_remove("CLICOLOR_FORCE").env("NO_COLOR", "1");
    cmd
}

fn stdout_of(cmd: &mut Command, code: i32) -> String {
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(code), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn sample_inventory_is_clean_against_sample_account() {
    let out = stdout_of(
        smcplan().args(["validate", "samples/inventory.csv", "--account", "samples/account.json", "--now", NOW]),
        0,
    );
    insta::assert_snapshot!(out);
}

#[test]
fn broken_sample_reports_every_code() {
    let args = [
        "validate",
        "samples/broken.csv",
        "--account",
        "samples/account.json",
        "--quota",
        "14",
        "--format",
        "json",
        "--now",
        NOW,
    ];
    let out = stdout_of(smcplan().args(args), 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let found: std::collections::BTreeSet<&str> =
        v["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    for code in smcplan::diagnostics::codes::ALL {
        assert!(found.contains(code.id), "samples/broken.csv does not show {}", code.id);
    }
    insta::assert_snapshot!(out);
}

#[test]
fn human_output_names_file_line_column_code_and_hint() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "inv.csv", b"RegionId,SourceId,SystemDiskSize,Nmae\ncn-hangzhou,s-bp1e2fsl57knvuug0001,19,x\n");
    let out = stdout_of(smcplan().current_dir(dir.path()).args(["validate", "inv.csv", "--now", NOW]), 1);
    insta::assert_snapshot!(out, @r"
    warning[Column.Unknown]: unknown column 'Nmae' is ignored; did you mean 'Name'?
      --> inv.csv:1 column Nmae
       = hint: the column is ignored; rename it to an API parameter, or keep it for your own notes (an error under --strict)

    error[SystemDiskSize.OutOfRange]: must be 20..2048 GiB, got 19
      --> inv.csv:2 column SystemDiskSize
       = hint: the system disk is 20 to 2048 GiB

    error[ImageName.Missing]: TargetType Image requires ImageName
      --> inv.csv:2 column ImageName
       = hint: an Image target needs ImageName

    warning[TargetType.Missing]: TargetType is not set; checked as Image, the API's documented example
      --> inv.csv:2 column TargetType
       = hint: the API's default target type is not documented; set TargetType explicitly

    inv.csv: 1 row, 0 valid, 2 errors, 2 warnings
    ");
}

#[test]
fn colors_follow_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "inv.csv", b"RegionId,SourceId\nHangzhou,s-bp1e2fsl57knvuug0001\n");
    let plain = stdout_of(smcplan().current_dir(dir.path()).args(["validate", "inv.csv"]), 1);
    assert!(!plain.contains('\x1b'));
    let colored = stdout_of(
        smcplan()
            .current_dir(dir.path())
            .env_remove("NO_COLOR")
            .env("CLICOLOR_FORCE", "1")
            .args(["validate", "inv.csv"]),
        1,
    );
    assert!(colored.contains('\x1b'), "{colored}");
}

#[test]
fn strict_makes_unknown_columns_errors() {
    let dir = tempfile::tempdir().unwrap();
    let body = b"RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize,owner\ncn-hangzhou,s-bp1e2fsl57knvuug0001,web01,Image,img-web01,40,1\n";
    write(dir.path(), "inv.csv", body);
    smcplan().current_dir(dir.path()).args(["validate", "inv.csv"]).assert().code(0);
    smcplan().current_dir(dir.path()).args(["validate", "inv.csv", "--strict"]).assert().code(1);
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path).unwrap().write_all(bytes).unwrap();
    path
}

#[test]
fn unusable_input_is_one_line_naming_the_file_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = b"RegionId,SourceId\ncn-hangzhou,".to_vec();
    big.extend(std::iter::repeat_n(b'x', 50 << 20));
    big.push(b'\n');
    let mut garbage = Vec::new();
    let mut x: u32 = 12345;
    for _ in 0..100_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        garbage.push((x >> 16) as u8);
    }
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.csv", vec![], "empty.csv: the file is empty (expected a header row)"),
        ("header.csv", b"RegionId,SourceId\n".to_vec(), "header.csv: the file has a header but no rows"),
        (
            "noregion.csv",
            b"SourceId,Name\ns-a,b\n".to_vec(),
            "noregion.csv:1: the header has no RegionId column (it is required)",
        ),
        (
            "nosource.csv",
            b"RegionId,Name\ncn-hangzhou,b\n".to_vec(),
            "nosource.csv:1: the header has no SourceId column (it is required)",
        ),
        (
            "ragged.csv",
            b"RegionId,SourceId\na,b\nc,d,e\n".to_vec(),
            "ragged.csv:3: the row has 3 fields but the header has 2",
        ),
        (
            "latin1.csv",
            b"RegionId,SourceId,Name\na,b,caf\xe9\n".to_vec(),
            "latin1.csv:2: column Name (field 3) is not valid UTF-8 (save the file as UTF-8)",
        ),
        (
            "big.csv",
            big,
            "big.csv:2: the row is longer than 1048576 bytes, the most a row may hold (is this an inventory?)",
        ),
        ("garbage.bin", garbage, "garbage.bin"),
    ];
    for (name, bytes, want) in cases {
        write(dir.path(), name, &bytes);
        let out = smcplan().current_dir(dir.path()).args(["validate", name]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.starts_with(&format!("error: {want}")), "{name}: {err}");
        // The findings of the rows before the unreadable one may precede it on stdout.
    }
    let out = smcplan().current_dir(dir.path()).args(["validate", "missing.csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().starts_with("error: missing.csv: cannot open: "));
}

#[test]
fn bad_account_file_and_flags_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "inv.csv", b"RegionId,SourceId\ncn-hangzhou,s-bp1e2fsl57knvuug0001\n");
    write(dir.path(), "acct.json", br#"{"format":"smcplan-account/2"}"#);
    let out =
        smcplan().current_dir(dir.path()).args(["validate", "inv.csv", "--account", "acct.json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: acct.json: unknown format 'smcplan-account/2'; this smcplan reads 'smcplan-account/1'\n"
    );
    smcplan().current_dir(dir.path()).args(["validate", "inv.csv", "--now", "yesterday"]).assert().code(2);
    smcplan().current_dir(dir.path()).args(["plan", "inv.csv", "--rate", "0"]).assert().code(2);
    smcplan().args(["validate"]).assert().code(2);
}

#[test]
fn plan_lists_rows_in_order_with_time_estimate() {
    let out = stdout_of(
        smcplan().args([
            "plan",
            "samples/inventory.csv",
            "--account",
            "samples/account.json",
            "--rate",
            "4",
            "--now",
            NOW,
        ]),
        0,
    );
    insta::assert_snapshot!(out);
}

#[test]
fn plan_json_shows_blocked_rows_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let body = "RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize\n\
                cn-hangzhou,s-bp1e2fsl57knvuug0001,web01,Image,img-web01,40\n\
                cn-hangzhou,s-bp1e2fsl57knvuug0002,web01,Image,img-web02,19\n";
    write(dir.path(), "inv.csv", body.as_bytes());
    let out =
        stdout_of(smcplan().current_dir(dir.path()).args(["plan", "inv.csv", "--format", "json", "--rate", "2"]), 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["creates"], 1);
    assert_eq!(v["blocked"], 1);
    assert_eq!(v["seconds"], 0.5);
    assert_eq!(v["steps"][0]["action"], "create");
    assert_eq!(v["steps"][1]["action"], "blocked");
    assert_eq!(
        v["steps"][1]["blocked_by"],
        serde_json::json!(["ReplicationJobName.Duplicate", "SystemDiskSize.OutOfRange"])
    );
    // Every finding is there, warnings too, each with its hint.
    let codes: Vec<&str> = v["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["ReplicationJobName.Duplicate", "SystemDiskSize.OutOfRange"]);
    assert!(v["diagnostics"].as_array().unwrap().iter().all(|d| !d["hint"].as_str().unwrap().is_empty()));
    assert_eq!((v["errors"].as_u64(), v["warnings"].as_u64()), (Some(2), Some(0)));
    let warned = "RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize,notes\n\
                  cn-hangzhou,s-bp1e2fsl57knvuug0001,web01,Image,img-web01,40,x\n";
    write(dir.path(), "warned.csv", warned.as_bytes());
    let out = stdout_of(smcplan().current_dir(dir.path()).args(["plan", "warned.csv", "--format", "json"]), 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["warnings"], 1);
    assert_eq!(v["diagnostics"][0]["code"], "Column.Unknown");
    assert_eq!(v["diagnostics"][0]["severity"], "warning");
}

#[test]
fn under_format_json_a_failure_is_a_json_error_object_too() {
    for args in [
        &["validate", "no-such.csv", "--format", "json"][..],
        &["plan", "no-such.csv", "--format", "json"],
        &["submit", "no-such.csv", "--report", "no-such-dir", "--dry-run", "--format", "json"],
    ] {
        let out = smcplan().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains("no-such.csv"), "{message}");
        assert_eq!(v["error"]["exit_code"], 2);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("error: ") && stderr.lines().count() == 1, "{stderr}");
    }
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly_with_exit_0() {
    // Enough findings to fill a pipe many times over.
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::from("RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize\n");
    for i in 0..20_000 {
        body.push_str(&format!("cn-hangzhou,s-bp1e2fsl57knvu{i:06},n{i},Image,img-{i},19\n"));
    }
    let inv = write(dir.path(), "many.csv", body.as_bytes());
    for format in ["human", "json", "jsonl"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_smcplan"))
            .args(["validate", inv.to_str().unwrap(), "--all", "--format", format])
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 64];
        std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "{format}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn template_examples_validate_once_uncommented() {
    let template = stdout_of(smcplan().arg("template"), 0);
    let mut lines = template.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("RegionId,SourceId,Name,Description,TargetType"));
    let rows: Vec<&str> = lines.filter_map(|l| l.strip_prefix("# ")).filter(|l| l.starts_with("cn-")).collect();
    assert_eq!(rows.len(), 3);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.csv", format!("{header}\n{}\n", rows.join("\n")).as_bytes());
    let out = stdout_of(smcplan().current_dir(dir.path()).args(["validate", "t.csv", "--strict"]), 0);
    assert!(out.ends_with("t.csv: 3 rows, 3 valid, 0 errors, 0 warnings\n"), "{out}");
    // The template itself, comments and all, is a valid (empty of rows) header.
    write(dir.path(), "raw.csv", template.as_bytes());
    let out = smcplan().current_dir(dir.path()).args(["validate", "raw.csv"]).output().unwrap();
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "error: raw.csv: the file has a header but no rows\n");
}

#[test]
fn the_docs_document_every_code() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/codes.md")).unwrap();
    for code in smcplan::diagnostics::codes::ALL {
        assert!(
            docs.contains(&format!("| `{}` | {} |", code.id, format!("{:?}", code.severity).to_lowercase())),
            "{}",
            code.id
        );
    }
}

#[test]
fn emulator_prints_its_address_first_and_saves_state_on_sigterm() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_smcplan"))
        .args(["emulator", "--listen", "127.0.0.1:0", "--state-out", state.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let addr = first.trim().strip_prefix("listening on http://127.0.0.1:").unwrap();
    assert!(addr.parse::<u16>().unwrap() > 0);
    let killed = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let saved = smcplan::account::AccountState::load(&state).unwrap();
    assert_eq!(saved.source_servers.len(), 144);
}

#[test]
fn a_full_stdout_is_named_and_exits_2() {
    for args in [
        &["validate", "samples/broken.csv"][..],
        &["validate", "samples/broken.csv", "--format", "json"],
        &["template"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_smcplan"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .args(args)
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "error: writing to stdout: No space left on device (os error 28)\n"
        );
    }
}

#[test]
fn completions_and_a_manual_page() {
    for (shell, marker) in [("bash", "_smcplan()"), ("zsh", "#compdef smcplan"), ("fish", "complete -c smcplan")] {
        let out = stdout_of(smcplan().args(["completions", shell]), 0);
        assert!(out.contains(marker), "{shell}: {}", &out[..out.len().min(200)]);
        assert!(out.contains("submit") && out.contains("max-attempts"), "{shell}");
    }
    let man = stdout_of(smcplan().arg("man"), 0);
    assert!(man.contains(".TH smcplan 1") && man.contains("submit"), "{}", &man[..man.len().min(300)]);
    let submit = stdout_of(smcplan().args(["man", "submit"]), 0);
    assert!(
        submit.contains(".TH smcplan-submit 1") && submit.contains("retry\\-failed"),
        "{}",
        &submit[..submit.len().min(600)]
    );
    smcplan().args(["man", "nope"]).assert().code(2);
    smcplan().args(["completions", "tcsh"]).assert().code(2);
}

/// The rows before one that cannot be read keep their findings: they are written before the error.
#[test]
fn findings_before_an_unreadable_row_are_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("b.csv"),
        "RegionId,SourceId,Name\ncn-hangzhou,s-bp1e2fsl57knvuug0014,9a\ncn-hangzhou,s-x,a,b\n",
    )
    .unwrap();
    let out = smcplan().current_dir(dir.path()).args(["validate", "b.csv", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "Name.FirstChar");
    assert_eq!(v["error"]["message"], "b.csv:3: the row has 4 fields but the header has 3");
}
