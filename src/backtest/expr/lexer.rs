//! Tokens of an expression, each with the byte offset where it starts.

use super::ExprError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Num(f64),
    /// A name: a series, a function, `and`, `or`, `not`, or an output after `.`.
    Ident(String),
    /// `$name`.
    Param(String),
    LParen,
    RParen,
    Comma,
    Dot,
    Plus,
    Minus,
    Star,
    Slash,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    End,
}

impl Tok {
    /// How the token reads in a message.
    pub fn describe(&self) -> String {
        match self {
            Self::Num(v) => format!("the number {v}"),
            Self::Ident(s) => format!("'{s}'"),
            Self::Param(s) => format!("'${s}'"),
            Self::End => "the end of the expression".to_string(),
            other => format!("'{}'", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Self::LParen => "(",
            Self::RParen => ")",
            Self::Comma => ",",
            Self::Dot => ".",
            Self::Plus => "+",
            Self::Minus => "-",
            Self::Star => "*",
            Self::Slash => "/",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Eq => "==",
            Self::Ne => "!=",
            _ => "",
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits `text` into tokens, ending with [`Tok::End`] at `text.len()`.
pub fn lex(text: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let single = match c {
            b'(' => Some(Tok::LParen),
            b')' => Some(Tok::RParen),
            b',' => Some(Tok::Comma),
            b'+' => Some(Tok::Plus),
            b'-' => Some(Tok::Minus),
            b'*' => Some(Tok::Star),
            b'/' => Some(Tok::Slash),
            _ => None,
        };
        if let Some(t) = single {
            out.push((t, start));
            i += 1;
            continue;
        }
        let next = b.get(i + 1).copied();
        match c {
            b'<' | b'>' | b'=' | b'!' => {
                let eq = next == Some(b'=');
                let t =
                    match (c, eq) {
                        (b'<', false) => Tok::Lt,
                        (b'<', true) => Tok::Le,
                        (b'>', false) => Tok::Gt,
                        (b'>', true) => Tok::Ge,
                        (b'=', true) => Tok::Eq,
                        (b'!', true) => Tok::Ne,
                        (b'=', false) => {
                            return Err(ExprError::at(
                                start,
                                "'=' is not an operator: compare with '==' (or '<=', '>=', '!=')",
                            ))
                        }
                        _ => return Err(ExprError::at(
                            start,
                            "'!' is not an operator: write 'not' for negation, '!=' for 'differs'",
                        )),
                    };
                out.push((t, start));
                i += if eq { 2 } else { 1 };
            }
            b'0'..=b'9' | b'.' if c != b'.' || next.is_some_and(|d| d.is_ascii_digit()) => {
                i = number_end(b, i).map_err(|at| {
                    ExprError::at(at, "expected digits after the exponent, e.g. 1e-3")
                })?;
                let lit = &text[start..i];
                let v: f64 = lit
                    .parse()
                    .map_err(|_| ExprError::at(start, format!("'{lit}' is not a number")))?;
                if b.get(i).is_some_and(|&d| is_ident(char::from(d))) {
                    return Err(ExprError::at(
                        i,
                        format!("expected an operator after the number {lit}"),
                    ));
                }
                out.push((Tok::Num(v), start));
            }
            b'.' => {
                out.push((Tok::Dot, start));
                i += 1;
            }
            b'$' => {
                i += 1;
                let name_start = i;
                if !b.get(i).is_some_and(|&d| is_ident_start(char::from(d))) {
                    return Err(ExprError::at(
                        start,
                        "expected a parameter name after '$', e.g. $fast",
                    ));
                }
                while b.get(i).is_some_and(|&d| is_ident(char::from(d))) {
                    i += 1;
                }
                out.push((Tok::Param(text[name_start..i].to_string()), start));
            }
            _ if is_ident_start(char::from(c)) => {
                while b.get(i).is_some_and(|&d| is_ident(char::from(d))) {
                    i += 1;
                }
                out.push((Tok::Ident(text[start..i].to_string()), start));
            }
            _ => {
                let ch = text[start..].chars().next().unwrap_or('?');
                return Err(ExprError::at(
                    start,
                    format!("unexpected character {ch:?}: expected a number, a series (open high low close volume), a function, $param or an operator"),
                ));
            }
        }
    }
    out.push((Tok::End, text.len()));
    Ok(out)
}

/// The end of the number starting at `i` (digits, an optional fraction, an optional
/// exponent), or the offset of a malformed exponent.
fn number_end(b: &[u8], mut i: usize) -> Result<usize, usize> {
    let digits = |i: &mut usize| {
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
    };
    digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        digits(&mut i);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let e = i;
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return Err(e);
        }
        digits(&mut i);
    }
    Ok(i)
}
