//! The env-check report: findings, summary, optional sources and fixes. A plain `Serialize`
//! value; its table, Markdown and GitHub layouts live in `src/report/env_check.rs`.

use serde::Serialize;

use super::{Code, Finding, Severity, SourceRow};

/// At most this many findings of one code are listed per file; the rest are counted in
/// [`EnvCheckReport::omitted`] (a file of random bytes otherwise lists tens of thousands).
pub const MAX_SHOWN_PER_CODE: usize = 50;

/// Counts over the findings (every finding, including those not listed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: Vec<String>,
    pub keys: usize,
    pub schema: Option<String>,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// Findings of one code in one file that are counted but not listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Omitted {
    pub file: Option<String>,
    pub code: Code,
    /// The highest severity among the findings not listed.
    pub severity: Severity,
    pub count: usize,
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
    /// The findings listed: the first [`MAX_SHOWN_PER_CODE`] of each code in each file.
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// What was found beyond the listed findings, per file and code.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub omitted: Vec<Omitted>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<SourceRow>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<FixOutcome>,
    /// The environment a guarded program gets (`--exec`); never serialized.
    #[serde(skip)]
    pub resolved: Vec<(String, String)>,
}

impl EnvCheckReport {
    /// Counts every finding, then keeps the first [`MAX_SHOWN_PER_CODE`] of each code per file
    /// (in the order given) and counts the rest in `omitted`.
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
        let (findings, omitted) = cap(findings, MAX_SHOWN_PER_CODE);
        Self {
            findings,
            summary,
            omitted,
            sources,
            fixes: Vec::new(),
            resolved,
        }
    }

    /// The highest severity found, if any (listed or not).
    pub fn worst(&self) -> Option<Severity> {
        let s = &self.summary;
        if s.errors > 0 {
            Some(Severity::Error)
        } else if s.warnings > 0 {
            Some(Severity::Warning)
        } else if s.infos > 0 {
            Some(Severity::Info)
        } else {
            None
        }
    }

    /// True when nothing was found.
    pub fn is_clean(&self) -> bool {
        self.worst().is_none()
    }
}

/// Keeps the first `max` findings of each (file, code); counts the others.
fn cap(findings: Vec<Finding>, max: usize) -> (Vec<Finding>, Vec<Omitted>) {
    use std::collections::HashMap;
    let mut seen: HashMap<(Option<String>, Code), usize> = HashMap::new();
    let mut omitted: Vec<Omitted> = Vec::new();
    let mut kept = Vec::with_capacity(findings.len().min(4096));
    for f in findings {
        let n = seen.entry((f.file.clone(), f.code)).or_insert(0);
        *n += 1;
        if *n <= max {
            kept.push(f);
            continue;
        }
        match omitted
            .iter_mut()
            .find(|o| o.code == f.code && o.file == f.file)
        {
            Some(o) => {
                o.count += 1;
                o.severity = o.severity.max(f.severity);
            }
            None => omitted.push(Omitted {
                file: f.file,
                code: f.code,
                severity: f.severity,
                count: 1,
            }),
        }
    }
    (kept, omitted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(file: &str, code: Code, severity: Severity, line: usize) -> Finding {
        Finding {
            code,
            severity,
            file: Some(file.into()),
            line: Some(line),
            col: Some(1),
            key: None,
            message: String::new(),
            suggestion: None,
        }
    }

    #[test]
    fn caps_per_file_and_code_and_counts_everything() {
        let mut all = Vec::new();
        for line in 1..=120 {
            all.push(finding("a", Code::Syntax, Severity::Error, line));
            all.push(finding(
                "a",
                Code::TrailingWhitespace,
                Severity::Warning,
                line,
            ));
        }
        for line in 1..=3 {
            all.push(finding("b", Code::Syntax, Severity::Error, line));
        }
        let r = EnvCheckReport::new(all, vec![], 0, None, None, vec![]);
        assert_eq!((r.summary.errors, r.summary.warnings), (123, 120));
        assert_eq!(r.findings.len(), 50 + 50 + 3);
        assert_eq!(
            r.omitted,
            [
                Omitted {
                    file: Some("a".into()),
                    code: Code::Syntax,
                    severity: Severity::Error,
                    count: 70
                },
                Omitted {
                    file: Some("a".into()),
                    code: Code::TrailingWhitespace,
                    severity: Severity::Warning,
                    count: 70
                }
            ]
        );
        assert_eq!(r.worst(), Some(Severity::Error));
    }
}
