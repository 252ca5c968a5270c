//! `velo test-timeout-runner`: runs a test command (or any command) so that a hang costs one
//! test, never the session, and leaves no process behind. Parses the flags and `velo.toml`,
//! turns Ctrl-C/SIGTERM into the cancel flag the run polls, calls `test_runner::run` with an
//! observer that tells progress and feeds the live JUnit file, and renders the report.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde::Deserialize;

use super::settings::{
    duration_arg, grace_arg, interval_arg, limit_duration_arg, limit_size_arg, no_limit_if_zero,
    Layer,
};
use super::{exit, interrupt, CodedError, Context};
use crate::monitor::Breach;
use crate::outfile::{Failures, Output, Plan};
use crate::output::Ui;
use crate::report::{self, github, junit, Format};
use crate::test_runner::generic::{AttemptInfo, CommandEnd};
use crate::test_runner::go::GoError;
use crate::test_runner::memory::HookOptions;
use crate::test_runner::{
    self, merge, Framework, Observer, Partition, Progress, RunConfig, RunError, RunOutcome,
    RunReport,
};

mod watch;

/// `--framework` values (the domain's [`Framework`], with their help).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FrameworkArg {
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

impl From<FrameworkArg> for Framework {
    fn from(f: FrameworkArg) -> Self {
        match f {
            FrameworkArg::Auto => Self::Auto,
            FrameworkArg::Pytest => Self::Pytest,
            FrameworkArg::Cargo => Self::Cargo,
            FrameworkArg::Go => Self::Go,
            FrameworkArg::Generic => Self::Generic,
        }
    }
}

const LONG_ABOUT: &str = "\
Runs a test command so that a hang costs one test, never the session, and leaves nothing behind.

The command runs in its own process group with velo as child subreaper; every process it starts \
carries a VELO_RUN_ID tag, so a timeout (or Ctrl-C to velo) kills the whole tree, setsid() \
daemons included. Output is streamed to files as it comes, so nothing is lost when a process \
is killed, and velo stops waiting for output 0.5 s after the command exits even when a leaked \
daemon holds the pipe.

Generic mode (any command) is a drop-in for GNU timeout, with whole-tree kill, a no-output \
watchdog, retries and a failure summary. pytest mode (detected from `pytest`, `py.test` or \
`python -m pytest`) learns which test is running from a small event plugin, enforces \
--test-timeout per test, dumps the hung test's stack and captured output, kills the tree, \
records the test as timed-out and resumes the session without the finished tests. cargo mode \
(detected from `cargo test`) builds the test binaries and runs each test in its own process \
(`--exact`), in parallel, under the same timeout, kill and retry rules (doc-tests run as one session). \
go mode (detected from `go test`) lists each package's tests, runs each package in its own \
`go test -json` session (--jobs packages at once), watches which test is running from the \
events, and on a hang gets a goroutine dump (SIGQUIT), kills the tree, records the test as \
timed-out and runs the package's unfinished tests again with -run.";

const AFTER_LONG_HELP: &str = "\
Examples:
  velo test-timeout-runner --timeout 10m --retries 2 -- python scrape.py
  velo test-timeout-runner --test-timeout 30s --junit report.xml -- pytest tests/
  velo test-timeout-runner --jobs 4 --retries 1 --format json -- python -m pytest -q
  velo test-timeout-runner --test-timeout 10s --watch src --watch tests -- pytest -x
  velo test-timeout-runner --test-timeout 60s --retries 1 --junit report.xml -- go test ./...
  velo test-timeout-runner --monitor --max-rss 2G -- pytest tests/

Exit codes:
  0        every test passed (flaky ones too, unless --fail-on-flaky)
  1        pytest/cargo/go mode: a test failed, timed out or errored (or the build failed)
  1        --max-rss was crossed (when nothing else failed)
  N        generic mode: the command's own exit code
  124      generic mode: the command timed out (--timeout or --idle-timeout)
  125      the runner itself failed
  126      the command was found but could not be executed
  127      the command was not found
  2        usage or configuration error
  128+N    the command (generic mode) or velo was killed by signal N";

