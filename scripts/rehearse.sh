#!/usr/bin/env bash
# Rehearses samples/inventory.csv against the built-in emulator: validate, schedule two waves,
# submit, interrupt half-way, resume, start wave 1, watch it finish, delete the batch, and
# draw the batch's page (report.html). The report is left in target/rehearsal/ (override:
# first argument).
set -euo pipefail
cd "$(dirname "$0")/.."
report=${1:-target/rehearsal}
echo "== build smcplan (release; a few minutes the first time)"
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

echo "== schedule the two waves, ten days ahead, 4 migrations at once"
start=$(date -u -d '+10 days' +%Y-%m-%dT20:00:00Z 2>/dev/null || date -u -v+10d +%Y-%m-%dT20:00:00Z)
"$bin" schedule samples/inventory.csv --start "$start" --max-running 4 --out "$report/scheduled.csv"

echo "== submit at 4 requests a second, interrupted after 2.5 s (exit 130 expected)"
"$bin" submit "$report/scheduled.csv" --report "$report/jobs" --endpoint "$url" --rate 4 &
submit=$!
sleep 2.5
kill -INT "$submit"
wait "$submit" && status=0 || status=$?
echo "submit exited $status"

echo "== resume: rows already created are not sent again"
"$bin" submit "$report/scheduled.csv" --report "$report/jobs" --endpoint "$url" --rate 4

echo "== start wave 1, the first two as a canary"
"$bin" start "$report/jobs" --wave 1 --canary 2 --endpoint "$url" --rate 10

echo "== the live view until wave 1 has run (its incremental jobs then wait for their next run; on a terminal it redraws in place)"
"$bin" status "$report/jobs" --watch --wave 1 --interval 0.5 --endpoint "$url"

echo "== roll the batch back: stop what runs, delete every job"
"$bin" delete "$report/jobs" --stop-first --yes --endpoint "$url" --rate 10
echo "== the batch's page: history, results, a chart per wave"
"$bin" report "$report/jobs"
"$bin" report "$report/jobs" --format md | sed -n '/^| wave /,/^$/p'
