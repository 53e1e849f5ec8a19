//! From an inventory row to the CreateReplicationJob request it stands for, and its ClientToken.

use crate::api::calls::{CreateReplicationJob, DataDisk, Part, Tag};
use crate::api::encode::flatten;
use crate::inventory::row::Part as RowPart;
use crate::inventory::{Param, Row};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// What a change of the batch's jobs is part of, as the journal records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// A change made in place (ModifyReplicationJobAttribute).
    Update,
    /// A job made again since the batch's is gone.
    Recreate,
    /// A job deleted and made again for a change it could not take in place.
    Replace,
    /// A job deleted since no row of the inventory holds its server any more.
    Prune,
}

impl Purpose {
    pub fn word(self) -> &'static str {
        match self {
            Purpose::Update => "update",
            Purpose::Recreate => "recreate",
            Purpose::Replace => "replace",
            Purpose::Prune => "prune",
        }
    }
}

/// What a create stands in for: the batch's earlier job for the source server.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Replaces {
    pub job_id: String,
    /// [`Purpose::Recreate`] (the job is gone) or [`Purpose::Replace`] (deleted for a change it could not take).
    pub why: Purpose,
}

/// A row to create.
#[derive(Clone, Debug)]
pub struct Work {
    pub line: u64,
    /// The typed request, for the look-up by Name and SourceId.
    pub request: CreateReplicationJob,
    pub token: String,
    /// The request's parameters, flattened once: what the journal records and what is sent.
    pub params: BTreeMap<String, String>,
    /// A job may exist from an earlier run whose intent had another token: look it up first.
    pub look_up_first: bool,
    /// The batch's earlier job for the source, which this create stands in for.
    pub replaces: Option<Replaces>,
}

impl Work {
    /// The prepared request of a valid row: its parameters flattened once, and its token.
    pub fn of(row: &Row) -> Work {
        let mut request = of_row(row);
        // Flattened once: the token is derived from these parameters, and then joins them.
        let mut params: BTreeMap<String, String> = canonical(&request).into_iter().collect();
        let token = match &request.client_token {
            Some(own) => own.clone(),
            None => token_of(&params),
        };
        params.insert("ClientToken".to_string(), token.clone());
        request.client_token = Some(token.clone());
        Work { line: row.line, request, token, params, look_up_first: false, replaces: None }
    }

    /// The same request in place of the job `replaced` (gone, or deleted to be replaced):
    /// a new ClientToken, derived from the row's and that job's, since the old one names the
    /// old job; the same for every run, so that a run killed half-way is resumed.
    pub fn recreating(&self, replaced: Replaces) -> Work {
        let mut keyed = self.params.clone();
        keyed.insert("ClientToken".to_string(), format!("{}+{}", self.token, replaced.job_id));
        let token = token_of(&keyed);
        let mut params = self.params.clone();
        params.insert("ClientToken".to_string(), token.clone());
        let mut request = self.request.clone();
        request.client_token = Some(token.clone());
        Work { request, token, params, replaces: Some(replaced), look_up_first: false, ..self.clone() }
    }
}

/// The request a (valid) row makes; lists are numbered densely, in column order.
pub fn of_row(row: &Row) -> CreateReplicationJob {
    let text = |p: Param| row.text(p).map(str::to_string);
    let part = |p: RowPart| Part {
        device: p.device.map(|c| c.text.to_string()),
        size_bytes: p.size_bytes.and_then(|c| c.int()),
        block: p.block.and_then(|c| c.boolean()),
    };
    CreateReplicationJob {
        region_id: text(Param::RegionId).unwrap_or_default(),
        source_id: text(Param::SourceId).unwrap_or_default(),
        client_token: text(Param::ClientToken),
        name: text(Param::Name),
        description: text(Param::Description),
        target_type: text(Param::TargetType),
        image_name: text(Param::ImageName),
        instance_id: text(Param::InstanceId),
        system_disk_size: row.int(Param::SystemDiskSize),
        vpc_id: text(Param::VpcId),
        vswitch_id: text(Param::VSwitchId),
        replication_parameters: text(Param::ReplicationParameters),
        net_mode: row.int(Param::NetMode),
        run_once: row.boolean(Param::RunOnce),
        frequency: row.int(Param::Frequency),
        max_number_of_image_to_keep: row.int(Param::MaxNumberOfImageToKeep),
        instance_type: text(Param::InstanceType),
        launch_template_id: text(Param::LaunchTemplateId),
        launch_template_version: text(Param::LaunchTemplateVersion),
        instance_ram_role: text(Param::InstanceRamRole),
        container_namespace: text(Param::ContainerNamespace),
        container_repository: text(Param::ContainerRepository),
        container_tag: text(Param::ContainerTag),
        license_type: text(Param::LicenseType),
        job_type: row.int(Param::JobType),
        resource_group_id: text(Param::ResourceGroupId),
        scheduled_start_time: text(Param::ScheduledStartTime),
        valid_time: text(Param::ValidTime),
        data_disk: row
            .data_disks()
            .map(|d| DataDisk {
                index: d.index().and_then(|c| c.int()),
                size: d.size().and_then(|c| c.int()),
                part: d.parts().map(part).collect(),
            })
            .collect(),
        system_disk_part: row.system_parts().map(part).collect(),
        tag: row
            .tags()
            .map(|t| Tag {
                key: t.key.map(|c| c.text.to_string()).unwrap_or_default(),
                value: t.value.map(|c| c.text.to_string()),
            })
            .collect(),
    }
}

