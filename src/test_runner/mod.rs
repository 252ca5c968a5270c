//! `test-timeout-runner`: runs a test command so that a hang costs one test, never the session.
//! Generic mode supervises any command as GNU `timeout` would, plus whole-tree kill, a
//! no-output watchdog and retries; pytest mode learns which test runs from an event plugin,
//! enforces per-test timeouts from outside Python, and resumes the session without the
//! finished and timed-out tests; cargo mode runs each test in its own process; go mode reads
//! `go test -json` events and resumes a package with `-run` after a hang. Every mode produces
//! one [`RunReport`].

pub mod cargo;
pub mod generic;
pub mod go;
pub mod junit;
pub mod merge;
pub mod pytest;
pub mod summary;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::output::Tone;
use crate::proc::Leaked;
use crate::report::{Cell, Report, Section};

/// What a per-test session (pytest, cargo or go mode) runs and under which limits.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The user's test command (for cargo, arguments after a `--` go to every test binary).
    pub command: Vec<OsString>,
    pub cwd: PathBuf,
    pub test_timeout: Option<Duration>,
    /// Whole-run limit.
    pub timeout: Option<Duration>,
    pub kill_after: Duration,
    pub retries: u32,
    pub retry_backoff: Duration,
    pub jobs: usize,
    pub partition: Option<crate::shard::Partition>,
    /// Scratch folder: plugin, event files, per-session output.
    pub work_dir: PathBuf,
    /// Keep each session's stdout/stderr here (else in `work_dir`).
    pub output_dir: Option<PathBuf>,
    /// Run these tests first (the failures of the previous `--watch` run).
    pub first: Vec<String>,
}

/// The test frameworks velo knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    /// Detect from the command (pytest, python -m pytest, cargo test, go test), else generic.
    Auto,
    /// pytest: per-test timeouts, resume after a hang, per-test retries.
    Pytest,
    /// cargo test: each test in its own process (`--exact`), in parallel.
    Cargo,
    /// go test: per-test timeouts from the -json events, resume with -run, one package per session.
    Go,
    /// Any command, supervised as a whole (GNU timeout compatible exit codes).
    Generic,
}

impl Framework {
    /// Resolves `Auto` by looking at the command.
    #[must_use]
    pub fn resolve(self, command: &[OsString]) -> Self {
        match self {
            Self::Auto if pytest::pytest_token(command).is_some() => Self::Pytest,
            Self::Auto if cargo::cargo_test_token(command).is_some() => Self::Cargo,
            Self::Auto if go::go_test_token(command).is_some() => Self::Go,
            Self::Auto => Self::Generic,
            other => other,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Pytest => "pytest",
            Self::Cargo => "cargo",
            Self::Go => "go",
            Self::Generic => "generic",
        }
    }
}

/// The outcome of one test (or of the command in generic mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Passed,
    Failed,
    Skipped,
    TimedOut,
    Error,
    /// Failed, then passed on a retry.
    Flaky,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::TimedOut => "timed-out",
            Self::Error => "error",
            Self::Flaky => "flaky",
        }
    }

    /// Failed, timed out or errored: worth a retry and a non-zero exit.
    pub fn is_bad(self) -> bool {
        matches!(self, Self::Failed | Self::TimedOut | Self::Error)
    }

    fn tone(self) -> Tone {
        match self {
            Self::Passed => Tone::Good,
            Self::Skipped => Tone::Dim,
            Self::Flaky => Tone::Warning,
            Self::Failed | Self::TimedOut | Self::Error => Tone::Error,
        }
    }
}

/// One earlier attempt of a test that was retried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub outcome: Outcome,
    pub duration_s: f64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub excerpt: String,
}

/// The result of one test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    pub id: String,
    pub outcome: Outcome,
    pub duration_s: f64,
    pub attempts: u32,
    /// Why it failed: the assertion, the error summary, or for a timeout the hung test's
    /// captured output and stack.
    #[serde(default)]
    pub excerpt: String,
    /// Earlier attempts, when the test was retried.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous: Vec<Attempt>,
    /// Captured output of the last attempt (JUnit `system-out`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub output: String,
}

impl TestResult {
    pub fn new(id: impl Into<String>, outcome: Outcome, duration: Duration) -> Self {
        Self {
            id: id.into(),
            outcome,
            duration_s: round_ms(duration.as_secs_f64()),
            attempts: 1,
            excerpt: String::new(),
            previous: Vec::new(),
            output: String::new(),
        }
    }
}

/// Counts per outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub timed_out: usize,
    pub errors: usize,
    pub flaky: usize,
}

