#!/usr/bin/env bash
# Throughput and memory of `velo log-digest`, a baseline binary beside the current one, runs
# interleaved (A B A B ...) so machine load hits both alike:
#   * lines/s on the 1M-line Loghub big file and its --perturb variant
#     (../shared/tools/make_bigfile.py; targets: 2,000,000 and 1,000,000 lines/s);
#   * peak RSS on a 10M-line perturbed file, without --assignments (target: at most 100 MiB).
#
#   VELO_BEFORE=/tmp/velo-before benches/log_digest_speed.sh
#   RUNS=7 BIG_LINES=10000000 benches/log_digest_speed.sh
#
# Environment: VELO (default target/release/velo; `cargo build --release` first), VELO_BEFORE
# (optional baseline binary), BIG_DIR (where the files are made/reused, default
# /tmp/velo-log-digest-bench), RUNS (default 5), BIG_LINES (lines of the memory file, default
# 10000000; 0 skips it).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="$here"
. "$ROOT/benches/shared_dir.sh"
shared="${SHARED:-$here/../shared}"
VELO="${VELO:-$here/target/release/velo}"
BIG_DIR="${BIG_DIR:-/tmp/velo-log-digest-bench}"
RUNS="${RUNS:-5}"
BIG_LINES="${BIG_LINES:-10000000}"
[[ -x "$VELO" ]] || { echo "no binary at $VELO (cargo build --release, or set VELO)" >&2; exit 2; }
[[ -d "$shared/tools" ]] || { echo "skipped: no ../shared/tools (make_bigfile.py)" >&2; exit 0; }
mkdir -p "$BIG_DIR"
make() { [[ -f "$BIG_DIR/$1" ]] || python3 "$shared/tools/make_bigfile.py" --out "$BIG_DIR/$1" "${@:2}"; }
make big.log
make big-perturbed.log --perturb
[[ "$BIG_LINES" == 0 ]] || make "big-$BIG_LINES.log" --perturb --lines "$BIG_LINES"

bins=("after=$VELO")
[[ -n "${VELO_BEFORE:-}" ]] && bins=("before=$VELO_BEFORE" "${bins[@]}")

# measure FILE LINES RUNS: for each binary, wall seconds of every run and the peak RSS.
measure() {
  local file="$1" lines="$2" runs="$3" res="$BIG_DIR/res.txt"
  : >"$res"
  cat "$BIG_DIR/$file" >/dev/null   # warm the page cache
  for _ in $(seq "$runs"); do
    for b in "${bins[@]}"; do
      /usr/bin/time -f "%e %M" -o "$BIG_DIR/time.txt" \
        "${b#*=}" -q log-digest "$BIG_DIR/$file" --format json >"$BIG_DIR/out.json"
      echo "${b%%=*} $(cat "$BIG_DIR/time.txt")" >>"$res"
    done
  done
  python3 - "$file" "$lines" "$res" <<'PY'
import collections, statistics, sys
file, lines, res = sys.argv[1], int(sys.argv[2]), sys.argv[3]
t, rss = collections.defaultdict(list), collections.defaultdict(int)
for row in open(res):
    name, secs, kb = row.split()
    t[name].append(float(secs)); rss[name] = max(rss[name], int(kb))
for name in t:
    best, med = min(t[name]), statistics.median(t[name])
    print(f"| {file} | {name} | {best:.3f} | {med:.3f} | {lines / best:,.0f} | "
          f"{lines / med:,.0f} | {rss[name] / 1024:.1f} |")
PY
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); runs: $RUNS, interleaved"
echo
echo "| file | binary | best s | median s | lines/s (best) | lines/s (median) | peak RSS MiB |"
echo "|---|---|---:|---:|---:|---:|---:|"
measure big.log 1000000 "$RUNS"
measure big-perturbed.log 1000000 "$RUNS"
[[ "$BIG_LINES" == 0 ]] || measure "big-$BIG_LINES.log" "$BIG_LINES" 1
