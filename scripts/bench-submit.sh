#!/usr/bin/env bash
# Submit benchmark: 1000 jobs against the emulator, in two settings:
#   1. emulator --latency-ms 100, client --rate 100: ideal 10 s (the limiter is the bottleneck);
#   2. emulator --qps 50, client --rate 100: ideal 20 s, and no row may fail.
# Prints wall time, its ratio to the ideal, failures, and the client's CPU time per created job.
set -euo pipefail
source "$(dirname "$0")/bench-batch.sh"

scenario() { # name ideal_seconds "emulator flags" "client flags"
    local name=$1 ideal=$2 eflags=$3 cflags=$4
    start_emulator "$eflags"
    /usr/bin/time -f "%e %U %S" -o "$dir/time" "$bin" submit "$dir/inventory.csv" --report "$dir/report-$name" \
        --endpoint "$url" --quiet $cflags > "$dir/summary" || true
    stop_emulator
    read -r wall user sys < <(tail -n 1 "$dir/time")
    python3 - "$name" "$ideal" "$wall" "$user" "$sys" "$dir/report-$name/report.json" "$(cat "$dir/summary")" <<'PY'
import json, sys
name, ideal, wall, user, sys_t, report, summary = sys.argv[1], *map(float, sys.argv[2:6]), sys.argv[6], sys.argv[7]
data = json.load(open(report))
rows = data["rows"] if isinstance(data, dict) else data
created = sum(r["status"] == "created" for r in rows)
failed = sum(r["status"] == "failed" for r in rows)
retried = sum(r["attempts"] > 1 for r in rows)
print(f"{name}: {created} created, {failed} failed ({retried} rows retried) in {wall:.2f} s = {wall / ideal:.3f} x the ideal {ideal:.0f} s; "
      f"client CPU {1000 * (user + sys_t) / max(created, 1):.2f} ms a job")
PY
}
scenario latency100 10 "--latency-ms 100" "--rate 100 --concurrency 32"
scenario qps50 20 "--qps 50" "--rate 100 --concurrency 32"
