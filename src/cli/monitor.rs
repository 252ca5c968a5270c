//! `velo monitor`: argument parsing, `[monitor]` settings from velo.toml, the live view and
//! `--every` lines, `--record`, `--plot`, `--metrics-file`, and the exit code.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use indicatif::ProgressBar;
use serde::Deserialize;

use super::settings::{
    grace_arg, interval_arg, limit_duration_arg, limit_rate_arg, limit_size_arg, Layer,
};
use super::{exit, interrupt, Context};
use crate::monitor::{
    self, Breach, Ending, Limits, MonitorReport, Observer, RunOptions, Sample, Summary,
    SystemSample, Target,
};
use crate::outfile::{Failures, Outputs, Plan, Stream};
use crate::output::Ui;
use crate::report::monitor::record::{RecordFormat, Recorder};
use crate::report::{self, Format};

pub const LONG_ABOUT: &str = "\
Watch a process tree's CPU, memory, threads, open files and disk I/O; fail when it crosses a \
limit; judge whether its memory leaks.

Targets: --pid PID (the process and all its descendants, found again at every sample), or a \
command after `--` (started in its own process group; Ctrl-C and SIGTERM are forwarded to it and \
its exit code is passed through), or nothing: the whole system (CPU, memory, swap, load, and the \
disk usage of each mount at the end).

