//! `velo test-timeout-runner`: runs a test command (or any command) so that a hang costs one
//! test, never the session, and leaves no process behind. Parses the flags and `velo.toml`,
//! turns Ctrl-C/SIGTERM into the cancel flag the supervising loops poll, calls the generic,
//! pytest, cargo or go mode of `test_runner`, writes the JUnit file as tests finish, and
//! renders the report.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde::Deserialize;

use super::{exit, interrupt, CodedError, Context};
use crate::outfile::{Failures, Output, Plan};
use crate::output::Tone;
use crate::proc::{self, Limits, SpawnError};
use crate::report::{self, github, junit, Format};
use crate::shard::Partition;
use crate::test_runner::cargo::{self, CargoError};
use crate::test_runner::generic::{self, CommandEnd, GenericConfig};
use crate::test_runner::go::{self, GoError};
use crate::test_runner::memory::{Hook, HookOptions, RunMonitor};
use crate::test_runner::pytest::{self, PytestConfig, PytestError};
use crate::test_runner::{merge, Framework, Outcome, Progress, RunReport, SessionConfig};
use crate::units::duration_arg;

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

/// GNU timeout's rule: a zero duration means no limit.
fn limit(d: Option<Duration>) -> Option<Duration> {
    d.filter(|d| !d.is_zero())
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
    /// Combine the JSON (--format json) or JUnit reports of several shards into one.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard reports: velo JSON reports or JUnit XML files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "table",
          value_parser = report::format_parser(&["table", "json", "markdown"]))]
    pub format: Format,

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
    #[arg(long, value_name = "DUR", value_parser = duration_arg)]
    pub timeout: Option<Duration>,

    /// Limit per test (pytest, cargo and go modes): a test running longer is killed with its process
    /// tree, recorded as timed-out, and the rest of the session still runs. In go mode a test with
    /// subtests times out when it runs this long without starting a new subtest.
    #[arg(long, value_name = "DUR", value_parser = duration_arg)]
    pub test_timeout: Option<Duration>,

    /// Kill the command when it prints nothing for this long (a no-output watchdog; generic mode).
    #[arg(long, value_name = "DUR", value_parser = duration_arg)]
    pub idle_timeout: Option<Duration>,

    /// Grace period of each step of the SIGINT → SIGTERM → SIGKILL escalation [default: 2s].
    #[arg(long, short = 'k', value_name = "DUR", value_parser = duration_arg)]
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
    #[arg(long, value_name = "DUR", value_parser = duration_arg)]
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

    /// Run only shard K of N, split by a stable hash of the test ids (pytest, cargo and go
    /// modes; go splits top-level tests). `N` alone takes K from CI_NODE_INDEX (1-based) or
    /// JOB_COMPLETION_INDEX (0-based); with no flag, CI_NODE_INDEX + CI_NODE_TOTAL (GitLab
    /// parallel jobs) select the shard.
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

    /// Time between two samples of --monitor (implies --monitor) [default: 200ms].
    #[arg(long, value_name = "DUR", value_parser = duration_arg)]
    pub monitor_interval: Option<Duration>,

    /// Fail the run (exit 1, unless it already fails) when the RSS of the whole process tree
    /// crosses SIZE, e.g. 512M, 2G, as `velo monitor --max-rss` (implies --monitor).
    #[arg(long, value_name = "SIZE", value_parser = crate::units::size_arg)]
    pub max_rss: Option<u64>,
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

/// Settings after merging flags over the file.
struct Settings {
    limits: Limits,
    test_timeout: Option<Duration>,
    retries: u32,
    retry_backoff: Duration,
    fail_on_flaky: bool,
    framework: Framework,
    jobs: Option<usize>,
    partition: Option<Partition>,
    format: Format,
    junit: Option<PathBuf>,
    output_dir: Option<PathBuf>,
    /// `--monitor`.
    monitor: Option<HookOptions>,
    /// The checked `--junit` output (see [`check_outputs`]).
    junit_out: Option<Arc<Output>>,
}

fn file_duration(
    value: Option<&String>,
    key: &str,
    ctx: &Context,
) -> anyhow::Result<Option<Duration>> {
    value
        .map(|v| {
            crate::units::parse_duration(v).map_err(|e| {
                anyhow::anyhow!(
                    "{}: [test-timeout-runner] {key} = {v:?}: {e}",
                    ctx.config
                        .path()
                        .map_or_else(|| "velo.toml".to_string(), |p| p.display().to_string())
                )
            })
        })
        .transpose()
}

