//! CreateReplicationJob's parameter rules, each answered with the API's error code.

use super::fault::Fault;
use super::params::Params;
use jiff::{SignedDuration, Timestamp};

const DAY: i64 = 86_400;

/// The documented name rule: 2-128 characters, a letter first, letters, digits, `:`, `_`, `-`, no URL.
fn name_rule(p: &Params, name: &str) -> Result<(), Fault> {
    let Some(v) = p.get(name) else { return Ok(()) };
    let len = v.chars().count();
    if !(2..=128).contains(&len) {
        return Err(Fault::invalid(name, "the length must be 2 to 128 characters"));
    }
    if v.starts_with("http://") || v.starts_with("https://") {
        return Err(Fault::invalid(name, "it must not start with http:// or https://"));
    }
    if !v.chars().next().is_some_and(char::is_alphabetic) {
        return Err(Fault::invalid(name, "it must start with a letter"));
    }
    if let Some(c) = v.chars().find(|c| !(c.is_alphanumeric() || matches!(c, ':' | '_' | '-'))) {
        return Err(Fault::invalid(name, format!("'{c}' is not allowed")));
    }
    Ok(())
}

fn time(p: &Params, name: &str) -> Result<Option<Timestamp>, Fault> {
    p.get(name)
        .map(|v| {
            crate::time::parse_time(v).ok_or_else(|| Fault::invalid(name, "the format must be YYYY-MM-DDThh:mm:ssZ"))
        })
        .transpose()
}

fn tags(p: &Params) -> Result<(), Fault> {
    const RESERVED: &[&str] = &["aliyun", "acs:", "http://", "https://"];
    for n in p.indexes("Tag")? {
        if !(1..=20).contains(&n) {
            return Err(Fault::invalid(&format!("Tag.{n}"), "N must be 1 to 20"));
        }
        let key = p.get(&format!("Tag.{n}.Key")).ok_or_else(|| Fault::missing(&format!("Tag.{n}.Key")))?;
        let value = p.get(&format!("Tag.{n}.Value")).unwrap_or_default();
        for (what, v) in [("Key", key), ("Value", value)] {
            if v.chars().count() > 128 || RESERVED.iter().any(|r| v.starts_with(r)) {
                return Err(Fault::invalid(
                    &format!("Tag.{n}.{what}"),
                    "at most 128 characters, not starting with aliyun, acs:, http:// or https://",
                ));
            }
        }
    }
    Ok(())
}

fn partitions(p: &Params, disk: &str, size_gib: Option<i64>) -> Result<(), Fault> {
    let prefix = format!("{disk}Part");
    let mut total: i128 = 0;
    for m in p.indexes(&prefix)? {
        let device = p.get(&format!("{prefix}.{m}.Device"));
        let size = p.int(&format!("{prefix}.{m}.SizeBytes"))?;
        if device.is_some() != size.is_some() {
            return Err(Fault::invalid(&format!("{prefix}.{m}"), "Device and SizeBytes must be set together"));
        }
        p.boolean(&format!("{prefix}.{m}.Block"))?;
        total += i128::from(size.unwrap_or(0));
    }
    if let Some(gib) = size_gib
        && total > i128::from(gib) << 30
    {
        return Err(Fault::invalid(&prefix, "the partitions are larger than the disk"));
    }
    Ok(())
}

