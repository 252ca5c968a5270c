#!/usr/bin/env python3
"""Compares `velo backtest` with the issue 21 oracle (backtest_expr_oracle.py: backtesting.py
0.6.6 running the normative next()): every statistic within 1e-9 relative, every trade, the
equity curve and the open trade, for

  builtins       velo --strategy NAME vs the built-in's backtesting.py code (works today: checks
                 that this harness maps the broker flags as velo does)
  builtin-exprs  each built-in written as an expression vs velo's own built-in: equal except at
                 the tie points, where it must equal the oracle's expression run (acceptance 1)
  cases          the five bot-author strategies and the edge cases x GOOG/EURUSD/BTCUSD x
                 commission x trade-on-close (--entry/--exit/--short-entry/--short-exit/--param)
  signals        the pandas-computed signals files (--signals)
  grid           sma-cross as an expression over the 1,530-point reference grid (--grid)
  batch          `velo backtest batch` on the 60-spec batch: 60 lines, the 3 errors named, the
                 rest equal to the oracle and to velo's own single runs

  python3 benches/backtest_expr_compare.py --velo target/release/velo \\
      --expected /work/notes/bt21/expected          # saved oracle outputs: standard library only
  python3 benches/backtest_expr_compare.py --velo target/release/velo   # oracle run live (needs
                                                    # pandas, numpy, backtesting 0.6.6, ta-lib)
  options: --sections builtins,cases,...  --only SUBSTRING  --data DIR  --keep DIR  --verbose

Prints one line per run (ok / MISMATCH / VELO-ERROR / NO-FLAG) with the first differences, and a
summary per section. Exit 0 only when every run of every selected section agrees. While velo
lacks a flag this issue adds, the section says so once (NO-FLAG, with velo's own message) and
its remaining runs are counted as not run.
"""
import argparse
import csv
import datetime
import json
import math
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REL = 1e-9
ROLES = ("entry", "exit", "short_entry", "short_exit")
GRID_STATS = ["num_trades", "equity_final", "return_pct", "exposure_time_pct", "sharpe_ratio", "sortino_ratio",
              "max_drawdown_pct", "win_rate_pct", "profit_factor", "sqn"]
GRID_REF_COLUMNS = {"# Trades": "num_trades", "Equity Final [$]": "equity_final", "Return [%]": "return_pct",
                    "Exposure Time [%]": "exposure_time_pct", "Sharpe Ratio": "sharpe_ratio",
                    "Sortino Ratio": "sortino_ratio", "Max. Drawdown [%]": "max_drawdown_pct",
                    "Win Rate [%]": "win_rate_pct", "Profit Factor": "profit_factor", "SQN": "sqn"}
# what clap (or another parser) says when velo lacks a flag or the `batch` subcommand
NO_FLAG_HINTS = ("unexpected argument", "unrecognized", "found argument", "unknown argument",
                 "unrecognized subcommand", "cannot be used with '<path>'")


def shared_dir():
    root = os.path.dirname(HERE)
    for up in ("..", os.path.join("..", ".."), os.path.join("..", "..", "..")):
        d = os.path.normpath(os.path.join(root, up, "shared"))
        if os.path.isdir(os.path.join(d, "tools")):
            return d
    return None


# ---------------------------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------------------------


def close(got, want, rel=REL, absolute=1e-12):
    if want is None or got is None:
        return want is None and got is None
    try:
        g, w = float(got), float(want)
    except (TypeError, ValueError):
        return False
    if math.isnan(w) or math.isnan(g):
        return math.isnan(w) and math.isnan(g)
    return abs(g - w) <= rel * abs(w) + absolute


def same_time(a, b):
    if a is None or b is None:
        return a == b
    try:
        return (datetime.datetime.fromisoformat(str(a).replace("T", " "))
                == datetime.datetime.fromisoformat(str(b).replace("T", " ")))
    except ValueError:
        return str(a) == str(b)


def diff_stats(got, want, keys=None):
    bad = []
    for k in keys or want:
        w = want.get(k)
        if k not in got:
            bad.append(f"stats.{k}: missing in velo's output (oracle {w!r})")
            continue
        g = got[k]
        if k in ("start", "end"):
            if not same_time(g, w):
                bad.append(f"stats.{k}: velo {g!r}, oracle {w!r}")
        elif not close(g, w):
            bad.append(f"stats.{k}: velo {g!r}, oracle {w!r}")
    return bad


