//! Checks what a `.env` (and the process environment) gives a pydantic-settings class, the way
//! pydantic-settings 2 reads it: names (prefix, case, aliases, `AliasChoices`), the process
//! environment over the files, empty values, `env_parse_none_str`, JSON for complex fields,
//! nested models through `env_nested_delimiter`, validated defaults, and `extra='forbid'`
//! rejecting `.env` keys that no field reads. Every failing variable is reported at once (where
//! pydantic stops at the first undecodable JSON value).

// Python's and pydantic's rules read best as tables of arms and short index names; the
// negated comparisons are deliberate (NaN must fail every bound).
#![allow(clippy::many_single_char_names, clippy::type_complexity)]

use serde::Serialize;

use super::pyvalues::{check_str, check_val, json_loads};
use super::schema::{Origin as DeclOrigin, Schema, SchemaKind, VarSpec, VarType};
use super::settings::{Default, Extra, Field, Model, PyType, PyVal, SettingsFile};

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    /// (file index, key offset).
    File(usize, usize),
    Process,
}

/// One `.env` key as python-dotenv read it, with where it is.
#[derive(Debug, Clone)]
pub struct Supplied<'a> {
    pub written: &'a str,
    pub value: &'a str,
    pub from: From,
}

/// Why a variable fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// No value and no default.
    Missing,
    /// The value (or the class's own default) fails the type or a constraint.
    Invalid,
    /// A `.env` key no field reads, rejected by `extra='forbid'`.
    Extra,
    /// A complex field's value is not JSON (pydantic-settings raises a SettingsError).
    NotJson,
}

/// One failing variable.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The variable as the user writes it.
    pub var: String,
    pub field: String,
    pub kind: Kind,
    /// Where the failing value is; `None` for a missing variable or a failing default.
    pub from: Option<From>,
    /// The field's declaration line in the settings file.
    pub decl_line: usize,
    pub why: String,
    /// The value is secret (a `SecretStr`/`SecretBytes` field).
    pub secret: bool,
}

/// What velo could not check, once per field or class.
#[derive(Debug, Clone)]
pub struct NotChecked {
    pub var: Option<String>,
    pub line: usize,
    pub why: String,
}

/// The verdict for one class.
#[derive(Debug, Clone)]
pub struct ClassVerdict {
    pub class: String,
    pub problems: Vec<Problem>,
    pub not_checked: Vec<NotChecked>,
}

struct View<'a> {
    cs: bool,
    /// Normalised key → the last supplied value (files in order; bare keys and, with
    /// `env_ignore_empty`, empty values dropped).
    dot: Vec<(String, Supplied<'a>)>,
    env: Vec<(String, Supplied<'a>)>,
}

impl<'a> View<'a> {
    fn norm(&self, k: &str) -> String {
        if self.cs {
            k.to_string()
        } else {
            k.to_lowercase()
        }
    }

    fn get_dot(&self, n: &str) -> Option<&Supplied<'a>> {
        self.dot.iter().find(|(k, _)| k == n).map(|(_, s)| s)
    }

    fn get_env(&self, n: &str) -> Option<&Supplied<'a>> {
        self.env.iter().find(|(k, _)| k == n).map(|(_, s)| s)
    }

    fn shown(&self, n: &str) -> String {
        if self.cs {
            n.to_string()
        } else {
            n.to_uppercase()
        }
    }
}

/// The normalised names a field is read from, in pydantic-settings' order.
pub fn env_names(m: &Model, f: &Field) -> Vec<String> {
    let c = &m.config;
    let norm = |s: String| {
        if c.case_sensitive {
            s
        } else {
            s.to_lowercase()
        }
    };
    let mut out = Vec::new();
    let use_alias = c.validate_by_alias && !f.aliases.is_empty();
    if use_alias {
        let prefix = if matches!(c.prefix_target.as_str(), "alias" | "all") {
            c.env_prefix.as_str()
        } else {
            ""
        };
        for a in &f.aliases {
            out.push(norm(format!("{prefix}{a}")));
        }
    }
    if !use_alias || c.populate_by_name {
        let prefix = if matches!(c.prefix_target.as_str(), "variable" | "all") {
            c.env_prefix.as_str()
        } else {
            ""
        };
        out.push(norm(format!("{prefix}{}", f.name)));
    }
    out
}

