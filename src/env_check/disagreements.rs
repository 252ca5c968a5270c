//! `loader-disagreement`: where python-dotenv and dotenvy read the same file differently (a
//! line one of them cannot parse, or the same key with another value).

use super::checks::finding;
use super::loaders::{DotenvyError, DotenvyItem, PyRead};
use super::parse::{BindingKind, EnvFile};
use super::{secrets, Code, Finding, Severity};
use super::{FastMap, FastSet};

/// Where python-dotenv and dotenvy (`dotenvy::dotenv()`) read a file differently.
pub fn loader_disagreements(
    file: &EnvFile,
    py: &[PyRead],
    dy: &[DotenvyItem],
    duplicated: &[&str],
    secret: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    // The usual case: both read the same keys and values, line by line, and no key repeats.
    let same_sequence = py.len() == dy.len()
        && py.iter().zip(dy).all(|(p, d)| match &d.result {
            Ok((k, v)) => p.key == k && p.value.as_deref() == Some(v.as_str()),
            Err(_) => false,
        });
    if same_sequence && duplicated.is_empty() {
        return out;
    }
    // Lines python-dotenv already fails on, or reads as a bare key: reported as syntax errors.
    let any_error = dy.iter().any(|i| i.result.is_err());
    let syntax_starts: FastSet<usize> = file
        .bindings
        .iter()
        .filter(|_| any_error)
        .filter(|b| match &b.kind {
            BindingKind::Error { .. } => true,
            BindingKind::Entry(e) => e.eq.is_none(),
            BindingKind::Comment => false,
        })
        .map(|b| file.position(b.start).0)
        .collect();
    let py_at_line: FastMap<usize, &PyRead> = py
        .iter()
        .filter(|_| any_error)
        .map(|r| (file.position(r.offset).0, r))
        .collect();
    let show = |key: &str, v: Option<&str>| -> String {
        match v {
            None => "no value".to_string(),
            Some(v) => secrets::show(v, secret(key)),
        }
    };
    // dotenvy's reading under load(): first value wins, nothing after the first error.
    let mut dy_first: FastMap<&str, (&str, usize)> = FastMap::default();
    let mut stopped = false;
    for (idx, item) in dy.iter().enumerate() {
        match &item.result {
            Ok((k, v)) => {
                // Keys after dotenvy's first error are compared too (as from_path_iter reads
                // them): once that line is fixed, they are what dotenvy loads.
                dy_first
                    .entry(k.as_str())
                    .or_insert((v.as_str(), item.offset));
            }
            Err(e) => {
                let (line, _) = file.position(item.offset);
                if matches!(e, DotenvyError::InvalidUtf8) || syntax_starts.contains(&line) {
                    stopped = true;
                    continue;
                }
                let later = if stopped {
                    0
                } else {
                    dy[idx + 1..].iter().filter(|i| i.result.is_ok()).count()
                };
                let consequence = if stopped {
                    String::new()
                } else if later > 0 {
                    format!(
                        "; dotenvy::dotenv() stops here, so the {later} {} after it are not loaded",
                        if later == 1 { "key" } else { "keys" }
                    )
                } else {
                    "; dotenvy::dotenv() returns an error here".to_string()
                };
                stopped = true;
                let (key, py_reading) = match py_at_line.get(&line) {
                    Some(r) => (
                        Some(r.key),
                        format!(
                            "python-dotenv reads {}={}",
                            r.key,
                            show(r.key, r.value.as_deref())
                        ),
                    ),
                    None => (None, "python-dotenv reads it".to_string()),
                };
                let col_off = match py_at_line.get(&line) {
                    Some(r) => r.offset,
                    None => item.offset,
                };
                out.push(finding(
                    file,
                    col_off,
                    Code::LoaderDisagreement,
                    Severity::Error,
                    key,
                    format!("{py_reading}, dotenvy cannot parse this line{consequence}"),
                ));
            }
        }
    }
    // Same key, different value.
    let mut py_last: FastMap<&str, usize> = FastMap::default();
    for (i, r) in py.iter().enumerate() {
        py_last.insert(r.key, i);
    }
    for (i, r) in py.iter().enumerate() {
        // Each key once, at its last (winning) line.
        if py_last.get(r.key) != Some(&i) {
            continue;
        }
        let last = r;
        let Some(&(dv, doff)) = dy_first.get(r.key) else {
            continue;
        };
        let Some(pv) = &last.value else { continue };
        if pv == dv {
            continue;
        }
        let (pl, _) = file.position(last.offset);
        let (dl, _) = file.position(doff);
        let where_ = if pl == dl {
            String::new()
        } else {
            format!(" (python-dotenv: line {pl}, the last; dotenvy: line {dl}, the first)")
        };
        let value_off = file
            .entry_at(last.offset)
            .and_then(|e| e.value.as_ref().map(|v| v.start))
            .unwrap_or(last.offset);
        let is_secret = secret(r.key);
        // Masked readings still say where they part (a position reveals nothing of a value).
        let differ = if is_secret {
            let at = pv
                .chars()
                .zip(dv.chars())
                .take_while(|(a, b)| a == b)
                .count();
            format!("; they differ from character {}", at + 1)
        } else {
            String::new()
        };
        out.push(finding(
            file,
            value_off,
            Code::LoaderDisagreement,
            Severity::Error,
            Some(r.key),
            format!(
                "python-dotenv reads {}={}, dotenvy reads {}={}{where_}{differ}",
                r.key,
                secrets::show(pv, is_secret),
                r.key,
                secrets::show(dv, is_secret),
            ),
        ));
    }
    out
}
