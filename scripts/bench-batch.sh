# Shared by bench-submit.sh and bench-lifecycle.sh (sourced, not run): builds smcplan, makes a
# scratch directory with a 1,000-server account state and a 1,000-row inventory in two waves,
# and starts and stops the emulator on it.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --quiet --bin smcplan
bin=target/release/smcplan
dir=$(mktemp -d)
emulator_pid=
cleanup() { [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
servers = [{"SourceId": "s-bench%08d" % i, "Name": "bench%d" % i, "State": "Available", "SystemDiskSize": 40} for i in range(1000)]
json.dump({"format": "smcplan-account/1", "quota": {"replication_jobs": 100000}, "source_servers": servers,
           "replication_jobs": [], "vswitches": []}, open(f"{d}/state.json", "w"))
with open(f"{d}/inventory.csv", "w") as f:
    f.write("RegionId,SourceId,Name,TargetType,ImageName,SystemDiskSize,Wave\n")
    for i in range(1000):
        f.write(f"cn-hangzhou,s-bench{i:08d},bench-job-{i},Image,img-bench-{i},60,{1 + i // 500}\n")
PY
export ALIBABA_CLOUD_ACCESS_KEY_ID=emulator-key-id ALIBABA_CLOUD_ACCESS_KEY_SECRET=emulator-key-secret

start_emulator() { # "emulator flags": serves the account state; sets $url
    "$bin" emulator --state "$dir/state.json" $1 > "$dir/emulator.out" &
    emulator_pid=$!
    for _ in $(seq 100); do grep -q '^listening on' "$dir/emulator.out" && break; sleep 0.05; done
    url=$(sed -n 's/^listening on //p' "$dir/emulator.out")
}

stop_emulator() {
    kill "$emulator_pid"; wait "$emulator_pid" 2>/dev/null || true; emulator_pid=
}
