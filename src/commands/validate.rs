//! `smcplan validate`: every check, findings printed as they are found, nothing written.

use super::*;

/// Renders each row's findings as the check reaches it, so that the output is ready when the check ends.
pub(super) fn run(args: &CheckArgs) -> anyhow::Result<Outcome> {
    let path = args.inventory.display().to_string();
    let (mut json, mut human) = (render::JsonFindings::default(), Vec::new());
    let checked = check_with(args, |row, diags| {
        for d in diags {
            match args.format {
                Format::Json => json.push(d, row.schema),
                Format::Human => render::human_one(&mut human, &path, d, row.schema).expect("writing to memory"),
            }
        }
    })?;
    let printed = match args.format {
        Format::Json => {
            let mut all = render::JsonFindings::default();
            checked.diagnostics.iter().for_each(|d| all.push(d, &checked.schema));
            all.append(json);
            let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
            all.write(&mut out, &checked.summary).and_then(|()| out.flush())
        }
        Format::Human => {
            let mut out = io::BufWriter::new(anstream::stdout().lock());
            (|| {
                for d in &checked.diagnostics {
                    render::human_one(&mut out, &checked.path, d, &checked.schema)?;
                }
                out.write_all(&human)?;
                render::summary_line(&mut out, &checked.path, &checked.summary)?;
                out.flush()
            })()
        }
    };
    printed.map_err(stdout_fault)?;
    Ok(outcome(&checked))
}
