#!/usr/bin/env bash
# Credentials benchmark: the chain without a network source (examples/credentials_bench.rs),
# and a 1,000-job submit signed by an assumed role (a RamRoleArn profile against the
# emulator's STS), once with keys that outlive the run and once with keys of a few seconds:
# prints the creates, the AssumeRole calls (credential fetches) and the requests per one.
set -euo pipefail
source "$(dirname "$0")/bench-batch.sh"
cargo run --release --quiet --example credentials_bench -- 200
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET
export HOME="$dir/home"
mkdir -p "$HOME/.aliyun"
role=acs:ram::1234567890:role/migration
for duration in 3600 3; do
    start_emulator "--role $role --sts-duration $duration"
    printf '{"current": "ram", "profiles": [{"name": "ram", "mode": "RamRoleArn", "access_key_id": "emulator-key-id", "access_key_secret": "emulator-key-secret", "ram_role_arn": "%s", "sts_endpoint": "%s"}]}' \
        "$role" "$url" > "$HOME/.aliyun/config.json"
    "$bin" submit "$dir/inventory.csv" --report "$dir/r$duration" --endpoint "$url" --rate 100 --concurrency 32 \
        --quiet --format json > "$dir/out.json" 2>/dev/null || true
    stop_emulator
    python3 - "$duration" "$dir/out.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[2]))["counts"]
n = c["created_in_run"] + c["retries"]
fetches = c["credential_fetches"]
print(f"keys of {sys.argv[1]} s: {c['created']} created, {c['failed']} failed, {fetches} AssumeRole calls, {n / fetches:.0f} requests per AssumeRole")
PY
done
