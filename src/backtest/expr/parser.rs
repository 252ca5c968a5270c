//! The syntax tree of one expression and the recursive-descent parser that builds it.
//! Precedence, loosest first: `or`, `and`, `not`, comparisons (not chained), `+ -`, `* /`,
//! unary `-`, then calls, `.output`, parentheses and atoms.

use super::lexer::{lex, Tok};
use super::types::{Func, Output};
use super::ExprError;

/// The five price series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Series {
    Open,
    High,
    Low,
    Close,
    Volume,
}

pub const SERIES: [(&str, Series); 5] = [
    ("open", Series::Open),
    ("high", Series::High),
    ("low", Series::Low),
    ("close", Series::Close),
    ("volume", Series::Volume),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logic {
    And,
    Or,
}

/// One node and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: usize,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Num(f64),
    Param(String),
    Series(Series),
    Neg(Box<Node>),
    Not(Box<Node>),
    Arith(Arith, Box<Node>, Box<Node>),
    Cmp(Cmp, Box<Node>, Box<Node>),
    Logic(Logic, Box<Node>, Box<Node>),
    Call {
        func: Func,
        args: Vec<Node>,
        /// `.upper` and the like, with its offset.
        output: Option<(Output, usize)>,
    },
}

/// How deep parentheses and calls may nest (a bound, so no input can exhaust the stack).
const MAX_DEPTH: usize = 64;

