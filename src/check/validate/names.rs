//! Name, Description and ImageName: 2-128 characters, a letter first, a small character set, no URL.

use super::diag;
use crate::diagnostics::{Code, Diagnostic, Message, codes};
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

/// The API's rule for one value, read plainly: 2 to 128 characters, no `http://` or
/// `https://` prefix, a letter first, then only letters, digits, `:`, `_` and `-`. Each
/// finding is handed to `say`.
fn findings(text: &str, what: &str, r: &NameRules, say: &mut dyn FnMut(Code, Message)) {
    let len = text.chars().count();
    if !(2..=128).contains(&len) {
        say(r.length, crate::msg!("{what} must be 2 to 128 characters, got {len}"));
    }
    if text.starts_with("http://") || text.starts_with("https://") {
        say(r.url, crate::msg!("{what} must not start with http:// or https://"));
        return;
    }
    if let Some(first) = text.chars().next().filter(|c| !c.is_alphabetic()) {
        say(r.first, crate::msg!("{what} must start with a letter, not '{first}'"));
    }
    if let Some((pos, bad)) = text.chars().enumerate().find(|(_, c)| !allowed(*c)) {
        say(r.charset, crate::msg!("{what} may not contain '{}' (character {})", bad.escape_debug(), pos + 1));
    }
}

/// Fast form of "no findings" for the common case, decided without decoding characters: a
/// valid all-ASCII name (one starting with `http` takes the plain rule). The property test
/// below holds it to [`findings`].
fn is_plain_ascii_name(text: &str) -> bool {
    let b = text.as_bytes();
    (2..=128).contains(&b.len()) && b[0].is_ascii_alphabetic() && all_name_bytes(b) && !text.starts_with("http")
}

/// Whether every byte is one a plain name may hold (ASCII letters, digits, `:`, `_`, `-`),
/// tested 16 at a time. A name's bytes are read in place in pieces that may overlap (a byte
/// tested twice changes nothing), not copied out to be tested.
fn all_name_bytes(b: &[u8]) -> bool {
    use wide::u8x16;
    let splat = u8x16::splat;
    let within = |v: u8x16, lo: u8, hi: u8| v.max(splat(lo)).simd_eq(v) & v.min(splat(hi)).simd_eq(v);
    let fits = |halves: [u64; 2]| {
        let v = u8x16::new(bytemuck::cast(halves));
        // Setting bit 5 turns upper-case letters to lower case and no other byte into one.
        let letter = within(v | splat(0x20), b'a', b'z');
        let other = v.simd_eq(splat(b':')) | v.simd_eq(splat(b'_')) | v.simd_eq(splat(b'-'));
        (letter | within(v, b'0', b'9') | other).to_bitmask() == 0xffff
    };
    let n = b.len();
    let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
    let u32_at = |i: usize| u64::from(u32::from_le_bytes(b[i..i + 4].try_into().unwrap_or_default()));
    match n {
        16.. => {
            let sixteen = |i: usize| [u64_at(i), u64_at(i + 8)];
            (0..n / 16).all(|k| fits(sixteen(16 * k))) && fits(sixteen(n - 16))
        }
        8..=15 => fits([u64_at(0), u64_at(n - 8)]),
        4..=7 => fits([u32_at(0) | u32_at(n - 4) << 32; 2]),
        1..=3 => {
            fits([u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16 | 0x6161_6161_6100_0000; 2])
        }
        0 => true,
    }
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
        findings(cell.text, r.param.name(), r, &mut |code, message| out.push(diag(row, cell.column(), code, message)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, full, run};
    use super::*;

    #[test]
    fn name_bytes_match_the_character_rule() {
        for b in 0..=255u8 {
            for len in [1, 15, 16, 17, 40] {
                let mut name = vec![b'a'; len];
                name[len - 1] = b;
                let want = b.is_ascii() && allowed(b as char);
                assert_eq!(all_name_bytes(&name), want, "byte {b:#x} at {}", len - 1);
            }
        }
    }

    proptest::proptest! {
        /// The fast form says "valid" exactly when the plain rule finds nothing, for every
        /// ASCII value that does not start with `http` (those take the plain rule), and never
        /// says it of a value the plain rule faults.
        #[test]
        fn the_fast_form_agrees_with_the_rule(text in "(http)?[a-zA-Z0-9:_\\-. /@\\[`{\u{e9}\\x7f\\x00]{0,140}") {
            let mut plain = true;
            findings(&text, "Name", &RULES[0], &mut |_, _| plain = false);
            let fast = is_plain_ascii_name(&text);
            if fast {
                proptest::prop_assert!(plain, "{text:?}");
            }
            if text.is_ascii() && !text.starts_with("http") {
                proptest::prop_assert_eq!(fast, plain, "{:?}", text);
            }
        }
    }

    #[test]
    fn a_bad_byte_is_found_at_any_place_of_a_name_of_any_length() {
        for n in 0..=48 {
            let good = vec![b'a'; n];
            assert!(all_name_bytes(&good), "{n}");
            for place in 0..n {
                for bad in [b' ', b'/', b';', b'@', b'[', b'`', b'{', 0, 0x7f, 0xc3] {
                    let mut name = good.clone();
                    name[place] = bad;
                    assert!(!all_name_bytes(&name), "{bad} at {place} of {n}");
                }
            }
        }
    }

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
