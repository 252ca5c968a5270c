#!/usr/bin/env bash
# Why velo reads /proc itself: times the reads of one monitor sample (per process stat, io, fd
# count, smaps_rollup; a listing of /proc with every stat) through velo's reader and through the
# procfs crate, on a 3-process Python tree (fixtures/monitor/workload.py hold).
# Usage: benches/monitor_procfs.sh   (builds benches/monitor_procfs in release; needs crates.io)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --manifest-path benches/monitor_procfs/Cargo.toml \
  --target-dir target/monitor_procfs
WORK=$(mktemp -d)
python3 fixtures/monitor/workload.py hold 30 3 120 "$WORK/pids" & TREE=$!
trap 'kill $(cat "$WORK/pids" 2>/dev/null) 2>/dev/null; rm -rf "$WORK"' EXIT
while [ ! -f "$WORK/pids" ]; do sleep 0.05; done
target/monitor_procfs/release/monitor-procfs-bench $(cat "$WORK/pids")
