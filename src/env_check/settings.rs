//! pydantic-settings classes as the schema, read statically: the `BaseSettings` subclasses of a
//! Python file (and the models and enums they use from the same file), their fields, types,
//! defaults, aliases and `model_config`, as pydantic-settings 2 reads them. Nothing is imported
//! or run; what cannot be read from the text is kept as a "not checked" note with its line.

// Python's and pydantic's rules read best as tables of arms and short index names; the
// negated comparisons are deliberate (NaN must fail every bound).
#![allow(
    clippy::many_single_char_names,
    clippy::match_same_arms,
    clippy::unused_self
)]

use super::pyread::{lines, Expr, Line, Parser, Tok};
use super::settings_meta::{
    apply_config, apply_config_expr, field_meta, is_classvar, literal, simple_type, union,
};
pub use super::settings_model::{
    Config, Constraints, Default, Extra, Field, Lit, Model, PyType, PyVal, UrlKind,
};

/// Every class read from one Python file.
#[derive(Debug, Clone)]
pub struct SettingsFile {
    pub source: String,
    pub models: Vec<Model>,
    /// The settings classes to check (indices into `models`).
    pub selected: Vec<usize>,
}

/// A settings file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{file}: no BaseSettings subclass found (velo reads classes that derive from pydantic_settings.BaseSettings in that file)")]
    NoClass { file: String },
    #[error("{file}: no BaseSettings subclass named {class}{}", if found.is_empty() { String::new() } else { format!("; the file has {}", found.join(", ")) })]
    NoSuchClass {
        file: String,
        class: String,
        found: Vec<String>,
    },
}

const SETTINGS_BASES: &[&str] = &["BaseSettings"];
const MODEL_BASES: &[&str] = &["BaseModel", "RootModel"];
const ENUM_BASES: &[&str] = &["Enum", "IntEnum", "StrEnum", "Flag", "IntFlag"];

/// A raw class: header and body lines.
struct RawClass<'a> {
    name: String,
    line: usize,
    bases: Vec<Expr>,
    kwargs: Vec<(String, Expr)>,
    body: Vec<&'a Line>,
    /// Lines of the inline body after `class X(...):`, if any.
    inline: Option<Vec<Tok>>,
}

/// The Python files under `root` that define a `BaseSettings` subclass, shallowest first (for
/// a project without a schema file). Honours `.gitignore`; skips virtualenvs, tests and files
/// over 1 MiB; looks four folders deep at most.
pub fn discover(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found: Vec<(usize, std::path::PathBuf)> = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .max_depth(Some(4))
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            !matches!(
                name.as_ref(),
                "venv" | "site-packages" | "node_modules" | "tests" | "test" | "__pycache__"
            )
        })
        .build();
    for entry in walker.flatten() {
        let path = entry.path();
        let is_py = path.extension().is_some_and(|e| e == "py");
        if !is_py || !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        if entry.metadata().map_or(true, |m| m.len() > 1 << 20) {
            continue;
        }
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        if text.contains("BaseSettings") && read("", &text, None).is_ok() {
            found.push((entry.depth(), path.to_path_buf()));
        }
    }
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