Figures: CPU % of one core (from utime+stime, children that ended between samples included: \
velo is a child subreaper and counts what they used), RSS summed over the tree, PSS and USS \
from smaps_rollup (read less often than RSS on big trees, to keep the monitor cheap; the report \
says how stale they got), threads, descriptors and bytes read and written. A figure that cannot \
be read (another user's process) is null, never 0. Samples are taken at the start (time 0) and \
then on absolute deadlines, so the interval does not drift; with a command, once more at its \
exit. The peak RSS is the largest sample or, with a command, the kernel's own maximum RSS of its \
largest process, kept at exit (wait4), whichever is larger: a command shorter than the interval \
is still measured and judged against --max-rss (the JSON's peak_source says which: sampled or \
rusage; rusage is one process's peak, not the sum of a tree). Where velo may make a cgroup for \
the command (v2 memory.peak, v1 memory.max_usage_in_bytes), the exact peak of the whole tree's \
charged memory is reported beside it (cgroup_peak_bytes; page cache the tree read counts there).

Secrets: command lines in every output (JSON, table, SVG, record files) have the values of \
secret-looking arguments masked: --api-key=…, --token …, PASSWORD=…, an Authorization: header, \
and URL passwords (https://user:…@host), by the name rule env-check uses.

Leak verdict: after a warm-up (the first 20% of the run), a Theil-Sen line is fitted to memory; \
`leak` when it grows beyond its noise to the end of the run, `stable` when it does not or when it \
grew and levelled off (a cache filling once), `inconclusive` otherwise (too short, slowing, \
irregular). --max-leak fails only on a `leak` verdict steeper than the rate.

On a terminal a compact live view is drawn on stderr; elsewhere nothing is printed until the \
summary, unless --every asks for a line now and then. With a command and --format json or \
markdown, the command's own stdout goes to stderr so that stdout holds only the report.

Settings may also come from the [monitor] table of velo.toml (interval, duration, max-rss, \
max-pss, max-cpu, max-threads, max-fds, max-leak, kill-on-breach, kill-after); flags override it.";

const AFTER_LONG_HELP: &str = "\
Examples:
  velo monitor -- python bot.py
  velo monitor --max-rss 512M --max-leak 5MB/min --kill-on-breach --format json -- pytest -x
  velo monitor --pid 4242 --interval 100ms --duration 10m --record run.csv --plot run.svg
  velo monitor --pid 4242 --snapshot
  velo monitor --duration 1m --every 10s --metrics-file /var/lib/node_exporter/velo.prom

Exit codes:
  0        ran, no limit crossed (with a command: the command's own exit code)
  1        a limit was crossed (a command that failed on its own keeps its exit code)
  2        usage or input error (no such PID, a zombie PID, bad size, rate or duration)
  126/127  the command is not executable / not found (as a shell says it)
  128+N    interrupted by signal N";

/// Watch a process tree's CPU, memory, threads and files; limits that fail CI; a leak verdict.
#[derive(Debug, Args)]
#[command(long_about = LONG_ABOUT, after_long_help = AFTER_LONG_HELP)]
pub struct MonitorArgs {
    /// The command to start and watch (after `--`).
    #[arg(value_name = "COMMAND", allow_hyphen_values = true, last = true)]
    pub command: Vec<std::ffi::OsString>,

    #[command(flatten)]
    pub target: TargetArgs,

    #[command(flatten)]
    pub limits: LimitArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Target and sampling")]
pub struct TargetArgs {
    /// Watch this process and all its descendants.
    #[arg(
        long,
        value_name = "PID",
        conflicts_with = "command",
        allow_hyphen_values = true
    )]
    pub pid: Option<i32>,

    /// Time between samples, from 10ms to 1h [default: 500ms]. A sample is also taken at the
    /// start and, with a command, at its end.
    #[arg(short, long, value_name = "DUR", value_parser = interval_arg, allow_hyphen_values = true)]
    pub interval: Option<Duration>,

    /// Stop after this long (with a command: stop the command too); 0 means no limit.
    #[arg(short, long, value_name = "DUR", value_parser = limit_duration_arg, allow_hyphen_values = true)]
    pub duration: Option<Duration>,

    /// Skip PSS and USS (smaps_rollup is the costliest read).
    #[arg(long)]
    pub no_pss: bool,

    /// Print the per-process breakdown of the tree once and exit (CPU measured over --interval).
    #[arg(long, requires = "pid")]
    pub snapshot: bool,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Limits (a breach exits 1; 0 means no limit)")]
pub struct LimitArgs {
    /// Largest RSS of the whole tree, e.g. 512M, 2G: judged on every sample and, with a
    /// command, on the kernel's own maximum RSS of its largest process at exit.
    #[arg(long, value_name = "SIZE", value_parser = limit_size_arg, allow_hyphen_values = true)]
    pub max_rss: Option<u64>,

    /// Largest PSS of the whole tree (shared pages split between the processes sharing them).
    #[arg(long, value_name = "SIZE", value_parser = limit_size_arg, allow_hyphen_values = true)]
    pub max_pss: Option<u64>,

    /// Largest CPU use between two samples, in % of one core (250 = two and a half cores).
    #[arg(long, value_name = "PCT", value_parser = parse_pct, allow_hyphen_values = true)]
    pub max_cpu: Option<f64>,

    /// Most threads in the tree.
    #[arg(long, value_name = "N", value_parser = count_arg, allow_hyphen_values = true)]
    pub max_threads: Option<u64>,

    /// Most open file descriptors in the tree.
    #[arg(long, value_name = "N", value_parser = count_arg, allow_hyphen_values = true)]
    pub max_fds: Option<u64>,

    /// Steepest memory growth allowed for a `leak` verdict, e.g. 5MB/min, 100K/s.
    #[arg(long, value_name = "RATE", value_parser = limit_rate_arg, allow_hyphen_values = true)]
    pub max_leak: Option<f64>,

    /// Stop the whole tree when a limit is crossed: SIGINT, SIGTERM, then SIGKILL to its group
    /// and to every process of it by pid, setsid() daemons included.
    #[arg(long)]
    pub kill_on_breach: bool,

    /// Grace between the steps of that escalation (and after a forwarded Ctrl-C) [default: 2s];
    /// 0 means no grace: the tree gets SIGKILL at once, as with the runner's --kill-after.
    #[arg(short = 'k', long, value_name = "DUR", value_parser = grace_arg, allow_hyphen_values = true)]
    pub kill_after: Option<Duration>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format of the summary on stdout.
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = report::format_parser(&["table", "json", "markdown"]))]
    pub format: Format,

    /// Print a line on stderr this often instead of the live view (which only a terminal gets);
    /// 0 prints one at every sample.
    #[arg(long, value_name = "DUR", value_parser = limit_duration_arg, allow_hyphen_values = true)]
    pub every: Option<Duration>,

    /// Write every sample to FILE.csv or FILE.jsonl as it is taken (into a temporary file beside
    /// it, flushed each time, that replaces FILE when the monitor ends).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// Draw memory and CPU over time into an SVG file (limits, breaches and the leak fit marked).
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,

    /// Write the summary in the Prometheus textfile format (atomically replaced).
    #[arg(long, value_name = "FILE.prom")]
    pub metrics_file: Option<PathBuf>,
}

/// A negative value: the rule it breaks, with what `0` means for the flag.
fn negative(s: &str, what: &str, zero: &str) -> String {
    format!("{s:?} is negative: {what} is 0 or more ({zero})")
}

/// `--max-threads`, `--max-fds`: 0 means no limit.
fn count_arg(s: &str) -> Result<u64, String> {
    let t = s.trim();
    if t.strip_prefix('-')
        .is_some_and(|rest| rest.parse::<u64>().is_ok())
    {
        return Err(negative(s, "a count", "0 means no limit"));
    }
    t.parse()
        .map_err(|_| format!("invalid count {s:?}: expected a whole number such as 64"))
}

/// `--max-cpu`: 0 means no limit.
fn parse_pct(s: &str) -> Result<f64, String> {
    let v: f64 =
        s.trim().trim_end_matches('%').parse().map_err(|_| {
            format!("invalid percentage {s:?}: expected a number such as 150 or 80%")
        })?;
    if !v.is_finite() {
        Err(format!(
            "invalid percentage {s:?}: expected a number such as 150 or 80%"
        ))
    } else if v < 0.0 {
        Err(negative(s, "a percentage", "0 means no limit"))
    } else {
        Ok(v)
    }
}

/// The `[monitor]` table of velo.toml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct MonitorConfig {
    interval: Option<String>,
    duration: Option<String>,
    max_rss: Option<String>,
    max_pss: Option<String>,
    max_cpu: Option<f64>,
    max_threads: Option<i64>,
    max_fds: Option<i64>,
    max_leak: Option<String>,
    kill_on_breach: Option<bool>,
    kill_after: Option<String>,
}

