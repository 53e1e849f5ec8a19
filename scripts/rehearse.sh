#!/usr/bin/env bash
# Rehearses samples/inventory.csv against the built-in emulator: validate, submit, interrupt
# half-way, resume, status. The report is left in target/rehearsal/ (override: first argument).
set -euo pipefail
cd "$(dirname "$0")/.."
report=${1:-target/rehearsal}
cargo build --release --quiet --bin smcplan
bin=target/release/smcplan
rm -rf "$report" && mkdir -p "$report"

echo "== start the emulator (the sample account; jobs run an hour a second)"
"$bin" emulator --time-scale 3600 --state-out "$report/emulator-state.json" > "$report/emulator.out" &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '^listening on' "$report/emulator.out" && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$report/emulator.out")
echo "listening on $url"
export ALIBABA_CLOUD_ACCESS_KEY_ID=emulator-key-id ALIBABA_CLOUD_ACCESS_KEY_SECRET=emulator-key-secret
unset ALIBABA_CLOUD_PROFILE ALIBABA_CLOUD_SECURITY_TOKEN

echo "== validate against the account state"
"$bin" validate samples/inventory.csv --account samples/account.json | tail -n 1

echo "== submit at 4 requests a second, interrupted after 2.5 s (exit 130 expected)"
"$bin" submit samples/inventory.csv --report "$report/jobs" --endpoint "$url" --rate 4 &
submit=$!
sleep 2.5
kill -INT "$submit"
wait "$submit" && status=0 || status=$?
echo "submit exited $status"

echo "== resume: rows already created are not sent again"
"$bin" submit samples/inventory.csv --report "$report/jobs" --endpoint "$url" --rate 4

echo "== status"
"$bin" status "$report/jobs" --endpoint "$url"
echo "report: $report/jobs/report.csv"
