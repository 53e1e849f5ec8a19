//! The account state, fetched through the Describe APIs: every source server and
//! replication job, and the vSwitches of the regions named.

use super::calls::{JobFilter, SourceServerFilter};
use super::client::Client;
use super::error::ApiError;
use crate::account::{AccountState, FORMAT, Quota};
use futures_util::{Stream, TryStreamExt};

/// Fetches every source server and replication job, and the vSwitches of `regions`.
/// `progress` hears how far it got (`fetching source servers: 120`).
pub async fn fetch(
    client: &Client,
    regions: &[String],
    quota: u64,
    progress: &(dyn Fn(String) + Sync),
) -> Result<AccountState, ApiError> {
    let filter = SourceServerFilter::default();
    let source_servers = collect(client.describe_source_servers(&filter), &progress, "source servers").await?;
    let jobs = JobFilter::default();
    let replication_jobs = collect(client.describe_replication_jobs(&jobs), &progress, "replication jobs").await?;
    let mut vswitches = Vec::new();
    for region in regions {
        let label = format!("vSwitches in {region}");
        vswitches.extend(collect(client.describe_vswitches(region, None), &progress, &label).await?);
    }
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
    progress: &(dyn Fn(String) + Sync),
    what: &str,
) -> Result<Vec<T>, ApiError> {
    let mut out = Vec::new();
    let mut items = std::pin::pin!(items);
    while let Some(item) = items.try_next().await? {
        out.push(item);
        progress(format!("fetching {what}: {}", out.len()));
    }
    Ok(out)
}
