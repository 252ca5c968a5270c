//! `--baseline PREVIOUS.json`: which warning and error templates are new since a previous
//! digest, and which grew.
//!
//! Templates are matched by their stable id ([`super::miner::template_id`], a hash of the
//! template text), so a digest made on another day, from other files or on another machine is
//! a valid baseline. The previous digest is velo's own `--format json` output (or the last
//! `"type":"digest"` line of `--follow --format json`); its `problem_templates` list holds every
//! warning-or-worse template, whatever `--top` was. An older digest without it is read from its
//! `templates` (the top N only), and the comparison says so.

use std::collections::BTreeMap;

use serde::Serialize;

use super::header::Level;

/// A template grew when its count rose and its rate (per 1,000 lines read) is at least this
/// many times the baseline's: a longer log alone does not make a template grow.
pub const GROWTH_FACTOR: f64 = 1.5;

/// One warning-or-worse template of the previous digest.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviousTemplate {
    pub template: String,
    pub count: u64,
}

/// A previous digest, read for comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    /// What to call it in the report (the file name as given).
    pub name: String,
    /// Lines the previous digest read.
    pub lines: u64,
    /// Warning-or-worse templates by id.
    pub templates: BTreeMap<String, PreviousTemplate>,
    /// False when the previous digest listed only its top templates (an older velo): a
    /// template missing from it may still have been there.
    pub complete: bool,
}

/// Why a baseline cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error(
        "{name}: not JSON ({source}); pass a digest written by `velo log-digest --format json`"
    )]
    Json {
        name: String,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "{name}: not a log-digest JSON digest (no {missing:?} field); pass a digest written by \
         `velo log-digest --format json`"
    )]
    NotADigest { name: String, missing: &'static str },
}

impl Baseline {
    /// Reads a previous `--format json` digest (`name` names it in messages and reports).
    pub fn parse(name: &str, text: &str) -> Result<Self, BaselineError> {
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(v) => v,
            // `--follow --format json` writes one digest per line: the last one is the latest.
            Err(e) => text
                .lines()
                .rev()
                .map(str::trim)
                .find(|l| l.starts_with('{'))
                .and_then(|l| serde_json::from_str(l).ok())
                .ok_or(BaselineError::Json {
                    name: name.to_owned(),
                    source: e,
                })?,
        };
        let missing = |field| BaselineError::NotADigest {
            name: name.to_owned(),
            missing: field,
        };
        let lines = value
            .get("lines")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| missing("lines"))?;
        let (list, complete) = match value.get("problem_templates") {
            Some(serde_json::Value::Array(a)) => (a, true),
            _ => match value.get("templates") {
                Some(serde_json::Value::Array(a)) => (a, false),
                _ => return Err(missing("templates")),
            },
        };
        let mut templates = BTreeMap::new();
        for t in list {
            let level = t
                .get("level")
                .and_then(serde_json::Value::as_str)
                .and_then(Level::parse);
            if level.is_none_or(|l| l < Level::Warning) {
                continue;
            }
            let (Some(id), Some(template)) = (
                t.get("id").and_then(serde_json::Value::as_str),
                t.get("template").and_then(serde_json::Value::as_str),
            ) else {
                continue;
            };
            let count = t
                .get("count")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0);
            templates.insert(
                id.to_owned(),
                PreviousTemplate {
                    template: template.to_owned(),
                    count,
                },
            );
        }
        Ok(Self {
            name: name.to_owned(),
            lines,
            templates,
            complete,
        })
    }
}

/// A warning-or-worse template now, against the baseline.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TemplateChange {
    pub id: String,
    pub template: String,
    pub level: Level,
    pub count: u64,
    /// Its count in the baseline (0 for a new template).
    pub previous_count: u64,
    /// Occurrences per 1,000 lines read, now and in the baseline.
    pub rate_per_1k_lines: f64,
    pub previous_rate_per_1k_lines: f64,
}

/// What changed since the baseline.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BaselineDiff {
    pub baseline: String,
    pub baseline_lines: u64,
    /// False when the baseline listed only its top templates: "new" may be "not in its top".
    pub baseline_complete: bool,
    /// Warning-or-worse templates the baseline did not have, worst then most frequent first.
    pub new: Vec<TemplateChange>,
    /// Warning-or-worse templates whose count rose and whose rate is at least
    /// [`GROWTH_FACTOR`] times the baseline's.
    pub grew: Vec<TemplateChange>,
    /// Baseline templates not seen now.
    pub gone: usize,
}

impl BaselineDiff {
    /// New templates at `level` or above.
    pub fn new_at_least(&self, level: Level) -> usize {
        self.new.iter().filter(|t| t.level >= level).count()
    }
}

/// A warning-or-worse template of the current digest, as the comparison needs it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProblemTemplate {
    pub id: String,
    pub template: String,
    pub level: Level,
    pub count: u64,
}

