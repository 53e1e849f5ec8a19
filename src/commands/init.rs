//! `smcplan init`: a draft inventory from the account, a CMDB export merged in, written
//! to stdout or atomically to a file.

use super::{Outcome, connect, stdout_fault};
use crate::account::{AccountIndex, AccountState};
use crate::check::validate::TargetType;
use crate::cli::{InitArgs, TargetArg};
use crate::init::Options;
use crate::init::join::{self, Matched};
use crate::ops::init::Join;
use crate::text::Count;
use anyhow::{Context as _, bail};
use std::io::Write;

/// The servers no CMDB row matches that are named one by one.
const UNMATCHED_SHOWN: usize = 5;

pub(super) fn run(args: &InitArgs) -> anyhow::Result<Outcome> {
    if !crate::check::validate::ids::is_region(&args.region) {
        bail!("--region '{}' is not a region id (like cn-hangzhou)", crate::text::OneLine(&args.region));
    }
    if let Some(out) = args.out.as_ref().filter(|o| o.exists() && !args.force) {
        bail!("{} exists: --force overwrites it", out.display());
    }
    let state = match &args.account {
        Some(path) => AccountState::load(path)?,
        None => {
            let client = connect(&args.connect)?;
            let regions = std::slice::from_ref(&args.region);
            super::fetch_account(&client, regions, crate::account::DEFAULT_JOB_QUOTA)?
        }
    };
    let account = AccountIndex::new(state);
    let target = match args.target_type {
        TargetArg::Image => TargetType::Image,
        TargetArg::TargetInstance => TargetType::TargetInstance,
        TargetArg::ContainerImage => TargetType::ContainerImage,
    };
    let joining = match (&args.join, args.on) {
        (Some(path), Some(key)) => Some(Join { path, sheet: args.sheet.as_deref(), key }),
        _ => None,
    };
    let done = crate::ops::init::init(&account, &Options { region: args.region.clone(), target }, joining)?;
    let draft = &done.draft;
    let mut err = anstream::stderr().lock();
    let mut summary = format!("init: {} drafted", Count(draft.rows.len(), "row"));
    if !draft.left_out.is_empty() {
        summary.push_str(&format!(", {} without a row (see the # lines)", Count(draft.left_out.len(), "server")));
    }
    if let (Some((joined, notes)), Some(path), Some(key)) = (&done.joined, &args.join, args.on) {
        for note in notes {
            writeln!(err, "note: {note}")?;
        }
        let shown = path.display();
        let name_of = |id: &str| account.source(id).map_or(String::new(), |s| s.name.clone());
        for (line, key_text, matched) in &joined.rows {
            let key_text = crate::text::OneLine(key_text);
            let said = match matched {
                Matched::One { source_id } => format!("matched {source_id} ({})", name_of(source_id)),
                Matched::NotFound => "not found: no source server has this key".to_string(),
                Matched::NoKey => format!("not found: its {} cell is empty", key_name(key)),
                Matched::NoRow { source_id } => {
                    let why = draft.left_out.iter().find(|l| l.source_id == *source_id).map(|l| l.why.to_string());
                    let why = why.unwrap_or_else(|| "it cannot take a job".to_string());
                    format!("matched {source_id} ({}), which has no row: {why}", name_of(source_id))
                }
                Matched::Ambiguous { source_ids } if source_ids.len() == 1 => {
                    format!(
                        "ambiguous: another row of the file matches {} too; its row is left as drafted",
                        source_ids[0]
                    )
                }
                Matched::Ambiguous { source_ids } => {
                    format!("ambiguous: matches {}; none is guessed", source_ids.join(", "))
                }
            };
            writeln!(err, "{shown}:{line}: '{key_text}': {said}")?;
        }
        for column in &joined.skipped {
            let column = crate::text::OneLine(column);
            writeln!(err, "note: {shown}: column {column} is not joined: the draft takes it from the account")?;
        }
        for (line, column, given, written) in &joined.renamed {
            let (given, written) = (crate::text::OneLine(given), crate::text::OneLine(written));
            writeln!(
                err,
                "note: {shown}:{line}: {column} '{given}' is written '{written}' (the API's rule for names, unique in the draft)"
            )?;
        }
        // The first few by name; the rest counted (an account holds far more servers than a CMDB
        // export of one team has rows), unless one more name says it as well.
        let all = joined.unmatched.len();
        let named = if all <= UNMATCHED_SHOWN + 1 { all } else { UNMATCHED_SHOWN };
        for id in &joined.unmatched[..named] {
            writeln!(err, "{id} ({}): no row of {shown} matches it; its row is left as drafted", name_of(id))?;
        }
        if all > named {
            let more = all - named;
            writeln!(
                err,
                "... and {more} more servers that no row of {shown} matches; their rows are left as drafted"
            )?;
        }
        summary.push_str(&format!(
            "; join on {}: {} matched, {} not found, {} ambiguous, {} unmatched",
            key_name(key),
            joined.count(|m| matches!(m, Matched::One { .. })),
            joined.count(|m| matches!(m, Matched::NotFound | Matched::NoKey | Matched::NoRow { .. })),
            joined.count(|m| matches!(m, Matched::Ambiguous { .. })),
            Count(joined.unmatched.len(), "server")
        ));
    }
    let formulas = done.formulas;
    if formulas > 0 {
        writeln!(
            err,
            "warning: {} of the draft's API columns {} like a spreadsheet formula; `smcplan validate` names each (Value.Formula): fix them before the file is opened in a spreadsheet",
            Count(formulas, "cell"),
            crate::text::plural(formulas as u64, "starts", "start")
        )?;
    }
    let text = &done.text;
    match &args.out {
        Some(path) => {
            crate::files::write_atomic(path, text)
                .with_context(|| format!("writing the draft to {}", path.display()))?;
            summary.push_str(&format!("; written to {}", path.display()));
        }
        None => std::io::stdout().write_all(text).map_err(stdout_fault)?,
    }
    writeln!(err, "{summary}")?;
    Ok(Outcome::Clean)
}

fn key_name(key: join::Key) -> &'static str {
    match key {
        join::Key::Hostname => "hostname",
        join::Key::Ip => "ip",
        join::Key::Name => "name",
    }
}
