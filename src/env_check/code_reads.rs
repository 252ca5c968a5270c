//! "The code is the schema": how a read of an environment variable behaves when the variable is
//! absent, judged from the expression around it. `os.environ["X"]`, `os.getenv("X")` used as
//! is, Rust `env::var("X")?`/`.expect()`/`.unwrap()` and JS `process.env.X` without `??`/`||`
//! are required; a fallback in the call (`getenv("X", "d")`, `.get("X", default="d")`) or right
//! after it (`or "d"`, `|| d`, `?? d`, `.unwrap_or(d)`, `.unwrap_or_default()`, `.ok()`) makes it
//! optional with that default; a conversion at the read (`int(...)`, `float(...)`,
//! `== "true"`, `.parse::<u16>()`, `parseInt(...)`) gives the type.

use serde::Serialize;

use super::schema::{Origin, Schema, SchemaKind, VarSpec, VarType};
use super::secrets::secret_name;

/// What a read needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    Required,
    Optional,
    /// Evaluated when the program is compiled (`env!`, `option_env!`): no `.env` file at run
    /// time can satisfy it.
    CompileTime,
}

/// One read of a variable in code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeRead {
    pub key: String,
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub need: Need,
    /// The fallback as written (a string literal's text, or the expression).
    pub default: Option<String>,
    /// `integer`, `number`, `boolean`, `port` when the code converts the value at the read.
    pub ty: Option<String>,
}

/// The text of a call's arguments starting just after `(` at `open`: (arguments, index after
/// the closing `)`). Quotes and nested brackets are respected.
fn call_args(text: &str, open: usize) -> Option<(Vec<&str>, usize)> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    let mut start = open;
    let mut args = Vec::new();
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
        } else {
            match c {
                b'"' | b'\'' | b'`' => quote = Some(c),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth > 0 => depth -= 1,
                b')' => {
                    let last = text[start..i].trim();
                    if !last.is_empty() {
                        args.push(last);
                    }
                    return Some((args, i + 1));
                }
                b',' if depth == 0 => {
                    args.push(text[start..i].trim());
                    start = i + 1;
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// A string literal's text, or the expression as written.
fn literal_text(expr: &str) -> String {
    let t = expr.trim();
    for q in ['"', '\''] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return t[1..t.len() - 1].to_string();
        }
    }
    t.to_string()
}

/// The expression after ` or `, `||`, `??` up to the end of the statement.
fn fallback_after(rest: &str, ops: &[&str]) -> Option<String> {
    let r = rest.trim_start();
    for op in ops {
        if let Some(x) = r.strip_prefix(op) {
            let x = x.trim_start();
            let end = x.find(['\n', ';', ')', ',', '}']).unwrap_or(x.len());
            let expr = x[..end].trim();
            if !expr.is_empty() {
                return Some(literal_text(expr));
            }
        }
    }
    None
}

/// The conversion just before a read (`int(`, `float(`, `parseInt(`…).
fn conversion_before(before: &str) -> Option<&'static str> {
    let b = before.trim_end();
    // The receiver of the read (`os.` of `os.getenv`, `os.environ.` of `.get`).
    let recv = b.len()
        - b.chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .map(char::len_utf8)
            .sum::<usize>();
    let b = if b[recv..].ends_with('.') {
        &b[..recv]
    } else {
        b
    };
    let table: &[(&str, &str)] = &[
        ("int(", "integer"),
        ("float(", "number"),
        ("parseInt(", "integer"),
        ("parseFloat(", "number"),
        ("Number(", "number"),
        ("bool(int(", "boolean"),
        ("strtobool(", "boolean"),
    ];
    table
        .iter()
        .filter(|(p, _)| b.ends_with(p))
        .max_by_key(|(p, _)| p.len())
        .map(|(_, t)| *t)
}