/// Parses one expression.
pub fn parse(text: &str) -> Result<Node, ExprError> {
    let toks = lex(text)?;
    let mut p = Parser {
        toks,
        at: 0,
        depth: 0,
    };
    let node = p.or()?;
    let (tok, pos) = p.peek();
    if *tok != Tok::End {
        let what = if matches!(
            tok,
            Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge | Tok::Eq | Tok::Ne
        ) {
            "comparisons do not chain: write 'a < b and b < c'".to_string()
        } else if *tok == Tok::RParen {
            "this ')' closes nothing".to_string()
        } else {
            format!("expected an operator or the end, found {}", tok.describe())
        };
        return Err(ExprError::at(pos, what));
    }
    Ok(node)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> (&Tok, usize) {
        let (t, p) = &self.toks[self.at.min(self.toks.len() - 1)];
        (t, *p)
    }

    fn bump(&mut self) -> (Tok, usize) {
        let t = self.toks[self.at.min(self.toks.len() - 1)].clone();
        if self.at < self.toks.len() - 1 {
            self.at += 1;
        }
        t
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek().0, Tok::Ident(s) if s == word)
    }

    fn enter(&mut self, pos: usize) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::at(
                pos,
                format!("nested more than {MAX_DEPTH} levels deep: simplify the expression"),
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Node, ExprError> {
        let mut left = self.and()?;
        while self.is_word("or") {
            let (_, pos) = self.bump();
            let right = self.and()?;
            left = binary(pos, left, right, |a, b| Kind::Logic(Logic::Or, a, b));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, ExprError> {
        let mut left = self.not()?;
        while self.is_word("and") {
            let (_, pos) = self.bump();
            let right = self.not()?;
            left = binary(pos, left, right, |a, b| Kind::Logic(Logic::And, a, b));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Node, ExprError> {
        if self.is_word("not") {
            let (_, pos) = self.bump();
            self.enter(pos)?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Node {
                pos,
                kind: Kind::Not(Box::new(inner)),
            });
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Node, ExprError> {
        let left = self.add()?;
        let op = match self.peek().0 {
            Tok::Lt => Cmp::Lt,
            Tok::Le => Cmp::Le,
            Tok::Gt => Cmp::Gt,
            Tok::Ge => Cmp::Ge,
            Tok::Eq => Cmp::Eq,
            Tok::Ne => Cmp::Ne,
            _ => return Ok(left),
        };
        let (_, pos) = self.bump();
        let right = self.add()?;
        Ok(binary(pos, left, right, |a, b| Kind::Cmp(op, a, b)))
    }

    fn add(&mut self) -> Result<Node, ExprError> {
        let mut left = self.mul()?;
        loop {
            let op = match self.peek().0 {
                Tok::Plus => Arith::Add,
                Tok::Minus => Arith::Sub,
                _ => return Ok(left),
            };
            let (_, pos) = self.bump();
            let right = self.mul()?;
            left = binary(pos, left, right, |a, b| Kind::Arith(op, a, b));
        }
    }

    fn mul(&mut self) -> Result<Node, ExprError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek().0 {
                Tok::Star => Arith::Mul,
                Tok::Slash => Arith::Div,
                _ => return Ok(left),
            };
            let (_, pos) = self.bump();
            let right = self.unary()?;
            left = binary(pos, left, right, |a, b| Kind::Arith(op, a, b));
        }
    }

    fn unary(&mut self) -> Result<Node, ExprError> {
        if *self.peek().0 == Tok::Minus {
            let (_, pos) = self.bump();
            self.enter(pos)?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Node {
                pos,
                kind: Kind::Neg(Box::new(inner)),
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, ExprError> {
        let (tok, pos) = self.bump();
        let kind = match tok {
            Tok::Num(v) => Kind::Num(v),
            Tok::Param(name) => Kind::Param(name),
            Tok::LParen => {
                self.enter(pos)?;
                let inner = self.or()?;
                self.depth -= 1;
                let (close, at) = self.bump();
                if close != Tok::RParen {
                    return Err(ExprError::at(
                        at,
                        format!(
                            "expected ')' to close the '(' at column {}, found {}",
                            pos + 1,
                            close.describe()
                        ),
                    ));
                }
                return self.no_output(inner);
            }
            Tok::Ident(name) => return self.name(&name, pos),
            other => {
                return Err(ExprError::at(
                    pos,
                    format!(
                        "expected a number, a series, a function call, $param or '(', found {}",
                        other.describe()
                    ),
                ))
            }
        };
        self.no_output(Node { pos, kind })
    }

    /// A `.name` may only follow a call of a function with several outputs.
    fn no_output(&mut self, node: Node) -> Result<Node, ExprError> {
        if *self.peek().0 == Tok::Dot {
            return Err(ExprError::at(
                self.peek().1,
                "only bbands(...) and macd(...) have outputs to pick with '.'",
            ));
        }
        Ok(node)
    }

    fn name(&mut self, name: &str, pos: usize) -> Result<Node, ExprError> {
        if matches!(name, "and" | "or" | "not") {
            return Err(ExprError::at(
                pos,
                format!("expected a number or a condition before '{name}'"),
            ));
        }
        let call = *self.peek().0 == Tok::LParen;
        if let Some(&(_, s)) = SERIES.iter().find(|(n, _)| *n == name) {
            if call {
                return Err(ExprError::at(
                    pos,
                    format!(
                        "{name} is a series, not a function: use it as it is, e.g. sma({name}, 20)"
                    ),
                ));
            }
            return self.no_output(Node {
                pos,
                kind: Kind::Series(s),
            });
        }
        let func = Func::find(name);
        let Some(func) = func else {
            return Err(unknown_name(name, pos, call));
        };
        if !call {
            return Err(ExprError::at(
                pos,
                format!("{name} is a function: call it, e.g. {}", func.example()),
            ));
        }
        let (_, open) = self.bump();
        self.enter(open)?;
        let mut args = Vec::new();
        if *self.peek().0 == Tok::RParen {
            self.bump();
        } else {
            loop {
                args.push(self.or()?);
                match self.bump() {
                    (Tok::Comma, _) => {}
                    (Tok::RParen, _) => break,
                    (other, at) => {
                        return Err(ExprError::at(
                            at,
                            format!(
                                "expected ',' or ')' in the call of {name}, found {}",
                                other.describe()
                            ),
                        ))
                    }
                }
            }
        }
        self.depth -= 1;
        let output = if *self.peek().0 == Tok::Dot {
            let (_, dot) = self.bump();
            let (tok, at) = self.bump();
            let Tok::Ident(out) = tok else {
                return Err(ExprError::at(
                    at,
                    format!(
                        "expected an output name after '.', one of {}",
                        func.outputs_text()
                    ),
                ));
            };
            let Some(o) = func.output(&out) else {
                let msg = if func.outputs().is_empty() {
                    format!("{name} has one output: drop '.{out}'")
                } else {
                    let names: Vec<&str> = func.outputs().iter().map(|(n, _)| *n).collect();
                    let hint = crate::suggest::closest(&out, names.iter().copied())
                        .map(|s| format!(", did you mean '{s}'?"))
                        .unwrap_or_default();
                    format!(
                        "{name} has no output '{out}'{hint} (its outputs: {})",
                        func.outputs_text()
                    )
                };
                return Err(ExprError::at(at.max(dot), msg));
            };
            Some((o, at))
        } else {
            None
        };
        Ok(Node {
            pos,
            kind: Kind::Call { func, args, output },
        })
    }
}

fn binary(pos: usize, a: Node, b: Node, make: impl FnOnce(Box<Node>, Box<Node>) -> Kind) -> Node {
    Node {
        pos,
        kind: make(Box::new(a), Box::new(b)),
    }
}

fn unknown_name(name: &str, pos: usize, call: bool) -> ExprError {
    let (what, candidates): (&str, Vec<&str>) = if call {
        ("function", Func::ALL.iter().map(|f| f.name()).collect())
    } else {
        ("name", SERIES.iter().map(|(n, _)| *n).collect())
    };
    let hint = crate::suggest::closest(name, candidates.iter().copied()).map_or_else(
        || {
            if call {
                format!(": the functions are {}", candidates.join(", "))
            } else {
                ": the series are open, high, low, close, volume (a parameter is written $name)"
                    .to_string()
            }
        },
        |s| format!(", did you mean '{s}'?"),
    );
    ExprError::at(pos, format!("unknown {what} '{name}'{hint}"))
}
