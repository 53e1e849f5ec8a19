#!/usr/bin/env bash
# Fuzzes the inventory reader, the rules and the printers for a bounded time:
# with cargo-fuzz (libFuzzer, nightly) when it is installed, else with the mutational
# fuzzer of examples/fuzz_inventory.rs. Usage: scripts/fuzz.sh [SECONDS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
seed=${2:-1}
if cargo fuzz --version >/dev/null 2>&1; then
  cd fuzz
  exec cargo +nightly fuzz run inventory corpus/inventory -- -max_total_time="$seconds" -seed="$seed"
fi
exec cargo run --quiet --release --example fuzz_inventory -- "$seconds" "$seed"
