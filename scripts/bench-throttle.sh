#!/usr/bin/env bash
# A client faster than the service allows: `submit --rate R` against an emulator at `--qps Q`
# (Q below R), repeated; prints, for each run, the rows created, the rows failed and the
# throttled answers, then the runs with a failed row. A throttled answer slows the pace and
# is tried again: no run should end with a failed row.
#
# scripts/bench-throttle.sh [RUNS] [ROWS] [RATE] [QPS]
set -euo pipefail
runs=${1:-20}; rows=${2:-100}; rate=${3:-10}; qps=${4:-5}
source "$(dirname "$0")/bench-batch.sh"
head -n $((rows + 1)) "$dir/inventory.csv" > "$dir/part.csv"
bad=0
for run in $(seq "$runs"); do
    start_emulator "--qps $qps --seed $run"
    out=$("$bin" submit "$dir/part.csv" --report "$dir/r$run" --endpoint "$url" --rate "$rate" --quiet --format json || true)
    stop_emulator
    read -r created failed throttled < <(python3 -c 'import json,sys; c=json.load(sys.stdin)["counts"]; print(c["created"], c["failed"], c["throttled"])' <<<"$out")
    echo "run $run: $created created, $failed failed, $throttled throttled answers"
    [ "$failed" -eq 0 ] || bad=$((bad + 1))
done
echo "$bad of $runs runs ended with a failed row (rate $rate, qps $qps, $rows rows each)"
