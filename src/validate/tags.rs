//! Tags: at most 20, keys non-empty and unique, keys and values at most 128 characters without reserved prefixes.

use super::diag;
use crate::diagnostics::{Column, Diagnostic, codes};
use crate::inventory::Row;

const RESERVED: &[&str] = &["aliyun", "acs:", "http://", "https://"];

fn reserved(text: &str) -> Option<&'static str> {
    // Every reserved prefix starts with 'a' or 'h'.
    if !matches!(text.as_bytes().first(), Some(b'a' | b'h')) {
        return None;
    }
    RESERVED.iter().copied().find(|p| text.starts_with(p))
}

pub fn check(row: &Row, out: &mut Vec<Diagnostic>) {
    for tag in row.tags() {
        let n = tag.n;
        let first = tag.key.or(tag.value).map_or(Column::Row, |c| c.column());
        if n > 20 {
            out.push(diag(row, first, codes::TAG_INDEX_RANGE, format!("Tag.{n}: a job has at most 20 tags")));
        }
        match tag.key {
            None => {
                let col = tag.cols.key.map_or(first, Column::At);
                out.push(diag(row, col, codes::TAG_KEY_MISSING, format!("Tag.{n} has a Value but no Key")));
            }
            Some(k) => {
                let len = if k.text.len() <= 128 { 0 } else { k.text.chars().count() };
                if len > 128 {
                    out.push(diag(
                        row,
                        k.column(),
                        codes::TAG_KEY_LENGTH,
                        format!("tag key has {len} characters; at most 128"),
                    ));
                }
                if let Some(p) = reserved(k.text) {
                    out.push(diag(
                        row,
                        k.column(),
                        codes::TAG_KEY_RESERVED,
                        format!("tag key starts with reserved '{p}'"),
                    ));
                }
                let earlier = row.tags().take_while(|t| t.n < n).find(|t| t.key.is_some_and(|e| e.text == k.text));
                if let Some(first) = earlier {
                    let message = format!("tag key '{}' is already set by Tag.{}", k.text, first.n);
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
                    format!("tag value has {len} characters; at most 128"),
                ));
            }
            if let Some(p) = reserved(v.text) {
                out.push(diag(
                    row,
                    v.column(),
                    codes::TAG_VALUE_RESERVED,
                    format!("tag value starts with reserved '{p}'"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, run};
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
}
