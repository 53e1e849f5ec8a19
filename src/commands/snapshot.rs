//! `smcplan snapshot`: the account state through the Describe APIs, written atomically.

use super::*;

pub(super) fn run(args: &SnapshotArgs) -> anyhow::Result<Outcome> {
    let client = connect(&args.connect)?;
    let state = super::fetch_account(&client, &args.regions, args.quota)?;
    crate::account::write(&args.out, &state)?;
    let mut out = anstream::stdout().lock();
    let printed = writeln!(
        out,
        "wrote {}: {} source servers, {} replication jobs, {} vSwitches",
        args.out.display(),
        state.source_servers.len(),
        state.replication_jobs.len(),
        state.vswitches.len()
    )
    .and_then(|()| match args.regions.is_empty() {
        true => writeln!(out, "no --region given: vSwitches were not fetched, so validate cannot check them"),
        false => Ok(()),
    });
    printed.map_err(stdout_fault)?;
    Ok(Outcome::Clean)
}
