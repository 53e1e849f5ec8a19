//! A bounded mutational fuzzer for machines without cargo-fuzz: mutates the bundled samples
//! and whatever it found interesting, runs each input through `smcplan::fuzzing::offline`
//! (validate and plan, every printer), and counts the inputs tried, the distinct outcomes
//! and the panics. An unusable input must be one line that names the file.
//!
//! cargo run --release --example fuzz_inventory -- [SECONDS] [SEED]

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// Pieces that make parsers and rules take their rare paths.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\"\"",
    b",",
    b"\n",
    b"\r\n",
    b"\r",
    b"#",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    b"\0",
    b"-1",
    b"99999999999999999999",
    b"2026-13-40T25:61:61Z",
    b"{\"bandwidth_limit\":",
    b"DataDisk.0.Size",
    b"Tag.21.Key",
    b"=HYPERLINK(1)",
    b"\xe4\xb8\xad",
    b"true",
    b"Image",
    b"s-bp1e2fsl57knvuug0001",
    b",,,,,,,,,,,,",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(7) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                drop(out.splice(at..at, t.iter().copied()));
            }
            2 if at < out.len() => {
                let end = (at + 1 + rng.below(64)).min(out.len());
                drop(out.drain(at..end));
            }
            3 => {
                // A line of this or another input, copied here.
                let other = &corpus[rng.below(corpus.len())];
                let from = rng.below(other.len());
                let end = other[from..].iter().position(|&b| b == b'\n').map_or(other.len(), |i| from + i + 1);
                drop(out.splice(at..at, other[from..end].iter().copied()));
            }
            4 => out.truncate(at),
            5 => drop(out.splice(at..at, std::iter::repeat_n(b'a', 1 << rng.below(17)))),
            _ => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let end = (at + t.len()).min(out.len());
                drop(out.splice(at..end, t.iter().copied()));
            }
        }
    }
    out
}

/// What an input did, coarsely: its error's shape or its counts' shape.
fn outcome(result: &Result<smcplan::diagnostics::Summary, smcplan::inventory::InputError>) -> String {
    match result {
        Ok(s) => format!("ok {} {} {}", s.errors.min(3), s.warnings.min(3), s.valid.min(3)),
        Err(e) => e.message.chars().filter(|c| !c.is_ascii_digit()).take(40).collect(),
    }
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let seconds: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut rng = Rng(seed.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut corpus: Vec<Vec<u8>> = vec![
        include_bytes!("../samples/inventory.csv").to_vec(),
        include_bytes!("../samples/broken.csv").to_vec(),
        b"RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize\ncn-hangzhou,s-1,a,Image,img-a,40\n".to_vec(),
    ];
    std::panic::set_hook(Box::new(|_| {}));
    let (mut tried, mut panics, mut seen) = (0u64, 0u64, BTreeSet::new());
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs_f64(seconds) {
        let base = corpus[rng.below(corpus.len())].clone();
        let input = mutate(&mut rng, &base, &corpus);
        tried += 1;
        match catch_unwind(AssertUnwindSafe(|| smcplan::fuzzing::offline(&input, None))) {
            Err(_) => {
                panics += 1;
                if panics <= 5 {
                    let path = format!("fuzz-panic-{panics}.csv");
                    std::fs::write(&path, &input).expect("writing the panicking input");
                    eprintln!("panic: input saved to {path}");
                }
            }
            Ok(result) => {
                if let Err(e) = &result {
                    let shown = e.to_string();
                    if shown.contains('\n') || !shown.starts_with(smcplan::fuzzing::PATH) {
                        panics += 1;
                        eprintln!("an error that is not one line naming the file: {shown:?}");
                    }
                }
                if seen.insert(outcome(&result)) && corpus.len() < 256 && input.len() < 1 << 20 {
                    corpus.push(input);
                }
            }
        }
    }
    println!(
        "fuzzed {tried} inputs in {:.1} s: {} distinct outcomes, {panics} failures (panics or malformed errors)",
        started.elapsed().as_secs_f64(),
        seen.len()
    );
    if panics > 0 { std::process::ExitCode::FAILURE } else { std::process::ExitCode::SUCCESS }
}
