//! `--scan-code`'s findings: `undeclared` (read in code, declared nowhere, with a "did you
//! mean") and `unused` (declared, read nowhere).

use super::loaders::PyRead;
use super::parse::EnvFile;
use super::schema::Schema;
use super::FastSet;
use super::{Code, CodeRef, Finding, Severity};
use crate::suggest;

/// Process variables that code reads without any project declaring them.
const WELL_KNOWN: &[&str] = &[
    "HOME",
    "PATH",
    "USER",
    "USERNAME",
    "PWD",
    "SHELL",
    "TERM",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "TEMP",
    "TMP",
    "HOSTNAME",
    "CI",
    "NO_COLOR",
    "DEBUG",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "RUST_LOG",
    "RUST_BACKTRACE",
    "CARGO_MANIFEST_DIR",
    "CARGO_PKG_VERSION",
    "CARGO_PKG_NAME",
    "NODE_ENV",
    "OUT_DIR",
    "GITHUB_ACTIONS",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
];

/// A declared key and where: (key, file, line, col).
type Declared = (String, Option<String>, Option<usize>, Option<usize>);

/// `undeclared` (read in code, declared nowhere) and `unused` (declared, read nowhere).
pub fn code_findings(
    refs: &[CodeRef],
    schema: Option<&Schema>,
    files: &[EnvFile],
    readings: &[Vec<PyRead>],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut declared: Vec<Declared> = Vec::new();
    if let Some(s) = schema {
        for v in &s.vars {
            declared.push((
                v.key.clone(),
                Some(v.origin.file.clone()),
                v.origin.line,
                v.origin.col,
            ));
        }
    } else {
        let mut seen = FastSet::default();
        for (fi, py) in readings.iter().enumerate() {
            for r in py {
                if seen.insert(r.key) {
                    let (l, c) = files[fi].position(r.offset);
                    declared.push((
                        r.key.to_string(),
                        Some(files[fi].name.clone()),
                        Some(l),
                        Some(c),
                    ));
                }
            }
        }
    }
    let declared_set: FastSet<&str> = declared.iter().map(|d| d.0.as_str()).collect();
    let used: FastSet<&str> = refs.iter().map(|r| r.key.as_str()).collect();
    let what = schema.map_or_else(|| "any .env file".to_string(), |s| s.source.clone());
    let mut reported = FastSet::default();
    for r in refs {
        if declared_set.contains(r.key.as_str())
            || WELL_KNOWN.contains(&r.key.as_str())
            || !reported.insert(r.key.as_str())
        {
            continue;
        }
        let suggestion = suggest::closest(&r.key, declared_set.iter().copied()).map(str::to_string);
        out.push(Finding {
            code: Code::Undeclared,
            severity: Severity::Warning,
            file: Some(r.file.clone()),
            line: Some(r.line),
            col: Some(r.col),
            key: Some(r.key.clone()),
            message: format!("the code reads {} but {what} does not declare it", r.key),
            suggestion,
        });
    }
    for (key, file, line, col) in &declared {
        if !used.contains(key.as_str()) {
            out.push(Finding {
                code: Code::Unused,
                severity: Severity::Warning,
                file: file.clone(),
                line: *line,
                col: *col,
                key: Some(key.clone()),
                message: format!("{key} is declared but no scanned code reads it"),
                suggestion: None,
            });
        }
    }
    out
}
