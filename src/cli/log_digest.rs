//! `velo log-digest`: parses flags, reads and mines the logs through `crate::log_digest`,
//! renders the digest and picks the exit code.

use std::ops::ControlFlow;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use super::settings::{Layer, Origin};
use super::{exit, Context};
use crate::log_digest::header::{Level, LogFormat};
use crate::log_digest::{self as domain, reader, rules, DigestError, DigestOptions, TimeBound};
use crate::outfile::{Failures, Plan};
use crate::report::{self, Format};

const LONG_ABOUT: &str = "\
Digest logs: group millions of lines into templates (`Connection to <*> refused`), rank them by \
severity then count, and point at the likely root cause with a suggested fix.

Headers (timestamps, levels, pids, threads, components) are detected per file with no \
configuration; multi-line events (Python tracebacks, Java/JS stack traces, Rust/Go panics, \
indented continuations) stay together; JSON and logfmt lines are mined on their message field. \
Template ids are hashes of the template text (64-bit FNV-1a of the text with variables as `<*>` \
and single spaces, as 16 hex digits): the same template has the same id in every run, file and \
machine, which is what --baseline matches on.";

const AFTER_LONG_HELP: &str = "\
Examples:
  velo log-digest logs/ --top 5
  journalctl -u bot --since today | velo log-digest - --fail-on error
  velo log-digest bot.log --follow --level warning
  velo log-digest logs/ --format json > digest.json     # later, in CI:
  velo log-digest logs/ --baseline digest.json --fail-on new-errors

Exit codes:
  0  digest written, nothing at or above --fail-on
  1  events at or above --fail-on were found (with --fail-on new-errors: error templates that
     the --baseline digest did not have)
  2  usage or input error (bad --rules file, missing path), or nothing at all could be read";

#[derive(Debug, Args)]
#[command(
    long_about = LONG_ABOUT,
    after_long_help = AFTER_LONG_HELP,
    args_conflicts_with_subcommands = true
)]
pub struct LogDigestArgs {
    #[command(subcommand)]
    pub command: Option<LogDigestCommand>,

    /// Log files, folders (read recursively, each file once however many symlinks lead to it),
    /// glob patterns ('logs/**/*.log'), `.gz` files, or `-` for stdin (also for a pipe).
    #[arg(value_name = "PATH", default_value = "-")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub parsing: ParsingArgs,

    #[command(flatten)]
    pub filter: FilterArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, clap::Subcommand)]
pub enum LogDigestCommand {
    /// Rotate and prune a log folder by age, count and size (never touches the live log).
    #[command(
        long_about = PRUNE_ABOUT,
        after_long_help = PRUNE_AFTER_HELP
    )]
    Prune(PruneArgs),
}

const PRUNE_ABOUT: &str = "\
Rotate and prune a log folder. Files are grouped into families by name with rotation suffixes \
and date stamps removed (app.log, app.log.1, app.log.2.gz are one family; so are \
bot-2024-05-01.log and bot-2024-05-02.log). Only rotated files are compressed or deleted: the \
live file of a family (its base name, app.log, or among dated names only the latest date) is \
never touched, whatever its modification time, and counts as one of --keep N. A file that a \
process has open for writing (found through /proc/*/fd) is never touched either: it is listed \
as skip-open with the process holding it.";

const PRUNE_AFTER_HELP: &str = "\
Examples:
  velo log-digest prune logs/ --keep 5 --compress --dry-run
  velo log-digest prune /var/log/bot --max-age 14d --max-size 2G

Exit codes:
  0  done (or planned, with --dry-run)
  2  the folder does not exist or cannot be read, or a file cannot be removed or compressed";

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// The log folder (searched recursively).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// Delete the oldest rotated files until the folder is at most this size (e.g. 500M, 2G).
    #[arg(long, value_name = "SIZE", value_parser = crate::units::size_arg, allow_hyphen_values = true)]
    pub max_size: Option<u64>,

    /// Delete rotated files last modified longer ago than this (e.g. 14d, 12h).
    #[arg(long, value_name = "DUR", value_parser = crate::units::duration_arg, allow_hyphen_values = true)]
    pub max_age: Option<std::time::Duration>,

    /// Keep at most this many files per family (the live file, then the newest rotated ones).
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,

    /// Gzip the rotated files that are kept (never the live file).
    #[arg(long)]
    pub compress: bool,

    /// Show what would be done; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "table",
          value_parser = report::format_parser(&["table", "json", "markdown"]))]
    pub format: Format,
}

