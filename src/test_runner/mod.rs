//! `test-timeout-runner`: runs a test command so that a hang costs one test, never the session.
//! Generic mode supervises any command as GNU `timeout` would, plus whole-tree kill, a
//! no-output watchdog and retries; pytest mode learns which test runs from an event plugin,
//! enforces per-test timeouts from outside Python, and resumes the session without the
//! finished and timed-out tests; cargo mode runs each test in its own process; go mode reads
//! `go test -json` events and resumes a package with `-run` after a hang. Every mode produces
//! one [`RunReport`].

pub mod cargo;
pub mod cargo_doc;
pub mod driver;
pub mod excerpt;
pub mod generic;
pub mod go;
pub mod junit;
pub mod mem_limit;
pub mod memory;
pub mod merge;
pub mod pytest;
mod pytest_session;
mod run;
pub mod summary;
pub mod watch;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::proc::Leaked;
/// Why the command could not start (its kind decides the exit code: 127, 126, 125).
pub use crate::proc::SpawnError;

/// `--partition`'s shard.
pub use crate::shard::Partition;
pub use excerpt::{last_lines, strip_ansi, timeout_excerpt, GO_STACK_MARKER, STACK_MARKER};
pub use run::{run, Observer, Quiet, RunConfig, RunError, RunOutcome};

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
    /// `--monitor`: told which tests run in which process.
    pub tracker: Option<std::sync::Arc<memory::Tracker>>,
    /// `--test-memory`: how each test process's memory is limited.
    pub memory: Option<mem_limit::Limiter>,
}

/// The test frameworks velo knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    /// pytest's xfail: expected to fail and failed (`@pytest.mark.xfail`, `pytest.xfail()`),
    /// counted apart from skips as pytest counts it.
    #[serde(rename = "xfailed")]
    XFailed,
    TimedOut,
    Error,
    /// Failed, then passed on a retry.
    Flaky,
    /// Running when velo was stopped by a signal (Ctrl-C, SIGTERM, SIGHUP): neither passed nor
    /// failed, and not a timeout.
    Interrupted,
    /// Killed by the kernel for crossing its `--test-memory` limit.
    OutOfMemory,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::XFailed => "xfailed",
            Self::TimedOut => "timed-out",
            Self::Error => "error",
            Self::Flaky => "flaky",
            Self::Interrupted => "interrupted",
            Self::OutOfMemory => "out-of-memory",
        }
    }

    /// Failed, timed out, errored or out of memory: worth a retry and a non-zero exit. An
    /// interrupted test is none of these (the run itself ends by the signal).
    pub fn is_bad(self) -> bool {
        matches!(
            self,
            Self::Failed | Self::TimedOut | Self::Error | Self::OutOfMemory
        )
    }
}

/// One earlier attempt of a test that was retried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub outcome: Outcome,
    pub duration_s: f64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub excerpt: String,
}

/// The result of one test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    pub id: String,
    pub outcome: Outcome,
    /// Seconds, all attempts together (each earlier attempt's own time is in `previous`).
    pub duration_s: f64,
    pub attempts: u32,
    /// The error in one line, as the framework states it (pytest's exception line,
    /// `ConnectionError: cannot connect to …`): JUnit's `message`. Empty: the excerpt's first line.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
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
    /// `--test-memory`: the peak of the test's charged memory from its cgroup (pytest and go:
    /// the session's, from the test's start on cgroup v1), or its sampled peak RSS where no
    /// cgroup could be made (the report's notes say which).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_peak_bytes: Option<u64>,
}

impl TestResult {
    pub fn new(id: impl Into<String>, outcome: Outcome, duration: Duration) -> Self {
        Self {
            id: id.into(),
            outcome,
            duration_s: round_ms(duration.as_secs_f64()),
            attempts: 1,
            message: String::new(),
            excerpt: String::new(),
            previous: Vec::new(),
            output: String::new(),
            memory_peak_bytes: None,
        }
    }
}

/// Counts per outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    #[serde(default)]
    pub xfailed: usize,
    pub timed_out: usize,
    pub errors: usize,
    pub flaky: usize,
    #[serde(default)]
    pub interrupted: usize,
    #[serde(default)]
    pub out_of_memory: usize,
}

impl Summary {
    pub fn of(tests: &[TestResult]) -> Self {
        let mut s = Self::default();
        for t in tests {
            match t.outcome {
                Outcome::Passed => s.passed += 1,
                Outcome::Failed => s.failed += 1,
                Outcome::Skipped => s.skipped += 1,
                Outcome::XFailed => s.xfailed += 1,
                Outcome::TimedOut => s.timed_out += 1,
                Outcome::Error => s.errors += 1,
                Outcome::Flaky => s.flaky += 1,
                Outcome::Interrupted => s.interrupted += 1,
                Outcome::OutOfMemory => s.out_of_memory += 1,
            }
        }
        s
    }

    pub fn total(&self) -> usize {
        self.passed
            + self.failed
            + self.skipped
            + self.xfailed
            + self.timed_out
            + self.errors
            + self.flaky
            + self.interrupted
            + self.out_of_memory
    }

    pub fn bad(&self) -> usize {
        self.failed + self.timed_out + self.errors + self.out_of_memory
    }

    /// `3 passed, 1 failed, 1 timed out` (zero counts left out; passed and failed always shown).
    pub fn line(&self) -> String {
        let mut parts = vec![
            format!("{} passed", self.passed),
            format!("{} failed", self.failed),
        ];
        for (n, what) in [
            (self.skipped, "skipped"),
            (self.xfailed, "xfailed"),
            (self.timed_out, "timed out"),
            (self.out_of_memory, "out of memory"),
            (self.errors, "errors"),
            (self.flaky, "flaky"),
            (self.interrupted, "interrupted"),
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
    /// What the reader should know about how the figures were had (e.g. why `--test-memory`
    /// could not use a cgroup).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// `--partition`: this run's shard, `K/N`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// How the scheduler named the shard (`SLURM_ARRAY_TASK_ID=2`), when K came from its variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_task: Option<String>,
    /// `--partition`: the hash of the work every shard shares (the framework, the command and
    /// the whole list of tests before the split); merges refuse shards of other work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_hash: Option<String>,
    /// A merge told to allow it (`--allow-partial`): the shards missing or interrupted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partial: Vec<String>,
    /// `--monitor`: the run's memory, CPU, threads and descriptors (absent when not asked).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub monitor: Option<memory::RunMonitor>,
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
            notes: Vec::new(),
            shard: None,
            shard_task: None,
            work_hash: None,
            partial: Vec::new(),
            monitor: None,
        }
    }

    /// Whether the run should fail: bad tests, or flaky ones under `--fail-on-flaky`.
    pub fn has_problems(&self, fail_on_flaky: bool) -> bool {
        self.summary.bad() > 0
            || (fail_on_flaky && self.summary.flaky > 0)
            || self
                .monitor
                .as_ref()
                .is_some_and(memory::RunMonitor::breached)
    }
}

/// Something worth telling the user while the run goes on.
#[derive(Debug)]
pub enum Progress<'a> {
    /// A test finished (or timed out, or is known to have crashed the process); after a retry,
    /// the record with every attempt so far.
    Finished(&'a TestResult),
    /// A retry is about to start.
    Retrying { id: &'a str, attempt: u32 },
}

/// Rounds seconds to milliseconds (stable JSON).
pub fn round_ms(secs: f64) -> f64 {
    (secs * 1000.0).round() / 1000.0
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
