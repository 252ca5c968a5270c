//! The built-in strategies: their named parameters (with defaults, bounds and help), validation,
//! and the per-bar orders they place, computed up front from indicators over the whole series
//! (as backtesting.py computes `self.I(...)` indicators in `init`).
//!
//! A strategy's orders are one `i8` per bar: `+1` = `buy()`, `-1` = `sell()`, `0` = nothing,
//! decided on the close of that bar. Crossover strategies (sma-cross, ema-cross, macd) order on
//! every cross, whatever the position (a second cross in the same direction reopens the trade,
//! as backtesting.py's exclusive orders do). Level strategies (rsi, bbands, donchian, momentum)
//! only buy when not already long and only sell when not already short.

// Formula and geometry code reads best in the notation of the formulas (n, k, a, b, x, y).
#![allow(clippy::many_single_char_names)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

use crate::market::indicators;
use crate::market::signals::{mark_crossings, rolling_mean, rolling_means, shift_one};
use crate::market::Bars;

/// How many parameters a strategy has at most.
pub const MAX_PARAMS: usize = 8;

/// One named parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    pub name: &'static str,
    pub default: f64,
    /// Whole numbers only (periods).
    pub integer: bool,
    pub min: f64,
    pub max: f64,
    pub help: &'static str,
}

impl ParamSpec {
    /// Checks one value against the bounds (and wholeness) of this parameter of `strategy`;
    /// the error says which values are allowed and what the parameter means.
    pub fn check(&self, strategy: &'static str, v: f64) -> Result<(), ParamError> {
        if v.is_nan() {
            return Err(ParamError::Missing {
                strategy,
                name: self.name,
            });
        }
        if !v.is_finite() || v < self.min || v > self.max {
            return Err(ParamError::OutOfRange {
                strategy,
                name: self.name,
                value: v,
                min: self.min,
                max: self.max,
                help: self.help,
            });
        }
        if self.integer && v.fract() != 0.0 {
            return Err(ParamError::NotWhole {
                strategy,
                name: self.name,
                value: v,
            });
        }
        Ok(())
    }
}

/// A value a strategy's parameters do not take.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum ParamError {
    #[error("{strategy} parameter {name}={} is out of range: use {} to {} ({help})", Num(*value), Num(*min), Num(*max))]
    OutOfRange {
        strategy: &'static str,
        name: &'static str,
        value: f64,
        min: f64,
        max: f64,
        help: &'static str,
    },
    #[error("{strategy} parameter {name}={} must be a whole number of bars", Num(*value))]
    NotWhole {
        strategy: &'static str,
        name: &'static str,
        value: f64,
    },
    /// The strategy's own rule `a < b` is broken (rsi's lower < upper, macd's fast < slow).
    #[error("{strategy} needs {a} < {b} (got {a}={} {b}={})", Num(*a_value), Num(*b_value))]
    Unordered {
        strategy: &'static str,
        a: &'static str,
        b: &'static str,
        a_value: f64,
        b_value: f64,
    },
    /// A parameter of an expression strategy that was given no value.
    #[error("{strategy}: ${name} has no value: give it with --param {name}=VALUE or sweep it with --grid")]
    Missing {
        strategy: &'static str,
        name: &'static str,
    },
    /// A MACD of an expression strategy whose fast period is not below its slow one.
    #[error("{strategy}: macd needs its fast period below its slow one (got fast {} and slow {})", Num(*fast_value), Num(*slow_value))]
    MacdOrder {
        strategy: &'static str,
        fast_value: f64,
        slow_value: f64,
    },
}

/// A parameter name the strategy does not have (the message names the likely one meant).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", .strategy.unknown_param(.name))]
pub struct UnknownParam {
    pub strategy: &'static StrategyDef,
    pub name: String,
}

/// A `NAME=VALUE` assignment that cannot be made.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AssignError {
    /// No `=`: `name` and `default` make an example.
    #[error("{item:?} has no value: write NAME=VALUE, e.g. {name}={}", Num(*default))]
    NoValue {
        item: String,
        name: &'static str,
        default: f64,
    },
    #[error(transparent)]
    Unknown(UnknownParam),
    #[error("{item:?}: {value:?} is not a number")]
    NotANumber { item: String, value: String },
    #[error("{item}: {rule}")]
    Refused { item: String, rule: ParamError },
}

const fn period(name: &'static str, default: f64, help: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        default,
        integer: true,
        min: 1.0,
        max: 100_000.0,
        help,
    }
}

