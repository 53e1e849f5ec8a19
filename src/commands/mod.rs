//! The commands: glue from parsed arguments to the pipeline stages and their output.

mod emulator;
mod init;
mod lifecycle;
mod plan;
mod report;
mod schedule;
mod snapshot;
mod status;
mod submit;
mod validate;

use crate::account::{AccountIndex, AccountState};
use crate::api::client::{Client, ClientConfig, ProxyRule};
use crate::api::credentials::{self, Lookup};
use crate::check::{self, Checked, Options};
use crate::cli::{CheckArgs, Cli, Command, ConnectArgs, EmulatorArgs, Format, PlanArgs, SnapshotArgs};
use crate::jobs::act::Action;
use crate::plan::{Plan, Step};
use crate::print::render;
use crate::time::parse_time;
use anyhow::{Context as _, bail};
use lifecycle::DeleteFlags;
use std::io::{self, Write};

/// How a command ended, when it did not fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report beyond warnings.
    Clean,
    /// The work found problems (invalid rows).
    Problems,
    /// Stopped by Ctrl-C (or SIGHUP) after a clean shutdown (exit 130).
    Interrupted,
    /// Stopped by SIGTERM after a clean shutdown (exit 143).
    Terminated,
}

/// Runs a parsed command line. `Err` means the tool could not do its work (exit 2).
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let json = cli.wants_json();
    let result = match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Plan(args) => plan::run(&args),
        Command::Snapshot(args) => snapshot::run(&args),
        Command::Emulator(args) => emulator::run(&args),
        Command::Submit(args) => submit::run(&args),
        Command::Status(args) => status::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Schedule(args) => schedule::run(&args),
        Command::Start(args) => lifecycle::run(&args, Action::Start, DeleteFlags::default()),
        Command::Stop(args) => lifecycle::run(&args, Action::Stop, DeleteFlags::default()),
        Command::Cutover(args) => {
            lifecycle::run(&args.act, Action::CutOver { sync_data: args.sync_data }, DeleteFlags::default())
        }
        Command::Delete(args) => {
            let flags = DeleteFlags { stop_first: args.stop_first, stop_timeout: args.stop_timeout, yes: args.yes };
            lifecycle::run(&args.act, Action::Delete, flags)
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "smcplan", &mut out);
            io::stdout().write_all(&out).map_err(stdout_fault)?;
            Ok(Outcome::Clean)
        }
        Command::Explain { code } => {
            let Some(found) = crate::print::explain::code(&code) else {
                bail!(
                    "no rule code '{}': `smcplan validate` prints the codes it finds; docs/codes.md lists them all",
                    crate::text::OneLine(&code)
                );
            };
            anstream::stdout().write_all(crate::print::explain::explain(found).as_bytes()).map_err(stdout_fault)?;
            Ok(Outcome::Clean)
        }
        Command::Man { command } => {
            let mut out = Vec::new();
            let top = <Cli as clap::CommandFactory>::command();
            let page = match &command {
                None => top,
                Some(name) => {
                    let names: Vec<String> = top.get_subcommands().map(|c| c.get_name().to_string()).collect();
                    let Some(sub) = top.find_subcommand(name).cloned() else {
                        bail!("no command '{name}' (the commands are: {})", names.join(", "));
                    };
                    sub.name(format!("smcplan-{name}"))
                }
            };
            crate::print::man::render(&mut out, page, command.as_deref())?;
            io::stdout().write_all(&out).map_err(stdout_fault)?;
            Ok(Outcome::Clean)
        }
        Command::Template(args) => {
            let disks = match &args.account {
                Some(path) => {
                    AccountState::load(path)?.source_servers.iter().map(|s| s.data_disks.len()).max().unwrap_or(0)
                }
                None => 1,
            };
            anstream::stdout()
                .write_all(crate::template::render_with(disks.max(1)).as_bytes())
                .map_err(stdout_fault)?;
            Ok(Outcome::Clean)
        }
        Command::Init(args) => init::run(&args),
    };
    let result = quiet_broken_pipe(result);
    // A program reading the JSON gets a JSON answer even when there is no work to show
    // (unless the command ended the JSON it was writing with the error already).
    if let (Err(e), true) = (&result, json)
        && e.downcast_ref::<Reported>().is_none()
    {
        let error = serde_json::json!({"error": {"message": format!("{e:#}"), "exit_code": 2}});
        let _ = writeln!(io::stdout(), "{error}");
    }
    result
}

/// This process's command line with the value of every option that could hold a secret
/// masked: what a run record keeps.
fn command_line() -> Vec<String> {
    crate::batch::journal::record::without_secrets(std::env::args_os().map(|a| a.to_string_lossy().into_owned()))
}

/// An error a command has already written into the JSON it was streaming: said once more on
/// stderr, not again on stdout.
#[derive(Debug)]
struct Reported(String);

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Reported {}

