//! `smcplan emulator`: a local SMC endpoint with the API's wire protocol, signatures, business
//! rules, flow control and fault injection, usable from the command line and from tests.

mod auth;
mod describe;
mod fault;
mod flow;
mod ids;
mod job;
mod params;
mod rules;
mod server;
pub mod sts;
mod wire;
mod world;

pub use auth::KeyPair;

use crate::account::{AccountState, ReplicationJob};
use auth::Nonces;
use flow::{Dice, TokenBucket};
use server::serve;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use world::World;

/// The key pair served when none is given (docs/emulator.md documents it).
pub const DEFAULT_KEY_ID: &str = "emulator-key-id";
pub const DEFAULT_KEY_SECRET: &str = "emulator-key-secret";

/// The account served when no state file is given: the bundled sample account.
pub fn demo_account() -> AccountState {
    AccountState::parse(include_str!("../../samples/account.json")).expect("the bundled sample account parses")
}

/// How to run.
pub struct Config {
    pub listen: SocketAddr,
    pub state: AccountState,
    pub state_out: Option<PathBuf>,
    pub keys: KeyPair,
    pub latency: Duration,
    pub qps: Option<f64>,
    pub fault_rate: f64,
    pub seed: u64,
    pub time_scale: f64,
    /// A connection idle, or half-way through sending a request, for this long is closed.
    pub idle_timeout: Duration,
    /// Actions answered `Forbidden.RAM`, as for a RAM user without the permission.
    pub deny: Vec<String>,
    /// The share of job runs that end InError with a JobErrorCode (decided by `seed`).
    pub job_error_rate: f64,
    /// Role ARNs STS AssumeRole and AssumeRoleWithOIDC answer for.
    pub roles: Vec<String>,
    /// How long the keys it issues live.
    pub sts_duration: Duration,
    /// The instance role the ECS metadata paths serve.
    pub ecs_role: Option<String>,
}

/// How long a connection may idle or dawdle over a request before it is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

impl Config {
    /// Loopback, any port, the demo account, the default keys, no faults, real time.
    pub fn local(state: AccountState) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            state,
            state_out: None,
            keys: KeyPair { id: DEFAULT_KEY_ID.into(), secret: DEFAULT_KEY_SECRET.into(), token: None },
            latency: Duration::ZERO,
            qps: None,
            fault_rate: 0.0,
            seed: 1,
            time_scale: 1.0,
            idle_timeout: IDLE_TIMEOUT,
            deny: Vec::new(),
            job_error_rate: 0.0,
            roles: Vec::new(),
            sts_duration: Duration::from_secs(3600),
            ecs_role: None,
        }
    }
}

struct Shared {
    world: Mutex<World>,
    nonces: Mutex<Nonces>,
    keys: KeyPair,
    bucket: Option<Mutex<TokenBucket>>,
    dice: Mutex<Dice>,
    /// Milliseconds each answer waits (a test may change it while it runs).
    latency_ms: AtomicU64,
    requests: AtomicU64,
    /// Authenticated requests of an action that is not a read (Describe*).
    changes: AtomicU64,
    dirty: AtomicBool,
    state_out: Option<PathBuf>,
    host: String,
    /// The address served, for the Host header check.
    addr: SocketAddr,
    idle_timeout: Duration,
    /// Actions answered `Forbidden.RAM`.
    deny: Vec<String>,
    /// STS and the metadata service.
    sts: sts::Sts,
}

impl Shared {
    fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.state_out else {
            return Ok(());
        };
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let state = self.world.lock().expect("world lock").state();
        let saved = crate::account::write(path, &state);
        if saved.is_err() {
            // Not saved: the next round tries again.
            self.dirty.store(true, Ordering::Release);
        }
        saved
    }
}

/// A running emulator; dropping it stops it (and saves `--state-out`).
pub struct Running {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Binds and starts serving on its own threads.
    pub fn start(config: Config) -> std::io::Result<Running> {
        let listener = std::net::TcpListener::bind(config.listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let mut world = World::new(config.state, config.time_scale, config.seed);
        world.failing = job::Failing { rate: config.job_error_rate, seed: config.seed };
        if config.state_out.is_some() {
            world.ids().persist();
        }
        let shared = Arc::new(Shared {
            world: Mutex::new(world),
            nonces: Mutex::new(Nonces::default()),
            keys: config.keys,
            bucket: config.qps.map(|q| Mutex::new(TokenBucket::new(q))),
            dice: Mutex::new(Dice::new(config.fault_rate, config.seed)),
            latency_ms: AtomicU64::new(config.latency.as_millis() as u64),
            requests: AtomicU64::new(0),
            changes: AtomicU64::new(0),
            dirty: AtomicBool::new(config.state_out.is_some()),
            state_out: config.state_out,
            host: addr.to_string(),
            addr,
            idle_timeout: config.idle_timeout,
            deny: config.deny,
            sts: sts::Sts::new(
                config.roles,
                jiff::SignedDuration::try_from(config.sts_duration).unwrap_or(jiff::SignedDuration::from_hours(1)),
                config.ecs_role,
            ),
        });
        shared.save()?;
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let served = Arc::clone(&shared);
        let thread = std::thread::Builder::new().name("smcplan-emulator".into()).spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(serve(listener, served, stopped));
        })?;
        Ok(Running { addr, shared, stop: Some(stop), thread: Some(thread) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests received so far, answered or not.
    pub fn request_count(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// The authenticated requests so far of actions that change something (not Describe*).
    pub fn change_count(&self) -> u64 {
        self.shared.changes.load(Ordering::Relaxed)
    }

    /// The account now.
    pub fn state(&self) -> AccountState {
        self.shared.world.lock().expect("world lock").state()
    }

    /// Sets how long each answer waits from now on.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.latency_ms.store(latency.as_millis() as u64, Ordering::Relaxed);
    }

    /// Moves the emulator's simulated clock forward (a test's step, instead of a wait).
    pub fn advance(&self, by: std::time::Duration) {
        let by = jiff::SignedDuration::try_from(by).unwrap_or(jiff::SignedDuration::MAX);
        self.shared.world.lock().expect("world lock").clock.advance(by);
    }

    /// How many temporary keys STS and the metadata service issued.
    pub fn issued_keys(&self) -> u64 {
        self.shared.sts.issued_count()
    }

    /// The JobIds deleted so far.
    pub fn deleted(&self) -> Vec<String> {
        self.shared.world.lock().expect("world lock").deleted()
    }

    /// The jobs now, as DescribeReplicationJobs would list them.
    pub fn jobs(&self) -> Vec<ReplicationJob> {
        self.state().replication_jobs
    }

    /// Stops serving and saves the state file; also done on drop.
    pub fn stop(mut self) -> std::io::Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.shared.save()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