fn run_prune(args: &PruneArgs, ctx: &Context) -> anyhow::Result<u8> {
    let opts = domain::prune::PruneOptions {
        max_size: args.max_size,
        max_age: args.max_age,
        keep: args.keep,
        compress: args.compress,
        dry_run: args.dry_run,
    };
    if opts.max_size.is_none() && opts.max_age.is_none() && opts.keep.is_none() && !opts.compress {
        anyhow::bail!(
            "nothing to do: give at least one of --max-size, --max-age, --keep or --compress"
        );
    }
    let dir = ctx.cwd.join(&args.dir);
    let open = domain::prune::open_for_writing();
    let report = domain::prune::prune(&dir, &opts, std::time::SystemTime::now(), &open)?;
    for f in &report.files {
        if f.action == domain::prune::Action::SkipOpen {
            ctx.ui
                .warn(&format!("{}: left alone, {}", f.path, f.reason));
        }
    }
    let text = report::render(&report, args.format, &ctx.ui)?;
    ctx.ui.out(&text)?;
    Ok(exit::SUCCESS)
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Parsing")]
pub struct ParsingArgs {
    /// Header format in the Loghub/logparser syntax, e.g. '<Date> <Time> <Level> <Component>: <Content>'
    /// (each <Name> is a field, <Content> is the message; detected automatically when absent).
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,

    /// TOML file of extra hints: [[rule]] pattern = "regex", hint = "what to do".
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Filtering")]
pub struct FilterArgs {
    /// Only count events at this level or above (trace, debug, info, notice, warning, error, fatal).
    #[arg(long, value_name = "LEVEL", value_parser = level_arg)]
    pub level: Option<Level>,

    /// Only count events at or after this time: '2024-05-01 10:00:00', or a duration ('1h')
    /// counted back from the newest timestamp in the logs.
    #[arg(long, value_name = "TIME", value_parser = time_arg)]
    pub since: Option<TimeBound>,

    /// Only count events at or before this time (same forms as --since).
    #[arg(long, value_name = "TIME", value_parser = time_arg)]
    pub until: Option<TimeBound>,

    /// Only count events whose first line matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// How many templates to show [default: 10].
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// Exit 1 when any counted event is at this level or above; or, with --baseline, only when
    /// a template at error or above (`new-errors`) or warning or above (`new-warnings`) is new
    /// since the baseline.
    #[arg(long, value_name = "LEVEL|new-errors|new-warnings", value_parser = fail_on_arg)]
    pub fail_on: Option<FailOn>,

    /// A previous digest (`--format json` output) to compare with: the digest lists the warning
    /// and error templates that are new since then and those that grew (count up, and rate per
    /// 1,000 lines at least 1.5× the baseline's). Templates are matched by id.
    #[arg(long, value_name = "PREVIOUS.json")]
    pub baseline: Option<PathBuf>,

    /// Write one JSON line per input line: {"source","line","template_id","template"} (`-`: stdout;
    /// a file is written beside FILE under a temporary name and replaces it at the end).
    #[arg(long, value_name = "FILE")]
    pub assignments: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "table",
          value_parser = report::format_parser(&["table", "json", "markdown"]))]
    pub format: Format,

    /// Keep reading lines appended to the files (rotation-aware) and print a refreshed digest
    /// after each burst of new lines, until interrupted; with --format json, one JSON line
    /// (`"type":"digest"`) per digest.
    #[arg(long, conflicts_with = "assignments")]
    pub follow: bool,
}

/// `[log-digest]` in velo.toml; flags override it.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct LogDigestConfig {
    top: Option<usize>,
    log_format: Option<String>,
    /// Relative to the folder holding velo.toml.
    rules: Option<PathBuf>,
    fail_on: Option<String>,
    level: Option<String>,
}