def read_csv_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num_or_none(text):
    t = (text or "").strip()
    return None if t == "" else float(t)


def diff_trades(path, want):
    bad = []
    try:
        rows = read_csv_rows(path)
    except OSError as e:
        return [f"trades: velo wrote no --trades file ({e.strerror})"]
    if len(rows) != len(want):
        bad.append(f"trades: velo {len(rows)}, oracle {len(want)}")
    for i, (g, w) in enumerate(zip(rows, want)):
        for k in ("entry_bar", "exit_bar"):
            if int(float(g[k])) != w[k]:
                bad.append(f"trade {i}: {k} velo {g[k]}, oracle {w[k]}")
        if float(g["size"]) != w["size"]:
            bad.append(f"trade {i}: size velo {g['size']}, oracle {w['size']!r}")
        for k in ("entry_price", "exit_price", "pnl", "commission", "return_pct"):
            if not close(num_or_none(g[k]), w[k], absolute=1e-9 if k in ("pnl", "commission") else 1e-12):
                bad.append(f"trade {i}: {k} velo {g[k]}, oracle {w[k]!r}")
        for k in ("entry_time", "exit_time"):
            if not same_time(g[k], w[k]):
                bad.append(f"trade {i}: {k} velo {g[k]}, oracle {w[k]}")
        if len(bad) > 6:
            break
    return bad


def diff_equity(path, want):
    if want is None:
        return []
    try:
        rows = read_csv_rows(path)
    except OSError as e:
        return [f"equity: velo wrote no --equity file ({e.strerror})"]
    if len(rows) != len(want):
        return [f"equity: velo {len(rows)} rows, oracle {len(want)}"]
    for i, (g, w) in enumerate(zip(rows, want)):
        if not close(num_or_none(g.get("equity")), w, absolute=1e-9):
            return [f"equity[{i}] ({g.get('date')}): velo {g.get('equity')}, oracle {w!r}"]
    return []


def diff_open(got, want):
    if want is None and not got:
        return []
    if (want is None) != (not got):
        return [f"open_trade: velo {got}, oracle {want}"]
    bad = []
    for k in ("size", "entry_bar", "entry_price"):
        if not close(got.get(k), want.get(k)):
            bad.append(f"open_trade.{k}: velo {got.get(k)!r}, oracle {want.get(k)!r}")
    return bad


# ---------------------------------------------------------------------------------------------
# velo
# ---------------------------------------------------------------------------------------------


class Velo:
    def __init__(self, path, tmp, verbose, timeout):
        self.path, self.tmp, self.verbose, self.timeout = path, tmp, verbose, timeout
        self.n = 0

    def run(self, args, timeout=None, stdin=None):
        timeout = timeout or self.timeout
        cmd = [self.path, "backtest", *args]
        if self.verbose:
            print("  $", " ".join(shlex.quote(c) for c in cmd), flush=True)
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=stdin)
        except subprocess.TimeoutExpired:
            return None, f"timed out after {timeout} s"
        except OSError as e:
            return None, f"cannot run {self.path}: {e.strerror}"
        return p, None

    def single(self, data, flags):
        """One run with --format json, --trades and --equity; returns (json, trades path, equity
        path, problem) where problem is None, ("no-flag", msg) or ("error", msg)."""
        self.n += 1
        trades = os.path.join(self.tmp, f"t{self.n}.csv")
        equity = os.path.join(self.tmp, f"e{self.n}.csv")
        p, err = self.run([data, *flags, "--format", "json", "--trades", trades, "--equity", equity])
        if err:
            return None, trades, equity, ("error", err)
        if p.returncode != 0:
            return None, trades, equity, (classify(p.stderr), first_line(p.stderr) or f"exit {p.returncode}")
        try:
            return json.loads(p.stdout), trades, equity, None
        except json.JSONDecodeError as e:
            return None, trades, equity, ("error", f"stdout is not JSON ({e.msg}): {p.stdout[:120]!r}")


def classify(stderr):
    low = stderr.lower()
    return "no-flag" if any(h in low for h in NO_FLAG_HINTS) else "error"


