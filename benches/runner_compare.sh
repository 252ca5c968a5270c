#!/usr/bin/env bash
# Compares `velo test-timeout-runner` with the anchors named in issue #3:
#   1. wrapping overhead on `true` and `python3 -c pass`: bare vs GNU timeout vs velo (goal: velo
#      adds at most 1.5 ms over bare);
#   2. pytest mode per-test overhead on ~1,000 quick generated tests vs plain pytest (goal ≤ 3%);
#   3. a suite with 3 hanging tests and --test-timeout 5s finishing within 3×5 s + 5 s.
# Needs hyperfine (apt-get install hyperfine) and a python with pytest (PYTHON=…, default python3).
# Usage: benches/runner_compare.sh [path/to/velo]   (default: target/release/velo, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
VELO=${1:-target/release/velo}
PYTHON=${PYTHON:-python3}
[ -x "$VELO" ] || cargo build --release --quiet
VELO=$(realpath "$VELO")
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install hyperfine" >&2; exit 2; }
"$PYTHON" -c 'import pytest' || { echo "$PYTHON has no pytest: set PYTHON=/path/to/venv/bin/python" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
RUNS=${RUNS:-200}

echo "== 1. wrapping overhead ($RUNS runs each; load: $(cut -d' ' -f1-3 /proc/loadavg))"
hyperfine -N --warmup 20 --runs "$RUNS" --export-markdown "$WORK/true.md" \
  -n bare 'true' \
  -n 'GNU timeout' 'timeout 60 true' \
  -n velo "$VELO test-timeout-runner --timeout 60s -- true"
cat "$WORK/true.md"
hyperfine -N --warmup 5 --runs "$((RUNS / 4))" --export-markdown "$WORK/py.md" \
  -n bare "$PYTHON -c pass" \
  -n 'GNU timeout' "timeout 60 $PYTHON -c pass" \
  -n velo "$VELO test-timeout-runner --timeout 60s -- $PYTHON -c pass"
cat "$WORK/py.md"

echo "== 2. pytest mode on 1,000 quick tests"
mkdir -p "$WORK/quick"
for f in $(seq 1 10); do
  for t in $(seq 1 100); do
    printf 'def test_%d():\n    assert %d + 1 > %d\n\n' "$t" "$t" "$t"
  done > "$WORK/quick/test_gen_$f.py"
done
(cd "$WORK/quick" && hyperfine --warmup 1 --runs "${PYTEST_RUNS:-10}" --export-markdown "$WORK/pytest.md" \
  -n 'plain pytest' "$PYTHON -m pytest -q -p no:cacheprovider" \
  -n 'velo pytest mode' "$VELO test-timeout-runner --test-timeout 30s --format json -- $PYTHON -m pytest -q -p no:cacheprovider" ) || true
cat "$WORK/pytest.md"

echo "== 3. three hanging tests, --test-timeout 5s (goal: under 20 s)"
mkdir -p "$WORK/hangs"
cat > "$WORK/hangs/test_hangs.py" <<'PY'
import subprocess, sys, time

def test_quick_1(): pass
def test_sleep_forever(): time.sleep(3600)
def test_quick_2(): pass
def test_blocked_on_child(): subprocess.run([sys.executable, "-c", "import time; time.sleep(3600)"])
def test_quick_3(): pass
def test_busy_loop():
    while True: pass
def test_quick_4(): pass
PY
start=$(date +%s.%N)
(cd "$WORK/hangs" && "$VELO" test-timeout-runner --test-timeout 5s -- "$PYTHON" -m pytest -q -p no:cacheprovider) || true
end=$(date +%s.%N)
echo "wall time: $(echo "$end - $start" | bc) s"