/// A built-in strategy.
#[derive(Debug, Clone, Copy)]
pub struct StrategyDef {
    pub name: &'static str,
    pub summary: &'static str,
    pub params: &'static [ParamSpec],
    /// Level strategy: buy only when not long, sell only when not short.
    pub level: bool,
    pub(crate) kind: Kind,
}

impl StrategyDef {
    /// Pairs of parameters `(a, b)` the strategy needs in order, `values[a] < values[b]`
    /// (rsi's lower < upper, macd's fast < slow).
    pub fn ordered(&self) -> &'static [(usize, usize)] {
        match self.kind {
            Kind::Rsi => &[(1, 2)],
            Kind::Macd => &[(0, 1)],
            _ => &[],
        }
    }

    /// The message for a parameter this strategy does not have, with the likely one meant.
    pub fn unknown_param(&self, name: &str) -> String {
        let names: Vec<&str> = self.params.iter().map(|p| p.name).collect();
        let close = crate::suggest::closest(name, names.iter().copied())
            .map(|n| format!("did you mean {n}? "))
            .unwrap_or_default();
        format!(
            "{} has no parameter {name:?}: {close}its parameters are {}",
            self.name,
            names.join(", ")
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    SmaCross,
    EmaCross,
    Rsi,
    Macd,
    Bbands,
    Donchian,
    Momentum,
    /// Debug builds only: never finishes unless the run's deadline passes (tests the sweep
    /// timeout). Not listed in help.
    #[cfg_attr(not(debug_assertions), allow(dead_code))]
    Hang,
    /// Entry, exit, short entry and short exit conditions (expressions or a signals file).
    Rules(&'static super::rules::RuleStrategy),
}

/// Every strategy, in the order help lists them.
pub const STRATEGIES: &[StrategyDef] = &[
    StrategyDef {
        name: "sma-cross",
        summary: "buy when SMA(fast) crosses above SMA(slow), sell when it crosses below (SMA = pandas rolling mean of Close, as backtesting.py's SmaCross)",
        params: &[
            period("fast", 10.0, "fast SMA period (bars)"),
            period("slow", 20.0, "slow SMA period (bars)"),
        ],
        level: false,
        kind: Kind::SmaCross,
    },
    StrategyDef {
        name: "ema-cross",
        summary: "buy when EMA(fast) crosses above EMA(slow), sell when it crosses below (TA-Lib EMA of Close)",
        params: &[
            period("fast", 12.0, "fast EMA period (bars)"),
            period("slow", 26.0, "slow EMA period (bars)"),
        ],
        level: false,
        kind: Kind::EmaCross,
    },
    StrategyDef {
        name: "rsi",
        summary: "buy when RSI(n) < lower, sell (or close, with --long-only) when RSI(n) > upper (TA-Lib RSI)",
        params: &[
            period("n", 14.0, "RSI period (bars)"),
            ParamSpec {
                name: "lower",
                default: 30.0,
                integer: false,
                min: 0.0,
                max: 100.0,
                help: "buy below this RSI level",
            },
            ParamSpec {
                name: "upper",
                default: 70.0,
                integer: false,
                min: 0.0,
                max: 100.0,
                help: "sell above this RSI level",
            },
        ],
        level: true,
        kind: Kind::Rsi,
    },
    StrategyDef {
        name: "macd",
        summary: "buy when the MACD line crosses above its signal line, sell when it crosses below (TA-Lib MACD)",
        params: &[
            period("fast", 12.0, "fast EMA period (bars)"),
            period("slow", 26.0, "slow EMA period (bars), more than fast"),
            period("signal", 9.0, "signal EMA period (bars)"),
        ],
        level: false,
        kind: Kind::Macd,
    },
    StrategyDef {
        name: "bbands",
        summary: "mean reversion: buy when Close < lower Bollinger band, sell when Close > upper band (TA-Lib BBANDS, SMA middle)",
        params: &[
            period("n", 20.0, "band period (bars)"),
            ParamSpec {
                name: "k",
                default: 2.0,
                integer: false,
                min: 0.0,
                max: 100.0,
                help: "band width in population standard deviations",
            },
        ],
        level: true,
        kind: Kind::Bbands,
    },
    StrategyDef {
        name: "donchian",
        summary: "breakout: buy when Close > highest High of the previous n bars, sell when Close < lowest Low of the previous n bars",
        params: &[period("n", 20.0, "channel period (bars)")],
        level: true,
        kind: Kind::Donchian,
    },
    StrategyDef {
        name: "momentum",
        summary: "buy when the n-bar rate of change (in %) > threshold, sell when it is < -threshold",
        params: &[
            period("n", 20.0, "rate-of-change period (bars)"),
            ParamSpec {
                name: "threshold",
                default: 0.0,
                integer: false,
                min: 0.0,
                max: 1e6,
                help: "rate of change (percent) that triggers a trade",
            },
        ],
        level: true,
        kind: Kind::Momentum,
    },
];

#[cfg(debug_assertions)]
const HANG: StrategyDef = StrategyDef {
    name: "debug-hang",
    summary: "debug builds only: hangs when at == 1 (until the per-run timeout), else trades like sma-cross(10, 20)",
    params: &[ParamSpec {
        name: "at",
        default: 0.0,
        integer: true,
        min: 0.0,
        max: 1_000_000.0,
        help: "1 hangs",
    }],
    level: false,
    kind: Kind::Hang,
};

/// Looks a strategy up by name (hidden test strategies included in debug builds).
pub fn find(name: &str) -> Option<&'static StrategyDef> {
    #[cfg(debug_assertions)]
    if name == HANG.name {
        return Some(&HANG);
    }
    STRATEGIES.iter().find(|s| s.name == name)
}

/// The closest strategy name to a misspelt one, when it is close enough to be a likely typo
/// (velo's one did-you-mean rule, `crate::suggest`).
pub fn suggest(name: &str) -> Option<&'static str> {
    crate::suggest::closest(name, STRATEGIES.iter().map(|s| s.name))
}

