//! `smcplan report DIR`: the batch's report as a page (HTML, by default DIR/report.html),
//! Markdown for a change ticket, or what report.json and report.csv hold.

use super::{Outcome, stdout_fault};
use crate::batch::page::{View, html, md};
use crate::batch::report;
use crate::cli::{ReportArgs, ReportFormat};
use std::io::Write as _;

pub(super) fn run(args: &ReportArgs) -> anyhow::Result<Outcome> {
    let dir = &args.report;
    let told = crate::ops::report::tell(dir)?;
    let mut err = anstream::stderr().lock();
    for note in &told.notes {
        let _ = writeln!(err, "{note}");
    }
    let shown = dir.display().to_string();
    let now = match &args.now {
        Some(t) => crate::time::parse_time(t)
            .ok_or_else(|| anyhow::anyhow!("--now '{}' is not a UTC time", crate::text::OneLine(t)))?,
        None => jiff::Timestamp::now(),
    };
    let view = || View::of(&told.report, now);
    let bytes = match args.format {
        ReportFormat::Html => html::page(&view(), &shown).into_bytes(),
        ReportFormat::Md => md::page(&view(), &shown).into_bytes(),
        ReportFormat::Json => {
            let mut out = Vec::new();
            report::write_json(&mut out, &told.report)?;
            out.push(b'\n');
            out
        }
        ReportFormat::Csv => {
            let mut out = Vec::new();
            report::write_csv(&mut out, &told.report.rows)?;
            out
        }
    };
    let out = args.out.clone().or_else(|| (args.format == ReportFormat::Html).then(|| dir.join("report.html")));
    match out {
        Some(path) => {
            crate::files::write_atomic(&path, &bytes)?;
            let _ = writeln!(err, "{shown}: report written to {} ({} KB)", path.display(), bytes.len().div_ceil(1024));
        }
        None => std::io::stdout().lock().write_all(&bytes).map_err(stdout_fault)?,
    }
    Ok(Outcome::Clean)
}
