#!/usr/bin/env bash
# Generality of `velo log-digest` on logs it was not developed on (issue 20): one table of
#   * grouping accuracy (GA, ../shared/tools/loghub_ga.py) and error/warning counts against
#     the truth, on the generated formats of fixtures/log-digest/ecosystem/make_logs.py
#     (development half and held-out half), the ten shared Loghub-2k sets, and optionally
#     more Loghub sets given with EXTRA;
#   * the GA drop under each metamorphic transform (fixtures/log-digest/metamorphic.py:
#     header rewrites, value-type swaps, interleaving, shuffling, BOM, CRLF, ANSI colour) of
#     the Loghub sets and of both generated halves.
# Generated and transformed data live in a temporary folder; nothing is written to the
# repository (the Loghub files are research-only data).
#
#   benches/log_digest_generality.sh                    # builds velo (release) and runs it all
#   VELO=target/release/velo SETS="dev held" benches/log_digest_generality.sh
#   EXTRA=/tmp/loghub-extra JSON_OUT=/tmp/generality.json benches/log_digest_generality.sh
#   TRANSFORMS=header:pylog,shuffle META_ON=loghub benches/log_digest_generality.sh
#
# Environment: VELO (binary; default: `cargo build --release` then target/release/velo), SETS
# (any of dev held loghub extra headers meta; default all), EXTRA (folder of extra Loghub-2k sets with
# an optional settings.json of header formats), TRANSFORMS (comma list, default all), META_ON
# (which sets to transform, default "loghub dev held"), WORK (scratch folder, default a
# temporary one, removed at the end unless KEEP=1), JSON_OUT (write every figure as JSON).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="$here"
. "$ROOT/benches/shared_dir.sh"
if [[ -z "${VELO:-}" ]]; then
  (cd "$here" && cargo build --release --quiet)
  VELO="$here/target/release/velo"
fi
[[ -x "$VELO" ]] || { echo "no binary at $VELO (cargo build --release, or set VELO)" >&2; exit 2; }
if [[ -z "$SHARED" || ! -f "$SHARED/tools/loghub_ga.py" ]]; then
  echo "skipped: no ../shared/tools/loghub_ga.py (the GA scorer); set SHARED" >&2
  exit 0
fi
work="${WORK:-$(mktemp -d)}"
[[ -n "${WORK:-}" || "${KEEP:-0}" == 1 ]] || trap 'rm -rf "$work"' EXIT
python3 "$here/benches/log_digest_generality.py" --velo "$VELO" --shared "$SHARED" --work "$work" \
  --sets "${SETS:-dev held loghub extra headers meta}" --extra "${EXTRA:-}" \
  --transforms "${TRANSFORMS:-all}" --meta-on "${META_ON:-loghub dev held}" \
  --json-out "${JSON_OUT:-}"