fn options(args: &MonitorArgs, ctx: &Context) -> anyhow::Result<RunOptions> {
    let layer = Layer::new(&ctx.config, "monitor");
    let file: MonitorConfig = layer.read()?;
    let number = |v: Option<f64>| v.map(|v| v.to_string());
    let count = |v: Option<i64>| v.map(|v| v.to_string());
    let l = &args.limits;
    let interval = layer
        .pick(
            args.target.interval,
            "interval",
            file.interval.as_deref(),
            interval_arg,
        )?
        .unwrap_or(Duration::from_millis(500));
    Ok(RunOptions {
        interval,
        duration: layer.limit(
            args.target.duration,
            "duration",
            file.duration.as_deref(),
            limit_duration_arg,
        )?,
        limits: Limits {
            max_rss: layer.limit(
                l.max_rss,
                "max-rss",
                file.max_rss.as_deref(),
                limit_size_arg,
            )?,
            max_pss: layer.limit(
                l.max_pss,
                "max-pss",
                file.max_pss.as_deref(),
                limit_size_arg,
            )?,
            max_cpu: layer.limit(
                l.max_cpu,
                "max-cpu",
                number(file.max_cpu).as_deref(),
                parse_pct,
            )?,
            max_threads: layer.limit(
                l.max_threads,
                "max-threads",
                count(file.max_threads).as_deref(),
                count_arg,
            )?,
            max_fds: layer.limit(
                l.max_fds,
                "max-fds",
                count(file.max_fds).as_deref(),
                count_arg,
            )?,
            max_leak: layer.limit(
                l.max_leak,
                "max-leak",
                file.max_leak.as_deref(),
                limit_rate_arg,
            )?,
        },
        kill_on_breach: Layer::switch(l.kill_on_breach, file.kill_on_breach),
        kill_after: layer.grace(l.kill_after, file.kill_after.as_deref())?,
        pss: !args.target.no_pss,
        cgroup: true,
    })
}

