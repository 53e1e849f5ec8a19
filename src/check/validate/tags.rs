//! Tags: at most 20, keys non-empty and unique, keys and values at most 128 characters without reserved prefixes.

use super::diag;
use crate::diagnostics::{Column, Diagnostic, codes};
use crate::inventory::Row;
use arrayvec::ArrayVec;

const RESERVED: &[&str] = &["aliyun", "acs:", "http://", "https://"];

fn reserved(text: &str) -> Option<&'static str> {
    // Every reserved prefix starts with 'a' or 'h'.
    if !matches!(text.as_bytes().first(), Some(b'a' | b'h')) {
        return None;
    }
    RESERVED.iter().copied().find(|p| text.starts_with(p))
}

/// The tag before tag `n` that set `key`, as the rule reads: keys are unique within a job.
fn earlier_plain(row: &Row, n: u32, key: &str) -> Option<u32> {
    row.tags().take_while(|t| t.n < n).find(|t| t.key.is_some_and(|e| e.text == key)).map(|t| t.n)
}

/// Fast form of [`earlier_plain`] for a walk over the tags in order: the first keys of the
/// row are noted in fixed slots with their tag numbers and a hash, so that a key is compared
/// with the noted ones (their texts only when the hashes are equal) instead of walking the
/// row again. There are 24 slots, more than the 20 tags a job may have; past them, the tags
/// are looked through again. The property test holds it to the plain form. The slots are
/// filled as keys come and never cleared first: a row with few tags touches few of them.
#[derive(Default)]
struct Keys<'a> {
    seen: ArrayVec<(u64, u32, &'a str), 24>,
}

/// A key's hash, as the batch checks hash their values: keys of a row that differ seldom share one.
fn hash(key: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(key.as_bytes())
}

impl<'a> Keys<'a> {
    /// The tag that set `key` before, if any; notes this one.
    fn earlier(&mut self, row: &Row<'a>, n: u32, key: &'a str) -> Option<u32> {
        let h = hash(key);
        let found = self.seen.iter().find(|&&(kh, _, k)| kh == h && k == key).map(|&(_, n, _)| n);
        if self.seen.try_push((h, n, key)).is_ok() {
            return found;
        }
        // More keys than noted: look through the row.
        earlier_plain(row, n, key)
    }
}