#[derive(Debug, Args)]
#[command(
    long_about = LONG_ABOUT,
    after_long_help = AFTER_LONG_HELP,
    args_conflicts_with_subcommands = true,
    subcommand_value_name = "merge",
    subcommand_help_heading = "Subcommands",
    subcommand_negates_reqs = true
)]
pub struct TestTimeoutRunnerArgs {
    #[command(subcommand)]
    pub sub: Option<RunnerCommand>,

    #[command(flatten)]
    pub limits: LimitArgs,

    #[command(flatten)]
    pub retry: RetryArgs,

    #[command(flatten)]
    pub select: SelectArgs,

    #[command(flatten)]
    pub reports: ReportArgs,

    #[command(flatten)]
    pub watch: WatchArgs,

    #[command(flatten)]
    pub monitor: MonitorArgs,

    /// The command to run and its arguments, after `--`.
    #[arg(last = true, value_name = "COMMAND", required = true)]
    pub command: Vec<OsString>,
}

#[derive(Debug, Subcommand)]
pub enum RunnerCommand {
    /// Combine the JSON (--format json) or JUnit reports of several shards into one; a missing, duplicate, foreign or interrupted shard is refused.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard reports: velo JSON reports or JUnit XML files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub common: super::MergeCommonArgs,

    /// Also write the merged report as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Exit 1 when a test is flaky (failed, then passed on a retry).
    #[arg(long)]
    pub fail_on_flaky: bool,
}

/// Time limits.
#[derive(Debug, Args)]
#[command(next_help_heading = "Time limits")]
pub struct LimitArgs {
    /// Limit for the whole run (e.g. 90s, 10m; 0 means no limit, as for GNU timeout). In generic
    /// mode a timeout exits 124.
    #[arg(long, value_name = "DUR", value_parser = limit_duration_arg, allow_hyphen_values = true)]
    pub timeout: Option<Duration>,

    /// Limit per test (pytest, cargo and go modes): a test running longer is killed with its process
    /// tree, recorded as timed-out, and the rest of the session still runs. In go mode a test with
    /// subtests times out when it runs this long without starting a new subtest. 0 means no limit.
    #[arg(long, value_name = "DUR", value_parser = limit_duration_arg, allow_hyphen_values = true)]
    pub test_timeout: Option<Duration>,

    /// Kill the command when it prints nothing for this long (a no-output watchdog; generic mode).
    /// 0 means no limit.
    #[arg(long, value_name = "DUR", value_parser = limit_duration_arg, allow_hyphen_values = true)]
    pub idle_timeout: Option<Duration>,

    /// Grace period of each step of the SIGINT → SIGTERM → SIGKILL escalation [default: 2s]; 0
    /// means no grace: the tree gets SIGKILL at once, as with `velo monitor --kill-after`.
    #[arg(long, short = 'k', value_name = "DUR", value_parser = grace_arg, allow_hyphen_values = true)]
    pub kill_after: Option<Duration>,
}

/// Retries.
#[derive(Debug, Args)]
#[command(next_help_heading = "Retries")]
pub struct RetryArgs {
    /// Run a failed or timed-out command (generic mode) or test (pytest, cargo and go modes, each in a
    /// fresh process with the timeout re-armed; go retries top-level tests with their subtests) up to N
    /// more times. Fail-then-pass is `flaky`.
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,

    /// Wait before the first retry, doubling for each next one [default: 1s].
    #[arg(long, value_name = "DUR", value_parser = duration_arg, allow_hyphen_values = true)]
    pub retry_backoff: Option<Duration>,

    /// Exit 1 when a test is flaky (failed, then passed on a retry).
    #[arg(long)]
    pub fail_on_flaky: bool,
}

