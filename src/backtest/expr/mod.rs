//! Expression strategies: the four conditions of the normative `next()` (entry, exit,
//! short entry, short exit) written in a small language over the bars, checked once, then
//! evaluated for each parameter set as column operations ([`eval`]).
//!
//! - [`lexer`] and [`parser`]: text to a syntax tree, every node with its offset;
//! - [`types`]: the functions and the type check (numbers vs conditions, windows, `$params`);
//! - [`eval`]: the columns, with a [`Cache`] of indicators shared by a sweep's runs.

// Formula code reads best in the notation of the formulas (n, k, a, b, x).
#![allow(clippy::many_single_char_names)]

pub mod eval;
pub mod lexer;
pub mod parser;
pub mod types;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

pub use parser::Node;
pub use types::ParamUse;

use crate::market::Bars;

/// A syntax or type error at a byte offset of the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    pub pos: usize,
    pub message: String,
}

impl ExprError {
    pub fn at(pos: usize, message: impl Into<String>) -> Self {
        Self {
            pos,
            message: message.into(),
        }
    }
}

/// The four conditions, in the order of their bits in a rule mask.
pub const RULES: [&str; 4] = ["entry", "exit", "short_entry", "short_exit"];

/// Bits of a bar's rule mask.
pub const ENTRY: u8 = 1;
pub const EXIT: u8 = 2;
pub const SHORT_ENTRY: u8 = 4;
pub const SHORT_EXIT: u8 = 8;

/// An error in one of the four conditions, shown with the text and a caret under the column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rule}, column {column}: {}\n  {text}\n  {caret}^", .error.message, caret = " ".repeat(.column - 1))]
pub struct RuleError {
    /// `entry`, `exit`, `short_entry` or `short_exit`.
    pub rule: &'static str,
    pub text: String,
    /// 1-based, in characters.
    pub column: usize,
    pub error: ExprError,
}

impl RuleError {
    fn new(rule: &'static str, text: &str, error: ExprError) -> Self {
        let at = error.pos.min(text.len());
        let column = text.char_indices().take_while(|(i, _)| *i < at).count() + 1;
        // Tabs and newlines would misplace the caret: shown as spaces.
        let text = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        Self {
            rule,
            text,
            column,
            error,
        }
    }
}

/// One checked condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub text: String,
    #[serde(skip)]
    pub node: Node,
}

/// The four conditions, checked, and the `$params` they use.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    pub rules: [Option<Rule>; 4],
    pub params: Vec<ParamUse>,
}

/// Parses and checks one condition (what the fuzz target drives).
pub fn check(text: &str) -> Result<(Node, Vec<ParamUse>), ExprError> {
    let node = parser::parse(text)?;
    let mut params = Vec::new();
    types::check_condition(&node, &mut params)?;
    Ok((node, params))
}

impl Program {
    /// Parses and checks the conditions given (in [`RULES`] order); at least one of entry and
    /// short entry is needed.
    pub fn compile(texts: [Option<&str>; 4]) -> Result<Self, RuleError> {
        let mut params: Vec<ParamUse> = Vec::new();
        let mut rules: [Option<Rule>; 4] = Default::default();
        for ((slot, text), name) in rules.iter_mut().zip(texts).zip(RULES) {
            let Some(text) = text else { continue };
            let (node, used) = check(text).map_err(|e| RuleError::new(name, text, e))?;
            for u in used {
                match params.iter_mut().find(|p| p.name == u.name) {
                    Some(p) => p.window_min = p.window_min.max(u.window_min),
                    None => params.push(u),
                }
            }
            *slot = Some(Rule {
                text: text.to_string(),
                node,
            });
        }
        if rules[0].is_none() && rules[2].is_none() {
            return Err(RuleError::new(
                "entry",
                "",
                ExprError::at(
                    0,
                    "an expression strategy needs an entry or a short entry condition",
                ),
            ));
        }
        Ok(Self { rules, params })
    }

    /// Each bar's rule mask ([`ENTRY`], [`EXIT`], ...) and the warm-up W: the most leading
    /// NaNs of any indicator (function call), an all-NaN one counting 0.
    pub fn masks(
        &self,
        bars: &Bars,
        value: &dyn Fn(&str) -> f64,
        cache: &Cache,
    ) -> (Vec<u8>, usize) {
        let mut ctx = eval::Ctx {
            bars,
            value,
            cache,
            warmup: 0,
        };
        let mut mask = vec![0u8; bars.len()];
        for (k, rule) in self.rules.iter().enumerate() {
            let Some(rule) = rule else { continue };
            let bit = 1u8 << k;
            match ctx.cond(&rule.node) {
                eval::Cond::Const(false) => {}
                eval::Cond::Const(true) => mask.iter_mut().for_each(|m| *m |= bit),
                eval::Cond::Col(v) => {
                    for (m, b) in mask.iter_mut().zip(v) {
                        if b {
                            *m |= bit;
                        }
                    }
                }
            }
        }
        (mask, ctx.warmup)
    }

