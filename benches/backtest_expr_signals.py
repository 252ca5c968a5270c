#!/usr/bin/env python3
"""Writes the pandas-computed signals files of issue 21 point 2 (`velo backtest --signals`):
the cases file's `signals.strategy` (macd-trend) computed the way another program would, with
pandas and TA-Lib over whole columns, one file per dataset.

  python3 benches/backtest_expr_signals.py --out DIR [--data ../shared/data/ohlcv]
        [--cases benches/backtest_expr_cases.json]

Each file exercises the format: the columns in a shuffled order (Date, short_exit, entry, exit,
short_entry), the four spellings of the issue (entry 1/0, exit true/FALSE, short_entry 1/empty,
short_exit TRUE/0), rows only for bars with a signal plus every 97th bar as an explicit all-false
row (a bar with no row has no signal), and the bars' own Date text. Running them (oracle or velo)
must give the expression run's trades; only the statistics that depend on the warm-up differ
(Buy & Hold and Alpha: a signals file has no warm-up, W = 0).
Needs pandas, numpy and ta-lib.
"""
import argparse
import csv
import json
import os
import sys

import numpy as np
import pandas as pd
import talib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in benches/ from importing the scripts beside
sys.path.insert(0, HERE)
from backtest_expr_oracle import SHARED  # noqa: E402


def macd_trend_signals(df, p):
    close = df["Close"].astype(float).to_numpy()
    line, sig, hist = (pd.Series(v, index=df.index) for v in
                       talib.MACD(close, int(p["fast"]), int(p["slow"]), int(p["signal"])))
    ema = pd.Series(talib.EMA(close, int(p["trend"])), index=df.index)
    c = pd.Series(close, index=df.index)
    # NaN compares false in pandas, as in Python: no signal during the indicators' warm-up
    up = (line.shift(1) < sig.shift(1)) & (line > sig)
    down = (line.shift(1) > sig.shift(1)) & (line < sig)
    return pd.DataFrame({"entry": up & (c > ema), "exit": down, "short_entry": down & (c < ema),
                         "short_exit": hist > 0}, index=df.index)


def write(path, raw_dates, sig):
    spell = {
        "entry": lambda v, i: "1" if v else "0",
        "exit": lambda v, i: ("true" if i % 2 else "True") if v else ("FALSE" if i % 2 else "false"),
        "short_entry": lambda v, i: "1" if v else "",
        "short_exit": lambda v, i: "TRUE" if v else "0",
    }
    order = ["short_exit", "entry", "exit", "short_entry"]
    rows = 0
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Date"] + order)
        vals = sig[order].to_numpy()
        for i, (d, row) in enumerate(zip(raw_dates, vals)):
            if row.any() or i % 97 == 0:
                w.writerow([d] + [spell[c](bool(v), i) for c, v in zip(order, row)])
                rows += 1
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.join(SHARED, "data", "ohlcv"))
    ap.add_argument("--cases", default=os.path.join(HERE, "backtest_expr_cases.json"))
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    with open(a.cases) as f:
        cases = json.load(f)
    name = cases["signals"]["strategy"]
    strat = next(c for c in cases["strategies"] if c["name"] == name)
    if name != "macd-trend":
        sys.exit(f"this generator computes macd-trend; the cases file asks for {name}")
    os.makedirs(a.out, exist_ok=True)
    for sym in cases["datasets"]:
        path = os.path.join(a.data, sym + ".csv")
        raw = pd.read_csv(path, dtype=str)
        df = pd.read_csv(path, index_col=0, parse_dates=True)
        sig = macd_trend_signals(df, strat["params"][sym])
        out = os.path.join(a.out, f"signals_{name}_{sym}.csv")
        rows = write(out, raw.iloc[:, 0].tolist(), sig)
        counts = {c: int(sig[c].sum()) for c in sig.columns}
        print(f"{out}: {rows} rows for {len(df)} bars; true signals {counts}")


if __name__ == "__main__":
    main()
