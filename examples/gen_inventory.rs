//! Writes a large, realistic inventory to stdout for the validate benchmark.
//!
//! `cargo run --release --example gen_inventory -- ROWS [SEED] [--export] [--findings PCT]
//! [--shape NAME [--pad BYTES]]`:
//! about 330 bytes a row, `PCT` percent of rows (default 4) invalid (bad sizes, names,
//! times, JSON) and a few percent duplicating an earlier row's Name or SourceId. With
//! `--export`, the rows look like a spreadsheet's export: a BOM, CRLF line ends, a quoted
//! note holding commas on every row (a newline inside it on one row in ten), and tag
//! values quoted because they hold commas.
//!
//! `--shape NAME` writes a shape the rules were not tuned on instead, its details (widths,
//! shares, line ends) drawn from SEED: `wide` (40 to 80 columns, most cells empty), `findings`
//! (a finding of every rule family whose message carries a value, on PCT percent of rows,
//! default 100), `warnings` (unknown and case-folded columns, lists with holes, disks without
//! sizes), `long` (128-character descriptions and long quoted JSON cells), `disks` (16 data
//! disks and 20 tags on some rows); `mixed` picks one of them for each row. With a shape,
//! `--pad BYTES` adds a last column the API does not read, `remark`, holding BYTES bytes on
//! every row (commas among them from about 20 bytes on): longer rows, with the same findings
//! and one warning more, the header's for that column.

use std::io::{self, BufWriter, Write};

/// xorshift64*: small, fast and reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const HEADER: &str = "RegionId,SourceId,Name,Description,TargetType,ImageName,SystemDiskSize,NetMode,VSwitchId,RunOnce,Frequency,MaxNumberOfImageToKeep,ReplicationParameters,DataDisk.1.Index,DataDisk.1.Size,Tag.1.Key,Tag.1.Value,Tag.2.Key,Tag.2.Value,ValidTime,ResourceGroupId,owner,wave";
const REGIONS: &[&str] = &["cn-hangzhou", "cn-shanghai", "cn-beijing", "ap-southeast-1", "eu-central-1"];
const ROLES: &[&str] = &["web", "app", "db", "cache", "mq", "api", "batch", "files"];

fn main() -> io::Result<()> {
    let all: Vec<String> = std::env::args().skip(1).collect();
    if let Some(shape) = all.iter().position(|a| a == "--shape").and_then(|i| all.get(i + 1)) {
        return shapes::write(shape, &all);
    }
    if all.iter().any(|a| a == "--pad") {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "--pad goes with --shape"));
    }
    let export = all.iter().any(|a| a == "--export");
    let findings: u64 = all
        .iter()
        .position(|a| a == "--findings")
        .and_then(|i| all.get(i + 1))
        .and_then(|p| p.parse().ok())
        .unwrap_or(4)
        .min(100);
    let positional: Vec<&String> = all
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || all[i - 1] != "--findings"))
        .map(|(_, a)| a)
        .collect();
    let rows: u64 = positional.first().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let mut rng = Rng(positional.get(1).and_then(|a| a.parse().ok()).unwrap_or(0x5eed_cafe_f00d));
    let mut out = BufWriter::with_capacity(1 << 20, io::stdout().lock());
    let eol = if export { "\r\n" } else { "\n" };
    if export {
        write!(out, "\u{feff}{HEADER},notes{eol}")?;
    } else {
        write!(out, "{HEADER}{eol}")?;
    }
    for i in 0..rows {
        let dup = i > 10 && rng.below(100) < 2;
        let id = if dup { rng.below(i) } else { i };
        let region = REGIONS[rng.below(REGIONS.len() as u64) as usize];
        let role = ROLES[(id % ROLES.len() as u64) as usize];
        let mut system = 40 + 20 * rng.below(10);
        let mut name = format!("{role}-{id:07}-wave{}", 1 + id % 9);
        let mut valid = "2026-12-20T00:00:00Z".to_string();
        let mut params = r#"{""bandwidth_limit"":0,""compress_level"":1,""checksum"":true}"#.to_string();
        if rng.below(100) < findings {
            match rng.below(4) {
                0 => system = 19,
                1 => name = format!("{id}-starts-with-a-digit"),
                2 => valid = "2026-12-20 00:00".to_string(),
                _ => params = r#"{""checksum"":""yes""}"#.to_string(),
            }
        }
        let vpc = rng.below(2) == 0;
        let (net, vsw) =
            if vpc { ("2", format!("vsw-bp1ddbrxdlrcbim46{:04}", id % 10_000)) } else { ("0", String::new()) };
        let incremental = rng.below(4) == 0;
        let (run_once, freq, keep) = if incremental { ("false", "12", "3") } else { ("true", "", "") };
        let cost = if export { format!("\"cc-{:04}, shared\"", id % 1000) } else { format!("cc-{:04}", id % 1000) };
        write!(
            out,
            "{region},s-bp1e2fsl57knvuu{id:07},{name},Migration_of_{role}_{id:07}_to_{region},Image,img-{name},{system},{net},{vsw},{run_once},{freq},{keep},\"{params}\",1,{},project,dc-exit-2026,cost-center,{cost},{valid},rg-acfmw3ty5y7a{:04},team-{role},{}",
            100 + 50 * rng.below(8),
            id % 7,
            1 + id % 9,
        )?;
        if export {
            let newline = if id % 10 == 3 { "\r\nsecond line" } else { "" };
            write!(out, ",\"owner: {role} team, ticket MIG-{id}, checked 2026-11{newline}\"")?;
        }
        out.write_all(eol.as_bytes())?;
    }
    out.flush()
}

#[path = "gen_inventory/shapes.rs"]
mod shapes;
