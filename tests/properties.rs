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
    }
}

fn check_bytes(bytes: &[u8]) -> Result<check::Checked, smcplan::inventory::InputError> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    check::run(file.path(), &options(), |_, _| {})
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
        let _ = check_bytes(&bytes);
    }

    #[test]
    fn csv_like_input_never_panics(bytes in csvish()) {
        let _ = check_bytes(&bytes);
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
    smcplan::diagnostics::render::column_name(&checked.schema.names, d.column).unwrap_or("-").to_string()
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