/// Framework and selection.
#[derive(Debug, Args)]
#[command(next_help_heading = "Framework and selection")]
pub struct SelectArgs {
    /// How to run the command: pytest, cargo and go modes know their tests; generic supervises the
    /// command as a whole.
    #[arg(long, value_enum, value_name = "NAME")]
    pub framework: Option<FrameworkArg>,

    /// Run the tests in N parallel processes (pytest and cargo modes; default 1 for pytest,
    /// the CPU count for cargo; 0 is the CPU count). go mode tests N packages at once (default:
    /// the CPU count); within a package, go's own -parallel applies.
    #[arg(long, short = 'j', value_name = "N", value_parser = crate::config::jobs::parse)]
    pub jobs: Option<usize>,

    /// Run only shard K of N (1-based), split by a stable hash of the test ids (pytest, cargo
    /// and go modes; go splits top-level tests). `N` alone takes K from the scheduler, as it
    /// counts: SLURM_ARRAY_TASK_ID (as is, 0-based), JOB_COMPLETION_INDEX (0-based),
    /// CI_NODE_INDEX (1-based), CIRCLE_NODE_INDEX or BUILDKITE_PARALLEL_JOB (0-based); every
    /// one set must agree and be within N. With no flag, CI_NODE_TOTAL (or CIRCLE_NODE_TOTAL,
    /// BUILDKITE_PARALLEL_JOB_COUNT) gives N.
    #[arg(long, value_name = "K/N")]
    pub partition: Option<String>,
}

/// Reports.
#[derive(Debug, Args)]
#[command(next_help_heading = "Reports")]
pub struct ReportArgs {
    /// Output format of the report on stdout. In generic mode, `table` passes the command's
    /// output through live and prints no table; json and markdown capture it instead.
    #[arg(long, value_name = "FORMAT", value_parser = report::format_parser(&["table", "json", "markdown"]))]
    pub format: Option<Format>,

    /// Write a JUnit XML report to FILE: written when the run starts (marked in progress), then
    /// rewritten atomically as tests finish (at once after a failure or timeout, within 0.1 s
    /// otherwise), so a killed run still leaves a valid file (a FIFO or device gets only the
    /// final report).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Keep the stdout/stderr of every attempt (generic), pytest session, cargo test or go test
    /// session in DIR (made when missing, before anything runs).
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
}

/// Watching.
#[derive(Debug, Args)]
#[command(next_help_heading = "Watch")]
pub struct WatchArgs {
    /// Run again whenever a file under PATH changes (repeatable), previously failed tests
    /// first; Ctrl-C stops. Caches (__pycache__, .pytest_cache, target, .git) are ignored.
    #[arg(long = "watch", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// Monitoring.
#[derive(Debug, Args)]
#[command(next_help_heading = "Monitoring")]
pub struct MonitorArgs {
    /// Record the run's resources as `velo monitor` does: peak RSS and PSS of the whole process
    /// tree, CPU, threads, open files and a leak verdict. pytest, cargo and go modes also name
    /// the tests with the largest peak RSS (sampled while each test ran). Shown in a Memory section
    /// (table, markdown) or a `monitor` object (json).
    #[arg(long)]
    pub monitor: bool,

    /// Time between two samples of --monitor, from 10ms to 1h as `velo monitor --interval`
    /// (implies --monitor) [default: 200ms].
    #[arg(long, value_name = "DUR", value_parser = interval_arg, allow_hyphen_values = true)]
    pub monitor_interval: Option<Duration>,

    /// Fail the run (exit 1, unless it already fails) when the RSS of the whole process tree
    /// crosses SIZE, e.g. 512M, 2G, as `velo monitor --max-rss` (implies --monitor; 0 means no
    /// limit).
    #[arg(long, value_name = "SIZE", value_parser = limit_size_arg, allow_hyphen_values = true)]
    pub max_rss: Option<u64>,

