//! The JUnit report is rewritten as tests finish, so its render cost bounds the per-test
//! overhead with `--junit`. Measures `quick-junit` (what velo writes with, as nextest does)
//! against the hand-written writer velo had before, on the same 1,000-test report, and the
//! `/proc` scan used to find leftover processes.
//!
//! `cargo bench --bench runner_junit`
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use velo::report::junit;
use velo::test_runner::{Outcome, RunReport, TestResult};

fn report(n: usize) -> RunReport {
    let tests = (0..n)
        .map(|i| {
            let outcome = if i % 50 == 0 {
                Outcome::Failed
            } else {
                Outcome::Passed
            };
            let mut t = TestResult::new(
                format!("tests/test_mod_{}.py::test_case_{i}[param-{i}]", i / 100),
                outcome,
                Duration::from_millis(3),
            );
            if outcome == Outcome::Failed {
                t.excerpt = "E   assert 1 == 2\n".repeat(10);
            }
            t
        })
        .collect();
    RunReport::new("pytest", tests, Duration::from_secs(3))
}

// ---------------------------------------------------------------- the former hand-written writer

/// Escapes text for XML content and attributes, dropping characters XML 1.0 cannot carry.
fn escape(text: &str) -> String {
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
fn hand_render(report: &RunReport, suite: &str) -> String {
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
        let (class, name) = junit::split_id(&t.id);
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
            Outcome::Interrupted => body.push_str(&element(
                "error",
                "interrupted",
                first_line(&t.excerpt),
                &t.excerpt,
            )),
            Outcome::OutOfMemory => body.push_str(&element(
                "failure",
                "out-of-memory",
                first_line(&t.excerpt),
                &t.excerpt,
            )),
            Outcome::Skipped => body.push_str(&format!(
                "      <skipped message=\"{}\"/>\n",
                escape(first_line(&t.excerpt))
            )),
            Outcome::XFailed => body.push_str(&format!(
                "      <skipped type=\"pytest.xfail\" message=\"{}\"/>\n",
                escape(&t.message)
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

fn bench(c: &mut Criterion) {
    let r = report(1000);
    let mut g = c.benchmark_group("junit_render_1000_tests");
    g.bench_function("quick_junit", |b| b.iter(|| junit::render(&r, "pytest")));
    g.bench_function("hand_written", |b| b.iter(|| hand_render(&r, "pytest")));
    g.finish();
    c.bench_function("proc_scan", |b| b.iter(velo::proc::tree::scan));
}

criterion_group!(benches, bench);
criterion_main!(benches);
