//! The emulated account: source servers, vSwitches, jobs on a simulated clock, and ClientTokens.

mod account;
mod actions;
mod modify;

use super::fault::Fault;
use super::ids::JobIds;
use super::job::{Clock, Failing, Job};
use super::params::Params;
use super::rules;
use crate::account::{AccountState, ReplicationJob, SourceServer};
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Request parameters that are not the job's own (signatures, the SDK's extras).
pub const COMMON: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "SignatureType",
    "Timestamp",
    "SecurityToken",
    "Signature",
    "OwnerId",
    "ResourceOwnerAccount",
    "ClientToken",
    "JobId",
];

/// A successful request's parameters and the job it created.
type Remembered = (Vec<(String, String)>, String);

/// The account.
pub struct World {
    pub clock: Clock,
    sources: Vec<SourceServer>,
    source_index: HashMap<String, usize>,
    vswitches: Vec<crate::account::VSwitch>,
    quota: u64,
    jobs: Vec<Job>,
    job_index: HashMap<String, usize>,
    names: HashMap<String, usize>,
    images: HashMap<(String, String), usize>,
    by_source: HashMap<String, Vec<usize>>,
    live: u64,
    /// (action, token) → what the first request sent, and its JobId.
    tokens: HashMap<(String, String), Remembered>,
    ids: JobIds,
    pub rng: u64,
    /// How the runs of the jobs it creates fail (`--job-error-rate`).
    pub failing: Failing,
}

impl World {
    /// The JobIds deleted so far (a job is deleted once: after that no request finds it).
    pub fn deleted(&self) -> Vec<String> {
        self.jobs.iter().filter(|j| j.status == "Deleted").map(|j| j.id.clone()).collect()
    }

    pub fn new(state: AccountState, scale: f64, seed: u64) -> World {
        let clock = Clock::new(scale);
        let now = clock.now();
        let mut w = World {
            clock,
            source_index: HashMap::new(),
            vswitches: state.vswitches,
            quota: state.quota.replication_jobs,
            sources: state.source_servers,
            jobs: Vec::new(),
            job_index: HashMap::new(),
            names: HashMap::new(),
            images: HashMap::new(),
            by_source: HashMap::new(),
            live: 0,
            tokens: HashMap::new(),
            ids: JobIds::new(seed, state.emulator.map_or(1, |s| s.next_id)),
            rng: seed | 1,
            failing: Failing::default(),
        };
        match state.emulator {
            // Restarted from its own state file: the sequence goes on where it stood.
            Some(seq) => w.rng = seq.rng,
            // Another account's jobs: start the sequence away from what their ids would give.
            None => {
                for j in &state.replication_jobs {
                    w.rng = w.rng.rotate_left(5) ^ xxhash_rust::xxh3::xxh3_64(j.job_id.as_bytes());
                }
            }
        }
        for (i, s) in w.sources.iter().enumerate() {
            w.source_index.insert(s.source_id.clone(), i);
        }
        for j in state.replication_jobs {
            // The request parameters it shows: what a ModifyReplicationJobAttribute changes.
            let params = crate::account::job::flat_params(&j).into_iter().collect();
            let mut fields = j.extra.clone();
            fields.remove("Progress");
            let job = Job {
                progress: j.extra.get("Progress").and_then(Value::as_f64).unwrap_or(0.0),
                business_status: j.extra.get("BusinessStatus").and_then(Value::as_str).unwrap_or_default().to_string(),
                run_once: j.extra.get("RunOnce").and_then(Value::as_bool).unwrap_or(true),
                frequency_hours: j.extra.get("Frequency").and_then(Value::as_i64).unwrap_or(0),
                id: j.job_id,
                name: j.name,
                source_id: j.source_id,
                region_id: j.region_id,
                image_name: j.image_name,
                status: j.status,
                scheduled: None,
                valid_until: None,
                started: None,
                ended: None,
                created: now,
                fields,
                error_code: j.extra.get("ErrorCode").and_then(Value::as_str).unwrap_or_default().to_string(),
                failing: Failing::default(),
                runs: 0,
                run_log: Vec::new(),
                params,
            };
            w.insert(job);
        }
        w
    }