    /// Limit the memory of each test process to SIZE, e.g. 100M, 2G (pytest: the session running
    /// the test; cargo: the test's own process; generic mode: the command; not go mode). The kernel
    /// enforces it through a cgroup per test process (v2 memory.max, v1 memory.limit_in_bytes):
    /// a test killed at the limit is reported out-of-memory with its peak, the rest still runs,
    /// and the run exits 1. Where no cgroup can be made (no write access), the report says why
    /// and the limit is judged on sampled peaks instead (not killed).
    #[arg(long, value_name = "SIZE", value_parser = crate::units::size_arg)]
    pub test_memory: Option<u64>,
}

/// The `[test-timeout-runner]` table of velo.toml (flags override it).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileSettings {
    timeout: Option<String>,
    test_timeout: Option<String>,
    idle_timeout: Option<String>,
    kill_after: Option<String>,
    retries: Option<u32>,
    retry_backoff: Option<String>,
    fail_on_flaky: Option<bool>,
    framework: Option<FrameworkArg>,
    jobs: Option<u64>,
    junit: Option<PathBuf>,
    output_dir: Option<PathBuf>,
    format: Option<Format>,
}

/// Settings after merging flags over the file: the domain's run, and how to report it.
struct Settings {
    run: RunConfig,
    fail_on_flaky: bool,
    format: Format,
    junit: Option<PathBuf>,
    /// The checked `--junit` output (see `run`).
    junit_out: Option<Arc<Output>>,
}

fn settings(args: &TestTimeoutRunnerArgs, ctx: &Context) -> anyhow::Result<Settings> {
    let layer = Layer::new(&ctx.config, "test-timeout-runner");
    let file: FileSettings = layer.read()?;
    let partition = match &args.select.partition {
        Some(text) => Some(
            Partition::parse(text, &|k| std::env::var(k).ok())
                .map_err(|e| anyhow::anyhow!("--partition {text}: {e}"))?,
        ),
        None => Partition::from_env(&|k| std::env::var(k).ok())?,
    };
    let format = args.reports.format.or(file.format).unwrap_or(Format::Table);
    let (l, r) = (&args.limits, &args.retry);
    let run = RunConfig {
        command: args.command.clone(),
        cwd: ctx.cwd.clone(),
        framework: args
            .select
            .framework
            .or(file.framework)
            .map_or(Framework::Auto, Framework::from)
            .resolve(&args.command),
        timeout: layer.limit(
            l.timeout,
            "timeout",
            file.timeout.as_deref(),
            limit_duration_arg,
        )?,
        idle_timeout: layer.limit(
            l.idle_timeout,
            "idle-timeout",
            file.idle_timeout.as_deref(),
            limit_duration_arg,
        )?,
        test_timeout: layer.limit(
            l.test_timeout,
            "test-timeout",
            file.test_timeout.as_deref(),
            limit_duration_arg,
        )?,
        kill_after: layer.grace(l.kill_after, file.kill_after.as_deref())?,
        retries: r.retries.or(file.retries).unwrap_or(0),
        retry_backoff: layer
            .pick(
                r.retry_backoff,
                "retry-backoff",
                file.retry_backoff.as_deref(),
                duration_arg,
            )?
            .unwrap_or(Duration::from_secs(1)),
        // 0 is the number of CPUs, as for every velo command with --jobs.
        jobs: layer.jobs(args.select.jobs, file.jobs)?,
        partition,
        output_dir: layer.path(
            args.reports.output_dir.as_deref(),
            file.output_dir.as_deref(),
        ),
        monitor: monitor_options(&args.monitor),
        // In generic mode the table passes the command's output through live; json and
        // markdown capture it for the report.
        passthrough: (format == Format::Table).then(|| (ctx.ui.raw_out(), ctx.ui.raw_err())),
        pythonpath: std::env::var_os("PYTHONPATH"),
        first: Vec::new(),
        test_memory: args.monitor.test_memory,
    };
    Ok(Settings {
        run,
        fail_on_flaky: Layer::switch(r.fail_on_flaky, file.fail_on_flaky),
        format,
        junit: layer.path(args.reports.junit.as_deref(), file.junit.as_deref()),
        junit_out: None,
    })
}

