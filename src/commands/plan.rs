//! `smcplan plan`: validate, then each row's action in order and the time the creates take.

use super::*;

pub(super) fn run(args: &PlanArgs) -> anyhow::Result<Outcome> {
    within("--rate", args.rate, RATE)?;
    if let Some(t) = args.throughput {
        within("--throughput", t, (0.001, 1e9))?;
    }
    if args.check.format == Format::Jsonl {
        bail!("plan prints one JSON object: use --format json");
    }
    if let Some(dir) = &args.report {
        return against_batch(args, dir);
    }
    let mut steps = Vec::new();
    let mut findings = Vec::new();
    let mut timed = Vec::new();
    let json = args.check.format == Format::Json;
    let account = load_account(&args.check)?;
    let opts = check_options(&args.check, account.as_ref())?;
    let checked = check::run(&args.check.inventory, &opts, |row, diags| {
        steps.push(Step::new(row, diags));
        if crate::plan::waves::wave_column(row.schema).is_some() {
            let start = row.text(crate::inventory::Param::ScheduledStartTime).and_then(parse_time);
            let wave = crate::plan::waves::wave_of(row.schema, row.record());
            timed.push((crate::plan::waves::Job::of(row, wave, account.as_ref()), start));
        }
        if json {
            findings.extend_from_slice(diags);
        }
    })?;
    say_notes(&checked.notes);
    let mut plan = Plan::new(steps, args.rate);
    let pace = crate::plan::estimate::Pace::of_file(&args.check.inventory);
    let throughput =
        args.throughput.or(pace.map(|p| p.throughput)).unwrap_or(crate::plan::estimate::DEFAULT_THROUGHPUT);
    plan.waves = crate::plan::waves::spans(&timed, throughput);
    plan.overlaps = crate::plan::waves::overlaps(&plan.waves);
    let printed = match args.check.format {
        Format::Json => {
            let diagnostics =
                checked.diagnostics.iter().chain(&findings).map(|d| render::JsonDiagnostic::of(d, &checked.schema));
            let shown = PlanJson {
                plan: &plan,
                errors: checked.summary.errors,
                warnings: checked.summary.warnings,
                diagnostics: diagnostics.collect(),
            };
            print_json(&shown)
        }
        Format::Human | Format::Jsonl => {
            let mut out = io::BufWriter::new(anstream::stdout().lock());
            (|| {
                for d in checked.diagnostics.iter().filter(|d| d.line == 1) {
                    render::human_one(&mut out, &checked.path, d, &checked.schema)?;
                }
                plan.human(&mut out)?;
                out.flush()
            })()
        }
    };
    printed.map_err(stdout_fault)?;
    Ok(outcome(&checked))
}

/// `plan --format json`: the plan, and every finding (warnings too) with its hint.
#[derive(serde::Serialize)]
struct PlanJson<'a> {
    #[serde(flatten)]
    plan: &'a Plan,
    errors: u64,
    warnings: u64,
    diagnostics: Vec<render::JsonDiagnostic<'a>>,
}

/// `plan --report DIR`: each row against the batch's job for its source, grouped by action.
fn against_batch(args: &PlanArgs, dir: &std::path::Path) -> anyhow::Result<Outcome> {
    let check = &args.check;
    let account = load_account(check)?;
    let now = now(check)?;
    // The batch's jobs are read (with its connection; a batch with none needs no
    // credentials) while the inventory is checked.
    let (prepared, batch) = std::thread::scope(|s| {
        let reading = s.spawn(|| -> anyhow::Result<crate::ops::reconcile::BatchNow> {
            let entries = crate::batch::journal::Journal::read(dir)?;
            let has_jobs = !crate::ops::reconcile::jobs_to_read(&entries).is_empty();
            let client = match (args.offline, has_jobs) {
                (false, true) => Some(connect_to_batch(&check.connect, dir)?),
                _ => None,
            };
            crate::ops::reconcile::BatchNow::read(dir, client.as_ref())
        });
        let prepared = crate::ops::submit::prepare(&check.inventory, check.sheet.as_deref(), now, account.as_ref());
        let batch = reading.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (prepared, batch)
    });
    let (prepared, batch) = (prepared?, batch?);
    say_notes(&prepared.checked.notes);
    let plan = batch.plan(prepared.lines());
    let entries = batch.entries;
    let checked = &prepared.checked;
    if let Some(out) = &args.out {
        let sha256 = checked.tapped.as_ref().map(|t| t.sha256.as_str()).unwrap_or_default();
        let saved = crate::ops::saved::SavedPlan::new(plan.clone(), &check.inventory, sha256, dir, &entries);
        saved.write(out)?;
    }
    let shown = dir.display().to_string();
    let printed = match check.format {
        Format::Json => {
            let counts = crate::jobs::reconcile::Action::ALL.iter().map(|a| (a.word(), plan.count(*a))).collect();
            let diagnostics = checked.diagnostics.iter().map(|d| render::JsonDiagnostic::of(d, &checked.schema));
            let shown = BatchPlanJson {
                plan: &plan,
                counts,
                errors: checked.summary.errors,
                warnings: checked.summary.warnings,
                diagnostics: diagnostics.collect(),
            };
            print_json(&shown)
        }
        Format::Human | Format::Jsonl => {
            let mut out = io::BufWriter::new(anstream::stdout().lock());
            crate::print::reconcile::plan(&mut out, &plan, &shown).and_then(|()| out.flush())
        }
    };
    printed.map_err(stdout_fault)?;
    if let Some(out) = &args.out {
        // The flags its replaces and prunes need, as submit reckons them: a saved plan is
        // applied whole or not at all.
        let (file, lines) = (check.inventory.display().to_string(), prepared.lines());
        let partial = checked.tapped.as_ref().is_some_and(|t| !t.fixes.is_empty());
        let applying = crate::ops::saved::unflagged(&plan, lines, &entries, &file, partial);
        let flags: String = applying.flags_left().iter().map(|f| format!(" {f}")).collect();
        eprintln!(
            "saved the plan to {}: `smcplan submit {} --report {shown} --plan {}{flags}` applies it",
            out.display(),
            check.inventory.display(),
            out.display()
        );
        if let Some(why) = crate::ops::saved::running(&applying, lines, dir) {
            eprintln!("note: submit will refuse it: {why}");
        }
    }
    Ok(outcome(checked))
}

/// `plan --report DIR --format json`: each row's step, the batch's jobs no row holds, the
/// steps counted by action, and every finding.
#[derive(serde::Serialize)]
struct BatchPlanJson<'a> {
    #[serde(flatten)]
    plan: &'a crate::ops::reconcile::Reconciled,
    #[serde(flatten)]
    counts: std::collections::BTreeMap<&'static str, usize>,
    errors: u64,
    warnings: u64,
    diagnostics: Vec<render::JsonDiagnostic<'a>>,
}

/// One JSON object, pretty, on stdout.
fn print_json(shown: &impl serde::Serialize) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, shown).map_err(io::Error::from)?;
    writeln!(out)?;
    out.flush()
}
