//! A wave's chart as inline SVG: one line per job, its planned run (ScheduledStartTime to
//! the expected end) above its actual run, marked running, finished, failed, stopped or
//! rolled back; the axis in UTC. It scales to the page's width.

use super::{Mark, Wave};
use crate::text::html as escape;
use jiff::Timestamp;
use std::fmt::Write as _;

/// The chart's width in its own units; the label column and the plot.
const WIDTH: f64 = 1000.0;
const LABEL: f64 = 230.0;
const LINE: f64 = 16.0;
const AXIS: f64 = 22.0;

/// The x of `t` on a plot from `from` to `to`.
pub fn x(t: Timestamp, from: Timestamp, to: Timestamp) -> f64 {
    let span = to.duration_since(from).as_secs_f64().max(1.0);
    let at = t.duration_since(from).as_secs_f64().clamp(0.0, span);
    LABEL + (WIDTH - LABEL - 10.0) * at / span
}

fn when(t: Timestamp) -> String {
    crate::time::format_time(t)
}

/// The SVG of `wave`, drawn at `now`.
pub fn chart(out: &mut String, wave: &Wave, now: Timestamp) {
    let height = AXIS + LINE * wave.bars.len() as f64 + 4.0;
    let (from, to) = (wave.from, wave.to);
    let _ = write!(
        out,
        r#"<div class="scroll"><svg class="gantt" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}: planned and actual runs">"#,
        escape(&wave.title())
    );
    // The axis: five ticks, each with its time.
    for i in 0..=4 {
        let t = from
            .saturating_add(jiff::SignedDuration::from_secs_f64(
                to.duration_since(from).as_secs_f64() * f64::from(i) / 4.0,
            ))
            .unwrap_or(from);
        let tx = x(t, from, to);
        let label = t.strftime("%m-%d %H:%M").to_string();
        let anchor = match i {
            0 => "start",
            4 => "end",
            _ => "middle",
        };
        let _ = write!(
            out,
            r#"<line class="tick" x1="{tx:.1}" y1="{AXIS}" x2="{tx:.1}" y2="{height}"/><text class="axis" x="{tx:.1}" y="14" text-anchor="{anchor}">{label}</text>"#
        );
    }
    if now > from && now < to {
        let nx = x(now, from, to);
        let _ = write!(out, r#"<line class="now" x1="{nx:.1}" y1="{AXIS}" x2="{nx:.1}" y2="{height}"/>"#);
    }
    for (i, b) in wave.bars.iter().enumerate() {
        let y = AXIS + LINE * i as f64;
        let name = escape(&b.row.id.name);
        let _ = write!(out, r#"<text class="label" x="4" y="{:.1}">{}</text>"#, y + 11.0, name);
        if let Some((start, end)) = b.planned {
            let (x0, x1) = (x(start, from, to), x(end, from, to));
            let _ = write!(
                out,
                r#"<rect class="planned" data-start="{}" x="{x0:.1}" y="{:.1}" width="{:.1}" height="5"><title>{name}: planned {} to {}</title></rect>"#,
                when(start),
                y + 2.0,
                (x1 - x0).max(1.0),
                when(start),
                when(end)
            );
        }
        if let Some(gone) = b.rolled_back {
            let gx = x(gone, from, to);
            let _ = write!(
                out,
                r#"<rect class="run rolled-back" data-deleted="{}" x="{:.1}" y="{:.1}" width="4" height="11"><title>{name}: rolled back {}</title></rect>"#,
                when(gone),
                (gx - 2.0).max(LABEL),
                y + 2.0,
                when(gone)
            );
        }
        if let Some((start, end)) = b.actual {
            let (x0, x1) = (x(start, from, to), x(end, from, to));
            let class = match b.mark {
                Mark::RolledBack => "rolled-back",
                m => m.as_str(),
            };
            let _ = write!(
                out,
                r#"<rect class="run {class}" data-start="{}" x="{x0:.1}" y="{:.1}" width="{:.1}" height="7"><title>{name}: {} {} to {}</title></rect>"#,
                when(start),
                y + 8.0,
                (x1 - x0).max(1.5),
                b.mark.as_str(),
                when(start),
                when(end)
            );
        }
    }
    out.push_str("</svg></div>");
}