/// A boolean comparison after a read (`== "true"`, `.lower() in (...)`).
fn boolean_after(rest: &str) -> bool {
    let r = rest.trim_start();
    let r = r.strip_prefix(".lower()").unwrap_or(r).trim_start();
    let r = r.strip_prefix(".toLowerCase()").unwrap_or(r).trim_start();
    let lit = |s: &str| {
        let s = s.trim_start();
        let l = s.to_ascii_lowercase();
        [
            "\"true\"",
            "'true'",
            "\"1\"",
            "'1'",
            "(\"true\"",
            "('true'",
            "[\"true\"",
            "['true'",
        ]
        .iter()
        .any(|p| l.starts_with(p))
            || l.starts_with("(\"")
            || l.starts_with("('")
            || l.starts_with("[\"")
            || l.starts_with("['")
    };
    for op in ["==", "===", "in "] {
        if let Some(x) = r.strip_prefix(op) {
            return lit(x.trim_start_matches('='));
        }
    }
    false
}

/// Classifies a Python read. `call` = the read is `getenv(`/`environ.get(` whose `(` is at
/// `open`; else a subscript `environ["X"]` ending at `end`.
pub fn python(
    text: &str,
    start: usize,
    open: Option<usize>,
    end: usize,
) -> (Need, Option<String>, Option<String>) {
    let before = &text[..start];
    let mut ty = conversion_before(before).map(str::to_string);
    let (need, default, after) = match open {
        Some(open) => match call_args(text, open) {
            Some((args, after)) => {
                let kw = args.iter().find_map(|a| {
                    a.strip_prefix("default")
                        .map(str::trim_start)
                        .and_then(|a| a.strip_prefix('='))
                });
                let d = args
                    .get(1)
                    .copied()
                    .filter(|a| !a.starts_with("default"))
                    .or(kw);
                match d {
                    Some(d) if d.trim() != "None" => (Need::Optional, Some(literal_text(d)), after),
                    _ => match fallback_after(&text[after..], &["or "]) {
                        Some(f) => (Need::Optional, Some(f), after),
                        None => (Need::Required, None, after),
                    },
                }
            }
            None => (Need::Required, None, end),
        },
        None => (Need::Required, None, end),
    };
    if ty.is_none() && boolean_after(&text[after..]) {
        ty = Some("boolean".into());
    }
    (need, default, ty)
}

/// Classifies a Rust `env::var("X")` read ending at `end` (after the closing `)`).
pub fn rust(text: &str, end: usize) -> (Need, Option<String>, Option<String>) {
    let rest = text[end..].trim_start();
    let mut ty = None;
    if let Some(p) = rest.find(".parse::<") {
        let head = &rest[..p];
        if !head.contains(';') {
            let t = &rest[p + 9..];
            let name = &t[..t.find('>').unwrap_or(0)];
            ty = Some(
                match name {
                    "u16" => "port",
                    "f32" | "f64" => "number",
                    "bool" => "boolean",
                    _ => "integer",
                }
                .to_string(),
            );
        }
    }
    let stmt_end = rest.find(';').unwrap_or(rest.len());
    let stmt = &rest[..stmt_end];
    if stmt.contains(".unwrap_or_default()") {
        return (Need::Optional, Some(String::new()), ty);
    }
    for m in [".unwrap_or_else(", ".unwrap_or("] {
        if let Some(p) = stmt.find(m) {
            let open = end + (text[end..].len() - rest.len()) + p + m.len();
            let d = call_args(text, open).and_then(|(a, _)| a.first().map(|s| rust_default(s)));
            return (Need::Optional, d, ty);
        }
    }
    if stmt.starts_with(".ok()") || stmt.starts_with(".is_ok()") || stmt.starts_with(".is_err()") {
        return (Need::Optional, None, ty);
    }
    (Need::Required, None, ty)
}

/// `|_| "3000".to_string()` / `"d".into()` / `8080` → the literal.
fn rust_default(arg: &str) -> String {
    let a = arg.trim();
    let a = a.strip_prefix("|_|").unwrap_or(a).trim();
    let a = a
        .trim_end_matches(".to_string()")
        .trim_end_matches(".to_owned()")
        .trim_end_matches(".into()");
    literal_text(a)
}

/// Classifies a JS `process.env.X` read spanning `start..end`.
pub fn js(text: &str, start: usize, end: usize) -> (Need, Option<String>, Option<String>) {
    let before = &text[..start];
    let mut ty = conversion_before(before).map(str::to_string);
    // `parseInt(process.env.X) || 3000`: the fallback follows the conversion's `)`.
    let mut rest = &text[end..];
    if ty.is_some() {
        if let Some(stripped) = rest.trim_start().strip_prefix(')') {
            rest = stripped;
        }
    }
    if ty.is_none() && boolean_after(rest) {
        ty = Some("boolean".into());
    }
    match fallback_after(rest, &["||", "??"]) {
        Some(d) => (Need::Optional, Some(d), ty),
        None => (Need::Required, None, ty),
    }
}

