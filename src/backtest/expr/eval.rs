//! Evaluation of a checked expression over the bars, one column operation per node: every
//! function call is an indicator over the whole series (backtesting.py's `self.I`), computed
//! once per distinct call and parameter values (the sweep's cache is keyed by the call's
//! canonical text with its parameters filled in); arithmetic, comparisons and `crosses_*` are
//! the per-bar values `next()` would compute, done column by column with IEEE (numpy) rules.

// Formula code reads best in the notation of the formulas (n, k, a, b, x).
#![allow(clippy::many_single_char_names)]

use std::sync::Arc;

use super::parser::{Arith, Cmp, Kind, Logic, Node, Series};
use super::types::{Func, Output};
use super::Cache;
use crate::market::indicators;
use crate::market::signals;
use crate::market::Bars;

/// A number: a constant or a series of the bars' length.
pub enum Num<'a> {
    Scalar(f64),
    Slice(&'a [f64]),
    Owned(Arc<Vec<f64>>),
}

impl Num<'_> {
    fn at(&self, i: usize) -> f64 {
        match self {
            Self::Scalar(v) => *v,
            Self::Slice(s) => s[i],
            Self::Owned(v) => v[i],
        }
    }

    fn column(&self, n: usize) -> Vec<f64> {
        match self {
            Self::Scalar(v) => vec![*v; n],
            Self::Slice(s) => s.to_vec(),
            Self::Owned(v) => v.to_vec(),
        }
    }

    fn slice(&self) -> Option<&[f64]> {
        match self {
            Self::Scalar(_) => None,
            Self::Slice(s) => Some(s),
            Self::Owned(v) => Some(v),
        }
    }
}

/// A condition: constant, or one value per bar.
pub enum Cond {
    Const(bool),
    Col(Vec<bool>),
}

impl Cond {
    pub fn at(&self, i: usize) -> bool {
        match self {
            Self::Const(b) => *b,
            Self::Col(v) => v[i],
        }
    }
}

/// What an evaluation needs: the bars, the parameters' values, the indicator cache, and the
/// warm-up found so far (the most leading NaNs of any indicator; all-NaN counts 0).
pub struct Ctx<'a> {
    pub bars: &'a Bars,
    pub value: &'a dyn Fn(&str) -> f64,
    pub cache: &'a Cache,
    pub warmup: usize,
}

impl<'a> Ctx<'a> {
    fn len(&self) -> usize {
        self.bars.len()
    }

