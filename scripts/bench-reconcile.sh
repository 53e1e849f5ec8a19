#!/usr/bin/env bash
# Reconcile benchmark: a 1,000-job batch (20 pages of DescribeReplicationJobs) planned
# against its inventory, and an inventory that changes every row's Description submitted
# (1,000 ModifyReplicationJobAttribute calls, then every job read back), in two settings:
#   1. emulator --latency-ms 100, client --rate 50: the client's limiter sets the pace;
#   2. emulator --qps 50, client --rate 100: the service's limit sets it.
# Prints each time against the ideal (the calls at the pace that binds, nothing else) and
# the calls that failed; run it twice or more to see the spread.
set -euo pipefail
source "$(dirname "$0")/bench-batch.sh"
python3 - "$dir" <<'PY'
import sys
d = sys.argv[1]
with open(f"{d}/moved.csv", "w") as f:
    f.write("RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize,Wave,Description\n")
    for i in range(1000):
        f.write(f"cn-hangzhou,s-bench{i:08d},bench-job-{i},Image,img-bench-{i},60,{1 + i // 500},moved_to_sunday\n")
PY
# The batch, made once at full speed; each scenario starts from a copy of it.
start_emulator "--state-out $dir/made.json"
"$bin" submit "$dir/inventory.csv" --report "$dir/made" --endpoint "$url" --rate 1000 --concurrency 32 --quiet > /dev/null
stop_emulator

timed() { # name ideal_seconds command...: prints the time against the ideal
    local name=$1 ideal=$2; shift 2
    /usr/bin/time -f "%e" -o "$dir/time" "$@" > "$dir/out" 2> "$dir/err" || true
    python3 - "$name" "$ideal" "$(tail -n 1 "$dir/time")" "$dir/out" <<'PY'
import json, sys
name, ideal, wall, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
text = open(out).read()
try:
    data = json.loads(text)
except ValueError:
    data = {}
counts = data.get("counts", {})
said = ""
if "steps" in data:
    said = f"{sum(s['action'] == 'none' for s in data['steps'])} none"
elif counts:
    said = f"{counts.get('updated', 0)} updated, {counts.get('changes_failed', 0)} failed, {counts.get('throttled', 0)} throttled answers"
print(f"{name}: {wall:.2f} s = {wall / ideal:.3f} x the ideal {ideal:.1f} s ({said})")
PY
}

scenario() { # name "emulator flags" rate effective_rate
    local name=$1 eflags=$2 rate=$3 pace=$4
    rm -rf "$dir/b-$name"; cp -r "$dir/made" "$dir/b-$name"
    cp "$dir/made.json" "$dir/state.json"
    start_emulator "$eflags"
    # plan: 20 pages at the default read rate of 10 a second.
    timed "$name plan" 2.0 "$bin" plan "$dir/inventory.csv" --report "$dir/b-$name" --endpoint "$url" --format json
    # submit: the reads before (20 pages) and after (20), then 1,000 updates, at the pace that binds.
    local ideal
    ideal=$(python3 -c "print(1000 / $pace + 2 * 20 / $pace)")
    timed "$name 1000 updates" "$ideal" "$bin" submit "$dir/moved.csv" --report "$dir/b-$name" --endpoint "$url" \
        --rate "$rate" --concurrency 32 --quiet --format json
    stop_emulator
}
scenario latency100 "--latency-ms 100" 50 50
scenario qps50 "--qps 50" 100 50
