//! The functions, their arguments and outputs, and the type check: every expression is a
//! number (a series or a constant) or a condition, windows are whole numbers or `$params`,
//! and each `$param` is recorded with what it must be.

use super::parser::{Kind, Node};
use super::ExprError;

/// TA-Lib's largest period.
pub const MAX_WINDOW: f64 = 100_000.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Func {
    Sma,
    Ema,
    Rsi,
    Roc,
    Std,
    Atr,
    Bbands,
    Macd,
    Highest,
    Lowest,
    Shift,
    Abs,
    Min,
    Max,
    CrossesAbove,
    CrossesBelow,
}

/// One output of a function with several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Output {
    Upper,
    Middle,
    Lower,
    Line,
    Signal,
    Hist,
}

/// What an argument must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// Any number: a series or a constant (a constant is a flat series).
    Series,
    /// A whole number of bars, at least `min`: a literal or a `$param`.
    Window { min: u32, what: &'static str },
    /// A constant number: literals and `$params` with arithmetic, no series.
    Scalar(&'static str),
}

const PERIOD1: Arg = Arg::Window {
    min: 1,
    what: "period",
};
const PERIOD2: Arg = Arg::Window {
    min: 2,
    what: "period",
};
const FAST: Arg = Arg::Window {
    min: 2,
    what: "fast period",
};
const SLOW: Arg = Arg::Window {
    min: 2,
    what: "slow period",
};
const SIGNAL: Arg = Arg::Window {
    min: 1,
    what: "signal period",
};
const WINDOW: Arg = Arg::Window {
    min: 1,
    what: "window",
};
const COUNT: Arg = Arg::Window {
    min: 1,
    what: "count of bars",
};
const K: Arg = Arg::Scalar("width k");

impl Func {
    pub const ALL: [Self; 16] = [
        Self::Sma,
        Self::Ema,
        Self::Rsi,
        Self::Roc,
        Self::Std,
        Self::Atr,
        Self::Bbands,
        Self::Macd,
        Self::Highest,
        Self::Lowest,
        Self::Shift,
        Self::Abs,
        Self::Min,
        Self::Max,
        Self::CrossesAbove,
        Self::CrossesBelow,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Sma => "sma",
            Self::Ema => "ema",
            Self::Rsi => "rsi",
            Self::Roc => "roc",
            Self::Std => "std",
            Self::Atr => "atr",
            Self::Bbands => "bbands",
            Self::Macd => "macd",
            Self::Highest => "highest",
            Self::Lowest => "lowest",
            Self::Shift => "shift",
            Self::Abs => "abs",
            Self::Min => "min",
            Self::Max => "max",
            Self::CrossesAbove => "crosses_above",
            Self::CrossesBelow => "crosses_below",
        }
    }

    pub fn find(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    pub fn example(self) -> &'static str {
        match self {
            Self::Sma => "sma(close, 20)",
            Self::Ema => "ema(close, 20)",
            Self::Rsi => "rsi(close, 14)",
            Self::Roc => "roc(close, 10)",
            Self::Std => "std(close, 20)",
            Self::Atr => "atr(14)",
            Self::Bbands => "bbands(close, 20, 2).lower",
            Self::Macd => "macd(close, 12, 26, 9).line",
            Self::Highest => "highest(high, 20)",
            Self::Lowest => "lowest(low, 20)",
            Self::Shift => "shift(close, 1)",
            Self::Abs => "abs(close - open)",
            Self::Min => "min(open, close)",
            Self::Max => "max(open, close)",
            Self::CrossesAbove => "crosses_above(close, sma(close, 20))",
            Self::CrossesBelow => "crosses_below(close, sma(close, 20))",
        }
    }

    pub fn args(self) -> &'static [Arg] {
        use Arg::Series as S;
        match self {
            Self::Sma | Self::Ema | Self::Roc => &[S, PERIOD1],
            Self::Rsi | Self::Std => &[S, PERIOD2],
            Self::Atr => &[PERIOD1],
            Self::Bbands => &[S, PERIOD2, K],
            Self::Macd => &[S, FAST, SLOW, SIGNAL],
            Self::Highest | Self::Lowest => &[S, WINDOW],
            Self::Shift => &[S, COUNT],
            Self::Abs => &[S],
            Self::Min | Self::Max | Self::CrossesAbove | Self::CrossesBelow => &[S, S],
        }
    }

    pub fn outputs(self) -> &'static [(&'static str, Output)] {
        match self {
            Self::Bbands => &[
                ("upper", Output::Upper),
                ("middle", Output::Middle),
                ("lower", Output::Lower),
            ],
            Self::Macd => &[
                ("line", Output::Line),
                ("signal", Output::Signal),
                ("hist", Output::Hist),
            ],
            _ => &[],
        }
    }

    pub fn outputs_text(self) -> String {
        let names: Vec<String> = self
            .outputs()
            .iter()
            .map(|(n, _)| format!(".{n}"))
            .collect();
        names.join(", ")
    }

    pub fn output(self, name: &str) -> Option<Output> {
        self.outputs()
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, o)| o)
    }

    /// A condition (`crosses_*`) rather than a number.
    pub fn is_condition(self) -> bool {
        matches!(self, Self::CrossesAbove | Self::CrossesBelow)
    }
}

impl Output {
    pub fn name(self) -> &'static str {
        match self {
            Self::Upper => "upper",
            Self::Middle => "middle",
            Self::Lower => "lower",
            Self::Line => "line",
            Self::Signal => "signal",
            Self::Hist => "hist",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Number,
    Condition,
}

/// How a `$param` is used: the strictest window bound it must meet, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamUse {
    pub name: String,
    /// Used as a window or count: at least this many bars, whole.
    pub window_min: Option<u32>,
}

