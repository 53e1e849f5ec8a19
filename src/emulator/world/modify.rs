//! ModifyReplicationJobAttribute: the parameters a job may still change in its state, checked
//! by the rules of CreateReplicationJob and against the account, then applied.

use super::{COMMON, World};
use crate::emulator::fault::Fault;
use crate::emulator::params::Params;
use crate::emulator::rules;
use crate::jobchange::{changed_params, may_change};
use crate::jobstate::JobStatus;

impl World {
    /// ModifyReplicationJobAttribute: every parameter given must be one the job may still
    /// change (else `ReplicationJob.InvalidStatus`); the job as changed must pass the rules
    /// of a create (a time it keeps is not checked again) and the account's.
    pub fn modify(&mut self, params: &[(String, String)]) -> Result<(), Fault> {
        let i = self.job_mut(params)?;
        let job = &self.jobs[i];
        let status = JobStatus::parse(&job.status);
        let has_run = job.runs > 0 || status != JobStatus::Ready;
        let changed: Vec<(String, String)> =
            params.iter().filter(|(k, _)| !COMMON.contains(&k.as_str()) && k != "RegionId").cloned().collect();
        for (k, _) in &changed {
            if let Err(why) = may_change(k, &status, has_run) {
                return Err(Fault::new(
                    400,
                    "ReplicationJob.InvalidStatus",
                    format!("The specified replication job status: {status} is invalid for changing {k}: {why}."),
                ));
            }
        }
        let before: std::collections::BTreeMap<String, String> = job.params.iter().cloned().collect();
        let changes: std::collections::BTreeMap<String, String> = changed.iter().cloned().collect();
        let merged: Vec<(String, String)> = changed_params(&before, &changes).into_iter().collect();
        // A time the job keeps was checked when it was set: only a changed one is checked now.
        let checked: Vec<(String, String)> = merged
            .iter()
            .filter(|(k, _)| {
                !matches!(k.as_str(), "ScheduledStartTime" | "ValidTime") || changed.iter().any(|(c, _)| c == k)
            })
            .cloned()
            .collect();
        let now = self.clock.now();
        rules::check_create(&Params(&checked), now)?;
        let p = Params(&merged);
        let source = p.required("SourceId")?;
        let si = *self.source_index.get(source).ok_or_else(|| Fault::missing("SourceId"))?;
        self.check_against_account(&p, si, Some(i))?;
        let mut rebuilt = self.build_job(&job.id.clone(), &p, job.created)?;
        let old = self.jobs[i].clone();
        rebuilt.status = old.status.clone();
        rebuilt.business_status = old.business_status.clone();
        rebuilt.progress = old.progress;
        rebuilt.started = old.started;
        rebuilt.ended = old.ended;
        rebuilt.error_code = old.error_code.clone();
        rebuilt.failing = old.failing;
        rebuilt.runs = old.runs;
        self.replace_job(i, rebuilt);
        Ok(())
    }
}

