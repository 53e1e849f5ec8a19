//! `smcplan report`: the batch's page in every format from a fixed batch (snapshots), the
//! charts' bars where the plan and the history put them, user text escaped, bad input in
//! one line, and the page of a 1,000-job weekend rendered by a real browser.

mod support;

use smcplan::batch::report;
use std::path::{Path, PathBuf};
use std::process::Output;

const NOW: &str = "2026-12-07T00:00:00Z";

/// The fixed batch: a weekend of 12 jobs in three waves (one job in error, the third wave
/// rolled back), a row whose Name is markup (invalid, never sent), and a job replaced under
/// a new JobId; one clock throughout.
fn fixture() -> (tempfile::TempDir, PathBuf) {
    use smcplan::batch::journal::{ActResult, Acted, Entry, Journal, Outcome, Seen};
    use smcplan::jobstate::JobStatus;
    let dir = tempfile::tempdir().unwrap();
    let jobs = dir.path().join("jobs");
    std::fs::create_dir(&jobs).unwrap();
    let start: jiff::Timestamp = "2026-12-05T18:00:00Z".parse().unwrap();
    let (weekend, mut rows) = smcplan::batch::weekend::weekend(12, 4, 3, start);
    // The first row's first job, deleted and replaced before the weekend.
    let first = match &weekend[1] {
        Entry::Intent { params, .. } => params.clone(),
        other => panic!("{other:?}"),
    };
    let early = start - jiff::SignedDuration::from_hours(2);
    let intent = Entry::Intent {
        line: 2,
        token: "t-old".into(),
        params: first,
        at: early,
        lookup: false,
        run: None,
        file: None,
        replaces: None,
    };
    let mut made = Outcome::settled(2, "t-old", Some("j-replaced0001"));
    made.at = early;
    let seen = Entry::Seen(Seen { at: early, ..Seen::gone("j-replaced0001", early, JobStatus::Ready) });
    let deleted = Entry::Acted(Acted {
        line: 2,
        action: "DeleteReplicationJob".into(),
        job_id: "j-replaced0001".into(),
        result: ActResult::Done,
        request_id: None,
        error_code: None,
        error_message: None,
        attempts: 1,
        at: early + jiff::SignedDuration::from_mins(30),
    });
    let mut entries = weekend[..1].to_vec();
    entries.extend([intent, Entry::Outcome(made), seen, deleted]);
    entries.extend(weekend[1..].iter().cloned());
    let mut hostile = smcplan::batch::report::ReportRow {
        status: smcplan::batch::RowStatus::Invalid,
        error_code: "Name.Charset".into(),
        error_message: "Name may not contain '<' (character 1)".into(),
        wave: "2".into(),
        file: "weekend.csv".into(),
        ..Default::default()
    };
    hostile.id = smcplan::batch::RowId {
        line: 14,
        source_id: "s-hostile".into(),
        name: "<script>alert(1)</script>".into(),
        region_id: "cn-hangzhou".into(),
    };
    rows.push(hostile);
    let (mut journal, _) = Journal::open(&jobs).unwrap();
    for e in &entries {
        journal.append(e).unwrap();
    }
    let mut report = smcplan::batch::story::told(rows, &entries);
    report.batch.updated_at = NOW.into();
    report::write(&jobs, &report).unwrap();
    (dir, jobs)
}

