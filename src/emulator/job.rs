//! A job's life on the simulated clock: Ready, Running with rising Progress, then Finished or
//! Waiting for its next run, Expired past its ValidTime; and its DescribeReplicationJobs shape.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};
use std::time::Instant;

/// Simulated seconds a job's run takes.
pub const RUN_SECONDS: i64 = 1800;

/// Simulated time: `scale` simulated seconds pass each real second, and tests may step it
/// forward (with a scale of 0 it moves only when stepped).
pub struct Clock {
    origin: Instant,
    start: Timestamp,
    scale: f64,
    /// What [`Clock::advance`] added.
    stepped: SignedDuration,
}

impl Clock {
    pub fn new(scale: f64) -> Clock {
        Clock { origin: Instant::now(), start: Timestamp::now(), scale, stepped: SignedDuration::ZERO }
    }

    pub fn now(&self) -> Timestamp {
        let elapsed = self.origin.elapsed().as_secs_f64() * self.scale;
        let moved = SignedDuration::from_secs_f64(elapsed).saturating_add(self.stepped);
        self.start.saturating_add(moved).expect("time moves forward")
    }

    /// Moves simulated time forward by `by`.
    pub fn advance(&mut self, by: SignedDuration) {
        self.stepped = self.stepped.saturating_add(by.abs());
    }
}

/// A job the emulator holds.
#[derive(Clone, Debug)]
pub struct Job {
    pub id: String,
    pub name: String,
    pub source_id: String,
    pub region_id: String,
    pub image_name: String,
    pub status: String,
    pub business_status: String,
    pub progress: f64,
    pub run_once: bool,
    pub frequency_hours: i64,
    pub scheduled: Option<Timestamp>,
    pub valid_until: Option<Timestamp>,
    pub started: Option<Timestamp>,
    pub ended: Option<Timestamp>,
    pub created: Timestamp,
    /// The parameters it was created with, and fields loaded from a state file.
    pub fields: Map<String, Value>,
    /// The request parameters it has now: those it was created with, as modified since.
    pub params: Vec<(String, String)>,
    /// The error its last run ended with (InError), if any.
    pub error_code: String,
    /// How its runs fail: the share of runs that end InError, and the seed that decides
    /// which (the same for the same job and run, whatever else happens).
    pub failing: Failing,
    /// Runs started so far.
    pub runs: u32,
    /// Each run: when it started and ended, the image it made, and what started it.
    pub run_log: Vec<RunLog>,
}

/// One run of a job, as `ReplicationJobRuns` lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunLog {
    pub start: Timestamp,
    pub end: Option<Timestamp>,
    /// The image the run made (`m-...`), once it finished; none for a TargetInstance job.
    pub image_id: String,
    /// Started by StartReplicationJob (`Manual`), or by its schedule (`Schedule`).
    pub manual: bool,
}

/// An id as SMC spells one (`m-` and 20 lowercase letters and digits), the same for the
/// same `key` and run.
pub fn derived_id(prefix: &str, key: &str, run: u32) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in key.bytes().chain(run.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let (mut a, mut b) = (super::ids::mix(h), super::ids::mix(h ^ 0x5555));
    let mut id = String::from(prefix);
    for i in 0..20 {
        let word = if i < 10 { &mut a } else { &mut b };
        id.push(ALPHABET[(*word % 36) as usize] as char);
        *word /= 36;
    }
    id
}

/// The share of runs that end InError (`--job-error-rate`), decided by the seed.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Failing {
    pub rate: f64,
    pub seed: u64,
}

/// What SMC says beside a run's error, in `StatusInfo`.
fn status_info(code: &str) -> &'static str {
    match code {
        "" => "",
        "SourceServer.Disconnected" => "The SMC client on the source server stopped answering during the transfer.",
        "ReplicationJob.DataTransferFailed" => "Data transfer to the intermediate instance failed.",
        "Disk.InsufficientSpace" => "The target disk is smaller than the data to migrate.",
        _ => "The run failed.",
    }
}

/// The errors a failed run ends with.
const RUN_ERRORS: &[&str] =
    &["SourceServer.Disconnected", "ReplicationJob.DataTransferFailed", "Disk.InsufficientSpace"];

impl Failing {
    /// The error run `run` of a job ends with, if it fails; `id` is what the job is known by
    /// whatever order jobs were created in (its source server and name).
    fn of(&self, id: &str, run: u32) -> Option<&'static str> {
        if self.rate <= 0.0 {
            return None;
        }
        let mut h = self.seed ^ 0x9E37_79B9_7F4A_7C15;
        for b in id.bytes().chain(run.to_le_bytes()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        // splitmix64's finaliser spreads the bits before they are read as a fraction.
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^= h >> 31;
        let fraction = (h >> 11) as f64 / (1u64 << 53) as f64;
        (fraction < self.rate).then(|| RUN_ERRORS[(h % RUN_ERRORS.len() as u64) as usize])
    }
}

