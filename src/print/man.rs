//! Manual pages: clap's sections for a command (name, synopsis, description, options), and
//! smcplan's own: EXAMPLES, EXIT STATUS, ENVIRONMENT.

use std::io::{self, Write};

/// Examples for `command` (`None`: smcplan itself), as shell lines with a comment each.
fn examples(command: Option<&str>) -> &'static [(&'static str, &'static str)] {
    match command {
        None => &[
            ("smcplan validate inventory.csv --account account.json", "every rule, offline"),
            ("smcplan submit inventory.csv --report jobs", "create each job exactly once"),
            ("smcplan status jobs --watch", "watch the batch's jobs"),
        ],
        Some("validate") => &[
            ("smcplan validate inventory.csv --account account.json", "every rule, against a snapshot of the account"),
            ("smcplan validate inventory.xlsx --sheet Servers --format json", "a workbook's sheet, for a program"),
        ],
        Some("plan") => {
            &[("smcplan plan scheduled.csv --rate 5", "each row's action, the waves, the time the creates take")]
        }
        Some("init") => &[(
            "smcplan init --account account.json --region cn-hangzhou --join cmdb.csv --on hostname --out draft.csv",
            "a draft from the account, a CMDB export joined",
        )],
        Some("schedule") => &[(
            "smcplan schedule inventory.csv --start 2026-12-12T20:00:00Z --max-running 10 --out scheduled.csv",
            "waves one after another, ten migrations at once",
        )],
        Some("submit") => &[
            (
                "smcplan submit inventory.csv --report jobs --canary 2",
                "two rows first, the rest if they made their jobs",
            ),
            ("smcplan submit jobs/failed.csv --report jobs", "the fixed rows, into the same batch"),
        ],
        Some("report") => &[
            ("smcplan report jobs", "the page of the batch in jobs/, written to jobs/report.html"),
            (
                "smcplan report jobs --format md --out change-ticket.md",
                "the totals and a table per wave, for a change ticket",
            ),
        ],
        Some("status") => &[("smcplan status jobs --watch --wave 1", "the live view of one wave")],
        Some("start") => &[("smcplan start jobs --wave 1 --canary 2", "two first, the rest once they run")],
        Some("stop") => {
            &[("smcplan stop jobs --job db01-wave1", "pause one job, named by its Name, SourceId or JobId")]
        }
        Some("cutover") => &[("smcplan cutover jobs --wave 2 --sync-data", "the last sync of incremental jobs")],
        Some("delete") => &[("smcplan delete jobs --wave 2 --stop-first --yes", "roll a wave back")],
        Some("snapshot") => {
            &[("smcplan snapshot --out account.json --region cn-hangzhou", "the account state, for --account")]
        }
        Some("emulator") => &[("smcplan emulator --qps 5 --fault-rate 0.1 --time-scale 600", "a bad day, rehearsed")],
        Some("explain") => &[("smcplan explain SystemDiskSize.OutOfRange", "the rule, an example, the fix")],
        Some(_) => &[],
    }
}

const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "success (warnings allowed)"),
    ("1", "the work found problems: invalid rows, failed or skipped jobs"),
    ("2", "unusable input or usage: one line on stderr names the file, line and column"),
    ("130", "interrupted (SIGINT or SIGHUP); the journal is whole and the same command resumes"),
    ("143", "terminated (SIGTERM), as 130"),
];

const ENVIRONMENT: &[(&str, &str)] = &[
    ("ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET", "the access key"),
    ("ALIBABA_CLOUD_SECURITY_TOKEN", "the STS token of temporary credentials"),
    ("ALIBABA_CLOUD_PROFILE", "the profile of ~/.aliyun/config.json (as --profile)"),
    ("HTTPS_PROXY, ALL_PROXY, NO_PROXY", "the proxy of https calls (only an https or loopback one)"),
    ("NO_COLOR, CLICOLOR_FORCE", "colors off, or on where they would be left out"),
];

/// The manual page of `page` (the command `name`, or smcplan's own), with smcplan's sections.
pub fn render(out: &mut dyn Write, page: clap::Command, name: Option<&str>) -> io::Result<()> {
    clap_mangen::Man::new(page).render(out)?;
    let mut roff = String::new();
    let list = |roff: &mut String, title: &str, items: &[(&str, &str)]| {
        if items.is_empty() {
            return;
        }
        roff.push_str(&format!(".SH {title}\n"));
        for (term, text) in items {
            roff.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", escape(term), escape(text)));
        }
    };
    list(&mut roff, "EXAMPLES", examples(name));
    list(&mut roff, "EXIT STATUS", EXIT_STATUS);
    list(&mut roff, "ENVIRONMENT", ENVIRONMENT);
    out.write_all(roff.as_bytes())
}

/// Text in roff: a leading dot or quote escaped, backslashes and hyphens as roff reads them.
fn escape(text: &str) -> String {
    let text = text.replace('\\', "\\e").replace('-', "\\-");
    match text.chars().next() {
        Some('.' | '\'') => format!("\\&{text}"),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_has_examples_exit_status_and_environment() {
        let top = <crate::cli::Cli as clap::CommandFactory>::command();
        for sub in
            top.get_subcommands().filter(|c| !matches!(c.get_name(), "completions" | "man" | "template" | "help"))
        {
            let mut out = Vec::new();
            render(&mut out, sub.clone(), Some(sub.get_name())).unwrap();
            let text = String::from_utf8(out).unwrap();
            for section in [".SH EXAMPLES", ".SH EXIT STATUS", ".SH ENVIRONMENT"] {
                assert!(text.contains(section), "{}: {section}", sub.get_name());
            }
        }
    }
}