/// Checks `node` as a condition; records each `$param` in `params`.
pub fn check_condition(node: &Node, params: &mut Vec<ParamUse>) -> Result<(), ExprError> {
    let ty = check(node, params)?;
    if ty != Ty::Condition {
        return Err(ExprError::at(
            node.pos,
            "expected a condition (a comparison, crosses_above/below, and, or, not), found a number: e.g. close > sma(close, 20)",
        ));
    }
    Ok(())
}

fn note(params: &mut Vec<ParamUse>, name: &str, window_min: Option<u32>) {
    if let Some(p) = params.iter_mut().find(|p| p.name == name) {
        p.window_min = match (p.window_min, window_min) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    } else {
        params.push(ParamUse {
            name: name.to_string(),
            window_min,
        });
    }
}

fn want(node: &Node, got: Ty, ty: Ty, context: &str) -> Result<(), ExprError> {
    if got == ty {
        return Ok(());
    }
    let msg = match ty {
        Ty::Number => format!("expected a number {context}, found a condition (comparisons, and, or, not and crosses_* are conditions)"),
        Ty::Condition => format!("expected a condition {context}, found a number: compare it, e.g. x > 0"),
    };
    Err(ExprError::at(node.pos, msg))
}

fn check(node: &Node, params: &mut Vec<ParamUse>) -> Result<Ty, ExprError> {
    use Ty::{Condition as C, Number as N};
    match &node.kind {
        Kind::Num(_) | Kind::Series(_) => Ok(N),
        Kind::Param(name) => {
            note(params, name, None);
            Ok(N)
        }
        Kind::Neg(a) => {
            let t = check(a, params)?;
            want(a, t, N, "after '-'")?;
            Ok(N)
        }
        Kind::Not(a) => {
            let t = check(a, params)?;
            want(a, t, C, "after 'not'")?;
            Ok(C)
        }
        Kind::Arith(_, a, b) => {
            for x in [a, b] {
                let t = check(x, params)?;
                want(x, t, N, "in arithmetic")?;
            }
            Ok(N)
        }
        Kind::Cmp(_, a, b) => {
            for x in [a, b] {
                let t = check(x, params)?;
                want(x, t, N, "on each side of a comparison")?;
            }
            Ok(C)
        }
        Kind::Logic(op, a, b) => {
            let word = match op {
                super::parser::Logic::And => "on each side of 'and'",
                super::parser::Logic::Or => "on each side of 'or'",
            };
            for x in [a, b] {
                let t = check(x, params)?;
                want(x, t, C, word)?;
            }
            Ok(C)
        }
        Kind::Call { func, args, output } => {
            let spec = func.args();
            if args.len() != spec.len() {
                return Err(ExprError::at(
                    node.pos,
                    format!(
                        "{} takes {} argument{} ({} given), e.g. {}",
                        func.name(),
                        spec.len(),
                        if spec.len() == 1 { "" } else { "s" },
                        args.len(),
                        func.example()
                    ),
                ));
            }
            for (a, s) in args.iter().zip(spec) {
                match *s {
                    Arg::Series => {
                        let t = check(a, params)?;
                        want(a, t, N, &format!("as an argument of {}", func.name()))?;
                    }
                    Arg::Window { min, what } => window(a, *func, min, what, params)?,
                    Arg::Scalar(what) => scalar(a, *func, what, params)?,
                }
            }
            if !func.outputs().is_empty() && output.is_none() {
                return Err(ExprError::at(
                    node.pos,
                    format!(
                        "{}(...) has several outputs: pick one with {}",
                        func.name(),
                        func.outputs_text()
                    ),
                ));
            }
            Ok(if func.is_condition() { C } else { N })
        }
    }
}

/// A window: a whole literal within bounds, or a `$param` (checked when it gets a value).
fn window(
    a: &Node,
    func: Func,
    min: u32,
    what: &str,
    params: &mut Vec<ParamUse>,
) -> Result<(), ExprError> {
    match &a.kind {
        Kind::Num(v) => {
            if v.fract() != 0.0 || *v < f64::from(min) || *v > MAX_WINDOW {
                return Err(ExprError::at(
                    a.pos,
                    format!(
                        "the {what} of {} must be a whole number from {min} to 100000, not {v}",
                        func.name()
                    ),
                ));
            }
            Ok(())
        }
        Kind::Param(name) => {
            note(params, name, Some(min));
            Ok(())
        }
        _ => Err(ExprError::at(
            a.pos,
            format!(
                "the {what} of {} must be a whole number or a $param, e.g. {}",
                func.name(),
                func.example()
            ),
        )),
    }
}

/// A constant: literals and `$params` under arithmetic and unary minus.
fn scalar(a: &Node, func: Func, what: &str, params: &mut Vec<ParamUse>) -> Result<(), ExprError> {
    match &a.kind {
        Kind::Num(_) => Ok(()),
        Kind::Param(name) => {
            note(params, name, None);
            Ok(())
        }
        Kind::Neg(x) => scalar(x, func, what, params),
        Kind::Arith(_, x, y) => {
            scalar(x, func, what, params)?;
            scalar(y, func, what, params)
        }
        _ => Err(ExprError::at(
            a.pos,
            format!(
                "the {what} of {} must be a constant (numbers and $params), e.g. {}",
                func.name(),
                func.example()
            ),
        )),
    }
}
