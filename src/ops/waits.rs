//! The waits of the lifecycle commands: until the jobs a delete stopped leave Running,
//! until a canary's jobs run; each a look at the jobs' states every half second, what it
//! saw journaled in the batch in `dir`.

use crate::api::client::Client;
use crate::batch::observe::Noter;
use crate::batch::report::ReportRow;
use crate::engine::signals::Stop;
use crate::jobs::act::{Action, goal_holds};
use crate::jobs::states::{JobState, read_jobs};
use crate::jobstate::JobStatus;
use std::time::{Duration, Instant};

/// The jobs' states now, what was seen journaled.
async fn look(
    client: &Client,
    noter: &mut Noter,
    ids: &[String],
) -> anyhow::Result<std::collections::BTreeMap<String, Option<JobState>>> {
    let jobs = read_jobs(client, ids).await?;
    noter.note(&jobs)?;
    Ok(jobs.into_iter().map(|(id, j)| (id, j.as_ref().map(JobState::of))).collect())
}

/// Waits until none of the jobs `ks` is Running; the ones still Running at the deadline.
pub async fn wait_until_not_running(
    client: &Client,
    dir: &std::path::Path,
    rows: &[&ReportRow],
    ks: &[usize],
    timeout: f64,
    stop: &Stop,
) -> anyhow::Result<Vec<usize>> {
    let deadline = Instant::now() + Duration::from_secs_f64(timeout);
    let mut noter = Noter::open(dir)?;
    let mut left: Vec<usize> = ks.to_vec();
    while !left.is_empty() && Instant::now() < deadline && !stop.requested() {
        let ids: Vec<String> = left.iter().map(|&k| rows[k].job_id.clone()).collect();
        let states = look(client, &mut noter, &ids).await?;
        left.retain(|&k| matches!(states.get(&rows[k].job_id), Some(Some(s)) if s.status == JobStatus::Running));
        if !left.is_empty() {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(500)) => {}
                () = stop.wait_requested() => {}
            }
        }
    }
    Ok(left)
}

/// Waits until every canary job runs (Running or a later state); why not, if one fails or
/// the time runs out.
pub async fn wait_until_running(
    client: &Client,
    dir: &std::path::Path,
    rows: &[&ReportRow],
    ks: &[usize],
    timeout: f64,
    stop: &Stop,
) -> anyhow::Result<Option<String>> {
    let deadline = Instant::now() + Duration::from_secs_f64(timeout);
    let mut noter = Noter::open(dir)?;
    loop {
        let ids: Vec<String> = ks.iter().map(|&k| rows[k].job_id.clone()).collect();
        let states = look(client, &mut noter, &ids).await?;
        let state = |k: usize| states.get(&rows[k].job_id).cloned().flatten();
        let status = |k: usize| state(k).map_or(JobStatus::NotFound, |s| s.status);
        if let Some(&k) =
            ks.iter().find(|&&k| matches!(status(k), JobStatus::InError | JobStatus::Expired | JobStatus::NotFound))
        {
            let s = status(k);
            return Ok(Some(format!("job {} (line {}) is {s}", rows[k].job_id, rows[k].id.line)));
        }
        if ks.iter().all(|&k| goal_holds(Action::Start, state(k).as_ref())) || stop.requested() {
            return Ok(None);
        }
        if Instant::now() >= deadline {
            return Ok(Some(format!("its jobs did not reach Running within {timeout} s")));
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
            () = stop.wait_requested() => return Ok(None),
        }
    }
}