    /// The warm-up on gap-free data (each call's lookback, added through nesting): what
    /// checks before the data is read use.
    pub fn lookback(&self, value: &dyn Fn(&str) -> f64) -> usize {
        self.rules
            .iter()
            .flatten()
            .map(|r| lookback(&r.node, value).1)
            .max()
            .unwrap_or(0)
    }

    /// The rule the parameters must keep beyond their bounds: a MACD's fast period below its
    /// slow one. Returns the offending `(fast, slow)` values.
    pub fn macd_order(&self, value: &dyn Fn(&str) -> f64) -> Option<(f64, f64)> {
        fn walk(n: &Node, value: &dyn Fn(&str) -> f64) -> Option<(f64, f64)> {
            use parser::Kind;
            match &n.kind {
                Kind::Call { func, args, .. } => {
                    if *func == types::Func::Macd {
                        let v = |a: &Node| match &a.kind {
                            Kind::Num(x) => *x,
                            Kind::Param(p) => value(p),
                            _ => f64::NAN,
                        };
                        let (f, s) = (v(&args[1]), v(&args[2]));
                        if f >= s {
                            return Some((f, s));
                        }
                    }
                    args.iter().find_map(|a| walk(a, value))
                }
                Kind::Neg(a) | Kind::Not(a) => walk(a, value),
                Kind::Arith(_, a, b) | Kind::Cmp(_, a, b) | Kind::Logic(_, a, b) => {
                    walk(a, value).or_else(|| walk(b, value))
                }
                _ => None,
            }
        }
        self.rules
            .iter()
            .flatten()
            .find_map(|r| walk(&r.node, value))
    }
}

/// `(lookback of this node's value, most of any call within)`.
fn lookback(n: &Node, value: &dyn Fn(&str) -> f64) -> (usize, usize) {
    use parser::Kind;
    use types::Func;
    match &n.kind {
        Kind::Num(_) | Kind::Param(_) | Kind::Series(_) => (0, 0),
        Kind::Neg(a) | Kind::Not(a) => lookback(a, value),
        Kind::Arith(_, a, b) | Kind::Cmp(_, a, b) | Kind::Logic(_, a, b) => {
            let (x, y) = (lookback(a, value), lookback(b, value));
            (x.0.max(y.0), x.1.max(y.1))
        }
        Kind::Call { func, args, .. } => {
            let int = |i: usize| match &args[i].kind {
                Kind::Num(v) => *v as usize,
                Kind::Param(p) => {
                    let v = value(p);
                    if v.is_finite() {
                        v as usize
                    } else {
                        0
                    }
                }
                _ => 0,
            };
            let inner = args
                .iter()
                .map(|a| lookback(a, value))
                .fold((0, 0), |acc, x| (acc.0.max(x.0), acc.1.max(x.1)));
            let own = match func {
                Func::Sma | Func::Ema | Func::Std | Func::Highest | Func::Lowest | Func::Bbands => {
                    int(1).saturating_sub(1)
                }
                Func::Rsi | Func::Roc | Func::Shift => int(1),
                Func::Atr => int(0),
                Func::Macd => (int(1).max(int(2)) + int(3)).saturating_sub(2),
                Func::Abs | Func::Min | Func::Max => 0,
                Func::CrossesAbove | Func::CrossesBelow => return inner,
            };
            let v = inner.0 + own;
            (v, inner.1.max(v))
        }
    }
}

/// What one indicator call gave: its output columns (three for bbands and macd) and the
/// warm-up of the calls nested in it.
#[derive(Debug)]
pub struct Computed {
    pub cols: Vec<Arc<Vec<f64>>>,
    pub inner: usize,
}

/// Indicators shared by the runs of a sweep over one series, keyed by the call's canonical
/// text with its parameters filled in. Bounded: once it holds [`Cache::MAX`] calls, new ones
/// are computed and not kept.
#[derive(Debug, Default)]
pub struct Cache {
    map: Mutex<HashMap<String, Arc<Computed>>>,
}

impl Cache {
    pub const MAX: usize = 256;

