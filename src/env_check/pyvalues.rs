//! pydantic's lax validation of one value against one type, re-implemented from its documented
//! rules (pydantic 2 / pydantic-core): strings from the environment, and Python values (JSON
//! decoded for complex fields, or defaults written in the class). Errors are short reasons that
//! never repeat the value.

// Python's and pydantic's rules read best as tables of arms and short index names; the
// negated comparisons are deliberate (NaN must fail every bound).
#![allow(
    clippy::match_same_arms,
    clippy::float_cmp,
    clippy::neg_cmp_op_on_partial_ord,
    clippy::items_after_statements
)]

use super::settings::{Constraints, Lit, Model, PyType, PyVal, UrlKind};

/// Why a value fails, in pydantic's terms.
pub type Verdict = Result<(), String>;

/// pydantic-core's string → int: JSON integers, else trimmed, one `+`, zero fraction, `_`
/// between digits.
pub fn int_from_str(s: &str) -> Option<f64> {
    let t = s.trim();
    let t = match t.strip_prefix('+') {
        Some(r) if r.starts_with(['-', '+']) => return None,
        Some(r) => r,
        None => t,
    };
    let (neg, body) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let body = match body.split_once('.') {
        Some((i, f)) => {
            if f.is_empty() || !f.bytes().all(|b| b == b'0') {
                return None;
            }
            i
        }
        None => body,
    };
    if body.is_empty() || body.starts_with('_') || body.ends_with('_') || body.contains("__") {
        return None;
    }
    let digits: String = body.chars().filter(|c| *c != '_').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: f64 = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// pydantic-core's string → float: Rust's `f64` grammar on the trimmed text, then `_` rules.
pub fn float_from_str(s: &str) -> Option<f64> {
    if let Ok(v) = s.trim().parse::<f64>() {
        return Some(v);
    }
    if s.starts_with('_') || s.ends_with('_') || s.contains("__") || !s.contains('_') {
        return None;
    }
    let cleaned: String = s.chars().filter(|c| *c != '_').collect();
    cleaned.parse::<f64>().ok()
}

/// pydantic's string → bool: twelve spellings, letters in any case, nothing trimmed.
pub fn bool_from_str(s: &str) -> Option<bool> {
    const T: &[&str] = &["1", "t", "y", "on", "yes", "true"];
    const F: &[&str] = &["0", "f", "n", "no", "off", "false"];
    if T.iter().any(|x| s.eq_ignore_ascii_case(x)) {
        Some(true)
    } else if F.iter().any(|x| s.eq_ignore_ascii_case(x)) {
        Some(false)
    } else {
        None
    }
}

fn number_constraints(v: f64, c: &Constraints) -> Verdict {
    if v.is_nan() && (c.ge.is_some() || c.gt.is_some() || c.le.is_some() || c.lt.is_some()) {
        return Err("is not a comparable number".into());
    }
    if let Some(x) = c.ge.filter(|x| !(v >= *x)) {
        return Err(format!("must be >= {x}"));
    }
    if let Some(x) = c.gt.filter(|x| !(v > *x)) {
        return Err(format!("must be > {x}"));
    }
    if let Some(x) = c.le.filter(|x| !(v <= *x)) {
        return Err(format!("must be <= {x}"));
    }
    if let Some(x) = c.lt.filter(|x| !(v < *x)) {
        return Err(format!("must be < {x}"));
    }
    if let Some(m) = c.multiple_of.filter(|m| *m != 0.0) {
        let q = v / m;
        if (q - q.round()).abs() > 1e-9 {
            return Err(format!("must be a multiple of {m}"));
        }
    }
    Ok(())
}

fn length_constraints(n: usize, c: &Constraints, unit: &str) -> Verdict {
    if let Some(min) = c.min_length.filter(|m| n < *m) {
        return Err(format!("is shorter than {min} {unit}"));
    }
    if let Some(max) = c.max_length.filter(|m| n > *m) {
        return Err(format!("is longer than {max} {unit}"));
    }
    Ok(())
}

fn str_constraints(s: &str, c: &Constraints) -> Verdict {
    length_constraints(s.chars().count(), c, "characters")?;
    if let Some(re) = &c.pattern {
        if !re.is_match(s) {
            return Err(format!("does not match the pattern {:?}", re.as_str()));
        }
    }
    Ok(())
}

/// A string from the environment against a scalar type (complex types are decoded by the
/// caller).
pub fn check_str(ty: &PyType, c: &Constraints, s: &str, models: &[Model]) -> Verdict {
    match ty {
        PyType::Any | PyType::Path => Ok(()),
        PyType::Str => str_constraints(s, c),
        PyType::Bytes => length_constraints(s.len(), c, "bytes"),
        PyType::Secret(bytes) => {
            let n = if *bytes { s.len() } else { s.chars().count() };
            length_constraints(n, c, if *bytes { "bytes" } else { "characters" })
        }
        PyType::Int => match int_from_str(s) {
            Some(v) => number_constraints(v, c),
            None => Err("is not an integer".into()),
        },
        PyType::Float => match float_from_str(s) {
            Some(v) if !v.is_finite() && c.allow_inf_nan == Some(false) => {
                Err("must be a finite number".into())
            }
            Some(v) => number_constraints(v, c),
            None => Err("is not a number".into()),
        },
        PyType::Bool => bool_from_str(s)
            .map(|_| ())
            .ok_or_else(|| "is not a boolean (true/false, 1/0, yes/no, on/off, t/f, y/n)".into()),
        PyType::Url(k) => check_url(k, s),
        PyType::Email => check_email(s),
        PyType::NoneType => Err("must be None".into()),
        PyType::Literal(choices) => {
            if choices.iter().any(|l| matches!(l, Lit::Str(x) if x == s)) {
                Ok(())
            } else {
                Err(format!(
                    "is not one of the allowed values (exact case): {}",
                    PyType::Literal(choices.clone()).describe(models)
                ))
            }
        }
        PyType::Enum(values, int_enum) => {
            let ok = values.iter().any(|l| match l {
                Lit::Str(x) => x == s,
                Lit::Int(i) => *int_enum && int_from_str(s) == Some(*i as f64),
                _ => false,
            });
            if ok {
                Ok(())
            } else {
                Err("is not one of the enum's values".into())
            }
        }
        PyType::Union(members) => {
            if members.iter().any(|m| check_str(m, c, s, models).is_ok()) {
                Ok(())
            } else {
                Err(format!("matches none of {}", ty.describe(models)))
            }
        }
        PyType::List(_) | PyType::Tuple(_) => Err("is not a list".into()),
        PyType::Dict(..) => Err("is not a dictionary".into()),
        PyType::Model(i) => Err(format!("is not an object for {}", models[*i].name)),
        PyType::Unknown(_) => Ok(()),
    }
}

/// A Python value (from JSON or a default) against a type, in lax mode.
pub fn check_val(ty: &PyType, c: &Constraints, v: &PyVal, models: &[Model]) -> Verdict {
    match (ty, v) {
        (PyType::Any | PyType::Unknown(_), _) => Ok(()),
        (PyType::Union(members), _) => {
            if members.iter().any(|m| check_val(m, c, v, models).is_ok()) {
                Ok(())
            } else {
                Err(format!("matches none of {}", ty.describe(models)))
            }
        }
        (PyType::NoneType, PyVal::None) => Ok(()),
        (_, PyVal::None) => Err("is None".into()),
        (PyType::Str, PyVal::Str(s)) => str_constraints(s, c),
        (PyType::Str, _) => Err("is not a string".into()),
        (PyType::Secret(_) | PyType::Bytes | PyType::Path, PyVal::Str(s) | PyVal::Bytes(s)) => {
            check_str(ty, c, s, models)
        }
        (PyType::Int, PyVal::Int(i)) => number_constraints(*i as f64, c),
        (PyType::Int, PyVal::Bool(b)) => number_constraints(f64::from(u8::from(*b)), c),
        (PyType::Int, PyVal::Float(f)) if f.fract() == 0.0 => number_constraints(*f, c),
        (PyType::Int, PyVal::Float(_)) => Err("is a float with a fractional part".into()),
        (PyType::Float, PyVal::Int(i)) => number_constraints(*i as f64, c),
        (PyType::Float, PyVal::Float(f)) => number_constraints(*f, c),
        (PyType::Float, PyVal::Bool(b)) => number_constraints(f64::from(u8::from(*b)), c),
        (PyType::Bool, PyVal::Bool(_)) => Ok(()),
        (PyType::Bool, PyVal::Int(0 | 1)) => Ok(()),
        (PyType::Bool, PyVal::Float(f)) if *f == 0.0 || *f == 1.0 => Ok(()),
        (PyType::Literal(choices), _) => {
            let ok = choices.iter().any(|l| match (l, v) {
                (Lit::Str(a), PyVal::Str(b)) => a == b,
                (Lit::Int(a), PyVal::Int(b)) => a == b,
                (Lit::Bool(a), PyVal::Bool(b)) => a == b,
                _ => false,
            });
            if ok {
                Ok(())
            } else {
                Err("is not one of the allowed values".into())
            }
        }
        (PyType::Enum(values, _), PyVal::Int(i)) => {
            if values.contains(&Lit::Int(*i)) {
                Ok(())
            } else {
                Err("is not one of the enum's values".into())
            }
        }
        (
            PyType::Int
            | PyType::Float
            | PyType::Bool
            | PyType::Url(_)
            | PyType::Email
            | PyType::Enum(..),
            PyVal::Str(s),
        ) => check_str(ty, c, s, models),
        (PyType::List(inner), PyVal::List(items)) => {
            length_constraints(items.len(), c, "items")?;
            for (k, item) in items.iter().enumerate() {
                check_val(inner, &Constraints::default(), item, models)
                    .map_err(|e| format!("item {k} {e}"))?;
            }
            Ok(())
        }
        (PyType::Tuple(members), PyVal::List(items)) => {
            if items.len() != members.len() {
                return Err(format!("needs {} items", members.len()));
            }
            for (k, (m, item)) in members.iter().zip(items).enumerate() {
                check_val(m, &Constraints::default(), item, models)
                    .map_err(|e| format!("item {k} {e}"))?;
            }
            Ok(())
        }
        (PyType::Dict(kt, vt), PyVal::Dict(pairs)) => {
            length_constraints(pairs.len(), c, "items")?;
            for (k, x) in pairs {
                check_val(kt, &Constraints::default(), k, models)
                    .map_err(|e| format!("a key {e}"))?;
                check_val(vt, &Constraints::default(), x, models)
                    .map_err(|e| format!("a value {e}"))?;
            }
            Ok(())
        }
        (PyType::Model(i), PyVal::Dict(pairs)) => check_model(&models[*i], pairs, models),
        (PyType::List(_) | PyType::Tuple(_), _) => Err("is not a list".into()),
        (PyType::Dict(..), _) => Err("is not a dictionary".into()),
        (PyType::Model(i), _) => Err(format!("is not an object for {}", models[*i].name)),
        _ => Err(format!("is not a valid {}", ty.describe(models))),
    }
}

/// A dict against a model's fields (names matched exactly, as pydantic does for a dict).
pub fn check_model(
    m: &super::settings::Model,
    pairs: &[(PyVal, PyVal)],
    models: &[Model],
) -> Verdict {
    for f in &m.fields {
        let names: Vec<&str> = if f.aliases.is_empty() || m.config.populate_by_name {
            std::iter::once(f.name.as_str())
                .chain(f.aliases.iter().map(String::as_str))
                .collect()
        } else {
            f.aliases.iter().map(String::as_str).collect()
        };
        let got = pairs.iter().find_map(|(k, v)| match k {
            PyVal::Str(k) if names.contains(&k.as_str()) => Some(v),
            _ => None,
        });
        match got {
            Some(v) if f.not_checked.is_none() => {
                check_val(&f.ty, &f.cons, v, models).map_err(|e| format!("{}: {e}", f.name))?;
            }
            Some(_) => {}
            None => match &f.default {
                super::settings::Default::Required => return Err(format!("{} is missing", f.name)),
                super::settings::Default::Value(d) if f.not_checked.is_none() && m.is_settings => {
                    check_val(&f.ty, &f.cons, d, models)
                        .map_err(|e| format!("{}'s default {e}", f.name))?;
                }
                _ => {}
            },
        }
    }
    if m.config.extra == super::settings::Extra::Forbid {
        for (k, _) in pairs {
            if let PyVal::Str(k) = k {
                if !m
                    .fields
                    .iter()
                    .any(|f| &f.name == k || f.aliases.contains(k))
                {
                    return Err(format!("{k} is not a field (extra='forbid')"));
                }
            }
        }
    }
    Ok(())
}

/// A URL as pydantic checks it: the WHATWG parser (the `url` crate, the one pydantic-core
/// uses), then the type's schemes, host rule and length.
pub fn check_url(k: &UrlKind, s: &str) -> Verdict {
    if let Some(max) = k.max_length {
        if s.chars().count() > max {
            return Err(format!("is longer than {max} characters"));
        }
    }
    if s.is_empty() {
        return Err("is not a URL: it is empty".into());
    }
    let first_host = multi_host_first(k, s);
    let u = url::Url::parse(first_host.as_deref().unwrap_or(s))
        .map_err(|e| format!("is not a URL: {e}"))?;
    if !k.schemes.is_empty() && !k.schemes.contains(&u.scheme()) {
        return Err(format!(
            "has scheme {:?}; {} accepts {}",
            u.scheme(),
            k.name,
            k.schemes.join(", ")
        ));
    }
    if k.host_required && u.host_str().is_none_or(str::is_empty) {
        return Err("is not a URL: it has no host".into());
    }
    Ok(())
}

/// Multi-host DSNs (`postgres://u@h1:5432,h2:5432/db`): the first host stands for the parse.
fn multi_host_first(k: &UrlKind, s: &str) -> Option<String> {
    if !matches!(k.name.as_str(), "PostgresDsn" | "MongoDsn" | "NatsDsn") {
        return None;
    }
    let (scheme, rest) = s.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let (user, hosts) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    if !hosts.contains(',') {
        return None;
    }
    let first = hosts.split(',').next().unwrap_or("");
    Some(format!(
        "{scheme}://{}{first}{}",
        user.map(|u| format!("{u}@")).unwrap_or_default(),
        &rest[end..]
    ))
}

/// email-validator's syntax rules (no DNS), as `EmailStr` uses them.
pub fn check_email(s: &str) -> Verdict {
    let bad = || Err("is not an email address".to_string());
    // "Name <addr>" is accepted; the name is dropped.
    let addr = match (s.find('<'), s.strip_suffix('>')) {
        (Some(i), Some(_)) => &s[i + 1..s.len() - 1],
        _ => s,
    };
    if addr.chars().count() > 2048 || addr.contains(['\r', '\n']) {
        return bad();
    }
    let Some((local, domain)) = addr.rsplit_once('@') else {
        return bad();
    };
    if local.is_empty() || local.len() > 64 {
        return bad();
    }
    let atext = |c: char| {
        c.is_alphanumeric()
            || "!#$%&'*+-/=?^_`{|}~".contains(c)
            || (!c.is_ascii() && !c.is_whitespace())
    };
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return bad();
    }
    if !local
        .split('.')
        .all(|p| !p.is_empty() && p.chars().all(atext))
    {
        return bad();
    }
    let d = domain.to_lowercase();
    if d.is_empty()
        || d.starts_with('.')
        || d.ends_with('.')
        || d.contains("..")
        || !d.contains('.')
    {
        return bad();
    }
    if d.starts_with('[') {
        return bad();
    }
    let labels: Vec<&str> = d.split('.').collect();
    for l in &labels {
        if l.is_empty()
            || l.len() > 63
            || l.starts_with('-')
            || l.ends_with('-')
            || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
        {
            return bad();
        }
    }
    let tld = labels.last().copied().unwrap_or("");
    if tld.chars().all(|c| c.is_ascii_digit()) {
        return bad();
    }
    const SPECIAL: &[&str] = &["arpa", "invalid", "local", "localhost", "onion", "test"];
    if SPECIAL.contains(&tld) {
        return bad();
    }
    Ok(())
}

