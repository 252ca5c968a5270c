//! Rule strategies: the four conditions of the normative `next()` as one bit mask per bar,
//! from expressions ([`super::expr`]) or from a signals file ([`super::signals`]). A rule
//! strategy becomes a [`StrategyDef`] like the built-ins, its parameters the expressions'
//! `$params`, so grids, sweeps, universes and walk-forward take it as they are.
//!
//! Each bar, on its close, with the position as the broker holds it then:
//! ```text
//! if long and EXIT: close            elif short and SHORT_EXIT: close
//! if ENTRY and not long: (close a short) buy
//! elif SHORT_ENTRY and not short: (close a long) sell
//! ```

use super::expr::{self, Program, RuleError};
use super::signals::{SignalError, Signals};
use super::strategy::{Kind, ParamSpec, StrategyDef, MAX_PARAMS};
use crate::market::Bars;

/// Where the conditions come from.
#[derive(Debug)]
pub enum Source {
    Expr(Box<Program>),
    Signals(Signals),
}

/// A rule strategy (compared by identity: each is defined once).
#[derive(Debug)]
pub struct RuleStrategy {
    pub source: Source,
}

impl PartialEq for RuleStrategy {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for RuleStrategy {}

/// Why a rule strategy cannot be defined.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DefineError {
    #[error(transparent)]
    Expr(#[from] RuleError),
    #[error(
        "the expressions use {count} parameters ({names}); a strategy has at most {MAX_PARAMS}"
    )]
    TooManyParams { count: usize, names: String },
}

/// What a run of a rule strategy needs from the bars, or why it cannot have it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MaskError {
    #[error(transparent)]
    Signals(#[from] SignalError),
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// Defines a rule strategy called `name` (kept for the life of the process, as the built-ins
/// are: a run's report refers to it).
pub fn define(name: &str, source: Source) -> Result<&'static StrategyDef, DefineError> {
    let params: Vec<ParamSpec> = match &source {
        Source::Expr(p) => {
            if p.params.len() > MAX_PARAMS {
                let names: Vec<String> = p.params.iter().map(|u| format!("${}", u.name)).collect();
                return Err(DefineError::TooManyParams {
                    count: p.params.len(),
                    names: names.join(", "),
                });
            }
            p.params
                .iter()
                .map(|u| match u.window_min {
                    Some(min) => ParamSpec {
                        name: leak(&u.name),
                        default: f64::NAN,
                        integer: true,
                        min: f64::from(min),
                        max: expr::types::MAX_WINDOW,
                        help: "a window or count of bars in the expressions",
                    },
                    None => ParamSpec {
                        name: leak(&u.name),
                        default: f64::NAN,
                        integer: false,
                        min: f64::MIN,
                        max: f64::MAX,
                        help: "a number in the expressions",
                    },
                })
                .collect()
        }
        Source::Signals(_) => Vec::new(),
    };
    let summary = match &source {
        Source::Expr(_) => "expression strategy",
        Source::Signals(_) => "signals file",
    };
    let rules: &'static RuleStrategy = Box::leak(Box::new(RuleStrategy { source }));
    Ok(Box::leak(Box::new(StrategyDef {
        name: leak(name),
        summary,
        params: Box::leak(params.into_boxed_slice()),
        level: true,
        kind: Kind::Rules(rules),
    })))
}

impl RuleStrategy {
    /// Each bar's rule mask and the warm-up W (signals: 0).
    pub fn masks(
        &self,
        bars: &Bars,
        value: &dyn Fn(&str) -> f64,
        cache: &expr::Cache,
    ) -> Result<(Vec<u8>, usize), MaskError> {
        match &self.source {
            Source::Expr(p) => Ok(p.masks(bars, value, cache)),
            Source::Signals(s) => Ok((s.masks(bars)?, 0)),
        }
    }

    /// The warm-up on gap-free data (for checks made before the data is read).
    pub fn lookback(&self, value: &dyn Fn(&str) -> f64) -> usize {
        match &self.source {
            Source::Expr(p) => p.lookback(value),
            Source::Signals(_) => 0,
        }
    }
}

/// What the strategy orders on a bar with rule mask `m` while holding `side` (-1, 0, 1):
/// `(close the open trade, then enter in this direction (0: none))`.
#[inline]
pub fn decide(m: u8, side: i8) -> (bool, i8) {
    let (long, short) = (side > 0, side < 0);
    let mut close = (long && m & expr::EXIT != 0) || (short && m & expr::SHORT_EXIT != 0);
    let mut entry = 0;
    if m & expr::ENTRY != 0 && !long {
        close |= short;
        entry = 1;
    } else if m & expr::SHORT_ENTRY != 0 && !short {
        close |= long;
        entry = -1;
    }
    (close, entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use expr::{ENTRY, EXIT, SHORT_ENTRY, SHORT_EXIT};

    #[test]
    fn decisions_follow_the_normative_next() {
        // Flat: entry wins over short entry; exits do nothing.
        assert_eq!(decide(ENTRY | SHORT_ENTRY, 0), (false, 1));
        assert_eq!(decide(SHORT_ENTRY, 0), (false, -1));
        assert_eq!(decide(EXIT | SHORT_EXIT, 0), (false, 0));
        // Long: exit with entry closes only (the position is still long when entry is read).
        assert_eq!(decide(EXIT | ENTRY, 1), (true, 0));
        // Long: short entry reverses, with or without exit.
        assert_eq!(decide(SHORT_ENTRY, 1), (true, -1));
        assert_eq!(decide(EXIT | SHORT_ENTRY | ENTRY, 1), (true, -1));
        assert_eq!(decide(SHORT_EXIT, 1), (false, 0));
        // Short: the mirror image.
        assert_eq!(decide(SHORT_EXIT, -1), (true, 0));
        assert_eq!(decide(ENTRY, -1), (true, 1));
        assert_eq!(decide(EXIT, -1), (false, 0));
    }
}
