#!/usr/bin/env bash
# The CSV reader choice (issue 10): velo's hand-written reader against the `csv` crate (one
# reused ByteRecord), on the 5,000-symbol universe of make_universe.py (5,000 x 2,520 bars,
# seed 42, 655 MB), warm page cache:
#   1. benches/csv_reader.rs: both readers in the same process, interleaved rounds, one thread:
#      read + parse + validate every file, and the same plus scoring the last bar (end to end);
#   2. the whole `velo scan` of the universe (hyperfine), for the README's end-to-end figure.
# Usage: benches/csv_compare.sh [UNIVERSE_DIR]   (default /tmp/velo-universe-5000x2520)
# Env: VENV (default /tmp/venv-universe, created with numpy when missing), ROUNDS (default 5),
#      RUNS (hyperfine runs, default 10).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
UNI=${1:-/tmp/velo-universe-5000x2520}
VENV=${VENV:-/tmp/venv-universe}
ROUNDS=${ROUNDS:-5}
RUNS=${RUNS:-10}
. "$ROOT/benches/shared_dir.sh"
if [ ! -f "$UNI/MANIFEST.json" ]; then
    [ -n "$SHARED" ] || { echo "skipped: no universe in $UNI and no shared/tools/make_universe.py beside the repository" >&2; exit 0; }
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q numpy
    fi
    "$VENV/bin/python" "$SHARED/tools/make_universe.py" --symbols 5000 --bars 2520 --seed 42 --out "$UNI"
fi
cd "$ROOT"
echo "== 1. readers side by side (load: $(cut -d' ' -f1-3 /proc/loadavg))"
cargo bench --quiet --bench csv_reader -- "$UNI" "$ROUNDS"
echo
echo "== 2. velo scan, end to end (default threads)"
cargo build --release --quiet
if command -v hyperfine >/dev/null; then
    hyperfine --warmup 1 --runs "$RUNS" -N "target/release/velo scan $UNI --format json"
else
    time target/release/velo scan "$UNI" --format json >/dev/null
fi