/// A strategy with one value per parameter, in the order of `def.params`.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub def: &'static StrategyDef,
    pub values: [f64; MAX_PARAMS],
}

impl Params {
    /// The strategy with every parameter at its default.
    pub fn defaults(def: &'static StrategyDef) -> Self {
        let mut values = [0.0; MAX_PARAMS];
        for (v, p) in values.iter_mut().zip(def.params) {
            *v = p.default;
        }
        Self { def, values }
    }

    /// The index of the parameter called `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.def.params.iter().position(|p| p.name == name)
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        self.index(name).map(|i| self.values[i])
    }

    /// The value of `name`, NaN when the strategy has no such parameter.
    pub fn value(&self, name: &str) -> f64 {
        self.get(name).unwrap_or(f64::NAN)
    }

    /// `(name, value)` pairs in declaration order.
    pub fn pairs(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        self.def
            .params
            .iter()
            .zip(self.values)
            .map(|(p, v)| (p.name, v))
    }

    /// Checks every value against its bounds and the strategy's own rules; the error names
    /// the parameter and what to change.
    pub fn validate(&self) -> Result<(), ParamError> {
        for (p, &v) in self.def.params.iter().zip(&self.values) {
            p.check(self.def.name, v)?;
        }
        if let Kind::Rules(r) = self.def.kind {
            if let super::rules::Source::Expr(p) = &r.source {
                if let Some((f, sl)) = p.macd_order(&|n| self.value(n)) {
                    return Err(ParamError::MacdOrder {
                        strategy: self.def.name,
                        fast_value: f,
                        slow_value: sl,
                    });
                }
            }
        }
        for &(a, b) in self.def.ordered() {
            let (va, vb) = (self.values[a], self.values[b]);
            if va >= vb {
                return Err(ParamError::Unordered {
                    strategy: self.def.name,
                    a: self.def.params[a].name,
                    b: self.def.params[b].name,
                    a_value: va,
                    b_value: vb,
                });
            }
        }
        Ok(())
    }

    /// The index of the parameter called `name`, or the error that names the likely one meant.
    pub fn index_of(&self, name: &str) -> Result<usize, UnknownParam> {
        self.index(name).ok_or_else(|| UnknownParam {
            strategy: self.def,
            name: name.to_string(),
        })
    }

    /// Sets parameters from `NAME=VALUE` assignments, each checked against its bounds as it is
    /// read; the error names the assignment and, for a misspelt name, the parameter meant.
    pub fn assign(&mut self, items: &[String]) -> Result<(), AssignError> {
        let def = self.def;
        for item in items {
            let Some((k, v)) = item.split_once('=') else {
                return Err(AssignError::NoValue {
                    item: item.clone(),
                    name: def.params[0].name,
                    default: def.params[0].default,
                });
            };
            let i = self.index_of(k.trim()).map_err(AssignError::Unknown)?;
            let value: f64 = v
                .trim()
                .parse()
                .ok()
                .filter(|x: &f64| x.is_finite())
                .ok_or_else(|| AssignError::NotANumber {
                    item: item.clone(),
                    value: v.to_string(),
                })?;
            def.params[i]
                .check(def.name, value)
                .map_err(|rule| AssignError::Refused {
                    item: item.clone(),
                    rule,
                })?;
            self.values[i] = value;
        }
        Ok(())
    }

    /// The fewest bars a run needs: the warm-up, then two bars to trade on.
    pub fn min_bars(&self) -> usize {
        self.warmup() + 3
    }

    /// The index of the last warm-up bar (backtesting.py's W: the largest index of the first
    /// defined value over all indicators); the strategy first decides on bar W+1.
    pub fn warmup(&self) -> usize {
        let v = self.values.map(|x| x as usize);
        match self.def.kind {
            Kind::SmaCross | Kind::EmaCross => v[0].max(v[1]).saturating_sub(1),
            Kind::Rsi | Kind::Donchian | Kind::Momentum => v[0],
            Kind::Macd => v[1] + v[2] - 2,
            Kind::Bbands => v[0].saturating_sub(1),
            Kind::Hang => 19,
            Kind::Rules(r) => r.lookback(&|n| self.value(n)),
        }
    }

    /// True when this run should hang (debug builds' test strategy only).
    pub fn hangs(&self) -> bool {
        self.def.kind == Kind::Hang && self.values[0].total_cmp(&1.0).is_eq()
    }

    /// The order placed on each bar: +1 buy, -1 sell, 0 none (bars up to W are 0).
    pub fn orders(&self, bars: &Bars) -> Vec<i8> {
        self.orders_cached(bars, None)
    }

    /// [`Self::orders`], taking the moving averages of crossover strategies from `cache` (the
    /// runs of a sweep over one series share them) when given.
    pub fn orders_cached(&self, bars: &Bars, cache: Option<&SeriesCache>) -> Vec<i8> {
        let n = bars.len();
        let c = &bars.close;
        let v = self.values;
        let p = |i: usize| v[i] as usize;
        let mut out = vec![0i8; n];
        let start = self.warmup() + 1;
        let cross = |out: &mut [i8], a: &[f64], b: &[f64]| mark_crossings(a, b, start, out);
        let levels = |out: &mut [i8], buy: &dyn Fn(usize) -> bool, sell: &dyn Fn(usize) -> bool| {
            for (i, o) in out.iter_mut().enumerate().skip(start) {
                if buy(i) {
                    *o = 1;
                } else if sell(i) {
                    *o = -1;
                }
            }
        };
        match self.def.kind {
            Kind::SmaCross if cache.is_none() => {
                // One run: both averages in one pass.
                let [fast, slow] = rolling_means(c, [p(0), p(1)]);
                cross(&mut out, &fast, &slow);
            }
            Kind::SmaCross => {
                let ma = |n: usize| SeriesCache::get(cache, (0, n), || rolling_mean(c, n));
                cross(&mut out, &ma(p(0)), &ma(p(1)));
            }
            Kind::Hang => cross(&mut out, &rolling_mean(c, 10), &rolling_mean(c, 20)),
            Kind::EmaCross => {
                let ma = |n: usize| SeriesCache::get(cache, (1, n), || indicators::ema(c, n));
                cross(&mut out, &ma(p(0)), &ma(p(1)));
            }
            Kind::Macd => {
                let m = indicators::macd(c, p(0), p(1), p(2));
                cross(&mut out, &m.a, &m.b);
            }
            Kind::Rsi => {
                let r = indicators::rsi(c, p(0));
                levels(&mut out, &|i| r[i] < v[1], &|i| r[i] > v[2]);
            }
            Kind::Bbands => {
                let b = indicators::bbands(c, p(0), v[1], v[1]);
                levels(&mut out, &|i| c[i] < b.c[i], &|i| c[i] > b.a[i]);
            }
            Kind::Donchian => {
                let mut hi = indicators::max(&bars.high, p(0));
                let mut lo = indicators::min(&bars.low, p(0));
                shift_one(&mut hi);
                shift_one(&mut lo);
                levels(&mut out, &|i| c[i] > hi[i], &|i| c[i] < lo[i]);
            }
            Kind::Momentum => {
                let r = crate::market::signals::roc(c, p(0));
                levels(&mut out, &|i| r[i] > v[1], &|i| r[i] < -v[1]);
            }
            // Their orders depend on the position: the engine reads their rule masks
            // (`rules::decide`), so they place no order of their own here.
            Kind::Rules(_) => {}
        }
        out
    }
}