/// The CLI's observer: live view, `--every` lines, `--record`, breach messages.
struct CliObserver<'a> {
    ui: &'a Ui,
    bar: Option<ProgressBar>,
    every: Option<Duration>,
    last_line: Option<f64>,
    recorder: Option<Recorder<Stream>>,
    /// A write to --record failed (said once; the run ends with the error).
    record_failed: bool,
    cpu: Vec<f64>,
    rss: Vec<f64>,
}

impl CliObserver<'_> {
    fn say(&self, f: impl FnOnce()) {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    fn record(&mut self, f: impl FnOnce(&mut Recorder<Stream>) -> std::io::Result<()>) {
        if let Some(r) = &mut self.recorder {
            // A stream keeps its first error for the end (see `outfile::Stream`).
            let _ = f(r);
            if r.get_ref().failed() && !self.record_failed {
                self.record_failed = true;
                let out = r.get_ref().output();
                let msg = format!(
                    "{} {}: a write failed; monitoring goes on, and velo exits 2 at the end",
                    out.flag(),
                    out.path().display()
                );
                self.say(|| self.ui.warn(&msg));
            }
        }
    }

    fn due(&mut self, t: f64) -> bool {
        let Some(every) = self.every else {
            return false;
        };
        if self
            .last_line
            .is_some_and(|l| t - l < every.as_secs_f64() - 1e-3)
        {
            return false;
        }
        self.last_line = Some(t);
        true
    }
}

impl Observer for CliObserver<'_> {
    fn sample(&mut self, s: &Sample, summary: &Summary) {
        const KEEP: usize = 40;
        self.record(|r| r.sample(s));
        self.cpu.push(s.cpu_pct.unwrap_or(0.0));
        self.rss.push(s.rss_bytes as f64);
        if self.cpu.len() > 4 * KEEP {
            self.cpu.drain(..self.cpu.len() - KEEP);
            self.rss.drain(..self.rss.len() - KEEP);
        }
        if let Some(bar) = &self.bar {
            bar.set_message(report::monitor::live_view(s, summary, &self.cpu, &self.rss));
        }
        if self.due(s.t_s) {
            let line = report::monitor::every_line(s);
            self.ui.info(&line);
        }
    }

    fn system_sample(&mut self, s: &SystemSample) {
        self.record(|r| r.system_sample(s));
        if let Some(bar) = &self.bar {
            bar.set_message(report::monitor::system_line(s));
        }
        if self.due(s.t_s) {
            self.ui.info(&report::monitor::system_line(s));
        }
    }

    fn breach(&mut self, b: &Breach) {
        let line = report::monitor::breach_line(b);
        self.say(|| self.ui.warn(&format!("limit crossed: {line}")));
    }

    fn note(&mut self, message: &str) {
        self.say(|| self.ui.info(&format!("velo: {message}")));
    }
}

