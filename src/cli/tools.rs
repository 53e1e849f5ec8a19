//! The flags of the emulator and snapshot, and how every command that connects reaches the API.

use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// Account state file to serve (default: the bundled sample account).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Save the account state here on every change and on shutdown.
    #[arg(long, value_name = "FILE")]
    pub state_out: Option<PathBuf>,
    /// The one AccessKey ID accepted.
    #[arg(long, default_value = crate::emulator::DEFAULT_KEY_ID)]
    pub access_key_id: String,
    /// Its secret.
    #[arg(long, default_value = crate::emulator::DEFAULT_KEY_SECRET)]
    pub access_key_secret: String,
    /// Require this STS security token with the key.
    #[arg(long, value_name = "TOKEN")]
    pub security_token: Option<String>,
    /// Delay before answering each request.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Admit at most N requests a second (the rest get Throttling.User).
    #[arg(long, value_name = "N")]
    pub qps: Option<f64>,
    /// Share of requests that fail: 500, 503, throttling, or a connection closed before or after the work.
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Seed of the fault dice and ids.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Simulated seconds per real second for job progress.
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// Answer this action with Forbidden.RAM, as for a RAM user without its permission (repeat for more).
    #[arg(long, value_name = "ACTION")]
    pub deny: Vec<String>,
    /// Share of job runs that end InError with a JobErrorCode (decided by --seed).
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub job_error_rate: f64,
    /// Answer STS AssumeRole and AssumeRoleWithOIDC for this role ARN (repeat for more).
    #[arg(long = "role", value_name = "ARN")]
    pub roles: Vec<String>,
    /// Seconds the temporary keys it issues live (short ones rehearse a refresh).
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub sts_duration: u64,
    /// Serve the ECS metadata service's paths (IMDSv2) for this instance role.
    #[arg(long, value_name = "NAME")]
    pub ecs_role: Option<String>,
}

/// How to reach the API.
#[derive(Args, Debug, Clone)]
pub struct ConnectArgs {
    /// Send every call, SMC and VPC, to this URL (https, or http to a loopback address). On
    /// a batch (--report DIR, or DIR), the default is the endpoint of its first run.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Send the VPC calls (DescribeVSwitches) to this URL.
    #[arg(long, value_name = "URL")]
    pub vpc_endpoint: Option<String>,
    /// Credentials profile of ~/.aliyun/config.json (else ALIBABA_CLOUD_PROFILE, then the environment).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Signature scheme: v3 (ACS3-HMAC-SHA256, the default) or v1 (legacy HMAC-SHA1).
    #[arg(long, value_enum)]
    pub signature: Option<crate::api::client::SignatureVersion>,
    /// Use no proxy, whatever HTTPS_PROXY or ALL_PROXY say.
    #[arg(long)]
    pub no_proxy: bool,
    /// Attempts of each call (retryable errors only: throttling, 5xx, timeouts) before its error stands.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub max_attempts: u32,
    /// Describe calls a second at most (snapshot, --online, status, the look-ups of submit).
    #[arg(long, value_name = "R", default_value_t = crate::api::client::DEFAULT_READ_RATE)]
    pub read_rate: f64,
}

#[derive(Args, Debug)]
pub struct SnapshotArgs {
    /// The account state file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// A region whose vSwitches to fetch (repeat for more).
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// The account's replication job quota to record (the API does not report it).
    #[arg(long, value_name = "N", default_value_t = crate::account::DEFAULT_JOB_QUOTA)]
    pub quota: u64,
    #[command(flatten)]
    pub connect: ConnectArgs,
}
