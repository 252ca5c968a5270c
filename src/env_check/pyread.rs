//! A small reader of Python source, enough to read settings classes without running Python:
//! logical lines (brackets, backslashes and triple-quoted strings joined), their indentation,
//! and expressions made of names, literals, calls, subscripts, `|` unions and containers.
//! Anything else (lambdas, comprehensions, arithmetic…) becomes [`Expr::Opaque`] with its text,
//! so a caller can say "not checked" instead of guessing.
//!
//! Why hand-written (benches/pyread_vs_parsers, 2026-12-06, release, 2 shared loaded cores, 20
//! interleaved rounds over the 38 corpus settings files + 4 pydantic/pydantic-settings modules,
//! 387 kB): whole pass velo `settings::read` 12.3 ms (31 MB/s, classes interpreted, not just
//! parsed), ruff_python_parser 0.0.10 9.0 ms (43 MB/s, parse only), rustpython-parser 0.4 43.5 ms,
//! tree-sitter-python 0.25 70.3 ms. All four find the same annotated fields in all 38 files. With
//! a syntax error appended after the classes, rustpython and ruff's `parse_module` reject all 38
//! files; ruff's `parse_unchecked` and tree-sitter recover, as this reader does. ruff's crates
//! are published only as "internal component" 0.0.x releases without a stable API; the crates
//! add minutes of release build (the bench crate alone: 8.5 min here) and give only the syntax
//! tree: bases, annotations, `Field(...)` keywords, `model_config`/`class Config` still need the
//! same interpretation code (settings.rs, settings_meta.rs) on top.

// Python's and pydantic's rules read best as tables of arms and short index names; the
// negated comparisons are deliberate (NaN must fail every bound).
#![allow(clippy::many_single_char_names, clippy::type_complexity)]

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Name(String),
    /// A string literal's value (escapes decoded for the common cases); `bytes` for b"..".
    Str {
        value: String,
        bytes: bool,
        fstring: bool,
    },
    Num(String),
    Op(String),
}

/// A logical line: its indentation, its 1-based first line, its tokens and each token's line.
#[derive(Debug, Clone)]
pub struct Line {
    pub indent: usize,
    pub line: usize,
    pub toks: Vec<Tok>,
    pub tok_lines: Vec<usize>,
}

/// Splits Python source into logical lines. Never fails: an unterminated string ends at the end
/// of the file.
pub fn lines(src: &str) -> Vec<Line> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut lineno = 1;
    let mut depth = 0usize;
    let mut cur: Option<Line> = None;
    let mut at_line_start = true;
    let mut indent = 0usize;
    while i < chars.len() {
        let c = chars[i];
        if at_line_start && depth == 0 {
            indent = 0;
            while i < chars.len() && (chars[i] == ' ' || chars[i] == '\t') {
                indent += if chars[i] == '\t' { 8 } else { 1 };
                i += 1;
            }
            at_line_start = false;
            continue;
        }
        match c {
            '\n' => {
                lineno += 1;
                i += 1;
                if depth == 0 {
                    if let Some(l) = cur.take() {
                        out.push(l);
                    }
                    at_line_start = true;
                }
            }
            '\\' if chars.get(i + 1) == Some(&'\n') => {
                lineno += 1;
                i += 2;
            }
            ' ' | '\t' | '\r' | '\x0c' => i += 1,
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            _ => {
                let start_line = lineno;
                let (tok, next, newlines) = token(&chars, i);
                i = next;
                lineno += newlines;
                if let Tok::Op(o) = &tok {
                    match o.as_str() {
                        "(" | "[" | "{" => depth += 1,
                        ")" | "]" | "}" => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                }
                let l = cur.get_or_insert_with(|| Line {
                    indent,
                    line: start_line,
                    toks: Vec::new(),
                    tok_lines: Vec::new(),
                });
                l.toks.push(tok);
                l.tok_lines.push(start_line);
            }
        }
    }
    if let Some(l) = cur.take() {
        out.push(l);
    }
    out
}

