#!/usr/bin/env python3
"""Interleaved whole-process timing of velo commands: runs A, B, A, B, ... and reports, per
command, the median and min wall time and the median CPU time (user + sys of the child), so a
load spike hits both sides alike. Used by backtest_compare.sh for the cost of --timeout-per.

  python3 benches/backtest_interleaved.py RUNS -- CMD_A... -- CMD_B...
"""
import resource
import statistics
import subprocess
import sys
import time


def run(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    runs = int(sys.argv[1])
    rest = sys.argv[2:]
    cmds, cur = [], None
    for a in rest:
        if a == "--":
            cur = []
            cmds.append(cur)
        else:
            cur.append(a)
    res = [([], []) for _ in cmds]
    for c in cmds:  # warm-up
        run(c)
    for _ in range(runs):
        for i, c in enumerate(cmds):
            w, u = run(c)
            res[i][0].append(w)
            res[i][1].append(u)
    base = None
    for i, c in enumerate(cmds):
        wm, wmin, cm = statistics.median(res[i][0]), min(res[i][0]), statistics.median(res[i][1])
        extra = "" if base is None else f"  CPU {100 * (cm / base - 1):+.1f}% vs the first"
        base = base or cm
        print(f"{' '.join(c[-4:])}: wall median {wm * 1e3:.1f} ms, min {wmin * 1e3:.1f} ms; CPU median {cm * 1e3:.1f} ms{extra}")


if __name__ == "__main__":
    main()