fn settings(args: &TestTimeoutRunnerArgs, ctx: &Context) -> anyhow::Result<Settings> {
    let file: FileSettings = ctx.config.section("test-timeout-runner")?;
    let base = |p: &Option<PathBuf>| p.as_ref().map(|p| config_relative(p, ctx));
    let partition = match &args.select.partition {
        Some(text) => Some(Partition::parse(text, &|k| std::env::var(k).ok())?),
        None => Partition::from_env(&|k| std::env::var(k).ok())?,
    };
    Ok(Settings {
        limits: Limits {
            timeout: limit(args.limits.timeout.or(file_duration(
                file.timeout.as_ref(),
                "timeout",
                ctx,
            )?)),
            idle_timeout: limit(args.limits.idle_timeout.or(file_duration(
                file.idle_timeout.as_ref(),
                "idle-timeout",
                ctx,
            )?)),
            kill_after: args
                .limits
                .kill_after
                .or(file_duration(file.kill_after.as_ref(), "kill-after", ctx)?)
                .unwrap_or(Duration::from_secs(2)),
        },
        test_timeout: limit(args.limits.test_timeout.or(file_duration(
            file.test_timeout.as_ref(),
            "test-timeout",
            ctx,
        )?)),
        retries: args.retry.retries.or(file.retries).unwrap_or(0),
        retry_backoff: args
            .retry
            .retry_backoff
            .or(file_duration(
                file.retry_backoff.as_ref(),
                "retry-backoff",
                ctx,
            )?)
            .unwrap_or(Duration::from_secs(1)),
        fail_on_flaky: args.retry.fail_on_flaky || file.fail_on_flaky.unwrap_or(false),
        framework: args
            .select
            .framework
            .or(file.framework)
            .map_or(Framework::Auto, Framework::from),
        // 0 is the number of CPUs, as for every velo command with --jobs.
        jobs: match (args.select.jobs, file.jobs) {
            (Some(j), _) => Some(j),
            (None, Some(j)) => Some(
                crate::config::jobs::resolve(j)
                    .map_err(|e| anyhow::anyhow!("velo.toml [test-timeout-runner] jobs: {e}"))?,
            ),
            (None, None) => None,
        },
        partition,
        format: args.reports.format.or(file.format).unwrap_or(Format::Table),
        junit: args.reports.junit.clone().or(base(&file.junit)),
        output_dir: args.reports.output_dir.clone().or(base(&file.output_dir)),
        monitor: monitor_options(&args.monitor)?,
        junit_out: None,
    })
}

/// `--monitor`, `--monitor-interval`, `--max-rss`.
fn monitor_options(m: &MonitorArgs) -> anyhow::Result<Option<HookOptions>> {
    if !m.monitor && m.monitor_interval.is_none() && m.max_rss.is_none() {
        return Ok(None);
    }
    let interval = m.monitor_interval.unwrap_or(Duration::from_millis(200));
    if interval < Duration::from_millis(10) {
        return Err(CodedError::wrap(
            exit::USAGE,
            anyhow::anyhow!(
                "--monitor-interval {} is too short\n  help: sample at most every 10ms (e.g. --monitor-interval 100ms)",
                crate::units::format_duration(interval)
            ),
        ));
    }
    Ok(Some(HookOptions {
        interval,
        max_rss: m.max_rss,
    }))
}

/// Starts `--monitor`'s sampling, when asked.
fn start_monitor(s: &Settings) -> anyhow::Result<Option<Hook>> {
    s.monitor
        .map(|o| {
            Hook::start(o).map_err(|e| {
                CodedError::wrap(
                    exit::RUNNER_FAILED,
                    anyhow::Error::new(e).context("--monitor cannot sample this run"),
                )
            })
        })
        .transpose()
}

/// Ends `--monitor`'s sampling and tells about a crossed `--max-rss`.
fn finish_monitor(hook: Option<Hook>, per_test: bool, ctx: &Context) -> Option<RunMonitor> {
    let m = hook?.finish(per_test)?;
    for b in &m.figures.breaches {
        ctx.ui.warn(&format!(
            "limit crossed: {}",
            report::monitor::breach_line(b)
        ));
    }
    Some(m)
}

