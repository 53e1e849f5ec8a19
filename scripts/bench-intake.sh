#!/usr/bin/env bash
# Intake benchmark: `smcplan init` of a generated account, and `smcplan validate` of the same
# generated inventory as CSV and as an .xlsx workbook, and the workbook's floor: every cell of
# the sheet read by the workbook crate and nothing done with it (alternating runs).
# Usage: scripts/bench-intake.sh [SERVERS] [ROWS] [RUNS]   (default 1000 servers, 100000 rows, 5 runs)
# Prints each run and the medians, the XLSX time as a ratio of the CSV time and of its floor.
set -euo pipefail
servers=${1:-1000}
rows=${2:-100000}
runs=${3:-5}
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin smcplan --example gen_account --example gen_inventory --example csv_to_xlsx --example xlsx_floor
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
target/release/examples/gen_account "$servers" > "$dir/account.json"
target/release/examples/gen_inventory "$rows" > "$dir/inventory.csv"
target/release/examples/csv_to_xlsx "$dir/inventory.csv" "$dir/inventory.xlsx"
echo "account: $servers servers; inventory: $rows rows, $(stat -c %s "$dir/inventory.csv") bytes as CSV, $(stat -c %s "$dir/inventory.xlsx") bytes as XLSX"

measure() { # prints "seconds max_rss_kib"
    /usr/bin/time -f "%e %M" -o "$dir/time" "$@" > "$dir/out" 2>/dev/null || true
    tail -n 1 "$dir/time"
}

init=() csv=() xlsx=() ratio=() floor=() over=()
for i in $(seq "$runs"); do
    read -r t _ < <(measure target/release/smcplan init --account "$dir/account.json" --region cn-hangzhou)
    read -r c _ < <(measure target/release/smcplan validate "$dir/inventory.csv" --format json --now 2026-11-27T08:00:00Z --quota 100000000)
    read -r x m < <(measure target/release/smcplan validate "$dir/inventory.xlsx" --format json --now 2026-11-27T08:00:00Z --quota 100000000)
    read -r f _ < <(measure target/release/examples/xlsx_floor "$dir/inventory.xlsx")
    r=$(echo "$x $c" | awk '{ printf "%.2f", $1 / $2 }')
    o=$(echo "$x $f" | awk '{ printf "%.2f", $1 / $2 }')
    echo "run $i: init ${t}s, validate csv ${c}s, xlsx ${x}s (${r}x, peak ${m} KiB), the workbook's floor ${f}s (${o}x)"
    init+=("$t") csv+=("$c") xlsx+=("$x") ratio+=("$r") floor+=("$f") over+=("$o")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "median: init of $servers servers $(median "${init[@]}") s; validate of $rows rows: csv $(median "${csv[@]}") s, xlsx $(median "${xlsx[@]}") s; xlsx/csv $(median "${ratio[@]}")x (spread $(printf '%s\n' "${ratio[@]}" | sort -g | head -n1)-$(printf '%s\n' "${ratio[@]}" | sort -g | tail -n1)x)"
spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
echo "xlsx against the workbook floor ($(median "${floor[@]}") s): $(median "${over[@]}")x (spread $(spread "${over[@]}")x)"