def first_line(text):
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def fmt_param(v):
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def flags_for(exprs=None, params=None, settings=None, signals=None, strategy=None):
    f = []
    if strategy:
        f += ["--strategy", strategy]
    for r in ROLES:
        if exprs and exprs.get(r):
            f += ["--" + r.replace("_", "-"), exprs[r]]
    if signals:
        f += ["--signals", signals]
    for k, v in (params or {}).items():
        f += ["--param", f"{k}={fmt_param(v)}"]
    s = settings or {}
    if "cash" in s:
        f += ["--cash", fmt_param(s["cash"])]
    c = s.get("commission")
    if c not in (None, 0, 0.0, "0", ""):
        f += ["--commission", c if isinstance(c, str) else repr(float(c))]
    if s.get("trade_on_close"):
        f.append("--trade-on-close")
    if s.get("size") is not None:
        f += ["--size", str(s["size"])]
    if s.get("long_only"):
        f.append("--long-only")
    return f


# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------


class Section:
    def __init__(self, name):
        self.name = name
        self.counts = {"ok": 0, "MISMATCH": 0, "VELO-ERROR": 0, "NO-FLAG": 0, "not run": 0}
        self.no_flag = None

    def line(self, status, label, detail=None, extra=None):
        self.counts[status] += 1
        print(f"{status:10} {self.name:13} {label}" + (f"  ({extra})" if extra else ""), flush=True)
        for d in (detail or [])[:6]:
            print(f"{'':24} {d}")
        if detail and len(detail) > 6:
            print(f"{'':24} ... {len(detail) - 6} more")

    def skip_rest(self, n):
        self.counts["not run"] += n

    @property
    def ok(self):
        return all(v == 0 for k, v in self.counts.items() if k != "ok") and self.counts["ok"] > 0


def check_single(sec, velo, label, data, flags, want, skip_warmup_stats=()):
    """Runs velo once and compares it with one oracle report. Returns False when velo lacks the
    flag (the caller stops the section)."""
    if sec.no_flag:
        sec.skip_rest(1)
        return False
    got, tpath, epath, problem = velo.single(data, flags)
    if problem:
        kind, msg = problem
        if kind == "no-flag":
            sec.no_flag = msg
            sec.line("NO-FLAG", label, [f"velo: {msg}", "velo does not have this issue's flags yet: the rest of "
                                                          "the section is not run"])
            return False
        sec.line("VELO-ERROR", label, [msg])
        return True
    if want.get("status") == "error":
        sec.line("MISMATCH", label, [f"the oracle refused this run ({want['error']}) but velo ran it"])
        return True
    keys = [k for k in want["stats"] if k not in skip_warmup_stats]
    bad = diff_stats(got.get("stats", {}), want["stats"], keys)
    bad += diff_trades(tpath, want["trades"])
    bad += diff_equity(epath, want.get("equity"))
    bad += diff_open(got.get("open_trade"), want.get("open_trade"))
    extra = f"{want['stats']['num_trades']} trades, equity {want['stats']['equity_final']}"
    sec.line("MISMATCH" if bad else "ok", label, bad, extra)
    return True


def load_json(path):
    with open(path) as f:
        return json.load(f)


def section_builtins(velo, exp, cases, data_dir, only):
    sec = Section("builtins")
    for c in cases["builtins"]:
        stem = builtin_case_stem(c)
        if only and only not in stem:
            continue
        want = load_json(os.path.join(exp, "builtins", stem + ".json"))["builtin"]
        st = {"commission": "0.002", "long_only": c.get("long_only", False)}
        check_single(sec, velo, stem, os.path.join(data_dir, "GOOG.csv"),
                     flags_for(params=c["params"], settings=st, strategy=c["name"]), want)
    return sec