/// Reads one token at `i`: (token, next index, newlines consumed).
fn token(chars: &[char], i: usize) -> (Tok, usize, usize) {
    let c = chars[i];
    // String prefixes: r, b, f, u, rb, br, fr, rf (any case).
    if c.is_alphabetic() || c == '_' {
        let mut j = i;
        while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
            j += 1;
        }
        let word: String = chars[i..j].iter().collect();
        let lower = word.to_ascii_lowercase();
        if j < chars.len()
            && (chars[j] == '"' || chars[j] == '\'')
            && matches!(
                lower.as_str(),
                "r" | "b" | "f" | "u" | "rb" | "br" | "fr" | "rf"
            )
        {
            return string(chars, j, &lower);
        }
        return (Tok::Name(word), j, 0);
    }
    if c == '"' || c == '\'' {
        return string(chars, i, "");
    }
    if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
        let mut j = i;
        while j < chars.len() {
            let d = chars[j];
            let exp_sign = (d == '+' || d == '-')
                && j > i
                && matches!(chars[j - 1], 'e' | 'E')
                && !chars[i..j].iter().any(|x| matches!(x, 'x' | 'X'));
            if d.is_ascii_alphanumeric() || d == '_' || d == '.' || exp_sign {
                j += 1;
            } else {
                break;
            }
        }
        return (Tok::Num(chars[i..j].iter().collect()), j, 0);
    }
    for op in ["**=", "//=", ">>=", "<<=", "...", "->", ":="] {
        if matches_at(chars, i, op) {
            return (Tok::Op(op.to_string()), i + op.len(), 0);
        }
    }
    for op in [
        "==", "!=", "<=", ">=", "**", "//", "<<", ">>", "+=", "-=", "*=", "/=", "|=", "&=",
    ] {
        if matches_at(chars, i, op) {
            return (Tok::Op(op.to_string()), i + 2, 0);
        }
    }
    (Tok::Op(c.to_string()), i + 1, 0)
}

fn matches_at(chars: &[char], i: usize, s: &str) -> bool {
    s.chars()
        .enumerate()
        .all(|(k, c)| chars.get(i + k) == Some(&c))
}

fn string(chars: &[char], i: usize, prefix: &str) -> (Tok, usize, usize) {
    let q = chars[i];
    let triple = chars.get(i + 1) == Some(&q) && chars.get(i + 2) == Some(&q);
    let raw = prefix.contains('r');
    let mut j = if triple { i + 3 } else { i + 1 };
    let mut value = String::new();
    let mut newlines = 0;
    while j < chars.len() {
        let c = chars[j];
        if c == '\n' {
            newlines += 1;
            if !triple {
                break;
            }
        }
        if c == '\\' && j + 1 < chars.len() {
            let n = chars[j + 1];
            if n == '\n' {
                newlines += 1;
            }
            if raw {
                value.push(c);
                value.push(n);
            } else {
                match n {
                    'n' => value.push('\n'),
                    't' => value.push('\t'),
                    'r' => value.push('\r'),
                    '0' => value.push('\0'),
                    '\n' => {}
                    _ => value.push(n),
                }
            }
            j += 2;
            continue;
        }
        if c == q {
            if !triple {
                j += 1;
                break;
            }
            if chars.get(j + 1) == Some(&q) && chars.get(j + 2) == Some(&q) {
                j += 3;
                break;
            }
        }
        value.push(c);
        j += 1;
    }
    (
        Tok::Str {
            value,
            bytes: prefix.contains('b'),
            fstring: prefix.contains('f'),
        },
        j,
        newlines,
    )
}

/// An expression, as far as a settings class needs one.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A name or a dotted name (`str`, `typing.Optional`, `BotEnvEnum.DEV`).
    Name(String),
    Str(String),
    Bytes(String),
    Int(String),
    Float(String),
    Bool(bool),
    None,
    Ellipsis,
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        kwargs: Vec<(String, Expr)>,
    },
    Subscript {
        value: Box<Expr>,
        items: Vec<Expr>,
    },
    Tuple(Vec<Expr>),
    List(Vec<Expr>),
    Set(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    /// `A | B` (unions in annotations).
    Or(Box<Expr>, Box<Expr>),
    /// `-5`, `-1.5`.
    Neg(Box<Expr>),
    /// Something this reader does not model, with its tokens as text.
    Opaque(String),
}

impl Expr {
    /// The dotted name's last part (`typing.Optional` → `Optional`).
    pub fn short_name(&self) -> Option<&str> {
        match self {
            Expr::Name(n) => Some(n.rsplit('.').next().unwrap_or(n)),
            _ => None,
        }
    }