/// What `--fail-on` fails on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Any counted event at this level or above.
    Level(Level),
    /// A template at this level or above that the `--baseline` digest did not have.
    NewAtLeast(Level),
}

fn fail_on_arg(s: &str) -> Result<FailOn, String> {
    match s {
        "new-errors" => Ok(FailOn::NewAtLeast(Level::Error)),
        "new-warnings" => Ok(FailOn::NewAtLeast(Level::Warning)),
        _ => level_arg(s).map(FailOn::Level).map_err(|_| {
            format!(
                "unknown level {s:?}: use trace, debug, info, notice, warning, error, fatal, \
                 new-errors or new-warnings"
            )
        }),
    }
}

fn level_arg(s: &str) -> Result<Level, String> {
    Level::parse(s).filter(|_| s.len() > 1).ok_or_else(|| {
        format!("unknown level {s:?}: use trace, debug, info, notice, warning, error or fatal")
    })
}

fn time_arg(s: &str) -> Result<TimeBound, String> {
    if let Some(t) = domain::time::parse(s) {
        return Ok(TimeBound::At(t));
    }
    crate::units::parse_duration(s)
        .map(|d| TimeBound::BeforeLatest(d.as_secs() as i64))
        .map_err(|_| {
            format!(
                "cannot read {s:?} as a time: use '2024-05-01 10:00:00' or a duration like '30m'"
            )
        })
}

pub fn run(args: &LogDigestArgs, ctx: &Context) -> anyhow::Result<u8> {
    if let Some(LogDigestCommand::Prune(p)) = &args.command {
        return run_prune(p, ctx);
    }
    let layer = Layer::new(&ctx.config, "log-digest");
    let cfg: LogDigestConfig = layer.read()?;
    let log_format = match &args.parsing.log_format {
        Some(f) => {
            Some(LogFormat::parse(f).map_err(|e| layer.invalid(Origin::Flag("--log-format"), e))?)
        }
        None => layer.pick(
            None,
            "log-format",
            cfg.log_format.as_deref(),
            LogFormat::parse,
        )?,
    };
    let rules_path = layer.path(args.parsing.rules.as_deref(), cfg.rules.as_deref());
    let fail_on = layer.pick(
        args.output.fail_on,
        "fail-on",
        cfg.fail_on.as_deref(),
        fail_on_arg,
    )?;
    let baseline_path = args.output.baseline.as_ref().map(|p| ctx.cwd.join(p));
    if matches!(fail_on, Some(FailOn::NewAtLeast(_))) && baseline_path.is_none() {
        anyhow::bail!(
            "--fail-on new-errors and new-warnings need --baseline PREVIOUS.json (a digest \
             written earlier with --format json)"
        );
    }
    let baseline = match (&baseline_path, &args.output.baseline) {
        (Some(p), Some(given)) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read --baseline {}", given.display()))?;
            Some(domain::baseline::Baseline::parse(
                &given.display().to_string(),
                &text,
            )?)
        }
        _ => None,
    };
    let min_level = layer.pick(args.filter.level, "level", cfg.level.as_deref(), level_arg)?;
    let rules = match &rules_path {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read rules file {}", p.display()))?;
            rules::parse_rules(&p.display().to_string(), &text)?
        }
        None => Vec::new(),
    };
    let grep = match &args.filter.grep {
        Some(g) => Some(regex::Regex::new(g).with_context(|| format!("--grep {g:?}"))?),
        None => None,
    };
    let opts = DigestOptions {
        log_format,
        top: args
            .output
            .top
            .or(cfg.top)
            .unwrap_or(DigestOptions::default().top),
        min_level,
        since: args.filter.since,
        until: args.filter.until,
        grep,
        rules,
        keep_lines: args.output.assignments.is_some(),
        baseline,
    };
    let expanded = domain::inputs(&args.paths)?;
    for s in &expanded.skipped {
        let msg = format!("{}: {}", s.path, s.reason);
        if s.kind == reader::SkipKind::Duplicate {
            ctx.ui.debug(&msg);
        } else {
            ctx.ui.warn(&msg);
        }
    }
    // Every output is checked before the logs are read: not one of them, its folder there.
    let mut plan = Plan::new(&ctx.cwd);
    for input in &expanded.inputs {
        match input {
            reader::Input::Stdin => plan.input("PATH", std::path::Path::new("-")),
            reader::Input::Path(p) => plan.input("PATH", p),
        };
    }
    if let Some(r) = &rules_path {
        plan.input("--rules", r);
    }
    if let Some(b) = &baseline_path {
        plan.input("--baseline", b);
    }
    let to_stdout = args
        .output
        .assignments
        .as_deref()
        .is_some_and(|p| p.as_os_str() == "-");
    let to_file = args
        .output
        .assignments
        .as_deref()
        .filter(|p| p.as_os_str() != "-");
    plan.stream("--assignments", to_file);
    let outputs = plan.check(&|n| ctx.ui.info(n))?;
    let assignments = match to_file {
        Some(_) => Assignments::File(
            outputs
                .get("--assignments")
                .context("--assignments was not checked")?,
        ),
        None if to_stdout => Assignments::Stdout(Vec::new()),
        None => Assignments::None,
    };
    let mut printer = Printer {
        ctx,
        bar: LateBar::new(
            &ctx.ui,
            expanded.inputs.iter().filter_map(reader::input_len).sum(),
            args.output.format.is_machine(),
        ),
        format: args.output.format,
        follow: args.output.follow,
        assignments,
        digests: 0,
        failures: Failures::default(),
        failed: None,
    };
    let result = domain::run(expanded, &opts, args.output.follow, &mut printer);
    printer.bar.finish();
    if let Some(e) = printer.failed {
        return Err(e);
    }
    let report = result.map_err(|e| match e {
        DigestError::NothingToFollow => {
            anyhow::anyhow!("--follow needs plain log files to follow (not stdin or .gz files)")
        }
        other => other.into(),
    })?;
    // The digest is out: an assignments file that could not be written ends with exit 2.
    printer.failures.into_result()?;
    if args.output.follow {
        return Ok(exit::SUCCESS);
    }
    let failed = match fail_on {
        Some(FailOn::Level(l)) => report.events_at_least(l) > 0,
        Some(FailOn::NewAtLeast(l)) => report
            .baseline
            .as_ref()
            .is_some_and(|b| b.new_at_least(l) > 0),
        None => false,
    };
    Ok(if failed {
        exit::PROBLEMS
    } else {
        exit::SUCCESS
    })
}

