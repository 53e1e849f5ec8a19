//! Properties of the whole check: no input makes it panic, and row order changes only what depends on order.

use proptest::prelude::*;
use smcplan::check::{self, Options};
use smcplan::diagnostics::Diagnostic;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

fn options() -> Options<'static> {
    Options {
        strict: false,
        now: "2026-11-27T08:00:00Z".parse().unwrap(),
        account: None,
        quota: Some(1_000_000),
        retain: true,
        sheet: None,
        tap: false,
    }
}

fn check_bytes(bytes: &[u8]) -> Result<check::Checked, smcplan::inventory::InputError> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    check::run(file.path(), &options(), |_, _| {})
}

/// A check either counts every row it saw or fails with one line that names the file
/// (and the line, when the fault is in a row).
fn is_clean_outcome(result: Result<check::Checked, smcplan::inventory::InputError>) -> bool {
    match result {
        Ok(c) => c.summary.rows > 0 && c.summary.valid <= c.summary.rows,
        Err(e) => {
            let shown = e.to_string();
            !shown.contains('\n') && e.line.is_none_or(|l| shown.contains(&format!(":{l}: ")))
        }
    }
}

/// Bytes that look like a CSV inventory often enough to reach the row rules.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    let cell = prop_oneof![
        Just(String::new()),
        Just("cn-hangzhou".to_string()),
        Just("s-bp1e2fsl57knvuug0001".to_string()),
        Just("\"a,\"\"b\"\"\nc\"".to_string()),
        Just("{\"checksum\":tru".to_string()),
        "[ -~]{0,12}",
        "\\PC{0,6}",
    ];
    let header = prop::sample::subsequence(
        vec![
            "RegionId",
            "SourceId",
            "Name",
            "SystemDiskSize",
            "DataDisk.1.Index",
            "Tag.1.Key",
            "ReplicationParameters",
            "ScheduledStartTime",
        ],
        0..8,
    );
    (header, prop::collection::vec(prop::collection::vec(cell, 0..9), 0..6), prop::sample::select(vec!["\n", "\r\n"]))
        .prop_map(|(header, rows, eol)| {
            let mut out = header.join(",");
            for row in rows {
                out.push_str(eol);
                out.push_str(&row.join(","));
            }
            out.into_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        prop_assert!(is_clean_outcome(check_bytes(&bytes)));
    }

    #[test]
    fn csv_like_input_never_panics(bytes in csvish()) {
        prop_assert!(is_clean_outcome(check_bytes(&bytes)));
    }

    /// The workers parse the file in pieces cut at newlines, some of them inside quoted
    /// fields: whatever the cuts, every row, line number, finding and error is the same.
    #[test]
    fn pieces_of_any_size_read_the_same(bytes in csvish(), piece_bytes in 1usize..40) {
        prop_assert_eq!(outcome(&bytes, piece_bytes), outcome(&bytes, 1 << 20));
    }
}

/// Every row a check visits (line and fields), then its summary and findings.
type Told = (Vec<(u64, Vec<String>)>, String);

/// Everything a check tells, read in pieces of about `piece_bytes` bytes.
fn outcome(bytes: &[u8], piece_bytes: usize) -> Result<Told, String> {
    let input = Box::new(std::io::Cursor::new(bytes.to_vec()));
    let reader = smcplan::inventory::Reader::from_reader("inv.csv", input).map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    let checked = check::run_reader(reader.with_piece_bytes(piece_bytes), &options(), |row, _| {
        rows.push((row.line, row.fields().map(str::to_string).collect()));
    })
    .map_err(|e| e.to_string())?;
    let findings = checked.diagnostics.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>().join("\n");
    Ok((rows, format!("{:?}\n{findings}", checked.summary)))
}