    /// A call's keyword argument.
    pub fn kwarg(&self, name: &str) -> Option<&Expr> {
        match self {
            Expr::Call { kwargs, .. } => kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expr::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Parses tokens into expressions; `pos` moves forward.
pub struct Parser<'a> {
    pub toks: &'a [Tok],
    pub pos: usize,
}

fn is_op(t: Option<&Tok>, op: &str) -> bool {
    matches!(t, Some(Tok::Op(o)) if o == op)
}

impl<'a> Parser<'a> {
    pub fn new(toks: &'a [Tok]) -> Self {
        Self { toks, pos: 0 }
    }

    pub fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    pub fn at_op(&self, op: &str) -> bool {
        is_op(self.peek(), op)
    }

    pub fn done(&self) -> bool {
        self.pos >= self.toks.len()
    }

    /// An expression that ends at one of `stops` (at bracket depth 0) or at the end; what cannot
    /// be read becomes `Opaque` and the parser skips to the stop.
    pub fn expr_until(&mut self, stops: &[&str]) -> Expr {
        let start = self.pos;
        let parsed = self.expr();
        let at_stop = self.done() || stops.iter().any(|s| self.at_op(s));
        match parsed {
            Some(e) if at_stop => e,
            _ => {
                self.pos = start;
                self.skip_until(stops);
                Expr::Opaque(text(&self.toks[start..self.pos]))
            }
        }
    }

    fn skip_until(&mut self, stops: &[&str]) {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            if let Tok::Op(o) = t {
                if depth == 0 && stops.contains(&o.as_str()) {
                    return;
                }
                match o.as_str() {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => {
                        if depth == 0 {
                            return;
                        }
                        depth -= 1;
                    }
                    _ => {}
                }
            }
            self.pos += 1;
        }
    }

    fn expr(&mut self) -> Option<Expr> {
        let mut left = self.unary()?;
        while self.at_op("|") {
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Some(left)
    }

    fn unary(&mut self) -> Option<Expr> {
        if self.at_op("-") {
            self.pos += 1;
            return Some(Expr::Neg(Box::new(self.postfix()?)));
        }
        if self.at_op("+") {
            self.pos += 1;
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Option<Expr> {
        let mut e = self.atom()?;
        loop {
            if self.at_op(".") {
                self.pos += 1;
                let Some(Tok::Name(n)) = self.peek().cloned() else {
                    return None;
                };
                self.pos += 1;
                e = match e {
                    Expr::Name(base) => Expr::Name(format!("{base}.{n}")),
                    _ => return None,
                };
            } else if self.at_op("(") {
                self.pos += 1;
                let (args, kwargs) = self.call_args()?;
                e = Expr::Call {
                    func: Box::new(e),
                    args,
                    kwargs,
                };
            } else if self.at_op("[") {
                self.pos += 1;
                let items = self.items("]")?;
                e = Expr::Subscript {
                    value: Box::new(e),
                    items,
                };
            } else {
                return Some(e);
            }
        }
    }

    fn call_args(&mut self) -> Option<(Vec<Expr>, Vec<(String, Expr)>)> {
        let mut args = Vec::new();
        let mut kwargs = Vec::new();
        loop {
            if self.at_op(")") {
                self.pos += 1;
                return Some((args, kwargs));
            }
            if self.done() {
                return None;
            }
            let kw = match (self.peek(), self.toks.get(self.pos + 1)) {
                (Some(Tok::Name(n)), Some(Tok::Op(o))) if o == "=" => Some(n.clone()),
                _ => None,
            };
            if let Some(k) = kw {
                self.pos += 2;
                kwargs.push((k, self.expr_until(&[",", ")"])));
            } else {
                if self.at_op("*") || self.at_op("**") {
                    self.pos += 1;
                }
                args.push(self.expr_until(&[",", ")"]));
            }
            if self.at_op(",") {
                self.pos += 1;
            } else if !self.at_op(")") {
                return None;
            }
        }
    }

    /// Comma-separated items up to `close` (consumed).
    fn items(&mut self, close: &str) -> Option<Vec<Expr>> {
        let mut out = Vec::new();
        loop {
            if self.at_op(close) {
                self.pos += 1;
                return Some(out);
            }
            if self.done() {
                return None;
            }
            out.push(self.expr_until(&[",", close]));
            if self.at_op(",") {
                self.pos += 1;
            } else if !self.at_op(close) {
                return None;
            }
        }
    }

    fn atom(&mut self) -> Option<Expr> {
        let t = self.peek()?.clone();
        self.pos += 1;
        Some(match t {
            Tok::Name(n) => match n.as_str() {
                "True" => Expr::Bool(true),
                "False" => Expr::Bool(false),
                "None" => Expr::None,
                "lambda" | "not" | "await" | "yield" => return None,
                _ => Expr::Name(n),
            },
            Tok::Num(n) => {
                let lower = n.to_ascii_lowercase();
                let is_float = !lower.starts_with("0x")
                    && (lower.contains('.') || lower.contains('e') || lower.ends_with('j'));
                if is_float {
                    Expr::Float(n)
                } else {
                    Expr::Int(n)
                }
            }
            Tok::Str {
                value,
                bytes,
                fstring,
            } => {
                // Adjacent literals concatenate.
                let mut value = value;
                let mut fstring = fstring;
                while let Some(Tok::Str {
                    value: v,
                    fstring: f,
                    ..
                }) = self.peek()
                {
                    value.push_str(v);
                    fstring |= *f;
                    self.pos += 1;
                }
                if fstring {
                    return None;
                }
                if bytes {
                    Expr::Bytes(value)
                } else {
                    Expr::Str(value)
                }
            }
            Tok::Op(o) => match o.as_str() {
                "..." => Expr::Ellipsis,
                "(" => {
                    if self.at_op(")") {
                        self.pos += 1;
                        return Some(Expr::Tuple(Vec::new()));
                    }
                    let first = self.expr_until(&[",", ")"]);
                    if self.at_op(")") {
                        self.pos += 1;
                        return Some(first);
                    }
                    self.pos += 1;
                    let mut rest = self.items(")")?;
                    rest.insert(0, first);
                    Expr::Tuple(rest)
                }
                "[" => Expr::List(self.items("]")?),
                "{" => return self.dict_or_set(),
                _ => return None,
            },
        })
    }

    fn dict_or_set(&mut self) -> Option<Expr> {
        if self.at_op("}") {
            self.pos += 1;
            return Some(Expr::Dict(Vec::new()));
        }
        let first = self.expr_until(&[",", "}", ":"]);
        if self.at_op(":") {
            self.pos += 1;
            let v = self.expr_until(&[",", "}"]);
            let mut pairs = vec![(first, v)];
            loop {
                if self.at_op(",") {
                    self.pos += 1;
                }
                if self.at_op("}") {
                    self.pos += 1;
                    return Some(Expr::Dict(pairs));
                }
                if self.done() {
                    return None;
                }
                let k = self.expr_until(&[":", ",", "}"]);
                if !self.at_op(":") {
                    return None;
                }
                self.pos += 1;
                let v = self.expr_until(&[",", "}"]);
                pairs.push((k, v));
            }
        }
        if self.at_op(",") {
            self.pos += 1;
        }
        let mut rest = self.items("}")?;
        rest.insert(0, first);
        Some(Expr::Set(rest))
    }
}

/// Tokens back to (approximate) source text, for messages.
pub fn text(toks: &[Tok]) -> String {
    let mut s = String::new();
    for t in toks {
        let piece = match t {
            Tok::Name(n) | Tok::Num(n) => n.clone(),
            Tok::Str { value, .. } => format!("{value:?}"),
            Tok::Op(o) => o.clone(),
        };
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '"');
        if word(s.chars().last()) && word(piece.chars().next()) {
            s.push(' ');
        }
        s.push_str(&piece);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Expr {
        let ls = lines(src);
        let mut p = Parser::new(&ls[0].toks);
        p.expr_until(&[])
    }

    #[test]
    fn joins_bracketed_lines_and_skips_comments() {
        let ls = lines("class A(B):\n    x: int = Field(\n        5,  # five\n        ge=1,\n    )\n    y: str\n");
        assert_eq!(ls.len(), 3);
        assert_eq!(ls[1].indent, 4);
        assert_eq!(ls[1].line, 2);
        assert_eq!(ls[2].line, 6);
    }

    #[test]
    fn reads_calls_unions_and_literals() {
        let e = parse("Field('x', alias=\"A\", ge=-1, default_factory=lambda: [1])");
        let Expr::Call { args, kwargs, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(args, &[Expr::Str("x".into())]);
        assert_eq!(e.kwarg("alias"), Some(&Expr::Str("A".into())));
        assert_eq!(
            e.kwarg("ge"),
            Some(&Expr::Neg(Box::new(Expr::Int("1".into()))))
        );
        assert!(matches!(kwargs[2].1, Expr::Opaque(_)));
        assert!(matches!(parse("int | None"), Expr::Or(_, _)));
        assert!(matches!(
            parse("Literal['a', 'b']"),
            Expr::Subscript { ref items, .. } if items.len() == 2
        ));
        assert_eq!(parse("'a' 'b'"), Expr::Str("ab".into()));
        assert!(matches!(parse("f'{x}'"), Expr::Opaque(_)));
        assert!(matches!(parse("a + b"), Expr::Opaque(_)));
    }

    #[test]
    fn triple_quoted_strings_span_lines() {
        let ls = lines("x = '''a\nb'''\ny = 1\n");
        assert_eq!(ls.len(), 2);
        assert_eq!(ls[1].line, 3);
    }
}
