//! Waves and schedules: rows grouped by their `Wave` cell, each wave started after the one
//! before is expected to finish, at most N migrations running at once, every start within
//! the API's 30 days and before the job's ValidTime.

pub use super::estimate::{Job, duration};
use crate::diagnostics::{Code, CodeInfo, Column, Diagnostic, codes};
use crate::inventory::{Record, Schema};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// How far ahead the API takes a ScheduledStartTime.
pub const AHEAD: SignedDuration = SignedDuration::from_hours(30 * 24);

/// A wave that does not start all of its jobs within its window (schedule's own finding).
pub const SCHEDULE_WINDOW: Code = Code::new(&CodeInfo {
    id: "Schedule.Window",
    severity: crate::diagnostics::Severity::Error,
    hint: "give the wave a longer --window, more --max-running, or move rows to a later wave",
});

/// The `Wave` cell of a record (the column named `Wave` in any letter case), trimmed.
pub fn wave_of<'a>(schema: &Schema, record: Record<'a>) -> &'a str {
    wave_column(schema).and_then(|c| record.get(c)).map_or("", str::trim)
}

/// The column named `Wave` in any letter case.
pub fn wave_column(schema: &Schema) -> Option<usize> {
    schema.names.iter().position(|n| n.trim().eq_ignore_ascii_case("wave"))
}

/// Waves in the order they run: by number when every label is one (`2` before `10`), else
/// by text; rows without a wave run last, as a wave of their own.
pub fn order(labels: &[&str]) -> Vec<String> {
    let mut waves: Vec<String> = labels.iter().filter(|l| !l.is_empty()).map(|l| l.to_string()).collect();
    waves.sort();
    waves.dedup();
    if waves.iter().all(|w| w.parse::<u64>().is_ok()) {
        waves.sort_by_key(|w| w.parse::<u64>().unwrap_or(u64::MAX));
    }
    if labels.iter().any(|l| l.is_empty()) {
        waves.push(String::new());
    }
    waves
}

/// How to schedule.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub now: Timestamp,
    pub start: Timestamp,
    /// Every job of a wave starts within this long of the wave's start.
    pub window: Option<SignedDuration>,
    pub max_running: usize,
    /// Mbit/s a job copies at, unless its own bandwidth limit is lower.
    pub throughput: f64,
}

/// A wave as scheduled: its rows, when it starts and when it is expected to end.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Span {
    pub wave: String,
    pub rows: usize,
    #[serde(serialize_with = "as_api_time")]
    pub start: Timestamp,
    #[serde(serialize_with = "as_api_time")]
    pub end: Timestamp,
}

fn as_api_time<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::time::format_time(*t))
}

/// The schedule: each job's start and expected end (in the order given) and each wave's span.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub starts: Vec<Timestamp>,
    pub ends: Vec<Timestamp>,
    pub waves: Vec<Span>,
}

/// Up to the next whole minute (a start a person reads).
fn to_minute(t: Timestamp) -> Timestamp {
    let s = t.as_second();
    let up = s + (60 - s.rem_euclid(60)) % 60;
    Timestamp::from_second(up).unwrap_or(t)
}

