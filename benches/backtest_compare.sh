#!/usr/bin/env bash
# velo backtest against the Python incumbents, whole process, on GOOG (2,148 daily bars):
#   1. one SmaCross(10,20) backtest, CSV read + JSON stats, whole process (hyperfine);
#   2. the 1,530-point reference grid with full statistics (--top 0 --format json), default
#      threads and --jobs 1;
#   3. the cost of the timeout machinery: the same grid with and without --timeout-per,
#      interleaved A/B runs (benches/backtest_interleaved.py), CPU time compared;
#   4. peak RSS of a 1,000,000-point sweep (--top 20, results not kept), /usr/bin/time -v;
#   5. the Python side: ../shared/tools/bench_anchors.py btpy_single, btpy_grid, vbt_grid
#      (in-process, imports excluded, as TIMING_ANCHORS.md).
#
# Usage: benches/backtest_compare.sh
# Env:   VENV (default /tmp/btvenv; created with pandas numpy backtesting==0.6.6 vectorbt ta-lib
#        when missing), RUNS (default 20), SKIP_PYTHON=1, SKIP_MILLION=1.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/benches/shared_dir.sh"
VENV=${VENV:-/tmp/btvenv}
RUNS=${RUNS:-20}
VELO="$ROOT/target/release/velo"
GOOG="$ROOT/fixtures/backtest/GOOG.csv"
SMA=(backtest "$GOOG" --strategy sma-cross --commission 0.002)
GRID=(--grid fast=5..49:1 --grid slow=10..195:5 --constraint "fast<slow")

say() { printf '\n== %s\n' "$*"; }

say "building"
(cd "$ROOT" && cargo build --release -q)
say "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

say "1. one backtest, whole process (CSV read, backtest, JSON stats)"
hyperfine -N --warmup 3 --runs "$RUNS" --export-json /tmp/bt_single.json \
    "$VELO ${SMA[*]} --format json"

say "2. the 1,530-point grid with full statistics, whole process"
hyperfine -N --warmup 1 --runs "$RUNS" --export-json /tmp/bt_grid.json \
    "$VELO ${SMA[*]} ${GRID[*]} --top 0 --format json" \
    "$VELO ${SMA[*]} ${GRID[*]} --top 0 --format json --jobs 1"

say "3. timeout machinery: the grid with and without --timeout-per (interleaved A/B runs)"
python3 "$ROOT/benches/backtest_interleaved.py" "$RUNS" \
    -- "$VELO" "${SMA[@]}" "${GRID[@]}" --top 0 --format json --jobs 1 \
    -- "$VELO" "${SMA[@]}" "${GRID[@]}" --top 0 --format json --jobs 1 --timeout-per 10s

if [ -z "${SKIP_MILLION:-}" ]; then
    say "4. peak memory of a 1,000,000-point sweep (fast=1..1000 x slow=1..1000, --top 20)"
    /usr/bin/time -v "$VELO" "${SMA[@]}" --grid fast=1..1000 --grid slow=1..1000 \
        --top 20 --format json 2>/tmp/bt_million.time > /tmp/bt_million.json
    grep -E "Maximum resident|Elapsed|User time|System time" /tmp/bt_million.time
    python3 -c "import json; s=json.load(open('/tmp/bt_million.json'))['summary']; print('summary:', s)"
fi

if [ -z "${SKIP_PYTHON:-}" ] && [ -n "$SHARED" ]; then
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating $VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q pandas numpy backtesting==0.6.6 ta-lib vectorbt
    fi
    say "5. Python anchors (in-process, imports excluded)"
    "$VENV/bin/python" "$SHARED/tools/bench_anchors.py" btpy_single --repeat 7
    "$VENV/bin/python" "$SHARED/tools/bench_anchors.py" vbt_grid --repeat 5
    "$VENV/bin/python" "$SHARED/tools/bench_anchors.py" btpy_grid --repeat 1
fi