def section_builtin_exprs(velo, exp, cases, data_dir, only):
    """Acceptance 1: velo's expression form vs velo's built-in; where they differ the oracle says
    why (a repeated cross) and the expression run must equal the oracle's expression run."""
    sec = Section("builtin-exprs")
    sys.path.insert(0, HERE)
    for c in cases["builtins"]:
        stem = builtin_case_stem(c)
        if only and only not in stem:
            continue
        if sec.no_flag:
            sec.skip_rest(1)
            continue
        saved = load_json(os.path.join(exp, "builtins", stem + ".json"))
        data = os.path.join(data_dir, "GOOG.csv")
        exprs = builtin_expressions(c["name"], c.get("long_only", False))
        ran = check_single(sec, velo, stem + " (expression vs oracle)", data,
                           flags_for(exprs=exprs, params=c["params"], settings={"commission": "0.002"}),
                           saved["expression"])
        if not ran:
            continue
        # and against velo's own built-in: equal unless the oracle found a repeated cross
        got_e, _, _, p1 = velo.single(data, flags_for(exprs=exprs, params=c["params"],
                                                      settings={"commission": "0.002"}))
        got_b, _, _, p2 = velo.single(data, flags_for(params=c["params"], settings={
            "commission": "0.002", "long_only": c.get("long_only", False)}, strategy=c["name"]))
        if p1 or p2:
            sec.line("VELO-ERROR", stem + " (expression vs built-in)", [m for _, m in filter(None, (p1, p2))])
            continue
        diff = diff_stats(got_e["stats"], got_b["stats"])
        ties = saved["repeated_crosses"]
        if not diff:
            sec.line("ok", stem + " (expression vs built-in)", extra="identical")
        elif ties:
            sec.line("ok", stem + " (expression vs built-in)",
                     extra=f"differ at the tie point(s) {[(t['bar'], t['direction'], t['tie_bars']) for t in ties]} "
                           "as the issue says; the expression run equals the oracle's")
        else:
            sec.line("MISMATCH", stem + " (expression vs built-in)", diff + ["the oracle finds no tie point here"])
    return sec


def section_cases(velo, exp, cases, data_dir, only):
    sec = Section("cases")
    for group in ("strategies", "edge"):
        for c in cases[group]:
            for sym, d in cases["datasets"].items():
                for comm in (False, True):
                    for toc in (False, True):
                        if group == "edge" and not c.get("full_matrix") and toc:
                            continue
                        stem = (f"{group}__{c['name']}__{sym}__{'comm' if comm else 'nocomm'}__"
                                f"{'close' if toc else 'open'}")
                        if only and only not in stem:
                            continue
                        want = load_json(os.path.join(exp, "cases", stem + ".json"))
                        params = c.get("params", {}).get(sym, c.get("params", {}).get("*", {}))
                        st = {"cash": d["cash"], "commission": d["commission"] if comm else None, "trade_on_close": toc}
                        check_single(sec, velo, stem, os.path.join(data_dir, sym + ".csv"),
                                     flags_for(exprs={r: c.get(r) for r in ROLES}, params=params, settings=st), want)
    return sec


def section_signals(velo, exp, cases, data_dir, only):
    sec = Section("signals")
    name = cases["signals"]["strategy"]
    for sym, d in cases["datasets"].items():
        for comm in (False, True):
            for toc in (False, True):
                stem = f"signals__{name}__{sym}__{'comm' if comm else 'nocomm'}__{'close' if toc else 'open'}"
                if only and only not in stem:
                    continue
                want = load_json(os.path.join(exp, "signals", stem + ".json"))
                st = {"cash": d["cash"], "commission": d["commission"] if comm else None, "trade_on_close": toc}
                sig = os.path.join(exp, "signals", f"signals_{name}_{sym}.csv")
                check_single(sec, velo, stem, os.path.join(data_dir, sym + ".csv"),
                             flags_for(signals=sig, settings=st), want)
    return sec