impl Summary {
    pub fn of(tests: &[TestResult]) -> Self {
        let mut s = Self::default();
        for t in tests {
            match t.outcome {
                Outcome::Passed => s.passed += 1,
                Outcome::Failed => s.failed += 1,
                Outcome::Skipped => s.skipped += 1,
                Outcome::TimedOut => s.timed_out += 1,
                Outcome::Error => s.errors += 1,
                Outcome::Flaky => s.flaky += 1,
            }
        }
        s
    }

    pub fn total(&self) -> usize {
        self.passed + self.failed + self.skipped + self.timed_out + self.errors + self.flaky
    }

    pub fn bad(&self) -> usize {
        self.failed + self.timed_out + self.errors
    }

    /// `3 passed, 1 failed, 1 timed out` (zero counts left out; passed and failed always shown).
    pub fn line(&self) -> String {
        let mut parts = vec![
            format!("{} passed", self.passed),
            format!("{} failed", self.failed),
        ];
        for (n, what) in [
            (self.skipped, "skipped"),
            (self.timed_out, "timed out"),
            (self.errors, "errors"),
            (self.flaky, "flaky"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        parts.join(", ")
    }
}

/// A leaked process, reported once per run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeakNote {
    pub pid: i32,
    pub command: String,
    pub held_output: bool,
    /// The test (or attempt) during whose run it was found.
    pub during: String,
}

impl LeakNote {
    pub fn from_leaked(l: &Leaked, during: &str) -> Self {
        Self {
            pid: l.pid,
            command: l.command.clone(),
            held_output: l.held_output,
            during: during.to_string(),
        }
    }
}

/// Everything one `test-timeout-runner` run found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub framework: String,
    pub summary: Summary,
    pub tests: Vec<TestResult>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leaked: Vec<LeakNote>,
    pub duration_s: f64,
    /// The run was cut short by a signal (Ctrl-C, SIGTERM) or the whole-run `--timeout`.
    #[serde(default)]
    pub interrupted: bool,
}

impl RunReport {
    pub fn new(framework: &str, tests: Vec<TestResult>, duration: Duration) -> Self {
        Self {
            framework: framework.to_string(),
            summary: Summary::of(&tests),
            tests,
            leaked: Vec::new(),
            duration_s: round_ms(duration.as_secs_f64()),
            interrupted: false,
        }
    }

    /// Whether the run should fail: bad tests, or flaky ones under `--fail-on-flaky`.
    pub fn has_problems(&self, fail_on_flaky: bool) -> bool {
        self.summary.bad() > 0 || (fail_on_flaky && self.summary.flaky > 0)
    }
}

/// Rounds seconds to milliseconds (stable JSON).
pub fn round_ms(secs: f64) -> f64 {
    (secs * 1000.0).round() / 1000.0
}

/// The last `n` non-empty lines of `text`.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

const SLOWEST: usize = 5;

/// Marks where a timed-out test's faulthandler dump starts in its excerpt.
pub const STACK_MARKER: &str = "--- stack (faulthandler) ---";

/// Marks where a timed-out Go test's goroutine stack (from SIGQUIT) starts in its excerpt.
pub const GO_STACK_MARKER: &str = "--- stack (goroutine dump) ---";

/// The innermost frames of a Go goroutine stack (`pkg.Func(args)` followed by a tab-indented
/// `file:line +0x..` line), as `pkg.Func (file.go:12)`, runtime frames left out.
fn go_frames(stack: &str) -> Vec<String> {
    let lines: Vec<&str> = stack
        .lines()
        .skip_while(|l| !l.starts_with("goroutine "))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect();
    let mut frames = Vec::new();
    for pair in lines.windows(2) {
        let (func, place) = (pair[0], pair[1]);
        if func.starts_with('\t') || !place.starts_with('\t') || func.starts_with("runtime.") {
            continue;
        }
        let name = func.rfind('(').map_or(func, |i| &func[..i]);
        let file = place.trim().split(' ').next().unwrap_or("");
        let file = file.rsplit('/').next().unwrap_or(file);
        frames.push(format!("{name} ({file})"));
    }
    frames
}

/// A timed-out test in a few lines: the reason, the last output lines, and the innermost
/// frames of the stack (faulthandler and Go both print the most recent call first).
pub fn timeout_excerpt(excerpt: &str) -> String {
    let (head, stack, go) = match excerpt.split_once(STACK_MARKER) {
        Some((h, s)) => (h, s, false),
        None => match excerpt.split_once(GO_STACK_MARKER) {
            Some((h, s)) => (h, s, true),
            None => (excerpt, "", false),
        },
    };
    let mut lines: Vec<&str> = head.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() > 7 {
        let first = lines[0];
        let tail = lines.split_off(lines.len() - 6);
        lines = std::iter::once(first).chain(tail).collect();
    }
    let frames: Vec<String> = if go {
        go_frames(stack).into_iter().take(4).collect()
    } else {
        stack
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("File "))
            .take(4)
            .map(str::to_string)
            .collect()
    };
    let mut out = lines.join("\n");
    if !frames.is_empty() {
        out.push_str("\nstack (innermost first):");
        for f in frames {
            out.push_str("\n  ");
            out.push_str(&f);
        }
    }
    out
}
const EXCERPT_LINES: usize = 12;