pub fn check(row: &Row, out: &mut Vec<Diagnostic>) {
    let mut keys = Keys::default();
    for tag in row.tags() {
        let n = tag.n;
        let first = tag.key.or(tag.value).map_or(Column::Row, |c| c.column());
        if n > 20 {
            out.push(diag(row, first, codes::TAG_INDEX_RANGE, crate::msg!("Tag.{n}: a job has at most 20 tags")));
        }
        match tag.key {
            None => {
                let col = tag.cols.key.map_or(first, Column::At);
                out.push(diag(row, col, codes::TAG_KEY_MISSING, crate::msg!("Tag.{n} has a Value but no Key")));
            }
            Some(k) => {
                let len = if k.text.len() <= 128 { 0 } else { k.text.chars().count() };
                if len > 128 {
                    out.push(diag(
                        row,
                        k.column(),
                        codes::TAG_KEY_LENGTH,
                        crate::msg!("tag key has {len} characters; at most 128"),
                    ));
                }
                if let Some(p) = reserved(k.text) {
                    out.push(diag(
                        row,
                        k.column(),
                        codes::TAG_KEY_RESERVED,
                        crate::msg!("tag key starts with reserved '{p}'"),
                    ));
                }
                if let Some(first) = keys.earlier(row, n, k.text) {
                    let message = crate::msg!("tag key '{}' is already set by Tag.{first}", k.text);
                    out.push(diag(row, k.column(), codes::TAG_KEY_DUPLICATE, message));
                }
            }
        }
        if let Some(v) = tag.value {
            let len = if v.text.len() <= 128 { 0 } else { v.text.chars().count() };
            if len > 128 {
                out.push(diag(
                    row,
                    v.column(),
                    codes::TAG_VALUE_LENGTH,
                    crate::msg!("tag value has {len} characters; at most 128"),
                ));
            }
            if let Some(p) = reserved(v.text) {
                out.push(diag(
                    row,
                    v.column(),
                    codes::TAG_VALUE_RESERVED,
                    crate::msg!("tag value starts with reserved '{p}'"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, full, run};
    use super::*;

    #[test]
    fn tag_rules() {
        let long = "k".repeat(129);
        let got = run(
            &[
                ("Tag.1.Key", "env"),
                ("Tag.1.Value", "prod"),
                ("Tag.2.Key", ""),
                ("Tag.2.Value", "orphan"),
                ("Tag.3.Key", long.as_str()),
                ("Tag.3.Value", long.as_str()),
                ("Tag.4.Key", "aliyun:team"),
                ("Tag.4.Value", "acs:x"),
                ("Tag.5.Key", "env"),
                ("Tag.21.Key", "wave"),
            ],
            check,
        );
        assert_eq!(
            got,
            vec![
                at("Tag.2.Key", "Tag.Key.Missing"),
                at("Tag.3.Key", "Tag.Key.Length"),
                at("Tag.3.Value", "Tag.Value.Length"),
                at("Tag.4.Key", "Tag.Key.ReservedPrefix"),
                at("Tag.4.Value", "Tag.Value.ReservedPrefix"),
                at("Tag.5.Key", "Tag.Key.Duplicate"),
                at("Tag.21.Key", "Tag.Index.OutOfRange"),
            ]
        );
        assert!(run(&[("Tag.1.Key", "env"), ("Tag.1.Value", "")], check).is_empty(), "an empty value is fine");
    }

    proptest::proptest! {
        #[test]
        fn the_noted_keys_agree_with_looking_through_the_row(
            keys in proptest::collection::vec(proptest::sample::select(vec!["a", "b", "c", "d", "e", "f", "g", ""]), 1..48),
        ) {
            let mut names = vec!["RegionId".to_string(), "SourceId".to_string()];
            names.extend((1..=keys.len()).map(|n| format!("Tag.{n}.Key")));
            let schema = crate::inventory::Schema::parse(names).unwrap();
            let rec: crate::inventory::RecordBuf = ["cn-hangzhou", "s-1"].into_iter().chain(keys.iter().copied()).collect();
            let row = Row::new(2, &schema, rec.view());
            let mut noted = Keys::default();
            for tag in row.tags() {
                if let Some(k) = tag.key {
                    proptest::prop_assert_eq!(noted.earlier(&row, tag.n, k.text), earlier_plain(&row, tag.n, k.text));
                }
            }
        }
    }

    #[test]
    fn keys_of_one_hash_are_told_apart_by_their_text() {
        let names = ["RegionId", "SourceId", "Tag.1.Key"].map(String::from).to_vec();
        let schema = crate::inventory::Schema::parse(names).unwrap();
        let rec: crate::inventory::RecordBuf = ["cn-hangzhou", "s-1", "a"].into_iter().collect();
        let row = Row::new(2, &schema, rec.view());
        // "a" noted with the hash of "b": "b" is still new, and so is "a" (its hash is not noted).
        let mut noted = Keys::default();
        noted.seen.push((hash("b"), 1, "a"));
        assert_eq!(noted.earlier(&row, 2, "b"), None);
        assert_eq!(noted.earlier(&row, 3, "a"), None);
        assert_eq!(noted.earlier(&row, 4, "b"), Some(2));
    }

    #[test]
    fn duplicates_are_found_however_many_tags() {
        // More tags than the noted slots: the last duplicates are found by looking again.
        let names: Vec<String> = (1..=30).map(|n| format!("Tag.{n}.Key")).collect();
        let mut cells: Vec<(&str, String)> = names.iter().map(|n| (n.as_str(), n.replace(".Key", ""))).collect();
        cells[4].1 = "Tag.2".to_string();
        cells[21].1 = "Tag.3".to_string();
        cells[22].1 = "Tag.21".to_string();
        cells[27].1 = "Tag.26".to_string();
        cells[29].1 = "Tag.1".to_string();
        let cells: Vec<(&str, &str)> = cells.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let got = full(&cells, check);
        let dups: Vec<String> =
            got.iter().filter(|(d, _)| d.code == "Tag.Key.Duplicate").map(|(d, _)| d.message.to_string()).collect();
        let want = [
            "Tag.2' is already set by Tag.2",
            "Tag.3' is already set by Tag.3",
            "Tag.21' is already set by Tag.21",
            "Tag.26' is already set by Tag.26",
            "Tag.1' is already set by Tag.1",
        ];
        assert_eq!(dups, want.map(|w| format!("tag key '{w}")));
    }
}