    fn insert(&mut self, job: Job) {
        let i = self.jobs.len();
        self.job_index.insert(job.id.clone(), i);
        if !job.name.is_empty() {
            self.names.insert(job.name.clone(), i);
        }
        if !job.image_name.is_empty() {
            self.images.insert((job.region_id.clone(), job.image_name.clone()), i);
        }
        self.by_source.entry(job.source_id.clone()).or_default().push(i);
        self.live += 1;
        self.jobs.push(job);
    }

    /// splitmix64: well mixed from the first call, whatever the seed.
    fn random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The JobId sequence (see [`JobIds`]).
    pub fn ids(&mut self) -> &mut JobIds {
        &mut self.ids
    }

    /// A JobId no job has had: the next of the sequence, past any a job of the account has.
    fn new_job_id(&mut self) -> String {
        loop {
            let id = self.ids.next_id();
            if !self.job_index.contains_key(&id) {
                return id;
            }
        }
    }

    /// An upper-case UUID-shaped request id.
    pub fn request_id(&mut self) -> String {
        let (a, b) = (self.random(), self.random());
        let h = format!("{a:016X}{b:016X}");
        format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
    }

    /// CreateReplicationJob, with ClientToken idempotence. Returns the JobId.
    pub fn create(&mut self, params: &[(String, String)]) -> Result<String, Fault> {
        let p = Params(params);
        let now = self.clock.now();
        rules::check_create(&p, now)?;
        // The same parameters in any order are the same request.
        let mut sorted = params.to_vec();
        sorted.sort();
        if let Some(token) = p.get("ClientToken")
            && let Some((sent, job)) = self.tokens.get(&("CreateReplicationJob".to_string(), token.to_string()))
        {
            if *sent == sorted {
                return Ok(job.clone());
            }
            return Err(Fault::new(
                400,
                "IdempotentParameterMismatch",
                "The request uses the same client token as a previous, but non-identical request.",
            ));
        }
        self.check_account(&p, now)?;
        let id = self.new_job_id();
        let job = self.build_job(&id, &p, now)?;
        self.set_source_state(&job.source_id, "InUse");
        self.insert(job);
        if let Some(token) = p.get("ClientToken") {
            self.tokens.insert(("CreateReplicationJob".into(), token.into()), (sorted, id.clone()));
        }
        Ok(id)
    }

    fn check_account(&mut self, p: &Params, now: Timestamp) -> Result<(), Fault> {
        let source_id = p.required("SourceId")?;
        let state = |s: &str| {
            Fault::new(
                400,
                "SourceServerState.Invalid",
                format!(
                    "The specified source server status: {s} is invalid. This operation can only be performed in the following status: Available."
                ),
            )
        };
        let Some(&si) = self.source_index.get(source_id) else {
            return Err(state("NotFound"));
        };
        let held: Vec<usize> = self.by_source.get(source_id).cloned().unwrap_or_default();
        for i in held {
            self.jobs[i].advance(now);
            if self.jobs[i].active() {
                return Err(Fault::new(
                    400,
                    "SourceServer.WithRunningReplicationJob",
                    format!("The source server has a replication job: {}.", self.jobs[i].id),
                ));
            }
        }
        if self.sources[si].state != "Available" {
            return Err(state(&self.sources[si].state.clone()));
        }
        self.check_against_account(p, si, None)?;
        if self.live >= self.quota {
            return Err(Fault::new(
                400,
                "QuotaExceeded.ReplicationJob",
                "The maximum number of replication jobs is exceeded. Please submit a ticket to raise the quota.",
            ));
        }
        Ok(())
    }

