#!/usr/bin/env python3
"""Speed of `velo backtest batch`: a 1,000-spec batch against its two anchors, in one
interleaved run (the machine is shared and noisy; ratios hold, absolute figures drift).

Measured, each as a whole process (wall clock, and user+system CPU from os.wait4):
  batch-mixed-j1/j2   1,000 mixed specs (the seven built-ins, GOOG/EURUSD/BTCUSD, with and
                      without commission and trade-on-close), one and two workers
  procs-mixed         the same specs as one `velo backtest FILE ... --format json` process each,
                      one after the other: the process-per-backtest pool a batch replaces
                      (velo's own start-up, not Python's)
  batch-sma-j1        1,000 sma-cross specs on GOOG (fast = 5..1004, slow 1100), one worker
  sweep-sma-j1        the same 1,000 runs as one sweep (--grid fast=5..1004 --grid slow=1100
                      --top 0 --format json), one worker: the same backtests in process,
                      without a spec to read or a line to write per run
The batch's own cost per spec is (batch-sma-j1 - sweep-sma-j1) / 1,000: reading the JSON line,
parsing it as a command line, merging the settings, writing the result line.

--specs FILE adds that batch (e.g. the oracle's `backtest_expr_batch.py --count 1000 --bad 0`
output, relative paths from its folder) at one and two workers, and as one process per spec.

Standard library only. Usage:
  python3 benches/backtest_batch.py --velo target/release/velo [--rounds 5] [--specs FILE]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

BUILTINS = [
    ("sma-cross", {"fast": 10, "slow": 20}),
    ("ema-cross", {"fast": 12, "slow": 26}),
    ("rsi", {"n": 14, "lower": 30, "upper": 70}),
    ("macd", {"fast": 12, "slow": 26, "signal": 9}),
    ("bbands", {"n": 20, "k": 2}),
    ("donchian", {"n": 20}),
    ("momentum", {"n": 20, "threshold": 0}),
]
SYMBOLS = [("GOOG", 10_000), ("EURUSD", 100_000), ("BTCUSD", 1_000_000)]


def find_ohlcv():
    d = HERE
    while True:
        cand = os.path.join(d, "shared", "data", "ohlcv")
        if os.path.isdir(cand):
            return cand
        parent = os.path.dirname(d)
        if parent == d:
            sys.exit("no shared/data/ohlcv above this checkout: give --ohlcv DIR")
        d = parent


def mixed_specs(ohlcv, count):
    specs = []
    for i in range(count):
        name, params = BUILTINS[i % len(BUILTINS)]
        sym, cash = SYMBOLS[(i // len(BUILTINS)) % len(SYMBOLS)]
        # the first parameter moves, so no two specs are one run
        first = next(iter(params))
        p = dict(params)
        p[first] = params[first] + (i // (len(BUILTINS) * len(SYMBOLS))) % 10
        if name in ("sma-cross", "ema-cross", "macd") and p["fast"] >= p["slow"]:
            p["fast"] = p["slow"] - 1
        spec = {"id": f"{i}:{name}/{sym}", "data": os.path.join(ohlcv, f"{sym}.csv"),
                "strategy": name, "params": p, "cash": cash}
        if i % 2:
            spec["commission"] = 0.001
        if i % 3 == 0:
            spec["trade_on_close"] = True
        specs.append(spec)
    return specs


def sma_specs(ohlcv, count):
    return [{"id": i, "data": os.path.join(ohlcv, "GOOG.csv"), "strategy": "sma-cross",
             "params": {"fast": 5 + i, "slow": 1100}, "commission": 0.002} for i in range(count)]


def spec_argv(spec, base):
    """A spec as the single run's command line (keys are the long flags)."""
    argv, data = [], None
    for k, v in spec.items():
        if k == "id" or v is None:
            continue
        if k == "data":
            data = v if os.path.isabs(v) else os.path.join(base, v)
        elif k in ("params", "param"):
            items = v.items() if isinstance(v, dict) else (x.split("=", 1) for x in v)
            argv += [f"--param={n}={x}" for n, x in items]
        elif v is True:
            argv.append("--" + k.replace("_", "-"))
        elif v is False:
            continue
        else:
            val = v if not (k == "signals" and not os.path.isabs(v)) else os.path.join(base, v)
            argv.append(f"--{k.replace('_', '-')}={val}")
    return [data, *argv]


