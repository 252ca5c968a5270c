#!/usr/bin/env bash
# Compares `velo monitor` with psrecord (the anchor named in issue #13) on the same 3-process
# Python tree at 10 Hz: the monitor's own CPU time (in % of one core) and its actual interval.
# Goal: velo at most 0.2% of one core (10x cheaper than psrecord), interval within ±1%.
#
# Each round runs velo, then psrecord, on a fresh tree for DURATION seconds; ROUNDS rounds are
# interleaved so machine load drifts hit both alike. The monitor's CPU comes from its rusage
# (user+sys, read by the Python driver that starts it as a child); the interval is the mean gap
# between the samples each tool logged (velo's --record, psrecord's --log).
#
# Needs psrecord: python3 -m venv /tmp/psr && /tmp/psr/bin/pip install psrecord psutil
# Usage: benches/monitor_compare.sh [path/to/velo]   (default: target/release/velo, built if missing)
# Settings: ROUNDS (default 3), DURATION (seconds per run, default 20), PSRECORD (default
# /tmp/psr/bin/psrecord), NO_PSS=1 to run velo with --no-pss too.
set -euo pipefail
cd "$(dirname "$0")/.."
VELO=${1:-target/release/velo}
[ -x "$VELO" ] || cargo build --release --quiet
VELO=$(realpath "$VELO")
PSRECORD=${PSRECORD:-/tmp/psr/bin/psrecord}
[ -x "$PSRECORD" ] || { echo "psrecord is needed: python3 -m venv /tmp/psr && /tmp/psr/bin/pip install psrecord psutil" >&2; exit 2; }
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-20} NO_PSS=${NO_PSS:-0}
export VELO PSRECORD ROUNDS DURATION NO_PSS
python3 - <<'PY'
import csv, os, resource, statistics as st, subprocess, sys, tempfile, time

velo, psrecord = os.environ["VELO"], os.environ["PSRECORD"]
rounds, duration = int(os.environ["ROUNDS"]), float(os.environ["DURATION"])
workload = os.path.join(os.getcwd(), "fixtures/monitor/workload.py")
work = tempfile.mkdtemp()

def tree():
    """A parent and two children, each holding 30 MiB: three Python processes."""
    pidfile = os.path.join(work, "pids")
    if os.path.exists(pidfile):
        os.remove(pidfile)
    p = subprocess.Popen([sys.executable, workload, "hold", "30", "3", str(duration + 30), pidfile])
    while not os.path.exists(pidfile):
        time.sleep(0.05)
    return p

def run_child(argv):
    """Runs argv to its end; returns its user+sys CPU seconds (from rusage) and wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall

def gaps(times):
    return (times[-1] - times[0]) / (len(times) - 1) if len(times) > 1 else float("nan")

tools = ["velo", "velo --no-pss", "psrecord"] if os.environ["NO_PSS"] == "1" else ["velo", "psrecord"]
rows = {t: [] for t in tools}
for r in range(rounds):
    for tool in tools:
        p = tree()
        log = os.path.join(work, "log")
        if tool.startswith("velo"):
            argv = [velo, "monitor", "--pid", str(p.pid), "--interval", "100ms",
                    "--duration", f"{duration}s", "--record", log + ".csv", "--format", "json"]
            if tool.endswith("--no-pss"):
                argv.append("--no-pss")
            cpu, wall = run_child(argv)
            with open(log + ".csv") as f:
                times = [float(row["t_s"]) for row in csv.DictReader(f)]
        else:
            argv = [psrecord, str(p.pid), "--interval", "0.1", "--duration", str(duration),
                    "--include-children", "--log", log + ".txt"]
            cpu, wall = run_child(argv)
            with open(log + ".txt") as f:
                times = [float(l.split()[0]) for l in f if l.strip() and not l.startswith("#")]
        p.kill()
        p.wait()
        # The tree's children were orphaned by the kill: end them by their pids.
        for line in open(os.path.join(work, "pids")).read().split()[1:]:
            try:
                os.kill(int(line), 9)
            except ProcessLookupError:
                pass
        rows[tool].append((cpu / wall * 100.0, gaps(times), len(times)))
        print(f"round {r + 1} {tool:14s} cpu {cpu / wall * 100:6.3f}% of one core, "
              f"interval {gaps(times):.4f}s over {len(times)} samples", flush=True)

print()
print(f"{'tool':14s} {'CPU % of one core (median, min-max)':38s} {'interval s (median, min-max)':30s}")
for tool, rs in rows.items():
    cpu = [x[0] for x in rs]
    iv = [x[1] for x in rs]
    print(f"{tool:14s} {st.median(cpu):7.3f} ({min(cpu):.3f}-{max(cpu):.3f}){'':16s} "
          f"{st.median(iv):.4f} ({min(iv):.4f}-{max(iv):.4f})")
PY
