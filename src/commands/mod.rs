//! The commands: glue from parsed arguments to the pipeline stages and their output.

mod status;
mod submit;

use crate::account::{AccountIndex, AccountState};
use crate::api::client::{Client, ClientConfig, ProxyRule};
use crate::api::credentials::{self, Lookup};
use crate::check::{self, Checked, Options};
use crate::cli::{
    CheckArgs, Cli, Command, ConnectArgs, EmulatorArgs, Format, PlanArgs, SnapshotArgs, StatusArgs, SubmitArgs,
};
use crate::diagnostics::render;
use crate::plan::{Plan, Step};
use crate::time::parse_time;
use anyhow::{Context as _, bail};
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
    let result = match cli.command {
        Command::Validate(args) => validate(&args),
        Command::Plan(args) => plan(&args),
        Command::Snapshot(args) => snapshot(&args),
        Command::Emulator(args) => emulator(&args),
        Command::Submit(args) => submit(&args),
        Command::Status(args) => status(&args),
        Command::Template => {
            anstream::stdout().write_all(crate::template::render().as_bytes()).map_err(stdout_fault)?;
            Ok(Outcome::Clean)
        }
    };
    quiet_broken_pipe(result)
}

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
    if args.online {
        let client = connect(&args.connect)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let state = runtime.block_on(crate::account::snapshot::fetch(
            &client,
            &args.regions,
            crate::account::DEFAULT_JOB_QUOTA,
        ))?;
        return Ok(Some(AccountIndex::new(state)));
    }
    let Some(path) = &args.account else {
        return Ok(None);
    };
    Ok(Some(AccountIndex::new(AccountState::load(path)?)))
}

fn now(args: &CheckArgs) -> anyhow::Result<jiff::Timestamp> {
    match &args.now {
        None => Ok(jiff::Timestamp::now()),
        Some(text) => match parse_time(text) {
            Some(t) => Ok(t),
            None => bail!("--now '{text}' is not a UTC time YYYY-MM-DDThh:mm:ssZ"),
        },
    }
}

/// Checks the inventory; the rows' findings go to `visit` only (the header's are kept).
fn check_with(
    args: &CheckArgs,
    visit: impl FnMut(&crate::inventory::Row, &[crate::diagnostics::Diagnostic]) + Send,
) -> anyhow::Result<Checked> {
    let account = load_account(args)?;
    let now = now(args)?;
    let opts = Options { strict: args.strict, now, account: account.as_ref(), quota: args.quota, retain: false };
    Ok(check::run(&args.inventory, &opts, visit)?)
}

fn outcome(checked: &Checked) -> Outcome {
    if checked.summary.errors > 0 { Outcome::Problems } else { Outcome::Clean }
}

/// Renders each row's findings as the check reaches it, so that the output is ready when the check ends.
fn validate(args: &CheckArgs) -> anyhow::Result<Outcome> {
    let path = args.inventory.display().to_string();
    let (mut json, mut human) = (render::JsonFindings::default(), Vec::new());
    let checked = check_with(args, |row, diags| {
        for d in diags {
            match args.format {
                Format::Json => json.push(d, &row.schema.names),
                Format::Human => render::human_one(&mut human, &path, d, &row.schema.names).expect("writing to memory"),
            }
        }
    })?;
    let names = &checked.schema.names;
    let printed = match args.format {
        Format::Json => {
            let mut all = render::JsonFindings::default();
            checked.diagnostics.iter().for_each(|d| all.push(d, names));
            all.append(json);
            let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
            all.write(&mut out, &checked.summary).and_then(|()| out.flush())
        }
        Format::Human => {
            let mut out = io::BufWriter::new(anstream::stdout().lock());
            (|| {
                for d in &checked.diagnostics {
                    render::human_one(&mut out, &checked.path, d, names)?;
                }
                out.write_all(&human)?;
                render::summary_line(&mut out, &checked.path, &checked.summary)?;
                out.flush()
            })()
        }
    };
    printed.map_err(stdout_fault)?;
    Ok(outcome(&checked))
}

fn plan(args: &PlanArgs) -> anyhow::Result<Outcome> {
    within("--rate", args.rate, RATE)?;
    let mut steps = Vec::new();
    let checked = check_with(&args.check, |row, diags| steps.push(Step::new(row, diags)))?;
    let plan = Plan::new(steps, args.rate);
    let printed = match args.check.format {
        Format::Json => {
            let mut out = io::BufWriter::new(io::stdout().lock());
            serde_json::to_writer_pretty(&mut out, &plan)
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out))
                .and_then(|()| out.flush())
        }
        Format::Human => {
            let mut out = io::BufWriter::new(anstream::stdout().lock());
            (|| {
                for d in checked.diagnostics.iter().filter(|d| d.line == 1) {
                    render::human_one(&mut out, &checked.path, d, &checked.schema.names)?;
                }
                plan.human(&mut out)?;
                out.flush()
            })()
        }
    };
    printed.map_err(stdout_fault)?;
    Ok(outcome(&checked))
}