/// Reads `src` (the file shown as `source`); `class` picks one settings class.
pub fn read(source: &str, src: &str, class: Option<&str>) -> Result<SettingsFile, SettingsError> {
    let all = lines(src);
    let raws = raw_classes(&all);
    // Which classes are settings, models, enums (bases resolved within the file, in order).
    let mut kind: Vec<(String, &'static str)> = Vec::new();
    for r in &raws {
        let mut k = "";
        for b in &r.bases {
            let base = match b {
                Expr::Subscript { value, .. } => value.short_name(),
                e => e.short_name(),
            };
            let Some(base) = base else { continue };
            if SETTINGS_BASES.contains(&base) {
                k = "settings";
            } else if MODEL_BASES.contains(&base) && k.is_empty() {
                k = "model";
            } else if ENUM_BASES.contains(&base) && k.is_empty() {
                k = "enum";
            } else if let Some((_, kk)) = kind.iter().rev().find(|(n, _)| n == base) {
                if k.is_empty() || *kk == "settings" {
                    k = kk;
                }
            }
        }
        kind.push((r.name.clone(), k));
    }
    let mut ctx = Ctx {
        raws: &raws,
        kinds: &kind,
        models: Vec::new(),
        building: Vec::new(),
    };
    let mut selected = Vec::new();
    for (i, r) in raws.iter().enumerate() {
        if kind[i].1 == "settings" {
            let idx = ctx.model(i);
            if class.is_none_or(|c| c == r.name) {
                selected.push(idx);
            }
        }
    }
    if selected.is_empty() {
        let found: Vec<String> = raws
            .iter()
            .zip(&kind)
            .filter(|(_, k)| k.1 == "settings")
            .map(|(r, _)| r.name.clone())
            .collect();
        return Err(match class {
            Some(c) => SettingsError::NoSuchClass {
                file: source.to_string(),
                class: c.to_string(),
                found,
            },
            None => SettingsError::NoClass {
                file: source.to_string(),
            },
        });
    }
    // A settings class used as another one's base is checked through the subclass only when
    // both are in the file and no class was named: keep the leaves.
    if class.is_none() {
        let models = &ctx.models;
        let leaves: Vec<usize> = selected
            .iter()
            .copied()
            .filter(|&i| {
                !raws.iter().any(|r| {
                    r.bases
                        .iter()
                        .any(|b| b.short_name() == Some(models[i].name.as_str()))
                })
            })
            .collect();
        if !leaves.is_empty() {
            selected = leaves;
        }
    }
    Ok(SettingsFile {
        source: source.to_string(),
        models: ctx.models,
        selected,
    })
}

fn raw_classes(all: &[Line]) -> Vec<RawClass<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let l = &all[i];
        i += 1;
        if l.indent != 0 || l.toks.first() != Some(&Tok::Name("class".into())) {
            continue;
        }
        let Some(Tok::Name(name)) = l.toks.get(1) else {
            continue;
        };
        let mut p = Parser::new(&l.toks[2..]);
        let mut bases = Vec::new();
        let mut kwargs = Vec::new();
        if p.at_op("(") {
            p.pos += 1;
            loop {
                if p.at_op(")") {
                    p.pos += 1;
                    break;
                }
                if p.done() {
                    break;
                }
                let kw = match (p.peek(), p.toks.get(p.pos + 1)) {
                    (Some(Tok::Name(n)), Some(Tok::Op(o))) if o == "=" => Some(n.clone()),
                    _ => None,
                };
                if let Some(k) = kw {
                    p.pos += 2;
                    kwargs.push((k, p.expr_until(&[",", ")"])));
                } else {
                    bases.push(p.expr_until(&[",", ")"]));
                }
                if p.at_op(",") {
                    p.pos += 1;
                }
            }
        }
        let inline = if p.at_op(":") && p.pos + 1 < p.toks.len() {
            Some(p.toks[p.pos + 1..].to_vec())
        } else {
            None
        };
        let mut body = Vec::new();
        while i < all.len() && all[i].indent > 0 {
            body.push(&all[i]);
            i += 1;
        }
        out.push(RawClass {
            name: name.clone(),
            line: l.line,
            bases,
            kwargs,
            body,
            inline,
        });
    }
    out
}

struct Ctx<'a, 'b> {
    raws: &'b [RawClass<'a>],
    kinds: &'b [(String, &'static str)],
    models: Vec<Model>,
    building: Vec<String>,
}

impl Ctx<'_, '_> {
    fn find(&self, name: &str) -> Option<usize> {
        self.raws.iter().rposition(|r| r.name == name)
    }

