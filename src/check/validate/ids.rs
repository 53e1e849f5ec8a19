//! Required parameters (RegionId, SourceId) and the formats of resource identifiers.

use super::diag;
use crate::diagnostics::{Code, Diagnostic, codes};
use crate::inventory::{Param, Row};

/// `prefix` followed by 2 to 64 lower-case ASCII letters and digits.
pub fn is_resource_id(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|rest| {
        // Fast form of `all`: every byte tested without an early exit (ids are short, and
        // branches cost more); the property test holds it to `is_resource_id_plain`.
        (2..=64).contains(&rest.len())
            && rest.bytes().fold(true, |ok, b| ok & (b.is_ascii_lowercase() | b.is_ascii_digit()))
    })
}

/// [`is_resource_id`] as the rule reads.
#[cfg(test)]
fn is_resource_id_plain(text: &str, prefix: &str) -> bool {
    let Some(rest) = text.strip_prefix(prefix) else { return false };
    (2..=64).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// [`is_region`] as the rule reads: hyphen-joined words, the first of two or more letters,
/// the others of letters and digits, at least two words, at most 64 characters.
#[cfg(test)]
fn is_region_plain(text: &str) -> bool {
    let words: Vec<&str> = text.split('-').collect();
    let letters = |w: &str| w.len() >= 2 && w.chars().all(|c| c.is_ascii_lowercase());
    let alnum = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    text.len() <= 64 && words.len() >= 2 && letters(words[0]) && words[1..].iter().all(|w| alnum(w))
}

/// Lower-case words of letters and digits joined by single hyphens, starting with letters:
/// `cn-hangzhou`. Fast form: one pass over the bytes, held to [`is_region_plain`].
pub fn is_region(text: &str) -> bool {
    // One pass: the first word is at least two letters, later words letters or digits, none empty.
    let (mut first_word, mut word_len) = (true, 0);
    for &c in text.as_bytes() {
        match c {
            b'-' if word_len >= if first_word { 2 } else { 1 } => (first_word, word_len) = (false, 0),
            b'a'..=b'z' => word_len += 1,
            b'0'..=b'9' if !first_word => word_len += 1,
            _ => return false,
        }
    }
    text.len() <= 64 && !first_word && word_len > 0
}

/// `ecs.<family>.<size>`, e.g. `ecs.c6.large`, `ecs.g7ne.2xlarge`.
pub fn is_instance_type(text: &str) -> bool {
    let words: Vec<&str> = text.split('.').collect();
    let word = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    words.len() == 3 && words[0] == "ecs" && word(words[1]) && word(words[2])
}

const ID_FORMATS: &[(Param, &str, Code)] = &[
    (Param::InstanceId, "i-", codes::INSTANCE_ID_FORMAT),
    (Param::VpcId, "vpc-", codes::VPC_ID_FORMAT),
    (Param::VSwitchId, "vsw-", codes::VSWITCH_ID_FORMAT),
    (Param::ResourceGroupId, "rg-", codes::RESOURCE_GROUP_ID_FORMAT),
    (Param::LaunchTemplateId, "lt-", codes::LAUNCH_TEMPLATE_ID_FORMAT),
];

pub fn check(row: &Row, out: &mut Vec<Diagnostic>) {
    match row.get(Param::RegionId) {
        None => out.push(diag(row, row.column_of(Param::RegionId), codes::REGION_ID_MISSING, "RegionId is required")),
        Some(c) if !is_region(c.text) => {
            out.push(diag(row, c.column(), codes::REGION_ID_FORMAT, crate::msg!("'{}' is not a region id", c.text)))
        }
        Some(_) => {}
    }
    match row.get(Param::SourceId) {
        None => out.push(diag(row, row.column_of(Param::SourceId), codes::SOURCE_ID_MISSING, "SourceId is required")),
        Some(c) if !is_resource_id(c.text, "s-") => out.push(diag(
            row,
            c.column(),
            codes::SOURCE_ID_FORMAT,
            crate::msg!("'{}' is not a source server id", c.text),
        )),
        Some(_) => {}
    }
    for &(param, prefix, code) in ID_FORMATS {
        if let Some(c) = row.get(param).filter(|c| !is_resource_id(c.text, prefix)) {
            let message = crate::msg!("'{}' is not a {} (expected {prefix}...)", c.text, param.name());
            out.push(diag(row, c.column(), code, message));
        }
    }
    if let Some(c) = row.get(Param::InstanceType).filter(|c| !is_instance_type(c.text)) {
        let message = crate::msg!("'{}' is not an ECS instance type", c.text);
        out.push(diag(row, c.column(), codes::INSTANCE_TYPE_FORMAT, message));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, run};
    use super::*;

    #[test]
    fn formats() {
        assert!(is_region("cn-hangzhou") && is_region("ap-southeast-1") && is_region("cn-north-2-gov-1"));
        assert!(!is_region("hangzhou") && !is_region("cn--x") && !is_region("CN-hangzhou") && !is_region("cn-"));
        assert!(!is_region("c-x") && !is_region("-cn-x") && !is_region("cn1-x") && !is_region("cn-x_1"));
        assert!(is_region(&format!("cn-{}", "a".repeat(61))) && !is_region(&format!("cn-{}", "a".repeat(62))));
        assert!(is_resource_id("s-bp1e2fsl57knvuug0001", "s-"));
        assert!(!is_resource_id("s-bp1e2fsl57knvuug****", "s-") && !is_resource_id("i-abc", "s-"));
        assert!(is_instance_type("ecs.g7ne.2xlarge") && !is_instance_type("c6.large") && !is_instance_type("ecs.c6"));
    }

    proptest::proptest! {
        #[test]
        fn the_fast_forms_agree_with_the_rules(text in "(s-|cn-|i-)?[a-z0-9A-Z\\-_é]{0,70}") {
            proptest::prop_assert_eq!(is_resource_id(&text, "s-"), is_resource_id_plain(&text, "s-"), "{:?}", text);
            proptest::prop_assert_eq!(is_region(&text), is_region_plain(&text), "{:?}", text);
        }
    }

    #[test]
    fn required_parameters() {
        assert_eq!(
            run(&[("RegionId", ""), ("SourceId", "")], check),
            vec![at("RegionId", "RegionId.Missing"), at("SourceId", "SourceId.Missing")]
        );
        assert_eq!(
            run(&[("RegionId", "Hangzhou"), ("SourceId", "srv-01")], check),
            vec![at("RegionId", "RegionId.Format"), at("SourceId", "SourceId.Format")]
        );
    }

    #[test]
    fn identifier_formats() {
        let got = run(
            &[
                ("InstanceId", "i_bp1"),
                ("VpcId", "vpc-ABC"),
                ("VSwitchId", "vs-bp1"),
                ("ResourceGroupId", "rg-"),
                ("LaunchTemplateId", "lt-bp16jovvln1cgaaq0001x!"),
                ("InstanceType", "c6.large"),
            ],
            check,
        );
        assert_eq!(
            got,
            vec![
                at("InstanceId", "InstanceId.Format"),
                at("VpcId", "VpcId.Format"),
                at("VSwitchId", "VSwitchId.Format"),
                at("ResourceGroupId", "ResourceGroupId.Format"),
                at("LaunchTemplateId", "LaunchTemplateId.Format"),
                at("InstanceType", "InstanceType.Format"),
            ]
        );
        assert!(run(&[("InstanceId", "i-bp1f1dvfto1sigz50001"), ("InstanceType", "ecs.c6.large")], check).is_empty());
    }
}
