//! The one entry point of `test-timeout-runner`: a run of any mode, from its settings to its
//! report. [`run`] picks the mode, makes the scratch folder of the per-test modes, passes a
//! generic command's output through, samples the run for `--monitor`, tells an [`Observer`]
//! what happens while it happens (the CLI's progress lines and live JUnit file are fed from
//! it), and sweeps whatever the run left behind.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::cargo::{self, CargoError};
use super::generic::{self, AttemptInfo, CommandEnd, GenericConfig};
use super::go::{self, GoError};
use super::mem_limit::{self, Limiter};
use super::memory::{self, Hook, HookOptions};
use super::pytest::{self, PytestConfig, PytestError};
use super::{Framework, Outcome, Progress, RunReport, SessionConfig, SpawnError};
use crate::monitor::{Breach, SamplerError};
use crate::proc::{self, Limits, Passthrough, Sink};
use crate::shard::Partition;

/// What a run does, every setting resolved (flags over `velo.toml` over defaults).
#[derive(Clone)]
pub struct RunConfig {
    /// The command and its arguments.
    pub command: Vec<OsString>,
    /// Where the per-test modes run (generic mode runs where velo runs).
    pub cwd: PathBuf,
    /// The mode; `Auto` is resolved from the command.
    pub framework: Framework,
    /// The whole run's limit.
    pub timeout: Option<Duration>,
    /// Generic mode: the no-output watchdog.
    pub idle_timeout: Option<Duration>,
    /// Per-test modes: each test's limit.
    pub test_timeout: Option<Duration>,
    /// Grace between the steps of the kill escalation.
    pub kill_after: Duration,
    pub retries: u32,
    /// The first retry's wait, doubled for each next one.
    pub retry_backoff: Duration,
    /// Batches at once; `None`: one pytest session, one cargo test or go package per CPU.
    pub jobs: Option<usize>,
    /// `--partition`: this shard of the tests only.
    pub partition: Option<Partition>,
    /// Keep every attempt's or session's output here.
    pub output_dir: Option<PathBuf>,
    /// `--monitor`: sample the run's process tree.
    pub monitor: Option<HookOptions>,
    /// Generic mode: pass the command's stdout and stderr through live to these writers (else
    /// its output is captured for the report).
    pub passthrough: Option<(Sink, Sink)>,
    /// The PYTHONPATH the pytest plugin's folder is put in front of (velo's own, as a rule).
    pub pythonpath: Option<OsString>,
    /// Run these tests first (the failures of the previous `--watch` run).
    pub first: Vec<String>,
    /// `--test-memory`: each test process's memory limit, in bytes.
    pub test_memory: Option<u64>,
}

/// Told what happens while a run goes on. Per-test modes call it from their worker threads.
pub trait Observer: Sync {
    /// A test finished, or is about to be retried (pytest, cargo and go modes).
    fn progress(&self, _progress: Progress) {}
    /// An attempt of the command ended (generic mode).
    fn attempt(&self, _attempt: &AttemptInfo) {}
    /// `--max-rss` was crossed (told as the run ends).
    fn breach(&self, _breach: &Breach) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}

/// What a run gave.
#[derive(Debug)]
pub struct RunOutcome {
    pub report: RunReport,
    /// Generic mode: how the command's last attempt ended (its exit code is velo's).
    pub end: Option<CommandEnd>,
}

impl RunOutcome {
    /// Per-test modes: the tests that failed, timed out or errored (the next `--watch` run
    /// starts with them); none in generic mode.
    pub fn bad_tests(&self) -> Vec<String> {
        if self.end.is_some() {
            return Vec::new();
        }
        self.report
            .tests
            .iter()
            .filter(|t| t.outcome.is_bad())
            .map(|t| t.id.clone())
            .collect()
    }
}

