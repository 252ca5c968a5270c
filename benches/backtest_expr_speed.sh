#!/usr/bin/env bash
# Issue 21's speed acceptance: the 1,530-point sma-cross reference grid on GOOG (fast 5..49,
# slow 10..195:5, fast<slow, commission 0.002) as the built-in and as expressions, whole
# process, interleaved (A, B, A, B, ...) so the machine's load hits both alike. The
# expressions must take at most 1.5x the built-in's time. Uses backtest_interleaved.py.
#
#   benches/backtest_expr_speed.sh [RUNS] [VELO]     (defaults: 15, target/release/velo)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
runs="${1:-15}"
velo="${2:-$here/../target/release/velo}"
data=""
for d in "$here/../../shared/data" "$here/../../../shared/data" /work/shared/data; do
  if [ -f "$d/ohlcv/GOOG.csv" ]; then data="$d"; break; fi
done
if [ -z "$data" ]; then
  echo "skip: no shared/data/ohlcv/GOOG.csv beside or above the repository" >&2
  exit 0
fi
goog="$data/ohlcv/GOOG.csv"
grid=(--grid fast=5..49 --grid slow=10..195:5 --constraint 'fast<slow' --commission 0.002 --top 0 --format json)
jobs=(--jobs "${JOBS:-1}")
echo "velo: $velo; $runs interleaved runs each; GOOG; 1,530 points; --jobs ${JOBS:-1}"
python3 "$here/backtest_interleaved.py" "$runs" \
  -- "$velo" backtest "$goog" --strategy sma-cross "${grid[@]}" "${jobs[@]}" \
  -- "$velo" backtest "$goog" --entry 'crosses_above(sma(close, $fast), sma(close, $slow))' \
     --short-entry 'crosses_below(sma(close, $fast), sma(close, $slow))' "${grid[@]}" "${jobs[@]}" \
  | tee /dev/stderr | python3 -c '
import re, sys
lines = sys.stdin.read().splitlines()
cpu = [float(re.search(r"CPU median ([0-9.]+) ms", l).group(1)) for l in lines]
wall = [float(re.search(r"wall median ([0-9.]+) ms", l).group(1)) for l in lines]
print(f"expressions / built-in: wall {wall[1] / wall[0]:.2f}x, CPU {cpu[1] / cpu[0]:.2f}x (acceptance: <= 1.5x)")
'
