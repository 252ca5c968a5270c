#!/usr/bin/env python3
"""Writes the spec batches of issue 21 point 3 (`velo backtest batch SPECS.jsonl`).

  python3 benches/backtest_expr_batch.py --out DIR                 # the 60-spec acceptance batch
  python3 benches/backtest_expr_batch.py --out DIR --count 1000 --bad 0   # the speed batch
  options: --data ../shared/data/ohlcv  --cases benches/backtest_expr_cases.json

DIR gets `specs.jsonl` (one JSON object a line, keys spelled as velo's long flags, with `-` or
`_`), the signals files its signals specs name (`signals/`), and `bad.json` (the 0-based line
numbers of the bad specs and a word each error must contain). Paths in the specs are relative to
DIR, as the issue resolves them (relative to the SPECS file's folder).

The 60-spec batch: the five strategies of the cases file on the three datasets with three broker
settings each (45, some with `-` keys, some without `id`), 6 built-in `strategy` specs, 3
`signals` specs, 3 sizing/cash variants, and 3 bad specs of different kinds (an unknown function,
`strategy` together with expressions, a data file that does not exist). The 1,000-spec batch
(`--count 1000 --bad 0`) walks the five strategies x three datasets x broker settings with the
windows scaled deterministically (no random numbers: every run writes the same file).
Needs only the standard library (pandas and ta-lib too when signals specs are written).
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in benches/ from importing the scripts beside
sys.path.insert(0, HERE)

WINDOW_KEYS = {"n", "m", "trend", "avg", "fast", "slow", "signal"}
BAD = [
    # (how the spec is broken, a word its error line must contain)
    ("unknown-function", "rsii"),
    ("strategy-and-expressions", "strategy"),
    ("missing-data", "NO_SUCH_SYMBOL.csv"),
]


def shared_dir():
    root = os.path.dirname(HERE)
    for up in ("..", os.path.join("..", ".."), os.path.join("..", "..", "..")):
        d = os.path.normpath(os.path.join(root, up, "shared"))
        if os.path.isdir(os.path.join(d, "tools")):
            return d
    return os.path.normpath(os.path.join(root, "..", "shared"))


def expr_spec(strat, sym, data_rel, params, cash, commission, toc, dashed):
    spec = {"data": data_rel[sym]}
    for role in ("entry", "exit", "short_entry", "short_exit"):
        if strat.get(role):
            spec[role.replace("_", "-") if dashed else role] = strat[role]
    spec["params"] = params
    spec["cash"] = cash
    if commission is not None:
        spec["commission"] = commission
    if toc:
        spec["trade-on-close" if dashed else "trade_on_close"] = True
    return spec


def scaled(params, factor):
    out = {}
    for k, v in params.items():
        if k in WINDOW_KEYS:
            out[k] = max(2, int(round(v * factor)))
        else:
            out[k] = v
    if "fast" in out and "slow" in out and out["fast"] >= out["slow"]:
        out["slow"] = out["fast"] + 1
    return out


def batch60(cases, data_rel, signals_rel):
    specs = []
    ds = cases["datasets"]
    settings = [("nocomm-open", None, False), ("comm-open", "rate", False), ("comm-close", "rate", True)]
    k = 0
    for strat in cases["strategies"]:
        for sym in ds:
            for tag, comm, toc in settings:
                commission = None
                if comm:
                    c = ds[sym]["commission"]
                    # the number form and the flag's string form, alternately
                    commission = float(c) if k % 2 else c
                s = expr_spec(strat, sym, data_rel, strat["params"][sym], ds[sym]["cash"], commission, toc,
                              dashed=(k % 3 == 1))
                if k % 10 != 9:
                    s = {"id": f"{strat['name']}/{sym}/{tag}", **s}
                specs.append(s)
                k += 1
    builtins = [
        {"id": "builtin/sma-cross/GOOG", "data": data_rel["GOOG"], "strategy": "sma-cross",
         "params": {"fast": 10, "slow": 20}, "commission": "0.002"},
        {"id": "builtin/sma-cross-5-25/GOOG", "data": data_rel["GOOG"], "strategy": "sma-cross",
         "params": {"fast": 5, "slow": 25}, "commission": 0.002},
        {"id": "builtin/rsi/EURUSD", "data": data_rel["EURUSD"], "strategy": "rsi",
         "params": {"n": 14, "lower": 30, "upper": 70}, "cash": 100000, "commission": 0.0002, "long-only": True},
        {"id": "builtin/macd/BTCUSD", "data": data_rel["BTCUSD"], "strategy": "macd",
         "params": {"fast": 3, "slow": 6, "signal": 3}, "cash": 1000000, "commission": "0.001"},
        {"id": "builtin/donchian/GOOG", "data": data_rel["GOOG"], "strategy": "donchian", "params": {"n": 20},
         "trade_on_close": True},
        {"id": "builtin/momentum/EURUSD", "data": data_rel["EURUSD"], "strategy": "momentum",
         "params": {"n": 24, "threshold": 0.1}, "cash": 100000},
    ]
    specs += builtins
    for sym in ds:
        specs.append({"id": f"signals/{sym}", "data": data_rel[sym], "signals": signals_rel[sym],
                      "cash": ds[sym]["cash"], "commission": ds[sym]["commission"]})
    rsi = next(s for s in cases["strategies"] if s["name"] == "rsi-trend")
    roc = next(s for s in cases["strategies"] if s["name"] == "roc-long-short")
    specs.append({"id": "size/half", **expr_spec(rsi, "GOOG", data_rel, rsi["params"]["GOOG"], 10000, "0.002",
                                                  False, False), "size": 0.5})
    specs.append({"id": "size/units", **expr_spec(roc, "GOOG", data_rel, roc["params"]["GOOG"], 10000, 0.001,
                                                   True, True), "size": "10u"})
    specs.append({"id": "cash/small", **expr_spec(roc, "EURUSD", data_rel, roc["params"]["EURUSD"], 5000, None,
                                                   False, False)})
    return specs


def bad_spec(kind, data_rel):
    if kind == "unknown-function":
        return {"id": "bad/unknown-function", "data": data_rel["GOOG"], "entry": "rsii(close, 14) < 30",
                "exit": "rsi(close, 14) > 70"}
    if kind == "strategy-and-expressions":
        return {"id": "bad/strategy-and-expressions", "data": data_rel["GOOG"], "strategy": "sma-cross",
                "entry": "close > sma(close, 20)"}
    if kind == "missing-data":
        return {"id": "bad/missing-data", "data": os.path.join(os.path.dirname(data_rel["GOOG"]),
                                                              "NO_SUCH_SYMBOL.csv"),
                "entry": "close > sma(close, 20)", "exit": "close < sma(close, 20)"}
    raise ValueError(kind)


def batch_n(cases, data_rel, count):
    ds = list(cases["datasets"])
    specs = []
    factors = [0.5 + 0.1 * i for i in range(11)]  # 0.5 .. 1.5
    i = 0
    while len(specs) < count:
        strat = cases["strategies"][i % len(cases["strategies"])]
        sym = ds[(i // len(cases["strategies"])) % len(ds)]
        f = factors[(i // 15) % len(factors)]
        comm = (i // 165) % 3
        d = cases["datasets"][sym]
        spec = expr_spec(strat, sym, data_rel, scaled(strat["params"][sym], f), d["cash"],
                         d["commission"] if comm else None, comm == 2, dashed=False)
        specs.append({"id": f"{i}:{strat['name']}/{sym}/x{f:.1f}/{['nocomm', 'comm', 'comm-close'][comm]}", **spec})
        i += 1
    return specs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=60)
    ap.add_argument("--bad", type=int, default=3, help="bad specs to put in (at most 3, one of each kind)")
    ap.add_argument("--data", default=os.path.join(shared_dir(), "data", "ohlcv"))
    ap.add_argument("--cases", default=os.path.join(HERE, "backtest_expr_cases.json"))
    a = ap.parse_args()
    if not 0 <= a.bad <= len(BAD):
        sys.exit(f"--bad: 0 to {len(BAD)}")
    with open(a.cases) as f:
        cases = json.load(f)
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    data_rel = {s: os.path.relpath(os.path.join(os.path.abspath(a.data), s + ".csv"), out) for s in cases["datasets"]}
    if a.count == 60:
        sig_dir = os.path.join(out, "signals")
        import backtest_expr_signals as gen  # needs pandas + ta-lib
        import pandas as pd
        strat = next(c for c in cases["strategies"] if c["name"] == cases["signals"]["strategy"])
        os.makedirs(sig_dir, exist_ok=True)
        signals_rel = {}
        for sym in cases["datasets"]:
            path = os.path.join(a.data, sym + ".csv")
            raw = pd.read_csv(path, dtype=str)
            df = pd.read_csv(path, index_col=0, parse_dates=True)
            sig = gen.macd_trend_signals(df, strat["params"][sym])
            name = f"signals_{strat['name']}_{sym}.csv"
            gen.write(os.path.join(sig_dir, name), raw.iloc[:, 0].tolist(), sig)
            signals_rel[sym] = os.path.join("signals", name)
        specs = batch60(cases, data_rel, signals_rel)
    else:
        specs = batch_n(cases, data_rel, a.count)
    specs = specs[:a.count - a.bad] if len(specs) > a.count - a.bad else specs
    # the bad specs at fixed, spread-out lines
    bad = {}
    for j, (kind, word) in enumerate(BAD[:a.bad]):
        at = min(len(specs), [13, 29, 47][j] * a.count // 60)
        specs.insert(at, bad_spec(kind, data_rel))
    for j, s in enumerate(specs):
        if s.get("id", "").startswith("bad/"):
            kind = s["id"][4:]
            bad[j] = {"kind": kind, "must_contain": dict(BAD)[kind]}
    path = os.path.join(out, "specs.jsonl")
    with open(path, "w") as f:
        for s in specs:
            f.write(json.dumps(s) + "\n")
    with open(os.path.join(out, "bad.json"), "w") as f:
        json.dump({str(k): v for k, v in bad.items()}, f, indent=1)
    print(f"{path}: {len(specs)} specs, bad at lines (0-based) {sorted(bad)}")


if __name__ == "__main__":
    main()
