//! Expression strategies: the four conditions of the normative `next()` (entry, exit,
//! short entry, short exit) written in a small language over the bars, checked once, then
//! evaluated for each parameter set as column operations ([`eval`]).
//!
//! - [`lexer`] and [`parser`]: text to a syntax tree, every node with its offset;
//! - [`types`]: the functions and the type check (numbers vs conditions, windows, `$params`);
//! - [`eval`]: the columns, with a [`Cache`] of indicators shared by a sweep's runs.

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
        let column = text
            .char_indices()
            .take_while(|(i, _)| *i < at)
            .count()
            + 1;
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
                ExprError::at(0, "an expression strategy needs an entry or a short entry condition"),
            ));
        }
        Ok(Self { rules, params })
    }

    /// Each bar's rule mask ([`ENTRY`], [`EXIT`], ...) and the warm-up W: the most leading
    /// NaNs of any indicator (function call), an all-NaN one counting 0.
    pub fn masks(&self, bars: &Bars, value: &dyn Fn(&str) -> f64, cache: &Cache) -> (Vec<u8>, usize) {
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
        self.rules.iter().flatten().find_map(|r| walk(&r.node, value))
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
            let inner = args.iter().map(|a| lookback(a, value)).fold((0, 0), |acc, x| {
                (acc.0.max(x.0), acc.1.max(x.1))
            });
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
    pub const MAX: usize = 1024;

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
