#!/usr/bin/env bash
# The backtest engine against its anchor in one interleaved run: ROUNDS times, criterion's
# "whole backtest" of one SmaCross(10,20) GOOG run (data in memory, wall and thread CPU time),
# then backtesting.py's Backtest.run of the same backtest (../shared/tools/bench_anchors.py
# btpy_single, in-process, imports excluded). Each round prints both medians and their ratio,
# so a load change hits both sides of a round alike; the last line gives the median ratio.
#
# Usage: benches/backtest_engine_vs_anchor.sh
# Env:   VENV (default /tmp/btvenv: pandas, numpy, backtesting==0.6.6), ROUNDS (default 5),
#        CARGO_TARGET_DIR (as for cargo).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/benches/shared_dir.sh"
[ -n "$SHARED" ] || { echo "needs ../shared/tools/bench_anchors.py beside the repository" >&2; exit 2; }
VENV=${VENV:-/tmp/btvenv}
ROUNDS=${ROUNDS:-5}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q pandas numpy backtesting==0.6.6
fi

cd "$ROOT"
cargo bench --bench backtest --no-run -q 2>/dev/null
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
ratios=()
for r in $(seq "$ROUNDS"); do
    # bencher format: "test <name> ... bench: <ns> ns/iter (+/- <ns>)"
    out=$(cargo bench --bench backtest -q -- --output-format bencher --warm-up-time 1 \
        --measurement-time 4 "sma_cross_10_20/whole backtest" 2>/dev/null)
    wall=$(awk '/^test goog_sma_cross_10_20\/whole/ {gsub(",", "", $(NF-3)); print $(NF-3)}' <<<"$out")
    cpu=$(awk '/^test cpu_goog_sma_cross_10_20\/whole/ {gsub(",", "", $(NF-3)); print $(NF-3)}' <<<"$out")
    py=$("$VENV/bin/python" "$SHARED/tools/bench_anchors.py" btpy_single --repeat 7 |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"]["median"])')
    ratio=$(python3 -c "print(f'{$py * 1e9 / $wall:.0f}')")
    ratios+=("$ratio")
    python3 -c "print(f'round $r: velo {$wall / 1e3:.1f} µs wall, {$cpu / 1e3:.1f} µs CPU; backtesting.py {$py * 1e3:.1f} ms; {$ratio}x (anchor 25.9 ms: {25.9e6 / $wall:.0f}x); load $(cut -d' ' -f1 /proc/loadavg)')"
done
joined=$(IFS=,; echo "${ratios[*]}")
python3 -c "import statistics; print(f'median ratio over $ROUNDS rounds: {statistics.median([$joined]):.0f}x')"