    /// Builds (once) the model of raw class `i`; returns its index in `models`.
    fn model(&mut self, i: usize) -> usize {
        let name = self.raws[i].name.clone();
        if let Some(idx) = self.models.iter().position(|m| m.name == name) {
            return idx;
        }
        let is_settings = self.kinds[i].1 == "settings";
        let mut model = Model {
            name: name.clone(),
            line: self.raws[i].line,
            fields: Vec::new(),
            config: Config {
                extra: if is_settings {
                    Extra::Forbid
                } else {
                    Extra::Ignore
                },
                ..Config::default()
            },
            notes: Vec::new(),
            is_settings,
        };
        self.building.push(name.clone());
        // Inherit fields and config from bases in the file (first base's last).
        let bases: Vec<String> = self.raws[i]
            .bases
            .iter()
            .filter_map(|b| b.short_name().map(str::to_string))
            .collect();
        for b in bases.iter().rev() {
            if let Some(bi) = self.find(b) {
                if self.kinds[bi].1 == "enum" || self.building.contains(b) {
                    continue;
                }
                let bm = self.model(bi);
                let base = self.models[bm].clone();
                for f in base.fields {
                    model.fields.retain(|x| x.name != f.name);
                    model.fields.push(f);
                }
                model.config = base.config;
                model.notes.extend(base.notes);
            } else if !SETTINGS_BASES.contains(&b.as_str())
                && !MODEL_BASES.contains(&b.as_str())
                && !matches!(b.as_str(), "Generic" | "ABC" | "object")
            {
                model.notes.push((
                    self.raws[i].line,
                    format!(
                        "base class {b} is not in this file: its fields and config are not read"
                    ),
                ));
            }
        }
        let kwargs = self.raws[i].kwargs.clone();
        for (k, v) in &kwargs {
            apply_config(&mut model.config, k, v);
        }
        let mut body: Vec<(usize, Vec<Tok>, usize)> = self.raws[i]
            .body
            .iter()
            .map(|l| (l.line, l.toks.clone(), l.indent))
            .collect();
        if let Some(t) = &self.raws[i].inline {
            body.insert(0, (self.raws[i].line, t.clone(), 1));
        }
        let base_indent = body.first().map_or(0, |b| b.2);
        let mut decorators: Vec<(usize, Expr)> = Vec::new();
        let mut k = 0;
        while k < body.len() {
            let (line, toks, indent) = &body[k];
            k += 1;
            if *indent != base_indent {
                continue;
            }
            let first = toks.first();
            if first == Some(&Tok::Op("@".into())) {
                let mut p = Parser::new(&toks[1..]);
                decorators.push((*line, p.expr_until(&[])));
                continue;
            }
            if matches!(first, Some(Tok::Name(n)) if n == "def" || n == "async") {
                let fname = toks
                    .iter()
                    .skip(1)
                    .find_map(|t| match t {
                        Tok::Name(n) if n != "def" => Some(n.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                self.method(&mut model, *line, &fname, &decorators);
                decorators.clear();
                continue;
            }
            decorators.clear();
            if first == Some(&Tok::Name("class".into()))
                && toks.get(1) == Some(&Tok::Name("Config".into()))
            {
                // v1-style inner Config: its assignments are the config.
                while k < body.len() && body[k].2 > base_indent {
                    let t = &body[k].1;
                    if let (Some(Tok::Name(key)), Some(Tok::Op(eq))) = (t.first(), t.get(1)) {
                        if eq == "=" {
                            let mut p = Parser::new(&t[2..]);
                            apply_config(&mut model.config, key, &p.expr_until(&[]));
                        }
                    }
                    k += 1;
                }
                continue;
            }
            let Some(Tok::Name(fname)) = first else {
                continue;
            };
            match toks.get(1) {
                Some(Tok::Op(o)) if o == ":" => {
                    let mut p = Parser::new(&toks[2..]);
                    let ann = p.expr_until(&["="]);
                    let value = if p.at_op("=") {
                        p.pos += 1;
                        Some(p.expr_until(&[]))
                    } else {
                        None
                    };
                    if fname == "model_config" {
                        if let Some(v) = &value {
                            apply_config_expr(&mut model.config, v);
                        }
                        continue;
                    }
                    if fname.starts_with('_') || is_classvar(&ann) {
                        continue;
                    }
                    let f = self.field(fname, *line, &ann, value.as_ref());
                    model.fields.retain(|x| x.name != f.name);
                    model.fields.push(f);
                }
                Some(Tok::Op(o)) if o == "=" && fname == "model_config" => {
                    let mut p = Parser::new(&toks[2..]);
                    apply_config_expr(&mut model.config, &p.expr_until(&[]));
                }
                _ => {}
            }
        }
        self.building.pop();
        self.models.push(model);
        self.models.len() - 1
    }

    /// A method: validators and custom sources make notes.
    fn method(&mut self, model: &mut Model, line: usize, name: &str, decorators: &[(usize, Expr)]) {
        if name == "settings_customise_sources" {
            model.notes.push((
                line,
                "settings_customise_sources changes where values come from: the verdict assumes the default sources".into(),
            ));
        }
        for (dline, d) in decorators {
            let (func, args, mode) = match d {
                Expr::Call { func, args, .. } => (
                    func.short_name().unwrap_or(""),
                    args.clone(),
                    d.kwarg("mode").and_then(Expr::as_str).map(str::to_string),
                ),
                e => (e.short_name().unwrap_or(""), Vec::new(), None),
            };
            match func {
                "field_validator" | "validator" => {
                    let before = matches!(mode.as_deref(), Some("before" | "plain" | "wrap"))
                        || d.kwarg("pre") == Some(&Expr::Bool(true));
                    let names: Vec<&str> = args.iter().filter_map(Expr::as_str).collect();
                    for f in model
                        .fields
                        .iter_mut()
                        .filter(|f| names.contains(&"*") || names.contains(&f.name.as_str()))
                    {
                        f.not_checked = Some(format!(
                            "custom validator {name} (line {dline}) is code velo does not run"
                        ));
                        f.value_unchecked |= before;
                    }
                }
                "model_validator" | "root_validator" => model.notes.push((
                    *dline,
                    format!("model validator {name} is code velo does not run"),
                )),
                _ => {}
            }
        }
    }

    fn field(&mut self, name: &str, line: usize, ann: &Expr, value: Option<&Expr>) -> Field {
        let mut f = Field {
            name: name.to_string(),
            line,
            ty: PyType::Any,
            cons: Constraints::default(),
            default: Default::Required,
            aliases: Vec::new(),
            not_checked: None,
            value_unchecked: false,
            strict: false,
        };
        let mut metas: Vec<Expr> = Vec::new();
        f.ty = self.ty(ann, &mut f.cons, &mut metas, &mut f.strict);
        match value {
            None => {}
            Some(call @ Expr::Call { func, args, .. }) if func.short_name() == Some("Field") => {
                metas.push(call.clone());
                match args.first().or_else(|| call.kwarg("default")) {
                    Some(Expr::Ellipsis) => {}
                    Some(d) => f.default = literal(d).map_or(Default::Opaque, Default::Value),
                    None if call.kwarg("default_factory").is_some() => f.default = Default::Factory,
                    None => {}
                }
            }
            Some(v) => f.default = literal(v).map_or(Default::Opaque, Default::Value),
        }
        for m in &metas {
            field_meta(&mut f, m);
        }
        if let Some(why) = f.ty.unknown() {
            f.not_checked = Some(why.to_string());
        }
        f
    }

    /// The type of an annotation; `Annotated` metadata goes to `metas`.
    fn ty(
        &mut self,
        e: &Expr,
        cons: &mut Constraints,
        metas: &mut Vec<Expr>,
        strict: &mut bool,
    ) -> PyType {
        let unknown = |what: String| PyType::Unknown(what);
        match e {
            Expr::Str(s) => {
                // A forward reference.
                let ls = lines(s);
                match ls.first() {
                    Some(l) => {
                        let mut p = Parser::new(&l.toks);
                        let inner = p.expr_until(&[]);
                        self.ty(&inner, cons, metas, strict)
                    }
                    None => unknown(format!("annotation {s:?}")),
                }
            }
            Expr::None => PyType::NoneType,
            Expr::Or(a, b) => union(vec![
                self.ty(a, cons, metas, strict),
                self.ty(b, cons, metas, strict),
            ]),
            Expr::Name(n) => {
                let short = n.rsplit('.').next().unwrap_or(n);
                if let Some(t) = simple_type(short, cons, strict) {
                    return t;
                }
                if let Some(ri) = self.find(short) {
                    match self.kinds[ri].1 {
                        "enum" => return self.enum_type(ri),
                        "model" | "settings" if !self.building.iter().any(|b| b == short) => {
                            return PyType::Model(self.model(ri));
                        }
                        _ => {}
                    }
                }
                unknown(format!("type {short} (not a type velo knows)"))
            }
            Expr::Subscript { value, items } => {
                let head = value.short_name().unwrap_or("");
                let inner = |k: usize, s: &mut Self| -> PyType {
                    items.get(k).map_or(PyType::Any, |x| {
                        s.ty(x, &mut Constraints::default(), &mut Vec::new(), &mut false)
                    })
                };
                match head {
                    "Optional" => union(vec![inner(0, self), PyType::NoneType]),
                    "Union" => union(
                        items
                            .iter()
                            .map(|x| self.ty(x, cons, metas, strict))
                            .collect(),
                    ),
                    "Annotated" => {
                        metas.extend(items.iter().skip(1).cloned());
                        match items.first() {
                            Some(x) => self.ty(x, cons, metas, strict),
                            None => PyType::Any,
                        }
                    }
                    "Literal" => PyType::Literal(
                        items
                            .iter()
                            .map(|x| match literal(x) {
                                Some(PyVal::Str(s)) => Lit::Str(s),
                                Some(PyVal::Int(i)) => Lit::Int(i),
                                Some(PyVal::Bool(b)) => Lit::Bool(b),
                                _ => Lit::Other,
                            })
                            .collect(),
                    ),
                    "list" | "List" | "Sequence" | "set" | "Set" | "frozenset" | "FrozenSet"
                    | "MutableSequence" | "AbstractSet" | "deque" => {
                        PyType::List(Box::new(inner(0, self)))
                    }
                    "tuple" | "Tuple" => {
                        if items.len() == 2 && items[1] == Expr::Ellipsis {
                            PyType::List(Box::new(inner(0, self)))
                        } else {
                            PyType::Tuple((0..items.len()).map(|k| inner(k, self)).collect())
                        }
                    }
                    "dict" | "Dict" | "Mapping" | "MutableMapping" => {
                        PyType::Dict(Box::new(inner(0, self)), Box::new(inner(1, self)))
                    }
                    "ClassVar" => PyType::Any,
                    _ => unknown(format!("type {head}[...]")),
                }
            }
            Expr::Call { func, .. } => {
                let head = func.short_name().unwrap_or("");
                let base = match head {
                    "constr" => PyType::Str,
                    "conint" => PyType::Int,
                    "confloat" => PyType::Float,
                    "conbytes" => PyType::Bytes,
                    "conlist" | "conset" => PyType::List(Box::new(PyType::Any)),
                    _ => return unknown(format!("type {head}(...)")),
                };
                metas.push(e.clone());
                if let Some(Expr::Name(n)) = e.kwarg("item_type") {
                    let _ = n;
                }
                base
            }
            _ => unknown("an annotation velo cannot read".into()),
        }
    }

    fn enum_type(&mut self, ri: usize) -> PyType {
        let r = &self.raws[ri];
        let int_enum = r
            .bases
            .iter()
            .any(|b| matches!(b.short_name(), Some("IntEnum" | "int" | "IntFlag")));
        let mut values = Vec::new();
        for l in &r.body {
            if let (Some(Tok::Name(_)), Some(Tok::Op(eq))) = (l.toks.first(), l.toks.get(1)) {
                if eq == "=" {
                    let mut p = Parser::new(&l.toks[2..]);
                    values.push(match literal(&p.expr_until(&[])) {
                        Some(PyVal::Str(s)) => Lit::Str(s),
                        Some(PyVal::Int(i)) => Lit::Int(i),
                        _ => Lit::Other,
                    });
                }
            }
        }
        if values.is_empty() || values.contains(&Lit::Other) {
            return PyType::Unknown(format!("enum {} (values velo cannot read)", r.name));
        }
        PyType::Enum(values, int_enum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"
from typing import Literal, Optional
from pydantic import Field, SecretStr, AliasChoices, BaseModel, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from myapp import Thing

class Db(BaseModel):
    host: str
    port: int = 5432

class Base(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOT_", extra="ignore")
    debug: bool = False

class Settings(Base):
    api_key: SecretStr
    port: int = Field(8080, ge=1, le=65535)
    exchange: Literal["binance", "bybit"] = "binance"
    key: Optional[str] = Field(None, validation_alias=AliasChoices("A", "B"))
    db: Db
    thing: Thing = None
    name: str = Field(default_factory=lambda: "x")

    @field_validator("exchange", mode="before")
    @classmethod
    def lower(cls, v):
        return v.lower()
"#;

    #[test]
    fn reads_fields_config_and_inheritance() {
        let f = read("settings.py", SRC, None).unwrap();
        assert_eq!(f.selected.len(), 1);
        let m = &f.models[f.selected[0]];
        assert_eq!(m.name, "Settings");
        assert_eq!(m.config.env_prefix, "BOT_");
        assert_eq!(m.config.extra, Extra::Ignore);
        let names: Vec<&str> = m.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["debug", "api_key", "port", "exchange", "key", "db", "thing", "name"]
        );
        let field = |n: &str| m.fields.iter().find(|f| f.name == n).unwrap();
        assert_eq!(field("api_key").ty, PyType::Secret(false));
        assert_eq!(field("api_key").default, Default::Required);
        assert_eq!(field("port").cons.ge, Some(1.0));
        assert_eq!(field("port").default, Default::Value(PyVal::Int(8080)));
        assert_eq!(field("key").aliases, ["A", "B"]);
        assert!(matches!(field("db").ty, PyType::Model(_)));
        assert!(field("thing").not_checked.is_some());
        assert_eq!(field("name").default, Default::Factory);
        assert!(field("exchange").value_unchecked);
    }

    #[test]
    fn class_config_and_keywords() {
        let src = "class S(BaseSettings, env_prefix='X_'):\n    a: int\n    class Config:\n        case_sensitive = True\n";
        let f = read("s.py", src, Some("S")).unwrap();
        let m = &f.models[f.selected[0]];
        assert_eq!(m.config.env_prefix, "X_");
        assert!(m.config.case_sensitive);
        assert!(read("s.py", src, Some("T")).is_err());
        assert!(read("s.py", "x = 1\n", None).is_err());
    }
}
