#!/usr/bin/env bash
# Report benchmark: the report of a 1,000-job weekend (journal read, story told, report.json,
# report.csv and report.html written; examples/report_bench.rs), then the page rendered by
# headless Chromium against an empty page, in alternation: the difference is what the page
# costs the browser to its first paint (parse, style, layout, paint).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-browser.sh
runs=${1:-7}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo run --release --quiet --example report_bench -- 1000 "$runs" "$dir/jobs" | head -n 1
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome)
echo '<!DOCTYPE html><title>blank</title>' > "$dir/blank.html"
shot() {
    local start end
    start=$(date +%s.%N)
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --user-data-dir="$dir/profile" --window-size=1280,1000 --screenshot="$dir/shot.png" "file://$1" 2> /dev/null
    end=$(date +%s.%N)
    awk "BEGIN { print $end - $start }"
}
page=() blank=()
for _ in $(seq "$runs"); do
    blank+=("$(shot "$dir/blank.html")")
    page+=("$(shot "$dir/jobs/report.html")")
done
python3 - "${blank[*]}" "${page[*]}" <<'PY'
import statistics, sys
blank = [float(x) for x in sys.argv[1].split()]
page = [float(x) for x in sys.argv[2].split()]
diffs = sorted(p - b for p, b in zip(page, blank))
print(f"browser: empty page {statistics.median(blank):.3f} s, report {statistics.median(page):.3f} s (medians of {len(page)}, alternated); "
      f"the report's own cost to first paint {statistics.median(diffs):.3f} s (spread {diffs[0]:.3f} to {diffs[-1]:.3f} s)")
PY
