//! Human output's runs: a code's findings on consecutive rows said once, as a range, when
//! there are enough of them; fewer are said as they are.

use super::json::grouped;
use super::render::{self, Palette};
use crate::diagnostics::{Code, Column, Diagnostic, Severity, column_name};
use crate::inventory::Schema;

/// Rows of one code in a row needed before they are said as a range.
const RANGE: u64 = 3;

/// Ended runs kept with their buffers, at most (a row may end more; the others' are freed).
const SPARE_RUNS: usize = 64;

/// Findings of one code on consecutive rows, not yet written.
struct Run {
    first_line: u64,
    last_line: u64,
    rows: u64,
    /// The last row (in the order rows were seen) it reaches: its last finding's, or a
    /// later one that has errors of other codes (an invalid row is not past the quota, say,
    /// and does not end a run of quota findings).
    last_row: u64,
    /// Its first finding's severity, code and column, and its message (said by a range).
    severity: Severity,
    code: Code,
    column: Column,
    message: String,
    /// Its findings as written, while there are too few for a range.
    held: Vec<u8>,
    /// When it started, among all runs: runs that end together are written in this order
    /// (which is the findings' own).
    order: u64,
}

impl Run {
    fn new(d: &Diagnostic, row: u64, order: u64) -> Run {
        let mut run = Run {
            first_line: 0,
            last_line: 0,
            rows: 0,
            last_row: 0,
            severity: d.severity,
            code: d.code,
            column: d.column,
            message: String::new(),
            held: Vec::new(),
            order: 0,
        };
        run.restart(d, row, order);
        run
    }

    /// Starts the run again at `d` on `row`, in the buffers of the run it was.
    fn restart(&mut self, d: &Diagnostic, row: u64, order: u64) {
        (self.first_line, self.last_line, self.rows, self.last_row, self.order) = (d.line, d.line, 1, row, order);
        (self.severity, self.code, self.column) = (d.severity, d.code, d.column);
        self.message.clear();
        self.message.push_str(&d.message);
        self.held.clear();
    }

    /// Writes the run: its findings as they are, or one range.
    fn write(&self, out: &mut Vec<u8>, schema: &Schema, path: &str, palette: &Palette) {
        if self.rows < RANGE {
            out.extend_from_slice(&self.held);
            return;
        }
        let (first, last, rows) = (self.first_line, self.last_line, grouped(self.rows));
        let column = column_name(&schema.names, self.column);
        let what = match (&schema.sheet, column) {
            (None, Some(c)) => format!(" column {c}"),
            _ => String::new(),
        };
        let message = format!("{rows} rows, lines {first}-{last}{what}; the first: {}", self.message);
        // On a sheet: its cells (`Servers!F3:F5 (SystemDiskSize)`) or rows.
        let range = match (&schema.sheet, self.column, column) {
            (Some(sheet), Column::At(i), Some(c)) => {
                format!("{}!{}:{} ({c})", sheet.name, sheet.cell(i, first), sheet.cell(i, last))
            }
            (Some(sheet), _, Some(c)) => format!("{} rows {first}-{last} ({c})", sheet.name),
            (Some(sheet), _, None) => format!("{} rows {first}-{last}", sheet.name),
            (None, _, _) => format!("{first}-{last}"),
        };
        render::human_range(out, path, (self.severity, self.code), &message, &range, palette);
    }
}

/// The runs open, by code and column: one code in two columns is two runs.
#[derive(Default)]
pub(super) struct Runs {
    /// Every run, open or ended: a run stays in its place (it is not moved in and out of the
    /// lists below, which hold places), and an ended run's place is taken by a later run, in
    /// its buffers.
    runs: Vec<Run>,
    /// The places of the runs open. Few are open at once (a row's codes and the runs it ends),
    /// so a list searched in order finds one sooner than a map would (the list's order is not
    /// the output's: runs are written in `order`).
    open: Vec<usize>,
    /// Runs started so far.
    started: u64,
    /// The places of runs that ended, with their buffers, for the next to start in.
    spare: Vec<usize>,
    /// The places of runs that ended past the spares kept: their buffers were freed.
    bare: Vec<usize>,
    /// The runs a row ends: when each started, and its place.
    ended: Vec<(u64, usize)>,
}