fn per_1k(count: u64, lines: u64) -> f64 {
    if lines == 0 {
        return 0.0;
    }
    // Rounded to 3 decimals: enough to compare, stable in JSON.
    (count as f64 * 1000.0 / lines as f64 * 1000.0).round() / 1000.0
}

/// Compares the current warning-or-worse templates (`now`, over `lines` lines) with `base`.
pub fn compare(base: &Baseline, now: &[ProblemTemplate], lines: u64) -> BaselineDiff {
    let mut new = Vec::new();
    let mut grew = Vec::new();
    let mut seen = 0usize;
    for t in now {
        let prev = base.templates.get(&t.id);
        seen += usize::from(prev.is_some());
        let previous_count = prev.map_or(0, |p| p.count);
        let change = TemplateChange {
            id: t.id.clone(),
            template: t.template.clone(),
            level: t.level,
            count: t.count,
            previous_count,
            rate_per_1k_lines: per_1k(t.count, lines),
            previous_rate_per_1k_lines: per_1k(previous_count, base.lines),
        };
        match prev {
            None => new.push(change),
            Some(p) => {
                // Rates compared exactly (cross-multiplied), not through the rounded figures.
                let now_rate = t.count as f64 * base.lines as f64;
                let then_rate = p.count as f64 * lines as f64;
                if t.count > p.count && now_rate >= GROWTH_FACTOR * then_rate {
                    grew.push(change);
                }
            }
        }
    }
    let order = |a: &TemplateChange, b: &TemplateChange| {
        b.level
            .cmp(&a.level)
            .then(b.count.cmp(&a.count))
            .then(a.template.cmp(&b.template))
    };
    new.sort_by(order);
    grew.sort_by(order);
    BaselineDiff {
        baseline: base.name.clone(),
        baseline_lines: base.lines,
        baseline_complete: base.complete,
        new,
        grew,
        gone: base.templates.len() - seen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(id: &str, level: Level, count: u64) -> ProblemTemplate {
        ProblemTemplate {
            id: id.to_owned(),
            template: format!("template {id}"),
            level,
            count,
        }
    }

    const PREVIOUS: &str = r#"{"lines": 1000, "templates": [],
        "problem_templates": [
          {"id": "a", "template": "db timeout <*>", "level": "error", "count": 10},
          {"id": "b", "template": "slow <*>", "level": "warning", "count": 4},
          {"id": "c", "template": "gone <*>", "level": "error", "count": 1},
          {"id": "d", "template": "started", "level": "info", "count": 100}
        ]}"#;

    #[test]
    fn new_grew_and_gone_templates_are_told_apart() {
        let base = Baseline::parse("prev.json", PREVIOUS).unwrap();
        assert!(base.complete);
        assert_eq!(base.templates.len(), 3, "info templates are not kept");
        // Twice the lines: `a` at 30 per 2,000 lines is 1.5× its rate (grew), `b` at 6 is not.
        let now = [
            problem("a", Level::Error, 30),
            problem("b", Level::Warning, 6),
            problem("e", Level::Warning, 2),
            problem("f", Level::Fatal, 1),
        ];
        let diff = compare(&base, &now, 2000);
        let ids = |v: &[TemplateChange]| v.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&diff.new), ["f", "e"], "worst first");
        assert_eq!(ids(&diff.grew), ["a"]);
        assert_eq!(diff.gone, 1);
        assert_eq!(diff.new_at_least(Level::Error), 1);
        assert_eq!(diff.new_at_least(Level::Warning), 2);
        assert_eq!(diff.grew[0].previous_count, 10);
        assert!((diff.grew[0].rate_per_1k_lines - 15.0).abs() < 1e-9);
        assert!((diff.grew[0].previous_rate_per_1k_lines - 10.0).abs() < 1e-9);
    }

    #[test]
    fn the_same_digest_has_nothing_new() {
        let base = Baseline::parse("prev.json", PREVIOUS).unwrap();
        let now = [
            problem("a", Level::Error, 10),
            problem("b", Level::Warning, 4),
        ];
        let diff = compare(&base, &now, 1000);
        assert!(diff.new.is_empty() && diff.grew.is_empty());
    }

    #[test]
    fn follow_output_and_older_digests_are_read() {
        let lines = "{\"type\":\"digest\",\"lines\":5,\"templates\":[]}\n\
                     {\"type\":\"digest\",\"lines\":9,\"templates\":[{\"id\":\"x\",\"template\":\"t\",\"level\":\"error\",\"count\":2}]}\n";
        let base = Baseline::parse("f.jsonl", lines).unwrap();
        assert_eq!(base.lines, 9);
        assert!(!base.complete, "only `templates`: the top N");
        assert_eq!(base.templates["x"].count, 2);
    }

    #[test]
    fn what_is_not_a_digest_is_refused_by_name() {
        let e = Baseline::parse("x.json", "not json")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.json: not JSON"), "{e}");
        let e = Baseline::parse("x.json", r#"{"lines": 3}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no \"templates\" field"), "{e}");
    }
}
