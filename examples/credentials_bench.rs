//! How long the credential chain takes to resolve without a network source: an AK profile
//! of config.json, and the environment's StsToken key; each resolved (and its first
//! credentials had) many times, the mean and the worst printed.
//!
//! cargo run --release --example credentials_bench [RUNS]

use smcplan::api::credentials::{Keys, Lookup, chain};
use std::collections::BTreeMap;
use std::time::Instant;

/// The environment a case resolves in.
type Env = Box<dyn Fn(&str) -> Option<String>>;

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(200);
    let home = std::env::temp_dir().join(format!("smcplan-credentials-bench-{}", std::process::id()));
    std::fs::create_dir_all(home.join(".aliyun")).unwrap();
    let profiles = r#"{"current": "ak", "profiles": [{"name": "ak", "mode": "AK", "access_key_id": "LTAIbench", "access_key_secret": "bench-secret"}]}"#;
    std::fs::write(home.join(".aliyun/config.json"), profiles).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let sts: BTreeMap<&str, &str> = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.bench"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "bench-secret"),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", "bench-token"),
    ]
    .into();
    let cases: [(&str, Env); 2] = [
        ("AK profile of config.json", Box::new(|_| None)),
        ("StsToken of the environment", Box::new(move |k| sts.get(k).map(|v| v.to_string()))),
    ];
    for (name, env) in &cases {
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            let lookup = Lookup { profile: None, env: env.as_ref(), home: Some(home.clone()) };
            let candidates = chain::resolve(&lookup).unwrap();
            let keys = runtime.block_on(Keys::first(candidates, "")).unwrap();
            std::hint::black_box(keys.access_key_id());
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        let worst = times.iter().cloned().fold(0.0, f64::max);
        println!("{name}: mean {mean:.3} ms, worst {worst:.3} ms over {runs} runs");
    }
    let _ = std::fs::remove_dir_all(&home);
}
