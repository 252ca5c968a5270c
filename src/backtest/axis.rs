//! A grid's parts as the user writes them: an axis (`fast=5..49:1`, `k=1,1.5,2`), kept as a
//! formula or a short sorted list, never as its values one by one, and a constraint
//! (`fast<slow`), checked as it is read (a `nan` is not a number, a chain is two constraints).

use super::strategy::{fmt_num, Num, ParamError, Params, UnknownParam};

/// Why an axis's text (`fast=5..49:1`) is not one: each names the text as written.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AxisError {
    #[error("{text:?} is not NAME=START..END:STEP (e.g. fast=5..50:5) or NAME=A,B,C")]
    Syntax { text: String },
    #[error(transparent)]
    Unknown(UnknownParam),
    #[error("{text:?}: {value:?} is not a number")]
    NotANumber { text: String, value: String },
    #[error("{text:?}: the step must be more than 0 (a range counts up from START to END)")]
    Step { text: String },
    #[error("{text:?} is empty: END ({}) is below START ({})", Num(*end), Num(*start))]
    Empty { text: String, start: f64, end: f64 },
    #[error("{text:?} has more values than can be numbered: use a larger step")]
    TooMany { text: String },
    /// Adjacent values of the range would be equal in floating point.
    #[error("{text:?}: the step {} is too small for values near {}: they would repeat; use a larger step", Num(*step), Num(*near))]
    Repeats { text: String, step: f64, near: f64 },
    /// A value of the axis the parameter does not take.
    #[error("{text}: {rule}: narrow the range or change the step")]
    Refused { text: String, rule: ParamError },
}

/// Why a constraint's text (`fast<slow`) is not one.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConstraintError {
    #[error("{text:?} is not A<B (operators < <= > >= == !=, e.g. 'fast<slow')")]
    Syntax { text: String },
    /// `a<b<c`: one comparison per constraint.
    #[error("{text:?} compares more than two things: give one comparison per constraint")]
    Chain { text: String },
    #[error("{text:?}: {operand:?} is not a number: compare with a parameter or a finite number")]
    NotANumber { text: String, operand: String },
    #[error("{text:?}: {unknown}")]
    Unknown { text: String, unknown: UnknownParam },
    #[error("{text:?} names no parameter of {strategy}")]
    NoParameter {
        text: String,
        strategy: &'static str,
    },
}

/// One swept parameter: its values in ascending order, each once.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The parameter's position in its strategy's parameters.
    pub index: usize,
    pub name: &'static str,
    /// The flag's text (`fast=5..49:1`), for messages.
    pub text: String,
    values: Values,
}

#[derive(Debug, Clone, PartialEq)]
enum Values {
    /// `start + k·step` for `k` in `0..count` (step > 0).
    Range { start: f64, step: f64, count: u64 },
    /// Sorted, distinct, finite.
    List(Vec<f64>),
}

impl Axis {
    /// `NAME=START..END:STEP` (END included), `NAME=START..END` (step 1) or `NAME=A,B,C` (a list:
    /// sorted, a value given twice runs once), for a parameter of `base`'s strategy. Each value
    /// is checked against the parameter's bounds here, so a bad one is named before any work.
    pub fn parse(base: &Params, text: &str) -> Result<Self, AxisError> {
        let Some((name, spec)) = text.split_once('=') else {
            return Err(AxisError::Syntax {
                text: text.to_string(),
            });
        };
        let def = base.def;
        let index = base.index_of(name.trim()).map_err(AxisError::Unknown)?;
        let num = |s: &str| -> Result<f64, AxisError> {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(|v| v + 0.0) // -0 is 0
                .ok_or_else(|| AxisError::NotANumber {
                    text: text.to_string(),
                    value: s.trim().to_string(),
                })
        };
        let values = if let Some((start, rest)) = spec.split_once("..") {
            let (end, step) = match rest.split_once(':') {
                Some((e, s)) => (num(e)?, num(s)?),
                None => (num(rest)?, 1.0),
            };
            let start = num(start)?;
            if step <= 0.0 {
                return Err(AxisError::Step {
                    text: text.to_string(),
                });
            }
            if end < start {
                return Err(AxisError::Empty {
                    text: text.to_string(),
                    start,
                    end,
                });
            }
            // 1e-9 absorbs the rounding of decimal steps (0..1:0.1 has 11 values).
            let span = (end - start) / step + 1e-9;
            if span.is_nan() || span >= 1e19 {
                return Err(AxisError::TooMany {
                    text: text.to_string(),
                });
            }
            let count = span.floor() as u64 + 1;
            let values = Values::Range { start, step, count };
            let at = |k: u64| values.get(k);
            if count >= 2 && (at(1) <= at(0) || at(count - 1) <= at(count - 2)) {
                return Err(AxisError::Repeats {
                    text: text.to_string(),
                    step,
                    near: at(count - 1).abs().max(at(0).abs()),
                });
            }
            values
        } else {
            let mut v = spec.split(',').map(num).collect::<Result<Vec<_>, _>>()?;
            v.sort_by(f64::total_cmp);
            v.dedup();
            Values::List(v)
        };
        let axis = Self {
            index,
            name: def.params[index].name,
            text: text.trim().to_string(),
            values,
        };
        axis.check(base)?;
        Ok(axis)
    }