/// Moving averages shared by the runs of a sweep over one series (a 1,530-point sma-cross grid
/// needs 83 distinct SMAs, not 3,060). Bounded: once it holds [`SeriesCache::MAX`] series, new
/// ones are computed and not kept.
#[derive(Debug, Default)]
pub struct SeriesCache {
    map: Mutex<HashMap<SeriesKey, Arc<Vec<f64>>>>,
    /// The indicators of expression strategies, by canonical call.
    pub exprs: super::expr::Cache,
}

/// Which moving average (0 pandas SMA, 1 TA-Lib EMA) and its period.
type SeriesKey = (u8, usize);

impl SeriesCache {
    pub const MAX: usize = 256;

    /// The series under `key`, made (and kept, room permitting) on first use; without a cache,
    /// just made.
    fn get(cache: Option<&Self>, key: SeriesKey, make: impl FnOnce() -> Vec<f64>) -> Arc<Vec<f64>> {
        let Some(cache) = cache else {
            return Arc::new(make());
        };
        if let Some(v) = cache
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return Arc::clone(v);
        }
        let v = Arc::new(make());
        let mut map = cache.map.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() < Self::MAX {
            map.entry(key).or_insert_with(|| Arc::clone(&v));
        }
        v
    }
}

/// A number as a person writes it: `10`, not `10.0`; `0.25`.
pub fn fmt_num(v: f64) -> String {
    Num(v).to_string()
}

