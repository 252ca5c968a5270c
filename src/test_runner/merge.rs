//! `test-timeout-runner merge`: combines the JSON or JUnit reports of several shards (or
//! machines) into one report.

use std::path::Path;

use super::{junit, RunReport, Summary, TestResult};

/// A shard report that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
}

/// Reads one shard report: JSON from `--format json`, or JUnit XML (recognised by a leading `<`).
pub fn parse_report(path: &Path, text: &str) -> Result<RunReport, MergeError> {
    let err = |message: String| MergeError::Parse {
        path: path.display().to_string(),
        message,
    };
    if text.trim_start().starts_with('<') {
        let tests = junit::parse(text).map_err(|e| err(e.to_string()))?;
        let duration = tests.iter().map(|t| t.duration_s).sum::<f64>();
        let mut r = RunReport::new("junit", tests, std::time::Duration::ZERO);
        r.duration_s = super::round_ms(duration);
        Ok(r)
    } else {
        serde_json::from_str::<RunReport>(text).map_err(|e| {
            err(format!(
                "not a velo test-timeout-runner JSON report (line {}, column {}): {e}",
                e.line(),
                e.column()
            ))
        })
    }
}

/// Merges shard reports: tests are concatenated (a test id seen twice keeps its worst outcome's
/// record and the attempts add up), durations are the longest shard's (shards run in parallel).
pub fn merge(reports: Vec<RunReport>) -> RunReport {
    let framework = reports
        .first()
        .map_or_else(|| "merged".to_string(), |r| r.framework.clone());
    let mut tests: Vec<TestResult> = Vec::new();
    let mut duration: f64 = 0.0;
    let mut leaked = Vec::new();
    let mut interrupted = false;
    let mut notes: Vec<String> = Vec::new();
    for r in reports {
        duration = duration.max(r.duration_s);
        for n in r.notes {
            if !notes.contains(&n) {
                notes.push(n);
            }
        }
        leaked.extend(r.leaked);
        interrupted |= r.interrupted;
        for t in r.tests {
            if let Some(existing) = tests.iter_mut().find(|e| e.id == t.id) {
                let attempts = existing.attempts + t.attempts;
                if t.outcome.is_bad() || !existing.outcome.is_bad() {
                    *existing = t;
                }
                existing.attempts = attempts;
            } else {
                tests.push(t);
            }
        }
    }
    RunReport {
        framework,
        summary: Summary::of(&tests),
        tests,
        leaked,
        duration_s: duration,
        interrupted,
        notes,
        // Each shard's figures are its own machine's: not merged.
        monitor: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_runner::Outcome;
    use std::time::Duration;

    #[test]
    fn merges_json_and_junit_shards() {
        let a = RunReport::new(
            "pytest",
            vec![TestResult::new(
                "a.py::x",
                Outcome::Passed,
                Duration::from_secs(1),
            )],
            Duration::from_secs(2),
        );
        let json = serde_json::to_string(&a).unwrap();
        // Shard b as JUnit XML, in the shape `report::junit` writes.
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="velo" tests="1" failures="1" errors="0" time="6">
    <testsuite name="pytest" tests="1" disabled="0" errors="0" failures="1" time="6">
        <properties>
            <property name="velo.run" value="complete"/>
        </properties>
        <testcase name="y" classname="b" time="5">
            <failure type="timeout"/>
        </testcase>
    </testsuite>
</testsuites>"#;
        let ra = parse_report(Path::new("a.json"), &json).unwrap();
        let rb = parse_report(Path::new("b.xml"), xml).unwrap();
        let m = merge(vec![ra, rb]);
        assert_eq!(m.summary.passed, 1);
        assert_eq!(m.summary.timed_out, 1);
        assert!((m.duration_s - 5.0).abs() < 1e-9);
    }

    #[test]
    fn bad_input_names_the_file() {
        let e = parse_report(Path::new("shard.json"), "{nope").unwrap_err();
        assert!(e.to_string().starts_with("shard.json: "), "{e}");
    }
}
