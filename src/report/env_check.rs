//! The layouts of the env-check report: the findings table (with a line per code whose
//! findings were not all listed), the sources table, the fix diffs and the summary line, and
//! the GitHub annotations. JSON comes from `Serialize`.

use crate::env_check::report::Omitted;
use crate::env_check::{EnvCheckReport, Finding, Severity};
use crate::output::Tone;
use crate::report::{Annotation, AnnotationLevel, Cell, Report, Section};

fn tone(s: Severity) -> Tone {
    match s {
        Severity::Error => Tone::Error,
        Severity::Warning => Tone::Warning,
        Severity::Info => Tone::Info,
    }
}

fn level(s: Severity) -> AnnotationLevel {
    match s {
        Severity::Error => AnnotationLevel::Error,
        Severity::Warning => AnnotationLevel::Warning,
        Severity::Info => AnnotationLevel::Notice,
    }
}

fn message_with_hint(f: &Finding) -> String {
    match &f.suggestion {
        Some(s) => format!("{} (did you mean {s}?)", f.message),
        None => f.message.clone(),
    }
}

/// `… 70 more syntax findings in .env (not listed)`.
fn omitted_message(o: &Omitted) -> String {
    let what = if o.count == 1 { "finding" } else { "findings" };
    let file = o
        .file
        .as_deref()
        .map(|f| format!(" in {f}"))
        .unwrap_or_default();
    format!(
        "… {} more {} {what}{file}, not listed (the summary counts them)",
        o.count, o.code
    )
}

/// One line: what was checked and what was found.
pub fn summary_line(report: &EnvCheckReport) -> String {
    let s = &report.summary;
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
    if report.is_clean() {
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

impl Report for EnvCheckReport {
    fn sections(&self) -> Vec<Section> {
        let mut out = Vec::new();
        if !self.findings.is_empty() {
            let mut rows: Vec<Vec<Cell>> = self
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
                .collect();
            rows.extend(self.omitted.iter().map(|o| {
                vec![
                    Cell::new(o.file.clone().unwrap_or_default()),
                    Cell::toned(o.severity.as_str(), tone(o.severity)),
                    Cell::new(o.code.as_str()),
                    Cell::new(""),
                    Cell::toned(omitted_message(o), Tone::Dim),
                ]
            }));
            out.push(Section::Table {
                title: Some("Findings".into()),
                headers: ["location", "severity", "code", "key", "message"]
                    .map(String::from)
                    .to_vec(),
                rows,
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
            body: summary_line(self),
            tone: match self.worst() {
                Some(Severity::Error) => Tone::Error,
                Some(Severity::Warning) => Tone::Warning,
                _ => Tone::Good,
            },
        });
        out
    }

    fn annotations(&self) -> Vec<Annotation> {
        let file_of = |f: &Option<String>| f.clone().filter(|n| n != "process environment");
        let mut out: Vec<Annotation> = self
            .findings
            .iter()
            .map(|f| Annotation {
                level: level(f.severity),
                file: file_of(&f.file),
                line: f.line,
                col: f.col,
                title: Some(format!("env-check {}", f.code)),
                message: message_with_hint(f),
            })
            .collect();
        out.extend(self.omitted.iter().map(|o| Annotation {
            level: level(o.severity),
            file: file_of(&o.file),
            line: None,
            col: None,
            title: Some(format!("env-check {}", o.code)),
            message: omitted_message(o),
        }));
        out
    }
}