/// [`fmt_num`] as a `Display`, to write a number without a `String` of its own.
#[derive(Debug, Clone, Copy)]
pub struct Num(pub f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.0;
        if v.fract() == 0.0 && v.abs() < 1e15 {
            write!(f, "{v:.0}")
        } else {
            write!(f, "{v}")
        }
    }
}

impl std::fmt::Display for Params {
    /// The strategy and its values: `sma-cross fast=10 slow=20`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.def.name)?;
        for (name, v) in self.pairs() {
            write!(f, " {name}={}", Num(v))?;
        }
        Ok(())
    }
}

/// The parameters as a JSON object in declaration order (whole numbers as integers).
#[derive(Debug, Clone)]
pub struct ParamMap(pub Params);

impl Serialize for ParamMap {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut m = s.serialize_map(Some(self.0.def.params.len()))?;
        for (name, v) in self.0.pairs() {
            if v.fract() == 0.0 && v.abs() < 9e15 {
                m.serialize_entry(name, &(v as i64))?;
            } else {
                m.serialize_entry(name, &v)?;
            }
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_suggestions_work() {
        for (i, a) in STRATEGIES.iter().enumerate() {
            assert!(a.params.len() <= MAX_PARAMS);
            for b in &STRATEGIES[i + 1..] {
                assert_ne!(a.name, b.name);
            }
        }
        assert_eq!(suggest("sma_cross"), Some("sma-cross"));
        assert_eq!(suggest("smacross"), Some("sma-cross"));
        assert_eq!(suggest("zzzzzz"), None);
    }

    #[test]
    fn validation_names_the_parameter() {
        let def = find("rsi").expect("rsi");
        let mut p = Params::defaults(def);
        assert!(p.validate().is_ok());
        p.values[1] = 80.0;
        let e = p.validate().unwrap_err();
        assert!(matches!(
            e,
            ParamError::Unordered {
                a: "lower",
                b: "upper",
                ..
            }
        ));
        assert!(e.to_string().contains("lower < upper"), "{e}");
        let mut p = Params::defaults(find("sma-cross").expect("sma"));
        p.values[0] = 2.5;
        let e = p.validate().unwrap_err();
        assert!(matches!(e, ParamError::NotWhole { name: "fast", .. }));
        assert!(e.to_string().contains("fast=2.5"), "{e}");
        p.values[0] = 0.0;
        assert!(p
            .validate()
            .unwrap_err()
            .to_string()
            .contains("out of range"));
    }

    #[test]
    fn warmups_follow_the_indicators() {
        let w = |name: &str| Params::defaults(find(name).expect("strategy")).warmup();
        assert_eq!(w("sma-cross"), 19);
        assert_eq!(w("rsi"), 14);
        assert_eq!(w("macd"), 33);
        assert_eq!(w("bbands"), 19);
        assert_eq!(w("donchian"), 20);
        assert_eq!(w("momentum"), 20);
    }
}