/// A path from velo.toml is relative to the file's folder.
fn config_relative(p: &Path, ctx: &Context) -> PathBuf {
    match ctx.config.dir() {
        Some(dir) if p.is_relative() => dir.join(p),
        _ => p.to_path_buf(),
    }
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
    let framework = s.framework.resolve(&args.command);
    if framework == Framework::Generic {
        for (given, flag) in [
            (s.test_timeout.is_some(), "--test-timeout"),
            (s.jobs.is_some_and(|j| j > 1), "--jobs"),
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
        .folder("--output-dir", s.output_dir.as_deref());
    s.junit_out = plan.check(&|n| ctx.ui.info(n))?.get("--junit");

    // Ctrl-C / SIGTERM only raise this flag: every supervising loop polls it, ends its runs with
    // the kill escalation, and the reports are still written before velo exits by the signal.
    let cancel = interrupt::defer();
    let result = if args.watch.paths.is_empty() {
        match framework {
            Framework::Pytest | Framework::Cargo | Framework::Go => {
                run_tests(framework, args, &s, ctx, &cancel, &[]).map(|r| r.0)
            }
            _ => run_generic(args, &s, ctx, &cancel),
        }
    } else {
        watch::watch_loop(framework, args, &s, ctx, &cancel)
    };
    // Belt and braces: nothing tagged by this velo outlives it.
    let _ = proc::sweep_session();
    result
}

fn spawn_error_code(e: &SpawnError) -> u8 {
    match e {
        SpawnError::NotFound(_) => exit::NOT_FOUND,
        SpawnError::NotExecutable(_) => exit::NOT_EXECUTABLE,
        SpawnError::Io { .. } => exit::RUNNER_FAILED,
    }
}

fn run_generic(
    args: &TestTimeoutRunnerArgs,
    s: &Settings,
    ctx: &Context,
    cancel: &AtomicBool,
) -> anyhow::Result<u8> {
    // Set when the reader of velo's stdout has left.
    let reader_left = Arc::new(AtomicBool::new(false));
    let passthrough = (s.format == Format::Table).then(|| {
        // A reader that left (`velo … | head -1`) makes the write fail: the sink says so and
        // the command's pipe is closed, so it gets SIGPIPE as it would without velo.
        let left = Arc::clone(&reader_left);
        let out: proc::Sink = Arc::new(move |b: &[u8]| {
            let mut o = std::io::stdout().lock();
            let ok = o.write_all(b).and_then(|()| o.flush()).is_ok();
            if !ok {
                left.store(true, Ordering::SeqCst);
            }
            ok
        });
        let err: proc::Sink = Arc::new(|b: &[u8]| {
            let mut e = std::io::stderr().lock();
            e.write_all(b).and_then(|()| e.flush()).is_ok()
        });
        (out, err)
    });
    let cfg = GenericConfig {
        command: args.command.clone(),
        cwd: None,
        env: Vec::new(),
        limits: s.limits,
        retries: s.retries,
        retry_backoff: s.retry_backoff,
        output_dir: s.output_dir.clone(),
        passthrough,
        output_gone: Some(Arc::clone(&reader_left)),
    };
    let total = s.retries + 1;
    let mut on_attempt = |a: &generic::AttemptInfo| {
        // Ended by SIGPIPE because velo's reader left: what a pipeline expects, not a failure
        // to explain (a shell says nothing either).
        if a.outcome == Outcome::Passed || reader_left.load(Ordering::SeqCst) {
            return;
        }
        let reason = a.summary.lines().next().unwrap_or("failed");
        let head = ctx.ui.paint_err(
            &format!(
                "velo: attempt {}/{total} failed ({reason}) after {}",
                a.number,
                crate::units::format_duration(a.duration)
            ),
            Tone::Warning,
        );
        let mut msg = head;
        if let Some(wait) = a.retry_in {
            msg.push_str(&format!(
                "; retrying in {}",
                crate::units::format_duration(wait)
            ));
        }
        if a.summary.lines().nth(1).is_some() {
            msg.push_str("\n  why:\n");
            for line in a.summary.lines().skip(1) {
                msg.push_str("    ");
                msg.push_str(line);
                msg.push('\n');
            }
        }
        ctx.ui.info(msg.trim_end());
    };
    let live = start_junit(s, "generic")?;
    let hook = start_monitor(s)?;
    let result = generic::run(&cfg, cancel, &mut on_attempt);
    let monitor = finish_monitor(hook, false, ctx);
    let mut run = match result {
        Ok(r) => r,
        Err(e) => {
            let code = spawn_error_code(&e);
            return Err(CodedError::wrap(code, anyhow::Error::new(e)));
        }
    };
    for l in &run.report.leaked {
        ctx.ui.warn(&format!(
            "leaked process {} ({}){} was killed",
            l.pid,
            l.command,
            if l.held_output {
                ", which held the output pipe,"
            } else {
                ""
            }
        ));
    }
    let breached = monitor.as_ref().is_some_and(RunMonitor::breached);
    run.report.monitor = monitor;
    let failures = finish_reports(&run.report, live, ctx);
    if s.format == Format::Table {
        // stdout carries the command's own output: the Memory section goes to stderr.
        if let Some(m) = &run.report.monitor {
            let text = report::table::render(&report::test_runner::memory_sections(m), &ctx.ui);
            ctx.ui.info(text.trim_end());
        }
    } else {
        emit(&run.report, s.format, ctx)?;
    }
    let code = match run.end {
        CommandEnd::Code(c) => (c & 0xff) as u8,
        CommandEnd::Signal(n) => exit::for_signal(n),
        CommandEnd::TimedOut => exit::TIMED_OUT,
        CommandEnd::Lost => exit::RUNNER_FAILED,
        CommandEnd::Cancelled => {
            interrupt::received().map_or(exit::RUNNER_FAILED, exit::for_signal)
        }
    };
    // The report is out: a JUnit file that could not be written ends the run with exit 2.
    failures.into_result()?;
    // As `velo monitor --max-rss`: the command's own failure wins, else a breach exits 1.
    Ok(if code == exit::SUCCESS && breached {
        exit::PROBLEMS
    } else {
        code
    })
}

/// Writes the first JUnit file (run in progress) before anything runs, so a killed run still
/// leaves one (the path was checked with the other outputs).
fn start_junit(s: &Settings, suite: &str) -> anyhow::Result<Option<junit::Live>> {
    let Some(out) = &s.junit_out else {
        return Ok(None);
    };
    junit::Live::start(Arc::clone(out), suite)
        .map(Some)
        .map_err(|e| {
            CodedError::wrap(
                exit::USAGE,
                anyhow::Error::new(e).context(
                    "cannot write the JUnit report\n  help: pass a --junit path in a folder that exists and is writable",
                ),
            )
        })
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

fn run_tests(
    framework: Framework,
    args: &TestTimeoutRunnerArgs,
    s: &Settings,
    ctx: &Context,
    cancel: &AtomicBool,
    failed_first: &[String],
) -> anyhow::Result<(u8, Vec<String>)> {
    let work = tempfile::Builder::new()
        .prefix("velo-runner-")
        .tempdir()
        .map_err(|e| {
            CodedError::wrap(
                exit::RUNNER_FAILED,
                anyhow::Error::new(e).context("cannot create a temp folder"),
            )
        })?;
    let live = start_junit(s, framework.name())?;
    let junit_failed = AtomicBool::new(false);
    let on_progress = |p: Progress| match p {
        Progress::Finished(t) => {
            if let Some(live) = &live {
                // The final write decides: it is an error at the end if it fails too.
                if let Err(e) = live.record(t) {
                    if !junit_failed.swap(true, Ordering::SeqCst) {
                        ctx.ui.warn(&format!("{e} (tried again at the end)"));
                    }
                }
            }
            let (label, tone) = match t.outcome {
                Outcome::Passed => ("PASSED", Tone::Good),
                Outcome::Failed => ("FAILED", Tone::Error),
                Outcome::Error => ("ERROR", Tone::Error),
                Outcome::TimedOut => ("TIMED OUT", Tone::Error),
                Outcome::Skipped => ("SKIPPED", Tone::Dim),
                Outcome::Flaky => ("FLAKY", Tone::Warning),
            };
            let message = format!(
                "{} {} ({:.2}s)",
                ctx.ui.paint_err(label, tone),
                t.id,
                t.duration_s
            );
            if t.outcome.is_bad() || t.outcome == Outcome::Flaky {
                ctx.ui.info(&message);
            } else {
                ctx.ui.debug(&message);
            }
        }
        Progress::Retrying { id, attempt } => {
            ctx.ui
                .info(&format!("velo: retrying {id} (attempt {attempt})"));
        }
    };
    let session = SessionConfig {
        command: args.command.clone(),
        cwd: ctx.cwd.clone(),
        test_timeout: s.test_timeout,
        timeout: s.limits.timeout,
        kill_after: s.limits.kill_after,
        retries: s.retries,
        retry_backoff: s.retry_backoff,
        // pytest runs one session unless asked; cargo runs one test per process and go one
        // package per session, so by default as many at once as there are cores.
        jobs: s.jobs.unwrap_or_else(|| {
            if matches!(framework, Framework::Cargo | Framework::Go) {
                crate::config::jobs::cpus()
            } else {
                1
            }
        }),
        partition: s.partition,
        work_dir: work.path().to_path_buf(),
        output_dir: s.output_dir.clone(),
        first: failed_first.to_vec(),
        tracker: None,
    };
    let hook = start_monitor(s)?;
    let session = SessionConfig {
        tracker: hook.as_ref().map(Hook::tracker),
        ..session
    };
    let result = if framework == Framework::Cargo {
        cargo::run(&session, cancel, &on_progress).map_err(|e| match e {
            CargoError::Spawn(e) => CodedError::wrap(spawn_error_code(&e), anyhow::Error::new(e)),
            e => CodedError::wrap(exit::RUNNER_FAILED, anyhow::Error::new(e)),
        })
    } else if framework == Framework::Go {
        go::run(&session, cancel, &on_progress).map_err(|e| match e {
            GoError::Spawn(e) => CodedError::wrap(spawn_error_code(&e), anyhow::Error::new(e)),
            GoError::List { .. } => CodedError::wrap(exit::PROBLEMS, anyhow::Error::new(e)),
            GoError::Usage(_) => CodedError::wrap(exit::USAGE, anyhow::Error::new(e)),
            e @ GoError::Io { .. } => CodedError::wrap(exit::RUNNER_FAILED, anyhow::Error::new(e)),
        })
    } else {
        let cfg = PytestConfig {
            session,
            env: Vec::new(),
            pythonpath: std::env::var_os("PYTHONPATH"),
        };
        pytest::run(&cfg, cancel, &on_progress).map_err(|e| match e {
            PytestError::Spawn(e) => CodedError::wrap(spawn_error_code(&e), anyhow::Error::new(e)),
            e => CodedError::wrap(exit::RUNNER_FAILED, anyhow::Error::new(e)),
        })
    };
    let monitor = finish_monitor(hook, true, ctx);
    let mut report = result?;
    report.monitor = monitor;
    for l in &report.leaked {
        ctx.ui.warn(&format!(
            "leaked process {} ({}){} was killed",
            l.pid,
            l.command,
            if l.held_output {
                ", which held the output pipe,"
            } else {
                ""
            }
        ));
    }
    if report.summary.total() == 0 && !report.interrupted {
        ctx.ui
            .warn("no test ran: check the command's paths and selection options");
    }
    let failures = finish_reports(&report, live, ctx);
    emit(&report, s.format, ctx)?;
    failures.into_result()?;
    let bad: Vec<String> = report
        .tests
        .iter()
        .filter(|t| t.outcome.is_bad())
        .map(|t| t.id.clone())
        .collect();
    if report.interrupted {
        if let Some(sig) = interrupt::received() {
            return Ok((exit::for_signal(sig), bad));
        }
    }
    let code = if report.has_problems(s.fail_on_flaky)
        || (report.interrupted && report.summary.total() == 0)
    {
        exit::PROBLEMS
    } else {
        exit::SUCCESS
    };
    Ok((code, bad))
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
        reports.push(merge::parse_report(path, &text)?);
    }
    let merged = merge::merge(reports);
    let mut failures = Failures::default();
    if let Some(out) = &junit_out {
        failures.add(out.write(junit::render(&merged, &merged.framework).as_bytes()));
    }
    emit(&merged, m.format, ctx)?;
    failures.into_result()?;
    Ok(if merged.has_problems(m.fail_on_flaky) {
        exit::PROBLEMS
    } else {
        exit::SUCCESS
    })
}