    /// Every value within the parameter's bounds and whole where it must be: the first value
    /// that is not is named.
    fn check(&self, base: &Params) -> Result<(), AxisError> {
        let spec = &base.def.params[self.index];
        let bad = |v: f64| -> Result<(), AxisError> {
            spec.check(base.def.name, v)
                .map_err(|rule| AxisError::Refused {
                    text: self.text.clone(),
                    rule,
                })
        };
        match &self.values {
            Values::Range { start, step, count } => {
                // Ascending: the ends hold the extremes; whole start and step give whole values.
                bad(*start)?;
                bad(self.value(count - 1))?;
                if *count > 1 && step.fract() != 0.0 {
                    bad(self.value(1))?;
                }
            }
            Values::List(v) => {
                for x in v {
                    bad(*x)?;
                }
            }
        }
        Ok(())
    }

    /// How many values.
    pub fn len(&self) -> u64 {
        match &self.values {
            Values::Range { count, .. } => *count,
            Values::List(v) => v.len() as u64,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k`-th value (ascending).
    pub fn value(&self, k: u64) -> f64 {
        self.values.get(k)
    }

    /// The first position whose value is at least `x` (`len` when none is).
    pub(super) fn first_at_least(&self, x: f64) -> u64 {
        self.partition(|v| v < x)
    }

    /// The first position whose value is above `x` (`len` when none is).
    pub(super) fn first_above(&self, x: f64) -> u64 {
        self.partition(|v| v <= x)
    }

    /// The first position where `before` turns false (values ascend, so it turns once).
    fn partition(&self, before: impl Fn(f64) -> bool) -> u64 {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if before(self.value(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// A canonical description of the values (the same values give the same text).
    pub(super) fn describe(&self) -> String {
        match &self.values {
            Values::Range { start, step, count } => format!(
                "{}={}..{}:{}",
                self.name,
                fmt_num(*start),
                fmt_num(self.value(count - 1)),
                fmt_num(*step)
            ),
            Values::List(v) => {
                let vals: Vec<String> = v.iter().map(|x| fmt_num(*x)).collect();
                format!("{}={}", self.name, vals.join(","))
            }
        }
    }

    /// The values from position `a` to `b` (inclusive) as a label: `5` or `5..9`.
    pub fn label(&self, a: u64, b: u64) -> String {
        if a == b {
            fmt_num(self.value(a))
        } else {
            format!("{}..{}", fmt_num(self.value(a)), fmt_num(self.value(b)))
        }
    }
}

impl Values {
    fn get(&self, k: u64) -> f64 {
        match self {
            Self::Range { start, step, .. } => start + k as f64 * step,
            Self::List(v) => v[k as usize],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Operand {
    Param(usize),
    Const(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    pub(super) fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Self::Lt => a < b,
            Self::Le => a <= b,
            Self::Gt => a > b,
            Self::Ge => a >= b,
            #[allow(clippy::float_cmp)]
            Self::Eq => a == b,
            #[allow(clippy::float_cmp)]
            Self::Ne => a != b,
        }
    }

    /// The same relation read from the other side (`a < b` is `b > a`).
    pub(super) fn flip(self) -> Self {
        match self {
            Self::Lt => Self::Gt,
            Self::Le => Self::Ge,
            Self::Gt => Self::Lt,
            Self::Ge => Self::Le,
            other => other,
        }
    }
}

/// `A OP B` where A and B are parameter names or numbers, OP one of `< <= > >= == !=`.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    pub(super) text: String,
    pub(super) lhs: Operand,
    pub(super) op: Op,
    pub(super) rhs: Operand,
}

impl Constraint {
    pub fn parse(base: &Params, text: &str) -> Result<Self, ConstraintError> {
        let ops = [
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<", Op::Lt),
            (">", Op::Gt),
        ];
        let Some((pos, sym, op)) = ops
            .iter()
            .find_map(|(sym, op)| text.find(sym).map(|p| (p, *sym, *op)))
        else {
            return Err(ConstraintError::Syntax {
                text: text.to_string(),
            });
        };
        let side = |s: &str| -> Result<Operand, ConstraintError> {
            let s = s.trim();
            if s.contains(['<', '>', '=', '!']) {
                return Err(ConstraintError::Chain {
                    text: text.to_string(),
                });
            }
            if let Ok(v) = s.parse::<f64>() {
                // `nan` compares false with everything and `inf` with nothing useful.
                return if v.is_finite() {
                    Ok(Operand::Const(v))
                } else {
                    Err(ConstraintError::NotANumber {
                        text: text.to_string(),
                        operand: s.to_string(),
                    })
                };
            }
            base.index_of(s)
                .map(Operand::Param)
                .map_err(|unknown| ConstraintError::Unknown {
                    text: text.to_string(),
                    unknown,
                })
        };
        let lhs = side(&text[..pos])?;
        let rhs = side(&text[pos + sym.len()..])?;
        if !matches!(lhs, Operand::Param(_)) && !matches!(rhs, Operand::Param(_)) {
            return Err(ConstraintError::NoParameter {
                text: text.to_string(),
                strategy: base.def.name,
            });
        }
        Ok(Self {
            text: text.trim().to_string(),
            lhs,
            op,
            rhs,
        })
    }

    /// `values[a] >= values[b]`: the points that break a strategy's rule `a < b`.
    pub(super) fn breaking(def_names: (&str, &str), a: usize, b: usize) -> Self {
        Self {
            text: format!("{}>={}", def_names.0, def_names.1),
            lhs: Operand::Param(a),
            op: Op::Ge,
            rhs: Operand::Param(b),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::strategy::find;

    fn sma() -> Params {
        Params::defaults(find("sma-cross").expect("sma-cross"))
    }

    #[test]
    fn ranges_lists_and_their_values() {
        let b = sma();
        let a = Axis::parse(&b, "fast=5..49:1").unwrap();
        assert_eq!((a.len(), a.value(0), a.value(44)), (45, 5.0, 49.0));
        let a = Axis::parse(&b, "fast=5..50:5").unwrap();
        assert_eq!(a.len(), 10);
        let a = Axis::parse(&b, "fast=20,5,5,10,20").unwrap();
        assert_eq!(a.len(), 3, "sorted, each value once");
        assert_eq!((a.value(0), a.value(2)), (5.0, 20.0));
        let rsi = Params::defaults(find("rsi").expect("rsi"));
        let a = Axis::parse(&rsi, "lower=0..1:0.1").unwrap();
        assert_eq!(a.len(), 11);
        assert!(Axis::parse(&b, "fast=5..9:0")
            .unwrap_err()
            .to_string()
            .contains("more than 0"));
        assert!(Axis::parse(&b, "fast=5..9:-1")
            .unwrap_err()
            .to_string()
            .contains("more than 0"));
        assert!(Axis::parse(&b, "fast=9..5")
            .unwrap_err()
            .to_string()
            .contains("is empty"));
        assert!(Axis::parse(&b, "fast=5..nan")
            .unwrap_err()
            .to_string()
            .contains("not a number"));
        assert!(Axis::parse(&b, "fast=0..5")
            .unwrap_err()
            .to_string()
            .contains("fast=0 is out of range"));
        assert!(Axis::parse(&b, "fast=5..9:0.5")
            .unwrap_err()
            .to_string()
            .contains("fast=5.5 must be a whole"));
        assert!(Axis::parse(&b, "fats=5..9")
            .unwrap_err()
            .to_string()
            .contains("did you mean fast?"));
        let huge = Axis::parse(&rsi, "lower=0..100:1e-300")
            .unwrap_err()
            .to_string();
        assert!(huge.contains("larger step"), "{huge}");
        let a = Axis::parse(&b, "fast=5..9:1e300").unwrap();
        assert_eq!((a.len(), a.value(0)), (1, 5.0));
    }

    #[test]
    fn errors_carry_the_text_the_parameter_and_the_rule() {
        let b = sma();
        let e = Axis::parse(&b, "fast=0..5").unwrap_err();
        assert!(
            matches!(
                &e,
                AxisError::Refused {
                    text,
                    rule: ParamError::OutOfRange { name: "fast", value, .. },
                } if text == "fast=0..5" && *value == 0.0
            ),
            "{e:?}"
        );
        let e = Axis::parse(&b, "fats=1..5").unwrap_err();
        assert!(
            matches!(&e, AxisError::Unknown(u) if u.name == "fats"),
            "{e:?}"
        );
        let e = Constraint::parse(&b, "fast<slow<20").unwrap_err();
        assert!(matches!(&e, ConstraintError::Chain { text } if text == "fast<slow<20"));
        // No flag in the domain's words: the command adds them.
        assert!(!e.to_string().contains("--"), "{e}");
    }

    #[test]
    fn constraints_nan_and_chains_are_refused() {
        let b = sma();
        for bad in ["fast<nan", "fast<NaN", "fast<-nan", "fast<inf", "NAN>fast"] {
            let e = Constraint::parse(&b, bad).unwrap_err().to_string();
            assert!(e.contains("is not a number"), "{bad}: {e}");
        }
        assert!(Constraint::parse(&b, "fast<slow<20")
            .unwrap_err()
            .to_string()
            .contains("one comparison"));
        assert!(Constraint::parse(&b, "3<4")
            .unwrap_err()
            .to_string()
            .contains("names no parameter"));
    }
}
