//! The report as one self-contained HTML page: inline CSS and SVG, no script, no font and
//! no request; text a user or the server wrote is escaped. Readable on a phone (the table
//! scrolls, the charts scale) and printed on A4.

use super::{Mark, View, gantt, hint_of};
use crate::batch::report::ReportRow;
use crate::text::Count;
use std::fmt::Write as _;

pub use crate::text::html as escape;

const STYLE: &str = "
:root{--ink:#1d2330;--muted:#5b6472;--line:#d9dde3;--ok:#2e7d32;--run:#1565c0;--bad:#c62828;--stop:#ef6c00;--back:#7b61a8;--plan:#9aa5b1}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--ink);margin:0 auto;max-width:1200px;padding:16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:18px 0 4px}
.muted{color:var(--muted)}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
.cards{display:flex;flex-wrap:wrap;gap:8px}.card{border:1px solid var(--line);border-radius:6px;padding:6px 12px;min-width:92px}.card b{display:block;font-size:20px}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top;white-space:nowrap}
td.wrap{white-space:normal;min-width:220px}th{background:#f4f6f8;position:sticky;top:0}
svg{width:100%;height:auto;display:block}svg.gantt{min-width:640px}svg text{font-size:10px;fill:var(--ink)}svg .axis{fill:var(--muted)}.tick{stroke:var(--line)}.now{stroke:var(--bad);stroke-dasharray:3 3}
.planned{fill:none;stroke:var(--plan)}.run{fill:var(--plan)}.run.finished{fill:var(--ok)}.run.running{fill:var(--run)}.run.failed{fill:var(--bad)}.run.stopped{fill:var(--stop)}.run.rolled-back{fill:var(--back)}
.calls{fill:var(--run)}.fails{fill:var(--bad)}
.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:12px;height:8px;margin-right:4px;vertical-align:middle}
.s-finished{color:var(--ok)}.s-failed{color:var(--bad)}.s-running{color:var(--run)}.s-rolled{color:var(--back)}
@media (max-width:640px){body{padding:8px;font-size:13px}dl{grid-template-columns:1fr}dt{margin-top:4px}}
@media print{@page{size:A4;margin:12mm}body{max-width:none;padding:0;font-size:10px}.scroll{overflow:visible}th,td{white-space:normal;padding:2px 3px}h2{break-after:avoid}svg{break-inside:avoid}}
";

