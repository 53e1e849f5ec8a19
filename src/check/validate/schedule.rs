//! Times: ScheduledStartTime in the next 30 days, ValidTime 7 to 90 days ahead, both `YYYY-MM-DDThh:mm:ssZ`.

use super::diag;
use crate::diagnostics::{Diagnostic, codes};
use crate::inventory::row::Cell;
use crate::inventory::{Param, Row};
use crate::time::parse_time;
use jiff::{SignedDuration, Timestamp};
use std::cell::RefCell;

const DAY: i64 = 86_400;

thread_local! {
    /// The last time this thread parsed: batches repeat the same times on many rows.
    static LAST: RefCell<(String, Option<Timestamp>)> = const { RefCell::new((String::new(), None)) };
}

/// Fast form of [`parse_time`]: the last text this thread parsed is not parsed again. The
/// property test holds it to `parse_time` over runs with repeats.
fn parse_cached(text: &str) -> Option<Timestamp> {
    LAST.with_borrow_mut(|(last, t)| {
        if last != text {
            *t = parse_time(text);
            text.clone_into(last);
        }
        *t
    })
}

fn time(row: &Row, cell: Cell, out: &mut Vec<Diagnostic>) -> Option<Timestamp> {
    let t = parse_cached(cell.text);
    if t.is_none() {
        let message = crate::msg!("'{}' is not a UTC time YYYY-MM-DDThh:mm:ssZ", cell.text);
        out.push(diag(row, cell.column(), codes::TIME_FORMAT, message));
    }
    t
}

fn days_after(now: Timestamp, days: i64) -> Timestamp {
    now.saturating_add(SignedDuration::from_secs(days * DAY)).expect("whole seconds")
}

/// "Now" and the limits the API sets from it, computed once a run.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    now: Timestamp,
    start_latest: Timestamp,
    valid_earliest: Timestamp,
    valid_latest: Timestamp,
}

impl Window {
    pub fn new(now: Timestamp) -> Window {
        Window {
            now,
            start_latest: days_after(now, 30),
            valid_earliest: days_after(now, 7),
            valid_latest: days_after(now, 90),
        }
    }
}

pub fn check(row: &Row, w: &Window, out: &mut Vec<Diagnostic>) {
    let now = w.now;
    let start_cell = row.get(Param::ScheduledStartTime);
    let start = start_cell.and_then(|c| time(row, c, out));
    if let (Some(c), Some(t)) = (start_cell, start) {
        if t <= now {
            out.push(diag(row, c.column(), codes::SCHEDULED_START_PAST, crate::msg!("{t} is not after now ({now})")));
        } else if t > w.start_latest {
            out.push(diag(
                row,
                c.column(),
                codes::SCHEDULED_START_TOO_FAR,
                crate::msg!("{t} is more than 30 days after now ({now})"),
            ));
        }
    }
    let valid_cell = row.get(Param::ValidTime);
    let valid = valid_cell.and_then(|c| time(row, c, out));
    if let (Some(c), Some(t)) = (valid_cell, valid) {
        if t < w.valid_earliest || t > w.valid_latest {
            let message = crate::msg!("{t} is not 7 to 90 days after now ({now})");
            out.push(diag(row, c.column(), codes::VALID_TIME_RANGE, message));
        }
        if let Some(s) = start.filter(|s| t <= *s) {
            out.push(diag(
                row,
                c.column(),
                codes::VALID_TIME_BEFORE_START,
                crate::msg!("the job expires at {t}, before it starts at {s}"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{at, run};
    use super::*;

    fn now() -> Timestamp {
        "2026-11-27T08:00:00Z".parse().unwrap()
    }

    fn rule(row: &Row, out: &mut Vec<Diagnostic>) {
        check(row, &Window::new(now()), out)
    }

    proptest::proptest! {
        #[test]
        fn the_cache_agrees_with_parsing(texts in proptest::collection::vec(proptest::sample::select(vec![
            "2026-12-01T00:00:00Z", "2026-12-01T00:00:01Z", "2026-13-01T00:00:00Z", "", "x", "2026-12-01 00:00",
        ]), 1..20)) {
            for t in texts {
                proptest::prop_assert_eq!(parse_cached(t), parse_time(t), "{:?}", t);
            }
        }
    }

    #[test]
    fn scheduled_start() {
        assert!(run(&[("ScheduledStartTime", "2026-12-27T08:00:00Z")], rule).is_empty(), "30 days is allowed");
        assert_eq!(
            run(&[("ScheduledStartTime", "2026-12-27T08:00:01Z")], rule),
            vec![at("ScheduledStartTime", "ScheduledStartTime.TooFar")]
        );
        assert_eq!(
            run(&[("ScheduledStartTime", "2026-11-27T08:00:00Z")], rule),
            vec![at("ScheduledStartTime", "ScheduledStartTime.Past")]
        );
        assert_eq!(
            run(&[("ScheduledStartTime", "2026-11-28 08:00")], rule),
            vec![at("ScheduledStartTime", "Time.Format")]
        );
    }

    #[test]
    fn valid_time() {
        assert!(run(&[("ValidTime", "2026-12-04T08:00:00Z")], rule).is_empty(), "7 days is allowed");
        assert!(run(&[("ValidTime", "2027-02-25T08:00:00Z")], rule).is_empty(), "90 days is allowed");
        assert_eq!(run(&[("ValidTime", "2026-12-04T07:59:59Z")], rule), vec![at("ValidTime", "ValidTime.OutOfRange")]);
        assert_eq!(run(&[("ValidTime", "2027-02-25T08:00:01Z")], rule), vec![at("ValidTime", "ValidTime.OutOfRange")]);
        assert_eq!(run(&[("ValidTime", "tomorrow")], rule), vec![at("ValidTime", "Time.Format")]);
        assert_eq!(
            run(&[("ScheduledStartTime", "2026-12-20T00:00:00Z"), ("ValidTime", "2026-12-10T00:00:00Z")], rule),
            vec![at("ValidTime", "ValidTime.BeforeStart")]
        );
    }
}
