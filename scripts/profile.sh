#!/usr/bin/env bash
# Where validate's CPU goes, stage by stage, on the shapes of scripts/bench.sh.
#
# perf samples every thread of `smcplan validate --format json`; each sample is put in a
# stage by its thread and its function (code the compiler inlined counts in its caller):
#   reader      the thread that reads the file in pieces (its read calls included);
#   parse       the workers' CSV parser (its quick path and csv-core);
#   decode      a piece's UTF-8 check, cells and duplicate-check keys;
#   rules       the row rules, with their messages (everything else a worker runs);
#   table       the batch stage's duplicate-check table;
#   render      writing the findings (the JSON writer, the human printer);
#   batch       the rest of the batch stage (placing, counting, quota, clashes);
#   alloc       malloc and free, on any thread but the reader;
#   kernel      system calls, page faults and thread switches, on any thread but the reader;
#   other       any other thread (none is expected).
# Each stage is printed as a multiple of the floor's CPU time (the csv crate reading every
# record, the floor of scripts/bench.sh), so that the stages add up to the CPU ratio.
# Usage: scripts/profile.sh [ROWS]    (default 1000000; needs perf)
set -euo pipefail
rows=${1:-1000000}
cd "$(dirname "$0")/.."
command -v perf > /dev/null || { echo "profile.sh needs perf (on Debian, apt-get install linux-perf)" >&2; exit 2; }
cargo build --release --quiet --bin smcplan --example gen_inventory --example csv_floor
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
gen=target/release/examples/gen_inventory
now=(--now 2026-11-27T08:00:00Z)

cpu() { # prints the median CPU seconds of three runs of the command
    for _ in 1 2 3; do
        /usr/bin/time -f "%U %S" -o "$dir/time" "$@" > /dev/null 2>&1 || true
        tail -n 1 "$dir/time" | awk '{ print $1 + $2 }'
    done | sort -g | sed -n 2p
}

profile() { # NAME FILE ARGS...
    local name=$1 file=$2
    shift 2
    local floor run
    floor=$(cpu target/release/examples/csv_floor "$file")
    run=$(cpu target/release/smcplan validate "$file" "${now[@]}" --format json "$@")
    rm -f "$dir/perf.data"
    # validate exits 1 when it finds problems; a failure of perf itself leaves no samples.
    perf record -q -e cpu-clock -F 2000 -o "$dir/perf.data" \
        target/release/smcplan validate "$file" "${now[@]}" --format json "$@" > /dev/null || true
    [ -s "$dir/perf.data" ] || { echo "perf recorded nothing for $name" >&2; exit 2; }
    perf script -i "$dir/perf.data" -F comm,pid,tid,ip,sym,dso |
        python3 "$dir/stages.py" "$name" "$floor" "$run"
}

cat > "$dir/stages.py" <<'PY'
import collections, sys
name, floor, run = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
STAGES = ["reader", "parse", "decode", "rules", "table", "render", "batch", "alloc", "kernel", "other"]
WORKER = [("parse", ("inventory::parse::", "inventory::quick::", "csv_core::")),
          ("decode", ("check::Chunk::work", "from_utf8", "xxh3", "conflicts::keys", "row::Cells", "Records::decode"))]
MAIN = [("table", ("conflicts::table::", "conflicts::compact::", "conflicts::Batch::check")),
        ("render", ("smcplan::print::", "core::fmt::", "fmt::Display", "fmt::Write", "Formatter"))]
ALLOC = {"malloc", "free", "cfree", "realloc", "calloc", "_int_malloc", "_int_free", "_int_realloc",
         "malloc_consolidate", "unlink_chunk", "__libc_malloc", "__libc_free", "__libc_calloc"}
counts = collections.Counter()
for line in sys.stdin:
    # comm pid/tid ip symbol (dso)
    parts = line.split(None, 3)
    if len(parts) < 4 or "/" not in parts[1]:
        continue
    comm, (pid, tid) = parts[0], parts[1].split("/")
    sym, _, dso = parts[3].rstrip().rpartition(" (")
    if comm == "smcplan-reader":
        stage = "reader"
    elif dso.startswith("[kernel"):
        stage = "kernel"
    elif sym.split("@")[0] in ALLOC:
        stage = "alloc"
    elif comm.startswith("smcplan-check"):
        stage = next((s for s, keys in WORKER if any(k in sym for k in keys)), "rules")
    elif pid == tid:
        stage = next((s for s, keys in MAIN if any(k in sym for k in keys)), "batch")
    else:
        stage = "other"
    counts[stage] += 1
total = sum(counts.values()) or 1
shares = "  ".join(f"{s} {counts[s] / total * run / floor:.2f}" for s in STAGES)
print(f"{name:<16} cpu {run / floor:.2f}x the floor = {shares}", flush=True)
PY

"$gen" "$rows" > "$dir/in.csv"
profile plain "$dir/in.csv" --quota 100000000
"$gen" "$rows" 7 --export > "$dir/in.csv"
profile export "$dir/in.csv"
for case in wide:11 findings:12 warnings:13 long:14 disks:15 mixed:16 mixed:17; do
    shape=${case%%:*} seed=${case##*:}
    "$gen" "$rows" "$seed" --shape "$shape" > "$dir/in.csv"
    profile "$shape/$seed" "$dir/in.csv"
done
