//! The schema: which variables a project expects, whether each is required or sensitive, its
//! type and its default. Four sources, one model:
//! - a file with `@env-spec` decorator comments (varlock's `.env.schema`): `# @required`,
//!   `# @optional`, `# @sensitive`, `# @type=port`, …; there a value is the default of an
//!   `@optional` key, and keys are required unless marked `@optional` (or the header says
//!   `# @defaultRequired=false`);
//! - a plain `.env.example` without decorators: every key is required, values are examples;
//! - `[env-check.vars]` in `velo.toml`;
//! - dotenv-linter's JSON schema (`--schema env-schema.json`), so its users can switch.

use std::fmt;

use regex::Regex;
use serde::Serialize;

use super::parse::{BindingKind, EnvFile};

/// A variable's type.
#[derive(Debug, Clone)]
pub enum VarType {
    String,
    Integer,
    Number,
    Boolean,
    Port,
    Url,
    Email,
    Enum(Vec<String>),
    Regex(String, Regex),
}

impl fmt::Display for VarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String => f.write_str("string"),
            Self::Integer => f.write_str("integer"),
            Self::Number => f.write_str("number"),
            Self::Boolean => f.write_str("boolean"),
            Self::Port => f.write_str("port"),
            Self::Url => f.write_str("url"),
            Self::Email => f.write_str("email"),
            Self::Enum(v) => write!(f, "enum({})", v.join(",")),
            Self::Regex(r, _) => write!(f, "regex({r})"),
        }
    }
}

impl Serialize for VarType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A schema that cannot be used; the message names the file, the line and the bad text.
#[derive(Debug, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct SchemaError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

/// A `@type` that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TypeError {
    #[error("{0:?}: enum() needs at least one value")]
    EmptyEnum(String),
    #[error("regex({pattern}) does not compile: {source}")]
    Regex {
        pattern: String,
        source: regex::Error,
    },
    #[error(
        "unknown type {0:?}: use string, integer, number, boolean, port, url, email, enum(A,B) \
         or regex(...)"
    )]
    Unknown(String),
}

impl VarType {
    /// Parses `port`, `enum(A,B)`, `regex(^a+$)`, … (names are case-insensitive).
    pub fn parse(text: &str) -> Result<Self, TypeError> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        let inner = |prefix: &str| -> Option<&str> {
            if lower.starts_with(prefix) && t.ends_with(')') {
                Some(&t[prefix.len()..t.len() - 1])
            } else {
                None
            }
        };
        if let Some(list) = inner("enum(") {
            let items: Vec<String> = list
                .split(',')
                .map(|s| s.trim().trim_matches(['"', '\'']).to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if items.is_empty() {
                return Err(TypeError::EmptyEnum(t.to_string()));
            }
            return Ok(Self::Enum(items));
        }
        if let Some(pattern) = inner("regex(") {
            let pattern = pattern.trim();
            let pattern = pattern
                .strip_prefix('/')
                .and_then(|p| p.strip_suffix('/'))
                .unwrap_or(pattern);
            let re =
                Regex::new(&format!("^(?:{pattern})$")).map_err(|source| TypeError::Regex {
                    pattern: pattern.to_string(),
                    source,
                })?;
            return Ok(Self::Regex(pattern.to_string(), re));
        }
        Ok(match lower.as_str() {
            "string" | "str" => Self::String,
            "integer" | "int" => Self::Integer,
            "number" | "float" => Self::Number,
            "boolean" | "bool" => Self::Boolean,
            "port" => Self::Port,
            "url" => Self::Url,
            "email" => Self::Email,
            _ => return Err(TypeError::Unknown(t.to_string())),
        })
    }

    /// Checks a (non-empty) value; the error says what is wrong without repeating the value.
    pub fn check(&self, value: &str) -> Result<(), String> {
        let v = value.trim();
        match self {
            Self::String => Ok(()),
            Self::Integer => {
                let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    v.parse::<i64>()
                        .map(|_| ())
                        .map_err(|_| "is an integer too large for 64 bits".to_string())
                } else {
                    Err("is not an integer".into())
                }
            }
            Self::Number => match v.parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(()),
                _ => Err("is not a number".into()),
            },
            Self::Boolean => {
                const OK: &[&str] = &["true", "false", "1", "0", "yes", "no", "on", "off"];
                if OK.iter().any(|b| v.eq_ignore_ascii_case(b)) {
                    Ok(())
                } else {
                    Err("is not a boolean (true/false, 1/0, yes/no, on/off)".into())
                }
            }
            Self::Port => match v.parse::<u64>() {
                Ok(p) if (1..=65535).contains(&p) => Ok(()),
                Ok(_) => Err("is out of range for a port (1-65535)".into()),
                Err(_) => Err("is not a port number (1-65535)".into()),
            },
            Self::Url => check_url(v),
            Self::Email => {
                let ok = v.split_once('@').is_some_and(|(user, domain)| {
                    !user.is_empty()
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !v.chars().any(char::is_whitespace)
                        && !domain.contains('@')
                });
                if ok {
                    Ok(())
                } else {
                    Err("is not an email address".into())
                }
            }
            Self::Enum(items) => {
                if items.iter().any(|i| i == v) {
                    Ok(())
                } else {
                    Err("is not one of the allowed values".into())
                }
            }
            Self::Regex(p, re) => {
                if re.is_match(value) {
                    Ok(())
                } else {
                    let _ = p;
                    Err("does not match the pattern".into())
                }
            }
        }
    }
}

