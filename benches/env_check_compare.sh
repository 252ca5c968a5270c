#!/usr/bin/env bash
# Whole-process comparison of `velo env-check` with dotenv-linter 4.0.0 on generated inputs:
# a 10,000-line .env (keys in random order), a 1,000,000-line .env, and a folder of 200 .env
# files of 50 lines. Uses hyperfine when installed, else a simple timing loop.
#
#   cargo build --release
#   cargo install --root /tmp/dl dotenv-linter --version 4.0.0 --locked   # optional
#   VELO=target/release/velo DOTENV_LINTER=/tmp/dl/bin/dotenv-linter benches/env_check_compare.sh
set -euo pipefail

VELO=${VELO:-target/release/velo}
DOTENV_LINTER=${DOTENV_LINTER:-$(command -v dotenv-linter || true)}
RUNS=${RUNS:-10}
export DOTENV_LINTER_SKIP_UPDATES=true

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# N lines of KEY=value with keys in random order (what makes dotenv-linter's order check slow).
gen() {
  awk -v n="$1" -v seed="$2" 'BEGIN {
    srand(seed);
    for (i = 0; i < n; i++) {
      k = sprintf("KEY_%08X_%d", int(rand() * 4294967295), i);
      if (i % 10 == 0) print "# comment " i;
      else if (i % 10 == 1) printf "%s=\"quoted value %d\"\n", k, i;
      else if (i % 10 == 2) printf "%s=https://api.example.com/v1?x=%d\n", k, i;
      else printf "%s=value%d\n", k, i;
    }
  }'
}

mkdir -p "$work/s50" "$work/k10" "$work/m1" "$work/many"
gen 50 7 > "$work/s50/.env"
gen 10000 1 > "$work/k10/.env"
gen 1000000 2 > "$work/m1/.env"
for i in $(seq 1 200); do gen 50 "$((i + 10))" > "$work/many/$i.env"; done
many_args=()
for i in $(seq 1 200); do many_args+=(--env-file "$i.env"); done

echo "velo: $($VELO --version)"
if [[ -n "$DOTENV_LINTER" ]]; then echo "dotenv-linter: $($DOTENV_LINTER --version)"; fi
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

bench() { # name dir velo-args... -- linter-args...
  local name=$1 dir=$2; shift 2
  local velo_cmd=() linter_cmd=() seen=0
  for a in "$@"; do
    if [[ $a == "--" ]]; then seen=1; continue; fi
    if [[ $seen == 0 ]]; then velo_cmd+=("$a"); else linter_cmd+=("$a"); fi
  done
  echo "== $name"
  if command -v hyperfine >/dev/null; then
    # No shell in between (-N): a 50-line run takes about as long as starting a shell.
    local cmds=(-n velo "$VELO env-check --fail-on never ${velo_cmd[*]}")
    if [[ -n "$DOTENV_LINTER" && ${WITH_LINTER:-1} == 1 ]]; then
      cmds+=(-n dotenv-linter "$DOTENV_LINTER --plain check ${linter_cmd[*]}")
    fi
    (cd "$dir" && hyperfine -N -i --warmup 3 --runs "$RUNS" "${cmds[@]}")
  else
    local start end
    start=$(date +%s%N)
    for _ in $(seq "$RUNS"); do (cd "$dir" && $VELO env-check --fail-on never "${velo_cmd[@]}" >/dev/null); done
    end=$(date +%s%N)
    echo "velo: $(((end - start) / RUNS / 1000000)) ms mean"
    if [[ -n "$DOTENV_LINTER" && ${WITH_LINTER:-1} == 1 ]]; then
      start=$(date +%s%N)
      for _ in $(seq "$RUNS"); do (cd "$dir" && $DOTENV_LINTER --plain check "${linter_cmd[@]}" >/dev/null || true); done
      end=$(date +%s%N)
      echo "dotenv-linter: $(((end - start) / RUNS / 1000000)) ms mean"
    fi
  fi
}

VELO=$(realpath "$VELO")
[[ -n "$DOTENV_LINTER" ]] && DOTENV_LINTER=$(realpath "$DOTENV_LINTER")
RUNS=${RUNS_SMALL:-100} bench "50 lines (process start dominates)" "$work/s50" -- .env
bench "10,000 lines, random key order" "$work/k10" -- .env
# dotenv-linter's order check is quadratic: on a million lines it runs for hours, so it is left
# out here unless LINTER_1M=1.
WITH_LINTER=${LINTER_1M:-0} RUNS=${RUNS_1M:-3} bench "1,000,000 lines" "$work/m1" -- .env
bench "200 files x 50 lines" "$work/many" "${many_args[@]}" -- .
