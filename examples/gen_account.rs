//! Writes an account state file of N source servers to stdout for the init benchmark: names
//! as people give them (dots, spaces, repeats), SystemInfo with a hostname and an address,
//! 0 to 4 data disks, a few servers InUse by a job or Unavailable.
//!
//! `cargo run --release --example gen_account -- SERVERS [QUOTA]` (quota default 100000)

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let quota: u64 = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let roles = ["web", "app", "db", "cache", "mq", "api", "batch", "files"];
    let mut servers = Vec::with_capacity(n);
    let mut jobs = Vec::new();
    for i in 0..n {
        let role = roles[i % roles.len()];
        let id = format!("s-bp1e2fsl57knvu{i:07}");
        // Every 50th name repeats an earlier one, as CMDB-fed names do.
        let name =
            if i % 50 == 49 { format!("{role} {:03}.prod", (i - 1) % 1000) } else { format!("{role} {i:03}.prod") };
        let state = match i % 100 {
            7 => "Unavailable",
            13 => "InUse",
            _ => "Available",
        };
        if state == "InUse" {
            jobs.push(serde_json::json!({"JobId": format!("j-bp17bclvg344jl{i:06}"), "Name": format!("old-{i}"),
                "SourceId": id, "RegionId": "cn-hangzhou", "ImageName": format!("img-old-{i}"), "Status": "Running"}));
        }
        let disks: Vec<serde_json::Value> = (1..=(i % 5) as i64)
            .map(|d| serde_json::json!({"Index": d, "Size": 100 * d, "Parts": [{"Device": format!("{d}_1"), "SizeBytes": 100 * d * (1 << 30)}]}))
            .collect();
        let info = serde_json::json!({"hostname": format!("{role}{i:04}.corp.example"), "ipv4": format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256)});
        servers.push(serde_json::json!({"SourceId": id, "Name": name, "State": state, "SystemDiskSize": 40 + (i % 4) * 20,
            "SystemDiskParts": [{"Device": "0_1", "SizeBytes": 40u64 << 30}], "DataDisks": disks, "SystemInfo": info.to_string()}));
    }
    let state = serde_json::json!({"format": "smcplan-account/1", "quota": {"replication_jobs": quota},
        "source_servers": servers, "replication_jobs": jobs, "vswitches": []});
    println!("{}", serde_json::to_string_pretty(&state).expect("serialises"));
}
