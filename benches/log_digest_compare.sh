#!/usr/bin/env bash
# Whole-process comparison for `velo log-digest` on the 1M-line Loghub big file
# (../shared/tools/make_bigfile.py) and its --perturb variant (defeats exact-line caches):
# wall time (best and median of RUNS), lines/s, peak RSS; `grep -c` as the I/O floor; Drain3
# (the anchor, ~48k lines/s) when DRAIN3_PYTHON points at a Python with drain3 installed.
#
#   benches/log_digest_compare.sh
#   RUNS=7 DRAIN3_PYTHON=/tmp/venv/bin/python benches/log_digest_compare.sh
#
# Environment: VELO (default target/release/velo, built if missing), BIG_DIR (where the big
# files are made/reused, default /tmp/velo-log-digest-bench), RUNS (default 5),
# DRAIN3_LINES (lines fed to Drain3, default 200000: it is slow; lines/s is what compares).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="$here"
. "$ROOT/benches/shared_dir.sh"
shared="${SHARED:-$here/../shared}"
VELO="${VELO:-$here/target/release/velo}"
BIG_DIR="${BIG_DIR:-/tmp/velo-log-digest-bench}"
RUNS="${RUNS:-5}"
DRAIN3_LINES="${DRAIN3_LINES:-200000}"
[[ -x "$VELO" ]] || (cd "$here" && cargo build --release --quiet)
mkdir -p "$BIG_DIR"
[[ -f "$BIG_DIR/big.log" ]] || python3 "$shared/tools/make_bigfile.py" --out "$BIG_DIR/big.log"
[[ -f "$BIG_DIR/big-perturbed.log" ]] ||
  python3 "$shared/tools/make_bigfile.py" --out "$BIG_DIR/big-perturbed.log" --perturb

# time_runs NAME LINES CMD... : prints best/median wall seconds, lines/s and peak RSS.
time_runs() {
  local name="$1" lines="$2"; shift 2
  local times=() rss=0 t r
  for _ in $(seq "$RUNS"); do
    # Not /dev/null: GNU grep stops at the first match when it sees output goes nowhere.
    /usr/bin/time -f "%e %M" -o "$BIG_DIR/time.txt" "$@" >"$BIG_DIR/stdout.txt" 2>&1
    read -r t r <"$BIG_DIR/time.txt"
    times+=("$t"); (( r > rss )) && rss=$r
  done
  python3 - "$name" "$lines" "$rss" "${times[@]}" <<'PY'
import statistics, sys
name, lines, rss, *ts = sys.argv[1:]
ts = sorted(float(t) for t in ts); lines = int(lines)
best, med = ts[0], statistics.median(ts)
print(f"{name:34s} best {best:7.3f} s  median {med:7.3f} s  "
      f"{lines / max(best, 1e-9):>12,.0f} lines/s (best)  peak RSS {int(rss) / 1024:6.1f} MiB")
PY
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for f in big.log big-perturbed.log; do
  cat "$BIG_DIR/$f" >/dev/null   # warm the page cache
  n=$(wc -l <"$BIG_DIR/$f")
  time_runs "grep -c ERROR $f" "$n" grep -c ERROR "$BIG_DIR/$f"
  time_runs "velo log-digest $f" "$n" "$VELO" -q log-digest "$BIG_DIR/$f" --format json
  time_runs "velo log-digest $f --assignments" "$n" \
    "$VELO" -q log-digest "$BIG_DIR/$f" --format json --assignments "$BIG_DIR/assign.jsonl"
done
rm -f "$BIG_DIR/assign.jsonl"

if [[ -n "${DRAIN3_PYTHON:-}" ]]; then
  head -n "$DRAIN3_LINES" "$BIG_DIR/big-perturbed.log" >"$BIG_DIR/drain3-input.log"
  cat >"$BIG_DIR/drain3_run.py" <<'PY'
import sys
from drain3 import TemplateMiner
m = TemplateMiner()
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for line in f:
        m.add_log_message(line.rstrip("\n"))
PY
  RUNS=1 time_runs "drain3 (defaults) first $DRAIN3_LINES" "$DRAIN3_LINES" \
    "$DRAIN3_PYTHON" "$BIG_DIR/drain3_run.py" "$BIG_DIR/drain3-input.log"
fi