/// `--monitor`, `--monitor-interval`, `--max-rss` (its value rules are checked by clap).
fn monitor_options(m: &MonitorArgs) -> Option<HookOptions> {
    if !m.monitor && m.monitor_interval.is_none() && m.max_rss.is_none() {
        return None;
    }
    Some(HookOptions {
        interval: m.monitor_interval.unwrap_or(Duration::from_millis(200)),
        max_rss: no_limit_if_zero(m.max_rss),
    })
}

pub fn run(args: &TestTimeoutRunnerArgs, ctx: &Context) -> anyhow::Result<u8> {
    if let Some(RunnerCommand::Merge(m)) = &args.sub {
        return run_merge(m, ctx);
    }
    let mut s = settings(args, ctx)?;
    if !matches!(s.format, Format::Table | Format::Json | Format::Markdown) {
        anyhow::bail!(
            "--format {} is not available for test-timeout-runner",
            s.format
        );
    }
    if s.run.framework == Framework::Generic {
        for (given, flag) in [
            (s.run.test_timeout.is_some(), "--test-timeout"),
            (s.run.jobs.is_some_and(|j| j > 1), "--jobs"),
            (args.select.partition.is_some(), "--partition"),
        ] {
            if given {
                anyhow::bail!(
                    "{flag} needs a framework that names its tests, and this command runs in generic mode\n  help: run pytest, cargo test or go test (`-- pytest …`, `-- cargo test`, `-- go test ./...`) or pass --framework; for a whole command use --timeout"
                );
            }
        }
    }
    // Before anything runs (and before Ctrl-C is deferred, so a wait for a FIFO's reader can
    // be interrupted): the JUnit file and the output folder can be written.
    let mut plan = Plan::new(&ctx.cwd);
    plan.file("--junit", s.junit.as_deref())
        .folder("--output-dir", s.run.output_dir.as_deref());
    s.junit_out = plan.check(&|n| ctx.ui.info(n))?.get("--junit");

    // Ctrl-C / SIGTERM only raise this flag: the run polls it, ends its processes with the
    // kill escalation, and the reports are still written before velo exits by the signal.
    let cancel = interrupt::defer();
    if args.watch.paths.is_empty() {
        run_once(&s, ctx, &cancel).map(|(code, _)| code)
    } else {
        watch::watch_loop(&args.watch.paths, &mut s, ctx, &cancel)
    }
}

/// The observer of a run: progress lines on stderr, and the live JUnit file.
struct RunView<'a> {
    ui: &'a Ui,
    junit: Option<junit::Live>,
    /// A live JUnit write failed (said once; the final write decides).
    junit_failed: AtomicBool,
    /// Generic mode: attempts in all.
    attempts: u32,
}

impl Observer for RunView<'_> {
    fn progress(&self, p: Progress) {
        match p {
            Progress::Finished(t) => {
                if let Some(live) = &self.junit {
                    if let Err(e) = live.record(t) {
                        if !self.junit_failed.swap(true, Ordering::SeqCst) {
                            self.ui.warn(&format!("{e} (tried again at the end)"));
                        }
                    }
                }
                let (line, worth_telling) = report::test_runner::finished_line(t, self.ui);
                if worth_telling {
                    self.ui.info(&line);
                } else {
                    self.ui.debug(&line);
                }
            }
            Progress::Retrying { id, attempt } => {
                self.ui
                    .info(&format!("velo: retrying {id} (attempt {attempt})"));
            }
        }
    }

    fn attempt(&self, a: &AttemptInfo) {
        // Ended by SIGPIPE because velo's reader left: what a pipeline expects, not a failure
        // to explain (a shell says nothing either).
        if a.outcome != test_runner::Outcome::Passed && !a.output_gone {
            self.ui.info(&report::test_runner::attempt_message(
                a,
                self.attempts,
                self.ui,
            ));
        }
    }

    fn breach(&self, b: &Breach) {
        self.ui.warn(&format!(
            "limit crossed: {}",
            report::monitor::breach_line(b)
        ));
    }
}