/// Where `--assignments` go.
enum Assignments {
    None,
    /// `-`: gathered, and written to stdout instead of the digest.
    Stdout(Vec<u8>),
    /// A checked output, streamed once the logs are read.
    File(std::sync::Arc<crate::outfile::Output>),
    Streaming(crate::outfile::Stream),
}

/// What the command shows of a digest: the late progress bar while reading, the sources'
/// warnings, then each digest (one JSON line per digest when following).
struct Printer<'a> {
    ctx: &'a Context,
    bar: LateBar<'a>,
    format: Format,
    follow: bool,
    assignments: Assignments,
    digests: usize,
    failures: Failures,
    /// What stopped the command: assignments or a digest that could not be written (a closed
    /// pipe ends the following with it).
    failed: Option<anyhow::Error>,
}

impl Printer<'_> {
    /// Warns once about what could not be read as it was.
    fn source_warnings(&self, report: &domain::DigestReport) {
        let ui = &self.ctx.ui;
        for s in &report.sources {
            if let Some(e) = &s.error {
                ui.warn(&format!("{}: {e}", s.name));
            }
            if s.invalid_utf8_lines > 0 {
                ui.warn(&format!(
                    "{}: {} line(s) were not valid UTF-8 and were read lossily",
                    s.name, s.invalid_utf8_lines
                ));
            }
            if s.cut_lines > 0 {
                ui.warn(&format!(
                    "{}: {} line(s) longer than {} KiB were cut",
                    s.name,
                    s.cut_lines,
                    reader::MAX_LINE / 1024
                ));
            }
        }
    }

    /// Ends the assignments before the first digest is shown: the file is replaced, or the
    /// lines go to stdout (instead of the digest).
    fn end_assignments(&mut self) -> anyhow::Result<()> {
        match std::mem::replace(&mut self.assignments, Assignments::None) {
            Assignments::Streaming(w) => self.failures.add(w.finish()),
            Assignments::Stdout(buf) => {
                self.ctx.ui.out_bytes(&buf)?;
                // Stdout carries the assignments: no digest after them.
                self.assignments = Assignments::Stdout(Vec::new());
            }
            other => self.assignments = other,
        }
        Ok(())
    }

    fn show(&mut self, report: &domain::DigestReport) -> anyhow::Result<()> {
        if self.digests == 1 {
            self.bar.finish();
            self.end_assignments()?;
            self.source_warnings(report);
        }
        if matches!(self.assignments, Assignments::Stdout(_)) {
            return Ok(());
        }
        let text = if self.follow && self.format == Format::Json {
            report::json::line("digest", report)?
        } else {
            report::render(report, self.format, &self.ctx.ui)?
        };
        self.ctx.ui.out(&text)?;
        if self.digests == 1 && self.follow {
            self.ctx.ui.info("following; Ctrl-C stops");
        }
        Ok(())
    }
}

