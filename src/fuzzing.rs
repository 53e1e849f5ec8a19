//! One inventory through every offline stage and printer, in memory: the body of the fuzz
//! target (`fuzz/`) and of the mutation tests, so that both exercise what a user runs.

use crate::account::AccountIndex;
use crate::check::{self, Options};
use crate::diagnostics::Summary;
use crate::inventory::{InputError, Reader};
use crate::plan::{Plan, Step};
use crate::print::render;
use crate::print::stream::{Stream, Style};

/// The name the input is reported under.
pub const PATH: &str = "fuzz.csv";

/// Checks `bytes` as an inventory, renders every finding for people and as JSON, streams
/// them as validate does in each of its styles, and renders the plan both ways. `Err` is
/// the one-line error validate would print.
pub fn offline(bytes: &[u8], account: Option<&AccountIndex>) -> Result<Summary, InputError> {
    for style in [
        Style::Json,
        Style::Jsonl,
        Style::Human { all: false, styled: true },
        Style::Human { all: true, styled: false },
    ] {
        streamed(bytes, account, style)?;
    }
    let opts = options(account);
    let reader = Reader::from_reader(PATH, Box::new(std::io::Cursor::new(bytes.to_vec())))?;
    let (mut human, mut json, mut steps) = (Vec::new(), render::JsonFindings::default(), Vec::new());
    let checked = check::run_reader(reader, &opts, |row, diags| {
        for d in diags {
            render::human_one(&mut human, PATH, d, row.schema).expect("writing to memory");
            json.push(d, row.schema);
        }
        steps.push(Step::new(row, diags));
    })?;
    render::summary_line(&mut human, PATH, &checked.summary).expect("writing to memory");
    let mut out = Vec::new();
    json.write(&mut out, &checked.summary).expect("writing to memory");
    serde_json::from_slice::<serde_json::Value>(&out).expect("validate's JSON parses");
    let plan = Plan::new(steps, crate::plan::DEFAULT_RATE);
    plan.human(&mut out).expect("writing to memory");
    serde_json::to_vec(&plan).expect("a plan serialises");
    Ok(checked.summary)
}

/// Validate's streaming printer in `style` over the findings of `bytes`, to memory; an
/// unusable input is written as validate writes it.
fn streamed(bytes: &[u8], account: Option<&AccountIndex>, style: Style) -> Result<(), InputError> {
    let opts = options(account);
    let reader = Reader::from_reader(PATH, Box::new(std::io::Cursor::new(bytes.to_vec())))?;
    let schema = reader.schema().clone();
    let stream = std::cell::RefCell::new(Stream::new(Vec::new(), style, PATH));
    let on_header = |s: &crate::inventory::Schema, diags: &[crate::diagnostics::Diagnostic], _: &[String]| {
        stream.borrow_mut().header(s, diags)
    };
    let visit = |row: &crate::inventory::Row, diags: &[crate::diagnostics::Diagnostic]| {
        stream.borrow_mut().row(row.schema, diags)
    };
    let checked = check::run_reader_with(reader, &opts, on_header, visit);
    let stream = stream.into_inner();
    match checked {
        Ok(checked) => {
            let out = stream.finish(&checked.schema, &checked.summary).expect("writing to memory");
            if style == Style::Json {
                serde_json::from_slice::<serde_json::Value>(&out).expect("the streamed JSON parses");
            }
        }
        Err(e) => stream.fail(&schema, &e.to_string()).expect("writing to memory"),
    }
    Ok(())
}

fn options(account: Option<&AccountIndex>) -> Options<'_> {
    Options {
        strict: false,
        now: jiff::Timestamp::from_second(1_795_766_400).expect("a fixed time"),
        account,
        quota: None,
        retain: false,
        sheet: None,
        tap: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_samples_go_through_and_errors_are_one_line() {
        let summary = offline(include_bytes!("../samples/broken.csv"), None).unwrap();
        assert!(summary.errors > 0);
        let err = offline(b"RegionId,SourceId\n\xff\n", None).unwrap_err().to_string();
        assert_eq!(err, "fuzz.csv:2: the row has 1 fields but the header has 2");
    }
}