/// The API client the connection flags describe, with credentials from the usual places.
fn connect(args: &ConnectArgs) -> anyhow::Result<Client> {
    let credentials = credentials::resolve(&Lookup::from_process(args.profile.as_deref()))?;
    let proxy = match args.no_proxy {
        true => ProxyRule::default(),
        false => ProxyRule::from_env(&|k| std::env::var(k).ok().filter(|v| !v.is_empty())),
    };
    let config = ClientConfig {
        endpoint: args.endpoint.clone(),
        vpc_endpoint: args.vpc_endpoint.clone(),
        signature: args.signature,
        proxy,
        ..ClientConfig::default()
    };
    let client = Client::new(&config, credentials)?;
    let mut err = anstream::stderr().lock();
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

fn snapshot(args: &SnapshotArgs) -> anyhow::Result<Outcome> {
    let client = connect(&args.connect)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let state = runtime.block_on(crate::account::snapshot::fetch(&client, &args.regions, args.quota))?;
    crate::account::snapshot::write(&args.out, &state)?;
    let mut out = anstream::stdout().lock();
    let printed = writeln!(
        out,
        "wrote {}: {} source servers, {} replication jobs, {} vSwitches",
        args.out.display(),
        state.source_servers.len(),
        state.replication_jobs.len(),
        state.vswitches.len()
    )
    .and_then(|()| match args.regions.is_empty() {
        true => writeln!(out, "no --region given: vSwitches were not fetched, so validate cannot check them"),
        false => Ok(()),
    });
    printed.map_err(stdout_fault)?;
    Ok(Outcome::Clean)
}

fn emulator(args: &EmulatorArgs) -> anyhow::Result<Outcome> {
    use crate::emulator::{Config, KeyPair, Running, demo_account};
    within("--fault-rate", args.fault_rate, (0.0, 1.0))?;
    if let Some(qps) = args.qps {
        within("--qps", qps, RATE)?;
    }
    within("--time-scale", args.time_scale, (0.001, 1e6))?;
    let state = match &args.state {
        Some(path) => AccountState::load(path)?,
        None => demo_account(),
    };
    let config = Config {
        listen: args.listen,
        state,
        state_out: args.state_out.clone(),
        keys: KeyPair {
            id: args.access_key_id.clone(),
            secret: args.access_key_secret.clone(),
            token: args.security_token.clone(),
        },
        latency: std::time::Duration::from_millis(args.latency_ms),
        qps: args.qps,
        fault_rate: args.fault_rate,
        seed: args.seed,
        time_scale: args.time_scale,
        idle_timeout: crate::emulator::IDLE_TIMEOUT,
    };
    let running = Running::start(config).with_context(|| format!("listening on {}", args.listen))?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        // The handlers are in place before the address is printed: a client may stop us at once.
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let mut hangup = signal(SignalKind::hangup())?;
        let mut out = io::stdout().lock();
        writeln!(out, "listening on {}", running.url())?;
        out.flush()?;
        drop(out);
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
            _ = hangup.recv() => {}
        }
        Ok::<(), anyhow::Error>(())
    })?;
    running.stop()?;
    Ok(Outcome::Interrupted)
}

fn submit(args: &SubmitArgs) -> anyhow::Result<Outcome> {
    use submit::{Ended, Request};
    within("--rate", args.rate, RATE)?;
    within("--concurrency", args.concurrency as f64, (1.0, 1024.0))?;
    within("--max-attempts", args.max_attempts as f64, (1.0, 100.0))?;
    // A dry run checks offline and sends nothing: it needs no credentials.
    let client = if args.dry_run && !args.online { None } else { Some(connect(&args.connect)?) };
    let request = Request {
        inventory: &args.inventory,
        dir: &args.report,
        options: crate::engine::Options {
            rate: args.rate,
            concurrency: args.concurrency,
            max_attempts: args.max_attempts,
        },
        dry_run: args.dry_run,
        skip_invalid: args.skip_invalid,
        online_regions: args.online.then_some(args.regions.as_slice()),
        quiet: args.quiet,
        adopt: args.adopt,
    };
    Ok(match submit::submit(client.as_ref(), &request)? {
        Ended::AllCreated => Outcome::Clean,
        Ended::SomeFailedOrInvalid => Outcome::Problems,
        Ended::Interrupted(crate::engine::signals::Signal::Terminate) => Outcome::Terminated,
        Ended::Interrupted(_) => Outcome::Interrupted,
    })
}

fn status(args: &StatusArgs) -> anyhow::Result<Outcome> {
    within("--interval", args.interval, (0.1, 86_400.0))?;
    let client = connect(&args.connect)?;
    let counts = status::status(&client, &args.report, args.watch, std::time::Duration::from_secs_f64(args.interval))?;
    let bad = ["InError", "Expired", "NotFound"];
    Ok(if counts.keys().any(|s| bad.contains(&s.as_str())) { Outcome::Problems } else { Outcome::Clean })
}