    fn series(&self, s: Series) -> &'a [f64] {
        let b = self.bars;
        match s {
            Series::Open => &b.open,
            Series::High => &b.high,
            Series::Low => &b.low,
            Series::Close => &b.close,
            Series::Volume => &b.volume,
        }
    }

    pub fn cond(&mut self, node: &Node) -> Cond {
        match &node.kind {
            Kind::Not(a) => match self.cond(a) {
                Cond::Const(b) => Cond::Const(!b),
                Cond::Col(mut v) => {
                    for b in &mut v {
                        *b = !*b;
                    }
                    Cond::Col(v)
                }
            },
            Kind::Logic(op, a, b) => {
                let (x, y) = (self.cond(a), self.cond(b));
                let f = |p: bool, q: bool| match op {
                    Logic::And => p && q,
                    Logic::Or => p || q,
                };
                match (x, y) {
                    (Cond::Const(p), Cond::Const(q)) => Cond::Const(f(p, q)),
                    (Cond::Col(mut v), other) | (other, Cond::Col(mut v)) => {
                        for (i, b) in v.iter_mut().enumerate() {
                            *b = f(*b, other.at(i));
                        }
                        Cond::Col(v)
                    }
                }
            }
            Kind::Cmp(op, a, b) => {
                let (x, y) = (self.num(a), self.num(b));
                // IEEE comparisons are the semantics (numpy's): NaN is only `!=`.
                #[allow(clippy::float_cmp)]
                let f = |p: f64, q: f64| match op {
                    Cmp::Lt => p < q,
                    Cmp::Le => p <= q,
                    Cmp::Gt => p > q,
                    Cmp::Ge => p >= q,
                    Cmp::Eq => p == q,
                    Cmp::Ne => p != q,
                };
                if let (Num::Scalar(p), Num::Scalar(q)) = (&x, &y) {
                    return Cond::Const(f(*p, *q));
                }
                Cond::Col((0..self.len()).map(|i| f(x.at(i), y.at(i))).collect())
            }
            Kind::Call { func, args, .. } if func.is_condition() => {
                let (mut a, mut b) = (self.num(&args[0]), self.num(&args[1]));
                if *func == Func::CrossesBelow {
                    std::mem::swap(&mut a, &mut b);
                }
                let n = self.len();
                let mut out = vec![false; n];
                if let (Some(sa), Some(sb)) = (a.slice(), b.slice()) {
                    crosses(sa, sb, &mut out);
                } else {
                    for (i, o) in out.iter_mut().enumerate().skip(1) {
                        *o = a.at(i - 1) < b.at(i - 1) && a.at(i) > b.at(i);
                    }
                }
                Cond::Col(out)
            }
            // The type check lets only conditions here.
            _ => Cond::Const(false),
        }
    }

    pub fn num(&mut self, node: &Node) -> Num<'a> {
        match &node.kind {
            Kind::Num(v) => Num::Scalar(*v),
            Kind::Param(name) => Num::Scalar((self.value)(name)),
            Kind::Series(s) => Num::Slice(self.series(*s)),
            Kind::Neg(a) => map1(self.num(a), |x| -x),
            Kind::Arith(op, a, b) => {
                let (x, y) = (self.num(a), self.num(b));
                let f = |p: f64, q: f64| match op {
                    Arith::Add => p + q,
                    Arith::Sub => p - q,
                    Arith::Mul => p * q,
                    Arith::Div => p / q,
                };
                if let (Num::Scalar(p), Num::Scalar(q)) = (&x, &y) {
                    return Num::Scalar(f(*p, *q));
                }
                Num::Owned(Arc::new(
                    (0..self.len()).map(|i| f(x.at(i), y.at(i))).collect(),
                ))
            }
            Kind::Call { func, args, output } => self.call(node, *func, args, output.map(|o| o.0)),
            // The type check lets only numbers here.
            _ => Num::Scalar(f64::NAN),
        }
    }

    fn call(&mut self, node: &Node, func: Func, args: &[Node], output: Option<Output>) -> Num<'a> {
        let key = key(node, self.value);
        let n = self.len();
        let whole = match func {
            Func::Bbands | Func::Macd => {
                let mut k = key.clone();
                if let Some(end) = k.rfind(").") {
                    k.truncate(end + 1);
                }
                k
            }
            _ => key,
        };
        let cache = self.cache;
        let computed = cache.get(&whole, || {
            let outer = std::mem::replace(&mut self.warmup, 0);
            let values = self.compute(func, args);
            let inner = std::mem::replace(&mut self.warmup, outer);
            let cols = if values.len() == n {
                vec![Arc::new(values)]
            } else {
                values
                    .chunks(n.max(1))
                    .map(|c| Arc::new(c.to_vec()))
                    .collect()
            };
            super::Computed { cols, inner }
        });
        let part = match output {
            Some(Output::Upper | Output::Line) | None => 0,
            Some(Output::Middle | Output::Signal) => 1,
            Some(Output::Lower | Output::Hist) => 2,
        };
        let inner = computed.inner;
        let Some(col) = computed.cols.get(part).or(computed.cols.first()).cloned() else {
            return Num::Scalar(f64::NAN);
        };
        let lead = col.iter().take_while(|v| v.is_nan()).count();
        // backtesting.py: an all-NaN indicator counts 0 (its argmin).
        let own = if lead < n { lead } else { 0 };
        self.warmup = self.warmup.max(own).max(inner);
        Num::Owned(col)
    }

    fn int(&self, node: &Node) -> usize {
        match &node.kind {
            Kind::Num(v) => *v as usize,
            Kind::Param(p) => (self.value)(p) as usize,
            _ => 0,
        }
    }

    fn scalar(&mut self, node: &Node) -> f64 {
        match self.num(node) {
            Num::Scalar(v) => v,
            _ => f64::NAN,
        }
    }

    /// The indicator's values (bbands and macd: the three outputs one after another).
    fn compute(&mut self, func: Func, args: &[Node]) -> Vec<f64> {
        let n = self.len();
        let series = |this: &mut Self, i: usize| this.num(&args[i]).column(n);
        match func {
            Func::Sma => {
                let x = series(self, 0);
                pandas_mean(&x, self.int(&args[1]))
            }
            Func::Highest | Func::Lowest => {
                let x = series(self, 0);
                signals::rolling_extreme(&x, self.int(&args[1]), func == Func::Highest)
            }
            Func::Ema => talib(&[&series(self, 0)], Poison::Natural, |x, o| {
                indicators::ema_into(x[0], self.int(&args[1]), o);
            }),
            Func::Rsi => {
                let w = self.int(&args[1]);
                talib(&[&series(self, 0)], Poison::Zero(w), |x, o| {
                    indicators::rsi_into(x[0], w, o);
                })
            }
            Func::Roc => talib(&[&series(self, 0)], Poison::Natural, |x, o| {
                signals::roc_into(x[0], self.int(&args[1]), o);
            }),
            Func::Std => talib(&[&series(self, 0)], Poison::Nan, |x, o| {
                indicators::stddev_into(x[0], self.int(&args[1]), 1.0, o);
            }),
            Func::Atr => {
                let b = self.bars;
                talib(&[&b.high, &b.low, &b.close], Poison::Nan, |x, o| {
                    indicators::atr_into(x[0], x[1], x[2], self.int(&args[0]), o);
                })
            }
            Func::Bbands => {
                let x = series(self, 0);
                let (w, k) = (self.int(&args[1]), self.scalar(&args[2]));
                triple(&x, |s| indicators::bbands(s, w, k, k))
            }
            Func::Macd => {
                let x = series(self, 0);
                let (f, s, g) = (self.int(&args[1]), self.int(&args[2]), self.int(&args[3]));
                triple(&x, |v| indicators::macd(v, f, s, g))
            }
            Func::Shift => {
                let x = self.num(&args[0]);
                let k = self.int(&args[1]).min(n);
                let mut out = vec![f64::NAN; n];
                for (i, o) in out.iter_mut().enumerate().skip(k) {
                    *o = x.at(i - k);
                }
                out
            }
            Func::Abs => {
                let x = self.num(&args[0]);
                (0..n).map(|i| x.at(i).abs()).collect()
            }
            Func::Min | Func::Max => {
                let (a, b) = (self.num(&args[0]), self.num(&args[1]));
                let max = func == Func::Max;
                (0..n)
                    .map(|i| {
                        let (p, q) = (a.at(i), b.at(i));
                        if p.is_nan() || q.is_nan() {
                            f64::NAN
                        } else if max {
                            p.max(q)
                        } else {
                            p.min(q)
                        }
                    })
                    .collect()
            }
            Func::CrossesAbove | Func::CrossesBelow => vec![f64::NAN; n],
        }
    }
}

