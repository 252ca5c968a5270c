//! The small tables behind reading a settings class: pydantic's own type names (URL types and
//! their schemes, constrained and positive numbers…), literal Python values, `Field(...)`
//! metadata and the `model_config` keys that change how the environment is read.

use regex::Regex;

use super::pyread::Expr;
use super::settings::{Config, Constraints, Extra, Field, PyType, PyVal, UrlKind};

pub(super) fn is_classvar(e: &Expr) -> bool {
    match e {
        Expr::Name(n) => n.rsplit('.').next() == Some("ClassVar"),
        Expr::Subscript { value, .. } => value.short_name() == Some("ClassVar"),
        _ => false,
    }
}

pub(super) fn union(members: Vec<PyType>) -> PyType {
    let mut flat = Vec::new();
    for m in members {
        match m {
            PyType::Union(v) => flat.extend(v),
            other => flat.push(other),
        }
    }
    if flat.len() == 1 {
        return flat.pop().unwrap_or(PyType::Any);
    }
    PyType::Union(flat)
}

fn url(name: &str, schemes: &[&'static str], host_required: bool, max: Option<usize>) -> PyType {
    PyType::Url(UrlKind {
        name: name.to_string(),
        schemes: schemes.to_vec(),
        host_required,
        max_length: max,
    })
}

const PG: &[&str] = &[
    "postgres",
    "postgresql",
    "postgresql+asyncpg",
    "postgresql+pg8000",
    "postgresql+psycopg",
    "postgresql+psycopg2",
    "postgresql+psycopg2cffi",
    "postgresql+py-postgresql",
    "postgresql+pygresql",
];
const MYSQL: &[&str] = &[
    "mysql",
    "mysql+mysqlconnector",
    "mysql+aiomysql",
    "mysql+asyncmy",
    "mysql+mysqldb",
    "mysql+pymysql",
    "mysql+cymysql",
    "mysql+pyodbc",
];

pub(super) fn simple_type(name: &str, cons: &mut Constraints, strict: &mut bool) -> Option<PyType> {
    Some(match name {
        "str" | "StrictStr" => PyType::Str,
        "int" => PyType::Int,
        "float" => PyType::Float,
        "bool" => PyType::Bool,
        "bytes" => PyType::Bytes,
        "StrictInt" | "StrictBool" | "StrictFloat" | "StrictBytes" => {
            *strict = true;
            PyType::Any
        }
        "PositiveInt" | "NegativeInt" | "NonNegativeInt" | "NonPositiveInt" | "PositiveFloat"
        | "NegativeFloat" | "NonNegativeFloat" | "NonPositiveFloat" => {
            match &name[..name.len() - if name.ends_with("Int") { 3 } else { 5 }] {
                "Positive" => cons.gt = Some(0.0),
                "Negative" => cons.lt = Some(0.0),
                "NonNegative" => cons.ge = Some(0.0),
                _ => cons.le = Some(0.0),
            }
            if name.ends_with("Int") {
                PyType::Int
            } else {
                PyType::Float
            }
        }
        "FiniteFloat" => {
            cons.allow_inf_nan = Some(false);
            PyType::Float
        }
        "SecretStr" => PyType::Secret(false),
        "SecretBytes" => PyType::Secret(true),
        "AnyUrl" => url("AnyUrl", &[], false, None),
        "AnyHttpUrl" => url("AnyHttpUrl", &["http", "https"], true, None),
        "HttpUrl" => url("HttpUrl", &["http", "https"], true, Some(2083)),
        "WebsocketUrl" => url("WebsocketUrl", &["ws", "wss"], true, Some(2083)),
        "AnyWebsocketUrl" => url("AnyWebsocketUrl", &["ws", "wss"], true, None),
        "FileUrl" => url("FileUrl", &["file"], false, None),
        "FtpUrl" => url("FtpUrl", &["ftp"], true, None),
        "PostgresDsn" => url("PostgresDsn", PG, true, None),
        "CockroachDsn" => url(
            "CockroachDsn",
            &["cockroachdb", "cockroachdb+psycopg2", "cockroachdb+asyncpg"],
            true,
            None,
        ),
        "AmqpDsn" => url("AmqpDsn", &["amqp", "amqps"], false, None),
        "RedisDsn" => url("RedisDsn", &["redis", "rediss"], false, None),
        "MongoDsn" => url("MongoDsn", &["mongodb", "mongodb+srv"], false, None),
        "KafkaDsn" => url("KafkaDsn", &["kafka"], false, None),
        "NatsDsn" => url("NatsDsn", &["nats", "tls", "ws", "wss"], false, None),
        "MySQLDsn" => url("MySQLDsn", MYSQL, true, None),
        "MariaDBDsn" => url(
            "MariaDBDsn",
            &["mariadb", "mariadb+mariadbconnector", "mariadb+pymysql"],
            true,
            None,
        ),
        "ClickHouseDsn" => url(
            "ClickHouseDsn",
            &[
                "clickhouse+native",
                "clickhouse+asynch",
                "clickhouse+http",
                "clickhouse",
                "clickhouses",
                "clickhousedb",
            ],
            true,
            None,
        ),
        "SnowflakeDsn" => url("SnowflakeDsn", &["snowflake"], true, None),
        "EmailStr" => PyType::Email,
        "Path" | "PurePath" | "PosixPath" | "PurePosixPath" => PyType::Path,
        "Any" | "object" => PyType::Any,
        "list" | "List" | "Sequence" | "set" | "Set" | "frozenset" | "tuple" | "Tuple" => {
            PyType::List(Box::new(PyType::Any))
        }
        "dict" | "Dict" | "Mapping" => PyType::Dict(Box::new(PyType::Any), Box::new(PyType::Any)),
        "FilePath" | "DirectoryPath" | "NewPath" => PyType::Unknown(format!(
            "{name} checks the file system where the program runs"
        )),
        _ => return None,
    })
}

/// A literal Python value, if `e` is one.
pub fn literal(e: &Expr) -> Option<PyVal> {
    Some(match e {
        Expr::None => PyVal::None,
        Expr::Bool(b) => PyVal::Bool(*b),
        Expr::Str(s) => PyVal::Str(s.clone()),
        Expr::Bytes(s) => PyVal::Bytes(s.clone()),
        Expr::Int(n) => PyVal::Int(py_int(n)?),
        Expr::Float(n) => PyVal::Float(n.replace('_', "").parse().ok()?),
        Expr::Neg(x) => match literal(x)? {
            PyVal::Int(i) => PyVal::Int(-i),
            PyVal::Float(f) => PyVal::Float(-f),
            _ => return None,
        },
        Expr::List(v) | Expr::Tuple(v) | Expr::Set(v) => {
            PyVal::List(v.iter().map(literal).collect::<Option<_>>()?)
        }
        Expr::Dict(v) => PyVal::Dict(
            v.iter()
                .map(|(k, x)| Some((literal(k)?, literal(x)?)))
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}

fn py_int(n: &str) -> Option<i128> {
    let t = n.replace('_', "").to_ascii_lowercase();
    if let Some(h) = t.strip_prefix("0x") {
        return i128::from_str_radix(h, 16).ok();
    }
    if let Some(o) = t.strip_prefix("0o") {
        return i128::from_str_radix(o, 8).ok();
    }
    if let Some(b) = t.strip_prefix("0b") {
        return i128::from_str_radix(b, 2).ok();
    }
    t.parse().ok()
}

fn num(e: &Expr) -> Option<f64> {
    match literal(e)? {
        PyVal::Int(i) => Some(i as f64),
        PyVal::Float(f) => Some(f),
        _ => None,
    }
}

/// `Field(...)`, `con*()` and `Annotated` metadata on a field.
pub(super) fn field_meta(f: &mut Field, m: &Expr) {
    let Expr::Call { func, .. } = m else {
        if let Some(n) = m.short_name() {
            if matches!(n, "NoDecode") {
                f.not_checked = Some("NoDecode: the value goes to a validator as text".into());
                f.value_unchecked = true;
            }
        }
        return;
    };
    let head = func.short_name().unwrap_or("");
    match head {
        "Field" | "constr" | "conint" | "confloat" | "conbytes" | "conlist" | "conset" => {}
        "BeforeValidator" | "PlainValidator" | "WrapValidator" => {
            f.not_checked = Some(format!("{head} is code velo does not run"));
            f.value_unchecked = true;
            return;
        }
        "AfterValidator" => {
            f.not_checked = Some(format!("{head} is code velo does not run"));
            return;
        }
        _ => return,
    }
    let c = &mut f.cons;
    let set = |slot: &mut Option<f64>, k: &str| {
        if let Some(v) = m.kwarg(k).and_then(num) {
            *slot = Some(v);
        }
    };
    set(&mut c.ge, "ge");
    set(&mut c.gt, "gt");
    set(&mut c.le, "le");
    set(&mut c.lt, "lt");
    set(&mut c.multiple_of, "multiple_of");
    let len = |k: &str| match m.kwarg(k).and_then(literal) {
        Some(PyVal::Int(i)) => usize::try_from(i).ok(),
        _ => None,
    };
    if let Some(n) = len("min_length").or_else(|| len("min_items")) {
        c.min_length = Some(n);
    }
    if let Some(n) = len("max_length").or_else(|| len("max_items")) {
        c.max_length = Some(n);
    }
    if let Some(Expr::Bool(b)) = m.kwarg("allow_inf_nan") {
        c.allow_inf_nan = Some(*b);
    }
    if let Some(Expr::Bool(true)) = m.kwarg("strict") {
        f.strict = true;
    }
    if let Some(p) = m.kwarg("pattern").or_else(|| m.kwarg("regex")) {
        match p.as_str().map(Regex::new) {
            Some(Ok(re)) => c.pattern = Some(re),
            _ => f.not_checked = Some("a pattern velo cannot compile".into()),
        }
    }
    if head != "Field" {
        return;
    }
    let alias = m.kwarg("validation_alias").or_else(|| m.kwarg("alias"));
    match alias {
        Some(Expr::Str(s)) => f.aliases = vec![s.clone()],
        Some(call @ Expr::Call { func, args, .. }) => match func.short_name() {
            Some("AliasChoices") => {
                f.aliases.clear();
                for a in args {
                    match a {
                        Expr::Str(s) => f.aliases.push(s.clone()),
                        _ => {
                            f.not_checked =
                                Some("an AliasPath inside AliasChoices is not read".into());
                        }
                    }
                }
                let _ = call;
            }
            _ => f.not_checked = Some("an AliasPath or computed alias is not read".into()),
        },
        Some(Expr::None) | None => {}
        Some(_) => f.not_checked = Some("a computed alias is not read".into()),
    }
}

pub(super) fn apply_config_expr(c: &mut Config, e: &Expr) {
    match e {
        Expr::Call { kwargs, .. } => {
            for (k, v) in kwargs {
                apply_config(c, k, v);
            }
        }
        Expr::Dict(pairs) => {
            for (k, v) in pairs {
                if let Expr::Str(k) = k {
                    apply_config(c, k, v);
                }
            }
        }
        _ => {}
    }
}

pub(super) fn apply_config(c: &mut Config, key: &str, v: &Expr) {
    let s = v.as_str().map(str::to_string);
    let b = match v {
        Expr::Bool(b) => Some(*b),
        _ => None,
    };
    match key {
        "env_prefix" => {
            if let Some(s) = s {
                c.env_prefix = s;
            }
        }
        "case_sensitive" => c.case_sensitive = b.unwrap_or(c.case_sensitive),
        "extra" => {
            let name = s.or_else(|| v.short_name().map(str::to_ascii_lowercase));
            c.extra = match name.as_deref() {
                Some("ignore") => Extra::Ignore,
                Some("allow") => Extra::Allow,
                Some("forbid") => Extra::Forbid,
                _ => c.extra,
            };
        }
        "env_nested_delimiter" => c.nested_delimiter = s.filter(|d| !d.is_empty()),
        "env_nested_max_split" => {
            if let Some(PyVal::Int(i)) = literal(v) {
                c.nested_max_split = usize::try_from(i).ok().filter(|n| *n > 0);
            }
        }
        "env_ignore_empty" => c.ignore_empty = b.unwrap_or(c.ignore_empty),
        "env_parse_none_str" => c.parse_none_str = s,
        "populate_by_name" | "validate_by_name" => {
            c.populate_by_name = b.unwrap_or(c.populate_by_name);
        }
        "validate_by_alias" => c.validate_by_alias = b.unwrap_or(true),
        "env_prefix_target" => {
            if let Some(s) = s {
                c.prefix_target = s;
            }
        }
        "nested_model_default_partial_update" => c.partial_update = b.unwrap_or(false),
        "env_parse_enums" => c.parse_enums = b.unwrap_or(false),
        "env_file" => {
            c.env_files = match literal(v) {
                Some(PyVal::Str(s)) => vec![s],
                Some(PyVal::List(items)) => items
                    .into_iter()
                    .filter_map(|i| match i {
                        PyVal::Str(s) => Some(s),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
        }
        _ => {}
    }
}
