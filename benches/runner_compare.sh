#!/usr/bin/env bash
# Compares `velo test-timeout-runner` with the anchors named in issue #3:
#   1. wrapping overhead on `true` and `python3 -c pass`: bare vs `timeout 10 CMD` vs
#      `velo test-timeout-runner -- CMD` (goal: within 1 ms of GNU timeout's own overhead);
#   2. pytest mode per-test overhead on ~1,000 quick generated tests vs plain pytest (goal ≤ 3%);
#   3. a suite with 3 hanging tests and --test-timeout 5s finishing within 3×5 s + 5 s.
# Needs hyperfine (apt-get install hyperfine) and a python with pytest (PYTHON=…, default python3).
# Usage: benches/runner_compare.sh [path/to/velo]   (default: target/release/velo, built if missing)
# Settings: RUNS (per round, default 200), PY_RUNS (the same for `python3 -c pass`, default RUNS;
# 0 skips it),
# ROUNDS (default 5), PARTS (default 123: which of the three comparisons to run), PYTHON,
# VELO_BEFORE=path/to/other/velo to time a second build in the same interleaved rounds (an A/B:
# e.g. one built from an older commit in a `git worktree`).
set -euo pipefail
cd "$(dirname "$0")/.."
VELO=${1:-target/release/velo}
PYTHON=${PYTHON:-python3}
[ -x "$VELO" ] || cargo build --release --quiet
VELO=$(realpath "$VELO")
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install hyperfine" >&2; exit 2; }
PARTS=${PARTS:-123}
if [[ $PARTS == *2* || $PARTS == *3* ]]; then
  "$PYTHON" -c 'import pytest' || { echo "$PYTHON has no pytest: set PYTHON=/path/to/venv/bin/python" >&2; exit 2; }
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
RUNS=${RUNS:-200}
ROUNDS=${ROUNDS:-5}

# Timings on a small VM drift by more than the differences measured here, so each comparison
# runs in ROUNDS interleaved rounds (bare, timeout, velo, bare, timeout, velo, ...) of RUNS runs
# and the overheads are computed per round, from the means and from the medians.
overhead() { # $1: label; $2: command to wrap (a single word or a quoted command line)
  local name=$1 cmd=$2
  local before=()
  if [ -n "${VELO_BEFORE:-}" ]; then
    before=(-n 'velo before' "$(realpath "$VELO_BEFORE") test-timeout-runner -- $cmd")
  fi
  for r in $(seq 1 "$ROUNDS"); do
    hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$WORK/$name.$r.json" \
      -n bare "$cmd" \
      -n 'GNU timeout' "timeout 10 $cmd" \
      -n velo "$VELO test-timeout-runner -- $cmd" \
      "${before[@]}" >/dev/null
  done
  python3 - "$WORK" "$name" "$ROUNDS" <<'PY'
import json, statistics as st, sys
work, name, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = {"bare": [], "GNU timeout": [], "velo": [], "velo before": []}
for r in range(1, rounds + 1):
    for res in json.load(open(f"{work}/{name}.{r}.json"))["results"]:
        rows[res["command"]].append(res)
ms = lambda x: f"{x * 1000:.2f}"
print(f"| {name}: {rounds} rounds x {rows['bare'][0]['times'].__len__()} runs | mean [ms] | median [ms] | min [ms] | overhead vs bare, mean (per-round range) | overhead vs bare, median |")
print("|:---|---:|---:|---:|---:|---:|")
for cmd, res in rows.items():
    if not res:
        continue
    times = [t for r in res for t in r["times"]]
    over = [r["mean"] - b["mean"] for r, b in zip(res, rows["bare"])]
    over_med = [r["median"] - b["median"] for r, b in zip(res, rows["bare"])]
    o = "" if cmd == "bare" else f"+{ms(st.mean(over))} ({ms(min(over))} to {ms(max(over))})"
    om = "" if cmd == "bare" else f"+{ms(st.mean(over_med))}"
    print(f"| `{cmd}` | {ms(st.mean(times))} | {ms(st.median(times))} | {ms(min(times))} | {o} | {om} |")
PY
}

if [[ $PARTS == *1* ]]; then
echo "== 1. wrapping overhead (load: $(cut -d' ' -f1-3 /proc/loadavg); goal: within 1 ms of GNU timeout's own)"
overhead true true
if [ "${PY_RUNS:-$RUNS}" != 0 ]; then
  RUNS=${PY_RUNS:-$RUNS} overhead 'python3 -c pass' "$PYTHON -c pass"
fi
fi

if [[ $PARTS == *2* ]]; then
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

fi
if [[ $PARTS == *3* ]]; then
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
fi
