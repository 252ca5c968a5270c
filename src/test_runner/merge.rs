//! `test-timeout-runner merge`: combines the JSON or JUnit reports of several shards (or
//! machines) into one report.

use std::path::Path;

use super::{junit, RunReport, Summary, TestResult};
use crate::shard::{first_difference, task_var, Partition, Roster};

/// Shard reports that could not be read, or cannot be merged without leaving a hole.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{file} has no shard (K/N) while {first} is shard {shard}: merge only the shards of one --partition run")]
    NotAShard {
        file: String,
        first: String,
        shard: String,
    },
    #[error("{file} is from other work than {first} ({what} differs: {theirs} vs {ours}): merge only the shards of one run")]
    Foreign {
        file: String,
        first: String,
        what: &'static str,
        theirs: String,
        ours: String,
    },
    #[error("{file} and {other} are both shard {shard}: merge one of them")]
    Duplicate {
        file: String,
        other: String,
        shard: String,
    },
    #[error("{file} is an interrupted run{shard}: its tests did not all run; run it again and merge its new report")]
    Interrupted { file: String, shard: String },
    #[error("missing shard(s) {missing} of {total}: run them and merge all {total} reports")]
    Missing { missing: String, total: u32 },
}

/// Reads one shard report: JSON from `--format json`, or JUnit XML (recognised by a leading `<`).
pub fn parse_report(path: &Path, text: &str) -> Result<RunReport, MergeError> {
    let err = |message: String| MergeError::Parse {
        path: path.display().to_string(),
        message,
    };
    if text.trim().is_empty() {
        return Err(err(
            "empty: the run that writes it was killed or failed before its end; run it again"
                .to_string(),
        ));
    }
    if text.trim_start().starts_with('<') {
        let (tests, props) = junit::parse_with_properties(text).map_err(|e| err(e.to_string()))?;
        let duration = tests.iter().map(|t| t.duration_s).sum::<f64>();
        let mut r = RunReport::new("junit", tests, std::time::Duration::ZERO);
        r.duration_s = super::round_ms(duration);
        let prop = |name: &str| {
            props
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        // velo's own file says how the run stands; another tool's says nothing: it ended.
        r.interrupted = prop(junit::RUN).is_some_and(|v| v != junit::RUN_COMPLETE);
        r.shard = prop(junit::SHARD);
        r.shard_task = prop(junit::SHARD_TASK);
        r.work_hash = prop(junit::WORK_HASH);
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

/// Merges reports, each with the file it came from. Shards of one `--partition` run must all
/// be there once, of the same work, and ended: a missing, duplicate, foreign or interrupted
/// one is an error naming it as the scheduler named it (`3/4 (SLURM_ARRAY_TASK_ID=2)`),
/// unless `allow_partial`, which merges what is there and lists the holes in `partial`.
/// Reports without a shard (machines that ran different suites) are concatenated; an
/// interrupted one is refused the same way.
pub fn merge(
    reports: Vec<(String, RunReport)>,
    allow_partial: bool,
) -> Result<RunReport, MergeError> {
    let mut partial = Vec::new();
    if let Some((first_file, first_shard)) = reports
        .iter()
        .find_map(|(f, r)| Some((f.clone(), r.shard.clone()?)))
    {
        partial = check_shards(&reports, &first_file, &first_shard, allow_partial)?;
    }
    for (file, r) in &reports {
        if r.interrupted && r.shard.is_none() {
            if !allow_partial {
                return Err(MergeError::Interrupted {
                    file: file.clone(),
                    shard: String::new(),
                });
            }
            partial.push(format!("{file} interrupted"));
        }
    }
    let mut merged = concatenate(reports.into_iter().map(|(_, r)| r).collect());
    merged.interrupted |= !partial.is_empty();
    merged.partial = partial;
    Ok(merged)
}

/// The checks of a sharded merge; returns the holes `allow_partial` lets through.
fn check_shards(
    reports: &[(String, RunReport)],
    first_file: &str,
    first_shard: &str,
    allow_partial: bool,
) -> Result<Vec<String>, MergeError> {
    let parse = |s: &str| Partition::parse(s, &|_| None).ok();
    let Some(total) = parse(first_shard).map(|p| p.total) else {
        return Err(MergeError::Parse {
            path: first_file.to_string(),
            message: format!("shard {first_shard:?} is not K/N"),
        });
    };
    let first = reports
        .iter()
        .find(|(f, _)| f == first_file)
        .map_or(&reports[0].1, |(_, r)| r);
    let mut roster = Roster::new(
        total,
        task_var(reports.iter().map(|(_, r)| r.shard_task.as_deref())),
    );
    let mut holes = Vec::new();
    for (file, r) in reports {
        let Some(p) = r.shard.as_deref().and_then(parse) else {
            return Err(MergeError::NotAShard {
                file: file.clone(),
                first: first_file.to_string(),
                shard: first_shard.to_string(),
            });
        };
        // The work hash covers the framework, the command and the test list. A JUnit file
        // left in progress by a killed velo has none (it is refused as interrupted anyway).
        let hashes = match (&r.work_hash, &first.work_hash) {
            (Some(a), Some(b)) => (a.clone(), b.clone()),
            _ => (String::new(), String::new()),
        };
        if let Some((what, theirs, ours)) = first_difference([
            ("shard count", p.total.to_string(), total.to_string()),
            ("work hash", hashes.0, hashes.1),
        ]) {
            return Err(MergeError::Foreign {
                file: file.clone(),
                first: first_file.to_string(),
                what,
                theirs,
                ours,
            });
        }
        roster
            .add(p.index, file)
            .map_err(|other| MergeError::Duplicate {
                file: file.clone(),
                other,
                shard: roster.name(p.index),
            })?;
        if r.interrupted {
            if !allow_partial {
                return Err(MergeError::Interrupted {
                    file: file.clone(),
                    shard: format!(" (shard {})", roster.name(p.index)),
                });
            }
            holes.push(format!("{} interrupted ({file})", roster.name(p.index)));
        }
    }
    let missing = roster.missing();
    if !missing.is_empty() {
        if !allow_partial {
            return Err(MergeError::Missing {
                missing: missing.join(", "),
                total,
            });
        }
        holes.extend(missing.into_iter().map(|m| format!("{m} missing")));
    }
    Ok(holes)
}

/// Concatenates the tests (a test id seen twice keeps its worst outcome's record and the
/// attempts add up); durations are the longest report's (shards run in parallel).
fn concatenate(reports: Vec<RunReport>) -> RunReport {
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
    let mut merged = RunReport::new(&framework, Vec::new(), std::time::Duration::ZERO);
    merged.summary = Summary::of(&tests);
    merged.tests = tests;
    merged.leaked = leaked;
    merged.duration_s = duration;
    merged.interrupted = interrupted;
    merged.notes = notes;
    merged
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
        let m = merge(vec![("a.json".into(), ra), ("b.xml".into(), rb)], false).unwrap();
        assert_eq!(m.summary.passed, 1);
        assert_eq!(m.summary.timed_out, 1);
        assert!((m.duration_s - 5.0).abs() < 1e-9);
    }

    fn shard(k: u32, interrupted: bool) -> RunReport {
        let mut r = RunReport::new(
            "pytest",
            vec![TestResult::new(
                format!("t.py::test_{k}"),
                Outcome::Passed,
                Duration::ZERO,
            )],
            Duration::ZERO,
        );
        r.shard = Some(format!("{k}/2"));
        r.shard_task = Some(format!("JOB_COMPLETION_INDEX={}", k - 1));
        r.work_hash = Some("w".into());
        r.interrupted = interrupted;
        r
    }

    #[test]
    fn an_interrupted_shard_is_refused_unless_partial_is_allowed() {
        let parts = || {
            vec![
                ("a.json".into(), shard(1, false)),
                ("b.json".into(), shard(2, true)),
            ]
        };
        let e = merge(parts(), false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "b.json is an interrupted run (shard 2/2 (JOB_COMPLETION_INDEX=1)): its tests did not all run; run it again and merge its new report"
        );
        let m = merge(parts(), true).unwrap();
        assert_eq!(
            m.partial,
            ["2/2 (JOB_COMPLETION_INDEX=1) interrupted (b.json)"]
        );
        assert!(m.interrupted);
        assert_eq!(m.summary.passed, 2);
        // A shard beside a report without one is not a merge of one run.
        let mut plain = shard(2, false);
        plain.shard = None;
        let e = merge(
            vec![("a.json".into(), shard(1, false)), ("c.json".into(), plain)],
            false,
        )
        .unwrap_err();
        assert!(matches!(e, MergeError::NotAShard { .. }), "{e}");
    }

    #[test]
    fn a_junit_file_left_in_progress_is_an_interrupted_shard() {
        let xml = r#"<testsuites><testsuite name="pytest" tests="0">
          <properties><property name="velo.run" value="in progress"/>
            <property name="velo.shard" value="2/2"/></properties>
        </testsuite></testsuites>"#;
        let r = parse_report(Path::new("b.xml"), xml).unwrap();
        assert!(r.interrupted);
        assert_eq!(r.shard.as_deref(), Some("2/2"));
        let e = merge(
            vec![("a.json".into(), shard(1, false)), ("b.xml".into(), r)],
            false,
        )
        .unwrap_err();
        assert!(matches!(e, MergeError::Interrupted { .. }), "{e}");
        // Another tool's JUnit (no velo.run) ended.
        let foreign = r#"<testsuite name="x"><testcase name="a"/></testsuite>"#;
        assert!(
            !parse_report(Path::new("x.xml"), foreign)
                .unwrap()
                .interrupted
        );
    }

    #[test]
    fn bad_input_names_the_file() {
        let e = parse_report(Path::new("shard.json"), "{nope").unwrap_err();
        assert!(e.to_string().starts_with("shard.json: "), "{e}");
        let e = parse_report(Path::new("part-1.json"), "\n").unwrap_err();
        assert!(e.to_string().starts_with("part-1.json: empty: "), "{e}");
    }
}
