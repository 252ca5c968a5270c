#!/usr/bin/env python3
"""The oracle for issue 21 (`velo backtest` expression strategies, signals files, batches):
backtesting.py 0.6.6 itself, running exactly the strategy the issue's normative `next()` describes.

An expression (the issue's grammar) is parsed here by a small recursive-descent parser, type
checked, and turned into a backtesting.py `Strategy`: every function call except `crosses_*` is an
indicator declared with `self.I` in `init` (nested calls too, `shift` included) and kept as an
attribute of the strategy, so backtesting.py reveals it bar by bar and derives the warm-up from its
leading NaNs on its own (nothing here computes a warm-up). Arithmetic, comparisons, `not/and/or`
and `crosses_*` are evaluated in `next` on numpy scalars: an indicator or a series at the current
bar is `x[-1]`, and `crosses_above(a, b)` is `a[-2] < b[-2] and a[-1] > b[-1]` with `a` and `b`
evaluated on the previous and on the current bar (backtesting.py's `crossover`).

  python3 benches/backtest_expr_oracle.py run DATA.csv --entry EXPR [--exit EXPR]
        [--short-entry EXPR] [--short-exit EXPR] [--param NAME=VALUE ...] [broker flags]
        [--trades OUT.csv] [--out OUT.json] [--no-equity]
  python3 benches/backtest_expr_oracle.py run DATA.csv --signals SIGNALS.csv [broker flags]
  python3 benches/backtest_expr_oracle.py run DATA.csv --strategy sma-cross [--long-only] ...
  python3 benches/backtest_expr_oracle.py batch SPECS.jsonl [--trades]      (one JSON line a spec)
  python3 benches/backtest_expr_oracle.py cases [--cases benches/backtest_expr_cases.json]
        [--data ../shared/data/ohlcv] --out DIR       (the whole matrix of the cases file)
  python3 benches/backtest_expr_oracle.py grid --out DIR  (sma-cross as an expression over the
        1,530-point reference grid; finds and explains the tie points)
  python3 benches/backtest_expr_oracle.py probe         (TA-Lib / pandas / numpy NaN behaviour)
  python3 benches/backtest_expr_oracle.py check-expr EXPR [--param ...]  (parse + type check only)

Broker flags, as velo spells them: --cash, --commission RATE[+FIXED][,min=M] (RATE may be N%),
--trade-on-close, --size (0.5, 50%, 7u), --stop-loss/--take-profit (only with --trade-on-close:
velo measures them from the fill price, which backtesting.py knows at order time only then).
`--strategy NAME` runs velo's built-in strategy written as backtesting.py code (exclusive orders,
as velo's built-ins and benches/backtest_crosscheck.py); expressions and signals run the issue's
normative `next()` with exclusive_orders=False (its explicit `position.close()` calls do what
exclusive orders would; `exclusive-check` shows both give the same results).

Output JSON: velo's `--format json` keys (stats in snake_case, `null` for NaN), plus `warmup`
(backtesting.py's own W, read back from the strategy it ran), `trades` in velo's `--trades` CSV
columns and `equity` (per bar). Needs pandas, numpy, backtesting==0.6.6 and ta-lib 0.8.x.
"""
import argparse
import csv
import difflib
import json
import math
import os
import re
import sys
import warnings

os.environ.setdefault("TQDM_DISABLE", "1")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in benches/ from importing the scripts beside
sys.path.insert(0, HERE)


def shared_dir():
    """The workplace's shared/ folder beside the repository or up to two levels above it (as
    benches/shared_dir.sh looks for it); None in a clone on its own."""
    root = os.path.dirname(HERE)
    for up in ("..", os.path.join("..", ".."), os.path.join("..", "..", "..")):
        d = os.path.normpath(os.path.join(root, up, "shared"))
        if os.path.isdir(os.path.join(d, "tools")):
            return d
    return None