/// Python's `json.loads` into a [`PyVal`] (serde_json, with `NaN`/`Infinity` accepted first).
pub fn json_loads(s: &str) -> Option<PyVal> {
    let v: serde_json::Value = if let Ok(v) = serde_json::from_str(s) {
        v
    } else {
        let t = s.trim();
        return match t {
            "NaN" => Some(PyVal::Float(f64::NAN)),
            "Infinity" => Some(PyVal::Float(f64::INFINITY)),
            "-Infinity" => Some(PyVal::Float(f64::NEG_INFINITY)),
            _ => None,
        };
    };
    Some(from_json(&v))
}

fn from_json(v: &serde_json::Value) -> PyVal {
    use serde_json::Value as J;
    match v {
        J::Null => PyVal::None,
        J::Bool(b) => PyVal::Bool(*b),
        J::Number(n) => n.as_i64().map_or_else(
            || PyVal::Float(n.as_f64().unwrap_or(f64::NAN)),
            |i| PyVal::Int(i128::from(i)),
        ),
        J::String(s) => PyVal::Str(s.clone()),
        J::Array(a) => PyVal::List(a.iter().map(from_json).collect()),
        J::Object(o) => PyVal::Dict(
            o.iter()
                .map(|(k, x)| (PyVal::Str(k.clone()), from_json(x)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_as_pydantic_reads_them() {
        for ok in [
            "5", "5.0", "1_000", "+5", " 5 ", "007", "-0", "1.000", "1_000.00",
        ] {
            assert!(int_from_str(ok).is_some(), "{ok}");
        }
        for bad in [
            "5.", "5.5", "1e3", "0x10", "1,000", "_1", "10_", "1__0", "+-5", "", "true",
        ] {
            assert!(int_from_str(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn floats_and_bools() {
        for ok in [
            "inf", "-inf", "NaN", "Infinity", "1e3", ".5", "5.", "1_000.5", " 2.5 ",
        ] {
            assert!(float_from_str(ok).is_some(), "{ok}");
        }
        for bad in ["1,5", "5%", "", " 1_000.5 "] {
            assert!(float_from_str(bad).is_none(), "{bad}");
        }
        for ok in ["TRUE", "t", "Y", "on", "0", "off", "No"] {
            assert!(bool_from_str(ok).is_some(), "{ok}");
        }
        for bad in ["2", "1.0", "enable", "", " true"] {
            assert!(bool_from_str(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn emails_and_urls() {
        for ok in ["a@b.co", "Name <a@b.co>", "a@b.c", "x@example.com"] {
            assert!(check_email(ok).is_ok(), "{ok}");
        }
        for bad in [
            "a@b",
            "a@localhost",
            "a@x.invalid",
            "a@[1.2.3.4]",
            "ab.co",
            "",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        let pg = UrlKind {
            name: "PostgresDsn".into(),
            schemes: vec!["postgresql"],
            host_required: true,
            max_length: None,
        };
        assert!(check_url(&pg, "postgresql://h/db").is_ok());
        assert!(check_url(&pg, "postgresql://").is_err());
        assert!(check_url(&pg, "localhost:5432/db").is_err());
        assert!(check_url(&pg, "postgresql://u:p@h1:1,h2:2/db").is_ok());
    }
}