/// A run that could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The command could not start (generic mode).
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    #[error(transparent)]
    Pytest(#[from] PytestError),
    #[error(transparent)]
    Cargo(#[from] CargoError),
    #[error(transparent)]
    Go(#[from] GoError),
    /// The per-test modes' scratch folder.
    #[error("cannot create a temp folder")]
    WorkDir(#[source] std::io::Error),
    /// `--monitor` cannot sample velo's process tree.
    #[error(transparent)]
    Monitor(SamplerError),
    /// `--test-memory` in go mode: `go test` builds the test binary and runs it as its own
    /// child, so a group around the session would hold the compiler too.
    #[error("--test-memory works in pytest, cargo and generic mode, not go mode: `go test` builds each test binary and runs it itself, so the limit would fall on the compiler too")]
    MemoryInGoMode,
}

impl RunError {
    /// The command (or the framework's tool) could not start: the error a shell would name.
    pub fn spawn_error(&self) -> Option<&SpawnError> {
        match self {
            Self::Spawn(e)
            | Self::Pytest(PytestError::Spawn(e))
            | Self::Cargo(CargoError::Spawn(e))
            | Self::Go(GoError::Spawn(e)) => Some(e),
            _ => None,
        }
    }
}

/// Runs the command once in its mode (retries included) and returns the report.
pub fn run(
    cfg: &RunConfig,
    cancel: &AtomicBool,
    observer: &dyn Observer,
) -> Result<RunOutcome, RunError> {
    let result = run_unswept(cfg, cancel, observer);
    // Belt and braces: nothing tagged by this velo outlives the run. (Not in the unit tests,
    // which call `run_unswept`: the session's other runs there are other tests' and in flight.)
    let _ = proc::sweep_session();
    result
}

fn run_unswept(
    cfg: &RunConfig,
    cancel: &AtomicBool,
    observer: &dyn Observer,
) -> Result<RunOutcome, RunError> {
    let framework = cfg.framework.resolve(&cfg.command);
    if framework == Framework::Go && cfg.test_memory.is_some() {
        return Err(RunError::MemoryInGoMode);
    }
    let per_test = matches!(
        framework,
        Framework::Pytest | Framework::Cargo | Framework::Go
    );
    let work = if per_test {
        let dir = tempfile::Builder::new()
            .prefix("velo-runner-")
            .tempdir()
            .map_err(RunError::WorkDir)?;
        Some(dir)
    } else {
        None
    };
    let (memory, memory_note) = match cfg.test_memory {
        Some(limit) => {
            let (limiter, note) = Limiter::new(limit);
            (Some(limiter), note)
        }
        None => (None, None),
    };
    let sampled = matches!(memory, Some(Limiter::Sampled { .. }));
    // Without a cgroup, --test-memory is judged on samples: sample even without --monitor.
    let hook_opts = cfg.monitor.or(sampled.then_some(HookOptions {
        interval: SAMPLED_MEMORY_INTERVAL,
        max_rss: None,
    }));
    let hook = hook_opts
        .map(Hook::start)
        .transpose()
        .map_err(RunError::Monitor)?;
    let result = match &work {
        Some(work) => {
            let mut session = session(framework, cfg, work.path().to_path_buf(), hook.as_ref());
            session.memory = memory;
            run_tests(framework, cfg, session, cancel, observer)
                .map(|report| RunOutcome { report, end: None })
        }
        None => run_generic(cfg, memory, cancel, observer),
    };
    let monitor = hook.and_then(|h| h.finish(per_test));
    for b in monitor.iter().flat_map(|m| &m.figures.breaches) {
        observer.breach(b);
    }
    let mut outcome = result?;
    if let (Some(Limiter::Sampled { limit }), Some(m)) = (memory, &monitor) {
        judge_sampled(&mut outcome, limit, m);
    }
    outcome.report.notes.extend(memory_note);
    // Sampled only for --test-memory: the figures were not asked for.
    outcome.report.monitor = if cfg.monitor.is_some() { monitor } else { None };
    Ok(outcome)
}

/// How often test memory is sampled where `--test-memory` has no cgroup.
const SAMPLED_MEMORY_INTERVAL: Duration = Duration::from_millis(100);

/// `--test-memory` without a cgroup: a test (generic mode: the command) whose sampled peak RSS
/// crossed the limit is out of memory, judged after the fact.
fn judge_sampled(outcome: &mut RunOutcome, limit: u64, m: &memory::RunMonitor) {
    let report = &mut outcome.report;
    let peaks: Vec<(String, u64)> = if outcome.end.is_some() {
        let peak = m.figures.sampled_peak_rss_bytes.unwrap_or(0);
        report.tests.iter().map(|t| (t.id.clone(), peak)).collect()
    } else {
        m.all_tests
            .iter()
            .map(|t| (t.id.clone(), t.peak_rss_bytes))
            .collect()
    };
    for t in &mut report.tests {
        let Some((_, peak)) = peaks.iter().find(|(id, _)| *id == t.id) else {
            continue;
        };
        t.memory_peak_bytes = Some(*peak);
        if *peak > limit && !matches!(t.outcome, Outcome::Interrupted | Outcome::Skipped) {
            t.outcome = Outcome::OutOfMemory;
            t.excerpt = format!("{}\n{}", mem_limit::sampled_line(limit, *peak), t.excerpt);
            if outcome.end.is_some() {
                outcome.end = Some(CommandEnd::OutOfMemory);
            }
        }
    }
    report.summary = super::Summary::of(&report.tests);
}

/// The per-test modes' settings.
fn session(
    framework: Framework,
    cfg: &RunConfig,
    work_dir: PathBuf,
    hook: Option<&Hook>,
) -> SessionConfig {
    SessionConfig {
        command: cfg.command.clone(),
        cwd: cfg.cwd.clone(),
        test_timeout: cfg.test_timeout,
        timeout: cfg.timeout,
        kill_after: cfg.kill_after,
        retries: cfg.retries,
        retry_backoff: cfg.retry_backoff,
        // pytest runs one session unless asked; cargo runs one test per process and go one
        // package per session, so by default as many at once as there are cores.
        jobs: cfg.jobs.unwrap_or_else(|| {
            if matches!(framework, Framework::Cargo | Framework::Go) {
                crate::config::jobs::cpus()
            } else {
                1
            }
        }),
        partition: cfg.partition,
        work_dir,
        output_dir: cfg.output_dir.clone(),
        first: cfg.first.clone(),
        tracker: hook.map(Hook::tracker),
        memory: None,
    }
}

fn run_tests(
    framework: Framework,
    cfg: &RunConfig,
    session: SessionConfig,
    cancel: &AtomicBool,
    observer: &dyn Observer,
) -> Result<RunReport, RunError> {
    let on_progress = |p: Progress| observer.progress(p);
    Ok(match framework {
        Framework::Cargo => cargo::run(&session, cancel, &on_progress)?,
        Framework::Go => go::run(&session, cancel, &on_progress)?,
        _ => {
            let cfg = PytestConfig {
                session,
                env: Vec::new(),
                pythonpath: cfg.pythonpath.clone(),
            };
            pytest::run(&cfg, cancel, &on_progress)?
        }
    })
}

fn run_generic(
    cfg: &RunConfig,
    memory: Option<Limiter>,
    cancel: &AtomicBool,
    observer: &dyn Observer,
) -> Result<RunOutcome, RunError> {
    let gcfg = GenericConfig {
        command: cfg.command.clone(),
        cwd: None,
        env: Vec::new(),
        limits: Limits {
            timeout: cfg.timeout,
            idle_timeout: cfg.idle_timeout,
            kill_after: cfg.kill_after,
        },
        retries: cfg.retries,
        retry_backoff: cfg.retry_backoff,
        output_dir: cfg.output_dir.clone(),
        passthrough: cfg
            .passthrough
            .clone()
            .map(|(out, err)| Passthrough::new(out, err)),
        memory,
    };
    let run = generic::run(&gcfg, cancel, &mut |a| observer.attempt(a))?;
    Ok(RunOutcome {
        report: run.report,
        end: Some(run.end),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    fn config(command: &[&str]) -> RunConfig {
        RunConfig {
            command: command.iter().map(OsString::from).collect(),
            cwd: std::env::current_dir().unwrap(),
            framework: Framework::Auto,
            timeout: None,
            idle_timeout: None,
            test_timeout: None,
            kill_after: Duration::from_secs(2),
            retries: 0,
            retry_backoff: Duration::from_millis(10),
            jobs: None,
            partition: None,
            output_dir: None,
            monitor: None,
            passthrough: None,
            pythonpath: None,
            first: Vec::new(),
            test_memory: None,
        }
    }

    #[derive(Default)]
    struct Attempts(Mutex<Vec<u32>>);
    impl Observer for Attempts {
        fn attempt(&self, a: &AttemptInfo) {
            self.0.lock().unwrap().push(a.number);
        }
    }

    #[test]
    fn a_generic_command_is_run_and_its_attempts_told() {
        let cfg = RunConfig {
            retries: 1,
            ..config(&["sh", "-c", "exit 3"])
        };
        let seen = Attempts::default();
        let out = run_unswept(&cfg, &AtomicBool::new(false), &seen).unwrap();
        assert_eq!(out.end, Some(CommandEnd::Code(3)));
        assert_eq!(out.report.framework, "generic");
        assert_eq!(*seen.0.lock().unwrap(), vec![1, 2]);
        // Generic mode names no test to run first next time.
        assert!(out.bad_tests().is_empty());
    }

    #[test]
    fn passed_through_output_reaches_the_writers() {
        let got = Arc::new(Mutex::new(Vec::new()));
        let into = Arc::clone(&got);
        let out: Sink = Arc::new(move |b: &[u8]| {
            into.lock().unwrap().extend_from_slice(b);
            true
        });
        let err: Sink = Arc::new(|_: &[u8]| true);
        let cfg = RunConfig {
            passthrough: Some((out, err)),
            ..config(&["sh", "-c", "printf through"])
        };
        let outcome = run_unswept(&cfg, &AtomicBool::new(false), &Quiet).unwrap();
        assert_eq!(outcome.end, Some(CommandEnd::Code(0)));
        assert_eq!(&*got.lock().unwrap(), b"through");
    }

    #[test]
    fn a_command_that_is_not_there_is_a_spawn_error() {
        let cfg = config(&["velo-no-such-command-xyz"]);
        let e = run_unswept(&cfg, &AtomicBool::new(false), &Quiet).unwrap_err();
        assert!(
            matches!(e.spawn_error(), Some(SpawnError::NotFound(_))),
            "{e}"
        );
    }
}
