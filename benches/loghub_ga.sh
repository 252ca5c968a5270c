#!/usr/bin/env bash
# Grouping accuracy (GA) of `velo log-digest` on the Loghub-2k datasets, scored by
# ../shared/tools/loghub_ga.py. Raw .log files in, no per-dataset settings.
#
#   benches/loghub_ga.sh                 # zero-configuration run (the acceptance measurement)
#   benches/loghub_ga.sh --log-format    # with each dataset's Loghub header format (reference)
#   VELO=target/debug/velo benches/loghub_ga.sh
#
# Environment: VELO (binary, default target/release/velo), DATA (default ../shared/data/loghub),
# TOOLS (default ../shared/tools).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
VELO="${VELO:-$here/target/release/velo}"
shared="$here/../shared"
[[ -d "$shared" ]] || shared="$here/../../shared"   # a git worktree one level deeper
DATA="${DATA:-$shared/data/loghub}"
TOOLS="${TOOLS:-$shared/tools}"
with_format=0
[[ "${1:-}" == "--log-format" ]] && with_format=1
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for dir in "$DATA"/*/; do
  ds="$(basename "$dir")"
  log="$dir/${ds}_2k.log"
  [[ -f "$log" ]] || continue
  args=()
  if [[ $with_format == 1 ]]; then
    fmt="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]["log_format"])' \
      "$DATA/drain_benchmark_settings.json" "$ds")"
    args=(--log-format "$fmt")
  fi
  "$VELO" -q log-digest "$log" "${args[@]}" --assignments "$out/$ds.jsonl" --format json >/dev/null
done
python3 "$TOOLS/loghub_ga.py" --truth "$DATA" --pred "$out"