/// Schedules `jobs`: waves in [`order`], each starting once the one before is expected to end
/// (rounded up to the minute), the jobs of a wave in the order given on the first of
/// `max_running` slots to come free. The findings name the rows that break a rule: a start
/// past the API's 30 days (naming the first wave that overflows), a start past the wave's
/// window, a ValidTime before the start or outside 7-90 days.
pub fn schedule(jobs: &[Job], opts: &Options) -> (Schedule, Vec<Diagnostic>) {
    let labels: Vec<&str> = jobs.iter().map(|j| j.wave.as_str()).collect();
    let mut starts = vec![opts.start; jobs.len()];
    let mut ends = vec![opts.start; jobs.len()];
    let mut waves = Vec::new();
    let mut findings = Vec::new();
    let latest = opts.now.saturating_add(AHEAD).expect("a time 30 days ahead");
    let mut wave_start = opts.start;
    let mut overflow: Option<String> = None;
    for wave in order(&labels) {
        let mut slots: BinaryHeap<Reverse<Timestamp>> =
            (0..opts.max_running.max(1)).map(|_| Reverse(wave_start)).collect();
        let (mut end, mut rows) = (wave_start, 0);
        let shown = if wave.is_empty() { "without a Wave".to_string() } else { format!("wave {wave}") };
        for (i, job) in jobs.iter().enumerate().filter(|(_, j)| j.wave == wave) {
            let Reverse(free) = slots.pop().expect("at least one slot");
            let start = free.max(wave_start);
            let finish = start.saturating_add(duration(job, opts.throughput)).unwrap_or(start);
            slots.push(Reverse(finish));
            (starts[i], ends[i], end, rows) = (start, finish, end.max(finish), rows + 1);
            let at =
                |code, message: String| Diagnostic::new(job.line, Column::Named("ScheduledStartTime"), code, message);
            let when = crate::time::format_time(start);
            if start > latest {
                let first = overflow.get_or_insert_with(|| shown.clone());
                let limit = crate::time::format_time(latest);
                let message = format!(
                    "{shown} would start this row at {when}, past the API's 30 days ({limit}); the schedule overflows from {first}"
                );
                findings.push(at(codes::SCHEDULED_START_TOO_FAR, message));
            }
            if let Some(window) = opts.window
                && start > wave_start.saturating_add(window).unwrap_or(start)
            {
                let message = format!(
                    "{shown} would start this row at {when}, past its window of {} from {}",
                    crate::time::show_duration(window),
                    crate::time::format_time(wave_start)
                );
                findings.push(at(SCHEDULE_WINDOW, message));
            }
            if let Some(valid) = job.valid_time {
                let col = Column::Named("ValidTime");
                let valid_text = crate::time::format_time(valid);
                if valid <= finish {
                    let message = format!(
                        "ValidTime {valid_text} is before the job is expected to finish ({})",
                        crate::time::format_time(finish)
                    );
                    findings.push(Diagnostic::new(job.line, col, codes::VALID_TIME_BEFORE_START, message));
                }
                let days = valid.duration_since(opts.now).as_secs() as f64 / 86_400.0;
                if !(7.0..=90.0).contains(&days) {
                    let message = format!(
                        "ValidTime {valid_text} is {days:.1} days from now; a job expires 7 to 90 days after it is created"
                    );
                    findings.push(Diagnostic::new(job.line, col, codes::VALID_TIME_RANGE, message));
                }
            }
        }
        waves.push(Span { wave: wave.clone(), rows, start: wave_start, end });
        wave_start = to_minute(end);
    }
    crate::diagnostics::sort(&mut findings);
    (Schedule { starts, ends, waves }, findings)
}

/// The waves of an inventory as its ScheduledStartTime cells have them: per wave, its rows,
/// its first start and the expected end of its last job (at `throughput` Mbit/s). Rows
/// without a start count in their wave's rows only; a wave none of whose rows has a start
/// is left out.
pub fn spans(jobs: &[(Job, Option<Timestamp>)], throughput: f64) -> Vec<Span> {
    let labels: Vec<&str> = jobs.iter().map(|(j, _)| j.wave.as_str()).collect();
    let mut out = Vec::new();
    for wave in order(&labels) {
        let of: Vec<&(Job, Option<Timestamp>)> = jobs.iter().filter(|(j, _)| j.wave == wave).collect();
        let timed =
            of.iter().filter_map(|(j, t)| t.map(|t| (t, t.saturating_add(duration(j, throughput)).unwrap_or(t))));
        let (start, end) = timed.fold((None, None), |(s, e): (Option<Timestamp>, Option<Timestamp>), (a, b)| {
            (Some(s.map_or(a, |s| s.min(a))), Some(e.map_or(b, |e| e.max(b))))
        });
        if let (Some(start), Some(end)) = (start, end) {
            out.push(Span { wave, rows: of.len(), start, end });
        }
    }
    out
}

/// A wave that starts before the wave before it is expected to end: both run at once.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Overlap {
    pub wave: String,
    #[serde(serialize_with = "as_api_time")]
    pub start: Timestamp,
    pub before: String,
    #[serde(serialize_with = "as_api_time")]
    pub before_ends: Timestamp,
}

