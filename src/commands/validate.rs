//! `smcplan validate`: every check; each finding written as it is found, nothing kept.

use super::*;
use crate::print::stream::{Stream, Style};

/// Streams the findings in the chosen format; the counts end the output.
pub(super) fn run(args: &CheckArgs) -> anyhow::Result<Outcome> {
    let path = args.inventory.display().to_string();
    let style = match args.format {
        Format::Json => Style::Json,
        Format::Jsonl => Style::Jsonl,
        // Styles are left out where the terminal would only strip them again.
        Format::Human => Style::Human {
            all: args.all,
            styled: anstream::AutoStream::choice(&io::stdout()) != anstream::ColorChoice::Never,
        },
    };
    let account = load_account(args)?;
    let opts = check_options(args, account.as_ref())?;
    // People get colors where the terminal takes them; programs get the bytes as they are.
    // (The stream gathers its output itself.)
    let out: Box<dyn Write + Send> = match style {
        Style::Human { styled: true, .. } => Box::new(anstream::stdout()),
        _ => Box::new(io::stdout()),
    };
    // The header's findings open the output; each row's follow as the check reaches it.
    let stream = std::cell::RefCell::new(None);
    let said = std::cell::Cell::new(0);
    let on_header = |schema: &crate::inventory::Schema, diags: &[crate::diagnostics::Diagnostic], notes: &[String]| {
        say_notes(notes);
        said.set(notes.len());
        let mut s = Stream::new(out, style, &path);
        s.header(schema, diags);
        *stream.borrow_mut() = Some((s, schema.clone()));
    };
    let visit = |row: &crate::inventory::Row, diags: &[crate::diagnostics::Diagnostic]| {
        if let Some((s, _)) = stream.borrow_mut().as_mut() {
            s.row(row.schema, diags);
        }
    };
    let checked = check::run_streaming(&args.inventory, &opts, on_header, visit);
    let stream = stream.into_inner();
    match checked {
        Ok(checked) => {
            // A workbook's notes on its rewritten cells are known once its sheet is read.
            say_notes(checked.notes.get(said.get()..).unwrap_or_default());
            let (stream, _) = stream.expect("a check that ran saw its header");
            stream.finish(&checked.schema, &checked.summary).map_err(stdout_fault)?;
            Ok(outcome(&checked))
        }
        // Findings may be written already: the error ends that output (JSON closes its object with it).
        Err(e) => {
            say_notes(&e.notes);
            match stream {
                Some((stream, schema)) => {
                    let message = e.to_string();
                    stream.fail(&schema, &message).map_err(stdout_fault)?;
                    Err(Reported(message).into())
                }
                None => Err(e.into()),
            }
        }
    }
}
