//! The job actions: StartReplicationJob, StopReplicationJob, CutOverReplicationJob and
//! DeleteReplicationJob, each allowed from the states the API allows it from.

use super::World;
use crate::emulator::fault::Fault;
use crate::emulator::params::Params;

impl World {
    pub(super) fn job_mut(&mut self, params: &[(String, String)]) -> Result<usize, Fault> {
        let id = Params(params).required("JobId")?;
        let i = *self.job_index.get(id).ok_or_else(|| {
            Fault::new(404, "InvalidJobId.NotFound", format!("The specified replication job {id} does not exist."))
        })?;
        let now = self.clock.now();
        self.jobs[i].advance(now);
        Ok(i)
    }

    fn invalid_status(status: &str, allowed: &str) -> Fault {
        Fault::new(
            400,
            "ReplicationJob.InvalidStatus",
            format!(
                "The specified replication job status: {status} is invalid. This operation can only be performed in the following status: {allowed}."
            ),
        )
    }

    /// StartReplicationJob: Ready, Stopped or InError become Running.
    pub fn start(&mut self, params: &[(String, String)]) -> Result<(), Fault> {
        let i = self.job_mut(params)?;
        if !["Ready", "Stopped", "InError"].contains(&self.jobs[i].status.as_str()) {
            return Err(Self::invalid_status(&self.jobs[i].status, "Ready, Stopped, InError"));
        }
        let now = self.clock.now();
        self.jobs[i].run_manually(now);
        Ok(())
    }

    /// StopReplicationJob: Running and Syncing becomes Stopped.
    pub fn stop(&mut self, params: &[(String, String)]) -> Result<(), Fault> {
        let i = self.job_mut(params)?;
        let job = &mut self.jobs[i];
        if job.status != "Running" || job.business_status != "Syncing" {
            return Err(Self::invalid_status(&job.status, "Running"));
        }
        job.status = "Stopped".into();
        job.business_status.clear();
        Ok(())
    }

    /// CutOverReplicationJob: an incremental job Waiting between runs runs its last sync and
    /// finishes.
    pub fn cut_over(&mut self, params: &[(String, String)]) -> Result<(), Fault> {
        let i = self.job_mut(params)?;
        Params(params).boolean("SyncData")?;
        if self.jobs[i].status != "Waiting" {
            return Err(Self::invalid_status(&self.jobs[i].status, "Waiting"));
        }
        let now = self.clock.now();
        let job = &mut self.jobs[i];
        job.run_once = true;
        job.run_manually(now);
        Ok(())
    }

    /// DeleteReplicationJob: gone at once; frees the source server, the name and the image name.
    pub fn delete(&mut self, params: &[(String, String)]) -> Result<(), Fault> {
        let i = self.job_mut(params)?;
        if self.jobs[i].status == "Running" {
            return Err(Self::invalid_status("Running", "Ready, Stopped, InError, Finished, Waiting, Expired"));
        }
        let job = self.jobs[i].clone();
        self.job_index.remove(&job.id);
        if self.names.get(&job.name) == Some(&i) {
            self.names.remove(&job.name);
        }
        if self.images.get(&(job.region_id.clone(), job.image_name.clone())) == Some(&i) {
            self.images.remove(&(job.region_id.clone(), job.image_name.clone()));
        }
        if let Some(list) = self.by_source.get_mut(&job.source_id) {
            list.retain(|&j| j != i);
        }
        self.jobs[i].status = "Deleted".into();
        self.live -= 1;
        self.set_source_state(&job.source_id, "Available");
        Ok(())
    }
}