    pub(super) fn build_job(&self, id: &str, p: &Params, now: Timestamp) -> Result<Job, Fault> {
        let mut fields = Map::new();
        for key in [
            "Description",
            "TargetType",
            "InstanceId",
            "VpcId",
            "VSwitchId",
            "ReplicationParameters",
            "InstanceType",
            "LaunchTemplateId",
            "LaunchTemplateVersion",
            "InstanceRamRole",
            "ContainerNamespace",
            "ContainerRepository",
            "ContainerTag",
            "LicenseType",
            "ResourceGroupId",
            "ScheduledStartTime",
            "ValidTime",
        ] {
            fields.insert(key.into(), json!(p.get(key).unwrap_or_default()));
        }
        for key in ["SystemDiskSize", "NetMode", "Frequency", "MaxNumberOfImageToKeep", "JobType"] {
            fields.insert(key.into(), json!(p.int(key)?.unwrap_or(0)));
        }
        let disks: Vec<Value> = p
            .indexes("DataDisk")?
            .into_iter()
            .map(|n| json!({"Index": p.int(&format!("DataDisk.{n}.Index")).ok().flatten(), "Size": p.int(&format!("DataDisk.{n}.Size")).ok().flatten(), "Parts": {"Part": []}}))
            .collect();
        fields.insert("DataDisks".into(), json!({ "DataDisk": disks }));
        let tags: Vec<Value> = p
            .indexes("Tag")?
            .into_iter()
            .map(|n| json!({"Key": p.get(&format!("Tag.{n}.Key")), "Value": p.get(&format!("Tag.{n}.Value")).unwrap_or_default()}))
            .collect();
        fields.insert("Tags".into(), json!({ "Tag": tags }));
        let time = |k| p.get(k).and_then(crate::time::parse_time);
        Ok(Job {
            id: id.to_string(),
            name: p.get("Name").unwrap_or_default().to_string(),
            source_id: p.required("SourceId")?.to_string(),
            region_id: p.required("RegionId")?.to_string(),
            image_name: p.get("ImageName").unwrap_or_default().to_string(),
            status: "Ready".into(),
            business_status: String::new(),
            progress: 0.0,
            run_once: p.boolean("RunOnce")?.unwrap_or(true),
            frequency_hours: p.int("Frequency")?.unwrap_or(0),
            scheduled: time("ScheduledStartTime"),
            valid_until: time("ValidTime"),
            started: None,
            ended: None,
            created: now,
            fields,
            error_code: String::new(),
            failing: self.failing,
            runs: 0,
            run_log: Vec::new(),
            params: p.0.iter().filter(|(k, _)| !COMMON.contains(&k.as_str())).cloned().collect(),
        })
    }

    fn set_source_state(&mut self, source_id: &str, state: &str) {
        if let Some(&i) = self.source_index.get(source_id) {
            self.sources[i].state = state.to_string();
        }
    }

    /// The live jobs, advanced to now, in creation order.
    pub fn jobs(&mut self) -> Vec<&Job> {
        let now = self.clock.now();
        for (i, job) in self.jobs.iter_mut().enumerate() {
            if self.job_index.get(&job.id) == Some(&i) {
                job.advance(now);
            }
        }
        // A finished job no longer holds its source server.
        let finished: Vec<String> =
            self.jobs.iter().filter(|j| j.status == "Finished").map(|j| j.source_id.clone()).collect();
        for s in finished {
            let busy = self.by_source.get(&s).is_some_and(|l| l.iter().any(|&i| self.jobs[i].active()));
            if !busy {
                self.set_source_state(&s, "Available");
            }
        }
        let index = &self.job_index;
        self.jobs.iter().enumerate().filter(|(i, j)| index.get(&j.id) == Some(i)).map(|(_, j)| j).collect()
    }

    pub fn sources(&self) -> &[SourceServer] {
        &self.sources
    }

    pub fn vswitches(&self) -> &[crate::account::VSwitch] {
        &self.vswitches
    }

    /// The last job of a source server.
    pub fn last_job_of(&self, source_id: &str) -> Option<&str> {
        self.by_source.get(source_id)?.last().map(|&i| self.jobs[i].id.as_str())
    }

    /// The account as a state file.
    pub fn state(&mut self) -> AccountState {
        let quota = self.quota;
        let replication_jobs: Vec<ReplicationJob> =
            self.jobs().into_iter().filter_map(|j| serde_json::from_value(j.to_json()).ok()).collect();
        AccountState {
            format: crate::account::FORMAT.into(),
            captured_at: Some(crate::time::format_time(self.clock.now())),
            quota: crate::account::Quota { replication_jobs: quota },
            source_servers: self.sources.clone(),
            replication_jobs,
            vswitches: self.vswitches.clone(),
            emulator: Some(crate::account::EmulatorSequence { next_id: self.ids.saved_next(), rng: self.rng }),
        }
    }
}
