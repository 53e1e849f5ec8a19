//! `smcplan plan`: validate, then each row's action in order and the time the creates take.

use super::*;

pub(super) fn run(args: &PlanArgs) -> anyhow::Result<Outcome> {
    within("--rate", args.rate, RATE)?;
    within("--throughput", args.throughput, (0.001, 1e9))?;
    if args.check.format == Format::Jsonl {
        bail!("plan prints one JSON object: use --format json");
    }
    let mut steps = Vec::new();
    let mut findings = Vec::new();
    let mut timed = Vec::new();
    let json = args.check.format == Format::Json;
    let checked = check_with(&args.check, |row, diags| {
        steps.push(Step::new(row, diags));
        if crate::plan::waves::wave_column(row.schema).is_some() {
            let start = row.text(crate::inventory::Param::ScheduledStartTime).and_then(parse_time);
            timed.push((crate::plan::waves::Job::of(row, None), start));
        }
        if json {
            findings.extend_from_slice(diags);
        }
    })?;
    let mut plan = Plan::new(steps, args.rate);
    plan.waves = crate::plan::waves::spans(&timed, args.throughput);
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
            let mut out = io::BufWriter::new(io::stdout().lock());
            serde_json::to_writer_pretty(&mut out, &shown)
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out))
                .and_then(|()| out.flush())
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