    /// The call under `key`, made (and kept, room permitting) on first use.
    pub fn get(&self, key: &str, make: impl FnOnce() -> Computed) -> Arc<Computed> {
        if let Some(v) = self
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
        {
            return Arc::clone(v);
        }
        let v = Arc::new(make());
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() < Self::MAX {
            map.entry(key.to_string()).or_insert_with(|| Arc::clone(&v));
        }
        v
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn err(text: &str) -> RuleError {
        Program::compile([Some(text), None, None, None]).unwrap_err()
    }

    fn bars(close: &[f64]) -> Bars {
        let mut b = Bars::with_capacity("T", close.len());
        for (i, &c) in close.iter().enumerate() {
            b.push(i as i64 * 86_400_000, c, c + 1.0, c - 1.0, c, 100.0);
        }
        b
    }

    /// The entry mask of `text` over `close`, with `$p` = 3, and the warm-up.
    fn entry(text: &str, close: &[f64]) -> (Vec<bool>, usize) {
        let p = Program::compile([Some(text), None, None, None]).unwrap();
        let (m, w) = p.masks(&bars(close), &|_| 3.0, &Cache::default());
        (m.iter().map(|b| b & ENTRY != 0).collect(), w)
    }

    #[test]
    fn errors_point_at_the_column_and_say_what_was_expected() {
        let e = err("rsii(close, 14) < 30");
        assert_eq!(
            e.to_string(),
            "entry, column 1: unknown function 'rsii', did you mean 'rsi'?\n  rsii(close, 14) < 30\n  ^"
        );
        let e = err("close > sma(clsoe, 20)");
        assert_eq!(e.column, 13);
        assert!(e.error.message.contains("did you mean 'close'"), "{e}");
        assert!(err("close < 1 < 2").error.message.contains("do not chain"));
        assert!(err("close + 1")
            .error
            .message
            .contains("expected a condition"));
        assert!(err("(close > 1) + 1 > 0")
            .error
            .message
            .contains("expected a number"));
        assert!(err("sma(close, 2.5) > 1")
            .error
            .message
            .contains("whole number"));
        assert!(err("sma(close, close) > 1")
            .error
            .message
            .contains("$param"));
        assert!(err("rsi(close, 1) > 1").error.message.contains("from 2"));
        assert!(err("bbands(close, 20, 2) > 1")
            .error
            .message
            .contains(".upper"));
        assert!(err("bbands(close, 20, 2).uper > 1")
            .error
            .message
            .contains("did you mean 'upper'"));
        assert!(err("sma(close) > 1")
            .error
            .message
            .contains("takes 2 arguments"));
        assert!(err("close = 1").error.message.contains("'=='"));
        assert!(err("(close > 1").error.message.contains("')'"));
        let e = err("close > ");
        assert_eq!(e.column, 9, "{e}");
        // The column counts characters, not bytes.
        assert_eq!(err("close > é").column, 9);
        let both_missing = Program::compile([None, Some("close > 1"), None, None]).unwrap_err();
        assert!(both_missing
            .error
            .message
            .contains("entry or a short entry"));
    }

    #[test]
    fn precedence_and_parameters() {
        let p = Program::compile([
            Some("not -$a * 2 + $b > 1 and $b >= 1 or sma(close, $n) > $a"),
            None,
            None,
            None,
        ])
        .unwrap();
        let names: Vec<(&str, Option<u32>)> = p
            .params
            .iter()
            .map(|u| (u.name.as_str(), u.window_min))
            .collect();
        assert_eq!(names, vec![("a", None), ("b", None), ("n", Some(1))]);
        // -3*2+3 = -3 > 1 is false, not false = true; 3 >= 1: true.
        assert_eq!(
            entry("not -$p * 2 + $p > 1 and $p >= 1", &[1.0, 2.0]).0,
            vec![true, true]
        );
        // * over +: 1 + 2*3 = 7.
        assert_eq!(entry("1 + 2 * $p == 7", &[1.0]).0, vec![true]);
        // A window used by rsi needs 2 bars at least.
        let p =
            Program::compile([Some("rsi(close, $n) > sma(close, $n)"), None, None, None]).unwrap();
        assert_eq!(p.params[0].window_min, Some(2));
    }

    #[test]
    fn nan_and_division_follow_numpy() {
        // 0/0 is NaN: only != holds; x/0 is inf, x/-0 is -inf.
        assert_eq!(entry("(close - close) / 0 != 1", &[1.0]).0, vec![true]);
        assert_eq!(
            entry("(close - close) / 0 == (close - close) / 0", &[1.0]).0,
            vec![false]
        );
        assert_eq!(entry("not ((close - close) / 0 > 1)", &[1.0]).0, vec![true]);
        assert_eq!(
            entry("close / 0 > 1e308 and close / -0 < -1e308", &[1.0]).0,
            vec![true]
        );
        // min/max propagate NaN.
        assert_eq!(
            entry(
                "max(close, (close - close) / 0) != max(close, (close - close) / 0)",
                &[1.0]
            )
            .0,
            vec![true]
        );
    }

    #[test]
    fn warmup_is_the_most_leading_nans_of_any_call() {
        let close: Vec<f64> = (1..=30).map(f64::from).collect();
        assert_eq!(entry("sma(close, 5) > 0", &close).1, 4);
        // Nested calls compound; shift counts.
        assert_eq!(entry("sma(shift(close, 2), 5) > 0", &close).1, 6);
        // An all-NaN indicator counts 0; a bare series is no indicator.
        assert_eq!(
            entry("sma(close, 500) != close and shift(close, 1) > 0", &close).1,
            1
        );
        assert_eq!(entry("close > open", &close).1, 0);
        // crosses_* is evaluated per bar, not declared: strict on both bars.
        let (m, _) = entry("crosses_above(close, 3)", &[1.0, 3.0, 4.0, 2.0, 5.0]);
        assert_eq!(m, vec![false, false, false, false, true]);
    }

    #[test]
    fn identical_calls_are_computed_once() {
        let p = Program::compile([
            Some("sma(close, $p) > sma( close , 3 )"),
            None,
            Some("sma(close, 3) < 1"),
            None,
        ])
        .unwrap();
        let cache = Cache::default();
        let b = bars(&[1.0, 2.0, 3.0, 4.0]);
        let _ = p.masks(&b, &|_| 3.0, &cache);
        assert_eq!(cache.map.lock().unwrap().len(), 1);
    }

    #[test]
    fn talib_functions_skip_leading_nans_and_rsi_turns_zero_after_one() {
        let mut close: Vec<f64> = (0..40)
            .map(|i| 100.0 + f64::from(i % 7) * 1.5 - f64::from(i % 3))
            .collect();
        let b = bars(&close);
        let cache = Cache::default();
        let mut ctx = eval::Ctx {
            bars: &b,
            value: &|_| 3.0,
            cache: &cache,
            warmup: 0,
        };
        let (shifted, _) = check("ema(shift(close, 2), 5) > 0").unwrap();
        let parser::Kind::Cmp(_, lhs, _) = &shifted.kind else {
            panic!()
        };
        let eval::Num::Owned(v) = ctx.num(lhs) else {
            panic!()
        };
        let direct = crate::market::indicators::ema(&close[..38], 5);
        assert_eq!(&v[6..], &direct[4..]);
        assert!(direct[..4].iter().all(|x| x.is_nan()));
        assert!(v[..6].iter().all(|x| x.is_nan()) && !v[6].is_nan());
        close[20] = f64::NAN;
        let b = bars(&close);
        let cache = Cache::default();
        let mut ctx = eval::Ctx {
            bars: &b,
            value: &|_| 3.0,
            cache: &cache,
            warmup: 0,
        };
        let (rsi, _) = check("rsi(close, 5) > 0").unwrap();
        let parser::Kind::Cmp(_, lhs, _) = &rsi.kind else {
            panic!()
        };
        let eval::Num::Owned(v) = ctx.num(lhs) else {
            panic!()
        };
        assert!(v[19] > 0.0 && v[20..].iter().all(|&x| x == 0.0));
    }

    proptest! {
        #![proptest_config(crate::market::fuzz_config())]

        /// Any text: an error with a position inside it (or at its end), never a panic.
        #[test]
        fn fuzz_expression_parser(text in "\\PC{0,80}") {
            if let Err(e) = check(&text) {
                prop_assert!(e.pos <= text.len());
                let shown = RuleError::new("entry", &text, e).to_string();
                prop_assert!(shown.ends_with('^'));
            }
        }

        /// Texts made of the language's own pieces reach deeper than random characters.
        #[test]
        fn fuzz_expression_grammar(parts in proptest::collection::vec(prop_oneof![
            Just("close"), Just("sma("), Just("bbands("), Just(").upper"), Just("$n"), Just(","),
            Just("("), Just(")"), Just(" and "), Just(" not "), Just(" or "), Just("<"), Just(">="),
            Just("=="), Just("-"), Just("*"), Just("/"), Just("1"), Just("2.5"), Just("1e400"),
            Just("crosses_above("), Just("macd("), Just(".line"), Just("shift("), Just("atr("),
        ], 0..24)) {
            let text: String = parts.concat();
            match check(&text) {
                Err(e) => prop_assert!(e.pos <= text.len()),
                Ok((node, _)) => {
                    // What checks also evaluates, whatever the parameter's value.
                    let p = Program { rules: [Some(Rule { text: text.clone(), node }), None, None, None], params: Vec::new() };
                    let _ = p.masks(&bars(&[1.0, 2.0, 3.0, 2.0, 1.0]), &|_| 2.0, &Cache::default());
                }
            }
        }
    }
}