impl Report for RunReport {
    fn sections(&self) -> Vec<Section> {
        let mut out = Vec::new();
        let failures: Vec<&TestResult> = self
            .tests
            .iter()
            .filter(|t| matches!(t.outcome, Outcome::Failed | Outcome::Error))
            .collect();
        if !failures.is_empty() {
            out.push(Section::Table {
                title: Some("Failures".into()),
                headers: vec!["test".into(), "outcome".into(), "excerpt".into()],
                rows: failures
                    .iter()
                    .map(|t| {
                        vec![
                            Cell::new(t.id.clone()),
                            Cell::toned(t.outcome.name(), t.outcome.tone()),
                            Cell::new(last_lines(&t.excerpt, EXCERPT_LINES)),
                        ]
                    })
                    .collect(),
            });
        }
        let timed_out: Vec<&TestResult> = self
            .tests
            .iter()
            .filter(|t| t.outcome == Outcome::TimedOut)
            .collect();
        if !timed_out.is_empty() {
            out.push(Section::Table {
                title: Some("Timed out".into()),
                headers: vec!["test".into(), "after".into(), "last output / stack".into()],
                rows: timed_out
                    .iter()
                    .map(|t| {
                        vec![
                            Cell::new(t.id.clone()),
                            Cell::new(format!("{:.1}s", t.duration_s)),
                            Cell::new(timeout_excerpt(&t.excerpt)),
                        ]
                    })
                    .collect(),
            });
        }
        let flaky: Vec<&TestResult> = self
            .tests
            .iter()
            .filter(|t| t.outcome == Outcome::Flaky)
            .collect();
        if !flaky.is_empty() {
            out.push(Section::Table {
                title: Some("Flaky (failed, then passed on a retry)".into()),
                headers: vec!["test".into(), "attempts".into()],
                rows: flaky
                    .iter()
                    .map(|t| vec![Cell::new(t.id.clone()), Cell::new(t.attempts.to_string())])
                    .collect(),
            });
        }
        let mut slow: Vec<&TestResult> = self.tests.iter().collect();
        slow.sort_by(|a, b| b.duration_s.total_cmp(&a.duration_s).then(a.id.cmp(&b.id)));
        slow.truncate(SLOWEST);
        if !slow.is_empty() {
            out.push(Section::Table {
                title: Some("Slowest".into()),
                headers: vec!["test".into(), "outcome".into(), "duration".into()],
                rows: slow
                    .iter()
                    .map(|t| {
                        vec![
                            Cell::new(t.id.clone()),
                            Cell::toned(t.outcome.name(), t.outcome.tone()),
                            Cell::new(format!("{:.3}s", t.duration_s)),
                        ]
                    })
                    .collect(),
            });
        }
        if !self.leaked.is_empty() {
            out.push(Section::Table {
                title: Some("Leaked processes (killed)".into()),
                headers: vec![
                    "pid".into(),
                    "command".into(),
                    "held output".into(),
                    "during".into(),
                ],
                rows: self
                    .leaked
                    .iter()
                    .map(|l| {
                        vec![
                            Cell::new(l.pid.to_string()),
                            Cell::new(l.command.clone()),
                            Cell::new(if l.held_output { "yes" } else { "no" }),
                            Cell::new(l.during.clone()),
                        ]
                    })
                    .collect(),
            });
        }
        let tone = if self.summary.bad() > 0 {
            Tone::Error
        } else if self.summary.flaky > 0 {
            Tone::Warning
        } else {
            Tone::Good
        };
        let mut body = format!("{} in {:.1}s", self.summary.line(), self.duration_s);
        if self.interrupted {
            body.push_str(" (interrupted)");
        }
        out.push(Section::Text {
            title: None,
            body,
            tone,
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_and_line() {
        let tests = vec![
            TestResult::new("a", Outcome::Passed, Duration::ZERO),
            TestResult::new("b", Outcome::TimedOut, Duration::ZERO),
            TestResult::new("c", Outcome::Flaky, Duration::ZERO),
        ];
        let s = Summary::of(&tests);
        assert_eq!(s.total(), 3);
        assert_eq!(s.bad(), 1);
        assert_eq!(s.line(), "1 passed, 0 failed, 1 timed out, 1 flaky");
    }

    #[test]
    fn timeout_excerpt_keeps_reason_output_and_inner_frames() {
        let e = format!(
            "timed out after 5s\n--- captured stdout ---\nworking\n{STACK_MARKER}\nCurrent thread 0x1 (most recent call first):\n  File \"t.py\", line 3 in test_x\n  File \"runner.py\", line 9 in call\n"
        );
        assert_eq!(
            timeout_excerpt(&e),
            "timed out after 5s\n--- captured stdout ---\nworking\nstack (innermost first):\n  File \"t.py\", line 3 in test_x\n  File \"runner.py\", line 9 in call"
        );
    }

    #[test]
    fn timeout_excerpt_shows_go_frames_without_the_runtime() {
        let e = format!(
            "timed out after 5s (--test-timeout)\n--- last output ---\nwaiting\n{GO_STACK_MARKER}\ngoroutine 20 [sleep]:\nruntime.gopark(0x1)\n\t/go/src/runtime/proc.go:363 +0xd6\ntime.Sleep(0x34630b8a000)\n\t/go/src/runtime/time.go:195 +0x135\nexample.com/hangs.TestHangs(0xc000096b60)\n\t/p/hangs_test.go:33 +0x114\ntesting.tRunner(0xc0, 0x5)\n\t/go/src/testing/testing.go:1446 +0x10b\ntesting.(*T).Run.func1()\n\t/go/src/testing/testing.go:1493 +0x2a\n\ngoroutine 1 [chan receive]:\nmain.main()\n\t_testmain.go:57 +0x1aa\n"
        );
        assert_eq!(
            timeout_excerpt(&e),
            "timed out after 5s (--test-timeout)\n--- last output ---\nwaiting\nstack (innermost first):\n  time.Sleep (time.go:195)\n  example.com/hangs.TestHangs (hangs_test.go:33)\n  testing.tRunner (testing.go:1446)\n  testing.(*T).Run.func1 (testing.go:1493)"
        );
    }

    #[test]
    fn last_lines_skips_blank_lines() {
        assert_eq!(last_lines("a\n\nb\nc\n\n", 2), "b\nc");
    }

    #[test]
    fn flaky_fails_only_under_policy() {
        let r = RunReport::new(
            "pytest",
            vec![TestResult::new("a", Outcome::Flaky, Duration::ZERO)],
            Duration::ZERO,
        );
        assert!(!r.has_problems(false));
        assert!(r.has_problems(true));
    }
}

#[cfg(test)]
mod render_tests {
    use super::*;
    use crate::output::Ui;

    fn sample() -> RunReport {
        let mut failed = TestResult::new(
            "tests/test_api.py::test_login",
            Outcome::Failed,
            Duration::from_millis(120),
        );
        failed.excerpt = "def test_login():\n>       assert status == 200\nE       assert 503 == 200\ntests/test_api.py:7: AssertionError".into();
        let mut hung = TestResult::new(
            "tests/test_scrape.py::test_fetch",
            Outcome::TimedOut,
            Duration::from_secs(5),
        );
        hung.excerpt = format!(
            "timed out after 5.0s (--test-timeout)\n--- captured stdout ---\nfetching page 3\n{STACK_MARKER}\nCurrent thread 0x7f (most recent call first):\n  File \"socket.py\", line 705 in readinto\n  File \"tests/test_scrape.py\", line 12 in test_fetch\n"
        );
        let mut flaky = TestResult::new(
            "tests/test_ws.py::test_reconnect",
            Outcome::Flaky,
            Duration::from_millis(300),
        );
        flaky.attempts = 2;
        let mut report = RunReport::new(
            "pytest",
            vec![
                TestResult::new(
                    "tests/test_api.py::test_health",
                    Outcome::Passed,
                    Duration::from_millis(10),
                ),
                failed,
                hung,
                flaky,
            ],
            Duration::from_secs(7),
        );
        report.leaked.push(LeakNote {
            pid: 4242,
            command: "python -m http.server".into(),
            held_output: true,
            during: "pytest session-1".into(),
        });
        report
    }

    #[test]
    fn markdown_report() {
        insta::assert_snapshot!(crate::report::markdown::render(&sample().sections()));
    }

    #[test]
    fn table_report() {
        let ui = Ui::with_writers(Box::new(std::io::sink()), Box::new(std::io::sink()));
        insta::assert_snapshot!(crate::report::table::render(&sample().sections(), &ui));
    }

    #[test]
    fn json_report() {
        insta::assert_snapshot!(crate::report::json::render(&sample()).unwrap());
    }
}