/// The exit code and message of a run that could not be carried out.
fn run_error(e: RunError) -> anyhow::Error {
    if let Some(spawn) = e.spawn_error() {
        return exit::spawn_error(spawn);
    }
    let usage_hint = match &e {
        RunError::Go(GoError::NotGoTest { .. }) => {
            Some("pass `-- go test ./...`, or another --framework")
        }
        RunError::Go(GoError::ListOnly) => Some("drop -list (velo lists the tests itself)"),
        RunError::Go(GoError::RunAlternatives { .. }) => {
            Some("run one path per velo call, or select top-level tests only")
        }
        RunError::MemoryInGoMode => {
            Some("drop --test-memory, or limit the whole run with --max-rss")
        }
        _ => None,
    };
    if let Some(hint) = usage_hint {
        return CodedError::wrap(exit::USAGE, anyhow::anyhow!("{e}\n  help: {hint}"));
    }
    let code = match &e {
        RunError::Go(GoError::List { .. }) => exit::PROBLEMS,
        _ => exit::RUNNER_FAILED,
    };
    let monitor = matches!(e, RunError::Monitor(_));
    let mut err = anyhow::Error::new(e);
    if monitor {
        err = err.context("--monitor cannot sample this run");
    }
    CodedError::wrap(code, err)
}

/// One run: the JUnit file written before anything runs, the run, its report, its exit code.
/// Also returns the tests to run first next time (`--watch`).
fn run_once(s: &Settings, ctx: &Context, cancel: &AtomicBool) -> anyhow::Result<(u8, Vec<String>)> {
    let generic = s.run.framework == Framework::Generic;
    // Written (run in progress) before anything runs, so a killed run still leaves one.
    let junit = s
        .junit_out
        .as_ref()
        .map(|out| {
            let shard = s.run.partition.map(|p| {
                let mut props = vec![(test_runner::junit::SHARD, p.to_string())];
                if p.from.is_some() {
                    props.push((test_runner::junit::SHARD_TASK, p.task()));
                }
                props
            });
            junit::Live::start(Arc::clone(out), s.run.framework.name(), shard.unwrap_or_default())
        })
        .transpose()
        .map_err(|e| {
            CodedError::wrap(
                exit::USAGE,
                anyhow::Error::new(e).context(
                    "cannot write the JUnit report\n  help: pass a --junit path in a folder that exists and is writable",
                ),
            )
        })?;
    let mut view = RunView {
        ui: &ctx.ui,
        junit,
        junit_failed: AtomicBool::new(false),
        attempts: s.run.retries + 1,
    };
    let outcome = test_runner::run(&s.run, cancel, &view).map_err(run_error)?;
    let report = &outcome.report;
    for l in &report.leaked {
        ctx.ui.warn(&report::test_runner::leaked_line(l));
    }
    if generic && s.format == Format::Table {
        // No table to carry them (stdout is the command's): said on stderr.
        for n in &report.notes {
            ctx.ui.warn(n);
        }
    }
    if !generic && report.summary.total() == 0 && !report.interrupted {
        ctx.ui
            .warn("no test ran: check the command's paths and selection options");
    }
    let failures = finish_reports(report, view.junit.take(), ctx);
    if generic && s.format == Format::Table {
        // stdout carries the command's own output: the Memory section goes to stderr.
        if let Some(m) = &report.monitor {
            let text = report::table::render(&report::test_runner::memory_sections(m), &ctx.ui);
            ctx.ui.info(text.trim_end());
        }
    } else {
        emit(report, s.format, ctx)?;
    }
    // The report is out: a JUnit file that could not be written ends the run with exit 2.
    failures.into_result()?;
    Ok((exit_code(&outcome, s.fail_on_flaky), outcome.bad_tests()))
}