impl domain::Observer for Printer<'_> {
    fn progress(&self, bytes: u64) {
        self.bar.update(bytes);
    }

    fn assignments(&mut self) -> Option<&mut dyn std::io::Write> {
        self.bar.finish();
        if let Assignments::File(out) = &self.assignments {
            // Opened only now: a run stopped while reading leaves no temporary file behind.
            match out.stream() {
                Ok(w) => self.assignments = Assignments::Streaming(w),
                Err(e) => {
                    self.failed = Some(e.into());
                    return None;
                }
            }
        }
        match &mut self.assignments {
            Assignments::Stdout(buf) => Some(buf),
            Assignments::Streaming(w) => Some(w),
            Assignments::None | Assignments::File(_) => None,
        }
    }

    fn digest(&mut self, report: &domain::DigestReport) -> ControlFlow<()> {
        self.digests += 1;
        if self.failed.is_some() {
            return ControlFlow::Break(());
        }
        match self.show(report) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                self.failed = Some(e);
                ControlFlow::Break(())
            }
        }
    }

    fn restarted(&mut self, path: &std::path::Path, rotated: bool) {
        let what = if rotated {
            "rotated (the old file was read to its end)"
        } else {
            "truncated"
        };
        self.ctx.ui.info(&format!(
            "{}: {what}, reading it from its start",
            path.display()
        ));
    }

    fn unreadable(&mut self, path: &std::path::Path, error: &std::io::Error) {
        self.ctx.ui.warn(&format!("{}: {error}", path.display()));
    }

    fn stopped(&self) -> bool {
        super::interrupt::received().is_some()
    }
}

/// A byte-counting progress bar that appears only once reading has taken more than a second
/// (small inputs never flash a bar), and only where the Ui allows bars at all.
struct LateBar<'a> {
    ui: &'a crate::output::Ui,
    total: u64,
    machine: bool,
    started: std::time::Instant,
    bar: std::sync::OnceLock<indicatif::ProgressBar>,
}

impl<'a> LateBar<'a> {
    const DELAY: std::time::Duration = std::time::Duration::from_secs(1);

    fn new(ui: &'a crate::output::Ui, total: u64, machine: bool) -> Self {
        Self {
            ui,
            total,
            machine,
            started: std::time::Instant::now(),
            bar: std::sync::OnceLock::new(),
        }
    }

    /// Called from the reader thread with the bytes read so far.
    fn update(&self, done: u64) {
        if self.total == 0 || !self.ui.progress_allowed(self.machine) {
            return;
        }
        let bar = match self.bar.get() {
            Some(b) => b,
            None if self.started.elapsed() >= Self::DELAY => self.bar.get_or_init(|| {
                let bar = self.ui.progress_bytes(self.total, "reading", self.machine);
                // The bytes read before the bar appeared are no speed sample.
                bar.set_position(done.min(self.total));
                bar.reset_eta();
                bar
            }),
            None => return,
        };
        bar.set_position(done.min(self.total));
    }

    fn finish(&self) {
        if let Some(b) = self.bar.get() {
            b.finish_and_clear();
        }
    }
}