impl World {
    /// Puts `job` in place of job `i`, its name and image name indexed anew.
    fn replace_job(&mut self, i: usize, job: super::Job) {
        let old = &self.jobs[i];
        if self.names.get(&old.name) == Some(&i) {
            self.names.remove(&old.name.clone());
        }
        let image = (old.region_id.clone(), old.image_name.clone());
        if self.images.get(&image) == Some(&i) {
            self.images.remove(&image);
        }
        if !job.name.is_empty() {
            self.names.insert(job.name.clone(), i);
        }
        if !job.image_name.is_empty() {
            self.images.insert((job.region_id.clone(), job.image_name.clone()), i);
        }
        self.jobs[i] = job;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::demo_account;

    fn p(kv: &[(&str, &str)]) -> Vec<(String, String)> {
        kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// A job of the demo account put in `status`, run `runs` times.
    fn job_in(status: &str, runs: u32) -> (World, String) {
        let mut w = World::new(demo_account(), 0.001, 1);
        let id = w
            .create(&p(&[
                ("RegionId", "cn-hangzhou"),
                ("SourceId", "s-bp1e2fsl57knvuug0001"),
                ("Name", "db01"),
                ("TargetType", "Image"),
                ("ImageName", "img-db01"),
                ("SystemDiskSize", "100"),
                ("RunOnce", "false"),
                ("Frequency", "12"),
                ("MaxNumberOfImageToKeep", "3"),
            ]))
            .unwrap();
        let i = w.job_index[&id];
        w.jobs[i].status = status.to_string();
        w.jobs[i].runs = runs;
        (w, id)
    }

    fn code(r: Result<(), Fault>) -> &'static str {
        match r {
            Ok(()) => "ok",
            Err(Fault::Api { code, .. }) if code == "ReplicationJob.InvalidStatus" => "InvalidStatus",
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    /// The rule as the API states it: Name and Description in any state; Frequency and
    /// MaxNumberOfImageToKeep before the first run or while Waiting; ValidTime in Ready,
    /// Running, Stopped, InError and Waiting; every other parameter before the first run.
    #[test]
    fn each_parameter_changes_only_in_the_states_the_api_allows() {
        let valid = |w: &World| {
            let t = w.clock.now().checked_add(jiff::SignedDuration::from_hours(24 * 10)).unwrap();
            crate::time::format_time(t)
        };
        let states: [(&str, u32); 8] = [
            ("Ready", 0),
            ("Running", 1),
            ("Stopped", 1),
            ("InError", 1),
            ("Waiting", 1),
            ("Finished", 1),
            ("Expired", 1),
            ("Ready", 1),
        ];
        for (status, runs) in states {
            let fresh = runs == 0;
            let cases: [(&str, bool); 6] = [
                ("Name", true),
                ("Description", true),
                ("Frequency", fresh || status == "Waiting"),
                ("MaxNumberOfImageToKeep", fresh || status == "Waiting"),
                ("ValidTime", matches!(status, "Ready" | "Running" | "Stopped" | "InError" | "Waiting")),
                ("SystemDiskSize", fresh),
            ];
            for (param, allowed) in cases {
                let (mut w, id) = job_in(status, runs);
                let value = match param {
                    "Name" => "db01-renamed".to_string(),
                    "Description" => "moved_to_wave_2".to_string(),
                    "Frequency" => "24".to_string(),
                    "MaxNumberOfImageToKeep" => "5".to_string(),
                    "ValidTime" => valid(&w),
                    _ => "120".to_string(),
                };
                let got = code(w.modify(&p(&[("JobId", &id), (param, &value)])));
                let want = if allowed { "ok" } else { "InvalidStatus" };
                assert_eq!(got, want, "{param} on a job {status} after {runs} runs");
                if allowed {
                    let i = w.job_index[&id];
                    assert!(w.jobs[i].params.iter().any(|(k, v)| k == param && *v == value), "{param} kept");
                    assert_eq!(w.jobs[i].status, status, "a change leaves the state as it was");
                }
            }
        }
    }

    #[test]
    fn a_change_is_checked_as_a_create_is_and_names_stay_unique() {
        let (mut w, id) = job_in("Ready", 0);
        let bad = w.modify(&p(&[("JobId", &id), ("SystemDiskSize", "19")]));
        assert!(
            matches!(bad, Err(Fault::Api { ref code, .. }) if code.starts_with("InvalidParameter") || code.contains("SystemDiskSize")),
            "{bad:?}"
        );
        let other = w
            .create(&p(&[
                ("RegionId", "cn-hangzhou"),
                ("SourceId", "s-bp1e2fsl57knvuug0002"),
                ("Name", "db02"),
                ("TargetType", "Image"),
                ("ImageName", "img-db02"),
                ("SystemDiskSize", "100"),
            ]))
            .unwrap();
        let taken = w.modify(&p(&[("JobId", &other), ("Name", "db01")]));
        assert!(matches!(taken, Err(Fault::Api { ref code, .. }) if code.contains("Name")), "{taken:?}");
        let gone = w.modify(&p(&[("JobId", "j-nope"), ("Name", "x1")]));
        assert!(matches!(gone, Err(Fault::Api { ref code, .. }) if code == "InvalidJobId.NotFound"), "{gone:?}");
    }
}
