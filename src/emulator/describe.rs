//! The Describe calls: filters, paging (PageSize 1-50) and the list shapes the SDKs parse.

use super::fault::Fault;
use super::params::Params;
use super::world::World;
use crate::account::SourceServer;
use serde_json::{Value, json};

/// PageNumber and PageSize, checked.
fn page(p: &Params) -> Result<(usize, usize), Fault> {
    let number = p.int("PageNumber")?.unwrap_or(1);
    let size = p.int("PageSize")?.unwrap_or(10);
    if number < 1 {
        return Err(Fault::invalid("PageNumber", "it must be 1 or more"));
    }
    if !(1..=50).contains(&size) {
        return Err(Fault::invalid("PageSize", "it must be 1 to 50"));
    }
    Ok((number as usize, size as usize))
}

fn paged(p: &Params, items: Vec<Value>, outer: &str, inner: &str) -> Result<Value, Fault> {
    let (number, size) = page(p)?;
    let total = items.len();
    let slice: Vec<Value> = items.into_iter().skip((number - 1) * size).take(size).collect();
    Ok(json!({"TotalCount": total, "PageNumber": number, "PageSize": size, outer: { inner: slice }}))
}

/// `[...]` becomes `{"Inner": [...]}`.
fn wrap(v: &mut Value, outer: &str, inner: &str) {
    let list = v.get_mut(outer).map(Value::take).unwrap_or_else(|| json!([]));
    v[outer] = json!({ inner: list });
}

fn source_json(s: &SourceServer, job: Option<&str>) -> Value {
    let mut v = serde_json::to_value(s).expect("source servers serialise");
    wrap(&mut v, "SystemDiskParts", "SystemDiskPart");
    if let Some(disks) = v.get_mut("DataDisks").and_then(Value::as_array_mut) {
        disks.iter_mut().for_each(|d| wrap(d, "Parts", "Part"));
    }
    wrap(&mut v, "DataDisks", "DataDisk");
    v["JobId"] = json!(job.unwrap_or_default());
    v
}

pub fn source_servers(world: &mut World, params: &[(String, String)]) -> Result<Value, Fault> {
    let p = Params(params);
    let ids = p.list("SourceId")?;
    let (state, name, job) = (p.get("State"), p.get("Name"), p.get("JobId"));
    world.jobs();
    let items: Vec<Value> = world
        .sources()
        .iter()
        .filter(|s| ids.is_empty() || ids.contains(&s.source_id.as_str()))
        .filter(|s| state.is_none_or(|x| s.state == x) && name.is_none_or(|x| s.name == x))
        .map(|s| source_json(s, world.last_job_of(&s.source_id)))
        .filter(|v| job.is_none_or(|j| v["JobId"] == j))
        .collect();
    paged(&p, items, "SourceServers", "SourceServer")
}

pub fn replication_jobs(world: &mut World, params: &[(String, String)]) -> Result<Value, Fault> {
    let p = Params(params);
    let (ids, sources, instances) = (p.list("JobId")?, p.list("SourceId")?, p.list("InstanceId")?);
    if ids.len() > 50 || sources.len() > 50 {
        return Err(Fault::invalid("JobId", "at most 50 ids"));
    }
    let filters: Vec<(&str, Option<&str>)> =
        ["RegionId", "Name", "Status", "BusinessStatus", "JobType", "ResourceGroupId"]
            .iter()
            .map(|k| (*k, p.get(k)))
            .collect();
    let items: Vec<Value> = world
        .jobs()
        .into_iter()
        .map(|j| j.to_json())
        .filter(|v| ids.is_empty() || ids.iter().any(|id| v["JobId"] == *id))
        .filter(|v| sources.is_empty() || sources.iter().any(|id| v["SourceId"] == *id))
        .filter(|v| instances.is_empty() || instances.iter().any(|id| v["InstanceId"] == *id))
        .filter(|v| filters.iter().all(|(k, want)| want.is_none_or(|w| text(&v[*k]) == w)))
        .collect();
    paged(&p, items, "ReplicationJobs", "ReplicationJob")
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn vswitches(world: &World, params: &[(String, String)]) -> Result<Value, Fault> {
    let p = Params(params);
    let (region, vpc, id) = (p.get("RegionId"), p.get("VpcId"), p.get("VSwitchId"));
    if region.is_none() && vpc.is_none() {
        return Err(Fault::missing("RegionId"));
    }
    let items: Vec<Value> = world
        .vswitches()
        .iter()
        .filter(|v| {
            region.is_none_or(|r| v.region_id == r)
                && vpc.is_none_or(|x| v.vpc_id == x)
                && id.is_none_or(|x| v.vswitch_id == x)
        })
        .map(|v| {
            let mut j = serde_json::to_value(v).expect("vswitches serialise");
            if j.get("Status").is_none() {
                j["Status"] = json!("Available");
            }
            j
        })
        .collect();
    if let (Some(id), true) = (id, items.is_empty()) {
        return Err(Fault::new(
            404,
            "InvalidVSwitchId.NotFound",
            format!("The specified vSwitch {id} does not exist."),
        ));
    }
    paged(&p, items, "VSwitches", "VSwitch")
}