/// Checks every parameter rule that needs no account state.
pub fn check_create(p: &Params, now: Timestamp) -> Result<(), Fault> {
    p.required("RegionId")?;
    p.required("SourceId")?;
    for name in ["Name", "Description", "ImageName"] {
        name_rule(p, name)?;
    }
    if let Some(t) = p.get("ClientToken")
        && (t.len() > 64 || !t.is_ascii())
    {
        return Err(Fault::invalid("ClientToken", "at most 64 ASCII characters"));
    }
    let target = p.get("TargetType").unwrap_or("Image");
    if !["Image", "ContainerImage", "TargetInstance"].contains(&target) {
        return Err(Fault::invalid("TargetType", format!("'{target}' is not Image, ContainerImage or TargetInstance")));
    }
    let system = p.int_in("SystemDiskSize", 20..=2048)?;
    match target {
        "Image" => {
            p.required("ImageName")?;
            system.ok_or_else(|| Fault::missing("SystemDiskSize"))?;
        }
        "TargetInstance" => {
            p.required("InstanceId")?;
        }
        _ => {
            for name in ["ContainerNamespace", "ContainerRepository", "ContainerTag"] {
                p.required(name)?;
            }
        }
    }
    partitions(p, "SystemDisk", system)?;
    let mut seen = Vec::new();
    for n in p.indexes("DataDisk")? {
        let index = p
            .int_in(&format!("DataDisk.{n}.Index"), 1..=16)?
            .ok_or_else(|| Fault::missing(&format!("DataDisk.{n}.Index")))?;
        if seen.contains(&index) {
            return Err(Fault::invalid(&format!("DataDisk.{n}.Index"), format!("index {index} appears twice")));
        }
        seen.push(index);
        let size = p.int_in(&format!("DataDisk.{n}.Size"), 20..=32768)?;
        partitions(p, &format!("DataDisk.{n}."), size)?;
    }
    tags(p)?;
    let net = p.int("NetMode")?.unwrap_or(0);
    if net != 0 && net != 2 {
        return Err(Fault::invalid("NetMode", "it must be 0 or 2"));
    }
    if net == 2 {
        p.required("VSwitchId")?;
    }
    if p.boolean("RunOnce")? == Some(false) {
        p.int_in("Frequency", 1..=168)?.ok_or_else(|| Fault::missing("Frequency"))?;
        p.int_in("MaxNumberOfImageToKeep", 1..=10)?.ok_or_else(|| Fault::missing("MaxNumberOfImageToKeep"))?;
    }
    p.int_in("JobType", 0..=3)?;
    if let Some(l) = p.get("LicenseType").filter(|l| *l != "BYOL") {
        return Err(Fault::invalid("LicenseType", format!("'{l}' is not BYOL")));
    }
    if let Some(r) = p.get("ReplicationParameters") {
        let object = serde_json::from_str::<serde_json::Value>(r).ok().is_some_and(|v| v.is_object());
        if !object || r.chars().count() > 2048 {
            return Err(Fault::invalid("ReplicationParameters", "a JSON object of at most 2048 characters"));
        }
    }
    let day = |d: i64| now.saturating_add(SignedDuration::from_secs(d * DAY)).expect("whole seconds");
    // Said against the emulator's own clock, which may run fast (--time-scale): a time that
    // was ahead when the row was written can be past here.
    if let Some(t) = time(p, "ScheduledStartTime")? {
        let now_text = crate::time::format_time(now);
        if t <= now {
            let why = format!("it is in the past (now is {now_text}); it must be in the next 30 days");
            return Err(Fault::invalid("ScheduledStartTime", why));
        }
        if t > day(30) {
            let why = format!("it is more than 30 days after now ({now_text}); it must be in the next 30 days");
            return Err(Fault::invalid("ScheduledStartTime", why));
        }
    }
    if let Some(t) = time(p, "ValidTime")?
        && (t < day(7) || t > day(90))
    {
        return Err(Fault::invalid("ValidTime", "it must be 7 to 90 days after now"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(extra: &[(&str, &str)]) -> Result<(), Fault> {
        let mut v: Vec<(String, String)> =
            [("RegionId", "cn-hangzhou"), ("SourceId", "s-1"), ("ImageName", "img01"), ("SystemDiskSize", "40")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        for (k, val) in extra {
            v.retain(|(n, _)| n != k);
            v.push((k.to_string(), val.to_string()));
        }
        check_create(&Params(&v), "2026-11-27T08:00:00Z".parse().unwrap())
    }

    fn code(r: Result<(), Fault>) -> String {
        match r {
            Err(Fault::Api { code, .. }) => code,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn rules_answer_with_api_codes() {
        assert!(check(&[]).is_ok());
        assert_eq!(code(check(&[("RegionId", "")])), "MissingParameter");
        assert_eq!(code(check(&[("SystemDiskSize", "19")])), "InvalidParameter");
        assert_eq!(code(check(&[("Name", "1x")])), "InvalidParameter");
        assert_eq!(code(check(&[("TargetType", "TargetInstance")])), "MissingParameter");
        assert_eq!(code(check(&[("NetMode", "2")])), "MissingParameter");
        assert_eq!(code(check(&[("RunOnce", "False")])), "MissingParameter");
        assert!(check(&[("RunOnce", "False"), ("Frequency", "12"), ("MaxNumberOfImageToKeep", "2")]).is_ok());
        assert_eq!(code(check(&[("DataDisk.1.Index", "17"), ("DataDisk.1.Size", "20")])), "InvalidParameter");
        assert_eq!(code(check(&[("DataDisk.1.Index", "1"), ("DataDisk.1.Part.1.Device", "1_1")])), "InvalidParameter");
        assert_eq!(code(check(&[("Tag.21.Key", "k")])), "InvalidParameter");
        assert_eq!(code(check(&[("ScheduledStartTime", "2020-01-01T00:00:00Z")])), "InvalidParameter");
        let message = |r: Result<(), Fault>| match r {
            Err(Fault::Api { message, .. }) => message,
            other => format!("{other:?}"),
        };
        assert_eq!(
            message(check(&[("ScheduledStartTime", "2026-11-27T07:00:00Z")])),
            "The specified parameter \"ScheduledStartTime\" is not valid: it is in the past (now is 2026-11-27T08:00:00Z); it must be in the next 30 days"
        );
        assert_eq!(
            message(check(&[("ScheduledStartTime", "2027-01-27T07:00:00Z")])),
            "The specified parameter \"ScheduledStartTime\" is not valid: it is more than 30 days after now (2026-11-27T08:00:00Z); it must be in the next 30 days"
        );
        assert_eq!(code(check(&[("ClientToken", &"t".repeat(65))])), "InvalidParameter");
    }
}
