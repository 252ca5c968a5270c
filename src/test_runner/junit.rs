//! Reading JUnit XML back (velo's own or another tool's), for `merge`. Writing it is the
//! renderer's job: `report::junit`.

use super::{Attempt, Outcome, TestResult};

/// A JUnit file that could not be read back.
#[derive(Debug, thiserror::Error)]
#[error("not valid JUnit XML: {0}")]
pub struct ParseError(String);

/// The suite property that says how velo's run stands: [`RUN_COMPLETE`], `interrupted`, or
/// `in progress` (a file written while the run went on, or left by a killed velo).
pub const RUN: &str = "velo.run";
/// [`RUN`]'s value for a run that ended.
pub const RUN_COMPLETE: &str = "complete";
/// `--partition`: the shard, `K/N`.
pub const SHARD: &str = "velo.shard";
/// `--partition`: how the scheduler named the shard (`SLURM_ARRAY_TASK_ID=2`).
pub const SHARD_TASK: &str = "velo.shard_task";
/// `--partition`: the hash of the work every shard shares.
pub const WORK_HASH: &str = "velo.work_hash";
/// A merge with `--allow-partial`: the shards missing or interrupted.
pub const PARTIAL: &str = "velo.partial";
/// The `type` pytest's junitxml gives the `<skipped>` of an xfail.
pub const XFAIL_TYPE: &str = "pytest.xfail";
/// The `type` pytest's junitxml gives the `<skipped>` of a skip.
pub const SKIP_TYPE: &str = "pytest.skip";

/// Reads the test cases of a JUnit file (velo's or another tool's).
pub fn parse(text: &str) -> Result<Vec<TestResult>, ParseError> {
    parse_with_properties(text).map(|(tests, _)| tests)
}

/// Reads the test cases of a JUnit file and its suites' properties (name, value).
#[allow(clippy::type_complexity)]
pub fn parse_with_properties(
    text: &str,
) -> Result<(Vec<TestResult>, Vec<(String, String)>), ParseError> {
    let doc = roxmltree::Document::parse(text).map_err(|e| ParseError(e.to_string()))?;
    let properties = doc
        .descendants()
        .filter(|n| n.has_tag_name("property"))
        .filter_map(|n| {
            Some((
                n.attribute("name")?.to_string(),
                n.attribute("value")?.to_string(),
            ))
        })
        .collect();
    let mut tests = Vec::new();
    for case in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
        let name = case.attribute("name").unwrap_or_default();
        let class = case.attribute("classname").unwrap_or_default();
        let id = if class.is_empty() {
            name.to_string()
        } else {
            format!("{class}::{name}")
        };
        let time: f64 = case
            .attribute("time")
            .and_then(|t| t.parse().ok())
            .unwrap_or(0.0);
        let text_of = |n: roxmltree::Node| n.text().unwrap_or_default().to_string();
        let mut outcome = Outcome::Passed;
        let mut excerpt = String::new();
        let mut message = String::new();
        let mut previous = Vec::new();
        let mut output = String::new();
        for child in case.children().filter(roxmltree::Node::is_element) {
            match child.tag_name().name() {
                "failure" | "rerunFailure" | "rerunError"
                    if child.tag_name().name() != "failure" =>
                {
                    previous.push(Attempt {
                        outcome: if child.attribute("type") == Some("timeout") {
                            Outcome::TimedOut
                        } else if child.tag_name().name() == "rerunError" {
                            Outcome::Error
                        } else {
                            Outcome::Failed
                        },
                        duration_s: 0.0,
                        message: child.attribute("message").unwrap_or_default().to_string(),
                        excerpt: text_of(child),
                    });
                }
                "failure" => {
                    message = child.attribute("message").unwrap_or_default().to_string();
                    outcome = match child.attribute("type") {
                        Some("timeout") => Outcome::TimedOut,
                        Some("out-of-memory") => Outcome::OutOfMemory,
                        _ => Outcome::Failed,
                    };
                    excerpt = text_of(child);
                }
                "error" => {
                    message = child.attribute("message").unwrap_or_default().to_string();
                    outcome = if child.attribute("type") == Some("interrupted") {
                        Outcome::Interrupted
                    } else {
                        Outcome::Error
                    };
                    excerpt = text_of(child);
                }
                "skipped" => {
                    if child.attribute("type") == Some(XFAIL_TYPE) {
                        outcome = Outcome::XFailed;
                        message = child.attribute("message").unwrap_or_default().to_string();
                    } else {
                        outcome = Outcome::Skipped;
                    }
                    excerpt = child.attribute("message").unwrap_or_default().to_string();
                }
                "flakyFailure" | "flakyError" => previous.push(Attempt {
                    outcome: if child.attribute("type") == Some("timeout") {
                        Outcome::TimedOut
                    } else {
                        Outcome::Failed
                    },
                    duration_s: 0.0,
                    message: child.attribute("message").unwrap_or_default().to_string(),
                    excerpt: text_of(child),
                }),
                "system-out" => output = text_of(child),
                _ => {}
            }
        }
        if outcome == Outcome::Passed && !previous.is_empty() {
            outcome = Outcome::Flaky;
        }
        tests.push(TestResult {
            id,
            outcome,
            duration_s: time,
            attempts: previous.len() as u32 + 1,
            message,
            excerpt,
            previous,
            output,
            memory_peak_bytes: None,
        });
    }
    Ok((tests, properties))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_flaky_attempts_and_a_two_line_message_are_read() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="velo" tests="3" failures="1" errors="0">
  <testsuite name="pytest" tests="3">
    <testcase name="test_y[1]" classname="tests.test_a.TestX" time="0.5">
      <failure type="timeout" message="timed out after 5s">stack</failure>
    </testcase>
    <testcase name="flaky" classname="t" time="1.0">
      <flakyFailure message="assert 1 == 2">E   assert 1 == 2</flakyFailure>
    </testcase>
    <testcase name="two" time="0">
      <failure message="AssertionError: broken&#10;assert 2 == 3">E</failure>
    </testcase>
  </testsuite>
</testsuites>"#;
        let tests = parse(xml).unwrap();
        assert_eq!(tests[0].id, "tests.test_a.TestX::test_y[1]");
        assert_eq!(tests[0].outcome, Outcome::TimedOut);
        assert_eq!(tests[1].outcome, Outcome::Flaky);
        assert_eq!(tests[1].attempts, 2);
        assert_eq!(tests[2].id, "two");
        assert_eq!(tests[2].message, "AssertionError: broken\nassert 2 == 3");
    }

    #[test]
    fn what_is_not_xml_is_an_error() {
        assert!(parse("<testsuites").is_err());
    }
}