impl Runs {
    /// Takes the findings of the `row`th row; writes to `out` the runs that end before it.
    /// Rows with errors of other codes do not end a run of whole-row findings (the quota's).
    pub fn row(
        &mut self,
        row: u64,
        diags: &[Diagnostic],
        (schema, path, palette): (&Schema, &str, &Palette),
        out: &mut Vec<u8>,
    ) {
        let has_errors = diags.iter().any(|d| d.severity == Severity::Error);
        for d in diags {
            let runs = &self.runs;
            let found = self.open.iter().copied().find(|&r| runs[r].column == d.column && runs[r].code == d.code);
            let r = match found {
                Some(r) if self.runs[r].last_row + 1 == row || self.runs[r].last_row == row => {
                    let run = &mut self.runs[r];
                    if run.last_row != row {
                        run.rows += 1;
                    }
                    run.last_row = row;
                    run.last_line = d.line;
                    r
                }
                // The run of this code and column that ends here lends its buffers to the next.
                Some(r) => {
                    self.started += 1;
                    self.runs[r].write(out, schema, path, palette);
                    self.runs[r].restart(d, row, self.started);
                    r
                }
                None => {
                    self.started += 1;
                    let r = match self.spare.pop().or_else(|| self.bare.pop()) {
                        Some(r) => {
                            self.runs[r].restart(d, row, self.started);
                            r
                        }
                        None => {
                            self.runs.push(Run::new(d, row, self.started));
                            self.runs.len() - 1
                        }
                    };
                    self.open.push(r);
                    r
                }
            };
            // Too few for a range yet: the finding is kept as it will be written.
            let run = &mut self.runs[r];
            if run.rows < RANGE {
                render::human_one_in(&mut run.held, path, d, schema, palette);
            }
        }
        let runs = &mut self.runs;
        // A whole-row finding such as the quota's is not given to a row invalid for other
        // reasons: such a row does not end its run.
        if has_errors {
            for &r in &self.open {
                if runs[r].column == Column::Row {
                    runs[r].last_row = row;
                }
            }
        }
        if self.open.iter().all(|&r| runs[r].last_row == row) {
            return;
        }
        let ended = &mut self.ended;
        ended.clear();
        ended.extend(self.open.iter().filter(|&&r| runs[r].last_row < row).map(|&r| (runs[r].order, r)));
        ended.sort_unstable();
        self.open.retain(|&r| runs[r].last_row == row);
        for &(_, r) in ended.iter() {
            runs[r].write(out, schema, path, palette);
            // Past the spares kept with their buffers, an ended run's buffers are freed.
            if self.spare.len() < SPARE_RUNS {
                self.spare.push(r);
            } else {
                (runs[r].message, runs[r].held) = (String::new(), Vec::new());
                self.bare.push(r);
            }
        }
    }

    /// Writes the runs still open, in the order they started.
    pub fn end(&mut self, (schema, path, palette): (&Schema, &str, &Palette), out: &mut Vec<u8>) {
        let mut open = std::mem::take(&mut self.open);
        open.sort_by_key(|&r| self.runs[r].order);
        for r in open {
            self.runs[r].write(out, schema, path, palette);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::codes;

    #[test]
    fn runs_ended_past_the_spares_lend_their_places_and_start_again_empty() {
        let names: Vec<String> =
            ["RegionId", "SourceId"].into_iter().map(String::from).chain((0..200).map(|i| format!("c{i}"))).collect();
        let schema = Schema::parse(names).unwrap();
        let how = (&schema, "inv.csv", Palette::plain());
        let finding =
            |line: u64, col: u16| Diagnostic::new(line, Column::At(col), codes::NAME_LENGTH, format!("m{line}.{col}"));
        // The first and third rows each open 150 runs that the next row ends; the last four
        // make one run a range.
        let rows: Vec<Vec<Diagnostic>> = vec![
            (2..152).map(|c| finding(2, c)).collect(),
            vec![],
            (52..202).map(|c| finding(4, c)).collect(),
            vec![],
            vec![finding(6, 7)],
            vec![finding(7, 7)],
            vec![finding(8, 7)],
            vec![finding(9, 7)],
        ];
        let (mut runs, mut out) = (Runs::default(), Vec::new());
        for (row, diags) in rows.iter().enumerate() {
            runs.row(row as u64, diags, how, &mut out);
        }
        runs.end(how, &mut out);
        let mut expected = Vec::new();
        for d in rows[..4].iter().flatten() {
            render::human_one_in(&mut expected, "inv.csv", d, &schema, Palette::plain());
        }
        let text = String::from_utf8(out).unwrap();
        let (alone, range) = text.split_at(expected.len());
        assert_eq!(alone, String::from_utf8(expected).unwrap());
        assert_eq!(
            range,
            "error[Name.Length]: 4 rows, lines 6-9 column c5; the first: m6.7\n  --> inv.csv:6-9\n   = hint: names are 2 to 128 characters long\n\n"
        );
        assert_eq!(runs.runs.len(), 150, "the second row's runs took the first's places");
        // Of the 150 ended at once, those past the 64 spares gave up their buffers; the range's
        // run started in a spare's.
        assert_eq!(runs.runs.iter().filter(|r| r.held.capacity() == 0).count(), 150 - SPARE_RUNS);
        assert_eq!((runs.spare.len(), runs.bare.len()), (SPARE_RUNS - 1, 150 - SPARE_RUNS));
    }
}
