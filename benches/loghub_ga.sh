#!/usr/bin/env bash
# Grouping accuracy (GA) of `velo log-digest`, scored by ../shared/tools/loghub_ga.py, on
#   * the ten Loghub-2k datasets in ../shared/data/loghub, split into two fixed halves, and
#   * the development half of the formats made by fixtures/log-digest/ecosystem/make_logs.py
#     (known templates; generated at bench time into a temporary folder, nothing is committed
#     but the generator; the held-out half and the metamorphic transforms are in
#     benches/log_digest_generality.sh).
# Each dataset is run twice: with no settings (inference; the figure that counts) and with its
# header format given as --log-format (Loghub's drain_benchmark_settings.json; the ecosystem
# generator writes its own formats file).
#
# Honest method: the halves are fixed here, before looking at any result. A change to the
# miner is developed while watching one half and judged on the other; then the roles swap. A
# change that raises one half and lowers the other is overfitting and is not kept.
#
#   benches/loghub_ga.sh                       # every table
#   VELO=target/debug/velo benches/loghub_ga.sh
#   SETS="A eco" benches/loghub_ga.sh          # only half A and the ecosystem logs
#
# Environment: VELO (binary, default target/release/velo), DATA (default
# ../shared/data/loghub), TOOLS (default ../shared/tools), SETS (any of A B eco, default all).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
VELO="${VELO:-$here/target/release/velo}"
ROOT="$here"
. "$ROOT/benches/shared_dir.sh"
shared="${SHARED:-$here/../shared}"
DATA="${DATA:-$shared/data/loghub}"
TOOLS="${TOOLS:-$shared/tools}"
SETS="${SETS:-A B eco}"

# The split (fixed; alphabetical order, every other dataset).
HALF_A=(Android BGL HPC Spark Windows)
HALF_B=(Apache HDFS Hadoop Thunderbird Zookeeper)

[[ -x "$VELO" ]] || { echo "no binary at $VELO (cargo build --release, or set VELO)" >&2; exit 2; }
if [[ ! -d "$DATA" ]]; then
  echo "skipped: no Loghub data at $DATA (set DATA)" >&2
  SETS="${SETS//A/}"; SETS="${SETS//B/}"
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# run_set NAME DATADIR SETTINGS_JSON DATASET... : one table with GA per dataset, with and
# without --log-format.
run_set() {
  local name="$1" data="$2" settings="$3"; shift 3
  local ds fmt
  for mode in auto format; do
    mkdir -p "$out/$name/$mode"
    for ds in "$@"; do
      local log="$data/$ds/${ds}_2k.log" args=()
      [[ -f "$log" ]] || { echo "missing $log" >&2; exit 2; }
      if [[ $mode == format ]]; then
        fmt="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]["log_format"])' \
          "$settings" "$ds")"
        args=(--log-format "$fmt")
      fi
      "$VELO" -q log-digest "$log" "${args[@]}" --assignments "$out/$name/$mode/$ds.jsonl" \
        --format json >/dev/null
    done
    for ds in "$@"; do
      python3 "$TOOLS/loghub_ga.py" --truth "$data/$ds" --pred "$out/$name/$mode/$ds.jsonl" --json
    done >"$out/$name/$mode.json.txt"
  done
  python3 - "$name" "$out/$name/auto.json.txt" "$out/$name/format.json.txt" <<'PY'
import json, sys
name, auto_f, fmt_f = sys.argv[1:]
def load(f):
    dec, s, i, out = json.JSONDecoder(), open(f).read(), 0, []
    while i < len(s):
        if s[i].isspace():
            i += 1
            continue
        o, i = dec.raw_decode(s, i)
        out.append(o)
    return out
auto, fmt = load(auto_f), load(fmt_f)
print(f"\n## {name}\n")
print("| dataset | GA (inferred header) | GA (--log-format) | groups truth / pred |")
print("|---|---:|---:|---:|")
for a, f in zip(auto, fmt):
    ds = a["dataset"].split("/")[-1].replace("_2k.log_structured.csv", "")
    print(f"| {ds} | {a['GA']:.3f} | {f['GA']:.3f} | {a['truth_groups']} / {a['pred_groups']} |")
ma = sum(a["GA"] for a in auto) / len(auto)
mf = sum(f["GA"] for f in fmt) / len(fmt)
print(f"| **mean** | **{ma:.3f}** | **{mf:.3f}** | |")
PY
}

echo "velo: $VELO"
for s in $SETS; do
  case "$s" in
    A) run_set "Loghub half A" "$DATA" "$DATA/drain_benchmark_settings.json" "${HALF_A[@]}" ;;
    B) run_set "Loghub half B" "$DATA" "$DATA/drain_benchmark_settings.json" "${HALF_B[@]}" ;;
    eco)
      # The development half only: the held-out half is reported by log_digest_generality.sh.
      python3 "$here/fixtures/log-digest/ecosystem/make_logs.py" --out "$out/eco" --half dev >/dev/null
      mapfile -t eco < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))))' \
        "$out/eco/settings.json")
      run_set "Generated formats (development half)" "$out/eco" "$out/eco/settings.json" "${eco[@]}"
      ;;
    *) echo "unknown set $s (A, B or eco)" >&2; exit 2 ;;
  esac
done
