#!/usr/bin/env bash
# Output equivalence of two `velo log-digest` binaries, for changes that must not change any
# output (speed work): the `--format json` digest and the `--assignments` file of VELO and
# VELO_BEFORE must be byte-identical on every input:
#   * the shared Loghub-2k sets (../shared/data/loghub/*/*_2k.log);
#   * the development half of the generated formats (make_logs.py --half dev --family all);
#   * the metamorphic transforms of that development half (metamorphic.py, TRANSFORMS);
#   * any extra files given as arguments (the 200k speed files, for instance).
# Never the held-out half: it is not generated here.
#
#   VELO_BEFORE=/tmp/velo-before benches/log_digest_same_output.sh /work/bench/pert200k.log
#
# Environment: VELO (default target/release/velo), VELO_BEFORE (required), OUT (work folder,
# default /tmp/velo-log-digest-same), TRANSFORMS (comma list, default all), LINES (lines per
# generated format, default the generator's).
# Prints one line per differing input and a summary; exits 1 when any input differs.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="$here"
. "$ROOT/benches/shared_dir.sh"
shared="${SHARED:-$here/../shared}"
VELO="${VELO:-$here/target/release/velo}"
: "${VELO_BEFORE:?set VELO_BEFORE to the baseline binary}"
OUT="${OUT:-/tmp/velo-log-digest-same}"
TRANSFORMS="${TRANSFORMS:-all}"
eco="$here/fixtures/log-digest/ecosystem/make_logs.py"
meta="$here/fixtures/log-digest/metamorphic.py"
mkdir -p "$OUT/run"
if [[ ! -d "$OUT/dev" ]]; then
  python3 "$eco" --half dev --family all --out "$OUT/dev" ${LINES:+--lines "$LINES"} >/dev/null
fi
IFS=',' read -r -a tlist <<<"$TRANSFORMS"
if [[ "$TRANSFORMS" == all ]]; then
  tlist=(header:pylog header:loguru header:celery header:klog header:syslog header:json
    vartype:host-ip vartype:num-uuid vartype:list vartype:path-url interleave shuffle bom crlf ansi)
fi
for t in "${tlist[@]}"; do
  d="$OUT/meta/${t//:/_}"
  [[ -d "$d" ]] || python3 "$meta" --src "$OUT/dev" --out "$d" --transform "$t" >/dev/null
done
files=()
[[ -d "$shared/data/loghub" ]] && files+=("$shared"/data/loghub/*/*_2k.log)
while IFS= read -r f; do files+=("$f"); done < <(find "$OUT/dev" "$OUT/meta" -name '*.log' | sort)
files+=("$@")
same=0
diff=0
for f in "${files[@]}"; do
  for side in a b; do
    bin="$VELO"; [[ $side == b ]] && bin="$VELO_BEFORE"
    "$bin" -q log-digest "$f" --format json --assignments "$OUT/run/$side.assign" \
      >"$OUT/run/$side.json" 2>"$OUT/run/$side.err" || echo "exit $? ($side)" >>"$OUT/run/$side.err"
  done
  if cmp -s "$OUT/run/a.json" "$OUT/run/b.json" && cmp -s "$OUT/run/a.assign" "$OUT/run/b.assign" &&
    cmp -s "$OUT/run/a.err" "$OUT/run/b.err"; then
    same=$((same + 1))
  else
    diff=$((diff + 1))
    echo "DIFFERS: $f"
  fi
done
echo "same: $same  differ: $diff  (of ${#files[@]} inputs)"
[[ $diff == 0 ]]
