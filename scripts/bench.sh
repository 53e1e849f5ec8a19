#!/usr/bin/env bash
# Validate benchmark: `smcplan validate --format json` on a generated inventory against
# the floor (only reading the same file with the csv crate's ByteRecord).
# Usage: scripts/bench.sh [ROWS] [RUNS]    (default 1000000 rows, 5 runs of each)
# Prints each run and the median wall-time and peak-memory ratios.
set -euo pipefail
rows=${1:-1000000}
runs=${2:-5}
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin smcplan --example gen_inventory --example csv_floor
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
inv="$dir/inventory.csv"
target/release/examples/gen_inventory "$rows" > "$inv"
size=$(stat -c %s "$inv")
echo "inventory: $rows rows, $size bytes ($((size / rows)) bytes a row)"

measure() { # prints "seconds max_rss_kib"
    /usr/bin/time -f "%e %M" -o "$dir/time" "$@" > "$dir/out" 2>/dev/null || true
    tail -n 1 "$dir/time"
}

floor=() validate=() rss=()
for i in $(seq "$runs"); do
    read -r f _ < <(measure target/release/examples/csv_floor "$inv")
    # A million-row batch is far past any account's quota; --quota keeps the output to the real findings.
    read -r v m < <(measure target/release/smcplan validate "$inv" --format json --now 2026-11-27T08:00:00Z --quota 100000000)
    echo "run $i: floor ${f}s, validate ${v}s, validate peak ${m} KiB"
    floor+=("$f") validate+=("$v") rss+=("$m")
done
python3 - "$size" "${floor[*]}" "${validate[*]}" "${rss[*]}" <<'PY'
import statistics, sys
size = int(sys.argv[1])
floor, validate, rss = ([float(x) for x in a.split()] for a in sys.argv[2:5])
ratios = [v / f for f, v in zip(floor, validate)]
print(f"floor median {statistics.median(floor):.2f}s, validate median {statistics.median(validate):.2f}s")
print(f"wall ratio validate/floor: median {statistics.median(ratios):.2f}x (best {min(ratios):.2f}x, target <= 1.5x)")
print(f"memory ratio peak/file size: {max(rss) * 1024 / size:.2f} (target <= 1.0)")
PY
