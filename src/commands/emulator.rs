//! `smcplan emulator`: serve a local SMC endpoint until a signal.

use super::*;

pub(super) fn run(args: &EmulatorArgs) -> anyhow::Result<Outcome> {
    use crate::emulator::{Config, KeyPair, Running, demo_account};
    within("--fault-rate", args.fault_rate, (0.0, 1.0))?;
    within("--job-error-rate", args.job_error_rate, (0.0, 1.0))?;
    if let Some(qps) = args.qps {
        within("--qps", qps, RATE)?;
    }
    within("--time-scale", args.time_scale, (0.001, 1e6))?;
    within("--sts-duration", args.sts_duration as f64, (1.0, 43_200.0))?;
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
        deny: args.deny.clone(),
        job_error_rate: args.job_error_rate,
        seed: args.seed,
        time_scale: args.time_scale,
        idle_timeout: crate::emulator::IDLE_TIMEOUT,
        roles: args.roles.clone(),
        sts_duration: std::time::Duration::from_secs(args.sts_duration),
        ecs_role: args.ecs_role.clone(),
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