/// A row from small pools of values, so that rows clash often.
fn row() -> impl Strategy<Value = Vec<String>> {
    let pick = |v: &[&str]| prop::sample::select(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    (
        pick(&["cn-hangzhou", "cn-beijing", "Hangzhou"]),
        pick(&["s-bp1e2fsl57knvuug0001", "s-bp1e2fsl57knvuug0002", "s-bp1e2fsl57knvuug0003", "s-x"]),
        pick(&["web01", "web02", "db01", "1bad"]),
        pick(&["img-a", "img-b", ""]),
        pick(&["40", "19", "x"]),
        pick(&["", "tok-1", "tok-2"]),
        pick(&["", "env", "aliyun-x"]),
    )
        .prop_map(|(a, b, c, d, e, f, g)| vec![a, b, c, d, e, f, g])
}

const HEADER: &str = "rowid,RegionId,SourceId,Name,ImageName,SystemDiskSize,ClientToken,Tag.1.Key";

/// Writes rows in the given order, each carrying its identity in the `rowid` column.
fn inventory(rows: &[Vec<String>], order: &[usize]) -> Vec<u8> {
    let mut out = String::from(HEADER);
    for &i in order {
        out.push_str(&format!("\n{i},{}", rows[i].join(",")));
    }
    out.into_bytes()
}

type Own = BTreeMap<usize, BTreeSet<(String, String)>>;
type Groups = BTreeSet<(String, BTreeSet<usize>)>;

/// Splits findings into each row's own ones and the groups of rows that clash, by row identity.
fn findings(bytes: &[u8]) -> (Own, Groups) {
    let mut ids: BTreeMap<u64, usize> = BTreeMap::new();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    let checked = check::run(file.path(), &options(), |row, _| {
        ids.insert(row.line, row.fields().next().unwrap().parse().unwrap());
    })
    .unwrap();
    let mut own = Own::new();
    let mut links: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    for d in checked.diagnostics.iter().filter(|d| d.line > 1) {
        let id = ids[&d.line];
        match d.related_line {
            Some(r) => links.entry(d.code.to_string()).or_default().push((id, ids[&r])),
            None => {
                own.entry(id).or_default().insert((d.code.to_string(), column(&checked, d)));
            }
        }
    }
    let groups = links
        .into_iter()
        .flat_map(|(code, pairs)| components(pairs).into_iter().map(move |g| (code.clone(), g)))
        .collect();
    (own, groups)
}

fn column(checked: &check::Checked, d: &Diagnostic) -> String {
    smcplan::print::render::column_name(&checked.schema.names, d.column).unwrap_or("-").to_string()
}

/// Connected groups of rows linked by clashes.
fn components(pairs: Vec<(usize, usize)>) -> Vec<BTreeSet<usize>> {
    let mut groups: Vec<BTreeSet<usize>> = Vec::new();
    for (a, b) in pairs {
        let joined: Vec<usize> =
            (0..groups.len()).filter(|&i| groups[i].contains(&a) || groups[i].contains(&b)).collect();
        let mut merged: BTreeSet<usize> = [a, b].into();
        for i in joined.into_iter().rev() {
            merged.extend(groups.remove(i));
        }
        groups.push(merged);
    }
    groups
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn shuffling_rows_keeps_own_findings_and_clashing_groups(
        rows in prop::collection::vec(row(), 1..24),
        seed in any::<u64>(),
    ) {
        let order: Vec<usize> = (0..rows.len()).collect();
        let mut shuffled = order.clone();
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let (own_a, groups_a) = findings(&inventory(&rows, &order));
        let (own_b, groups_b) = findings(&inventory(&rows, &shuffled));
        prop_assert_eq!(own_a, own_b);
        prop_assert_eq!(groups_a, groups_b);
    }
}

/// An account of generated source servers (names of any text, repeated or empty, states,
/// disks of any size and index) and jobs (some holding servers, names clashing with the
/// servers'), and a job quota.
fn generated_account() -> impl Strategy<Value = smcplan::account::AccountState> {
    let name = prop_oneof![
        Just("db01".to_string()),
        Just("web 01".to_string()),
        Just(String::new()),
        "\\PC{0,12}",
        "[a-z]{1,3}"
    ];
    let state = prop::sample::select(vec!["Available", "Available", "Available", "Unavailable", "InUse", "Deleting"]);
    let disk = (0i64..20, prop::sample::select(vec![0i64, 5, 20, 100, 500, 32768, 40000]));
    let server = (
        0u32..40,
        name.clone(),
        state,
        prop::option::of(prop::sample::select(vec![0i64, 19, 40, 80, 2048, 4096])),
        prop::collection::vec(disk, 0..4),
    );
    let job = (0u32..40, name, prop::sample::select(vec!["Running", "Finished", "Ready", "InError"]));
    (
        prop::collection::vec(server, 0..25),
        prop::collection::vec(job, 0..6),
        prop::sample::select(vec![1u64, 5, 20, 1000]),
    )
        .prop_map(|(servers, jobs, quota)| {
            let servers: Vec<serde_json::Value> = servers
                .into_iter()
                .map(|(n, name, state, system, disks)| {
                    let disks: Vec<serde_json::Value> = disks
                        .into_iter()
                        .map(|(index, size)| serde_json::json!({"Index": index, "Size": size}))
                        .collect();
                    serde_json::json!({"SourceId": format!("s-bp1e2fsl57knvuug{n:04}"), "Name": name, "State": state,
                        "SystemDiskSize": system, "DataDisks": disks})
                })
                .collect();
            let jobs: Vec<serde_json::Value> = jobs
                .into_iter()
                .enumerate()
                .map(|(i, (n, name, status))| {
                    serde_json::json!({"JobId": format!("j-bp17bclvg344jlyt{i:04}"), "Name": name,
                        "SourceId": format!("s-bp1e2fsl57knvuug{n:04}"), "RegionId": "cn-hangzhou",
                        "ImageName": format!("img-{name}"), "Status": status})
                })
                .collect();
            let v = serde_json::json!({"format": "smcplan-account/1", "quota": {"replication_jobs": quota},
                "source_servers": servers, "replication_jobs": jobs});
            smcplan::account::AccountState::parse(&v.to_string()).unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// `init`'s draft validates with zero errors against the account it was drafted from,
    /// whatever that account holds.
    #[test]
    fn an_init_draft_validates_clean_against_its_account(state in generated_account()) {
        let account = smcplan::account::AccountIndex::new(state);
        let opts = smcplan::init::Options { region: "cn-hangzhou".into(), target: smcplan::check::validate::TargetType::Image };
        let draft = smcplan::init::draft(&account, &opts);
        prop_assume!(!draft.rows.is_empty());
        let mut text = Vec::new();
        smcplan::init::write_csv(&draft, &mut text).unwrap();
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&text).unwrap();
        let opts = Options { account: Some(&account), quota: None, ..options() };
        let checked = check::run(file.path(), &opts, |_, _| {}).unwrap();
        let errors: Vec<String> = checked.diagnostics.iter().filter(|d| d.severity == smcplan::diagnostics::Severity::Error).map(|d| format!("{}: {} {}", d.line, d.code, d.message)).collect();
        prop_assert!(errors.is_empty(), "{errors:?}\n{}", String::from_utf8_lossy(&text));
        prop_assert_eq!(checked.summary.rows as usize, draft.rows.len());
    }
}

/// A file whose first rows are long makes the batch checks' table, sized ahead from the
/// first piece, far too small: the keys past its room must clash exactly as they do when
/// the input's size is unknown and nothing is sized ahead.
#[test]
fn keys_past_the_table_sized_ahead_clash_as_in_a_stream() {
    let mut bytes = b"RegionId,SourceId,Name,Description\n".to_vec();
    let long = "d".repeat(300);
    for i in 0..100 {
        writeln!(bytes, "cn-hangzhou,s-long{i},long-{i},{long}").unwrap();
    }
    // A few thousand rows guessed from the first piece, 30,100 read: names and sources repeat.
    for i in 0..30_000 {
        writeln!(bytes, "cn-hangzhou,s-{},web-{},", i % 9_000, i % 7_000).unwrap();
    }
    let from_file = check_bytes(&bytes).unwrap();
    let findings = from_file.diagnostics.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>().join("\n");
    let (_, streamed) = outcome(&bytes, 1 << 15).unwrap();
    assert_eq!(format!("{:?}\n{findings}", from_file.summary), streamed);
    let clashes = from_file.diagnostics.iter().filter(|d| d.related_line.is_some()).count();
    assert_eq!(clashes, 23_000 + 21_000, "names past 7,000 rows and sources past 9,000");
}
