//! The model of a settings class as velo reads it: field types as a string from the
//! environment meets them, constraints, defaults, aliases, and the config keys that change how
//! pydantic-settings reads the environment.

use regex::Regex;
use serde::Serialize;

/// A literal choice of `Literal[...]` or an enum value.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Int(i128),
    Bool(bool),
    Other,
}

/// Which URL type, for its scheme list, host rule and length limit.
#[derive(Debug, Clone, PartialEq)]
pub struct UrlKind {
    pub name: String,
    /// Allowed schemes; empty = any.
    pub schemes: Vec<&'static str>,
    pub host_required: bool,
    pub max_length: Option<usize>,
}

/// A field's type, as far as a string from the environment meets it.
#[derive(Debug, Clone, PartialEq)]
pub enum PyType {
    Any,
    Str,
    Bytes,
    Int,
    Float,
    Bool,
    /// `SecretStr` (false) or `SecretBytes` (true): sensitive, never printed.
    Secret(bool),
    Url(UrlKind),
    Email,
    Path,
    NoneType,
    Literal(Vec<Lit>),
    /// An enum class of the same file: its values, and whether it is an `IntEnum`.
    Enum(Vec<Lit>, bool),
    Union(Vec<PyType>),
    List(Box<PyType>),
    Dict(Box<PyType>, Box<PyType>),
    Tuple(Vec<PyType>),
    /// A `BaseModel` (or `BaseSettings` used as a model) of the same file: index in
    /// [`SettingsFile::models`].
    Model(usize),
    /// What velo cannot check, and why.
    Unknown(String),
}

impl PyType {
    /// pydantic-settings decodes these from JSON (`_annotation_is_complex`).
    pub fn is_complex(&self) -> bool {
        matches!(
            self,
            PyType::List(_) | PyType::Dict(..) | PyType::Tuple(_) | PyType::Model(_)
        )
    }

    /// A union with a complex member (decode failures are then tolerated).
    pub fn union_is_complex(&self) -> bool {
        matches!(self, PyType::Union(m) if m.iter().any(PyType::is_complex))
    }

    pub fn unknown(&self) -> Option<&str> {
        match self {
            PyType::Unknown(w) => Some(w),
            PyType::Union(m) | PyType::Tuple(m) => m.iter().find_map(PyType::unknown),
            PyType::List(t) => t.unknown(),
            PyType::Dict(k, v) => k.unknown().or_else(|| v.unknown()),
            _ => None,
        }
    }

    pub fn is_secret(&self) -> bool {
        match self {
            PyType::Secret(_) => true,
            PyType::Union(m) => m.iter().any(PyType::is_secret),
            _ => false,
        }
    }

    /// A short name for messages and for `--emit-schema`.
    pub fn describe(&self, models: &[Model]) -> String {
        match self {
            PyType::Any => "any".into(),
            PyType::Str => "str".into(),
            PyType::Bytes => "bytes".into(),
            PyType::Int => "int".into(),
            PyType::Float => "float".into(),
            PyType::Bool => "bool".into(),
            PyType::Secret(false) => "SecretStr".into(),
            PyType::Secret(true) => "SecretBytes".into(),
            PyType::Url(k) => k.name.clone(),
            PyType::Email => "EmailStr".into(),
            PyType::Path => "Path".into(),
            PyType::NoneType => "None".into(),
            PyType::Literal(v) | PyType::Enum(v, _) => {
                let items: Vec<String> = v
                    .iter()
                    .map(|l| match l {
                        Lit::Str(s) => format!("{s:?}"),
                        Lit::Int(i) => i.to_string(),
                        Lit::Bool(b) => if *b { "True" } else { "False" }.into(),
                        Lit::Other => "?".into(),
                    })
                    .collect();
                format!("one of {}", items.join(", "))
            }
            PyType::Union(m) => m
                .iter()
                .map(|t| t.describe(models))
                .collect::<Vec<_>>()
                .join(" | "),
            PyType::List(t) => format!("list[{}] (JSON)", t.describe(models)),
            PyType::Dict(k, v) => {
                format!(
                    "dict[{}, {}] (JSON)",
                    k.describe(models),
                    v.describe(models)
                )
            }
            PyType::Tuple(_) => "tuple (JSON)".into(),
            PyType::Model(i) => format!("{} (JSON)", models[*i].name),
            PyType::Unknown(w) => w.clone(),
        }
    }
}

/// `Field(...)` / `Annotated` / `con*()` constraints.
#[derive(Debug, Clone, Default)]
pub struct Constraints {
    pub ge: Option<f64>,
    pub gt: Option<f64>,
    pub le: Option<f64>,
    pub lt: Option<f64>,
    pub multiple_of: Option<f64>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<Regex>,
    pub allow_inf_nan: Option<bool>,
}

/// A Python value written in the code (a default, a JSON value from the environment).
#[derive(Debug, Clone, PartialEq)]
pub enum PyVal {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Bytes(String),
    List(Vec<PyVal>),
    Dict(Vec<(PyVal, PyVal)>),
}

/// A field's default.
#[derive(Debug, Clone, PartialEq)]
pub enum Default {
    Required,
    Value(PyVal),
    Factory,
    /// An expression velo cannot evaluate (it is validated by pydantic at start-up).
    Opaque,
}

/// One field of a class.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub line: usize,
    pub ty: PyType,
    pub cons: Constraints,
    pub default: Default,
    /// Validation aliases in order (a string alias or the `AliasChoices`); empty = none.
    pub aliases: Vec<String>,
    /// Why the field's values cannot be checked (an unknown type, a validator…).
    pub not_checked: Option<String>,
    /// A `mode='before'`/`plain`/`wrap` validator: the value reaches the type transformed.
    pub value_unchecked: bool,
    /// `StrictInt`, `Field(strict=True)`…: no value from the environment can pass.
    pub strict: bool,
}

/// How unread `.env` keys are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Extra {
    Forbid,
    Ignore,
    Allow,
}

/// The settings that change how the environment is read.
#[derive(Debug, Clone)]
pub struct Config {
    pub env_prefix: String,
    pub case_sensitive: bool,
    pub extra: Extra,
    pub nested_delimiter: Option<String>,
    pub nested_max_split: Option<usize>,
    pub ignore_empty: bool,
    pub parse_none_str: Option<String>,
    pub populate_by_name: bool,
    pub validate_by_alias: bool,
    pub prefix_target: String,
    pub partial_update: bool,
    pub parse_enums: bool,
    pub env_files: Vec<String>,
}

impl std::default::Default for Config {
    fn default() -> Self {
        Self {
            env_prefix: String::new(),
            case_sensitive: false,
            extra: Extra::Forbid,
            nested_delimiter: None,
            nested_max_split: None,
            ignore_empty: false,
            parse_none_str: None,
            populate_by_name: false,
            validate_by_alias: true,
            prefix_target: "variable".into(),
            partial_update: false,
            parse_enums: false,
            env_files: Vec::new(),
        }
    }
}

/// A class: a `BaseSettings` subclass or a model it uses.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub line: usize,
    pub fields: Vec<Field>,
    pub config: Config,
    /// Class-wide notes: model validators, custom sources.
    pub notes: Vec<(usize, String)>,
    pub is_settings: bool,
}