fn map1(x: Num<'_>, f: impl Fn(f64) -> f64) -> Num<'_> {
    match x {
        Num::Scalar(v) => Num::Scalar(f(v)),
        other => {
            let s = other.slice().unwrap_or_default();
            Num::Owned(Arc::new(s.iter().map(|&v| f(v)).collect()))
        }
    }
}

/// backtesting.py's `crossover`: `a[i-1] < b[i-1] and a[i] > b[i]`.
fn crosses(a: &[f64], b: &[f64], out: &mut [bool]) {
    for i in 1..out.len() {
        out[i] = a[i - 1] < b[i - 1] && a[i] > b[i];
    }
}

/// pandas' `rolling(n).mean()`: ±inf is NaN to pandas, a NaN is skipped, and a window needs
/// `n` values.
fn pandas_mean(x: &[f64], n: usize) -> Vec<f64> {
    if x.iter().all(|v| v.is_finite()) {
        return signals::rolling_mean(x, n);
    }
    let clean: Vec<f64> = x
        .iter()
        .map(|&v| if v.is_finite() { v } else { f64::NAN })
        .collect();
    signals::rolling_mean(&clean, n)
}

/// What a TA-Lib function gives from the first non-finite input after its start on.
#[derive(Clone, Copy)]
enum Poison {
    /// What its own arithmetic gives (EMA, ROC).
    Natural,
    /// NaN to the end (running sums: STDDEV, ATR, BBANDS, MACD).
    Nan,
    /// 0 to the end, from its first output on (RSI with period `.0`: TA-Lib's zero test).
    Zero(usize),
}

/// A TA-Lib function as its Python wrapper calls it: leading bars where any input is NaN are
/// skipped (the function runs on the rest, and its output is padded with NaN).
fn talib(inputs: &[&[f64]], poison: Poison, f: impl FnOnce(&[&[f64]], &mut [f64])) -> Vec<f64> {
    let n = inputs.first().map_or(0, |x| x.len());
    let mut out = vec![f64::NAN; n];
    let begin = (0..n)
        .find(|&i| inputs.iter().all(|x| !x[i].is_nan()))
        .unwrap_or(n);
    if begin < n {
        let parts: Vec<&[f64]> = inputs.iter().map(|x| &x[begin..]).collect();
        f(&parts, &mut out[begin..]);
        let bad = (begin..n).find(|&i| inputs.iter().any(|x| !x[i].is_finite()));
        if let Some(j) = bad {
            match poison {
                Poison::Natural => {}
                Poison::Nan => out[j..].fill(f64::NAN),
                Poison::Zero(w) => out[j.max(begin + w).min(n)..].fill(0.0),
            }
        }
    }
    out
}

/// A three-output TA-Lib function (NaN from a non-finite input on), outputs concatenated.
fn triple(x: &[f64], f: impl Fn(&[f64]) -> indicators::Triple) -> Vec<f64> {
    let n = x.len();
    let mut parts = [vec![f64::NAN; n], vec![f64::NAN; n], vec![f64::NAN; n]];
    if let Some(begin) = x.iter().position(|v| !v.is_nan()) {
        let t = f(&x[begin..]);
        for (p, src) in parts.iter_mut().zip([t.a, t.b, t.c]) {
            p[begin..].copy_from_slice(&src);
            if let Some(j) = (begin..n).find(|&i| !x[i].is_finite()) {
                p[j..].fill(f64::NAN);
            }
        }
    }
    parts.concat()
}

/// The canonical text of a node with its parameters' values filled in: equal for the same
/// computation however it was written (spaces, `$fast` or `10`).
pub fn key(node: &Node, value: &dyn Fn(&str) -> f64) -> String {
    let mut s = String::new();
    write_key(node, value, &mut s);
    s
}

fn write_key(node: &Node, value: &dyn Fn(&str) -> f64, s: &mut String) {
    use std::fmt::Write as _;
    match &node.kind {
        Kind::Num(v) => {
            let _ = write!(s, "{v:?}");
        }
        Kind::Param(p) => {
            let _ = write!(s, "{:?}", value(p));
        }
        Kind::Series(x) => {
            let _ = write!(s, "{x:?}");
        }
        Kind::Neg(a) => {
            s.push_str("-(");
            write_key(a, value, s);
            s.push(')');
        }
        Kind::Not(a) => {
            s.push_str("not(");
            write_key(a, value, s);
            s.push(')');
        }
        Kind::Arith(op, a, b) => bin(s, value, &format!("{op:?}"), a, b),
        Kind::Cmp(op, a, b) => bin(s, value, &format!("{op:?}"), a, b),
        Kind::Logic(op, a, b) => bin(s, value, &format!("{op:?}"), a, b),
        Kind::Call { func, args, output } => {
            s.push_str(func.name());
            s.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                write_key(a, value, s);
            }
            s.push(')');
            if let Some((o, _)) = output {
                s.push('.');
                s.push_str(o.name());
            }
        }
    }
}

fn bin(s: &mut String, value: &dyn Fn(&str) -> f64, op: &str, a: &Node, b: &Node) {
    s.push_str(op);
    s.push('(');
    write_key(a, value, s);
    s.push(',');
    write_key(b, value, s);
    s.push(')');
}
