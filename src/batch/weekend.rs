//! A synthetic weekend of a batch, for the report's tests and benchmark: `n` jobs in waves
//! of `per_wave`, each created, started on its wave's schedule, seen at every tenth of its progress,
//! and finished (a few in error, one wave rolled back), with the runs that did it. Seeded:
//! the same seed gives the same batch.

use super::RowStatus;
use super::journal::{
    ActResult, Acted, Entry, InventoryFile, JobResults, Outcome, RunEnd, RunRecord, RunSummary, Seen,
};
use super::report::ReportRow;
use crate::jobstate::JobStatus;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;

/// The journal and report rows of a weekend of `n` jobs, `per_wave` a wave, from `start`.
pub fn weekend(n: usize, per_wave: usize, seed: u64, start: Timestamp) -> (Vec<Entry>, Vec<ReportRow>) {
    let mut entries = Vec::new();
    let mut rows = Vec::with_capacity(n);
    let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let at = |mins: i64| start.saturating_add(SignedDuration::from_mins(mins)).unwrap_or(start);
    let run = |command: &str, argv: &str, mins: i64| RunRecord {
        run: format!("r-{command}-{mins}"),
        command: command.into(),
        argv: argv.split(' ').map(str::to_string).collect(),
        version: env!("CARGO_PKG_VERSION").into(),
        endpoint: "https://smc.aliyuncs.com/".into(),
        regions: vec!["cn-hangzhou".into()],
        access_key_id: "STS.weekend".into(),
        started_at: at(mins),
        ..RunRecord::default()
    };
    let mut submit = run("submit", "smcplan submit weekend.csv --report jobs", 0);
    submit.inventory = Some(InventoryFile { file: "weekend.csv".into(), sha256: format!("{:064x}", seed), pace: None });
    entries.push(Entry::Run(Box::new(submit)));
    let per_wave = per_wave.max(1);
    let waves = n.div_ceil(per_wave).max(1);
    let rolled_back = if waves > 2 { Some(waves - 1) } else { None };
    for i in 0..n {
        let wave = i / per_wave + 1;
        let (source, name, job, token) =
            (format!("s-weekend{i:06}"), format!("server-{i:04}"), format!("j-weekend{i:011}"), format!("t-{i}"));
        let scheduled = at(60 + (wave as i64 - 1) * 600 + (i % per_wave) as i64 / 4 * 20);
        let params: BTreeMap<String, String> = [
            ("RegionId", "cn-hangzhou".to_string()),
            ("SourceId", source.clone()),
            ("Name", name.clone()),
            ("TargetType", "Image".into()),
            ("ImageName", format!("img-{name}")),
            ("SystemDiskSize", (40 + next() % 200).to_string()),
            ("ScheduledStartTime", crate::time::format_time(scheduled)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let line = i as u64 + 2;
        let file = Some("weekend.csv".to_string());
        entries.push(Entry::Intent {
            line,
            token: token.clone(),
            params: params.clone(),
            at: at(i as i64 / 50),
            lookup: false,
            run: None,
            file,
            replaces: None,
        });
        let mut outcome = Outcome::settled(line, &token, Some(&job));
        outcome.at = at(i as i64 / 50);
        entries.push(Entry::Outcome(outcome));
        let seen = |mins: i64, status: JobStatus, progress: f64, results: JobResults| Seen {
            job_id: job.clone(),
            at: scheduled.saturating_add(SignedDuration::from_mins(mins)).unwrap_or(scheduled),
            status,
            business: String::new(),
            progress: Some(progress),
            error_code: String::new(),
            results,
        };
        entries.push(Entry::Seen(Seen { at: at(5), ..seen(0, JobStatus::Ready, 0.0, JobResults::default()) }));
        let run_minutes = 30 + (next() % 120) as i64;
        let started = JobResults { start_time: crate::time::format_time(scheduled), ..JobResults::default() };
        let fails = next() % 20 == 0;
        for tenth in 0..if fails { 7 } else { 10 } {
            let progress = f64::from(tenth * 10);
            entries.push(Entry::Seen(seen(
                run_minutes * i64::from(tenth) / 10,
                JobStatus::Running,
                progress,
                started.clone(),
            )));
        }
        let end = scheduled.saturating_add(SignedDuration::from_mins(run_minutes)).unwrap_or(scheduled);
        let image = format!("m-weekend{i:011}");
        let done = JobResults {
            end_time: crate::time::format_time(end),
            image_id: image.clone(),
            image_ids: vec![image],
            ..started
        };
        let last = if fails {
            let failed = JobResults {
                image_id: String::new(),
                image_ids: Vec::new(),
                status_info: "Data transfer to the intermediate instance failed.".into(),
                ..done
            };
            Seen {
                error_code: "ReplicationJob.DataTransferFailed".into(),
                ..seen(run_minutes, JobStatus::InError, 66.6, failed)
            }
        } else {
            seen(run_minutes, JobStatus::Finished, 100.0, done)
        };
        entries.push(Entry::Seen(last));
        if Some(wave) == rolled_back {
            let at = scheduled.saturating_add(SignedDuration::from_hours(8)).unwrap_or(scheduled);
            let acted = Acted {
                line,
                action: "DeleteReplicationJob".into(),
                job_id: job.clone(),
                result: ActResult::Done,
                request_id: None,
                error_code: None,
                error_message: None,
                attempts: 1,
                at,
            };
            entries.push(Entry::Acted(acted));
        }
        let mut r = ReportRow {
            status: RowStatus::Created,
            job_id: job,
            client_token: token,
            attempts: 1,
            file: "weekend.csv".into(),
            wave: wave.to_string(),
            params,
            ..ReportRow::default()
        };
        r.id = super::RowId { line, source_id: source, name, region_id: "cn-hangzhou".into() };
        rows.push(r);
    }
    let end = RunEnd {
        run: "r-submit-0".into(),
        ended_at: at(n as i64 / 50 + 1),
        summary: RunSummary { line: format!("jobs: {n} created"), ..RunSummary::default() },
    };
    entries.push(Entry::RunEnd(end));
    for mins in (0..waves as i64 * 4).map(|k| 60 + k * 150) {
        let record = run("status", "smcplan status jobs --watch", mins);
        let ended_at = record.started_at.saturating_add(SignedDuration::from_mins(149)).unwrap_or(record.started_at);
        let end = RunEnd {
            run: record.run.clone(),
            ended_at,
            summary: RunSummary { line: "jobs: watched".into(), ..RunSummary::default() },
        };
        entries.push(Entry::Run(Box::new(record)));
        entries.push(Entry::RunEnd(end));
    }
    (entries, rows)
}
