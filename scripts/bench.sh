#!/usr/bin/env bash
# Validate benchmark against the floor (only reading the same file with the csv crate's
# ByteRecord), in alternating runs, on inventories of shapes the rules were not tuned on:
#   plain    examples/gen_inventory ROWS: 4% of rows with a finding, --quota raised (the
#            shape of the earliest figures);
#   export   ROWS --export: a BOM, CRLF, a quoted note with commas on every row, the default
#            quota of 1,000 jobs (nearly every row past the 1,000th has a finding); also as
#            human, jsonl and with --account (1,000 servers);
#   shapes   ROWS --shape S with a fixed seed each: wide (40-80 columns, most empty),
#            findings (every rule family, a value in each message, on every row), warnings,
#            long (long descriptions and JSON), disks (16 data disks and 20 tags), and mixed
#            under two seeds the others did not use;
#   padded   findings with a remark of 170 bytes on every row (--pad): the same findings on
#            rows of about 330 bytes, where the shape's own are 164.
# Usage: scripts/bench.sh [ROWS] [RUNS] [SHAPE:SEED ...]    (default 1000000 rows, 5 runs of
# each; each SHAPE:SEED, such as mixed:21, is a case more, of a seed the set does not use)
# Prints each case's median wall and CPU ratios (with the wall ratio's spread), its peak
# memory over the file size, and the median CPU time a row of the floor and of validate (the
# floor's grows with a row's bytes, validate's mostly with its rules, so short rows give the
# highest ratios); then the worst wall and CPU ratios of all cases.
set -euo pipefail
rows=${1:-1000000}
runs=${2:-5}
more=("${@:3}")
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin smcplan --example gen_inventory --example gen_account --example csv_floor
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
gen=target/release/examples/gen_inventory
target/release/examples/gen_account 1000 1000 > "$dir/account.json"
now=(--now 2026-11-27T08:00:00Z)
: > "$dir/results"

measure() { # prints "wall_seconds cpu_seconds max_rss_kib"; notes a tool failure (exit 2 or more)
    local rc=0
    /usr/bin/time -f "%e %U %S %M" -o "$dir/time" "$@" > /dev/null 2>&1 || rc=$?
    # validate exits 1 when it finds problems, as it does on most shapes; 2 is a failure.
    [ "$rc" -lt 2 ] || echo "$* exited $rc" > "$dir/failed"
    tail -n 1 "$dir/time" | awk '{ print $1, $2 + $3, $4 }'
}

failed() { # stops the bench when a measured command failed: its time would mean nothing
    [ ! -e "$dir/failed" ] || { echo "bench.sh: $(cat "$dir/failed")" >&2; exit 2; }
}

bench() { # NAME FILE ARGS...
    local name=$1 file=$2
    shift 2
    local fw=() fc=() vw=() vc=() rss=()
    for _ in $(seq "$runs"); do
        read -r w c _ < <(measure target/release/examples/csv_floor "$file")
        failed
        fw+=("$w") fc+=("$c")
        read -r w c m < <(measure target/release/smcplan validate "$file" "${now[@]}" "$@")
        failed
        vw+=("$w") vc+=("$c") rss+=("$m")
    done
    python3 - "$name" "$(stat -c %s "$file")" "${fw[*]}" "${fc[*]}" "${vw[*]}" "${vc[*]}" "${rss[*]}" "$dir/results" "$rows" <<'PY'
import statistics, sys
name, size, rows = sys.argv[1], int(sys.argv[2]), max(int(sys.argv[9]), 1)
fw, fc, vw, vc, rss = ([float(x) for x in a.split()] for a in sys.argv[3:8])
walls = sorted(v / max(f, 0.01) for f, v in zip(fw, vw))  # time counts hundredths
cpu = statistics.median(vc) / max(statistics.median(fc), 0.01)
peak = max(rss) * 1024 / size
print(f"{name:<24} {size / 1e6:6.0f} MB  floor {statistics.median(fw):.2f}s  validate {statistics.median(vw):.2f}s"
      f"  wall {statistics.median(walls):.2f}x ({walls[0]:.2f}-{walls[-1]:.2f})  cpu {cpu:.2f}x"
      f"  peak {max(rss) * 1024 / 1e6:.0f} MB = {peak:.2f} of the file"
      f"  cpu a row: floor {statistics.median(fc) / rows * 1e9:.0f} ns, validate {statistics.median(vc) / rows * 1e9:.0f} ns",
      flush=True)
with open(sys.argv[8], "a") as out:
    out.write(f"{name}\t{statistics.median(walls)}\t{cpu}\t{peak}\n")
PY
}

"$gen" "$rows" > "$dir/in.csv"
bench "plain json" "$dir/in.csv" --format json --quota 100000000
"$gen" "$rows" 7 --export > "$dir/in.csv"
bench "export json" "$dir/in.csv" --format json
bench "export human" "$dir/in.csv"
bench "export jsonl" "$dir/in.csv" --format jsonl
bench "export json --account" "$dir/in.csv" --format json --account "$dir/account.json"
shapes() { # SHAPE:SEED...
    for case in "$@"; do
        shape=${case%%:*} seed=${case##*:}
        "$gen" "$rows" "$seed" --shape "$shape" > "$dir/in.csv"
        bench "$shape/$seed json" "$dir/in.csv" --format json
        bench "$shape/$seed human" "$dir/in.csv"
    done
}
shapes wide:11 findings:12 warnings:13 long:14 disks:15 mixed:16 mixed:17
"$gen" "$rows" 12 --shape findings --pad 170 > "$dir/in.csv"
bench "findings/12 padded json" "$dir/in.csv" --format json
bench "findings/12 padded human" "$dir/in.csv"
shapes "${more[@]}"
python3 - "$dir/results" <<'PY'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
wall = max(rows, key=lambda r: float(r[1]))
cpu = max(rows, key=lambda r: float(r[2]))
peak = max(rows, key=lambda r: float(r[3]))
print(f"worst: wall {float(wall[1]):.2f}x ({wall[0]}), cpu {float(cpu[2]):.2f}x ({cpu[0]}), peak {float(peak[3]):.2f} of the file ({peak[0]})")
print("targets: wall at most 1.5x the floor, cpu at most 2.5x, --account at most 2.0x, peak at most 0.3 of the file")
PY