fn exit_code(outcome: &RunOutcome, fail_on_flaky: bool) -> u8 {
    let report = &outcome.report;
    let breached = report
        .monitor
        .as_ref()
        .is_some_and(test_runner::memory::RunMonitor::breached);
    if let Some(end) = outcome.end {
        let code = match end {
            CommandEnd::Code(c) => (c & 0xff) as u8,
            CommandEnd::Signal(n) => exit::for_signal(n),
            CommandEnd::TimedOut => exit::TIMED_OUT,
            CommandEnd::Lost => exit::RUNNER_FAILED,
            // As a test killed at its limit in the per-test modes: a problem found, exit 1.
            CommandEnd::OutOfMemory => exit::PROBLEMS,
            CommandEnd::Cancelled => {
                interrupt::received().map_or(exit::RUNNER_FAILED, exit::for_signal)
            }
        };
        // As `velo monitor --max-rss`: the command's own failure wins, else a breach exits 1.
        return if code == exit::SUCCESS && breached {
            exit::PROBLEMS
        } else {
            code
        };
    }
    if report.interrupted {
        if let Some(sig) = interrupt::received() {
            return exit::for_signal(sig);
        }
    }
    if report.has_problems(fail_on_flaky) || (report.interrupted && report.summary.total() == 0) {
        exit::PROBLEMS
    } else {
        exit::SUCCESS
    }
}

/// Writes the final JUnit file and the GitHub step summary. A JUnit file that cannot be
/// written is returned as a failure, for after the report is printed.
fn finish_reports(report: &RunReport, live: Option<junit::Live>, ctx: &Context) -> Failures {
    let mut failures = Failures::default();
    if let Some(live) = live {
        failures.add(live.finish(report));
    }
    // Not an output of the run's flags: the file GitHub Actions names for every step to
    // append to. Appended (replacing it would drop the other steps' summaries); a failure is a
    // warning, as the summary is a courtesy to the reader of the workflow, not the result.
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty()) {
        let md = format!(
            "## velo test-timeout-runner\n\n{}",
            report::markdown::render(&report::Report::sections(report))
        );
        if let Err(e) = github::append_step_summary(Path::new(&summary), &md) {
            ctx.ui
                .warn(&format!("cannot append to GITHUB_STEP_SUMMARY: {e}"));
        }
    }
    failures
}

fn emit(report: &RunReport, format: Format, ctx: &Context) -> anyhow::Result<()> {
    let text = report::render(report, format, &ctx.ui)?;
    ctx.ui.out(&text).context("writing the report")?;
    Ok(())
}

fn run_merge(m: &MergeArgs, ctx: &Context) -> anyhow::Result<u8> {
    let mut plan = Plan::new(&ctx.cwd);
    for path in &m.files {
        plan.input("FILE", path);
    }
    plan.file("--junit", m.junit.as_deref());
    let junit_out = plan.check(&|n| ctx.ui.info(n))?.get("--junit");
    let mut reports = Vec::new();
    for path in &m.files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        reports.push((
            path.display().to_string(),
            merge::parse_report(path, &text)?,
        ));
    }
    let merged = merge::merge(reports, m.common.allow_partial).map_err(|e| {
        let hint = match e {
            merge::MergeError::Interrupted { .. } | merge::MergeError::Missing { .. } => {
                " (or merge with --allow-partial)"
            }
            _ => "",
        };
        let message = format!("{e}{hint}");
        anyhow::Error::new(e).context(message)
    })?;
    let mut failures = Failures::default();
    if let Some(out) = &junit_out {
        failures.add(out.write(junit::render(&merged, &merged.framework).as_bytes()));
    }
    emit(&merged, m.common.format, ctx)?;
    failures.into_result()?;
    if !merged.partial.is_empty() {
        ctx.ui
            .warn(&format!("partial result: {}", merged.partial.join(", ")));
        return Ok(exit::PROBLEMS);
    }
    Ok(if merged.has_problems(m.fail_on_flaky) {
        exit::PROBLEMS
    } else {
        exit::SUCCESS
    })
}
