//! `smcplan snapshot`: the account state, fetched through the Describe APIs, written for `--account`.

use crate::account::{AccountState, FORMAT, Quota};
use crate::api::calls::{JobFilter, SourceServerFilter};
use crate::api::client::Client;
use crate::api::error::ApiError;
use futures_util::{Stream, TryStreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use std::time::Duration;

/// Fetches every source server and replication job, and the vSwitches of `regions`.
pub async fn fetch(client: &Client, regions: &[String], quota: u64) -> Result<AccountState, ApiError> {
    let progress = ProgressBar::new_spinner()
        .with_style(ProgressStyle::with_template("{spinner} {msg}").expect("static template"));
    progress.enable_steady_tick(Duration::from_millis(120));
    let filter = SourceServerFilter::default();
    let source_servers = collect(client.describe_source_servers(&filter), &progress, "source servers").await?;
    let jobs = JobFilter::default();
    let replication_jobs = collect(client.describe_replication_jobs(&jobs), &progress, "replication jobs").await?;
    let mut vswitches = Vec::new();
    for region in regions {
        let label = format!("vSwitches in {region}");
        vswitches.extend(collect(client.describe_vswitches(region, None), &progress, &label).await?);
    }
    progress.finish_and_clear();
    Ok(AccountState {
        format: FORMAT.to_string(),
        captured_at: Some(crate::time::format_time(jiff::Timestamp::now())),
        quota: Quota { replication_jobs: quota },
        source_servers,
        replication_jobs,
        vswitches,
        emulator: None,
    })
}

async fn collect<T>(
    items: impl Stream<Item = Result<T, ApiError>>,
    progress: &ProgressBar,
    what: &str,
) -> Result<Vec<T>, ApiError> {
    let mut out = Vec::new();
    let mut items = std::pin::pin!(items);
    while let Some(item) = items.try_next().await? {
        out.push(item);
        progress.set_message(format!("fetching {what}: {}", out.len()));
    }
    Ok(out)
}

/// Writes the state file atomically: a temporary file beside it, synced, then a rename.
pub fn write(path: &Path, state: &AccountState) -> std::io::Result<()> {
    crate::files::write_atomic(path, (state.to_json() + "\n").as_bytes())
}
