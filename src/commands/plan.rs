//! `smcplan plan`: validate, then each row's action in order and the time the creates take.

use super::*;

pub(super) fn run(args: &PlanArgs) -> anyhow::Result<Outcome> {
    within("--rate", args.rate, RATE)?;
    let mut steps = Vec::new();
    let checked = check_with(&args.check, |row, diags| steps.push(Step::new(row, diags)))?;
    let plan = Plan::new(steps, args.rate);
    let printed = match args.check.format {
        Format::Json => {
            let mut out = io::BufWriter::new(io::stdout().lock());
            serde_json::to_writer_pretty(&mut out, &plan)
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out))
                .and_then(|()| out.flush())
        }
        Format::Human => {
            let mut out = io::BufWriter::new(anstream::stdout().lock());
            (|| {
                for d in checked.diagnostics.iter().filter(|d| d.line == 1) {
                    render::human_one(&mut out, &checked.path, d, &checked.schema.names)?;
                }
                plan.human(&mut out)?;
                out.flush()
            })()
        }
    };
    printed.map_err(stdout_fault)?;
    Ok(outcome(&checked))
}