/// Checks one settings class (`models[class]`) against what the files and the environment give.
pub fn check_class<'a>(
    file: &SettingsFile,
    class: usize,
    dotenv: &[Supplied<'a>],
    process: &[Supplied<'a>],
) -> ClassVerdict {
    let m = &file.models[class];
    let models = &file.models;
    let c = &m.config;
    let mut view = View {
        cs: c.case_sensitive,
        dot: Vec::new(),
        env: Vec::new(),
    };
    for (target, input) in [(0, dotenv), (1, process)] {
        for s in input {
            let n = view.norm(s.written);
            let list = if target == 0 {
                &mut view.dot
            } else {
                &mut view.env
            };
            list.retain(|(k, _)| *k != n);
            list.push((n, s.clone()));
        }
    }
    // `env_ignore_empty` drops a key whose last value is empty (an earlier value does not
    // come back).
    // Empty values dropped by `env_ignore_empty` still name the line of a missing variable.
    let emptied: Vec<(String, Supplied<'a>)> = if c.ignore_empty {
        view.dot
            .iter()
            .filter(|(_, s)| s.value.is_empty())
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    if c.ignore_empty {
        view.dot.retain(|(_, s)| !s.value.is_empty());
        view.env.retain(|(_, s)| !s.value.is_empty());
    }
    let mut out = ClassVerdict {
        class: m.name.clone(),
        problems: Vec::new(),
        not_checked: Vec::new(),
    };
    for (line, why) in &m.notes {
        out.not_checked.push(NotChecked {
            var: None,
            line: *line,
            why: why.clone(),
        });
    }
    let delim = c.nested_delimiter.as_deref();
    for f in &m.fields {
        let names = env_names(m, f);
        let secret = f.ty.is_secret();
        let shown_first = view.shown(&names[0]);
        if let Some(why) = &f.not_checked {
            out.not_checked.push(NotChecked {
                var: Some(shown_first.clone()),
                line: f.line,
                why: why.clone(),
            });
            continue;
        }
        let problem = |var: String, kind: Kind, from: Option<From>, why: String| Problem {
            var,
            field: f.name.clone(),
            kind,
            from,
            decl_line: f.line,
            why,
            secret,
        };
        // The supplied value: the first name present in the environment and the first in the
        // files; of the two, the one whose name comes first in the field's order.
        let env_pick = names.iter().position(|n| view.get_env(n).is_some());
        let dot_pick = names.iter().position(|n| view.get_dot(n).is_some());
        let picked = match (env_pick, dot_pick) {
            (Some(e), Some(d)) if d < e => view.get_dot(&names[d]),
            (Some(e), _) => view.get_env(&names[e]),
            (None, Some(d)) => view.get_dot(&names[d]),
            (None, None) => None,
        };
        let model_ix = match &f.ty {
            PyType::Model(i) => Some(*i),
            PyType::Union(ms) => ms.iter().find_map(|t| match t {
                PyType::Model(i) => Some(*i),
                _ => None,
            }),
            _ => None,
        };
        let complex = f.ty.is_complex();
        let union_complex = f.ty.union_is_complex();
        // Nested keys `<name><delim>...` for a model (or any complex field).
        let exploded: Vec<(&str, &Supplied<'_>)> = match delim {
            Some(d) if complex || union_complex => {
                let mut v = Vec::new();
                for n in &names {
                    let p = format!("{n}{d}");
                    for (k, s) in view.dot.iter().chain(view.env.iter()) {
                        if let Some(rest) = k.strip_prefix(&p) {
                            v.retain(|(r, _): &(&str, &Supplied<'_>)| *r != rest);
                            v.push((rest, s));
                        }
                    }
                    if !v.is_empty() {
                        break;
                    }
                }
                v
            }
            _ => Vec::new(),
        };
        let mut value: Option<(PyVal, Option<&Supplied<'_>>)> = None;
        let mut decoded_json = false;
        if let Some(s) = picked {
            if c.parse_none_str.as_deref() == Some(s.value) {
                // `env_parse_none_str` gives None to validation, complex fields included.
                value = Some((PyVal::None, Some(s)));
            } else if complex || union_complex {
                match json_loads(s.value) {
                    Some(PyVal::None) => {}
                    Some(v) => {
                        value = Some((v, Some(s)));
                        decoded_json = true;
                    }
                    None if union_complex => {
                        value = Some((PyVal::Str(s.value.to_string()), Some(s)));
                    }
                    None => {
                        out.problems.push(problem(
                            s.written.to_string(),
                            Kind::NotJson,
                            Some(s.from),
                            format!(
                                "is not JSON, and {} is read as JSON ({})",
                                f.name,
                                f.ty.describe(models)
                            ),
                        ));
                        continue;
                    }
                }
            } else {
                value = Some((PyVal::Str(s.value.to_string()), Some(s)));
            }
        }
        // A model with nested keys: check each sub-field against its key.
        if let (Some(mi), false) = (model_ix, exploded.is_empty()) {
            let base = names[0].clone();
            let json = match &value {
                Some((PyVal::Dict(p), s)) => Some((p.clone(), *s)),
                _ => None,
            };
            check_nested(
                &view,
                models,
                mi,
                &base,
                delim.unwrap_or("__"),
                &exploded,
                json.as_ref(),
                &mut |var, from, why| {
                    out.problems.push(problem(
                        var,
                        if why.ends_with("is missing") {
                            Kind::Missing
                        } else {
                            Kind::Invalid
                        },
                        from,
                        why,
                    ));
                },
            );
            continue;
        }
        match value {
            Some((v, s)) => {
                let (var, from) = s.map_or((shown_first.clone(), None), |s| {
                    (s.written.to_string(), Some(s.from))
                });
                let verdict = if f.strict && !decoded_json {
                    Err(format!(
                        "{} is strict: no text from the environment passes",
                        f.name
                    ))
                } else {
                    match &v {
                        PyVal::Str(text) if !decoded_json => {
                            check_str(&f.ty, &f.cons, text, models)
                        }
                        other => check_val(&f.ty, &f.cons, other, models),
                    }
                };
                if let Err(why) = verdict {
                    out.problems.push(problem(var, Kind::Invalid, from, why));
                }
            }
            None => match &f.default {
                Default::Required => {
                    let empty = names
                        .iter()
                        .find_map(|n| emptied.iter().find(|(k, _)| k == n).map(|(_, s)| s));
                    out.problems.push(match empty {
                        Some(s) => problem(
                            s.written.to_string(),
                            Kind::Missing,
                            Some(s.from),
                            "is empty, and env_ignore_empty=True makes an empty value unset: it is required".into(),
                        ),
                        None => problem(
                            shown_first.clone(),
                            Kind::Missing,
                            None,
                            "is required and not set".into(),
                        ),
                    });
                }
                Default::Value(d) => {
                    if let Err(why) = check_val(&f.ty, &f.cons, d, models) {
                        out.problems.push(problem(
                            shown_first.clone(),
                            Kind::Invalid,
                            None,
                            format!(
                                "is not set, and the class's default fails ({why}): pydantic-settings validates defaults"
                            ),
                        ));
                    }
                }
                Default::Opaque => out.not_checked.push(NotChecked {
                    var: Some(shown_first.clone()),
                    line: f.line,
                    why: "not set, and its default is an expression velo does not evaluate".into(),
                }),
                Default::Factory => {}
            },
        }
    }
    if c.extra == Extra::Forbid {
        extras(m, &view, &mut out);
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn check_nested(
    view: &View<'_>,
    models: &[Model],
    mi: usize,
    base: &str,
    delim: &str,
    exploded: &[(&str, &Supplied<'_>)],
    json: Option<&(Vec<(PyVal, PyVal)>, Option<&Supplied<'_>>)>,
    report: &mut dyn FnMut(String, Option<From>, String),
) {
    let m = &models[mi];
    for f in &m.fields {
        if f.not_checked.is_some() {
            continue;
        }
        let fname = view.norm(&f.name);
        let var_name = format!("{base}{delim}{fname}");
        let direct = exploded.iter().find(|(k, _)| *k == fname).map(|(_, s)| *s);
        let deeper: Vec<(&str, &Supplied<'_>)> = exploded
            .iter()
            .filter_map(|(k, s)| {
                k.strip_prefix(&format!("{fname}{delim}"))
                    .map(|rest| (rest, *s))
            })
            .collect();
        let from_json = json.and_then(|(pairs, s)| {
            pairs.iter().find_map(|(k, v)| match k {
                PyVal::Str(k) if *k == f.name => Some((v.clone(), *s)),
                _ => None,
            })
        });
        if let (PyType::Model(sub), false) = (&f.ty, deeper.is_empty()) {
            check_nested(view, models, *sub, &var_name, delim, &deeper, None, report);
            continue;
        }
        if let Some(s) = direct {
            let verdict = if f.ty.is_complex() {
                match json_loads(s.value) {
                    Some(v) => check_val(&f.ty, &f.cons, &v, models),
                    None => Err("is not JSON".into()),
                }
            } else {
                check_str(&f.ty, &f.cons, s.value, models)
            };
            if let Err(why) = verdict {
                report(s.written.to_string(), Some(s.from), why);
            }
        } else if let Some((v, s)) = from_json {
            if let Err(why) = check_val(&f.ty, &f.cons, &v, models) {
                let var = s.map_or_else(|| view.shown(base), |s| s.written.to_string());
                report(var, s.map(|s| s.from), format!("{}: {why}", f.name));
            }
        } else {
            match &f.default {
                Default::Required => report(view.shown(&var_name), None, "is missing".into()),
                // A BaseModel does not validate its defaults (a nested BaseSettings does).
                Default::Value(d) if m.is_settings => {
                    if let Err(why) = check_val(&f.ty, &f.cons, d, models) {
                        report(view.shown(&var_name), None, format!("default {why}"));
                    }
                }
                _ => {}
            }
        }
    }
}

/// `extra='forbid'`: a non-empty `.env` key that no field could read.
fn extras(m: &Model, view: &View<'_>, out: &mut ClassVerdict) {
    let delim = m.config.nested_delimiter.as_deref();
    let all: Vec<(Vec<String>, bool)> = m
        .fields
        .iter()
        .map(|f| {
            (
                env_names(m, f),
                f.ty.is_complex() || f.ty.union_is_complex(),
            )
        })
        .collect();
    for (k, s) in &view.dot {
        if s.value.is_empty() {
            continue;
        }
        if !m.config.env_prefix.is_empty() && m.fields.iter().any(|f| &f.name == k) {
            continue;
        }
        let used = all.iter().any(|(names, complex)| {
            names.iter().any(|n| {
                n == k || (*complex && delim.is_some_and(|d| k.starts_with(&format!("{n}{d}"))))
            })
        });
        if !used {
            out.problems.push(Problem {
                var: s.written.to_string(),
                field: String::new(),
                kind: Kind::Extra,
                from: Some(s.from),
                decl_line: m.line,
                why: format!(
                    "is not a field of {} and the class forbids extra keys (extra='forbid', the BaseSettings default)",
                    m.name
                ),
                secret: false,
            });
        }
    }
}

impl SettingsFile {
    /// The variables the selected classes read, as an env-spec schema (for `--emit-schema`,
    /// the secret policy and `--scan-code`'s undeclared/unused).
    pub fn to_schema(&self) -> Schema {
        let mut vars: Vec<VarSpec> = Vec::new();
        for &ci in &self.selected {
            let m = &self.models[ci];
            for f in &m.fields {
                let names = env_names(m, f);
                let key = shown_name(m, &names[0]);
                let required = f.default == Default::Required;
                let ty = match &f.ty {
                    PyType::Int => VarType::Integer,
                    PyType::Float => VarType::Number,
                    PyType::Bool => VarType::Boolean,
                    PyType::Url(_) => VarType::Url,
                    PyType::Email => VarType::Email,
                    PyType::Literal(items)
                        if items
                            .iter()
                            .all(|l| matches!(l, super::settings::Lit::Str(_))) =>
                    {
                        VarType::Enum(
                            items
                                .iter()
                                .filter_map(|l| match l {
                                    super::settings::Lit::Str(s) => Some(s.clone()),
                                    _ => None,
                                })
                                .collect(),
                        )
                    }
                    _ => VarType::String,
                };
                let sensitive = f.ty.is_secret() || super::secrets::secret_name(&key);
                let default = match &f.default {
                    Default::Value(PyVal::Str(s)) if !sensitive => Some(s.clone()),
                    Default::Value(PyVal::Int(i)) => Some(i.to_string()),
                    Default::Value(PyVal::Float(x)) => Some(x.to_string()),
                    Default::Value(PyVal::Bool(b)) => Some(b.to_string()),
                    _ => None,
                };
                if vars.iter().any(|v| v.key == key) {
                    continue;
                }
                vars.push(VarSpec {
                    key,
                    required,
                    sensitive,
                    ty,
                    default,
                    origin: DeclOrigin {
                        file: self.source.clone(),
                        line: Some(f.line),
                        col: None,
                    },
                });
            }
        }
        Schema {
            source: self.source.clone(),
            kind: SchemaKind::Decorated,
            vars,
        }
    }
}

/// The name to show for a field's variable: its first env name, upper-cased for a
/// case-insensitive class.
fn shown_name(m: &Model, normalised: &str) -> String {
    if m.config.case_sensitive {
        normalised.to_string()
    } else {
        normalised.to_uppercase()
    }
}
