#!/usr/bin/env bash
# Validate benchmark against the floor (only reading the same file with the csv crate's
# ByteRecord), on inventories shaped like what users have:
#   plain   examples/gen_inventory ROWS: unquoted but for the JSON cell, 4% of rows with a
#           finding, --quota raised so that the quota adds none (the shape of earlier figures);
#   export  ROWS --export: a BOM, CRLF, a quoted note with commas on every row (a newline in
#           one in ten), quoted tag values; the default quota of 1,000 jobs, so that nearly
#           every row past the 1,000th has a finding; as json, human and jsonl, and with
#           --account (1,000 servers, quota 1,000: most rows have two findings).
# Usage: scripts/bench.sh [ROWS] [RUNS]    (default 1000000 rows, 5 runs of each, alternating)
# Prints each case's median wall ratio (and its spread) and peak memory over the file size.
set -euo pipefail
rows=${1:-1000000}
runs=${2:-5}
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin smcplan --example gen_inventory --example gen_account --example csv_floor
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
target/release/examples/gen_inventory "$rows" > "$dir/plain.csv"
target/release/examples/gen_inventory "$rows" 7 --export > "$dir/export.csv"
target/release/examples/gen_account 1000 1000 > "$dir/account.json"
now=(--now 2026-11-27T08:00:00Z)

measure() { # prints "seconds max_rss_kib"
    /usr/bin/time -f "%e %M" -o "$dir/time" "$@" > "$dir/out" 2>/dev/null || true
    tail -n 1 "$dir/time"
}

bench() { # NAME FILE ARGS...
    local name=$1 file=$2
    shift 2
    local floor=() validate=() rss=()
    for _ in $(seq "$runs"); do
        read -r f _ < <(measure target/release/examples/csv_floor "$file")
        read -r v m < <(measure target/release/smcplan validate "$file" "${now[@]}" "$@")
        floor+=("$f") validate+=("$v") rss+=("$m")
    done
    python3 - "$name" "$(stat -c %s "$file")" "${floor[*]}" "${validate[*]}" "${rss[*]}" <<'PY'
import statistics, sys
name, size = sys.argv[1], int(sys.argv[2])
floor, validate, rss = ([float(x) for x in a.split()] for a in sys.argv[3:6])
ratios = sorted(v / f for f, v in zip(floor, validate))
print(f"{name:<22} floor {statistics.median(floor):.2f}s  validate {statistics.median(validate):.2f}s"
      f"  ratio {statistics.median(ratios):.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f})"
      f"  peak {max(rss) / 1024:.0f} MB = {max(rss) * 1024 / size:.2f} of the file")
PY
}

echo "plain: $rows rows, $(stat -c %s "$dir/plain.csv") bytes; export: $(stat -c %s "$dir/export.csv") bytes"
bench "plain json" "$dir/plain.csv" --format json --quota 100000000
bench "export json" "$dir/export.csv" --format json
bench "export human" "$dir/export.csv"
bench "export jsonl" "$dir/export.csv" --format jsonl
bench "export json --account" "$dir/export.csv" --format json --account "$dir/account.json"
echo "targets: export json at most 1.5x the floor; peak at most 0.3 of the file in every format"
