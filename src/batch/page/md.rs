//! The report as Markdown, for a change ticket: the header, the totals and a table per wave.

use super::{Mark, View};
use std::fmt::Write as _;

/// `text` as a table cell: its pipes and line breaks cannot end the cell, and no markup in
/// it is rendered.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '<' | '>' | '[' | ']' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn time(t: Option<jiff::Timestamp>) -> String {
    t.map_or("-".to_string(), crate::time::format_time)
}

/// The Markdown of `view`; `dir` names the batch.
pub fn page(view: &View, dir: &str) -> String {
    let r = view.report;
    let mut out = String::new();
    let _ = writeln!(out, "# smcplan report: {}\n", cell(dir));
    let _ = writeln!(out, "Updated {}.\n", r.batch.updated_at);
    let mut files: Vec<(&str, &str)> = Vec::new();
    for i in r.runs.iter().filter_map(|run| run.record.inventory.as_ref()) {
        if !files.contains(&(i.file.as_str(), i.sha256.as_str())) {
            files.push((&i.file, &i.sha256));
        }
    }
    for (file, sha) in files {
        let _ = writeln!(out, "- inventory {} (sha256 {})", cell(file), cell(sha));
    }
    if let Some(last) = r.runs.iter().rev().find(|run| !run.record.endpoint.is_empty()) {
        let rec = &last.record;
        let how = rec.credentials.as_ref().map(|c| format!("{} ({}) ", c.mode, c.place)).unwrap_or_default();
        let _ = writeln!(
            out,
            "- endpoint {}, credentials {}AccessKeyId {}, smcplan {}",
            cell(&rec.endpoint),
            cell(&how),
            cell(&rec.access_key_id),
            cell(&rec.version)
        );
    }
    let _ = writeln!(out, "\n## Runs\n");
    for run in &r.runs {
        let ended = run.summary.as_ref().map_or("killed, or still running".to_string(), |s| s.ended.to_string());
        let started = crate::time::format_time(run.record.started_at);
        let _ = writeln!(
            out,
            "- {} {started}: {} ({})",
            cell(&run.record.run),
            cell(&run.record.argv.join(" ")),
            cell(&ended)
        );
    }
    let b = &r.batch;
    let _ = writeln!(out, "\n## Totals\n");
    let _ = writeln!(
        out,
        "{} rows: {} created, {} failed, {} invalid, {} skipped, {} pending.",
        b.rows, b.created, b.failed, b.invalid, b.skipped, b.pending
    );
    let each: Vec<String> = view.statuses.iter().map(|(s, n)| format!("{n} {}", super::status_name(s))).collect();
    if !each.is_empty() {
        let _ = writeln!(out, "Jobs: {}.", each.join(", "));
    }
    let _ = writeln!(out, "\n## Waves\n");
    let _ = writeln!(
        out,
        "| wave | jobs | planned start | planned end | expected end now | actual end | finished | running | failed | rolled back |"
    );
    let _ = writeln!(out, "| --- | ---: | --- | --- | --- | --- | ---: | ---: | ---: | ---: |");
    for w in &view.waves {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&w.title()),
            w.bars.len(),
            time(w.planned_start),
            time(w.expected_end),
            time(w.forecast),
            time(w.actual_end),
            w.count(Mark::Finished),
            w.count(Mark::Running),
            w.count(Mark::Failed),
            w.count(Mark::RolledBack)
        );
    }
    for w in &view.waves {
        let _ = writeln!(out, "\n### {}\n", cell(&w.title()));
        let _ = writeln!(out, "| SourceId | Name | JobId | ImageId or InstanceId | status | since | error |");
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |");
        for b in &w.bars {
            let row = b.row;
            let result = if row.results.image_id.is_empty() { &row.results.instance_id } else { &row.results.image_id };
            let status = row.job_status.as_ref().map_or(row.status.to_string(), |s| s.to_string());
            let error = row.job_error_code.as_deref().unwrap_or_default();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                cell(&row.id.source_id),
                cell(&row.id.name),
                cell(&row.job_id),
                cell(result),
                cell(&status),
                row.status_at.as_deref().unwrap_or("-"),
                cell(error)
            );
        }
    }
    out
}