/// A reader that went away (`smcplan validate x | head`) is not a failure.
fn quiet_broken_pipe(result: anyhow::Result<Outcome>) -> anyhow::Result<Outcome> {
    let broken_pipe = |e: &anyhow::Error| {
        e.chain().any(|c| c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
    };
    match result {
        Err(e) if broken_pipe(&e) => Ok(Outcome::Clean),
        other => other,
    }
}

/// A failed write to stdout, named as such (`writing to stdout: No space left on device`).
fn stdout_fault(e: io::Error) -> anyhow::Error {
    anyhow::Error::new(e).context("writing to stdout")
}

/// Requests a second that `--rate` and `--qps` accept.
const RATE: (f64, f64) = (0.001, 100_000.0);

/// A numeric flag within the range smcplan can act on (a rate of 1e-25 or an interval of
/// 1e30 s cannot be waited for).
fn within(flag: &str, value: f64, (lo, hi): (f64, f64)) -> anyhow::Result<()> {
    if !(lo..=hi).contains(&value) {
        bail!("{flag} must be a number from {lo} to {hi}, got {value:?}");
    }
    Ok(())
}

fn load_account(args: &CheckArgs) -> anyhow::Result<Option<AccountIndex>> {
    let client = if args.online { Some(connect(&args.connect)?) } else { None };
    account_for(client.as_ref(), args.online, &args.regions, args.account.as_deref())
}

/// The account state to check against: read live from the Describe APIs (`--online`, with
/// `client`), or from a state file (`--account`), or none.
fn account_for(
    client: Option<&Client>,
    online: bool,
    regions: &[String],
    file: Option<&std::path::Path>,
) -> anyhow::Result<Option<AccountIndex>> {
    if let (true, Some(client)) = (online, client) {
        return Ok(Some(AccountIndex::new(fetch_account(client, regions, crate::account::DEFAULT_JOB_QUOTA)?)));
    }
    let Some(path) = file else {
        return Ok(None);
    };
    Ok(Some(AccountIndex::new(AccountState::load(path)?)))
}

fn now(args: &CheckArgs) -> anyhow::Result<jiff::Timestamp> {
    now_or(args.now.as_deref())
}

/// How the check flags ask to check, against `account`; no row's findings are kept.
fn check_options<'a>(args: &'a CheckArgs, account: Option<&'a AccountIndex>) -> anyhow::Result<Options<'a>> {
    Ok(Options {
        strict: args.strict,
        now: now(args)?,
        account,
        quota: args.quota,
        retain: false,
        sheet: args.sheet.as_deref(),
        tap: false,
    })
}

/// Says on stderr, once each, what reading the inventory decided or rewrote.
fn say_notes(notes: &[String]) {
    let mut err = anstream::stderr().lock();
    for note in notes {
        let _ = writeln!(err, "note: {note}");
    }
}

fn outcome(checked: &Checked) -> Outcome {
    if checked.summary.errors > 0 { Outcome::Problems } else { Outcome::Clean }
}

/// The API client the connection flags describe, with credentials from the usual places.
fn connect(args: &ConnectArgs) -> anyhow::Result<Client> {
    within("--max-attempts", args.max_attempts as f64, (1.0, 100.0))?;
    within("--read-rate", args.read_rate, RATE)?;
    let lookup = Lookup::from_process(args.profile.as_deref());
    let candidates = credentials::resolve(&lookup)?;
    let not_found = credentials::chain::places(&lookup);
    // The first credentials now: a source that cannot give any stops the command before
    // anything is sent.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let keys = runtime.block_on(credentials::Keys::first(candidates, &not_found))?;
    let proxy = match args.no_proxy {
        true => ProxyRule::default(),
        false => ProxyRule::from_env(&|k| std::env::var(k).ok().filter(|v| !v.is_empty())),
    };
    let config = ClientConfig {
        endpoint: args.endpoint.clone(),
        vpc_endpoint: args.vpc_endpoint.clone(),
        signature: args.signature.unwrap_or_default(),
        profile: args.profile.clone().or_else(|| std::env::var("ALIBABA_CLOUD_PROFILE").ok().filter(|p| !p.is_empty())),
        proxy,
        read_attempts: args.max_attempts,
        read_rate: args.read_rate,
        ..ClientConfig::default()
    };
    let client = Client::with_keys(&config, std::sync::Arc::new(keys))?;
    let mut err = anstream::stderr().lock();
    let source = client.keys().source();
    let role = source.role_arn.as_deref().map(|r| format!(", role {r}")).unwrap_or_default();
    writeln!(
        err,
        "note: credentials: {} from {}{role}, AccessKeyId {}",
        source.mode,
        source.place,
        client.access_key_id()
    )?;
    if let Some(why) = &config.proxy.refused {
        writeln!(err, "warning: not using a proxy: {why}; connecting directly (--no-proxy silences this)")?;
    }
    // The SMC endpoint, and the VPC one (the central one stands for the regions' own).
    let vpc = crate::api::client::Api::Vpc { region: "cn-hangzhou".to_string() };
    let endpoints = [client.endpoint(&crate::api::client::Api::Smc), client.endpoint(&vpc)];
    let proxied: std::collections::BTreeSet<&str> =
        endpoints.iter().filter(|url| config.proxy.proxy_for(url).is_some()).filter_map(|url| url.host_str()).collect();
    if let (Some((var, proxy)), false) = (&config.proxy.proxy, proxied.is_empty()) {
        let proxy = crate::api::endpoint::without_userinfo(proxy);
        let hosts = proxied.into_iter().collect::<Vec<_>>().join(", ");
        writeln!(
            err,
            "note: sending the https calls to {hosts} through the proxy {proxy} (from {var}; --no-proxy turns it off)"
        )?;
    }
    Ok(client)
}

/// The client of a command on the batch in `dir`: the endpoints, profile and signature of
/// the batch's first run are the defaults; an endpoint given that is not the batch's is
/// used, and said.
fn connect_to_batch(args: &ConnectArgs, dir: &std::path::Path) -> anyhow::Result<Client> {
    let entries = crate::batch::journal::Journal::read(dir)?;
    let first = entries.iter().find_map(|e| match e {
        crate::batch::journal::Entry::Run(r) => r.reached.clone(),
        _ => None,
    });
    let Some(first) = first else { return connect(args) };
    let mut args = args.clone();
    let shown = dir.display();
    let env_profile = std::env::var("ALIBABA_CLOUD_PROFILE").ok().filter(|p| !p.is_empty());
    let given = args.profile.clone().or(env_profile);
    match (&given, &first.profile) {
        (None, _) => args.profile = first.profile.clone(),
        (Some(p), batch) if batch.as_ref() != Some(p) => {
            let batch = batch.as_deref().map_or("no profile".to_string(), |b| format!("profile '{b}'"));
            writeln!(
                anstream::stderr(),
                "note: the batch in {shown} was reached with {batch}; this run uses profile '{p}', as given"
            )?;
        }
        _ => {}
    }
    match args.signature {
        None => args.signature = Some(first.signature),
        Some(s) if s != first.signature => {
            writeln!(
                anstream::stderr(),
                "note: the batch in {shown} was reached with signature {:?}; this run signs with {s:?}, as given",
                first.signature
            )?;
        }
        Some(_) => {}
    }
    if args.vpc_endpoint.is_none() && args.endpoint.is_none() {
        args.vpc_endpoint = first.vpc_endpoint.clone();
    }
    let batch_endpoint = first.endpoint.as_deref().unwrap_or(crate::api::client::SMC_ENDPOINT);
    match &args.endpoint {
        None => args.endpoint = first.endpoint.clone(),
        Some(given) if !same_endpoint(given, batch_endpoint) => {
            writeln!(
                anstream::stderr(),
                "note: the batch in {shown} was reached at {batch_endpoint}; this run talks to {given}, as --endpoint says"
            )?;
        }
        Some(_) => {}
    }
    connect(&args)
}

/// Whether two endpoint URLs name one place (a trailing slash aside).
fn same_endpoint(a: &str, b: &str) -> bool {
    a.trim_end_matches('/').eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// The account state read through the Describe APIs, with a spinner on stderr meanwhile.
fn fetch_account(client: &Client, regions: &[String], quota: u64) -> anyhow::Result<AccountState> {
    let spinner = indicatif::ProgressBar::new_spinner()
        .with_style(indicatif::ProgressStyle::with_template("{spinner} {msg}").expect("a static template"));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let said = |m: String| spinner.set_message(m);
    let state = runtime.block_on(crate::api::account::fetch(client, regions, quota, &said));
    spinner.finish_and_clear();
    Ok(state?)
}

/// The run record of a run on a batch (status, start, ...): no inventory, the regions of
/// the rows it reads.
fn batch_run_record<'a>(
    client: &Client,
    command: &str,
    rows: impl Iterator<Item = &'a crate::batch::report::ReportRow>,
) -> crate::batch::journal::RunRecord {
    crate::batch::journal::RunRecord::start(
        command,
        command_line(),
        Some(client),
        rows.map(|r| r.id.region_id.clone()),
        None,
    )
}

/// The time `--now TEXT` names, or the clock's.
fn now_or(text: Option<&str>) -> anyhow::Result<jiff::Timestamp> {
    match text {
        None => Ok(jiff::Timestamp::now()),
        Some(text) => match parse_time(text) {
            Some(t) => Ok(t),
            None => bail!("--now '{text}' is not a UTC time YYYY-MM-DDThh:mm:ssZ"),
        },
    }
}

/// Asks `question` on `out` and reads the answer from `input`: yes only for `y` or `yes`.
pub(super) fn confirm(out: &mut dyn Write, input: &mut dyn std::io::BufRead, question: &str) -> anyhow::Result<bool> {
    write!(out, "{question}")?;
    out.flush()?;
    let mut answer = String::new();
    input.read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

#[cfg(test)]
mod tests {
    use super::confirm;

    #[test]
    fn only_a_yes_goes_on() {
        for (answer, want) in
            [("y\n", true), ("YES\n", true), ("\n", false), ("n\n", false), ("", false), ("yep\n", false)]
        {
            let mut out = Vec::new();
            assert_eq!(confirm(&mut out, &mut answer.as_bytes(), "go on? ").unwrap(), want, "{answer:?}");
            assert_eq!(out, b"go on? ");
        }
    }
}
