//! A replication job as DescribeReplicationJobs shows it, read back as the flat request
//! parameters that made it (`DataDisk.1.Size`, `Tag.2.Key`): what a change is confirmed by,
//! and what a saved plan's jobs are compared with.

use super::ReplicationJob;
use serde_json::Value;
use std::collections::BTreeMap;

/// The scalar request parameters DescribeReplicationJobs shows of a job (empty: not set).
pub const ALWAYS_SHOWN: &[&str] = &[
    "Description",
    "TargetType",
    "InstanceId",
    "SystemDiskSize",
    "VpcId",
    "VSwitchId",
    "ReplicationParameters",
    "NetMode",
    "RunOnce",
    "Frequency",
    "MaxNumberOfImageToKeep",
    "InstanceType",
    "LaunchTemplateId",
    "LaunchTemplateVersion",
    "InstanceRamRole",
    "ContainerNamespace",
    "ContainerRepository",
    "ContainerTag",
    "LicenseType",
    "JobType",
    "ResourceGroupId",
    "ScheduledStartTime",
    "ValidTime",
];

/// The request parameters a job shows; a field the API leaves empty is left out.
pub fn flat_params(job: &ReplicationJob) -> BTreeMap<String, String> {
    const SCALARS: &[&str] = ALWAYS_SHOWN;
    let mut out = BTreeMap::new();
    for (k, v) in [("Name", &job.name), ("SourceId", &job.source_id), ("RegionId", &job.region_id)] {
        put(&mut out, k.to_string(), &Value::String(v.clone()));
    }
    put(&mut out, "ImageName".into(), &Value::String(job.image_name.clone()));
    for k in SCALARS {
        if let Some(v) = job.extra.get(*k) {
            put(&mut out, k.to_string(), v);
        }
    }
    for (n, disk) in list(job.extra.get("DataDisks"), "DataDisk").iter().enumerate() {
        let prefix = format!("DataDisk.{}", n + 1);
        for k in ["Index", "Size"] {
            disk.get(k).into_iter().for_each(|v| put(&mut out, format!("{prefix}.{k}"), v));
        }
        parts(&mut out, &format!("{prefix}.Part"), list(disk.get("Parts"), "Part"));
    }
    parts(&mut out, "SystemDiskPart", list(job.extra.get("SystemDiskParts"), "SystemDiskPart"));
    for (n, tag) in list(job.extra.get("Tags"), "Tag").iter().enumerate() {
        for k in ["Key", "Value"] {
            tag.get(k).into_iter().for_each(|v| put(&mut out, format!("Tag.{}.{k}", n + 1), v));
        }
    }
    out
}

fn parts(out: &mut BTreeMap<String, String>, prefix: &str, parts: Vec<&Value>) {
    for (m, part) in parts.iter().enumerate() {
        for k in ["Device", "SizeBytes", "Block"] {
            part.get(k).into_iter().for_each(|v| put(out, format!("{prefix}.{}.{k}", m + 1), v));
        }
    }
}

/// A list as the API wraps it (`{"DataDisk": [...]}`), or bare.
fn list<'a>(v: Option<&'a Value>, inner: &str) -> Vec<&'a Value> {
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(Value::Object(o)) => {
            o.get(inner).and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// A value as a request carries it; an empty string is no value.
fn put(out: &mut BTreeMap<String, String>, key: String, v: &Value) {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.as_i64().map_or_else(|| n.to_string(), |i| i.to_string()),
        _ => return,
    };
    if !text.is_empty() {
        out.insert(key, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_described_job_reads_back_as_its_flat_parameters() {
        let job: ReplicationJob = serde_json::from_value(serde_json::json!({
            "JobId": "j-1", "Name": "db01", "SourceId": "s-1", "RegionId": "cn-hangzhou", "ImageName": "img",
            "Status": "Ready", "SystemDiskSize": 80, "VSwitchId": "vsw-1", "RunOnce": true, "Description": "",
            "DataDisks": {"DataDisk": [{"Index": 1, "Size": 100, "Parts": {"Part": [{"Device": "1_1", "SizeBytes": 5, "Block": true}]}}]},
            "Tags": {"Tag": [{"Key": "env", "Value": "prod"}]}
        }))
        .unwrap();
        let p = flat_params(&job);
        let got: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            got,
            [
                ("DataDisk.1.Index", "1"),
                ("DataDisk.1.Part.1.Block", "true"),
                ("DataDisk.1.Part.1.Device", "1_1"),
                ("DataDisk.1.Part.1.SizeBytes", "5"),
                ("DataDisk.1.Size", "100"),
                ("ImageName", "img"),
                ("Name", "db01"),
                ("RegionId", "cn-hangzhou"),
                ("RunOnce", "true"),
                ("SourceId", "s-1"),
                ("SystemDiskSize", "80"),
                ("Tag.1.Key", "env"),
                ("Tag.1.Value", "prod"),
                ("VSwitchId", "vsw-1"),
            ]
        );
    }
}
