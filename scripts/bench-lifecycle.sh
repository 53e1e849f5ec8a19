#!/usr/bin/env bash
# Lifecycle benchmark: start, stop and delete of a 1,000-job batch against the emulator, in two settings:
#   1. emulator --latency-ms 100, client --rate 100: ideal 10 s each (the limiter is the bottleneck);
#   2. emulator --qps 50, client --rate 50: ideal 20 s each, and no call may fail.
# Each command reads the 1,000 jobs' states first (20 pages); the time counts it. Prints the wall
# time of each command, its ratio to the ideal, and the calls that failed.
set -euo pipefail
source "$(dirname "$0")/bench-batch.sh"

timed() { # name ideal command...
    local name=$1 ideal=$2
    shift 2
    /usr/bin/time -f "%e" -o "$dir/time" "$@" > "$dir/out" 2>&1 || true
    local wall
    wall=$(tail -n 1 "$dir/time")
    python3 -c "import sys; w, i = float(sys.argv[1]), float(sys.argv[2]); print(f'{sys.argv[3]}: {w:.2f} s = {w / i:.3f} x the ideal {i:.0f} s; ' + sys.argv[4])" \
        "$wall" "$ideal" "$name" "$(tail -n 1 "$dir/out")"
}

scenario() { # name ideal "emulator flags" rate
    local name=$1 ideal=$2 eflags=$3 rate=$4
    start_emulator "$eflags"
    "$bin" submit "$dir/inventory.csv" --report "$dir/jobs-$name" --endpoint "$url" --quiet --rate "$rate" --concurrency 32 > /dev/null 2>&1
    timed "$name start" "$ideal" "$bin" start "$dir/jobs-$name" --endpoint "$url" --quiet --rate "$rate" --concurrency 32
    timed "$name stop" "$ideal" "$bin" stop "$dir/jobs-$name" --endpoint "$url" --quiet --rate "$rate" --concurrency 32
    timed "$name delete" "$ideal" "$bin" delete "$dir/jobs-$name" --endpoint "$url" --quiet --rate "$rate" --concurrency 32 --yes
    stop_emulator
}
scenario latency100 10 "--latency-ms 100" 100
scenario qps50 20 "--qps 50" 50
