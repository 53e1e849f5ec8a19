//! Whole-batch conflicts: values two rows may not share, and the account's job quota.
//!
//! Rows are checked in file order and each finding names the earlier line it clashes
//! with. Keys are kept as 64-bit hashes so that a million-row batch fits in a few
//! dozen megabytes; two different values sharing a hash would be reported as a clash
//! (odds about 1 in 10^7 for a million distinct values of one kind).

use crate::diagnostics::{Code, Column, Diagnostic, codes};
use crate::inventory::{Param, Row};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// What two rows may not share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Name = 1,
    Image = 2,
    Source = 3,
    Instance = 4,
    Token = 5,
}

const KINDS: [Kind; 5] = [Kind::Name, Kind::Image, Kind::Source, Kind::Instance, Kind::Token];

/// A row's conflict keys, computed alongside its row rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Keys([Option<u64>; 5]);

/// Hashes the values of a row that must be unique in the batch.
pub fn keys(row: &Row) -> Keys {
    let h = |kind: Kind, text: &str| xxh3_64_with_seed(text.as_bytes(), kind as u64);
    let image = match (row.text(Param::RegionId), row.text(Param::ImageName)) {
        (Some(region), Some(image)) => Some(xxh3_64_with_seed(image.as_bytes(), h(Kind::Image, region))),
        _ => None,
    };
    Keys([
        row.text(Param::Name).map(|t| h(Kind::Name, t)),
        image,
        row.text(Param::SourceId).map(|t| h(Kind::Source, t)),
        row.text(Param::InstanceId).map(|t| h(Kind::Instance, t)),
        row.text(Param::ClientToken).map(|t| h(Kind::Token, t)),
    ])
}

/// The keys are already hashes: use them as they are.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys are hashed")
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The batch seen so far.
pub struct Batch {
    first_line: HashMap<u64, u64, BuildHasherDefault<Identity>>,
    existing_jobs: u64,
    quota: u64,
    admitted: u64,
}

impl Batch {
    /// A batch for an account that already holds `existing_jobs` of its `quota`.
    pub fn new(existing_jobs: u64, quota: u64) -> Batch {
        Batch { first_line: HashMap::default(), existing_jobs, quota, admitted: 0 }
    }

    /// Records a row's keys and reports those an earlier row already used.
    pub fn check(&mut self, row: &Row, keys: &Keys, out: &mut Vec<Diagnostic>) {
        for (kind, key) in KINDS.iter().zip(keys.0) {
            let Some(key) = key else { continue };
            let first = *self.first_line.entry(key).or_insert(row.line);
            if first != row.line {
                out.push(clash(row, *kind, first));
            }
        }
    }

    /// Counts a row against the quota once its other findings are known.
    pub fn admit(&mut self, row: &Row, has_error: bool, out: &mut Vec<Diagnostic>) {
        if has_error {
            return;
        }
        if self.existing_jobs + self.admitted >= self.quota {
            let message = format!(
                "the account's quota of {} jobs is used up: {} exist and {} earlier rows create the rest",
                self.quota, self.existing_jobs, self.admitted
            );
            out.push(Diagnostic::new(row.line, Column::Row, codes::QUOTA_EXCEEDED, message));
        } else {
            self.admitted += 1;
        }
    }
}

fn clash(row: &Row, kind: Kind, first: u64) -> Diagnostic {
    let (param, code, what): (Param, Code, &str) = match kind {
        Kind::Name => (Param::Name, codes::NAME_DUPLICATE, "name"),
        Kind::Image => (Param::ImageName, codes::IMAGE_NAME_IN_USE, "image name"),
        Kind::Source => (Param::SourceId, codes::SOURCE_DUPLICATE, "source server"),
        Kind::Instance => (Param::InstanceId, codes::INSTANCE_DUPLICATE, "destination instance"),
        Kind::Token => (Param::ClientToken, codes::CLIENT_TOKEN_DUPLICATE, "ClientToken"),
    };
    let cell = row.get(param).expect("a key comes from a set cell");
    let message = match kind {
        Kind::Image => format!(
            "image name '{}' is already used in {} on line {first}",
            cell.text,
            row.text(Param::RegionId).unwrap_or_default()
        ),
        _ => format!("{what} '{}' is already used on line {first}", cell.text),
    };
    Diagnostic::new(row.line, cell.column(), code, message).related(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Schema;
    use csv::StringRecord;

    fn run(rows: &[[&str; 6]], existing: u64, quota: u64) -> Vec<(u64, &'static str, Option<u64>, String)> {
        let names = ["RegionId", "SourceId", "Name", "ImageName", "InstanceId", "ClientToken"];
        let schema = Schema::parse(names.map(String::from).to_vec()).unwrap();
        let mut batch = Batch::new(existing, quota);
        let mut out = Vec::new();
        for (i, cells) in rows.iter().enumerate() {
            let rec = StringRecord::from(cells.to_vec());
            let row = Row::new(i as u64 + 2, &schema, &rec);
            let before = out.len();
            batch.check(&row, &keys(&row), &mut out);
            let has_error = out.len() > before;
            batch.admit(&row, has_error, &mut out);
        }
        out.into_iter().map(|d| (d.line, d.code, d.related_line, d.message)).collect()
    }

    #[test]
    fn duplicates_name_the_first_line() {
        let got = run(
            &[
                ["cn-hangzhou", "s-a1", "web-01", "img-a", "i-x1", "t1"],
                ["cn-beijing", "s-a2", "web-02", "img-a", "", ""],
                ["cn-hangzhou", "s-a1", "web-01", "img-a", "i-x1", "t1"],
                ["cn-beijing", "s-a3", "web-01", "img-b", "", ""],
            ],
            0,
            1000,
        );
        let short: Vec<_> = got.iter().map(|(l, c, r, _)| (*l, *c, *r)).collect();
        assert_eq!(
            short,
            vec![
                (4, "ReplicationJobName.Duplicate", Some(2)),
                (4, "ImageName.UsedByReplicationJob", Some(2)),
                (4, "SourceId.Duplicate", Some(2)),
                (4, "InstanceId.Duplicate", Some(2)),
                (4, "ClientToken.Duplicate", Some(2)),
                (5, "ReplicationJobName.Duplicate", Some(2)),
            ]
        );
        assert_eq!(got[0].3, "name 'web-01' is already used on line 2");
        assert_eq!(got[1].3, "image name 'img-a' is already used in cn-hangzhou on line 2");
    }

    #[test]
    fn quota_names_exactly_the_rows_past_the_limit() {
        let rows: Vec<[&str; 6]> = ["s-1", "s-2", "s-3", "s-4"].iter().map(|s| ["cn-hangzhou", s, "", "", "", ""]).collect();
        let got = run(&rows, 998, 1000);
        let short: Vec<_> = got.iter().map(|(l, c, _, _)| (*l, *c)).collect();
        assert_eq!(short, vec![(4, "QuotaExceeded.ReplicationJob"), (5, "QuotaExceeded.ReplicationJob")]);
        assert_eq!(got[0].3, "the account's quota of 1000 jobs is used up: 998 exist and 2 earlier rows create the rest");
    }

    #[test]
    fn rows_with_errors_do_not_use_quota() {
        let rows = [["cn-hangzhou", "s-1", "", "", "", ""], ["cn-hangzhou", "s-1", "", "", "", ""], ["cn-hangzhou", "s-2", "", "", "", ""]];
        let got = run(&rows, 0, 2);
        let short: Vec<_> = got.iter().map(|(l, c, _, _)| (*l, *c)).collect();
        assert_eq!(short, vec![(3, "SourceId.Duplicate")]);
    }
}