def section_grid(velo, exp, data_dir, reference):
    sec = Section("grid")
    expr = builtin_expressions("sma-cross")
    path = os.path.join(exp, "grid", "grid_expr.csv")
    ref = {(int(r["n1"]), int(r["n2"])): r for r in read_csv_rows(reference)} if os.path.exists(reference) else {}
    live = not os.path.exists(path)
    if live:
        # no saved expression grid: the reference grid is the expectation, and a point where velo
        # differs from it is run by the oracle now (the expression form differs only at ties)
        if not ref:
            sec.line("not run", "grid", [f"neither {path} nor the reference grid {reference}"])
            return sec
        want = {k: {v: r[c] for c, v in GRID_REF_COLUMNS.items()} for k, r in ref.items()}
        ties = {}
    else:
        want = {(int(r["fast"]), int(r["slow"])): r for r in read_csv_rows(path)}
        ties = {(t["fast"], t["slow"]): t for t in load_json(os.path.join(exp, "grid", "grid_ties.json"))}
    args = [os.path.join(data_dir, "GOOG.csv"), "--entry", expr["entry"], "--short-entry", expr["short_entry"],
            "--grid", "fast=5..49", "--grid", "slow=10..195:5", "--constraint", "fast<slow",
            "--commission", "0.002", "--top", "0", "--format", "json"]
    p, err = velo.run(args)
    if err or p.returncode != 0:
        msg = err or first_line(p.stderr)
        kind = "error" if err else classify(p.stderr)
        sec.line("NO-FLAG" if kind == "no-flag" else "VELO-ERROR", "1,530-point sma-cross expression grid", [msg])
        return sec
    try:
        results = json.loads(p.stdout)["results"]
    except (json.JSONDecodeError, KeyError) as e:
        sec.line("VELO-ERROR", "grid", [f"cannot read the sweep JSON: {e}"])
        return sec
    seen, bad_points, tie_diff = set(), [], 0
    for r in results:
        key = (int(r["params"]["fast"]), int(r["params"]["slow"]))
        seen.add(key)
        w = want.get(key)
        if w is None:
            bad_points.append(f"{key}: not a point of the reference grid")
            continue
        if r.get("status") != "ok":
            bad_points.append(f"{key}: status {r.get('status')}")
            continue
        bad = [f"{k}: velo {r['stats'].get(k)!r}, oracle {w[k]}" for k in GRID_STATS
               if not close(r["stats"].get(k), num_or_none(w[k]))]
        if bad and live:
            o = oracle_run(data_dir, expr, key)
            if o is None:
                bad.append("and the oracle could not run this point")
            else:
                bad = [f"{k}: velo {r['stats'].get(k)!r}, oracle {o[k]!r}" for k in GRID_STATS
                       if not close(r["stats"].get(k), o[k])]
                ties[key] = {"differs_from_builtin": True}
        if bad:
            bad_points.append(f"{key}: " + "; ".join(bad[:3]))
        if ref and key in ref and any(not close(r["stats"].get(v), num_or_none(ref[key][k]))
                                      for k, v in GRID_REF_COLUMNS.items()):
            tie_diff += 1
            if key not in ties or not ties[key]["differs_from_builtin"]:
                bad_points.append(f"{key}: differs from the built-in reference grid at a point with no tie")
    missing = sorted(set(want) - seen)
    if missing:
        bad_points.append(f"{len(missing)} points missing from velo's results, e.g. {missing[:3]}")
    expected_ties = sorted(k for k, t in ties.items() if t["differs_from_builtin"])
    sec.line("MISMATCH" if bad_points else "ok", f"{len(results)} points", bad_points,
             f"{tie_diff} differ from the built-in reference grid; the oracle's tie points are {expected_ties}")
    return sec


