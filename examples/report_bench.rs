//! How long the report of a 1,000-job weekend takes: the journal read and the story told
//! (history, results, state), report.json, report.csv and report.html written; and how big
//! the page is. Writes the batch into DIR (default: a temporary directory) and prints
//! the median and the spread of RUNS runs.
//!
//! cargo run --release --example report_bench [JOBS] [RUNS] [DIR]

use smcplan::batch::journal::{Entry, Journal};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let jobs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(9);
    let dir = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("smcplan-report-bench-{}", std::process::id())));
    std::fs::create_dir_all(&dir).unwrap();
    let (entries, rows) = smcplan::batch::weekend::weekend(jobs, 100, 1, "2026-12-05T20:00:00Z".parse().unwrap());
    let seen = entries.iter().filter(|e| matches!(e, Entry::Seen(_))).count();
    // The journal on disk, as a weekend leaves it.
    let _ = std::fs::remove_file(dir.join("journal.jsonl"));
    let (mut journal, _) = Journal::open(&dir).unwrap();
    for e in &entries {
        journal.append(e).unwrap();
    }
    smcplan::batch::written::write(&dir, &smcplan::batch::story::told(rows, &entries)).unwrap();
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let told = smcplan::ops::report::tell(&dir).unwrap();
        smcplan::batch::written::write(&dir, &told.report).unwrap();
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let size = |f: &str| std::fs::metadata(dir.join(f)).map(|m| m.len()).unwrap_or(0) as f64 / 1024.0;
    println!(
        "report of {jobs} jobs ({seen} transitions): median {:.3} s, min {:.3} s, max {:.3} s over {runs} runs; report.html {:.0} KB, report.json {:.0} KB, journal {:.0} KB",
        times[runs / 2],
        times[0],
        times[runs - 1],
        size("report.html"),
        size("report.json"),
        size("journal.jsonl")
    );
    println!("{}", dir.join("report.html").display());
}
