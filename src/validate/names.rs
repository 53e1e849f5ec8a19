//! Name, Description and ImageName: 2-128 characters, a letter first, a small character set, no URL.

use super::diag;
use crate::diagnostics::{Code, Diagnostic, codes};
use crate::inventory::row::is_padded;
use crate::inventory::{Param, Row};

struct NameRules {
    param: Param,
    length: Code,
    first: Code,
    charset: Code,
    url: Code,
}

const RULES: &[NameRules] = &[
    NameRules {
        param: Param::Name,
        length: codes::NAME_LENGTH,
        first: codes::NAME_FIRST_CHAR,
        charset: codes::NAME_CHARSET,
        url: codes::NAME_URL_PREFIX,
    },
    NameRules {
        param: Param::Description,
        length: codes::DESCRIPTION_LENGTH,
        first: codes::DESCRIPTION_FIRST_CHAR,
        charset: codes::DESCRIPTION_CHARSET,
        url: codes::DESCRIPTION_URL_PREFIX,
    },
    NameRules {
        param: Param::ImageName,
        length: codes::IMAGE_NAME_LENGTH,
        first: codes::IMAGE_NAME_FIRST_CHAR,
        charset: codes::IMAGE_NAME_CHARSET,
        url: codes::IMAGE_NAME_URL_PREFIX,
    },
];

/// Whether a name may hold this character: letters, digits, `:`, `_`, `-`.
fn allowed(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, ':' | '_' | '-')
}

/// The common case, decided without decoding characters: a valid all-ASCII name.
fn is_plain_ascii_name(text: &str) -> bool {
    let b = text.as_bytes();
    // Every byte tested without an early exit (letters, digits, `:`, `_`, `-`): cheaper than a branch a byte.
    let name_byte = |c: u8| c.is_ascii_alphanumeric() | (c == b':') | (c == b'_') | (c == b'-');
    (2..=128).contains(&b.len())
        && b[0].is_ascii_alphabetic()
        && b.iter().fold(true, |ok, &c| ok & name_byte(c))
        && !text.starts_with("http")
}

pub fn check(row: &Row, out: &mut Vec<Diagnostic>) {
    for r in RULES {
        // Spaces around the value are a finding of their own (values.rs).
        let Some(cell) = row.get(r.param).filter(|c| !is_padded(c.text)) else {
            continue;
        };
        if is_plain_ascii_name(cell.text) {
            continue;
        }
        let text = cell.text;
        let what = r.param.name();
        let len = text.chars().count();
        if !(2..=128).contains(&len) {
            out.push(diag(row, cell.column(), r.length, format!("{what} must be 2 to 128 characters, got {len}")));
        }
        if text.starts_with("http://") || text.starts_with("https://") {
            out.push(diag(row, cell.column(), r.url, format!("{what} must not start with http:// or https://")));
            continue;
        }
        if let Some(first) = text.chars().next().filter(|c| !c.is_alphabetic()) {
            out.push(diag(row, cell.column(), r.first, format!("{what} must start with a letter, not '{first}'")));
        }
        if let Some((pos, bad)) = text.chars().enumerate().find(|(_, c)| !allowed(*c)) {
            let message = format!("{what} may not contain '{}' (character {})", bad.escape_debug(), pos + 1);
            out.push(diag(row, cell.column(), r.charset, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, full, run};
    use super::*;

    #[test]
    fn good_names_pass() {
        assert!(
            run(&[("Name", "web-01:prod_a"), ("Description", "迁移任务"), ("ImageName", "img01")], check).is_empty()
        );
    }

    #[test]
    fn each_rule_for_each_parameter() {
        let long = "a".repeat(129);
        assert_eq!(
            run(&[("Name", "w"), ("Description", long.as_str()), ("ImageName", "https://x")], check),
            vec![
                at("Name", "Name.Length"),
                at("Description", "Description.Length"),
                at("ImageName", "ImageName.UrlPrefix")
            ]
        );
        assert_eq!(
            run(&[("Name", "1web"), ("Description", "http://x"), ("ImageName", "img 01")], check),
            vec![
                at("Name", "Name.FirstChar"),
                at("Description", "Description.UrlPrefix"),
                at("ImageName", "ImageName.Charset")
            ]
        );
        assert_eq!(
            run(&[("Name", "web.01"), ("Description", "-x"), ("ImageName", "_img")], check),
            vec![
                at("Name", "Name.Charset"),
                at("Description", "Description.FirstChar"),
                at("ImageName", "ImageName.FirstChar")
            ]
        );
    }

    #[test]
    fn messages_point_at_the_character() {
        let got = full(&[("Name", "web.01")], check);
        assert_eq!(got[0].0.message, "Name may not contain '.' (character 4)");
    }
}
