//! The plan of an inventory against its batch, for people: the rows grouped by action, each
//! change as `Parameter: from -> to`, why a job is replaced or made again, and the batch's
//! jobs no row holds; and the changes a submit left for `--replace` and `--prune`.

use crate::jobs::reconcile::Action;
use crate::ops::reconcile::{Outside, Reconciled, Step};
use crate::text::OneLine;
use std::io::{self, Write};

/// The whole plan; the rows that stay as they are counted, not listed.
pub fn plan(out: &mut dyn Write, plan: &Reconciled, dir: &str) -> io::Result<()> {
    for action in [Action::Create, Action::Recreate, Action::Update, Action::Replace, Action::Blocked] {
        let steps: Vec<&Step> = plan.steps.iter().filter(|s| s.action == action).collect();
        if steps.is_empty() {
            continue;
        }
        writeln!(out, "{} ({}):", action.word(), steps.len())?;
        for s in steps {
            step(out, s)?;
        }
    }
    outside(out, &plan.not_in_inventory, "not in this inventory")?;
    writeln!(out, "{}", summary(plan, dir))
}

/// `plan against DIR: 1 create, 3 update, ... ; 2 not in this inventory`.
pub fn summary(plan: &Reconciled, dir: &str) -> String {
    let each: Vec<String> = Action::ALL.iter().map(|a| format!("{} {}", plan.count(*a), a.word())).collect();
    let outside = match plan.not_in_inventory.len() {
        0 => String::new(),
        n => format!("; {} of the batch not in this inventory", crate::text::Count(n, "job")),
    };
    format!("plan against {dir}: {}{outside}", each.join(", "))
}

/// One row: its line, name and job, then each change and why.
fn step(out: &mut dyn Write, s: &Step) -> io::Result<()> {
    let job = s.job_id.as_deref().map(|j| format!(" {j}")).unwrap_or_default();
    writeln!(out, "  line {} {} ({}){job}", s.id.line, OneLine(&s.id.name), s.id.source_id)?;
    for c in &s.changes {
        writeln!(out, "      {}: {} -> {}", c.parameter, shown(&c.from), shown(&c.to))?;
    }
    if let Some(why) = &s.why {
        writeln!(out, "      why: {}", OneLine(why))?;
    }
    if !s.blocked_by.is_empty() {
        writeln!(out, "      invalid: {} (`smcplan validate` shows each)", s.blocked_by.join(", "))?;
    }
    Ok(())
}

/// The batch's jobs no row holds.
fn outside(out: &mut dyn Write, jobs: &[Outside], title: &str) -> io::Result<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    writeln!(out, "{title} ({}):", jobs.len())?;
    for o in jobs {
        let status = o.status.as_ref().map(|s| format!(" ({s})")).unwrap_or_default();
        writeln!(out, "  {} ({}) {}{status}", OneLine(&o.name), o.source_id, o.job_id)?;
    }
    Ok(())
}

/// What a submit left: the rows to replace and the jobs to prune, and how to apply them.
pub fn left(out: &mut dyn Write, plan: &Reconciled, replace: &[usize], prune: &[String], dir: &str) -> io::Result<()> {
    if !replace.is_empty() {
        writeln!(out, "to replace ({}): a change the job can no longer take in place", replace.len())?;
        for &i in replace {
            step(out, &plan.steps[i])?;
        }
    }
    let pruned: Vec<Outside> = plan.not_in_inventory.iter().filter(|o| prune.contains(&o.job_id)).cloned().collect();
    outside(out, &pruned, "not in this inventory any more")?;
    let flags: Vec<&str> = [(!replace.is_empty(), "--replace"), (!prune.is_empty(), "--prune")]
        .into_iter()
        .filter_map(|(on, f)| on.then_some(f))
        .collect();
    if !flags.is_empty() {
        writeln!(
            out,
            "left as they are: `smcplan plan INVENTORY --report {dir}` shows each; submit again with {} to apply",
            flags.join(" ")
        )?;
    }
    Ok(())
}

/// A value as the plan shows it: `(none)` for no value.
fn shown(v: &str) -> String {
    if v.is_empty() { "(none)".to_string() } else { OneLine(v).to_string() }
}