/// A URL needs a scheme and a host: `localhost:8080` and `api.example.com` are not URLs.
fn check_url(v: &str) -> Result<(), String> {
    let Some((scheme, rest)) = v.split_once("://") else {
        return Err(if v.contains(':') && !v.contains('/') {
            "is not a URL: it has no scheme (write e.g. http://host:port)".into()
        } else {
            "is not a URL: it has no scheme (write e.g. https://...)".into()
        });
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err("is not a URL: the scheme is malformed".into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if host_port.starts_with('[') {
        match host_port.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => return Err("is not a URL: unclosed IPv6 host".into()),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    let local_scheme = matches!(scheme.to_ascii_lowercase().as_str(), "file" | "sqlite");
    if host.is_empty() && !local_scheme {
        return Err("is not a URL: it has no host".into());
    }
    if host.chars().any(char::is_whitespace) {
        return Err("is not a URL: the host contains blanks".into());
    }
    if let Some(p) = port {
        if !p.is_empty() && p.parse::<u16>().is_err() {
            return Err("is not a URL: the port is not a number 0-65535".into());
        }
    }
    Ok(())
}

/// Where a variable was declared.
#[derive(Debug, Clone, Serialize)]
pub struct Origin {
    pub file: String,
    pub line: Option<usize>,
    pub col: Option<usize>,
}

/// One declared variable.
#[derive(Debug, Clone, Serialize)]
pub struct VarSpec {
    pub key: String,
    pub required: bool,
    pub sensitive: bool,
    #[serde(rename = "type")]
    pub ty: VarType,
    pub default: Option<String>,
    #[serde(skip)]
    pub origin: Origin,
}

/// Which kind of source a schema came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SchemaKind {
    Decorated,
    PlainExample,
    VeloToml,
    DotenvLinterJson,
}

/// The declared variables.
#[derive(Debug, Clone, Serialize)]
pub struct Schema {
    pub source: String,
    pub kind: SchemaKind,
    pub vars: Vec<VarSpec>,
}

impl Schema {
    pub fn get(&self, key: &str) -> Option<&VarSpec> {
        self.vars.iter().find(|v| v.key == key)
    }

    /// Reads a schema file: dotenv-linter JSON when it is JSON, else a `.env`-style file with or
    /// without decorators.
    pub fn from_file(name: &str, bytes: &[u8]) -> Result<Self, SchemaError> {
        let trimmed = bytes.trim_ascii_start();
        let json_ext = std::path::Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if json_ext || trimmed.starts_with(b"{") {
            return Self::from_dotenv_linter_json(name, bytes);
        }
        Self::from_env_spec(name, bytes)
    }

    fn from_env_spec(name: &str, bytes: &[u8]) -> Result<Self, SchemaError> {
        let file = EnvFile::parse(name, bytes);
        let err = |line: usize, message: String| SchemaError {
            file: name.to_string(),
            line: Some(line),
            message,
        };
        if let Some(&(off, byte)) = file.invalid_utf8.first() {
            let (line, _) = file.position(off);
            return Err(err(
                line,
                format!("byte 0x{byte:02X} is not valid UTF-8; save the schema as UTF-8"),
            ));
        }
        // Collect comment lines, the decorators they carry, and where each entry starts.
        let mut default_required = true;
        let mut default_sensitive = false;
        let mut decorated = false;
        let mut vars: Vec<VarSpec> = Vec::new();
        let mut pending: Vec<(usize, Vec<Decorator>)> = Vec::new();
        let mut last_comment_line = 0usize;
        let mut seen_entry = false;
        for b in &file.bindings {
            let (line, _) = file.position(b.start);
            match &b.kind {
                BindingKind::Comment => {
                    let text = file.line_text(line).trim_start();
                    if text.trim_start_matches('#').trim().starts_with("---") {
                        pending.clear();
                        continue;
                    }
                    let decs = decorators(text).map_err(|m| err(line, m))?;
                    if line > last_comment_line + 1 {
                        pending.clear();
                    }
                    last_comment_line = line;
                    if !decs.is_empty() {
                        decorated = true;
                    }
                    let mut rest = Vec::new();
                    for d in decs {
                        match d.name.as_str() {
                            "defaultRequired" if !seen_entry => {
                                default_required = d.value.as_deref() != Some("false");
                            }
                            "defaultSensitive" if !seen_entry => {
                                default_sensitive = d.value.as_deref() != Some("false");
                            }
                            _ => rest.push(d),
                        }
                    }
                    pending.push((line, rest));
                }
                BindingKind::Error { at, .. } => {
                    let (l, c) = file.position(*at);
                    return Err(SchemaError {
                        file: name.to_string(),
                        line: Some(l),
                        message: format!("column {c}: this line does not parse as KEY=value"),
                    });
                }
                BindingKind::Entry(e) => {
                    seen_entry = true;
                    let mut decs: Vec<Decorator> = Vec::new();
                    if last_comment_line + 1 == line {
                        for (_, d) in pending.drain(..) {
                            decs.extend(d);
                        }
                    }
                    pending.clear();
                    if let Some(c) = e.comment {
                        let (cl, _) = file.position(c);
                        let text = &file.text[c..];
                        let text = text.split(['\n', '\r']).next().unwrap_or("");
                        let inline = decorators(text).map_err(|m| err(cl, m))?;
                        if !inline.is_empty() {
                            decorated = true;
                        }
                        decs.extend(inline);
                    }
                    let (kl, kc) = file.position(e.key_start);
                    let mut spec = VarSpec {
                        key: file.key(e).to_string(),
                        required: true,
                        sensitive: default_sensitive,
                        ty: VarType::String,
                        default: e
                            .value
                            .as_ref()
                            .map(|v| file.value_text(v).to_string())
                            .filter(|v| !v.is_empty()),
                        origin: Origin {
                            file: name.to_string(),
                            line: Some(kl),
                            col: Some(kc),
                        },
                    };
                    let mut required = None;
                    for d in decs {
                        match d.name.as_str() {
                            "required" => required = Some(d.value.as_deref() != Some("false")),
                            "optional" => required = Some(d.value.as_deref() == Some("false")),
                            "sensitive" => spec.sensitive = d.value.as_deref() != Some("false"),
                            "type" => {
                                let v = d.value.unwrap_or_default();
                                spec.ty = VarType::parse(&v).map_err(|m| err(kl, m.to_string()))?;
                            }
                            _ => {}
                        }
                    }
                    spec.required = required.unwrap_or(default_required);
                    if let Some(prev) = vars.iter_mut().find(|v| v.key == spec.key) {
                        *prev = spec;
                    } else {
                        vars.push(spec);
                    }
                }
            }
        }
        let kind = if decorated {
            SchemaKind::Decorated
        } else {
            SchemaKind::PlainExample
        };
        for v in &mut vars {
            if kind == SchemaKind::PlainExample {
                // Values in a plain example are examples, not defaults; every key is required.
                v.required = true;
                v.default = None;
            } else if v.required {
                v.default = None;
            }
        }
        Ok(Self {
            source: name.to_string(),
            kind,
            vars,
        })
    }

    fn from_dotenv_linter_json(name: &str, bytes: &[u8]) -> Result<Self, SchemaError> {
        #[derive(serde::Deserialize)]
        struct Json {
            #[serde(default)]
            entries: std::collections::BTreeMap<String, Entry>,
        }
        #[derive(serde::Deserialize)]
        struct Entry {
            #[serde(rename = "type", default)]
            ty: Option<String>,
            #[serde(default)]
            required: bool,
            #[serde(default)]
            regex: Option<String>,
        }
        let text = String::from_utf8_lossy(bytes);
        let json: Json = serde_json::from_str(&text).map_err(|e| SchemaError {
            file: name.to_string(),
            line: Some(e.line()),
            message: format!("not a dotenv-linter JSON schema: {e}"),
        })?;
        let mut vars = Vec::new();
        // Keep the order of the file, not of the map.
        let mut entries: Vec<(usize, String, Entry)> = json
            .entries
            .into_iter()
            .map(|(k, e)| {
                let needle = format!("\"{k}\"");
                let line = text
                    .lines()
                    .position(|l| l.contains(&needle))
                    .map_or(0, |i| i + 1);
                (line, k, e)
            })
            .collect();
        entries.sort_by_key(|(line, ..)| *line);
        for (line, key, e) in entries {
            let err = |message: String| SchemaError {
                file: name.to_string(),
                line: Some(line),
                message,
            };
            let mut ty = match e.ty.as_deref().unwrap_or("String") {
                "String" => VarType::String,
                "Integer" => VarType::Integer,
                "Float" => VarType::Number,
                "Boolean" => VarType::Boolean,
                "Url" => VarType::Url,
                "Email" => VarType::Email,
                other => return Err(err(format!("{key}: unknown type {other:?}"))),
            };
            if let Some(r) = e.regex {
                ty = VarType::parse(&format!("regex({r})")).map_err(|m| err(m.to_string()))?;
            }
            vars.push(VarSpec {
                key,
                required: e.required,
                sensitive: false,
                ty,
                default: None,
                origin: Origin {
                    file: name.to_string(),
                    line: (line > 0).then_some(line),
                    col: None,
                },
            });
        }
        Ok(Self {
            source: name.to_string(),
            kind: SchemaKind::DotenvLinterJson,
            vars,
        })
    }

    /// Reads `[env-check.vars]` from velo.toml: `KEY = "type"` or
    /// `KEY = { type = "port", required = false, default = "8080", sensitive = true }`.
    pub fn from_toml(file: &str, vars: &toml::Table) -> Result<Self, SchemaError> {
        let err = |message: String| SchemaError {
            file: file.to_string(),
            line: None,
            message: format!("[env-check.vars] {message}"),
        };
        let mut out = Vec::new();
        for (key, value) in vars {
            let origin = Origin {
                file: file.to_string(),
                line: None,
                col: None,
            };
            let spec = match value {
                toml::Value::String(t) => VarSpec {
                    key: key.clone(),
                    required: true,
                    sensitive: false,
                    ty: VarType::parse(t).map_err(|m| err(format!("{key}: {m}")))?,
                    default: None,
                    origin,
                },
                toml::Value::Table(t) => {
                    for k in t.keys() {
                        if !matches!(k.as_str(), "type" | "required" | "sensitive" | "default") {
                            return Err(err(format!(
                                "{key}: unknown field {k:?} (use type, required, sensitive, default)"
                            )));
                        }
                    }
                    let ty = match t.get("type") {
                        None => VarType::String,
                        Some(toml::Value::String(s)) => {
                            VarType::parse(s).map_err(|m| err(format!("{key}: {m}")))?
                        }
                        Some(_) => return Err(err(format!("{key}: type must be a string"))),
                    };
                    let flag = |name: &str, default: bool| match t.get(name) {
                        None => Ok(default),
                        Some(toml::Value::Boolean(b)) => Ok(*b),
                        Some(_) => Err(err(format!("{key}: {name} must be true or false"))),
                    };
                    let default = match t.get("default") {
                        None => None,
                        Some(toml::Value::String(s)) => Some(s.clone()),
                        Some(
                            v @ (toml::Value::Integer(_)
                            | toml::Value::Float(_)
                            | toml::Value::Boolean(_)),
                        ) => Some(v.to_string()),
                        Some(_) => return Err(err(format!("{key}: default must be a string"))),
                    };
                    let required = flag("required", default.is_none())?;
                    VarSpec {
                        key: key.clone(),
                        required,
                        sensitive: flag("sensitive", false)?,
                        ty,
                        default: if required { None } else { default },
                        origin,
                    }
                }
                _ => {
                    return Err(err(format!(
                        "{key}: expected a type string or a table {{ type = ..., required = ... }}"
                    )))
                }
            };
            out.push(spec);
        }
        Ok(Self {
            source: format!("{file} [env-check.vars]"),
            kind: SchemaKind::VeloToml,
            vars: out,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Decorator {
    name: String,
    value: Option<String>,
}

/// The `@name` / `@name=value` decorators of one comment (`# @required @type=enum(a, b)`).
/// Only words right after `#` or a blank count, so an email in prose is not a decorator.
fn decorators(comment: &str) -> Result<Vec<Decorator>, String> {
    let text = comment.trim_start().trim_start_matches('#');
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let at_word_start = i == 0 || chars[i - 1].is_whitespace();
        if chars[i] != '@' || !at_word_start {
            i += 1;
            continue;
        }
        i += 1;
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_alphanumeric() || chars[i] == '-' || chars[i] == '_')
        {
            i += 1;
        }
        let name: String = chars[start..i].iter().collect();
        if name.is_empty() {
            continue;
        }
        let mut value = None;
        if i < chars.len() && chars[i] == '=' {
            i += 1;
            let vstart = i;
            if i < chars.len() && (chars[i] == '"' || chars[i] == '\'') {
                let q = chars[i];
                i += 1;
                while i < chars.len() && chars[i] != q {
                    i += 1;
                }
                if i >= chars.len() {
                    return Err(format!("@{name}: unclosed quote"));
                }
                value = Some(chars[vstart + 1..i].iter().collect());
                i += 1;
            } else {
                let mut depth = 0i32;
                while i < chars.len() {
                    match chars[i] {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        c if c.is_whitespace() && depth <= 0 => break,
                        _ => {}
                    }
                    i += 1;
                }
                if depth > 0 {
                    return Err(format!("@{name}: unclosed parenthesis"));
                }
                value = Some(chars[vstart..i].iter().collect());
            }
        }
        out.push(Decorator { name, value });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::many_single_char_names)]
    fn types_check_values() {
        let port = VarType::parse("port").unwrap();
        assert!(port.check("8080").is_ok());
        assert!(port.check("99999").is_err());
        assert!(port.check("0").is_err());
        let url = VarType::parse("url").unwrap();
        assert!(url.check("https://api.example.com/v1?x=y").is_ok());
        assert!(url.check("postgres://bot:pw@localhost:5432/db").is_ok());
        assert!(url.check("localhost:8080").is_err());
        assert!(url.check("api.example.com").is_err());
        assert!(url.check("http://").is_err());
        let b = VarType::parse("boolean").unwrap();
        assert!(b.check("Yes").is_ok() && b.check("maybe").is_err());
        let e = VarType::parse("enum(debug, info)").unwrap();
        assert!(e.check("info").is_ok() && e.check("INFO").is_err());
        let r = VarType::parse("regex(^[A-Z]{3}$)").unwrap();
        assert!(r.check("ABC").is_ok() && r.check("ABCD").is_err());
        let i = VarType::parse("integer").unwrap();
        assert!(i.check("-5").is_ok() && i.check("five").is_err() && i.check("1.5").is_err());
        assert!(VarType::parse("number").unwrap().check("0.5").is_ok());
        let m = VarType::parse("email").unwrap();
        assert!(m.check("a@b.io").is_ok() && m.check("a@b").is_err());
        assert!(VarType::parse("prot").is_err());
        assert!(VarType::parse("regex(()").is_err());
    }

    #[test]
    fn decorated_schema() {
        let text =
            "# @defaultRequired=true\n# ---\n\n# Exchange\n# @sensitive @type=string\nAPI_KEY=\n\
                    # @optional @type=enum(debug, info)\nLOG_LEVEL=info\nPORT=8080 # @type=port\n";
        let s = Schema::from_file(".env.schema", text.as_bytes()).unwrap();
        assert_eq!(s.kind, SchemaKind::Decorated);
        let k = s.get("API_KEY").unwrap();
        assert!(k.required && k.sensitive);
        let l = s.get("LOG_LEVEL").unwrap();
        assert!(!l.required);
        assert_eq!(l.default.as_deref(), Some("info"));
        assert_eq!(l.ty.to_string(), "enum(debug,info)");
        let p = s.get("PORT").unwrap();
        assert!(p.required && p.default.is_none());
        assert_eq!(p.ty.to_string(), "port");
        assert_eq!(p.origin.line, Some(9));
    }

    #[test]
    fn header_defaults() {
        let text = "# @defaultRequired=false @defaultSensitive=true\n# ---\nA=\n# @sensitive=false @required\nB=\n";
        let s = Schema::from_file(".env.schema", text.as_bytes()).unwrap();
        let (a, b) = (s.get("A").unwrap(), s.get("B").unwrap());
        assert!(!a.required && a.sensitive);
        assert!(b.required && !b.sensitive);
    }

    #[test]
    fn plain_example_requires_everything() {
        let s = Schema::from_file(".env.example", b"# Optional\nLOG_LEVEL=info\nA=\n").unwrap();
        assert_eq!(s.kind, SchemaKind::PlainExample);
        assert!(s.vars.iter().all(|v| v.required && v.default.is_none()));
    }

    #[test]
    fn schema_errors_name_file_and_line() {
        let e = Schema::from_file(".env.schema", b"A=1\n# @type=prot\nB=2\n").unwrap_err();
        assert_eq!(e.file, ".env.schema");
        assert_eq!(e.line, Some(3));
        assert!(e.to_string().contains("unknown type \"prot\""), "{e}");
    }
}