SHARED = shared_dir() or os.path.normpath(os.path.join(HERE, "..", "..", "shared"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

warnings.filterwarnings("ignore")

SERIES = {"open": "Open", "high": "High", "low": "Low", "close": "Close", "volume": "Volume"}
KEYWORDS = {"and", "or", "not"}
CMP_OPS = ("<=", ">=", "==", "!=", "<", ">")
# Smallest period TA-Lib 0.8.1 accepts (TA_BAD_PARAM below it; `probe` shows it); the pandas and
# numpy functions take any positive whole number.
TALIB_MIN = {"ema": 1, "rsi": 2, "roc": 1, "std": 2, "atr": 1, "bbands": 2}
MAX_PERIOD = 100000  # TA-Lib's upper bound for every period


class ExprError(Exception):
    """An error in an expression, at a 0-based column."""

    def __init__(self, msg, pos=None, src=None, what=None):
        super().__init__(msg)
        self.msg, self.pos, self.src, self.what = msg, pos, src, what

    def __str__(self):
        head = f"{self.what}: " if self.what else ""
        if self.pos is None or self.src is None:
            return head + self.msg
        return f"{head}{self.msg} (column {self.pos + 1})\n  {self.src}\n  {' ' * self.pos}^"


# ---------------------------------------------------------------------------------------------
# Lexer and parser
# ---------------------------------------------------------------------------------------------

NUM_RE = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def tokenize(src):
    toks, i = [], 0
    while i < len(src):
        c = src[i]
        if c.isspace():
            i += 1
            continue
        m = NUM_RE.match(src, i)
        if m and (c.isdigit() or c == "."):
            toks.append(("num", float(m.group()), i))
            i = m.end()
            continue
        if c == "$":
            m = IDENT_RE.match(src, i + 1)
            if not m:
                raise ExprError("expected a parameter name after '$'", i, src)
            toks.append(("param", m.group(), i))
            i = m.end()
            continue
        m = IDENT_RE.match(src, i)
        if m:
            w = m.group()
            toks.append(("kw" if w in KEYWORDS else "ident", w, i))
            i = m.end()
            continue
        two = src[i:i + 2]
        if two in ("<=", ">=", "==", "!="):
            toks.append(("op", two, i))
            i += 2
            continue
        if c in "<>+-*/(),.":
            toks.append(("op", c, i))
            i += 1
            continue
        if c == "=":
            raise ExprError("'=' is not an operator: use '==' to compare", i, src)
        if c in "&|!":
            word = {"&": "and", "|": "or", "!": "not"}[c]
            raise ExprError(f"unexpected '{c}': write '{word}'", i, src)
        raise ExprError(f"unexpected character {c!r}", i, src)
    toks.append(("end", None, len(src)))
    return toks


# AST: tuples whose first item is the kind and second the column.
#   ("num", pos, value) ("param", pos, name) ("series", pos, name)
#   ("neg", pos, x) ("bin", pos, op, a, b) ("cmp", pos, op, a, b)
#   ("not", pos, x) ("and", pos, a, b) ("or", pos, a, b)
#   ("call", pos, name, args, member, member_pos)


class Parser:
    def __init__(self, src):
        self.src = src
        self.toks = tokenize(src)
        self.i = 0

    def peek(self):
        return self.toks[self.i]

    def take(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def err(self, msg, pos=None):
        return ExprError(msg, self.peek()[2] if pos is None else pos, self.src)

    def describe(self, t):
        if t[0] == "end":
            return "the end of the expression"
        if t[0] == "num":
            return repr(NUM_RE.match(self.src, t[2]).group())
        return repr(("$" if t[0] == "param" else "") + str(t[1]))

    def expect(self, op, what):
        t = self.peek()
        if t[0] == "op" and t[1] == op:
            return self.take()
        raise self.err(f"expected {what}, found {self.describe(t)}")

    def parse(self):
        if self.peek()[0] == "end":
            raise self.err("empty expression: expected a condition such as 'close > sma(close, 20)'")
        node = self.or_()
        t = self.peek()
        if t[0] != "end":
            raise self.err(f"expected an operator or the end of the expression, found {self.describe(t)}")
        return node

    def or_(self):
        a = self.and_()
        while self.peek()[:2] == ("kw", "or"):
            pos = self.take()[2]
            a = ("or", pos, a, self.and_())
        return a

    def and_(self):
        a = self.not_()
        while self.peek()[:2] == ("kw", "and"):
            pos = self.take()[2]
            a = ("and", pos, a, self.not_())
        return a

    def not_(self):
        if self.peek()[:2] == ("kw", "not"):
            pos = self.take()[2]
            return ("not", pos, self.not_())
        return self.cmp()

    def cmp(self):
        a = self.add()
        t = self.peek()
        if t[0] == "op" and t[1] in CMP_OPS:
            self.take()
            b = self.add()
            t2 = self.peek()
            if t2[0] == "op" and t2[1] in CMP_OPS:
                raise self.err("comparisons cannot be chained: write 'a < b and b < c'")
            return ("cmp", t[2], t[1], a, b)
        return a

    def add(self):
        a = self.mul()
        while self.peek()[0] == "op" and self.peek()[1] in "+-":
            t = self.take()
            a = ("bin", t[2], t[1], a, self.mul())
        return a

    def mul(self):
        a = self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in "*/":
            t = self.take()
            a = ("bin", t[2], t[1], a, self.unary())
        return a

    def unary(self):
        t = self.peek()
        if t[0] == "op" and t[1] == "-":
            self.take()
            return ("neg", t[2], self.unary())
        if t[0] == "op" and t[1] == "+":
            raise self.err("unary '+' is not part of the grammar: remove it")
        return self.primary()

    def primary(self):
        t = self.take()
        kind, val, pos = t
        if kind == "num":
            return ("num", pos, val)
        if kind == "param":
            return ("param", pos, val)
        if kind == "op" and val == "(":
            node = self.or_()
            self.expect(")", "')'")
            return node
        if kind == "ident":
            if self.peek()[:2] == ("op", "("):
                return self.call(val, pos)
            if val in SERIES:
                return ("series", pos, val)
            if val in FUNCS:
                raise ExprError(f"'{val}' is a function: call it, e.g. {FUNCS[val]['usage']}", pos, self.src)
            hint = difflib.get_close_matches(val, list(SERIES), n=1, cutoff=0.6)
            extra = f", did you mean '{hint[0]}'?" if hint else f" (series are {', '.join(SERIES)})"
            raise ExprError(f"unknown series '{val}'{extra}", pos, self.src)
        if kind == "kw":
            raise ExprError(f"expected a value, found '{val}'", pos, self.src)
        if kind == "end":
            raise ExprError("unexpected end of the expression: expected a value", pos, self.src)
        raise ExprError(f"expected a value, found '{val}'", pos, self.src)

    def call(self, name, pos):
        if name not in FUNCS:
            hint = difflib.get_close_matches(name, list(FUNCS), n=1, cutoff=0.6)
            extra = f", did you mean '{hint[0]}'?" if hint else f" (functions are {', '.join(sorted(FUNCS))})"
            raise ExprError(f"unknown function '{name}'{extra}", pos, self.src)
        self.expect("(", "'('")
        args = []
        if not (self.peek()[0] == "op" and self.peek()[1] == ")"):
            while True:
                args.append(self.or_())
                if self.peek()[:2] == ("op", ","):
                    self.take()
                    continue
                break
        self.expect(")", "',' or ')'")
        member, mpos = None, None
        if self.peek()[:2] == ("op", "."):
            mpos = self.take()[2]
            t = self.take()
            if t[0] != "ident":
                raise ExprError("expected an output name after '.'", t[2], self.src)
            member, mpos = t[1], t[2]
        return ("call", pos, name, args, member, mpos)


# ---------------------------------------------------------------------------------------------
# Functions: argument kinds and whole-series implementations
# ---------------------------------------------------------------------------------------------
# Argument kinds: "x" a numeric series (any numeric expression; a number is a constant series),
# "n" a window/count (a positive whole number: a literal or a $param), "k" a number (a literal,
# a $param, or minus one of those).


def _talib():
    import talib
    return talib


def f_sma(x, n):
    return pd.Series(x).rolling(n).mean().to_numpy()


def f_highest(x, n):
    return pd.Series(x).rolling(n).max().to_numpy()


def f_lowest(x, n):
    return pd.Series(x).rolling(n).min().to_numpy()


def f_shift(x, k):
    out = np.full(len(x), np.nan)
    if k < len(x):
        out[k:] = x[:len(x) - k]
    return out


FUNCS = {
    "sma": {"args": "xn", "usage": "sma(close, 20)", "impl": "pandas rolling(n).mean()"},
    "ema": {"args": "xn", "usage": "ema(close, 20)", "impl": "talib.EMA"},
    "rsi": {"args": "xn", "usage": "rsi(close, 14)", "impl": "talib.RSI"},
    "roc": {"args": "xn", "usage": "roc(close, 10)", "impl": "talib.ROC"},
    "std": {"args": "xn", "usage": "std(close, 20)", "impl": "talib.STDDEV(x, n, 1)"},
    "atr": {"args": "n", "usage": "atr(14)", "impl": "talib.ATR(high, low, close, n)"},
    "bbands": {"args": "xnk", "usage": "bbands(close, 20, 2).lower", "members": ["upper", "middle", "lower"],
               "impl": "talib.BBANDS(x, n, k, k, MA_Type.SMA)"},
    "macd": {"args": "xnnn", "usage": "macd(close, 12, 26, 9).line", "members": ["line", "signal", "hist"],
             "impl": "talib.MACD(x, fast, slow, signal)"},
    "highest": {"args": "xn", "usage": "highest(high, 20)", "impl": "pandas rolling(n).max()"},
    "lowest": {"args": "xn", "usage": "lowest(low, 20)", "impl": "pandas rolling(n).min()"},
    "shift": {"args": "xn", "usage": "shift(close, 1)", "impl": "k leading NaN, then x[:-k]"},
    "abs": {"args": "x", "usage": "abs(close - open)", "impl": "numpy.abs"},
    "min": {"args": "xx", "usage": "min(open, close)", "impl": "numpy.minimum"},
    "max": {"args": "xx", "usage": "max(open, close)", "impl": "numpy.maximum"},
    "crosses_above": {"args": "xx", "usage": "crosses_above(sma(close, 10), sma(close, 20))", "impl": "in next"},
    "crosses_below": {"args": "xx", "usage": "crosses_below(sma(close, 10), sma(close, 20))", "impl": "in next"},
}


def compute_call(name, args, member, arrays):
    """The whole-series value of one function call. `args`: arrays for "x", ints for "n",
    floats for "k"."""
    ta = None if name in ("sma", "highest", "lowest", "shift", "abs", "min", "max") else _talib()
    if name == "sma":
        return f_sma(*args)
    if name == "highest":
        return f_highest(*args)
    if name == "lowest":
        return f_lowest(*args)
    if name == "shift":
        return f_shift(*args)
    if name == "abs":
        return np.abs(args[0])
    if name == "min":
        return np.minimum(args[0], args[1])
    if name == "max":
        return np.maximum(args[0], args[1])
    if name == "ema":
        return ta.EMA(args[0], args[1])
    if name == "rsi":
        return ta.RSI(args[0], args[1])
    if name == "roc":
        return ta.ROC(args[0], args[1])
    if name == "std":
        return ta.STDDEV(args[0], args[1], 1.0)
    if name == "atr":
        return ta.ATR(arrays["High"], arrays["Low"], arrays["Close"], args[0])
    if name == "bbands":
        out = ta.BBANDS(args[0], args[1], args[2], args[2], 0)
        return out[["upper", "middle", "lower"].index(member)]
    if name == "macd":
        out = ta.MACD(args[0], args[1], args[2], args[3])
        return out[["line", "signal", "hist"].index(member)]
    raise AssertionError(name)


# ---------------------------------------------------------------------------------------------
# Type checking and binding of parameters
# ---------------------------------------------------------------------------------------------


def fmt_num(v):
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


class Binder:
    """Type checks one expression and binds its $params: returns a bound tree where params are
    numbers and windows are ints; records the params used."""

    def __init__(self, src, what, params):
        self.src, self.what, self.params = src, what, params
        self.used = set()

    def err(self, msg, pos):
        return ExprError(msg, pos, self.src, self.what)

    def param(self, node):
        name = node[2]
        if name not in self.params:
            raise self.err(f"no value for ${name}: give --param {name}=VALUE", node[1])
        self.used.add(name)
        return float(self.params[name])

    def bool_(self, node):
        t, b = self.check(node)
        if t != "bool":
            raise self.err("expected a condition (a comparison, crosses_above/below, not/and/or), found a number",
                           node[1])
        return b

    def num(self, node, ctx):
        t, b = self.check(node)
        if t != "num":
            raise self.err(f"expected a number {ctx}, found a condition", node[1])
        return b

    def check(self, node):
        k = node[0]
        if k == "num":
            return "num", ("num", node[1], float(node[2]))
        if k == "param":
            return "num", ("num", node[1], self.param(node))
        if k == "series":
            return "num", node
        if k == "neg":
            return "num", ("neg", node[1], self.num(node[2], "after unary '-'"))
        if k == "bin":
            return "num", ("bin", node[1], node[2], self.num(node[3], f"before '{node[2]}'"),
                           self.num(node[4], f"after '{node[2]}'"))
        if k == "cmp":
            return "bool", ("cmp", node[1], node[2], self.num(node[3], f"before '{node[2]}'"),
                            self.num(node[4], f"after '{node[2]}'"))
        if k == "not":
            return "bool", ("not", node[1], self.bool_(node[2]))
        if k in ("and", "or"):
            return "bool", (k, node[1], self.bool_(node[2]), self.bool_(node[3]))
        if k == "call":
            return self.call(node)
        raise AssertionError(k)

    def const(self, node, name, i):
        """A "k" argument: a number, a $param, or minus one of those."""
        if node[0] == "num":
            return float(node[2])
        if node[0] == "param":
            return self.param(node)
        if node[0] == "neg" and node[2][0] in ("num", "param"):
            return -self.const(node[2], name, i)
        raise self.err(f"argument {i + 1} of {name} must be a number or a $param", node[1])

    def window(self, node, name, i):
        v = self.const(node, name, i)
        what = "count" if name == "shift" else "window"
        if node[0] == "param" and not (v.is_integer() and v >= 1):
            raise self.err(f"parameter ${node[2]}={fmt_num(v)} is not a positive whole number "
                           f"(the {what} of {name})", node[1])
        if not (v.is_integer() and v >= 1):
            raise self.err(f"the {what} of {name} must be a positive whole number, found {fmt_num(v)}", node[1])
        lo = TALIB_MIN.get(name, 2 if name == "macd" and i in (1, 2) else 1)
        if v < lo or v > MAX_PERIOD:
            src = f"${node[2]}={fmt_num(v)}" if node[0] == "param" else fmt_num(v)
            raise self.err(f"{src} is out of range for the {what} of {name}: use {lo} to {MAX_PERIOD} "
                           "(TA-Lib's bounds)", node[1])
        return int(v)

    def call(self, node):
        _, pos, name, args, member, mpos = node
        spec = FUNCS[name]
        kinds = spec["args"]
        if len(args) != len(kinds):
            raise self.err(f"{name} takes {len(kinds)} argument{'s' if len(kinds) != 1 else ''}, "
                           f"found {len(args)}: e.g. {spec['usage']}", pos)
        members = spec.get("members")
        if members and member is None:
            raise self.err(f"{name}(...) has {len(members)} outputs: add "
                           + ", ".join(f".{m}" for m in members[:-1]) + f" or .{members[-1]}", pos)
        if member is not None and not members:
            raise self.err(f"{name}(...) has one output: remove '.{member}'", mpos)
        if member is not None and member not in members:
            hint = difflib.get_close_matches(member, members, n=1, cutoff=0.5)
            extra = f", did you mean '.{hint[0]}'?" if hint else f" (use {', '.join('.' + m for m in members)})"
            raise self.err(f"{name} has no output '.{member}'{extra}", mpos)
        bound = []
        for i, (a, kind) in enumerate(zip(args, kinds)):
            if kind == "x":
                bound.append(self.num(a, f"as argument {i + 1} of {name}"))
            elif kind == "n":
                bound.append(("int", a[1], self.window(a, name, i)))
            else:
                bound.append(("num", a[1], self.const(a, name, i)))
        t = "bool" if name.startswith("crosses_") else "num"
        return t, ("call", pos, name, bound, member)


def parse(src, what="expression"):
    try:
        return Parser(src).parse()
    except ExprError as e:
        e.what = what
        raise


def bind(src, what, params, want="bool"):
    tree = parse(src, what)
    b = Binder(src, what, params)
    tree = b.bool_(tree) if want == "bool" else b.num(tree, "")
    return tree, b.used


def canon(node):
    """A canonical text of a bound numeric subtree (the key that shares identical indicators)."""
    k = node[0]
    if k == "num":
        return repr(float(node[2]))
    if k == "int":
        return str(node[2])
    if k == "series":
        return node[2]
    if k == "neg":
        return f"(-{canon(node[2])})"
    if k == "bin":
        return f"({canon(node[3])}{node[2]}{canon(node[4])})"
    if k == "call":
        inner = ",".join(canon(a) for a in node[3])
        return f"{node[2]}({inner})" + (f".{node[4]}" if node[4] else "")
    raise AssertionError(k)


# ---------------------------------------------------------------------------------------------
# Compilation to a backtesting.py strategy
# ---------------------------------------------------------------------------------------------

ROLES = ("entry", "exit", "short_entry", "short_exit")


class Compiled:
    """The four bound conditions, the indicators they need (in dependency order, each once) and
    the per-bar evaluators."""

    def __init__(self, exprs, params):
        self.exprs = {r: e for r, e in exprs.items() if e is not None and e.strip() != ""}
        if not self.exprs:
            raise ExprError("give at least --entry or --short-entry (or --signals, or --strategy)")
        if "entry" not in self.exprs and "short_entry" not in self.exprs:
            raise ExprError("an --exit or --short-exit alone never opens a trade: give --entry or --short-entry")
        self.params = dict(params)
        used = set()
        self.trees = {}
        for role, src in self.exprs.items():
            tree, u = bind(src, role.replace("_", "-"), self.params)
            self.trees[role] = tree
            used |= u
        unused = sorted(set(self.params) - used)
        if unused:
            raise ExprError("parameter " + ", ".join(f"'{u}'" for u in unused)
                            + " is not used by any expression (a typo?)")
        self.indicators = []   # (attr, key, call node)
        self.attr_of = {}
        for role in ROLES:
            if role in self.trees:
                self._collect(self.trees[role])
        self.eval = {role: self._compile(tree) for role, tree in self.trees.items()}

    def _collect(self, node):
        k = node[0]
        if k in ("neg", "not"):
            self._collect(node[2])
        elif k in ("bin", "cmp"):
            self._collect(node[3])
            self._collect(node[4])
        elif k in ("and", "or"):
            self._collect(node[2])
            self._collect(node[3])
        elif k == "call":
            for a in node[3]:
                self._collect(a)
            if not node[2].startswith("crosses_"):
                key = canon(node)
                if key not in self.attr_of:
                    attr = f"ind{len(self.indicators)}"
                    self.attr_of[key] = attr
                    self.indicators.append((attr, key, node))

    # whole-series values of a numeric subtree (for function arguments), in init
    def series(self, node, arrays, values):
        k = node[0]
        n = len(arrays["Close"])
        if k == "num":
            return np.full(n, node[2])
        if k == "series":
            return arrays[SERIES[node[2]]]
        if k == "neg":
            return -self.series(node[2], arrays, values)
        if k == "bin":
            a, b = self.series(node[3], arrays, values), self.series(node[4], arrays, values)
            with np.errstate(all="ignore"):
                return {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[node[2]](a, b)
        if k == "call":
            return values[canon(node)]
        raise AssertionError(k)

    def call_value(self, node, arrays, values):
        args = []
        for a in node[3]:
            if a[0] == "int":
                args.append(a[2])
            elif a[0] == "num" and FUNCS[node[2]]["args"][len(args)] == "k":
                args.append(float(a[2]))
            else:
                args.append(np.ascontiguousarray(self.series(a, arrays, values), dtype=np.float64))
        with np.errstate(all="ignore"):
            out = compute_call(node[2], args, node[4], arrays)
        return np.asarray(out, dtype=np.float64)

    # per-bar evaluators: f(strategy, off) with off = 1 (this bar) or 2 (the bar before)
    def _compile(self, node):
        k = node[0]
        if k == "num":
            v = np.float64(node[2])
            return lambda s, off: v
        if k == "series":
            col = SERIES[node[2]]
            return lambda s, off: getattr(s.data, col)[-off]
        if k == "neg":
            f = self._compile(node[2])
            return lambda s, off: -f(s, off)
        if k == "bin":
            a, b = self._compile(node[3]), self._compile(node[4])
            op = node[2]
            if op == "+":
                return lambda s, off: a(s, off) + b(s, off)
            if op == "-":
                return lambda s, off: a(s, off) - b(s, off)
            if op == "*":
                return lambda s, off: a(s, off) * b(s, off)
            return lambda s, off: a(s, off) / b(s, off)
        if k == "cmp":
            a, b = self._compile(node[3]), self._compile(node[4])
            op = node[2]
            return {
                "<": lambda s, off: a(s, off) < b(s, off),
                "<=": lambda s, off: a(s, off) <= b(s, off),
                ">": lambda s, off: a(s, off) > b(s, off),
                ">=": lambda s, off: a(s, off) >= b(s, off),
                "==": lambda s, off: a(s, off) == b(s, off),
                "!=": lambda s, off: a(s, off) != b(s, off),
            }[op]
        if k == "not":
            f = self._compile(node[2])
            return lambda s, off: not f(s, off)
        if k == "and":
            a, b = self._compile(node[2]), self._compile(node[3])
            return lambda s, off: a(s, off) and b(s, off)
        if k == "or":
            a, b = self._compile(node[2]), self._compile(node[3])
            return lambda s, off: a(s, off) or b(s, off)
        if k == "call":
            name = node[2]
            if name in ("crosses_above", "crosses_below"):
                a, b = self._compile(node[3][0]), self._compile(node[3][1])
                if name == "crosses_below":
                    a, b = b, a
                # backtesting.lib.crossover(a, b): a[-2] < b[-2] and a[-1] > b[-1]
                return lambda s, off: a(s, 2) < b(s, 2) and a(s, 1) > b(s, 1)
            attr = self.attr_of[canon(node)]
            return lambda s, off: getattr(s, attr)[-off]
        raise AssertionError(k)


# ---------------------------------------------------------------------------------------------
# Broker settings
# ---------------------------------------------------------------------------------------------


def parse_fraction(text, what):
    t = str(text).strip()
    try:
        v = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        raise ExprError(f"{what} {text!r} is not a number (e.g. 0.05 or 5%)")
    return v


def parse_commission(text):
    """velo's --commission RATE[+FIXED][,min=M] -> (rate, fixed, minimum)."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text), 0.0, 0.0
    t = str(text).strip()
    minimum = 0.0
    if "," in t:
        t, rest = t.split(",", 1)
        if not rest.strip().startswith("min="):
            raise ExprError(f"commission {text!r}: expected ',min=AMOUNT' after the rate")
        minimum = float(rest.strip()[4:])
    fixed = 0.0
    if "+" in t:
        t, f = t.split("+", 1)
        fixed = float(f)
    return parse_fraction(t, "commission"), fixed, minimum


def parse_size(text):
    if text is None:
        return None
    t = str(text).strip()
    if t.endswith("u"):
        v = float(t[:-1])
        if not v.is_integer():
            raise ExprError("fractional units need velo's --fractional, which backtesting.py has no exact form of")
        return v
    v = parse_fraction(t, "size")
    if not 0 < v < 1:
        if v == 1:
            return None  # all cash: backtesting.py's default 1 - eps
        raise ExprError(f"size {text!r}: a fraction must be in (0, 1]; give fixed units as '7u'")
    return v


class Settings:
    def __init__(self, cash=10000.0, commission=0.0, trade_on_close=False, size=None,
                 stop_loss=None, take_profit=None, long_only=False):
        self.cash = float(cash)
        self.commission_text = commission
        self.rate, self.fixed, self.min = parse_commission(commission)
        self.trade_on_close = bool(trade_on_close)
        self.size = parse_size(size)
        self.size_text = size
        self.stop_loss = None if stop_loss is None else parse_fraction(stop_loss, "stop-loss")
        self.take_profit = None if take_profit is None else parse_fraction(take_profit, "take-profit")
        self.long_only = bool(long_only)
        if self.fixed or self.min:
            raise ExprError("a fixed or minimum commission has no exact backtesting.py form: its (fixed, rate) "
                            "tuple is divided by the order's size fraction when sizing, so a fixed $1 costs "
                            "~$1 per unit there, per order in velo; use a plain rate")
        if (self.stop_loss or self.take_profit) and not self.trade_on_close:
            raise ExprError("the oracle maps --stop-loss/--take-profit only with --trade-on-close (velo measures "
                            "them from the fill price, which backtesting.py knows at order time only then)")

    def bt_commission(self):
        if self.min:
            rate, fixed, minimum = self.rate, self.fixed, self.min

            def commission(size, price):
                c = fixed + abs(size) * price * rate
                return minimum if c < minimum else c
            return commission
        if self.fixed:
            return (self.fixed, self.rate)
        return self.rate

    def order_kwargs(self, strategy, direction):
        kw = {}
        if self.size is not None:
            kw["size"] = self.size
        c = strategy.data.Close[-1]
        if self.stop_loss:
            kw["sl"] = c * (1 - direction * self.stop_loss)
        if self.take_profit:
            kw["tp"] = c * (1 + direction * self.take_profit)
        return kw

    def as_json(self):
        d = {"cash": self.cash, "commission": self.commission_text, "trade_on_close": self.trade_on_close}
        if self.size_text is not None:
            d["size"] = self.size_text
        if self.stop_loss is not None:
            d["stop_loss"] = self.stop_loss
        if self.take_profit is not None:
            d["take_profit"] = self.take_profit
        if self.long_only:
            d["long_only"] = True
        return d


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------


def normative_next(self, entry, exit_, short_entry, short_exit, settings):
    """The issue's normative next(); the four arguments are callables evaluated lazily, in the
    order (and with the short-circuits) of the issue's code."""
    if self.position.is_long and exit_():
        self.position.close()
    elif self.position.is_short and short_exit():
        self.position.close()
    if entry() and not self.position.is_long:
        if self.position.is_short:
            self.position.close()
        self.buy(**settings.order_kwargs(self, +1))
    elif short_entry() and not self.position.is_short:
        if self.position.is_long:
            self.position.close()
        self.sell(**settings.order_kwargs(self, -1))


def make_expr_strategy(compiled, settings):
    from backtesting import Strategy

    false = lambda: False  # noqa: E731

    class ExprStrategy(Strategy):
        def init(self):
            d = self.data
            arrays = {c: np.asarray(getattr(d, c), dtype=np.float64) for c in SERIES.values()}
            values = {}
            for attr, key, node in compiled.indicators:
                arr = compiled.call_value(node, arrays, values)
                ind = self.I(lambda a=arr: a, name=key, overlay=False)
                setattr(self, attr, ind)
                values[key] = np.asarray(ind)

        def next(self):
            ev = compiled.eval
            f = {r: (lambda g=ev[r]: g(self, 1)) if r in ev else false for r in ROLES}
            normative_next(self, f["entry"], f["exit"], f["short_entry"], f["short_exit"], settings)

    ExprStrategy.__name__ = "ExprStrategy"
    return ExprStrategy


TRUE_WORDS, FALSE_WORDS = {"1", "true"}, {"0", "false", ""}


def read_signals(path, index):
    """Issue point 2: Date + any of entry/exit/short_entry/short_exit; 1/0/true/false in any case,
    empty = false; joined to the bars by date; a bar with no row has no signal."""
    n = len(index)
    pos = {ts: i for i, ts in enumerate(index)}
    cols = {r: np.zeros(n, dtype=np.float64) for r in ROLES}
    seen = {}
    try:
        f = open(path, newline="", encoding="utf-8")
    except OSError as e:
        raise ExprError(f"{path}: cannot read the signals file: {e.strerror}")
    with f:
        rows = csv.reader(f)
        header = next(rows, None)
        if not header:
            raise ExprError(f"{path}: empty signals file: expected a header 'Date,entry,exit,...'")
        names = [h.strip().lower().replace("-", "_") for h in header]
        if names[0] != "date":
            raise ExprError(f"{path}:1: the first column must be 'Date', found {header[0]!r}")
        unknown = [h for h, nm in zip(header[1:], names[1:]) if nm not in ROLES]
        if unknown:
            raise ExprError(f"{path}:1: unknown signal column {unknown[0]!r}: use entry, exit, short_entry, short_exit")
        if len(names) == 1:
            raise ExprError(f"{path}:1: no signal column: add entry, exit, short_entry or short_exit")
        for lineno, row in enumerate(rows, start=2):
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(names):
                raise ExprError(f"{path}:{lineno}: expected {len(names)} fields, found {len(row)}")
            try:
                ts = pd.Timestamp(row[0].strip())
            except ValueError:
                raise ExprError(f"{path}:{lineno}: {row[0]!r} is not a date")
            if ts not in pos:
                raise ExprError(f"{path}:{lineno}: no bar is dated {row[0].strip()}")
            if ts in seen:
                raise ExprError(f"{path}:{lineno}: {row[0].strip()} already had a row on line {seen[ts]}")
            seen[ts] = lineno
            for nm, cell in zip(names[1:], row[1:]):
                c = cell.strip().lower()
                if c in TRUE_WORDS:
                    cols[nm][pos[ts]] = 1.0
                elif c not in FALSE_WORDS:
                    raise ExprError(f"{path}:{lineno}: {nm} is {cell!r}: use 1/0, true/false or leave it empty")
    present = [nm for nm in names[1:]]
    return cols, present


def make_signals_strategy(cols, present, settings):
    from backtesting import Strategy

    false = lambda: False  # noqa: E731

    class SignalsStrategy(Strategy):
        def init(self):
            for r in present:
                # 0/1 floats, no NaN: backtesting.py's warm-up is 0, so next starts on bar 1
                setattr(self, "sig_" + r, self.I(lambda a=cols[r]: a, name=r, overlay=False))

        def next(self):
            f = {r: (lambda a="sig_" + r: bool(getattr(self, a)[-1])) if r in present else false for r in ROLES}
            normative_next(self, f["entry"], f["exit"], f["short_entry"], f["short_exit"], settings)

    return SignalsStrategy


BUILTINS = {
    "sma-cross": {"fast": 10, "slow": 20},
    "ema-cross": {"fast": 12, "slow": 26},
    "rsi": {"n": 14, "lower": 30, "upper": 70},
    "macd": {"fast": 12, "slow": 26, "signal": 9},
    "bbands": {"n": 20, "k": 2},
    "donchian": {"n": 20},
    "momentum": {"n": 20, "threshold": 0},
}

# The built-ins written in the grammar (issue acceptance point 1). Crossover built-ins order on
# every cross (a repeated cross closes and reopens); these hold the position instead.
BUILTIN_EXPRESSIONS = {
    "sma-cross": {"entry": "crosses_above(sma(close, $fast), sma(close, $slow))",
                  "short_entry": "crosses_below(sma(close, $fast), sma(close, $slow))"},
    "ema-cross": {"entry": "crosses_above(ema(close, $fast), ema(close, $slow))",
                  "short_entry": "crosses_below(ema(close, $fast), ema(close, $slow))"},
    "rsi": {"entry": "rsi(close, $n) < $lower", "short_entry": "rsi(close, $n) > $upper"},
    "macd": {"entry": "crosses_above(macd(close, $fast, $slow, $signal).line, macd(close, $fast, $slow, $signal).signal)",
             "short_entry": "crosses_below(macd(close, $fast, $slow, $signal).line, macd(close, $fast, $slow, $signal).signal)"},
    "bbands": {"entry": "close < bbands(close, $n, $k).lower", "short_entry": "close > bbands(close, $n, $k).upper"},
    "donchian": {"entry": "close > shift(highest(high, $n), 1)", "short_entry": "close < shift(lowest(low, $n), 1)"},
    "momentum": {"entry": "roc(close, $n) > $threshold", "short_entry": "roc(close, $n) < -$threshold"},
}


def builtin_as_expressions(name, long_only=False):
    """The expression form of a built-in; with long_only the sell condition becomes the exit."""
    e = dict(BUILTIN_EXPRESSIONS[name])
    if long_only:
        e["exit"] = e.pop("short_entry")
    return e


def make_builtin_strategy(name, params, settings):
    """velo's built-in strategies as backtesting.py code (run with exclusive_orders=True)."""
    from backtesting import Strategy
    from backtesting.lib import crossover
    p = dict(BUILTINS[name])
    for k, v in params.items():
        if k not in p:
            raise ExprError(f"{name} has no parameter '{k}' (it has {', '.join(p)})")
        p[k] = v
    ints = {k: int(v) for k, v in p.items() if float(v).is_integer()}
    long_only = settings.long_only

    class Builtin(Strategy):
        def init(self):
            import talib
            c = np.asarray(self.data.Close, dtype=np.float64)
            h = np.asarray(self.data.High, dtype=np.float64)
            lo = np.asarray(self.data.Low, dtype=np.float64)
            if name == "sma-cross":
                self.a = self.I(f_sma, c, ints["fast"])
                self.b = self.I(f_sma, c, ints["slow"])
            elif name == "ema-cross":
                self.a = self.I(talib.EMA, c, ints["fast"])
                self.b = self.I(talib.EMA, c, ints["slow"])
            elif name == "macd":
                m = talib.MACD(c, ints["fast"], ints["slow"], ints["signal"])
                self.a = self.I(lambda: m[0])
                self.b = self.I(lambda: m[1])
            elif name == "rsi":
                self.r = self.I(talib.RSI, c, ints["n"])
            elif name == "bbands":
                u, _, lw = talib.BBANDS(c, ints["n"], float(p["k"]), float(p["k"]), 0)
                self.u = self.I(lambda: u)
                self.lw = self.I(lambda: lw)
            elif name == "donchian":
                self.hi = self.I(lambda: f_shift(talib.MAX(h, ints["n"]), 1))
                self.lo = self.I(lambda: f_shift(talib.MIN(lo, ints["n"]), 1))
            elif name == "momentum":
                self.r = self.I(talib.ROC, c, ints["n"])

        def sell_or_close(self):
            if long_only:
                self.position.close()
            else:
                self.sell(**settings.order_kwargs(self, -1))

        def next(self):
            c = self.data.Close[-1]
            if name in ("sma-cross", "ema-cross", "macd"):
                if crossover(self.a, self.b):
                    self.buy(**settings.order_kwargs(self, +1))
                elif crossover(self.b, self.a):
                    self.sell_or_close()
                return
            if name == "rsi":
                buy, sell = self.r[-1] < p["lower"], self.r[-1] > p["upper"]
            elif name == "bbands":
                buy, sell = c < self.lw[-1], c > self.u[-1]
            elif name == "donchian":
                buy, sell = c > self.hi[-1], c < self.lo[-1]
            else:
                buy, sell = self.r[-1] > p["threshold"], self.r[-1] < -p["threshold"]
            if buy and not self.position.is_long:
                self.buy(**settings.order_kwargs(self, +1))
            elif sell and not self.position.is_short:
                self.sell_or_close()

    return Builtin, p


# ---------------------------------------------------------------------------------------------
# Running and reporting
# ---------------------------------------------------------------------------------------------

KEYS = None
DURATIONS = None


def _keys():
    global KEYS, DURATIONS
    if KEYS is None:
        try:
            from backtest_crosscheck import KEYS as K, DURATIONS as D
        except ImportError:  # pragma: no cover - the crosscheck lives beside this file
            raise SystemExit("benches/backtest_crosscheck.py (KEYS) must sit beside this script")
        KEYS, DURATIONS = K, D
    return KEYS, DURATIONS


def load_bars(path):
    try:
        df = pd.read_csv(path, index_col=0, parse_dates=True)
    except FileNotFoundError:
        raise ExprError(f"{path}: no such file")
    except OSError as e:
        raise ExprError(f"{path}: cannot read: {e.strerror}")
    df.columns = [c.strip().capitalize() for c in df.columns]
    missing = [c for c in ("Open", "High", "Low", "Close", "Volume") if c not in df.columns]
    if missing:
        raise ExprError(f"{path}: missing column(s) {', '.join(missing)}")
    # velo's series are f64; an integer Volume would otherwise be int64 in next() (and TA-Lib
    # refuses non-double input)
    return df[["Open", "High", "Low", "Close", "Volume"]].astype(np.float64)


def fmt_time(ts, daily):
    return ts.strftime("%Y-%m-%d") if daily else ts.strftime("%Y-%m-%d %H:%M:%S")


def num(v):
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def report(stats, df, data_path, *, mode, exprs=None, params=None, settings=None, builtin=None,
           with_equity=True, signals=None):
    from backtesting._util import _indicator_warmup_nbars
    keys, durations = _keys()
    daily = bool((df.index == df.index.normalize()).all())
    s = {"start": fmt_time(stats["Start"], daily), "end": fmt_time(stats["End"], daily)}
    for k, ok in keys.items():
        s[ok] = num(stats.get(k, 0.0 if k == "Commissions [$]" else None))
    for k, ok in durations.items():
        v = stats[k]
        s[ok] = None if pd.isna(v) else v.total_seconds() / 86400
    s["num_trades"] = int(stats["# Trades"])
    strat = stats["_strategy"]
    trades = []
    for t in stats["_trades"].itertuples():
        trades.append({
            "size": float(t.Size), "entry_bar": int(t.EntryBar), "exit_bar": int(t.ExitBar),
            "entry_price": float(t.EntryPrice), "exit_price": float(t.ExitPrice), "pnl": float(t.PnL),
            "commission": float(t.Commission), "return_pct": float(t.ReturnPct),
            "entry_time": fmt_time(t.EntryTime, daily), "exit_time": fmt_time(t.ExitTime, daily),
        })
    open_trades = list(strat._broker.trades)
    out = {
        "schema_version": 1,
        "oracle": "backtesting.py " + _bt_version(),
        "symbol": os.path.splitext(os.path.basename(data_path))[0],
        "data": data_path,
        "mode": mode,
        "bars": len(df),
        "warmup": int(_indicator_warmup_nbars(strat)),
    }
    if exprs is not None:
        out["expressions"] = exprs
    if builtin is not None:
        out["strategy"] = builtin
    if signals is not None:
        out["signals"] = signals
    out["params"] = {k: (int(v) if float(v).is_integer() else float(v)) for k, v in (params or {}).items()}
    out["settings"] = settings.as_json()
    out["stats"] = s
    out["open_trade"] = ({"size": float(open_trades[0].size), "entry_bar": int(open_trades[0].entry_bar),
                          "entry_price": float(open_trades[0].entry_price)} if open_trades else None)
    out["trades"] = trades
    if with_equity:
        out["equity"] = [float(x) for x in stats["_equity_curve"]["Equity"].to_numpy()]
    return out


def _bt_version():
    import backtesting
    return backtesting.__version__


def run_backtest(strategy_cls, df, settings, exclusive):
    from backtesting import Backtest
    bt = Backtest(df, strategy_cls, cash=settings.cash, commission=settings.bt_commission(),
                  trade_on_close=settings.trade_on_close, exclusive_orders=exclusive)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return bt.run()


def run_one(data, *, exprs=None, params=None, signals=None, builtin=None, settings=None,
            with_equity=True, exclusive=None, df=None):
    """One backtest by the oracle; returns the report dict. Raises ExprError for bad input."""
    settings = settings or Settings()
    params = dict(params or {})
    modes = [m for m, v in (("expressions", exprs and any(v for v in exprs.values())), ("signals", signals),
                            ("strategy", builtin)) if v]
    if len(modes) > 1:
        raise ExprError(f"give one of --strategy, expressions (--entry ...) or --signals, not {' and '.join(modes)}")
    if not modes:
        raise ExprError("give --entry/--short-entry expressions, --signals FILE or --strategy NAME")
    if df is None:
        df = load_bars(data)
    if settings.long_only and not builtin:
        raise ExprError("--long-only applies to the built-in strategies; an expression strategy is long-only "
                        "when it has no --short-entry")
    if builtin:
        if builtin not in BUILTINS:
            hint = difflib.get_close_matches(builtin, list(BUILTINS), n=1)
            raise ExprError(f"unknown strategy '{builtin}'" + (f", did you mean '{hint[0]}'?" if hint else ""))
        cls, full = make_builtin_strategy(builtin, params, settings)
        stats = run_backtest(cls, df, settings, True if exclusive is None else exclusive)
        return report(stats, df, data, mode="builtin", builtin=builtin, params=full, settings=settings,
                      with_equity=with_equity)
    if signals:
        if params:
            raise ExprError("--param has no meaning with --signals")
        cols, present = read_signals(signals, df.index)
        cls = make_signals_strategy(cols, present, settings)
        stats = run_backtest(cls, df, settings, False if exclusive is None else exclusive)
        return report(stats, df, data, mode="signals", signals=signals, settings=settings, with_equity=with_equity)
    compiled = Compiled(exprs, params)
    cls = make_expr_strategy(compiled, settings)
    stats = run_backtest(cls, df, settings, False if exclusive is None else exclusive)
    return report(stats, df, data, mode="expressions", exprs=compiled.exprs, params=params, settings=settings,
                  with_equity=with_equity)


TRADE_COLUMNS = ["size", "entry_bar", "exit_bar", "entry_price", "exit_price", "pnl", "commission",
                 "return_pct", "entry_time", "exit_time"]


def write_trades(path, trades):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(TRADE_COLUMNS)
        for t in trades:
            w.writerow([repr(t[c]) if isinstance(t[c], float) else t[c] for c in TRADE_COLUMNS])


# ---------------------------------------------------------------------------------------------
# Specs (issue point 3): one JSON object a line, keys are the long flag names
# ---------------------------------------------------------------------------------------------

SPEC_KEYS = {"data", "strategy", "entry", "exit", "short_entry", "short_exit", "signals", "params", "cash",
             "commission", "trade_on_close", "size", "stop_loss", "take_profit", "long_only", "id"}


def spec_run(spec, base_dir, with_equity=False):
    """Runs one batch spec (a dict); relative paths are relative to base_dir."""
    if not isinstance(spec, dict):
        raise ExprError("a spec must be a JSON object")
    s = {}
    for k, v in spec.items():
        nk = k.replace("-", "_")
        if nk not in SPEC_KEYS:
            hint = difflib.get_close_matches(nk, sorted(SPEC_KEYS), n=1)
            raise ExprError(f"unknown key '{k}'" + (f", did you mean '{hint[0]}'?" if hint else ""))
        if nk in s:
            raise ExprError(f"key '{k}' given twice")
        s[nk] = v
    if "data" not in s:
        raise ExprError("the spec has no 'data' (the bars file)")
    exprs = {r: s.get(r) for r in ROLES}
    has_expr = any(v for v in exprs.values())
    if s.get("strategy") and has_expr:
        raise ExprError("'strategy' and expressions (entry/exit/short_entry/short_exit) exclude each other")
    resolve = lambda p: p if os.path.isabs(p) else os.path.normpath(os.path.join(base_dir, p))  # noqa: E731
    params = s.get("params") or {}
    if not isinstance(params, dict):
        raise ExprError("'params' must be an object such as {\"n\": 14}")
    settings = Settings(cash=s.get("cash", 10000), commission=s.get("commission", 0.0),
                        trade_on_close=s.get("trade_on_close", False), size=s.get("size"),
                        stop_loss=s.get("stop_loss"), take_profit=s.get("take_profit"),
                        long_only=s.get("long_only", False))
    return run_one(resolve(s["data"]), exprs=exprs if has_expr else None, params=params,
                   signals=resolve(s["signals"]) if s.get("signals") else None, builtin=s.get("strategy"),
                   settings=settings, with_equity=with_equity)


def batch_lines(path, with_trades=False):
    """Yields the issue's output line for each spec of a JSONL file, in input order."""
    base = os.path.dirname(os.path.abspath(path)) if path != "-" else os.getcwd()
    f = sys.stdin if path == "-" else open(path, encoding="utf-8")
    with f:
        for index, line in enumerate(f):
            if not line.strip():
                continue
            out = {"index": index}
            try:
                spec = json.loads(line)
            except json.JSONDecodeError as e:
                out.update(status="error", error=f"line {index + 1}: not JSON: {e.msg} (column {e.colno})")
                yield out
                continue
            if isinstance(spec, dict) and "id" in spec:
                out["id"] = spec["id"]
            try:
                r = spec_run(spec, base)
                out["status"] = "ok"
                out["stats"] = r["stats"]
                if with_trades:
                    out["trades"] = r["trades"]
                    out["warmup"] = r["warmup"]
            except (ExprError, ValueError, RuntimeError) as e:
                out.update(status="error", error=str(e))
            yield out


# ---------------------------------------------------------------------------------------------
# The cases file: the five strategies, edge cases, built-ins as expressions, the signals run
# ---------------------------------------------------------------------------------------------


def load_cases(path):
    with open(path) as f:
        return json.load(f)


def case_runs(cases, data_dir):
    """Every run the cases file asks for: (file stem, kwargs for run_one, description)."""
    runs = []
    datasets = cases["datasets"]
    for group in ("strategies", "edge"):
        for c in cases[group]:
            for sym, d in datasets.items():
                for comm in (False, True):
                    for toc in (False, True):
                        if group == "edge" and not c.get("full_matrix") and toc:
                            continue
                        params = c.get("params", {}).get(sym, c.get("params", {}).get("*", {}))
                        st = Settings(cash=d["cash"], commission=d["commission"] if comm else 0.0, trade_on_close=toc)
                        stem = f"{group}__{c['name']}__{sym}__{'comm' if comm else 'nocomm'}__{'close' if toc else 'open'}"
                        runs.append((stem, dict(data=os.path.join(data_dir, sym + ".csv"),
                                                exprs={r: c.get(r) for r in ROLES}, params=params, settings=st)))
    return runs


def cmd_cases(a):
    cases = load_cases(a.cases)
    os.makedirs(a.out, exist_ok=True)
    summary = []
    for stem, kw in case_runs(cases, a.data):
        if a.only and a.only not in stem:
            continue
        try:
            r = run_one(**kw)
            status = f"{r['stats']['num_trades']:4d} trades  W={r['warmup']:4d}  equity {r['stats']['equity_final']:.6f}"
        except ExprError as e:
            r = {"status": "error", "error": str(e)}
            status = "ERROR " + str(e)
        with open(os.path.join(a.out, stem + ".json"), "w") as f:
            json.dump(r, f, indent=1)
        summary.append((stem, status))
        print(f"{stem:60} {status}", flush=True)
    with open(os.path.join(a.out, "cases_summary.txt"), "w") as f:
        for stem, status in summary:
            f.write(f"{stem:60} {status}\n")


# ---------------------------------------------------------------------------------------------
# The reference grid: sma-cross as an expression, and its tie points
# ---------------------------------------------------------------------------------------------

GRID_COLUMNS = {"# Trades": "num_trades", "Equity Final [$]": "equity_final", "Return [%]": "return_pct",
                "Exposure Time [%]": "exposure_time_pct", "Sharpe Ratio": "sharpe_ratio",
                "Sortino Ratio": "sortino_ratio", "Max. Drawdown [%]": "max_drawdown_pct",
                "Win Rate [%]": "win_rate_pct", "Profit Factor": "profit_factor", "SQN": "sqn"}


def close_enough(a, b, rel=1e-9):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= rel * abs(b) + 1e-12


def repeated_crosses(fast, slow, start, with_ties=False):
    """Bars >= start where crossover fires in the same direction as the previous crossover: the
    lines went back through an exact tie (fast == slow on some bar), which is no cross. With
    with_ties, (bar, direction, tie bars between the two crosses)."""
    out, last, last_i = [], None, None
    for i in range(max(start, 1), len(fast)):
        up = fast[i - 1] < slow[i - 1] and fast[i] > slow[i]
        down = slow[i - 1] < fast[i - 1] and slow[i] > fast[i]
        d = 1 if up else -1 if down else 0
        if d:
            if d == last:
                ties = [j for j in range(last_i + 1, i) if fast[j] == slow[j]]
                out.append((i, "up" if d > 0 else "down", ties) if with_ties else (i, "up" if d > 0 else "down"))
            last, last_i = d, i
    return out


def cmd_grid(a):
    ref = pd.read_csv(a.reference)
    data = os.path.join(a.data, "GOOG.csv")
    df = load_bars(data)
    close = df["Close"].to_numpy()
    st = Settings(commission=0.002)
    exprs = builtin_as_expressions("sma-cross")
    os.makedirs(a.out, exist_ok=True)
    rows, ties = [], []
    sma_cache = {}
    for j, r in enumerate(ref.itertuples(index=False)):
        n1, n2 = int(r[0]), int(r[1])
        if a.limit and j >= a.limit:
            break
        got = run_one(data, exprs=exprs, params={"fast": n1, "slow": n2}, settings=st, df=df, with_equity=False)
        row = {"fast": n1, "slow": n2, "warmup": got["warmup"]}
        row.update({v: got["stats"][v] for v in GRID_COLUMNS.values()})
        rows.append(row)
        bad = []
        for k, v in GRID_COLUMNS.items():
            want = ref.iloc[j][k]
            want = None if pd.isna(want) else float(want)
            if not close_enough(got["stats"][v], want):
                bad.append(f"{v}: {got['stats'][v]!r} vs built-in {want!r}")
        for n in (n1, n2):
            if n not in sma_cache:
                sma_cache[n] = f_sma(close, n)
        rep = repeated_crosses(sma_cache[n1], sma_cache[n2], got["warmup"] + 1, with_ties=True)
        if bad or rep:
            # the built-in (backtesting.py's SmaCross with exclusive orders) on the same point
            b = run_one(data, builtin="sma-cross", params={"fast": n1, "slow": n2}, settings=st, df=df,
                        with_equity=False)
            builtin_equal = all(close_enough(b["stats"][v], None if pd.isna(ref.iloc[j][k]) else float(ref.iloc[j][k]))
                                for k, v in GRID_COLUMNS.items())
            ties.append({"fast": n1, "slow": n2, "differs_from_builtin": bool(bad), "repeated_crosses":
                         [{"bar": i, "date": fmt_time(df.index[i], True), "direction": d,
                           "tie_bars": ties, "tie_dates": [fmt_time(df.index[t], True) for t in ties]}
                          for i, d, ties in rep],
                         "differences": bad, "builtin_oracle_equals_reference": builtin_equal,
                         "expression": got["stats"], "expression_trades": got["trades"],
                         "builtin_trades_count": b["stats"]["num_trades"]})
            print(f"({n1},{n2}): {'DIFFERS' if bad else 'same   '} repeated crosses at "
                  f"{[(i, d, t) for i, d, t in rep]}; built-in oracle == reference: {builtin_equal}", flush=True)
        if (j + 1) % 100 == 0:
            print(f"... {j + 1} points", flush=True)
    with open(os.path.join(a.out, "grid_expr.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(list(rows[0]))
        for row in rows:
            w.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in row.values()])
    with open(os.path.join(a.out, "grid_ties.json"), "w") as f:
        json.dump(ties, f, indent=1)
    differing = [t for t in ties if t["differs_from_builtin"]]
    unexplained = [t for t in differing if not t["repeated_crosses"]]
    print(f"{len(rows)} points; {len(differing)} differ from the built-in grid, all at repeated crosses: "
          f"{not unexplained}; {len(ties) - len(differing)} more have a repeated cross but the same headline stats")
    return 1 if unexplained else 0


# ---------------------------------------------------------------------------------------------
# Probe: how TA-Lib, pandas and numpy treat NaN and inf (for NOTES.md)
# ---------------------------------------------------------------------------------------------


def cmd_probe(a):
    import talib
    rng = np.random.default_rng(7)  # fixed: the probe's input is the same every run
    x = 100 + np.cumsum(rng.normal(size=40))
    n = 5
    fns = [
        ("sma  pandas rolling(5).mean()", lambda v: f_sma(v, n)),
        ("ema  talib.EMA(5)", lambda v: talib.EMA(v, n)),
        ("rsi  talib.RSI(5)", lambda v: talib.RSI(v, n)),
        ("roc  talib.ROC(5)", lambda v: talib.ROC(v, n)),
        ("std  talib.STDDEV(5)", lambda v: talib.STDDEV(v, n, 1.0)),
        ("atr  talib.ATR(5) (x as h/l/c)", lambda v: talib.ATR(v + 1, v - 1, v, n)),
        ("bbands.upper talib.BBANDS(5,2)", lambda v: talib.BBANDS(v, n, 2.0, 2.0, 0)[0]),
        ("macd.line talib.MACD(3,6,2)", lambda v: talib.MACD(v, 3, 6, 2)[0]),
        ("highest pandas rolling(5).max()", lambda v: f_highest(v, n)),
        ("  (talib.MAX(5), not used)", lambda v: talib.MAX(v, n)),
        ("lowest pandas rolling(5).min()", lambda v: f_lowest(v, n)),
        ("shift(2)", lambda v: f_shift(v, 2)),
        ("abs", np.abs),
        ("max(x, 0)", lambda v: np.maximum(v, 0.0)),
    ]
    def lead(k):
        y = x.copy()
        y[:k] = np.nan
        return y

    def at(i, v):
        y = x.copy()
        y[i] = v
        return y

    # (label, input, reference): the reference is the function on the clean series, except for
    # the leading-NaN input, where it is the function on the series that starts at its first real
    # value (x[3:]), padded with 3 NaN: '=' there means "leading NaNs are skipped".
    cases = [("clean", x, None), ("NaN at 0..2 (leading) vs the function of x[3:], NaN-padded", lead(3), 3),
             ("NaN at 1 (x[0] real)", at(1, np.nan), None), ("NaN at 15", at(15, np.nan), None),
             ("+inf at 15", at(15, np.inf), None)]
    print("Each row: one character per bar 0..39. '.' NaN, '=' same as the reference (bit for bit),")
    print("'~' a different finite value, '0' exactly 0 where the reference is not, 'I' +-inf.")
    for label, v, trim in cases:
        print(f"\ninput: {label}")
        for name, f in fns:
            with np.errstate(all="ignore"):
                try:
                    r = np.asarray(f(v), dtype=float)
                except Exception as e:  # noqa: BLE001
                    print(f"  {name:34} error: {e}")
                    continue
                if trim:
                    ref = np.concatenate([np.full(trim, np.nan), np.asarray(f(x[trim:].copy()), dtype=float)])
                else:
                    ref = np.asarray(f(x), dtype=float)
            s = "".join("." if np.isnan(p) else "I" if np.isinf(p) else "=" if p == q else
                        "0" if p == 0 else "~" for p, q in zip(r, ref))
            print(f"  {name:34} {s}")
    print("\nSmallest period TA-Lib accepts (TA_BAD_PARAM below):")
    for name, f in [("EMA", talib.EMA), ("RSI", talib.RSI), ("ROC", talib.ROC), ("STDDEV", talib.STDDEV),
                    ("SMA", talib.SMA), ("MAX", talib.MAX)]:
        ok = [p for p in (0, 1, 2) if _try(lambda: f(x, p))]
        print(f"  {name:7} {ok[0] if ok else '?'}")
    print(f"  ATR     {[p for p in (0, 1, 2) if _try(lambda: talib.ATR(x, x, x, p))][0]}")
    print(f"  BBANDS  {[p for p in (0, 1, 2) if _try(lambda: talib.BBANDS(x, p, 2, 2))][0]}")
    print(f"  MACD    fast/slow {[p for p in (0, 1, 2) if _try(lambda: talib.MACD(x, p, 6, 2))][0]}, "
          f"signal {[p for p in (0, 1, 2) if _try(lambda: talib.MACD(x, 3, 6, p))][0]}")
    m1, m2 = talib.MACD(x, 3, 6, 2), talib.MACD(x, 6, 3, 2)
    print(f"  MACD(x, 6, 3, 2) == MACD(x, 3, 6, 2) (TA-Lib swaps fast > slow): "
          f"{all(np.array_equal(p, q, equal_nan=True) for p, q in zip(m1, m2))}")
    print("\nnumpy scalars in next() (what the oracle evaluates):")
    nan, one, zero = np.float64("nan"), np.float64(1.0), np.float64(0.0)
    with np.errstate(all="ignore"):
        for txt, v in [("nan < 1", nan < one), ("nan > 1", nan > one), ("nan == nan", nan == nan),
                       ("nan != nan", nan != nan), ("nan != 1", nan != one), ("nan <= 1", nan <= one),
                       ("not (nan > 1)", not (nan > one)), ("1 / 0", one / zero), ("-1 / 0", -one / zero),
                       ("0 / 0", zero / zero), ("1 / -0", one / -zero), ("inf - inf", np.inf - np.float64(np.inf))]:
            print(f"  {txt:15} {v!r}")
    print("  warm-up: np.isnan(ind).argmin() of an all-NaN indicator =", int(np.isnan(np.full(5, np.nan)).argmin()))


def _try(f):
    try:
        with np.errstate(all="ignore"):
            f()
        return True
    except Exception:  # noqa: BLE001
        return False


def signal_runs(cases, data_dir, signals_dir):
    """The signals file of each dataset with and without commission and trade-on-close."""
    runs = []
    name = cases["signals"]["strategy"]
    for sym, d in cases["datasets"].items():
        for comm in (False, True):
            for toc in (False, True):
                st = Settings(cash=d["cash"], commission=d["commission"] if comm else 0.0, trade_on_close=toc)
                stem = f"signals__{name}__{sym}__{'comm' if comm else 'nocomm'}__{'close' if toc else 'open'}"
                runs.append((stem, dict(data=os.path.join(data_dir, sym + ".csv"),
                                        signals=os.path.join(signals_dir, f"signals_{name}_{sym}.csv"),
                                        settings=st)))
    return runs


def cmd_expected(a):
    """Everything backtest_expr_compare.py compares velo with, into one folder."""
    import subprocess
    out = os.path.abspath(a.out)
    py = sys.executable
    me = os.path.abspath(__file__)
    steps = [
        [py, me, "cases", "--cases", a.cases, "--data", a.data, "--out", os.path.join(out, "cases")],
        [py, me, "builtins", "--cases", a.cases, "--data", a.data, "--out", os.path.join(out, "builtins")],
        [py, os.path.join(HERE, "backtest_expr_signals.py"), "--cases", a.cases, "--data", a.data,
         "--out", os.path.join(out, "signals")],
        [py, os.path.join(HERE, "backtest_expr_batch.py"), "--cases", a.cases, "--data", a.data,
         "--out", os.path.join(out, "batch60")],
    ]
    if a.grid:
        steps.append([py, me, "grid", "--data", a.data, "--out", os.path.join(out, "grid")])
    for cmd in steps:
        print("+", " ".join(cmd), flush=True)
        rc = subprocess.call(cmd)
        if rc not in (0, 1):
            return rc
    cases = load_cases(a.cases)
    for stem, kw in signal_runs(cases, a.data, os.path.join(out, "signals")):
        r = run_one(**kw)
        with open(os.path.join(out, "signals", stem + ".json"), "w") as f:
            json.dump(r, f, indent=1)
        print(f"{stem:60} {r['stats']['num_trades']:4d} trades  W={r['warmup']:4d}", flush=True)
    with open(os.path.join(out, "batch60", "expected.jsonl"), "w") as f:
        for line in batch_lines(os.path.join(out, "batch60", "specs.jsonl"), with_trades=True):
            f.write(json.dumps(line) + "\n")
    import backtesting
    import talib
    with open(os.path.join(out, "MANIFEST.json"), "w") as f:
        json.dump({"versions": {"backtesting": backtesting.__version__, "pandas": pd.__version__,
                                "numpy": np.__version__, "ta-lib": talib.__version__,
                                "python": sys.version.split()[0]},
                   "data": os.path.abspath(a.data), "cases": os.path.abspath(a.cases),
                   "grid": bool(a.grid) or os.path.isdir(os.path.join(out, "grid"))}, f, indent=1)
    return 0


def builtin_case_stem(c):
    ps = "_".join(f"{k}{fmt_num(v)}" for k, v in c["params"].items())
    return f"builtin__{c['name']}__{ps}" + ("__long-only" if c.get("long_only") else "")


def cmd_builtins(a):
    """Each built-in of the cases file on GOOG (commission 0.002): the built-in's backtesting.py
    code (exclusive orders) against its expression form run by the normative next(). They must
    agree except where a repeated same-direction cross (an exact tie) makes the built-in close and
    reopen while the expression form holds."""
    cases = load_cases(a.cases)
    data = os.path.join(a.data, "GOOG.csv")
    df = load_bars(data)
    os.makedirs(a.out, exist_ok=True)
    bad = 0
    for c in cases["builtins"]:
        st = Settings(commission=0.002, long_only=c.get("long_only", False))
        b = run_one(data, builtin=c["name"], params=c["params"], settings=st, df=df)
        st_e = Settings(commission=0.002)
        e = run_one(data, exprs=builtin_as_expressions(c["name"], c.get("long_only", False)), params=c["params"],
                    settings=st_e, df=df)
        same = b["stats"] == e["stats"] and b["trades"] == e["trades"]
        rep = []
        if c["name"] in ("sma-cross", "ema-cross", "macd"):
            import talib
            close = df["Close"].to_numpy()
            p = {k: int(v) for k, v in c["params"].items()}
            if c["name"] == "sma-cross":
                fa, sl = f_sma(close, p["fast"]), f_sma(close, p["slow"])
            elif c["name"] == "ema-cross":
                fa, sl = talib.EMA(close, p["fast"]), talib.EMA(close, p["slow"])
            else:
                fa, sl = talib.MACD(close, p["fast"], p["slow"], p["signal"])[:2]
            rep = repeated_crosses(fa, sl, b["warmup"] + 1, with_ties=True)
        ok = same or bool(rep)
        bad += not ok
        stem = builtin_case_stem(c)
        with open(os.path.join(a.out, stem + ".json"), "w") as f:
            json.dump({"builtin": b, "expression": e, "equal": same,
                       "repeated_crosses": [{"bar": i, "direction": d, "tie_bars": t} for i, d, t in rep]},
                      f, indent=1)
        print(f"{'equal' if same else 'DIFFER'}  {stem:44} built-in {b['stats']['num_trades']:3d} trades "
              f"{b['stats']['equity_final']:.6f}, expression {e['stats']['num_trades']:3d} trades "
              f"{e['stats']['equity_final']:.6f}; repeated crosses (bar, direction, tie bars) {rep}", flush=True)
    return 1 if bad else 0


def cmd_exclusive_check(a):
    """Runs every case of the cases file with exclusive_orders False and True: the normative
    next() closes explicitly, so both must agree (an assumption of this oracle, checked)."""
    cases = load_cases(a.cases)
    bad = 0
    for stem, kw in case_runs(cases, a.data):
        if a.only and a.only not in stem:
            continue
        r1 = run_one(**kw, exclusive=False, with_equity=True)
        r2 = run_one(**kw, exclusive=True, with_equity=True)
        same = r1["stats"] == r2["stats"] and r1["trades"] == r2["trades"] and r1["equity"] == r2["equity"]
        bad += not same
        print(f"{'same' if same else 'DIFFERENT'}  {stem}", flush=True)
    return 1 if bad else 0


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def parse_params(items):
    out = {}
    for it in items or []:
        if "=" not in it:
            raise ExprError(f"--param {it!r}: expected NAME=VALUE")
        k, v = it.split("=", 1)
        k = k.strip().lstrip("$")
        try:
            out[k] = float(v)
        except ValueError:
            raise ExprError(f"--param {k}={v}: the value is not a number")
    return out


def add_broker(p):
    p.add_argument("--cash", type=float, default=10000.0)
    p.add_argument("--commission", default="0")
    p.add_argument("--trade-on-close", action="store_true")
    p.add_argument("--size")
    p.add_argument("--stop-loss")
    p.add_argument("--take-profit")
    p.add_argument("--long-only", action="store_true")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    default_data = os.path.join(SHARED, "data", "ohlcv")
    default_cases = os.path.join(HERE, "backtest_expr_cases.json")

    p = sub.add_parser("run", help="one backtest")
    p.add_argument("data")
    for r in ROLES:
        p.add_argument("--" + r.replace("_", "-"), dest=r)
    p.add_argument("--signals")
    p.add_argument("--strategy")
    p.add_argument("-p", "--param", action="append")
    add_broker(p)
    p.add_argument("--trades", help="write the trades as velo's --trades CSV")
    p.add_argument("--out", help="write the JSON here instead of standard output")
    p.add_argument("--no-equity", action="store_true")
    p.add_argument("--exclusive-orders", choices=["default", "true", "false"], default="default")

    p = sub.add_parser("batch", help="run a JSONL batch of specs")
    p.add_argument("specs")
    p.add_argument("--trades", action="store_true", help="add each run's trades and warm-up to its line")

    p = sub.add_parser("cases", help="run the cases file's whole matrix into DIR")
    p.add_argument("--cases", default=default_cases)
    p.add_argument("--data", default=default_data)
    p.add_argument("--out", required=True)
    p.add_argument("--only", help="only runs whose name contains this")

    p = sub.add_parser("builtins", help="the built-ins against their expression forms on GOOG")
    p.add_argument("--cases", default=default_cases)
    p.add_argument("--data", default=default_data)
    p.add_argument("--out", required=True)

    p = sub.add_parser("exclusive-check", help="exclusive_orders False vs True on every case")
    p.add_argument("--cases", default=default_cases)
    p.add_argument("--data", default=default_data)
    p.add_argument("--only")

    p = sub.add_parser("grid", help="sma-cross as an expression over the reference grid")
    p.add_argument("--data", default=default_data)
    p.add_argument("--reference", default=os.path.join(SHARED, "data", "reference",
                                                       "backtesting_py_SmaCross_GOOG_grid.csv"))
    p.add_argument("--out", required=True)
    p.add_argument("--limit", type=int, default=0)

    p = sub.add_parser("expected", help="write every expected output backtest_expr_compare.py needs")
    p.add_argument("--cases", default=default_cases)
    p.add_argument("--data", default=default_data)
    p.add_argument("--out", required=True)
    p.add_argument("--grid", action="store_true", help="also the 1,530-point grid (about 10 minutes)")

    sub.add_parser("probe", help="TA-Lib / pandas / numpy NaN behaviour")

    p = sub.add_parser("check-expr", help="parse and type check one condition")
    p.add_argument("expr")
    p.add_argument("-p", "--param", action="append")

    a = ap.parse_args(argv)
    try:
        if a.cmd == "run":
            st = Settings(cash=a.cash, commission=a.commission, trade_on_close=a.trade_on_close, size=a.size,
                          stop_loss=a.stop_loss, take_profit=a.take_profit, long_only=a.long_only)
            exprs = {r: getattr(a, r) for r in ROLES}
            exclusive = None if a.exclusive_orders == "default" else a.exclusive_orders == "true"
            r = run_one(a.data, exprs=exprs if any(exprs.values()) else None, params=parse_params(a.param),
                        signals=a.signals, builtin=a.strategy, settings=st, with_equity=not a.no_equity,
                        exclusive=exclusive)
            if a.trades:
                write_trades(a.trades, r["trades"])
            text = json.dumps(r, indent=1)
            if a.out:
                with open(a.out, "w") as f:
                    f.write(text + "\n")
            else:
                print(text)
            return 0
        if a.cmd == "batch":
            failed = 0
            for line in batch_lines(a.specs, with_trades=a.trades):
                failed += line["status"] != "ok"
                print(json.dumps(line), flush=True)
            return 1 if failed else 0
        if a.cmd == "cases":
            return cmd_cases(a) or 0
        if a.cmd == "expected":
            return cmd_expected(a)
        if a.cmd == "builtins":
            return cmd_builtins(a)
        if a.cmd == "exclusive-check":
            return cmd_exclusive_check(a)
        if a.cmd == "grid":
            return cmd_grid(a)
        if a.cmd == "probe":
            return cmd_probe(a) or 0
        if a.cmd == "check-expr":
            tree, used = bind(a.expr, "expression", parse_params(a.param))
            print("ok:", tree)
            return 0
    except ExprError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