pub fn run(args: &MonitorArgs, ctx: &Context) -> anyhow::Result<u8> {
    let opts = options(args, ctx)?;
    let format = args.output.format;
    if !cfg!(target_os = "linux") {
        anyhow::bail!("velo monitor is unsupported on this platform: it reads Linux's /proc");
    }
    if args.target.snapshot {
        let pid = args.target.pid.unwrap_or_default();
        let sample = monitor::snapshot(pid, opts.pss, opts.interval.min(Duration::from_secs(1)))?;
        let text = match format {
            Format::Json => report::json::render(&sample)?,
            Format::Markdown => {
                report::markdown::render(&report::monitor::snapshot_sections(&sample))
            }
            _ => report::table::render(&report::monitor::snapshot_sections(&sample), &ctx.ui),
        };
        ctx.ui.out(&text).context("writing the snapshot")?;
        return Ok(exit::SUCCESS);
    }
    let target = if let Some(pid) = args.target.pid {
        Target::Pid(pid)
    } else if let Some((program, rest)) = args.command.split_first() {
        // The command's output, passed through: to stdout and stderr with the table, or both
        // to stderr when stdout carries a machine-readable report.
        let stderr = ctx.ui.raw_err();
        Target::Command {
            program: program.clone(),
            args: rest.to_vec(),
            stdout: if format == Format::Table {
                ctx.ui.raw_out()
            } else {
                std::sync::Arc::clone(&stderr)
            },
            stderr,
        }
    } else {
        Target::System
    };
    if matches!(target, Target::System) && (opts.limits.any() || opts.kill_on_breach) {
        anyhow::bail!(
            "limits watch a process tree: give --pid PID or a command after `--` (without either, velo monitor watches the whole system)"
        );
    }
    let record_format = match &args.output.record {
        Some(path) => match RecordFormat::from_path(path) {
            Some(fmt) => Some(fmt),
            None => anyhow::bail!(
                "--record {}: use a file name ending in .csv or .jsonl",
                path.display()
            ),
        },
        None => None,
    };
    // Every output is checked before the work (and before Ctrl-C is deferred, so a wait for a
    // FIFO's reader can be interrupted).
    let mut plan = Plan::new(&ctx.cwd);
    plan.stream("--record", args.output.record.as_deref())
        .file("--plot", args.output.plot.as_deref())
        .file("--metrics-file", args.output.metrics_file.as_deref());
    let outputs = plan.check(&|n| ctx.ui.info(n))?;
    let recorder = match (outputs.get("--record"), record_format) {
        (Some(out), Some(fmt)) => Some(Recorder::new(out.stream()?, fmt)),
        _ => None,
    };
    let bar = if args.output.every.is_none() {
        ctx.ui
            .live_line("velo monitor: first sample…", format.is_machine())
    } else {
        None
    };
    let mut observer = CliObserver {
        ui: &ctx.ui,
        bar,
        every: args.output.every,
        last_line: None,
        recorder,
        record_failed: false,
        cpu: Vec::new(),
        rss: Vec::new(),
    };
    let cancel = interrupt::defer();
    let result = monitor::run(target, &opts, &cancel, &interrupt::received, &mut observer);
    if let Some(bar) = &observer.bar {
        bar.finish_and_clear();
    }
    let report = match result {
        Ok(r) => r,
        Err(monitor::MonitorError::Spawn(e)) => return Err(exit::spawn_error(&e)),
        Err(e) => return Err(anyhow::Error::new(e)),
    };
    let mut failures = Failures::default();
    if let Some(r) = observer.recorder.take() {
        failures.add(r.into_inner().finish());
    }
    write_files(&report, &outputs, &mut failures, ctx);
    let text = report::render(&report, format, &ctx.ui)?;
    ctx.ui.out(&text).context("writing the report")?;
    // The summary is out: an output that could not be written ends the run with exit 2.
    failures.into_result()?;
    Ok(exit_code(&report))
}

fn write_files(report: &MonitorReport, outs: &Outputs, failures: &mut Failures, ctx: &Context) {
    if let Some(out) = outs.get("--plot") {
        match report::monitor::svg::render(report) {
            Some(svg) => failures.add(out.write(svg.as_bytes())),
            None => ctx.ui.warn(&format!(
                "no samples were taken: {} not written",
                out.path().display()
            )),
        }
    }
    if let Some(out) = outs.get("--metrics-file") {
        let now = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0.0, |d| d.as_secs_f64())
            });
        let text = report::monitor::prom::render(report, now);
        // Replaced atomically: the textfile collector never reads half a file.
        failures.add(out.write(text.as_bytes()));
    }
}

fn exit_code(r: &MonitorReport) -> u8 {
    let own = r
        .exit
        .filter(|_| r.ended == Ending::Exited)
        .map(|e| match (e.code, e.signal) {
            (Some(c), _) => (c & 0xff) as u8,
            (_, Some(s)) => exit::for_signal(s),
            _ => exit::SUCCESS,
        });
    if r.ended == Ending::Interrupted {
        if let Some(sig) = interrupt::received() {
            return exit::for_signal(sig);
        }
    }
    match (own, r.breached()) {
        (Some(code), _) if code != exit::SUCCESS => code,
        (_, true) => exit::PROBLEMS,
        _ => exit::SUCCESS,
    }
}
