//! The env-check report: findings, summary, optional sources and fixes, and their table,
//! Markdown and GitHub-annotation layouts (JSON comes from `Serialize`).

use serde::Serialize;

use super::{Finding, Severity, SourceRow};
use crate::output::Tone;
use crate::report::{Annotation, AnnotationLevel, Cell, Report, Section};

/// Counts over the findings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: Vec<String>,
    pub keys: usize,
    pub schema: Option<String>,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// One file's applied (or, with `--dry-run`, proposed) fixes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixOutcome {
    pub file: String,
    /// The codes fixed, in order.
    pub fixed: Vec<String>,
    /// A unified diff with secret values masked.
    pub diff: String,
    pub written: bool,
}

/// What `velo env-check` found.
#[derive(Debug, Clone, Serialize)]
pub struct EnvCheckReport {
    pub findings: Vec<Finding>,
    pub summary: Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<SourceRow>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<FixOutcome>,
    /// The environment a guarded program gets (`--exec`); never serialized.
    #[serde(skip)]
    pub resolved: Vec<(String, String)>,
}

impl EnvCheckReport {
    pub fn new(
        findings: Vec<Finding>,
        files: Vec<String>,
        keys: usize,
        schema: Option<String>,
        sources: Option<Vec<SourceRow>>,
        resolved: Vec<(String, String)>,
    ) -> Self {
        let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        let summary = Summary {
            files,
            keys,
            schema,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
        };
        Self {
            findings,
            summary,
            sources,
            fixes: Vec::new(),
            resolved,
        }
    }

    /// The highest severity found, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// One line: what was checked and what was found.
    pub fn summary_line(&self) -> String {
        let s = &self.summary;
        let files = if s.files.is_empty() {
            "no .env file".to_string()
        } else {
            s.files.join(", ")
        };
        let schema = s
            .schema
            .as_ref()
            .map_or_else(|| "no schema".to_string(), |x| format!("schema {x}"));
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        if self.findings.is_empty() {
            format!(
                "No problems in {files} ({}, {schema})",
                plural(s.keys, "key", "keys")
            )
        } else {
            format!(
                "{}, {}, {} in {files} ({}, {schema})",
                plural(s.errors, "error", "errors"),
                plural(s.warnings, "warning", "warnings"),
                plural(s.infos, "info", "infos"),
                plural(s.keys, "key", "keys"),
            )
        }
    }
}

fn tone(s: Severity) -> Tone {
    match s {
        Severity::Error => Tone::Error,
        Severity::Warning => Tone::Warning,
        Severity::Info => Tone::Info,
    }
}

fn message_with_hint(f: &Finding) -> String {
    match &f.suggestion {
        Some(s) => format!("{} (did you mean {s}?)", f.message),
        None => f.message.clone(),
    }
}

impl Report for EnvCheckReport {
    fn sections(&self) -> Vec<Section> {
        let mut out = Vec::new();
        if !self.findings.is_empty() {
            out.push(Section::Table {
                title: Some("Findings".into()),
                headers: ["location", "severity", "code", "key", "message"]
                    .map(String::from)
                    .to_vec(),
                rows: self
                    .findings
                    .iter()
                    .map(|f| {
                        vec![
                            Cell::new(f.location()),
                            Cell::toned(f.severity.as_str(), tone(f.severity)),
                            Cell::new(f.code.as_str()),
                            Cell::new(f.key.clone().unwrap_or_default()),
                            Cell::new(message_with_hint(f)),
                        ]
                    })
                    .collect(),
            });
        }
        if let Some(sources) = &self.sources {
            out.push(Section::Table {
                title: Some("Sources (the winning value of each key)".into()),
                headers: ["key", "value", "from", "overrides"]
                    .map(String::from)
                    .to_vec(),
                rows: sources
                    .iter()
                    .map(|r| {
                        vec![
                            Cell::new(r.key.clone()),
                            Cell::toned(
                                r.value.clone(),
                                if r.secret { Tone::Dim } else { Tone::Plain },
                            ),
                            Cell::new(r.source.clone()),
                            Cell::new(r.overridden.join(", ")),
                        ]
                    })
                    .collect(),
            });
        }
        for fix in &self.fixes {
            let verb = if fix.written { "Fixed" } else { "Would fix" };
            out.push(Section::Text {
                title: Some(format!("{verb} {} ({})", fix.file, fix.fixed.join(", "))),
                body: fix.diff.clone(),
                tone: Tone::Plain,
            });
        }
        out.push(Section::Text {
            title: None,
            body: self.summary_line(),
            tone: match self.worst() {
                Some(Severity::Error) => Tone::Error,
                Some(Severity::Warning) => Tone::Warning,
                _ => Tone::Good,
            },
        });
        out
    }

    fn annotations(&self) -> Vec<Annotation> {
        self.findings
            .iter()
            .map(|f| Annotation {
                level: match f.severity {
                    Severity::Error => AnnotationLevel::Error,
                    Severity::Warning => AnnotationLevel::Warning,
                    Severity::Info => AnnotationLevel::Notice,
                },
                file: f.file.clone().filter(|n| n != "process environment"),
                line: f.line,
                col: f.col,
                title: Some(format!("env-check {}", f.code)),
                message: message_with_hint(f),
            })
            .collect()
    }
}