impl std::fmt::Display for Overlap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = |w: &str| if w.is_empty() { "the rows without a wave".to_string() } else { format!("wave {w}") };
        write!(
            f,
            "{} starts at {}, before {} is expected to end ({}): both run at once",
            name(&self.wave),
            crate::time::format_time(self.start),
            name(&self.before),
            crate::time::format_time(self.before_ends)
        )
    }
}

/// Each wave of `spans` (in wave order) that starts before an earlier one is expected to end.
pub fn overlaps(spans: &[Span]) -> Vec<Overlap> {
    let mut out = Vec::new();
    for (i, w) in spans.iter().enumerate().skip(1) {
        if let Some(b) = spans[..i].iter().filter(|b| b.end > w.start).max_by_key(|b| b.end) {
            out.push(Overlap { wave: w.wave.clone(), start: w.start, before: b.wave.clone(), before_ends: b.end });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn job(line: u64, wave: &str, gib: u64) -> Job {
        Job { line, wave: wave.into(), bytes: gib << 30, mbps: None, valid_time: None }
    }

    fn opts(max_running: usize) -> Options {
        Options {
            now: t("2026-12-01T00:00:00Z"),
            start: t("2026-12-05T20:00:00Z"),
            window: None,
            max_running,
            throughput: 1000.0,
        }
    }

    #[test]
    fn waves_run_in_order_and_numbers_sort_as_numbers() {
        assert_eq!(order(&["10", "2", "", "2"]), ["2", "10", ""]);
        assert_eq!(order(&["b", "a1"]), ["a1", "b"]);
        // 100 GiB at 1000 Mbit/s: 859 s.
        let jobs = [job(2, "2", 100), job(3, "1", 100), job(4, "1", 100), job(5, "1", 100)];
        let (s, findings) = schedule(&jobs, &opts(2));
        assert!(findings.is_empty());
        assert_eq!(s.starts[1], t("2026-12-05T20:00:00Z"));
        assert_eq!(s.starts[2], t("2026-12-05T20:00:00Z"));
        assert_eq!(s.starts[3], t("2026-12-05T20:14:19Z"), "the third waits for a slot");
        assert_eq!(s.waves[0].end, t("2026-12-05T20:28:38Z"));
        assert_eq!(s.starts[0], t("2026-12-05T20:29:00Z"), "wave 2 starts at the next minute after wave 1 ends");
        assert_eq!(s.waves.iter().map(|w| (w.wave.as_str(), w.rows)).collect::<Vec<_>>(), [("1", 3), ("2", 1)]);
    }

    #[test]
    fn a_row_past_30_days_names_the_first_wave_that_overflows() {
        // 100 TiB at 10 Mbit/s takes ~1,000 days.
        let jobs = [job(2, "1", 100 << 10), job(3, "2", 1), job(4, "3", 1)];
        let (_, findings) = schedule(&jobs, &Options { throughput: 10.0, ..opts(1) });
        let seen: Vec<(u64, &str)> = findings.iter().map(|d| (d.line, d.code.id)).collect();
        assert_eq!(seen, [(3, "ScheduledStartTime.TooFar"), (4, "ScheduledStartTime.TooFar")]);
        assert!(findings[1].message.ends_with("the schedule overflows from wave 2"), "{}", findings[1].message);
    }

    #[test]
    fn windows_valid_times_and_bandwidth_limits() {
        let mut slow = job(3, "1", 100);
        slow.mbps = Some(100.0);
        assert_eq!(duration(&slow, 1000.0), SignedDuration::from_secs(8590));
        let mut expiring = job(4, "1", 1);
        expiring.valid_time = Some(t("2026-12-05T20:00:30Z"));
        let jobs = [job(2, "1", 100), slow, expiring];
        let window = Some(SignedDuration::from_secs(600));
        let (_, findings) = schedule(&jobs, &Options { window, ..opts(1) });
        let seen: Vec<(u64, &str)> = findings.iter().map(|d| (d.line, d.code.id)).collect();
        assert_eq!(
            seen,
            [(3, "Schedule.Window"), (4, "Schedule.Window"), (4, "ValidTime.BeforeStart"), (4, "ValidTime.OutOfRange")]
        );
    }

    #[test]
    fn the_plan_shows_each_wave_from_its_cells() {
        let at = |j: Job, s: &str| (j, Some(t(s)));
        let jobs = [
            at(job(2, "1", 100), "2026-12-05T20:00:00Z"),
            at(job(3, "1", 100), "2026-12-05T20:10:00Z"),
            (job(4, "2", 1), None),
        ];
        let spans = spans(&jobs, 1000.0);
        assert_eq!(spans.len(), 1, "wave 2 has no start");
        assert_eq!(
            (spans[0].rows, spans[0].start, spans[0].end),
            (2, t("2026-12-05T20:00:00Z"), t("2026-12-05T20:24:19Z"))
        );
    }

    proptest! {
        /// For any inventory: waves run in order, at most N jobs of the schedule run at once,
        /// and every start the schedule does not flag is in the future and within 30 days.
        #[test]
        fn schedules_keep_their_promises(
            rows in proptest::collection::vec((0u8..4, 1u64..2_000, proptest::option::of(1.0f64..500.0)), 1..60),
            max_running in 1usize..6,
        ) {
            let jobs: Vec<Job> = rows
                .iter()
                .enumerate()
                .map(|(i, (w, gib, mbps))| Job { line: i as u64 + 2, wave: w.to_string(), bytes: gib << 30, mbps: *mbps, valid_time: None })
                .collect();
            let o = Options { throughput: 200.0, ..opts(max_running) };
            let (s, findings) = schedule(&jobs, &o);
            // No more than N overlap: at each start, count the jobs running.
            for (i, start) in s.starts.iter().enumerate() {
                let running = (0..jobs.len()).filter(|&k| s.starts[k] <= *start && *start < s.ends[k]).count();
                prop_assert!(running <= max_running, "{running} running at job {i}");
                let _ = i;
            }
            // Waves ordered: every job of a later wave starts after every job of an earlier one ends.
            for a in 0..jobs.len() {
                for b in 0..jobs.len() {
                    if jobs[a].wave < jobs[b].wave {
                        prop_assert!(s.ends[a] <= s.starts[b]);
                    }
                }
            }
            let latest = o.now.saturating_add(AHEAD).unwrap();
            for (i, start) in s.starts.iter().enumerate() {
                let flagged = findings.iter().any(|d| d.line == jobs[i].line && d.code == codes::SCHEDULED_START_TOO_FAR);
                prop_assert_eq!(flagged, *start > latest);
                prop_assert!(*start > o.now);
            }
        }

        /// For any inventory: plan, reading back the starts schedule wrote and the pace of its
        /// comment line, says every wave starts and ends when schedule said, and that none
        /// overlaps; a wave moved earlier by hand is said to overlap.
        #[test]
        fn plan_and_schedule_agree_on_every_wave(
            rows in proptest::collection::vec((0u8..5, 1u64..3_000, proptest::option::of(1.0f64..800.0)), 1..80),
            max_running in 1usize..8,
            throughput in 10.0f64..2_000.0,
        ) {
            let jobs: Vec<Job> = rows
                .iter()
                .enumerate()
                .map(|(i, (w, gib, mbps))| Job { line: i as u64 + 2, wave: w.to_string(), bytes: gib << 28, mbps: *mbps, valid_time: None })
                .collect();
            let o = Options { throughput, ..opts(max_running) };
            let (s, _) = schedule(&jobs, &o);
            let pace = crate::plan::estimate::Pace { throughput, max_running };
            let read = crate::plan::estimate::Pace::read(pace.comment().as_bytes()).unwrap();
            // Starts as the API's time format writes them (whole seconds).
            let written: Vec<(Job, Option<Timestamp>)> = jobs
                .iter()
                .zip(&s.starts)
                .map(|(j, t)| (j.clone(), crate::time::parse_time(&crate::time::format_time(*t))))
                .collect();
            let planned = spans(&written, read.throughput);
            prop_assert_eq!(&planned, &s.waves);
            prop_assert!(overlaps(&planned).is_empty());
            if planned.len() > 1 {
                let mut early = written.clone();
                let second = planned[1].wave.clone();
                for (_, t) in early.iter_mut().filter(|(j, _)| j.wave == second) {
                    *t = t.map(|t| t - SignedDuration::from_secs(3600 * 24 * 40));
                }
                prop_assert_eq!(overlaps(&spans(&early, read.throughput)).len(), 1);
            }
        }
    }
}