impl Job {
    /// Moves the job along its statuses up to `now`.
    pub fn advance(&mut self, now: Timestamp) {
        if let Some(valid) = self.valid_until
            && now >= valid
            && self.status != "Finished"
        {
            self.status = "Expired".into();
            return;
        }
        if self.status == "Ready" && self.scheduled.is_some_and(|s| s <= now) {
            self.run_from(self.scheduled.expect("checked"));
        }
        if self.status == "Waiting"
            && let Some(next) = self.started.map(|s| s + SignedDuration::from_hours(self.frequency_hours.max(1)))
            && next <= now
        {
            self.run_from(next);
        }
        if self.status == "Running"
            && let Some(start) = self.started
        {
            let done = now.duration_since(start).as_secs_f64() / RUN_SECONDS as f64;
            // A failing run stops two thirds of the way.
            if let Some(code) =
                self.failing.of(&format!("{}/{}", self.source_id, self.name), self.runs).filter(|_| done >= 2.0 / 3.0)
            {
                self.status = "InError".into();
                self.business_status.clear();
                self.error_code = code.to_string();
                self.progress = 66.6;
                self.ended = Some(start + SignedDuration::from_secs(RUN_SECONDS * 2 / 3));
                self.end_run(None);
                return;
            }
            if done >= 1.0 {
                self.progress = 100.0;
                self.business_status.clear();
                self.ended = Some(start + SignedDuration::from_secs(RUN_SECONDS));
                let image = (!self.targets_instance()).then(|| derived_id("m-", &self.id, self.runs));
                self.end_run(image);
                self.status = if self.run_once { "Finished".into() } else { "Waiting".into() };
                if !self.run_once {
                    self.advance(now);
                }
            } else {
                self.progress = (done * 1000.0).floor() / 10.0;
            }
        }
    }

    /// Whether the job migrates into an existing instance (no image is made).
    fn targets_instance(&self) -> bool {
        self.params.iter().any(|(k, v)| k == "TargetType" && v == "TargetInstance")
    }

    /// Closes the current run at `self.ended`, with the image it made.
    fn end_run(&mut self, image: Option<String>) {
        if let Some(run) = self.run_log.last_mut() {
            run.end = self.ended;
            run.image_id = image.unwrap_or_default();
        }
    }

    /// The run starting at `start`: by StartReplicationJob or a cutover (`manual`), or by
    /// the job's schedule.
    pub fn run_from(&mut self, start: Timestamp) {
        self.run_by(start, false);
    }

    /// A run started by a call (StartReplicationJob, CutOverReplicationJob).
    pub fn run_manually(&mut self, start: Timestamp) {
        self.run_by(start, true);
    }

    fn run_by(&mut self, start: Timestamp, manual: bool) {
        self.run_log.push(RunLog { start, end: None, image_id: String::new(), manual });
        self.ended = None;
        self.runs += 1;
        self.error_code.clear();
        self.status = "Running".into();
        self.business_status = "Syncing".into();
        self.started = Some(start);
        self.progress = 0.0;
    }

    /// The intermediate instance a run uses, while it runs.
    fn transition_instance(&self) -> String {
        if self.status == "Running" { derived_id("i-", &self.id, self.runs) } else { String::new() }
    }

    pub fn active(&self) -> bool {
        crate::jobstate::JobStatus::parse(&self.status).is_active()
    }

    /// The job as DescribeReplicationJobs returns it.
    pub fn to_json(&self) -> Value {
        let time = |t: Option<Timestamp>| t.map(crate::time::format_time).unwrap_or_default();
        let mut v = Value::Object(self.fields.clone());
        for (k, val) in [
            ("JobId", json!(self.id)),
            ("Name", json!(self.name)),
            ("SourceId", json!(self.source_id)),
            ("RegionId", json!(self.region_id)),
            ("ImageName", json!(self.image_name)),
            ("Status", json!(self.status)),
            ("BusinessStatus", json!(self.business_status)),
            ("Progress", json!(self.progress)),
            ("RunOnce", json!(self.run_once)),
            ("CreationTime", json!(time(Some(self.created)))),
            ("StartTime", json!(time(self.started))),
            ("EndTime", json!(time(self.ended))),
            ("ErrorCode", json!(self.error_code)),
            ("TransitionInstanceId", json!(self.transition_instance())),
        ] {
            v[k] = val;
        }
        // A job loaded from a state file keeps the results it was saved with, until it runs here.
        if !self.run_log.is_empty() {
            v["StatusInfo"] = json!(status_info(&self.error_code));
            v["ImageId"] =
                json!(self.run_log.iter().rev().find(|r| !r.image_id.is_empty()).map_or("", |r| &r.image_id));
            let runs: Vec<Value> = self
                .run_log
                .iter()
                .map(|r| {
                    let kind = if r.manual { "Manual" } else { "Schedule" };
                    json!({"StartTime": time(Some(r.start)), "EndTime": time(r.end), "ImageId": r.image_id, "Type": kind})
                })
                .collect();
            v["ReplicationJobRuns"] = json!({ "ReplicationJobRun": runs });
        }
        for k in ["ImageId", "StatusInfo"] {
            if v.get(k).is_none() {
                v[k] = json!("");
            }
        }
        for (outer, inner) in [
            ("ReplicationJobRuns", "ReplicationJobRun"),
            ("Tags", "Tag"),
            ("DataDisks", "DataDisk"),
            ("SystemDiskParts", "SystemDiskPart"),
        ] {
            if v.get(outer).is_none() {
                v[outer] = json!({ inner: [] });
            }
        }
        v
    }
}