fn legend(out: &mut String) {
    out.push_str(r#"<p class="legend muted"><span><i style="border:1px solid var(--plan)"></i>planned</span>"#);
    for (class, var) in
        [("finished", "ok"), ("running", "run"), ("failed", "bad"), ("stopped", "stop"), ("rolled back", "back")]
    {
        let _ = write!(out, r#"<span><i style="background:var(--{var})"></i>{class}</span>"#);
    }
    out.push_str("</p>");
}

fn header(out: &mut String, view: &View, title: &str) {
    let r = view.report;
    let _ = write!(out, "<header><h1>smcplan report: {}</h1>", escape(title));
    let _ = write!(
        out,
        r#"<p class="muted">updated {} · drawn {}</p><dl>"#,
        escape(&r.batch.updated_at),
        crate::time::format_time(view.now)
    );
    let mut files: Vec<(String, String)> = Vec::new();
    for run in &r.runs {
        if let Some(i) = &run.record.inventory
            && !files.iter().any(|(f, h)| *f == i.file && *h == i.sha256)
        {
            files.push((i.file.clone(), i.sha256.clone()));
        }
    }
    for (file, sha) in &files {
        let _ = write!(
            out,
            "<dt>inventory</dt><dd>{} <span class=\"muted\">sha256 {}</span></dd>",
            escape(file),
            escape(sha)
        );
    }
    if let Some(last) = r.runs.iter().rev().find(|run| !run.record.endpoint.is_empty()) {
        let rec = &last.record;
        let _ = write!(out, "<dt>endpoint</dt><dd>{}</dd>", escape(&rec.endpoint));
        let how = rec.credentials.as_ref().map(|c| format!("{} ({})", c.mode, c.place)).unwrap_or_default();
        let _ = write!(out, "<dt>credentials</dt><dd>{} AccessKeyId {}</dd>", escape(&how), escape(&rec.access_key_id));
        let _ = write!(out, "<dt>smcplan</dt><dd>{}</dd>", escape(&rec.version));
    }
    let _ = write!(out, "<dt>estimates</dt><dd>at {} Mbit/s a job</dd></dl></header>", view.throughput);
}

fn totals(out: &mut String, view: &View) {
    let b = &view.report.batch;
    out.push_str(r#"<h2>Totals</h2><div class="cards">"#);
    for (label, n) in [
        ("rows", b.rows),
        ("created", b.created),
        ("failed", b.failed),
        ("invalid", b.invalid),
        ("skipped", b.skipped),
        ("pending", b.pending),
    ] {
        let _ = write!(out, r#"<div class="card"><b>{n}</b>{label}</div>"#);
    }
    out.push_str("</div><div class=\"cards\" style=\"margin-top:8px\">");
    for (status, n) in &view.statuses {
        let _ = write!(out, r#"<div class="card"><b>{n}</b>{}</div>"#, escape(super::status_name(status)));
    }
    out.push_str("</div>");
}

fn waves(out: &mut String, view: &View) {
    out.push_str("<h2>Waves</h2>");
    legend(out);
    let t = |t: Option<jiff::Timestamp>| t.map_or("-".to_string(), crate::time::format_time);
    for w in &view.waves {
        let _ = write!(out, "<h3>{}: {}</h3>", escape(&w.title()), Count(w.bars.len(), "job"));
        let ended = match w.actual_end {
            Some(end) => format!("ended {}", crate::time::format_time(end)),
            None => format!(
                "{} · {} running, {} not started",
                w.forecast.map_or("no end expected yet".to_string(), |f| format!(
                    "expected to end {}",
                    crate::time::format_time(f)
                )),
                w.count(Mark::Running),
                w.count(Mark::Waiting)
            ),
        };
        let _ = write!(
            out,
            r#"<p class="muted">planned {} to {} (expected) · {} · {} finished, {} failed, {} rolled back</p>"#,
            t(w.planned_start),
            t(w.expected_end),
            ended,
            w.count(Mark::Finished),
            w.count(Mark::Failed),
            w.count(Mark::RolledBack)
        );
        gantt::chart(out, w, view.now);
    }
}

/// The calls minute by minute on a time axis (retries and failures marked), each run as a
/// band under them, and a run the breaker or a canary stopped as a red line at its end.
fn calls_chart(out: &mut String, view: &View) {
    let r = view.report;
    let minutes: Vec<(jiff::Timestamp, &crate::batch::report::Minute)> =
        r.timeline.iter().filter_map(|m| crate::time::parse_time(&m.at).map(|t| (t, m))).collect();
    let (Some(first), Some(last)) = (minutes.first().map(|m| m.0), minutes.last().map(|m| m.0)) else {
        return;
    };
    // Ten minutes at least: a batch sent within a minute is one bar, not a block across the page.
    let at_least = |t: jiff::Timestamp, mins| t.saturating_add(jiff::SignedDuration::from_mins(mins)).unwrap_or(t);
    let end = at_least(last, 1).max(at_least(first, 10));
    let span = end.duration_since(first).as_secs_f64();
    let x = |t: jiff::Timestamp| 1000.0 * t.duration_since(first).as_secs_f64().clamp(0.0, span) / span;
    let width = (1000.0 * 60.0 / span - 0.5).max(0.5);
    let most = minutes.iter().map(|(_, m)| m.calls + m.retries).max().unwrap_or(1).max(1);
    let _ = write!(out, r#"<svg viewBox="0 0 1000 100" role="img" aria-label="calls per minute">"#);
    for (t, m) in &minutes {
        let h = 64.0 * f64::from(m.calls + m.retries) / f64::from(most);
        let f = 64.0 * f64::from(m.failed) / f64::from(most);
        let _ = write!(
            out,
            r#"<rect class="calls" x="{:.1}" y="{:.1}" width="{width:.1}" height="{h:.1}"><title>{}: {}, {} {}, {} failed</title></rect>"#,
            x(*t),
            70.0 - h,
            m.at,
            Count(m.calls as usize, "call"),
            m.retries,
            crate::text::plural(u64::from(m.retries), "retry", "retries"),
            m.failed
        );
        if f > 0.0 {
            let _ = write!(
                out,
                r#"<rect class="fails" x="{:.1}" y="{:.1}" width="{width:.1}" height="{f:.1}"/>"#,
                x(*t),
                70.0 - f
            );
        }
    }
    for run in &r.runs {
        let start = run.record.started_at;
        let stop = run.ended_at.as_deref().and_then(crate::time::parse_time).unwrap_or(start);
        if stop < first || start > end {
            continue;
        }
        let (x0, x1) = (x(start), x(stop));
        let _ = write!(
            out,
            r#"<rect class="planned" x="{x0:.1}" y="74" width="{:.1}" height="5"><title>{}: {}</title></rect>"#,
            (x1 - x0).max(1.0),
            escape(&run.record.run),
            escape(&run.record.command)
        );
        if let Some(summary) =
            run.summary.as_ref().filter(|s| matches!(s.ended, crate::batch::journal::Ended::Stopped(_)))
        {
            let _ = write!(
                out,
                r#"<line class="now" x1="{x1:.1}" y1="0" x2="{x1:.1}" y2="80"><title>{}</title></line>"#,
                escape(&summary.ended.to_string())
            );
        }
    }
    let _ = write!(
        out,
        r#"<text class="axis" x="0" y="96">{}</text><text class="axis" x="1000" y="96" text-anchor="end">{}</text><text class="axis" x="1000" y="10" text-anchor="end">{} a minute at most</text></svg>"#,
        crate::time::format_time(first),
        crate::time::format_time(end),
        Count(most as usize, "call")
    );
}

fn timeline(out: &mut String, view: &View) {
    let r = view.report;
    out.push_str("<h2>Runs</h2>");
    calls_chart(out, view);
    out.push_str(r#"<div class="scroll"><table><tr><th>run</th><th>command line</th><th>started</th><th>ended</th><th>throttled</th><th>retries</th><th>how it ended</th></tr>"#);
    for run in &r.runs {
        let count = |k: &str| run.summary.as_ref().and_then(|s| s.counts.get(k)).map_or(String::new(), u64::to_string);
        let how =
            run.summary.as_ref().map_or("killed, or still running".to_string(), |s| format!("{}: {}", s.ended, s.line));
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td class="wrap">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="wrap">{}</td></tr>"#,
            escape(&run.record.run),
            escape(&run.record.argv.join(" ")),
            crate::time::format_time(run.record.started_at),
            escape(run.ended_at.as_deref().unwrap_or("")),
            count("throttled"),
            count("retries"),
            escape(&how)
        );
    }
    out.push_str("</table></div>");
}

fn status_cell(r: &ReportRow) -> String {
    let (text, class) = match &r.job_status {
        Some(s) => {
            let class = match super::Mark::of(Some(s)) {
                Mark::Finished => "s-finished",
                Mark::Failed => "s-failed",
                Mark::Running => "s-running",
                Mark::RolledBack => "s-rolled",
                _ => "",
            };
            (s.as_str().to_string(), class)
        }
        None => (r.status.to_string(), if r.status == crate::batch::RowStatus::Failed { "s-failed" } else { "" }),
    };
    let at = r.status_at.as_deref().or(r.checked_at.as_deref()).unwrap_or_default();
    format!(r#"<span class="{class}">{}</span> <span class="muted">{}</span>"#, escape(&text), escape(at))
}

fn servers(out: &mut String, view: &View, dir: &str) {
    out.push_str(r#"<h2>Servers</h2><div class="scroll"><table><tr><th>SourceId</th><th>Name</th><th>wave</th><th>JobId</th><th>ImageId or InstanceId</th><th>status</th><th>last action</th><th>error</th></tr>"#);
    for r in &view.report.rows {
        let result = if r.results.image_id.is_empty() { &r.results.instance_id } else { &r.results.image_id };
        let action = if r.last_action.is_empty() {
            String::new()
        } else {
            format!("{} {} {}", r.last_action, r.last_action_result, r.last_action_at)
        };
        let code = r.job_error_code.as_deref().filter(|c| !c.is_empty()).unwrap_or(&r.error_code);
        let message = if r.results.status_info.is_empty() { &r.error_message } else { &r.results.status_info };
        let hint = hint_of(r, dir);
        let error = [code, message.as_str(), hint.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| escape(s))
            .collect::<Vec<_>>()
            .join("<br>");
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="wrap">{error}</td></tr>"#,
            escape(&r.id.source_id),
            escape(&r.id.name),
            escape(&r.wave),
            escape(&r.job_id),
            escape(result),
            status_cell(r),
            escape(&action)
        );
    }
    out.push_str("</table></div>");
}

/// The page of `view`; `dir` is the report directory as the hints name it.
pub fn page(view: &View, dir: &str) -> String {
    let mut out = String::with_capacity(4096 + view.report.rows.len() * 1200);
    let title = std::path::Path::new(dir).file_name().map_or(dir.to_string(), |n| n.to_string_lossy().into_owned());
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>smcplan report: {}</title><style>{STYLE}</style></head><body>",
        escape(&title)
    );
    header(&mut out, view, &title);
    totals(&mut out, view);
    waves(&mut out, view);
    timeline(&mut out, view);
    servers(&mut out, view, dir);
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_a_user_wrote_is_markup() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'q'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"
        );
        assert_eq!(escape("a\u{0}b\nc"), "a b c");
    }
}