fn report_cmd(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_smcplan"));
    cmd.current_dir(dir).env("NO_COLOR", "1").arg("report").args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn every_format_of_a_fixed_batch() {
    let (dir, _) = fixture();
    for format in ["md", "json", "csv"] {
        let text = stdout(&report_cmd(dir.path(), &["jobs", "--format", format, "--now", NOW]));
        insta::assert_snapshot!(format!("report_{format}"), text);
    }
    let out = report_cmd(dir.path(), &["jobs", "--now", NOW]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("jobs: report written to jobs/report.html"));
    let html = std::fs::read_to_string(dir.path().join("jobs/report.html")).unwrap();
    insta::assert_snapshot!("report_html", html);
}

#[test]
fn each_bar_starts_at_its_planned_or_actual_time() {
    let (dir, jobs) = fixture();
    stdout(&report_cmd(dir.path(), &["jobs", "--now", NOW]));
    let html = std::fs::read_to_string(jobs.join("report.html")).unwrap();
    let rows = report::read(&jobs).unwrap().rows;
    let (mut planned, mut ran) = (0, 0);
    for r in rows.iter().filter(|r| !r.job_id.is_empty()) {
        if let Some(start) = r.params.get("ScheduledStartTime") {
            assert!(html.contains(&format!(r#"class="planned" data-start="{start}""#)), "{}", r.id.name);
            planned += 1;
        }
        if !r.results.start_time.is_empty() {
            assert!(html.contains(&format!(r#"data-start="{}" x="#, r.results.start_time)), "{}", r.id.name);
            ran += 1;
        }
    }
    assert!(planned >= 1 && ran >= 3, "{planned} planned, {ran} ran");
    assert!(html.contains(r#"class="run rolled-back" data-deleted=""#));
    // Every wave's chart and every server.
    assert_eq!(html.matches(r#"<svg class="gantt""#).count(), 3);
    assert_eq!(html.matches("<tr><td>s-").count(), rows.len());
}

#[test]
fn text_a_user_or_the_server_wrote_is_never_markup() {
    let (dir, _) = fixture();
    let html = {
        stdout(&report_cmd(dir.path(), &["jobs", "--now", NOW]));
        std::fs::read_to_string(dir.path().join("jobs/report.html")).unwrap()
    };
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // A weekend whose every text is hostile: names, files, errors, command lines.
    let hostile = r#"<img src=x onerror=alert(1)>"'&"#;
    let (entries, mut rows) = smcplan::batch::weekend::weekend(120, 40, 7, "2026-12-05T20:00:00Z".parse().unwrap());
    for r in rows.iter_mut() {
        r.id.name = hostile.into();
        r.wave = hostile.into();
        r.error_message = hostile.into();
        r.job_error_code = Some(hostile.into());
        r.file = hostile.into();
    }
    let mut report = smcplan::batch::story::told(rows, &entries);
    report.runs[0].record.argv = vec![hostile.into()];
    let view = smcplan::batch::page::View::of(&report, NOW.parse().unwrap());
    let page = smcplan::batch::page::html::page(&view, hostile);
    assert!(!page.contains("<img") && !page.contains("onerror=alert(1)>"), "markup got through");
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;"));
    assert_eq!(page.matches("<script").count(), 0);
    let md = smcplan::batch::page::md::page(&view, hostile);
    assert!(!md.replace(r"\<", "").contains('<') && md.contains(r"\<img src=x onerror=alert(1)\>"), "{md}");
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let (dir, jobs) = fixture();
    let one_line = |out: &Output, said: &str| {
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(said), "{err}");
    };
    one_line(&report_cmd(dir.path(), &["nowhere"]), "nowhere is not a report directory");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    one_line(&report_cmd(dir.path(), &["empty"]), "empty has no journal.jsonl");
    one_line(&report_cmd(dir.path(), &["jobs", "--out", "no/such/dir/r.html"]), "no/such/dir/r.html");
    one_line(&report_cmd(dir.path(), &["jobs", "--now", "soon"]), "--now 'soon' is not a UTC time");
    // A report.json from an older smcplan (the bare array of rows): read, and what it lacks said.
    let rows = report::read(&jobs).unwrap().rows;
    std::fs::write(jobs.join("report.json"), serde_json::to_vec(&rows).unwrap()).unwrap();
    let journal: Vec<String> = std::fs::read_to_string(jobs.join("journal.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.contains(r#""event":"seen""#))
        .map(str::to_string)
        .collect();
    std::fs::write(jobs.join("journal.jsonl"), journal.join("\n") + "\n").unwrap();
    let out = report_cmd(dir.path(), &["jobs", "--format", "md"]);
    assert!(stdout(&out).contains("| wave 1 |"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the report cannot show the jobs' history and results (`smcplan status jobs` records them)"),
        "{err}"
    );
    // A journal that is not one: one line naming it.
    std::fs::write(jobs.join("journal.jsonl"), "{not json}\n{\"event\":\"run\"}\n").unwrap();
    let out = report_cmd(dir.path(), &["jobs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("journal.jsonl"));
}

/// The non-white share of a PNG's pixels.
fn ink(png: &Path) -> f64 {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()].chunks(channels);
    let total = (info.width * info.height) as f64;
    pixels.filter(|p| p.iter().take(3).any(|c| *c < 235)).count() as f64 / total
}

#[test]
fn a_browser_renders_the_page_of_a_thousand_jobs_at_desktop_and_phone_widths() {
    let browser = support::browser::find().expect(
        "no Chromium found: install it (`apt-get install chromium`, as scripts/install-browser.sh and .ci/run do)",
    );
    let dir = tempfile::tempdir().unwrap();
    let (entries, rows) = smcplan::batch::weekend::weekend(1000, 100, 1, "2026-12-05T20:00:00Z".parse().unwrap());
    smcplan::batch::written::write(dir.path(), &smcplan::batch::story::told(rows, &entries)).unwrap();
    let page = dir.path().join("report.html");
    let size = std::fs::metadata(&page).unwrap().len();
    assert!(size < 2 << 20, "{size} bytes");
    for (width, height) in [(1280, 2000), (390, 1600)] {
        let shot = dir.path().join(format!("shot-{width}.png"));
        let console = support::browser::screenshot(&browser, &page, &shot, (width, height));
        assert!(!console.contains("Uncaught") && !console.contains("CONSOLE("), "{console}");
        let ink = ink(&shot);
        assert!(ink > 0.02, "the page at {width} px is blank ({ink:.4} of its pixels inked)");
    }
}