def timed(cmd, stdout_path=None):
    """Runs cmd, returns (wall s, cpu s, exit code)."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if stdout_path:
        out.close()
    return wall, ru.ru_utime + ru.ru_stime, os.waitstatus_to_exitcode(status)


def check_batch(path, count):
    with open(path) as f:
        lines = [json.loads(x) for x in f if x.strip()]
    bad = [x for x in lines if x["status"] != "ok"]
    if len(lines) != count:
        sys.exit(f"{path}: {len(lines)} lines for {count} specs")
    return len(bad)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--velo", default=os.path.join(HERE, "..", "target", "release", "velo"))
    ap.add_argument("--ohlcv", help="folder of GOOG.csv, EURUSD.csv, BTCUSD.csv (default: shared/data/ohlcv above)")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--specs", help="also run this specs file (relative paths from its folder)")
    a = ap.parse_args()
    velo = os.path.abspath(a.velo)
    ohlcv = a.ohlcv or find_ohlcv()
    tmp = tempfile.mkdtemp(prefix="velo-batch-bench-")

    def write(name, specs):
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.writelines(json.dumps(s) + "\n" for s in specs)
        return path

    mixed = mixed_specs(ohlcv, a.count)
    mixed_path = write("mixed.jsonl", mixed)
    sma_path = write("sma.jsonl", sma_specs(ohlcv, a.count))
    goog = os.path.join(ohlcv, "GOOG.csv")
    out = os.path.join(tmp, "out.jsonl")
    mixed_argv = [spec_argv(s, tmp) for s in mixed]

    def procs(argvs):
        t0, cpu = time.perf_counter(), 0.0
        for argv in argvs:
            _, c, code = timed([velo, "backtest", *argv, "--format", "json"])
            if code != 0:
                sys.exit(f"single run failed ({code}): {argv}")
            cpu += c
        return time.perf_counter() - t0, cpu, 0

    cases = {
        "batch-mixed-j1": lambda: timed([velo, "backtest", "batch", mixed_path, "--jobs", "1"], out),
        "batch-mixed-j2": lambda: timed([velo, "backtest", "batch", mixed_path, "--jobs", "2"], out),
        "procs-mixed": lambda: procs(mixed_argv),
        "batch-sma-j1": lambda: timed([velo, "backtest", "batch", sma_path, "--jobs", "1"], out),
        "sweep-sma-j1": lambda: timed([velo, "backtest", goog, "--strategy", "sma-cross", "--commission", "0.002",
                                       "--grid", f"fast=5..{4 + a.count}", "--grid", "slow=1100",
                                       "--top", "0", "--format", "json", "--jobs", "1"]),
    }
    counts = {k: a.count for k in cases}
    if a.specs:
        base = os.path.dirname(os.path.abspath(a.specs))
        with open(a.specs) as f:
            given = [json.loads(x) for x in f if x.strip()]
        given_argv = [spec_argv(s, base) for s in given]
        cases["batch-specs-j1"] = lambda: timed([velo, "backtest", "batch", a.specs, "--jobs", "1"], out)
        cases["batch-specs-j2"] = lambda: timed([velo, "backtest", "batch", a.specs, "--jobs", "2"], out)
        cases["procs-specs"] = lambda: procs(given_argv)
        for k in ("batch-specs-j1", "batch-specs-j2", "procs-specs"):
            counts[k] = len(given)

    results = {k: [] for k in cases}
    for r in range(a.rounds):
        for name, run in cases.items():
            wall, cpu, code = run()
            if name.startswith("batch"):
                bad = check_batch(out, counts[name])
                if bad or code != 0:
                    sys.exit(f"{name}: {bad} specs not ok, exit {code}")
            results[name].append((wall, cpu))
        print(f"round {r + 1}/{a.rounds} done", file=sys.stderr, flush=True)

    def med(name, i):
        return statistics.median(x[i] for x in results[name])

    print(f"velo {velo}; {a.count} specs; {a.rounds} interleaved rounds; medians (min)")
    print(f"{'case':16} {'wall s':>16} {'cpu s':>16} {'wall/spec ms':>13} {'cpu/spec ms':>12}")
    for name in cases:
        n = counts[name]
        w, c = med(name, 0), med(name, 1)
        wmin = min(x[0] for x in results[name])
        cmin = min(x[1] for x in results[name])
        print(f"{name:16} {w:8.3f} ({wmin:6.3f}) {c:8.3f} ({cmin:6.3f}) {1000 * w / n:13.3f} {1000 * c / n:12.3f}")
    over_cpu = (med("batch-sma-j1", 1) - med("sweep-sma-j1", 1)) / a.count
    over_wall = (med("batch-sma-j1", 0) - med("sweep-sma-j1", 0)) / a.count
    print(f"batch's own cost per spec (batch-sma-j1 - sweep-sma-j1): {1e6 * over_cpu:.1f} µs CPU, {1e6 * over_wall:.1f} µs wall")
    print(f"one process per spec / batch (mixed, one worker): {med('procs-mixed', 0) / med('batch-mixed-j1', 0):.1f}x wall, "
          f"{med('procs-mixed', 1) / med('batch-mixed-j1', 1):.1f}x CPU")
    if a.specs:
        print(f"one process per spec / batch (--specs, one worker): {med('procs-specs', 0) / med('batch-specs-j1', 0):.1f}x wall")


if __name__ == "__main__":
    main()
