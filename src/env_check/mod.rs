//! `env-check`: validates `.env` files against a schema, against each other and against what the
//! two loaders in use (python-dotenv and dotenvy) would read, and reports every problem at once
//! with `file:line:col`. Computes an [`EnvCheckReport`]; never prints, exits or reads the
//! environment, the working directory or files on its own (the CLI passes them in).

pub mod checks;
pub mod code_reads;
pub mod disagreements;
pub mod emit;
pub mod fix;
#[cfg(test)]
mod fuzz;
pub mod loaders;
pub mod parse;
pub mod pyread;
pub mod pyvalues;
pub mod report;
pub mod scan_code;
pub mod schema;
pub mod secrets;
pub mod settings;
pub mod settings_check;
mod settings_meta;
mod settings_model;
pub mod suppress;
pub mod usage;

use std::collections::HashMap;

use serde::Serialize;

use parse::EnvFile;
pub use report::EnvCheckReport;
pub use secrets::ValuePolicy;

/// Hash maps keyed by short strings from local files: FxHash, not SipHash (no untrusted
/// network input here, and hashing is most of the per-line cost).
pub(crate) type FastMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;
pub(crate) type FastSet<K> = std::collections::HashSet<K, rustc_hash::FxBuildHasher>;
use schema::Schema;

/// Finding codes: stable, kebab-case, part of the JSON API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    Missing,
    Empty,
    InvalidType,
    UnknownKey,
    DuplicateKey,
    Syntax,
    InvalidUtf8,
    LowercaseKey,
    SpaceAroundEquals,
    UnquotedWhitespace,
    TrailingWhitespace,
    LeadingCharacter,
    IncorrectDelimiter,
    ExtraBlankLine,
    EndingBlankLine,
    Substitution,
    LoaderDisagreement,
    Undeclared,
    Unused,
    DefaultApplied,
    NulByte,
    NotChecked,
}

