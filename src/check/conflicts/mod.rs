//! Whole-batch conflicts: values two rows may not share, and the account's job quota.
//!
//! Rows are checked in file order and each finding names the earlier line it clashes
//! with. Keys are kept as 64-bit hashes (44 bits of them and the slot's place, in the
//! table sized ahead for a batch of up to a million rows, a bit less for each doubling past
//! it) so that a million-row batch fits in about 30 MB; two different values taken as one
//! would be reported as a clash (odds about 1 in 1.3 million for a million rows).

mod compact;
mod slots;
mod table;

use crate::diagnostics::{Code, Column, Diagnostic, Message, codes};
use crate::inventory::{Param, Row};
use table::FirstSeen;
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

/// A conflict: the row at `row` (an index into the checked slice) shares a `kind` key with `first`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clash {
    pub row: usize,
    kind: Kind,
    pub first: u64,
}

/// The batch seen so far.
pub struct Batch {
    seen: FirstSeen,
    existing_jobs: u64,
    quota: u64,
    admitted: u64,
    items: Vec<(u64, u64)>,
    owners: Vec<(usize, Kind)>,
    firsts: Vec<u64>,
    /// The quota's message, the same for every row past it: made once.
    over_quota: Option<&'static str>,
}

impl Batch {
    /// A batch for an account that already holds `existing_jobs` of its `quota`.
    pub fn new(existing_jobs: u64, quota: u64) -> Batch {
        Batch {
            seen: FirstSeen::default(),
            existing_jobs,
            quota,
            admitted: 0,
            items: Vec::new(),
            owners: Vec::new(),
            firsts: Vec::new(),
            over_quota: None,
        }
    }

    /// Prepares for about `rows` rows whose keys look like those of `sample` (keys past the
    /// guess cost a little more time, not more than a table that grows).
    pub fn expect_rows(&mut self, rows: u64, sample: &[(u64, Keys)]) {
        if sample.is_empty() {
            return;
        }
        let keys: usize = sample.iter().map(|(_, k)| k.0.iter().flatten().count()).sum();
        let total = (rows as f64 * keys as f64 / sample.len() as f64) as usize;
        self.seen.reserve_total(total, rows);
    }

    /// Records the keys of the next rows, `(line, keys)` in file order, and returns the
    /// clashes with earlier rows, in row order.
    pub fn check(&mut self, rows: &[(u64, Keys)]) -> Vec<Clash> {
        self.items.clear();
        self.owners.clear();
        for (i, (line, keys)) in rows.iter().enumerate() {
            for (kind, key) in KINDS.iter().zip(keys.0) {
                if let Some(key) = key {
                    self.items.push((key, *line));
                    self.owners.push((i, *kind));
                }
            }
        }
        self.seen.insert_batch(&self.items, &mut self.firsts);
        let found = self.items.iter().zip(&self.owners).zip(&self.firsts);
        found
            .filter(|(((_, line), _), first)| *first != line)
            .map(|((_, &(row, kind)), &first)| Clash { row, kind, first })
            .collect()
    }

    /// Counts a row against the quota once its other findings are known.
    pub fn admit(&mut self, row: &Row, has_error: bool, out: &mut Vec<Diagnostic>) {
        if has_error {
            return;
        }
        if self.existing_jobs + self.admitted >= self.quota {
            // Nothing is admitted past the quota, so the message stays what it was first: it
            // is made once and kept for the run (one line a check, said on every row past it).
            let (quota, existing, admitted) = (self.quota, self.existing_jobs, self.admitted);
            let message = *self.over_quota.get_or_insert_with(|| {
                let text = format!("the account's quota of {quota} jobs is used up: {existing} exist and {admitted} earlier rows create the rest");
                Box::leak(text.into_boxed_str())
            });
            out.push(Diagnostic::new(row.line, Column::Row, codes::QUOTA_EXCEEDED, Message::Kept(message)));
        } else {
            self.admitted += 1;
        }
    }
}

/// The finding for a clash of `row`.
pub fn clash(row: &Row, clash: &Clash) -> Diagnostic {
    let (kind, first) = (clash.kind, clash.first);
    let (param, code, what): (Param, Code, &str) = match kind {
        Kind::Name => (Param::Name, codes::NAME_DUPLICATE, "name"),
        Kind::Image => (Param::ImageName, codes::IMAGE_NAME_IN_USE, "image name"),
        Kind::Source => (Param::SourceId, codes::SOURCE_DUPLICATE, "source server"),
        Kind::Instance => (Param::InstanceId, codes::INSTANCE_DUPLICATE, "destination instance"),
        Kind::Token => (Param::ClientToken, codes::CLIENT_TOKEN_DUPLICATE, "ClientToken"),
    };
    let cell = row.get(param).expect("a key comes from a set cell");
    let message = match kind {
        Kind::Image => crate::msg!(
            "image name '{}' is already used in {} on line {first}",
            cell.text,
            row.text(Param::RegionId).unwrap_or_default()
        ),
        _ => crate::msg!("{what} '{}' is already used on line {first}", cell.text),
    };
    Diagnostic::new(row.line, cell.column(), code, message).related(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::RecordBuf;
    use crate::inventory::Schema;

    fn run(rows: &[[&str; 6]], existing: u64, quota: u64) -> Vec<(u64, &'static str, Option<u64>, String)> {
        let names = ["RegionId", "SourceId", "Name", "ImageName", "InstanceId", "ClientToken"];
        let schema = Schema::parse(names.map(String::from).to_vec()).unwrap();
        let mut batch = Batch::new(existing, quota);
        let mut out = Vec::new();
        let records: Vec<RecordBuf> = rows.iter().map(|cells| cells.iter().collect()).collect();
        let rows: Vec<Row> =
            records.iter().enumerate().map(|(i, r)| Row::new(i as u64 + 2, &schema, r.view())).collect();
        // Two calls, so that clashes across calls are covered too.
        let (a, b) = rows.split_at(rows.len() / 2);
        for part in [a, b] {
            let keyed: Vec<(u64, Keys)> = part.iter().map(|r| (r.line, keys(r))).collect();
            let clashes = batch.check(&keyed);
            for row in part {
                let before = out.len();
                clashes.iter().filter(|c| part[c.row].line == row.line).for_each(|c| out.push(clash(row, c)));
                let has_error = out.len() > before;
                batch.admit(row, has_error, &mut out);
            }
        }
        out.into_iter().map(|d| (d.line, d.code.id, d.related_line, d.message.to_string())).collect()
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
        let rows: Vec<[&str; 6]> =
            ["s-1", "s-2", "s-3", "s-4"].iter().map(|s| ["cn-hangzhou", s, "", "", "", ""]).collect();
        let got = run(&rows, 998, 1000);
        let short: Vec<_> = got.iter().map(|(l, c, _, _)| (*l, *c)).collect();
        assert_eq!(short, vec![(4, "QuotaExceeded.ReplicationJob"), (5, "QuotaExceeded.ReplicationJob")]);
        assert_eq!(
            got[0].3,
            "the account's quota of 1000 jobs is used up: 998 exist and 2 earlier rows create the rest"
        );
    }

    #[test]
    fn rows_with_errors_do_not_use_quota() {
        let rows = [
            ["cn-hangzhou", "s-1", "", "", "", ""],
            ["cn-hangzhou", "s-1", "", "", "", ""],
            ["cn-hangzhou", "s-2", "", "", "", ""],
        ];
        let got = run(&rows, 0, 2);
        let short: Vec<_> = got.iter().map(|(l, c, _, _)| (*l, *c)).collect();
        assert_eq!(short, vec![(3, "SourceId.Duplicate")]);
    }
}
