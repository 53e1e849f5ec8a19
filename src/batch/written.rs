//! The report's files written together: `report.csv` and `report.json`, and the page drawn
//! from them, `report.html`.

use super::page::{View, html};
use super::report::{self, Report};
use std::path::Path;

/// Writes `report.csv`, `report.json` and `report.html` into `dir`, each atomically.
pub fn write(dir: &Path, report: &Report) -> std::io::Result<()> {
    report::write(dir, report)?;
    let view = View::of(report, jiff::Timestamp::now());
    let page = html::page(&view, &dir.display().to_string());
    crate::files::write_atomic(&dir.join("report.html"), page.as_bytes())
}
