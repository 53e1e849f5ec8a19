#!/usr/bin/env bash
# Where validate's CPU goes, stage by stage, on the shapes of scripts/bench.sh.
#
# perf samples every thread of `smcplan validate --format json`; every thread reads, parses
# and checks pieces, and the calling one also runs the batch stage, so each sample is put in
# a stage by its function (code the compiler inlined counts in its caller):
#   reader      reading the file in pieces (the kernel's copy of the file's bytes included);
#   parse       the CSV parser (its quick path and csv-core);
#   decode      a piece's UTF-8 check, cells and duplicate-check keys;
#   rules       the row rules (every function of smcplan no other stage names);
#   format      core::fmt: the rules' messages and the printers' numbers and texts;
#   table       the batch stage's duplicate-check table;
#   render      writing the findings (the JSON writer, the human printer);
#   batch       the rest of the batch stage (placing, counting, quota, clashes) and the
#               handing of pieces between the threads;
#   alloc       malloc and free;
#   kernel      the other system calls, page faults and thread switches.
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
STAGES = ["reader", "parse", "decode", "rules", "format", "table", "render", "batch", "alloc", "kernel"]
BY_SYMBOL = [
    ("reader", ("relay::read_piece", "inventory::read::", "inventory::sheet::", "inventory::workbook::",
                "calamine::", "quick_xml::", "zip::", "miniz_oxide::", "zlib_rs::")),
    ("parse", ("inventory::parse::", "inventory::quick::", "csv_core::")),
    ("decode", ("check::Chunk::work", "from_utf8", "xxh3", "conflicts::keys", "row::Cells", "Records::decode")),
    ("table", ("conflicts::table::", "conflicts::compact::", "conflicts::Batch::check")),
    ("render", ("smcplan::print::",)),
    ("format", ("core::fmt::", "fmt::Display", "fmt::Write", "Formatter")),
    ("batch", ("check::relay::", "check::Ordered", "check::Stitch", "check::run_reader_with", "conflicts::clash",
               "Batch::admit", "diagnostics::merge", "std::sync::", "std::thread::", "futex")),
]
# The kernel's part of a read call.
READ_KERNEL = ("_copy_to_iter", "copy_page_to_iter", "rep_movs_alternative", "copy_user_", "filemap_read",
               "filemap_get_pages", "filemap_get_read_batch", "ext4_file_read_iter", "shmem_file_read_iter",
               "shmem_get_folio", "vfs_read", "ksys_read", "touch_atime")
ALLOC = {"malloc", "free", "cfree", "realloc", "calloc", "_int_malloc", "_int_free", "_int_realloc",
         "malloc_consolidate", "unlink_chunk", "__libc_malloc", "__libc_free", "__libc_calloc"}
counts = collections.Counter()
for line in sys.stdin:
    # comm pid/tid ip symbol (dso)
    parts = line.split(None, 3)
    if len(parts) < 4 or "/" not in parts[1]:
        continue
    sym, _, dso = parts[3].rstrip().rpartition(" (")
    if dso.startswith("[kernel"):
        stage = "reader" if any(k in sym for k in READ_KERNEL) else "kernel"
    elif sym.split("@")[0] in ALLOC:
        stage = "alloc"
    else:
        stage = next((s for s, keys in BY_SYMBOL if any(k in sym for k in keys)), "rules")
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
