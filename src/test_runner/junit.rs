//! JUnit XML: the report CI systems read. Written whole after each finished test (atomically,
//! by the caller) so a killed runner still leaves a valid file covering every finished test.
//! Timed-out tests carry `<failure type="timeout">`, flaky ones their failed attempts as
//! `<flakyFailure>` (the Maven Surefire convention that GitLab, Jenkins and nextest use), and
//! each test its captured output as `<system-out>`. Also reads JUnit back for `merge`.

use super::{Attempt, Outcome, RunReport, TestResult};

/// Splits a test id into JUnit `(classname, name)`. pytest ids (`dir/test_a.py::Cls::test_x`)
/// become `dir.test_a.Cls` and `test_x`, as pytest's own `--junitxml` names them.
pub fn split_id(id: &str) -> (String, String) {
    if let Some((head, name)) = id.rsplit_once("::") {
        let class = head
            .split("::")
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part.trim_end_matches(".py").replace('/', ".")
                } else {
                    part.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(".");
        (class, name.to_string())
    } else {
        (String::new(), id.to_string())
    }
}

/// Escapes text for XML content and attributes, dropping characters XML 1.0 cannot carry.
pub fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&apos;"),
            '\n' | '\t' | '\r' => s.push(ch),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                s.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => s.push(c),
        }
    }
    s
}

fn first_line(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
}

/// Renders the report as one `<testsuites>` with one `<testsuite>`.
pub fn render(report: &RunReport, suite: &str) -> String {
    let s = &report.summary;
    let failures = s.failed + s.timed_out;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"velo\" tests=\"{}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
        s.total(),
        s.errors,
        s.skipped,
        report.duration_s
    ));
    out.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
        escape(suite),
        s.total(),
        s.errors,
        s.skipped,
        report.duration_s
    ));
    for t in &report.tests {
        let (class, name) = split_id(&t.id);
        out.push_str(&format!(
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
            escape(&name),
            escape(&class),
            t.duration_s
        ));
        let mut body = String::new();
        match t.outcome {
            Outcome::Failed => {
                body.push_str(&element("failure", "", first_line(&t.excerpt), &t.excerpt));
            }
            Outcome::TimedOut => body.push_str(&element(
                "failure",
                "timeout",
                &format!("timed out after {:.1}s", t.duration_s),
                &t.excerpt,
            )),
            Outcome::Error => {
                body.push_str(&element("error", "", first_line(&t.excerpt), &t.excerpt));
            }
            Outcome::Skipped => body.push_str(&format!(
                "      <skipped message=\"{}\"/>\n",
                escape(first_line(&t.excerpt))
            )),
            Outcome::Passed | Outcome::Flaky => {}
        }
        if t.outcome == Outcome::Flaky {
            for a in &t.previous {
                let kind = if a.outcome == Outcome::TimedOut {
                    "timeout"
                } else {
                    ""
                };
                body.push_str(&element(
                    "flakyFailure",
                    kind,
                    first_line(&a.excerpt),
                    &a.excerpt,
                ));
            }
        }
        if !t.output.is_empty() {
            body.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                escape(&t.output)
            ));
        }
        if body.is_empty() {
            out.push_str("/>\n");
        } else {
            out.push_str(">\n");
            out.push_str(&body);
            out.push_str("    </testcase>\n");
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn element(tag: &str, kind: &str, message: &str, text: &str) -> String {
    let kind = if kind.is_empty() {
        String::new()
    } else {
        format!(" type=\"{kind}\"")
    };
    format!(
        "      <{tag}{kind} message=\"{}\">{}</{tag}>\n",
        escape(message),
        escape(text)
    )
}

/// A JUnit file that could not be read back.
#[derive(Debug, thiserror::Error)]
#[error("not valid JUnit XML: {0}")]
pub struct ParseError(String);

/// Reads the test cases of a JUnit file (velo's or another tool's).
pub fn parse(text: &str) -> Result<Vec<TestResult>, ParseError> {
    let doc = roxmltree::Document::parse(text).map_err(|e| ParseError(e.to_string()))?;
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
        let mut previous = Vec::new();
        let mut output = String::new();
        for child in case.children().filter(roxmltree::Node::is_element) {
            match child.tag_name().name() {
                "failure" => {
                    outcome = if child.attribute("type") == Some("timeout") {
                        Outcome::TimedOut
                    } else {
                        Outcome::Failed
                    };
                    excerpt = text_of(child);
                }
                "error" => {
                    outcome = Outcome::Error;
                    excerpt = text_of(child);
                }
                "skipped" => {
                    outcome = Outcome::Skipped;
                    excerpt = child.attribute("message").unwrap_or_default().to_string();
                }
                "flakyFailure" | "flakyError" => previous.push(Attempt {
                    outcome: if child.attribute("type") == Some("timeout") {
                        Outcome::TimedOut
                    } else {
                        Outcome::Failed
                    },
                    duration_s: 0.0,
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
            excerpt,
            previous,
            output,
        });
    }
    Ok(tests)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn ids_split_like_pytest_junitxml() {
        assert_eq!(
            split_id("tests/test_a.py::TestX::test_y[1]"),
            ("tests.test_a.TestX".to_string(), "test_y[1]".to_string())
        );
        assert_eq!(split_id("plain"), (String::new(), "plain".to_string()));
    }

    #[test]
    fn round_trips_outcomes() {
        let mut hung = TestResult::new("t.py::hang", Outcome::TimedOut, Duration::from_secs(5));
        hung.excerpt = "stack <here> & \u{1} there".into();
        let mut flaky = TestResult::new("t.py::flaky", Outcome::Flaky, Duration::ZERO);
        flaky.attempts = 2;
        flaky.previous.push(Attempt {
            outcome: Outcome::Failed,
            duration_s: 0.1,
            excerpt: "assert 1 == 2".into(),
        });
        let mut skipped = TestResult::new("t.py::skip", Outcome::Skipped, Duration::ZERO);
        skipped.excerpt = "no db".into();
        let report = crate::test_runner::RunReport::new(
            "pytest",
            vec![
                TestResult::new("t.py::ok", Outcome::Passed, Duration::ZERO),
                hung,
                flaky,
                skipped,
                TestResult::new("t.py::err", Outcome::Error, Duration::ZERO),
            ],
            Duration::from_secs(6),
        );
        let xml = render(&report, "pytest");
        let back = parse(&xml).unwrap();
        let outcomes: Vec<Outcome> = back.iter().map(|t| t.outcome).collect();
        assert_eq!(
            outcomes,
            vec![
                Outcome::Passed,
                Outcome::TimedOut,
                Outcome::Flaky,
                Outcome::Skipped,
                Outcome::Error
            ]
        );
        assert_eq!(back[0].id, "t::ok");
        assert!(back[1].excerpt.contains("stack <here> & \\x01 there"));
        assert!(
            xml.contains("failures=\"1\" errors=\"1\" skipped=\"1\""),
            "{xml}"
        );
    }
}