/// The flat parameters of a request, sorted: what the journal records and the token is derived from.
pub fn canonical(request: &CreateReplicationJob) -> Vec<(String, String)> {
    let mut params = flatten(&serde_json::to_value(request).expect("requests serialise"));
    params.sort();
    params
}

/// The row's own ClientToken, or one derived from its parameters: an unchanged row gets the
/// same token on every run, an edited row a new one. 48 ASCII characters.
pub fn client_token(request: &CreateReplicationJob) -> String {
    match &request.client_token {
        Some(token) => token.clone(),
        None => token_of(canonical(request).iter().map(|(k, v)| (k, v))),
    }
}

/// The token derived from a request's canonical parameters, in order (they hold no ClientToken).
pub fn token_of<'a>(canonical: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    let mut hash = Sha256::new();
    for (k, v) in canonical {
        hash.update(k.as_bytes());
        hash.update([0]);
        hash.update(v.as_bytes());
        hash.update([0]);
    }
    let digest: String = hash.finalize().iter().take(20).map(|b| format!("{b:02x}")).collect();
    format!("smcplan-{digest}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::RecordBuf;
    use crate::inventory::Schema;

    fn request(cells: &[(&str, &str)]) -> CreateReplicationJob {
        let schema = Schema::parse(cells.iter().map(|(k, _)| k.to_string()).collect()).unwrap();
        let rec: RecordBuf = cells.iter().map(|(_, v)| *v).collect();
        of_row(&Row::new(2, &schema, rec.view()))
    }

    #[test]
    fn lists_are_dense_and_typed() {
        let r = request(&[
            ("RegionId", "cn-hangzhou"),
            ("SourceId", "s-1"),
            ("DataDisk.1.Index", ""),
            ("DataDisk.3.Index", "2"),
            ("DataDisk.3.Size", "100"),
            ("DataDisk.3.Part.2.Device", "2_1"),
            ("DataDisk.3.Part.2.SizeBytes", "1024"),
            ("Tag.4.Key", "env"),
            ("RunOnce", "FALSE"),
        ]);
        let flat = canonical(&r);
        let keys: Vec<&str> = flat.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            vec![
                "DataDisk.1.Index",
                "DataDisk.1.Part.1.Device",
                "DataDisk.1.Part.1.SizeBytes",
                "DataDisk.1.Size",
                "RegionId",
                "RunOnce",
                "SourceId",
                "Tag.1.Key"
            ]
        );
        assert!(flat.contains(&("RunOnce".into(), "false".into())));
    }

    #[test]
    fn tokens_follow_the_parameters() {
        let a = request(&[("RegionId", "cn-hangzhou"), ("SourceId", "s-1"), ("Name", "web01")]);
        let b = request(&[("Name", "web01"), ("SourceId", "s-1"), ("RegionId", "cn-hangzhou")]);
        let c = request(&[("RegionId", "cn-hangzhou"), ("SourceId", "s-1"), ("Name", "web02")]);
        assert_eq!(client_token(&a), client_token(&b), "column order does not matter");
        assert_ne!(client_token(&a), client_token(&c));
        assert!(client_token(&a).len() <= 64 && client_token(&a).is_ascii());
        let own = request(&[("RegionId", "cn-hangzhou"), ("SourceId", "s-1"), ("ClientToken", "mine")]);
        assert_eq!(client_token(&own), "mine");
    }

    #[test]
    fn the_prepared_request_is_the_canonical_request_with_its_token() {
        let names = ["RegionId", "SourceId", "Name", "Tag.1.Key", "ClientToken"].map(String::from).to_vec();
        let schema = Schema::parse(names).unwrap();
        for own in ["", "my-token"] {
            let rec: RecordBuf = ["cn-hangzhou", "s-1", "web-01", "env", own].into_iter().collect();
            let row = Row::new(2, &schema, rec.view());
            let work = Work::of(&row);
            let mut request = of_row(&row);
            let token = client_token(&request);
            request.client_token = Some(token.clone());
            assert_eq!(work.token, token);
            assert_eq!(work.params, canonical(&request).into_iter().collect::<BTreeMap<_, _>>());
        }
    }
}