impl Code {
    pub const ALL: [Code; 22] = [
        Self::Missing,
        Self::Empty,
        Self::InvalidType,
        Self::UnknownKey,
        Self::DuplicateKey,
        Self::Syntax,
        Self::InvalidUtf8,
        Self::LowercaseKey,
        Self::SpaceAroundEquals,
        Self::UnquotedWhitespace,
        Self::TrailingWhitespace,
        Self::LeadingCharacter,
        Self::IncorrectDelimiter,
        Self::ExtraBlankLine,
        Self::EndingBlankLine,
        Self::Substitution,
        Self::LoaderDisagreement,
        Self::Undeclared,
        Self::Unused,
        Self::DefaultApplied,
        Self::NulByte,
        Self::NotChecked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Empty => "empty",
            Self::InvalidType => "invalid-type",
            Self::UnknownKey => "unknown-key",
            Self::DuplicateKey => "duplicate-key",
            Self::Syntax => "syntax",
            Self::InvalidUtf8 => "invalid-utf8",
            Self::LowercaseKey => "lowercase-key",
            Self::SpaceAroundEquals => "space-around-equals",
            Self::UnquotedWhitespace => "unquoted-whitespace",
            Self::TrailingWhitespace => "trailing-whitespace",
            Self::LeadingCharacter => "leading-character",
            Self::IncorrectDelimiter => "incorrect-delimiter",
            Self::ExtraBlankLine => "extra-blank-line",
            Self::EndingBlankLine => "ending-blank-line",
            Self::Substitution => "substitution",
            Self::LoaderDisagreement => "loader-disagreement",
            Self::Undeclared => "undeclared",
            Self::Unused => "unused",
            Self::DefaultApplied => "default-applied",
            Self::NulByte => "nul-byte",
            Self::NotChecked => "not-checked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The dotenv-linter check names, so its `# dotenv-linter:off Name` comments keep working.
    pub fn from_dotenv_linter(name: &str) -> Option<Self> {
        Some(match name.trim() {
            "DuplicatedKey" => Self::DuplicateKey,
            "EndingBlankLine" => Self::EndingBlankLine,
            "ExtraBlankLine" => Self::ExtraBlankLine,
            "IncorrectDelimiter" => Self::IncorrectDelimiter,
            "KeyWithoutValue" => Self::Syntax,
            "LeadingCharacter" => Self::LeadingCharacter,
            "LowercaseKey" => Self::LowercaseKey,
            "SpaceCharacter" => Self::SpaceAroundEquals,
            "SubstitutionKey" => Self::Substitution,
            "TrailingWhitespace" => Self::TrailingWhitespace,
            "ValueWithoutQuotes" => Self::UnquotedWhitespace,
            "SchemaViolation" => Self::InvalidType,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad a finding is. Errors fail the run; `--fail-on` moves the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// One problem, with its position. Values of secret keys never appear in `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub key: Option<String>,
    pub message: String,
    pub suggestion: Option<String>,
}

impl Finding {
    /// `file:line:col` (as much as is known).
    pub fn location(&self) -> String {
        let mut s = self.file.clone().unwrap_or_default();
        if let Some(l) = self.line {
            s.push_str(&format!(":{l}"));
            if let Some(c) = self.col {
                s.push_str(&format!(":{c}"));
            }
        }
        s
    }
}

/// One `.env` input: its display name and raw bytes.
#[derive(Debug, Clone)]
pub struct EnvInput {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A variable read in source code (from `--scan-code`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeRef {
    pub key: String,
    pub file: String,
    pub line: usize,
    pub col: usize,
}

/// Everything a check needs, passed in explicitly.
#[derive(Default)]
pub struct CheckInput {
    /// `.env` files in precedence order: a later file wins over an earlier one.
    pub files: Vec<EnvInput>,
    /// The process environment, when `--process-env` asks for it; it wins over every file.
    pub process_env: Option<HashMap<String, String>>,
    pub schema: Option<Schema>,
    /// pydantic-settings classes as the schema (instead of `schema`).
    pub settings: Option<settings::SettingsFile>,
    /// References found by `--scan-code`, when asked for.
    pub code_refs: Option<Vec<CodeRef>>,
    pub show_sources: bool,
    /// Fill [`EnvCheckReport::resolved`] (for `--exec`).
    pub resolve_env: bool,
    /// Finding codes to drop everywhere (`--ignore`).
    pub ignore: Vec<Code>,
}

/// Where a key's winning value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRow {
    pub key: String,
    /// The value as shown (masked unless the schema declares the key as not sensitive).
    pub value: String,
    /// `file:line`, `process environment` or `default (schema)`.
    pub source: String,
    /// Lower-precedence places that also set the key, in precedence order.
    pub overridden: Vec<String>,
    /// The value is masked (see [`ValuePolicy`]).
    pub secret: bool,
}

/// A key's resolved value and where it came from.
#[derive(Debug, Clone)]
struct Resolved<'a> {
    value: Option<&'a str>,
    /// (file index, offset of key) or None for the process environment / default.
    at: Origin,
    overridden: Vec<Origin>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    File(usize, usize),
    Process,
    Default,
}

/// Files larger than this are linted and read by the loader emulations in parallel.
const PARALLEL_FROM_BYTES: usize = 4 << 20;

/// Runs every check and builds the report.
pub fn check(input: &CheckInput) -> EnvCheckReport {
    let files: Vec<EnvFile> = input
        .files
        .iter()
        .map(|f| EnvFile::parse(f.name.clone(), &f.bytes))
        .collect();
    let schema = input.schema.as_ref();
    // Classes as the schema: their variables decide which values may be shown and what code
    // reads are declared; the checks are pydantic-settings' own (below).
    let derived = input
        .settings
        .as_ref()
        .map(settings::SettingsFile::to_schema);
    // Which values may be shown at all (see `secrets::ValuePolicy`).
    let policy = secrets::ValuePolicy::new(schema.or(derived.as_ref()), &files);
    let secret = |key: &str| policy.masked(key);
    let env_lookup = |name: &str| -> Option<String> {
        input
            .process_env
            .as_ref()
            .and_then(|e| e.get(name).cloned())
    };
    let mut findings = Vec::new();

    // Per-file lints and loader truth.
    let mut readings = Vec::with_capacity(files.len());
    let mut distinct_keys = 0;
    for file in &files {
        // The lints and the two loader readings are independent: on a big file run them side by
        // side (a thread pool is not worth starting for a small one).
        let lint_pass = || checks::lint_file(file, &secret);
        let read_pass = || {
            let py = loaders::python_dotenv(file, &env_lookup);
            // Usually both loaders read the same: compare while streaming, store nothing.
            let same = loaders::same_as_python(&py, loaders::dotenvy_iter(file, &env_lookup));
            (py, same)
        };
        let (lint, (mut py, same_sequence)) = if file.text.len() > PARALLEL_FROM_BYTES {
            rayon::join(lint_pass, read_pass)
        } else {
            (lint_pass(), read_pass())
        };
        let mut file_findings = lint.findings;
        let agree = lint.duplicated.is_empty() && same_sequence;
        if !agree {
            let dy = loaders::dotenvy(file, &env_lookup);
            file_findings.extend(disagreements::loader_disagreements(
                file,
                &py,
                &dy,
                &lint.duplicated,
                &secret,
            ));
        }
        // A line without `=` that is not a plain name may be a pasted secret: it was reported
        // (without its text) as a syntax error and takes no further part.
        py.retain(|r| r.value.is_some() || !secrets::unsafe_to_echo(r.key));
        distinct_keys += py.len().saturating_sub(lint.duplicated.len());
        suppress::apply_suppressions(file, &mut file_findings);
        findings.extend(file_findings);
        readings.push(py);
    }

    // Precedence: later files win; the process environment wins over all.
    // The merged view is only needed for a schema, sources, the process environment, several
    // files or --exec; a lone file without them skips it (a million-line file is common in CI
    // generated configs, and this map is the largest structure).
    let need_resolved = schema.is_some()
        || input.show_sources
        || input.process_env.is_some()
        || input.resolve_env
        || files.len() > 1;
    let capacity = if need_resolved {
        readings.iter().map(Vec::len).sum()
    } else {
        0
    };
    let mut resolved: FastMap<&str, Resolved<'_>> =
        FastMap::with_capacity_and_hasher(capacity, rustc_hash::FxBuildHasher);
    let mut order: Vec<&str> = Vec::with_capacity(capacity);
    for (fi, py) in readings.iter().enumerate().filter(|_| need_resolved) {
        for r in py {
            let at = Origin::File(fi, r.offset);
            if let Some(res) = resolved.get_mut(r.key) {
                let prev = std::mem::replace(&mut res.at, at);
                res.overridden.insert(0, prev);
                res.value = r.value.as_deref();
            } else {
                order.push(r.key);
                resolved.insert(
                    r.key,
                    Resolved {
                        value: r.value.as_deref(),
                        at,
                        overridden: Vec::new(),
                    },
                );
            }
        }
    }
    if let Some(env) = &input.process_env {
        let mut wanted: Vec<&str> = order.clone();
        if let Some(s) = schema {
            wanted.extend(s.vars.iter().map(|v| v.key.as_str()));
        }
        for key in wanted {
            if let Some(v) = env.get(key) {
                if let Some(res) = resolved.get_mut(key) {
                    if res.at != Origin::Process {
                        let prev = std::mem::replace(&mut res.at, Origin::Process);
                        res.overridden.insert(0, prev);
                        res.value = Some(v.as_str());
                    }
                } else {
                    order.push(key);
                    resolved.insert(
                        key,
                        Resolved {
                            value: Some(v.as_str()),
                            at: Origin::Process,
                            overridden: Vec::new(),
                        },
                    );
                }
            }
        }
    }

    let locate = |o: Origin| -> (Option<String>, Option<usize>, Option<usize>) {
        match o {
            Origin::File(fi, off) => {
                let (l, c) = files[fi].position(off);
                (Some(files[fi].name.clone()), Some(l), Some(c))
            }
            Origin::Process => (Some("process environment".into()), None, None),
            Origin::Default => (None, None, None),
        }
    };

    // Schema checks.
    if let Some(schema) = schema {
        let declared: FastSet<&str> = schema.vars.iter().map(|v| v.key.as_str()).collect();
        // Unknown keys, with did-you-mean against declared keys.
        let mut typo_of: FastMap<String, (String, Origin)> = FastMap::default();
        for (fi, py) in readings.iter().enumerate() {
            let mut seen = FastSet::default();
            for r in py {
                if declared.contains(r.key) || !seen.insert(r.key) {
                    continue;
                }
                let suggestion = crate::suggest::closest_by(
                    r.key,
                    schema.vars.iter().map(|v| v.key.as_str()),
                    |k| resolved.contains_key(k),
                )
                .map(str::to_string);
                let (file, line, col) = locate(Origin::File(fi, r.offset));
                let shown = if secrets::unsafe_to_echo(r.key) && r.value.is_none() {
                    None
                } else {
                    Some(r.key.to_string())
                };
                let Some(key) = shown else { continue };
                let message = format!("{key} is not declared in {}", schema.source);
                if let Some(s) = &suggestion {
                    typo_of
                        .entry(s.clone())
                        .or_insert((key.clone(), Origin::File(fi, r.offset)));
                }
                findings.push(Finding {
                    code: Code::UnknownKey,
                    severity: Severity::Warning,
                    file,
                    line,
                    col,
                    key: Some(key),
                    message,
                    suggestion,
                });
            }
        }
        let sources_list = if files.is_empty() {
            "the environment".to_string()
        } else {
            files
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        for spec in &schema.vars {
            let decl = (
                Some(spec.origin.file.clone()),
                spec.origin.line,
                spec.origin.col,
            );
            let is_secret = secret(&spec.key);
            let value = resolved.get(spec.key.as_str()).and_then(|r| r.value);
            match value {
                None if resolved.contains_key(spec.key.as_str()) && spec.required => {
                    // A bare `KEY` line: python-dotenv reads None and load_dotenv sets nothing.
                    let res = &resolved[spec.key.as_str()];
                    let (file, line, col) = locate(res.at);
                    findings.push(Finding {
                        code: Code::Missing,
                        severity: Severity::Error,
                        file,
                        line,
                        col,
                        key: Some(spec.key.clone()),
                        message: format!(
                            "{} has no `=` and no value: the program sees it unset",
                            spec.key
                        ),
                        suggestion: None,
                    });
                }
                None => {
                    if spec.required {
                        let mut message = format!(
                            "{} is required ({}) but not set in {sources_list}",
                            spec.key, schema.source
                        );
                        let suggestion = None;
                        if let Some((typo, at)) = typo_of.get(&spec.key) {
                            let (f, l, _) = locate(*at);
                            message.push_str(&format!(
                                "; {}:{} sets {typo}, a typo of it?",
                                f.unwrap_or_default(),
                                l.unwrap_or(0)
                            ));
                        }
                        findings.push(Finding {
                            code: Code::Missing,
                            severity: Severity::Error,
                            file: decl.0.clone(),
                            line: decl.1,
                            col: decl.2,
                            key: Some(spec.key.clone()),
                            message,
                            suggestion,
                        });
                    } else if let Some(d) = &spec.default {
                        order.push(&spec.key);
                        resolved.insert(
                            &spec.key,
                            Resolved {
                                value: Some(d.as_str()),
                                at: Origin::Default,
                                overridden: Vec::new(),
                            },
                        );
                        findings.push(Finding {
                            code: Code::DefaultApplied,
                            severity: Severity::Info,
                            file: decl.0.clone(),
                            line: decl.1,
                            col: decl.2,
                            key: Some(spec.key.clone()),
                            message: format!(
                                "{} is not set: the default {} from {} applies",
                                spec.key,
                                secrets::show(d, is_secret),
                                schema.source
                            ),
                            suggestion: None,
                        });
                    }
                }
                Some("") => {
                    let res = &resolved[spec.key.as_str()];
                    let (file, line, col) = locate(res.at);
                    let (severity, why) = if spec.required {
                        (Severity::Error, "it is required")
                    } else {
                        (
                            Severity::Info,
                            "it is optional, and the default does not apply to an empty value",
                        )
                    };
                    findings.push(Finding {
                        code: Code::Empty,
                        severity,
                        file,
                        line,
                        col,
                        key: Some(spec.key.clone()),
                        message: format!("{} is set but empty; {why}", spec.key),
                        suggestion: None,
                    });
                }
                Some(v) => {
                    if let Err(why) = spec.ty.check(v) {
                        let res = &resolved[spec.key.as_str()];
                        let (file, line, col) = match res.at {
                            Origin::File(fi, off) => {
                                let f = &files[fi];
                                let value_off = f
                                    .entry_at(off)
                                    .and_then(|e| e.value.as_ref().map(|v| v.start))
                                    .unwrap_or(off);
                                let (l, c) = f.position(value_off);
                                (Some(f.name.clone()), Some(l), Some(c))
                            }
                            o => locate(o),
                        };
                        findings.push(Finding {
                            code: Code::InvalidType,
                            severity: Severity::Error,
                            file,
                            line,
                            col,
                            key: Some(spec.key.clone()),
                            message: format!(
                                "{}={} {why}: {} declares {}",
                                spec.key,
                                secrets::show(v, is_secret),
                                schema.source,
                                spec.ty
                            ),
                            suggestion: None,
                        });
                    }
                }
            }
        }
    }

    if let Some(sf) = &input.settings {
        findings.extend(settings_findings(sf, &files, &readings, input));
    }

    // Code scan: undeclared and unused.
    if let Some(refs) = &input.code_refs {
        let mut found = usage::code_findings(refs, schema.or(derived.as_ref()), &files, &readings);
        // pydantic-settings itself reads every field: none is unused.
        if input.settings.is_some() {
            found.retain(|f| f.code != Code::Unused);
        }
        findings.extend(found);
    }

    if !input.ignore.is_empty() {
        findings.retain(|f| !input.ignore.contains(&f.code));
    }
    sort_findings(&mut findings, &files);

    let sources = input.show_sources.then(|| {
        let mut rows: Vec<SourceRow> = order
            .iter()
            .filter_map(|k| resolved.get(*k).map(|r| (*k, r)))
            .map(|(k, r)| {
                let show_origin = |o: Origin| match o {
                    Origin::File(fi, off) => {
                        let (l, _) = files[fi].position(off);
                        format!("{}:{l}", files[fi].name)
                    }
                    Origin::Process => "process environment".to_string(),
                    Origin::Default => format!(
                        "default ({})",
                        schema.map_or("schema", |s| s.source.as_str())
                    ),
                };
                let is_secret = secret(k);
                SourceRow {
                    key: k.to_string(),
                    value: r
                        .value
                        .map_or_else(|| "(no value)".to_string(), |v| secrets::show(v, is_secret)),
                    source: show_origin(r.at),
                    overridden: r.overridden.iter().map(|o| show_origin(*o)).collect(),
                    secret: is_secret,
                }
            })
            .collect();
        rows.sort_by(|a, b| a.key.cmp(&b.key));
        rows
    });

    let mut resolved_env: Vec<(String, String)> = order
        .iter()
        .filter_map(|k| {
            let r = resolved.get(k)?;
            if r.at == Origin::Process {
                return None;
            }
            Some(((*k).to_string(), r.value?.to_string()))
        })
        .collect();
    resolved_env.dedup_by(|a, b| a.0 == b.0);

    EnvCheckReport::new(
        findings,
        files.iter().map(|f| f.name.clone()).collect(),
        if need_resolved {
            resolved.len()
        } else {
            distinct_keys
        },
        schema.or(derived.as_ref()).map(|s| s.source.clone()),
        sources,
        resolved_env,
    )
}

/// pydantic-settings' verdict for each selected class, as findings.
fn settings_findings(
    sf: &settings::SettingsFile,
    files: &[EnvFile],
    readings: &[Vec<loaders::PyRead<'_>>],
    input: &CheckInput,
) -> Vec<Finding> {
    use settings_check::{From, Kind, Supplied};
    let mut dotenv = Vec::new();
    for (fi, py) in readings.iter().enumerate() {
        for r in py {
            if let Some(v) = &r.value {
                dotenv.push(Supplied {
                    written: r.key,
                    value: v.as_ref(),
                    from: From::File(fi, r.offset),
                });
            }
        }
    }
    let mut process: Vec<Supplied<'_>> = input
        .process_env
        .iter()
        .flatten()
        .map(|(k, v)| Supplied {
            written: k.as_str(),
            value: v.as_str(),
            from: From::Process,
        })
        .collect();
    process.sort_by(|a, b| a.written.cmp(b.written));
    let several = sf.selected.len() > 1;
    let mut out = Vec::new();
    for &ci in &sf.selected {
        let verdict = settings_check::check_class(sf, ci, &dotenv, &process);
        let class = if several {
            format!("{} ({})", sf.source, verdict.class)
        } else {
            sf.source.clone()
        };
        for p in &verdict.problems {
            let (file, line, col) = match p.from {
                Some(From::File(fi, off)) => {
                    let (l, c) = files[fi].position(off);
                    (Some(files[fi].name.clone()), Some(l), Some(c))
                }
                Some(From::Process) => (Some("process environment".to_string()), None, None),
                None => (Some(sf.source.clone()), Some(p.decl_line), None),
            };
            let (code, severity) = match p.kind {
                Kind::Missing => (Code::Missing, Severity::Error),
                Kind::Invalid | Kind::NotJson => (Code::InvalidType, Severity::Error),
                Kind::Extra => (Code::UnknownKey, Severity::Error),
            };
            // The value itself is never part of these messages (a `KEY=value` line's key is
            // a name, not a pasted secret).
            let var = p.var.clone();
            let message = if p.kind == Kind::Extra {
                format!("{var} {}", p.why)
            } else {
                format!("{var} {} ({class}, field {})", p.why, p.field)
            };
            out.push(Finding {
                code,
                severity,
                file,
                line,
                col,
                key: Some(var),
                message,
                suggestion: None,
            });
        }
        for n in &verdict.not_checked {
            out.push(Finding {
                code: Code::NotChecked,
                severity: Severity::Info,
                file: Some(sf.source.clone()),
                line: Some(n.line),
                col: None,
                key: n.var.clone(),
                message: match &n.var {
                    Some(v) => format!("{v} is not checked: {}", n.why),
                    None => format!("not checked: {}", n.why),
                },
                suggestion: None,
            });
        }
    }
    out
}

fn sort_findings(findings: &mut [Finding], files: &[EnvFile]) {
    let file_rank = |f: &Option<String>| -> usize {
        f.as_ref()
            .and_then(|name| files.iter().position(|x| &x.name == name))
            .unwrap_or(files.len())
    };
    findings.sort_by(|a, b| {
        (file_rank(&a.file), &a.file, a.line, a.col, a.code).cmp(&(
            file_rank(&b.file),
            &b.file,
            b.line,
            b.col,
            b.code,
        ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any input, with a schema and every option on, gives a report, never a panic.
        #[test]
        fn check_never_panics(
            text in "[A-Za-z_ =#'\"\\\r\n\t${}:.é-]{0,120}",
            bytes in proptest::collection::vec(any::<u8>(), 0..60),
        ) {
            let schema = Schema::from_file(
                ".env.schema",
                b"# @type=port\nA=\n# @optional @sensitive\nB_KEY=x\n# @type=url\nC=\n",
            )
            .unwrap();
            for body in [text.as_bytes().to_vec(), bytes.clone()] {
                let input = CheckInput {
                    files: vec![
                        EnvInput { name: ".env".into(), bytes: body.clone() },
                        EnvInput { name: ".env.local".into(), bytes: b"A=1\n".to_vec() },
                    ],
                    process_env: Some(HashMap::from([("C".to_string(), "x".to_string())])),
                    schema: Some(schema.clone()),
                    settings: None,
                    code_refs: Some(vec![CodeRef { key: "D".into(), file: "a.py".into(), line: 1, col: 1 }]),
                    show_sources: true,
                    resolve_env: true,
                    ignore: vec![],
                };
                let report = check(&input);
                prop_assert!(report.findings.iter().all(|f| f.line.is_none_or(|l| l >= 1)));
                let _ = fix::plan(".env", &body, &|_| true);
            }
        }
    }
}
