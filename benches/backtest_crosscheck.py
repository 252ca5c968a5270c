#!/usr/bin/env python3
"""Cross-check `velo backtest` against backtesting.py itself on settings the reference files
do not cover: trade-on-close, long-only, stop-loss/take-profit, fractional and fixed sizes,
hourly and monthly data, zero commission, level strategies. Each case runs backtesting.py and
velo and compares every statistic (1e-9 relative), the trade count and final equity.

  python3 benches/backtest_crosscheck.py [--velo target/release/velo] [--data ../shared/data/ohlcv]

Needs pandas, numpy, backtesting==0.6.6 (and ta-lib for the RSI case) in the interpreter.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import warnings

os.environ.setdefault("TQDM_DISABLE", "1")

import pandas as pd  # noqa: E402
from backtesting import Backtest, Strategy
from backtesting.lib import crossover

warnings.filterwarnings("ignore")

KEYS = {
    "Exposure Time [%]": "exposure_time_pct", "Equity Final [$]": "equity_final",
    "Equity Peak [$]": "equity_peak", "Return [%]": "return_pct",
    "Buy & Hold Return [%]": "buy_hold_return_pct", "Return (Ann.) [%]": "return_ann_pct",
    "Volatility (Ann.) [%]": "volatility_ann_pct", "CAGR [%]": "cagr_pct",
    "Sharpe Ratio": "sharpe_ratio", "Sortino Ratio": "sortino_ratio",
    "Calmar Ratio": "calmar_ratio", "Alpha [%]": "alpha_pct", "Beta": "beta",
    "Max. Drawdown [%]": "max_drawdown_pct", "Avg. Drawdown [%]": "avg_drawdown_pct",
    "# Trades": "num_trades", "Win Rate [%]": "win_rate_pct",
    "Best Trade [%]": "best_trade_pct", "Worst Trade [%]": "worst_trade_pct",
    "Avg. Trade [%]": "avg_trade_pct", "Profit Factor": "profit_factor",
    "Expectancy [%]": "expectancy_pct", "SQN": "sqn", "Kelly Criterion": "kelly_criterion",
    "Commissions [$]": "commissions",
}
DURATIONS = {
    "Duration": "duration_days", "Max. Drawdown Duration": "max_drawdown_duration_days",
    "Avg. Drawdown Duration": "avg_drawdown_duration_days",
    "Max. Trade Duration": "max_trade_duration_days",
    "Avg. Trade Duration": "avg_trade_duration_days",
}


def SMA(v, n):
    return pd.Series(v).rolling(n).mean()


def make_sma(fast, slow, long_only=False, sl=None, tp=None, size=None):
    class S(Strategy):
        def init(self):
            self.a = self.I(SMA, self.data.Close, fast)
            self.b = self.I(SMA, self.data.Close, slow)

        def next(self):
            c = self.data.Close[-1]
            kw = {}
            if size is not None:
                kw["size"] = size
            if crossover(self.a, self.b):
                if sl:
                    kw["sl"] = c * (1 - sl)
                if tp:
                    kw["tp"] = c * (1 + tp)
                self.buy(**kw)
            elif crossover(self.b, self.a):
                if long_only:
                    self.position.close()
                else:
                    if sl:
                        kw["sl"] = c * (1 + sl)
                    if tp:
                        kw["tp"] = c * (1 - tp)
                    self.sell(**kw)
    return S


def make_rsi(n, lower, upper, long_only=False):
    import talib

    class R(Strategy):
        def init(self):
            self.r = self.I(talib.RSI, self.data.Close, n)

        def next(self):
            if self.r[-1] < lower and not self.position.is_long:
                self.buy()
            elif self.r[-1] > upper and not self.position.is_short:
                if long_only:
                    self.position.close()
                else:
                    self.sell()
    return R


def make_talib_cross(kind, fast, slow, signal=9):
    import talib

    class X(Strategy):
        def init(self):
            c = self.data.Close
            if kind == "ema":
                self.a = self.I(talib.EMA, c, fast)
                self.b = self.I(talib.EMA, c, slow)
            else:
                self.a = self.I(lambda x: talib.MACD(x, fast, slow, signal)[0], c)
                self.b = self.I(lambda x: talib.MACD(x, fast, slow, signal)[1], c)

        def next(self):
            if crossover(self.a, self.b):
                self.buy()
            elif crossover(self.b, self.a):
                self.sell()
    return X


def compare(name, stats, ours):
    bad = []
    for k, ok in KEYS.items():
        want = stats.get(k, 0.0 if k == "Commissions [$]" else None)
        got = ours["stats"].get(ok)
        want = None if want is None or (isinstance(want, float) and not math.isfinite(want)) else float(want)
        if want is None or got is None:
            if (want is None) != (got is None):
                bad.append(f"{ok}: {got} vs {want}")
            continue
        if abs(got - want) > 1e-9 * abs(want) + 1e-12:
            bad.append(f"{ok}: {got} vs {want}")
    for k, ok in DURATIONS.items():
        want = stats[k]
        want = None if pd.isna(want) else want.total_seconds() / 86400
        got = ours["stats"].get(ok)
        if (want is None) != (got is None) or (want is not None and abs(got - want) > 1e-9 * abs(want)):
            bad.append(f"{ok}: {got} vs {want}")
    status = "ok" if not bad else "MISMATCH"
    print(f"{status:8} {name}: {int(stats['# Trades'])} trades, equity {stats['Equity Final [$]']:.4f}")
    for b in bad:
        print("           ", b)
    return not bad


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--velo", default=os.path.join(here, "..", "target", "release", "velo"))
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data", "ohlcv"))
    a = ap.parse_args()
    data = lambda s: os.path.join(a.data, s + ".csv")
    cases = [
        # name, symbol, strategy class, Backtest kwargs, velo args
        ("sma 10/20 trade-on-close", "GOOG", make_sma(10, 20), dict(commission=.002, trade_on_close=True),
         ["--strategy", "sma-cross", "--commission", "0.002", "--trade-on-close"]),
        ("sma 10/20 long-only", "GOOG", make_sma(10, 20, long_only=True), dict(commission=.002),
         ["--strategy", "sma-cross", "--commission", "0.002", "--long-only"]),
        ("sma 5/25 no commission", "GOOG", make_sma(5, 25), dict(),
         ["--strategy", "sma-cross", "-p", "fast=5", "-p", "slow=25"]),
        ("sma 10/20 size 0.5", "GOOG", make_sma(10, 20, size=0.5), dict(commission=.001),
         ["--strategy", "sma-cross", "--commission", "0.001", "--size", "0.5"]),
        ("sma 10/20 fixed 7 units", "GOOG", make_sma(10, 20, size=7), dict(commission=.001),
         ["--strategy", "sma-cross", "--commission", "0.001", "--size", "7u"]),
        ("sma 10/20 SL 4% TP 8% on close", "GOOG", make_sma(10, 20, sl=.04, tp=.08),
         dict(commission=.002, trade_on_close=True),
         ["--strategy", "sma-cross", "--commission", "0.002", "--trade-on-close", "--stop-loss", "4%", "--take-profit", "8%"]),
        ("sma 10/20 long-only SL 3% on close", "GOOG", make_sma(10, 20, long_only=True, sl=.03),
         dict(commission=.002, trade_on_close=True),
         ["--strategy", "sma-cross", "--commission", "0.002", "--trade-on-close", "--long-only", "--stop-loss", "3%"]),
        ("sma 10/30 EURUSD hourly", "EURUSD", make_sma(10, 30), dict(commission=.0002, cash=100_000),
         ["--strategy", "sma-cross", "-p", "slow=30", "--commission", "0.0002", "--cash", "100000"]),
        ("sma 3/6 BTCUSD monthly", "BTCUSD", make_sma(3, 6), dict(commission=.001, cash=1_000_000),
         ["--strategy", "sma-cross", "-p", "fast=3", "-p", "slow=6", "--commission", "0.001", "--cash", "1000000"]),
    ]
    try:
        import talib  # noqa: F401
        cases.append(("rsi 14 30/70", "GOOG", make_rsi(14, 30, 70), dict(commission=.002),
                      ["--strategy", "rsi", "--commission", "0.002"]))
        cases.append(("rsi 10 35/65 long-only", "GOOG", make_rsi(10, 35, 65, long_only=True),
                      dict(commission=.002),
                      ["--strategy", "rsi", "-p", "n=10", "-p", "lower=35", "-p", "upper=65",
                       "--commission", "0.002", "--long-only"]))
        cases.append(("ema-cross 12/26", "GOOG", make_talib_cross("ema", 12, 26), dict(commission=.002),
                      ["--strategy", "ema-cross", "--commission", "0.002"]))
        cases.append(("macd 12/26/9", "GOOG", make_talib_cross("macd", 12, 26), dict(commission=.002),
                      ["--strategy", "macd", "--commission", "0.002"]))
    except ImportError:
        print("skipped the rsi case: ta-lib is not installed")
    ok = True
    for name, sym, strat, kw, vargs in cases:
        df = pd.read_csv(data(sym), index_col=0, parse_dates=True)
        stats = Backtest(df, strat, exclusive_orders=True, **kw).run()
        out = subprocess.run([a.velo, "backtest", data(sym), *vargs, "--format", "json"],
                             capture_output=True, text=True)
        if out.returncode != 0:
            print("FAILED  ", name, out.stderr)
            ok = False
            continue
        ok &= compare(name, stats, json.loads(out.stdout))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