def oracle_run(data_dir, expr, key):
    """The oracle's expression run of one grid point (live mode), or None."""
    cmd = [sys.executable, os.path.join(HERE, "backtest_expr_oracle.py"), "run", os.path.join(data_dir, "GOOG.csv"),
           "--entry", expr["entry"], "--short-entry", expr["short_entry"], "--param", f"fast={key[0]}",
           "--param", f"slow={key[1]}", "--commission", "0.002", "--no-equity"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return None
    return json.loads(p.stdout)["stats"]


def spec_flags(spec, base):
    """A batch spec as the flags of one velo run (for 'the rest equal to single runs')."""
    s = {k.replace("-", "_"): v for k, v in spec.items()}
    res = lambda p: p if os.path.isabs(p) else os.path.normpath(os.path.join(base, p))  # noqa: E731
    st = {k: s[k] for k in ("cash", "commission", "trade_on_close", "size", "long_only") if k in s}
    exprs = {r: s.get(r) for r in ROLES}
    return res(s["data"]), flags_for(exprs=exprs, params=s.get("params"), settings=st,
                                     signals=res(s["signals"]) if s.get("signals") else None,
                                     strategy=s.get("strategy"))


def section_batch(velo, exp, only):
    sec = Section("batch")
    bdir = os.path.join(exp, "batch60")
    specs_path = os.path.join(bdir, "specs.jsonl")
    with open(specs_path) as f:
        specs = [json.loads(line) for line in f if line.strip()]
    bad = {int(k): v for k, v in load_json(os.path.join(bdir, "bad.json")).items()}
    with open(os.path.join(bdir, "expected.jsonl")) as f:
        expected = {d["index"]: d for d in map(json.loads, f)}
    p, err = velo.run(["batch", specs_path])
    if err:
        sec.line("VELO-ERROR", "batch", [err])
        return sec
    lines, junk = [], []
    for text in p.stdout.splitlines():
        if not text.strip():
            continue
        try:
            lines.append(json.loads(text))
        except json.JSONDecodeError:
            junk.append(text)
    if not lines:
        kind = classify(p.stderr)
        detail = [f"velo exit {p.returncode}: {first_line(p.stderr) or first_line(p.stdout)}"]
        if kind == "no-flag":
            detail.append("velo has no `backtest batch` subcommand yet")
        sec.line("NO-FLAG" if kind == "no-flag" else "VELO-ERROR", "velo backtest batch (60 specs)", detail)
        return sec
    head = []
    if len(lines) != len(specs):
        head.append(f"{len(lines)} lines for {len(specs)} specs")
    if junk:
        head.append(f"{len(junk)} stdout lines are not JSON, e.g. {junk[0][:80]!r}")
    if p.returncode != 1:
        head.append(f"exit code {p.returncode}; the issue says 1 when a spec failed")
    sec.line("MISMATCH" if head else "ok", "batch output: 60 lines, exit 1", head,
             f"{len(lines)} lines, exit {p.returncode}")
    by_index = {}
    for d in lines:
        if d.get("index") in by_index:
            sec.line("MISMATCH", f"line index {d.get('index')}", ["two output lines for one spec"])
        by_index[d.get("index")] = d
    for i, spec in enumerate(specs):
        label = f"spec {i} {spec.get('id', '(no id)')}"
        if only and only not in label:
            continue
        d = by_index.get(i)
        if d is None:
            sec.line("MISMATCH", label, ["no output line for this spec"])
            continue
        problems = []
        if "id" in spec and d.get("id") != spec["id"]:
            problems.append(f"id: velo {d.get('id')!r}, spec {spec['id']!r}")
        if "id" not in spec and "id" in d:
            problems.append(f"id {d['id']!r} given for a spec without one")
        if i in bad:
            if d.get("status") != "error":
                problems.append(f"status {d.get('status')!r}: this spec is bad ({bad[i]['kind']})")
            elif bad[i]["must_contain"] not in str(d.get("error", "")):
                problems.append(f"error {d.get('error')!r} does not name {bad[i]['must_contain']!r}")
            sec.line("MISMATCH" if problems else "ok", label, problems, f"error: {first_line(str(d.get('error')))}")
            continue
        w = expected[i]
        if d.get("status") != "ok":
            sec.line("MISMATCH", label, problems + [f"status {d.get('status')!r}: {d.get('error')}"])
            continue
        problems += diff_stats(d.get("stats", {}), w["stats"])
        # the same spec as a single velo run must give the same statistics
        data, flags = spec_flags(spec, bdir)
        single, _, _, prob = velo.single(data, flags)
        if prob:
            problems.append(f"single run: velo {prob[1]}")
        else:
            problems += [f"vs single run: {x}" for x in diff_stats(d.get("stats", {}), single.get("stats", {}),
                                                                     list(w["stats"]))]
        sec.line("MISMATCH" if problems else "ok", label, problems, f"{w['stats']['num_trades']} trades")
    return sec


# ---------------------------------------------------------------------------------------------
# Shared with the oracle without importing it (the compare runs on the standard library)
# ---------------------------------------------------------------------------------------------


def fmt_num(v):
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def builtin_case_stem(c):
    ps = "_".join(f"{k}{fmt_num(v)}" for k, v in c["params"].items())
    return f"builtin__{c['name']}__{ps}" + ("__long-only" if c.get("long_only") else "")


def builtin_expressions(name, long_only=False):
    with open(os.path.join(HERE, "backtest_expr_oracle.py")) as f:
        src = f.read()
    # BUILTIN_EXPRESSIONS is a plain literal in the oracle: read it without importing pandas
    start = src.index("BUILTIN_EXPRESSIONS = {")
    end = src.index("\n}\n", start) + 2
    ns = {}
    exec(src[start:end], ns)  # noqa: S102 - our own file's literal
    e = dict(ns["BUILTIN_EXPRESSIONS"][name])
    if long_only:
        e["exit"] = e.pop("short_entry")
    return e


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    shared = shared_dir()
    ap.add_argument("--velo", default=os.path.join(HERE, "..", "target", "release", "velo"))
    ap.add_argument("--expected", help="the oracle's saved outputs (backtest_expr_oracle.py expected --out DIR); "
                                       "without it the oracle runs now (needs backtesting 0.6.6 and ta-lib)")
    ap.add_argument("--data", default=os.path.join(shared or "", "data", "ohlcv"))
    ap.add_argument("--cases", default=os.path.join(HERE, "backtest_expr_cases.json"))
    ap.add_argument("--reference", default=os.path.join(shared or "", "data", "reference",
                                                        "backtesting_py_SmaCross_GOOG_grid.csv"))
    ap.add_argument("--sections", default="builtins,builtin-exprs,cases,signals,grid,batch")
    ap.add_argument("--only", help="only runs whose name contains this")
    ap.add_argument("--keep", help="keep velo's --trades/--equity files here")
    ap.add_argument("--verbose", action="store_true", help="print each velo command")
    ap.add_argument("--timeout", type=float, default=600, help="seconds one velo command may take (default 600)")
    a = ap.parse_args()

    if not os.access(a.velo, os.X_OK):
        sys.exit(f"no velo binary at {a.velo}: build it (cargo build --release) or pass --velo PATH")
    if not os.path.isdir(a.data):
        sys.exit(f"no data folder {a.data}: pass --data (shared/data/ohlcv)")
    with open(a.cases) as f:
        cases = json.load(f)
    exp = a.expected
    if not exp:
        exp = tempfile.mkdtemp(prefix="velo-expr-expected-")
        print(f"running the oracle into {exp} (pass --expected DIR to reuse saved outputs)", flush=True)
        rc = subprocess.call([sys.executable, os.path.join(HERE, "backtest_expr_oracle.py"), "expected",
                              "--cases", a.cases, "--data", a.data, "--out", exp], stdout=subprocess.DEVNULL)
        if rc != 0:
            sys.exit("the oracle failed: it needs pandas, numpy, backtesting==0.6.6 and ta-lib 0.8.x "
                     "(see /work/notes/bt21/NOTES.md for the virtualenv)")
    tmp = a.keep or tempfile.mkdtemp(prefix="velo-expr-compare-")
    os.makedirs(tmp, exist_ok=True)
    velo = Velo(os.path.abspath(a.velo), tmp, a.verbose, a.timeout)
    p, err = velo.run(["--help"])
    help_text = "" if err else p.stdout
    print(f"velo: {a.velo}; expected: {exp}; expression flags in --help: "
          f"{'yes' if '--entry' in help_text else 'NO (issue 21 not implemented in this binary)'}\n", flush=True)

    wanted = [s.strip() for s in a.sections.split(",") if s.strip()]
    sections = []
    for name in wanted:
        if name == "builtins":
            sections.append(section_builtins(velo, exp, cases, a.data, a.only))
        elif name == "builtin-exprs":
            sections.append(section_builtin_exprs(velo, exp, cases, a.data, a.only))
        elif name == "cases":
            sections.append(section_cases(velo, exp, cases, a.data, a.only))
        elif name == "signals":
            sections.append(section_signals(velo, exp, cases, a.data, a.only))
        elif name == "grid":
            sections.append(section_grid(velo, exp, a.data, a.reference))
        elif name == "batch":
            sections.append(section_batch(velo, exp, a.only))
        else:
            sys.exit(f"unknown section {name!r}")
        print()
    print(f"{'section':14} {'ok':>5} {'mismatch':>9} {'velo-error':>11} {'no-flag':>8} {'not run':>8}")
    for s in sections:
        c = s.counts
        print(f"{s.name:14} {c['ok']:5d} {c['MISMATCH']:9d} {c['VELO-ERROR']:11d} {c['NO-FLAG']:8d} {c['not run']:8d}"
              + (f"   velo: {s.no_flag}" if s.no_flag else ""))
    all_ok = all(s.ok for s in sections)
    print("\nALL AGREE" if all_ok else "\nNOT ALL AGREE")
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