/// The variables the code reads, as a schema: required if any read is required; the first
/// fallback as the default; sensitive by name (and a sensitive default is never kept).
pub fn to_schema(source: &str, reads: &[CodeRead]) -> Schema {
    let mut vars: Vec<VarSpec> = Vec::new();
    for r in reads.iter().filter(|r| r.need != Need::CompileTime) {
        let sensitive = secret_name(&r.key);
        let ty = match r.ty.as_deref() {
            Some("integer") => VarType::Integer,
            Some("number") => VarType::Number,
            Some("boolean") => VarType::Boolean,
            Some("port") => VarType::Port,
            _ => VarType::String,
        };
        let origin = Origin {
            file: r.file.clone(),
            line: Some(r.line),
            col: Some(r.col),
        };
        if let Some(v) = vars.iter_mut().find(|v| v.key == r.key) {
            if r.need == Need::Required && !v.required {
                v.required = true;
                v.default = None;
                v.origin = origin;
            }
            if matches!(v.ty, VarType::String) {
                v.ty = ty;
            }
            continue;
        }
        vars.push(VarSpec {
            key: r.key.clone(),
            required: r.need == Need::Required,
            sensitive,
            ty,
            default: r
                .default
                .clone()
                .filter(|d| !sensitive && r.need == Need::Optional && !d.is_empty()),
            origin,
        });
    }
    Schema {
        source: source.to_string(),
        kind: SchemaKind::Decorated,
        vars,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn py(src: &str, needle: &str, call: bool) -> (Need, Option<String>, Option<String>) {
        let start = src.find(needle).unwrap();
        let open = call.then(|| src[start..].find('(').unwrap() + start + 1);
        let end = start + needle.len();
        python(src, start, open, end)
    }

    #[test]
    fn python_reads() {
        assert_eq!(
            py("x = os.environ['A']", "os.environ['A']", false).0,
            Need::Required
        );
        assert_eq!(
            py("x = os.getenv('A')", "os.getenv(", true).0,
            Need::Required
        );
        assert_eq!(
            py("x = os.getenv('A', \"d\")", "os.getenv(", true),
            (Need::Optional, Some("d".into()), None)
        );
        assert_eq!(
            py("x = int(os.getenv('PORT', 8000))", "os.getenv(", true),
            (Need::Optional, Some("8000".into()), Some("integer".into()))
        );
        assert_eq!(
            py(
                "x = os.environ.get('A', default='v')",
                "os.environ.get(",
                true
            )
            .1,
            Some("v".into())
        );
        assert_eq!(
            py("x = os.getenv('A') or 'z'", "os.getenv(", true),
            (Need::Optional, Some("z".into()), None)
        );
        assert_eq!(
            py(
                "d = os.getenv('D', 'false').lower() == 'true'",
                "os.getenv(",
                true
            )
            .2,
            Some("boolean".into())
        );
    }

    #[test]
    fn rust_and_js_reads() {
        let src = "let p: u16 = env::var(\"PORT\").unwrap_or_else(|_| \"3000\".to_string()).parse::<u16>().unwrap();";
        let end = src.find(')').unwrap() + 1;
        assert_eq!(
            rust(src, end),
            (Need::Optional, Some("3000".into()), Some("port".into()))
        );
        let src = "let u = env::var(\"DB\")?;";
        assert_eq!(rust(src, src.find(')').unwrap() + 1).0, Need::Required);
        let src = "const p = process.env.PORT || 8000;";
        let s = src.find("process").unwrap();
        assert_eq!(
            js(src, s, s + 16),
            (Need::Optional, Some("8000".into()), None)
        );
        let src = "const k = process.env.KEY;";
        let s = src.find("process").unwrap();
        assert_eq!(js(src, s, s + 15).0, Need::Required);
        let src = "const p = parseInt(process.env.PORT) || 3000;";
        let s = src.find("process").unwrap();
        assert_eq!(
            js(src, s, s + 16),
            (Need::Optional, Some("3000".into()), Some("integer".into()))
        );
    }
}
