#!/usr/bin/env bash
# velo scan against the Python incumbents on the make_universe.py universe (5,000 symbols x
# 2,520 bars, seed 42), warm page cache, whole process:
#   1. end to end `velo scan` (default threads and --jobs 1), hyperfine when installed;
#   2. peak RSS (/usr/bin/time -v);
#   3. planted breakouts (MANIFEST.json) found in the top results, and determinism across --jobs;
#   4. indicator compute with the data in memory (criterion, TA-Lib anchor work);
#   5. the Python side: ../shared/tools/bench_anchors.py scan (pandas read, TA-Lib, pandas).
#
# Usage: benches/scan_compare.sh [UNIVERSE_DIR]
# Env:   VENV (default /tmp/venv-scan; created with numpy pandas ta-lib when missing),
#        RUNS (default 7), SKIP_PYTHON=1 to skip step 5.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/benches/shared_dir.sh"
[ -n "$SHARED" ] || { echo "cannot find shared/tools beside the repository" >&2; exit 2; }
UNI=${1:-/tmp/velo-universe-5000x2520}
VENV=${VENV:-/tmp/venv-scan}
RUNS=${RUNS:-7}
VELO="$ROOT/target/release/velo"

say() { printf '\n== %s\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV (numpy, pandas, ta-lib)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q numpy pandas ta-lib
fi
if [ ! -f "$UNI/MANIFEST.json" ]; then
    say "generating the universe in $UNI"
    "$VENV/bin/python" "$SHARED/tools/make_universe.py" --symbols 5000 --bars 2520 --seed 42 --out "$UNI"
fi

say "building"
(cd "$ROOT" && cargo build --release -q)

say "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$UNI"/*.csv > /dev/null  # warm the page cache

say "end to end: velo scan $UNI"
if command -v hyperfine > /dev/null; then
    hyperfine --warmup 1 --runs "$RUNS" -N \
        "$VELO scan $UNI --format json" \
        "$VELO scan $UNI --format json --jobs 1"
else
    for jobs in 0 1; do
        args=(scan "$UNI" --format json); [ "$jobs" = 1 ] && args+=(--jobs 1)
        for _ in $(seq "$RUNS"); do
            /usr/bin/time -f "%e s" "$VELO" "${args[@]}" > /dev/null
        done 2>&1 | sort -n | awk -v j="$jobs" '{a[NR]=$1} END {print "jobs=" (j==0?"default":j) ": best " a[1] " s, median " a[int((NR+1)/2)] " s"}'
    done
fi

say "peak RSS"
/usr/bin/time -v "$VELO" scan "$UNI" --format json 2>&1 > /dev/null | grep -E "Maximum resident|Elapsed"

say "planted breakouts and determinism"
"$VELO" scan "$UNI" --format json --top 0 > /tmp/velo-scan-a.json
"$VELO" scan "$UNI" --format json --top 0 --jobs 1 > /tmp/velo-scan-b.json
"$VELO" scan "$UNI" --format json --top 0 --jobs 2 > /tmp/velo-scan-c.json
cmp /tmp/velo-scan-a.json /tmp/velo-scan-b.json && cmp /tmp/velo-scan-a.json /tmp/velo-scan-c.json \
    && echo "identical output with default threads, --jobs 1 and --jobs 2"
python3 - "$UNI/MANIFEST.json" /tmp/velo-scan-a.json <<'PY'
import json, sys
planted = json.load(open(sys.argv[1]))["planted_breakouts"]
ranked = [r["symbol"] for r in json.load(open(sys.argv[2]))["results"]]
ranks = sorted(ranked.index(p) + 1 if p in ranked else None for p in planted)
missing = [p for p in planted if p not in ranked]
print(f"{len(planted)} planted; all found: {not missing}; worst rank {max(r for r in ranks if r)} of {len(ranked)} signals")
PY

say "indicator compute in memory (TA-Lib anchor work: SMA20, ATR14, BBANDS20, RSI14, volume SMA20)"
(cd "$ROOT" && VELO_BENCH_UNIVERSE="$UNI" cargo bench -q --bench indicators -- talib_anchor_work 2>&1 | grep -E "talib_anchor|time:|thrpt:")

if [ "${SKIP_PYTHON:-0}" != 1 ]; then
    say "Python incumbents (bench_anchors.py scan)"
    "$VENV/bin/python" "$SHARED/tools/bench_anchors.py" scan --dir "$UNI" --repeat 5 --read-repeat 3
fi
say "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
