//! The clap layer: the command tree, global flags, and `run`, which parses, dispatches to one
//! command, renders its outcome and turns it into an exit code. Errors print once, here.

pub mod backtest;
pub mod env_check;
pub mod exit;
pub mod generate;
pub mod interrupt;
pub mod log_digest;
pub mod monitor;
pub mod scan;
pub mod settings;
pub mod test_timeout_runner;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::config::Config;
use crate::output::{ColorChoice, OutputEnv, Ui};

const EXIT_CODES_HELP: &str = "\
Exit codes:
  0        ran, nothing wrong found
  1        ran, found problems (failed tests, env errors, breached limits, errors over --fail-on)
  2        usage, configuration or input error
  124      test-timeout-runner: the command timed out (as GNU timeout)
  125-127  test-timeout-runner: runner failed / command not executable / not found
  128+N    interrupted by signal N";

/// velo: fast guard rails for people who build Python trading bots, scrapers and automation.
#[derive(Debug, Parser)]
#[command(
    name = "velo",
    version,
    about = "Fast guard rails for Python bots, scrapers and automation",
    long_about = "Fast guard rails for Python bots, scrapers and automation: validate .env files \
before they crash a run, run tests that cannot hang the session, digest logs into the errors that \
matter, and scan thousands of symbols for breakouts. Works the same in a terminal, a CI step, a \
shell script and a pre-commit hook.\n\nFiles named by flags (reports, CSVs, records, JUnit) are checked \
before any work (not an input, not named twice, their folder writable) and replaced through a \
temporary file and a rename, keeping the old file's mode (a new one gets 0666 less the umask); \
FIFOs and devices are written as they are; a failed write is exit 2 after the result.\n\nSettings may also come from velo.toml (the nearest one found walking up from \
the working directory, one table per command); flags override it.",
    after_long_help = EXIT_CODES_HELP,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// When to use colour: auto honours NO_COLOR, CLICOLOR_FORCE and TERM=dumb.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print no messages or progress on stderr; data on stdout and exit codes are unchanged.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more about what is being done (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// What both shard merges (`backtest merge`, `test-timeout-runner merge`) share, worded once:
/// the output format and `--allow-partial`.
#[derive(Debug, Args)]
pub struct MergeCommonArgs {
    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "table",
          value_parser = crate::report::format_parser(&["table", "json", "markdown"]))]
    pub format: crate::report::Format,

    /// Merge even with shards missing or interrupted: the result lists them under "partial"
    /// and the exit is 1.
    #[arg(long)]
    pub allow_partial: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate .env files: missing, malformed, misspelled and duplicated variables, at once.
    #[command(long_about = env_check::LONG_ABOUT)]
    EnvCheck(env_check::EnvCheckArgs),
    /// Write shell completions or man pages generated from this command tree.
    #[command(hide = true)]
    Generate(generate::GenerateArgs),

    /// Rank OHLCV files by breakout strength, or explain one symbol bar by bar.
    Scan(Box<scan::ScanArgs>),
    /// Digest logs: top templates by severity and count, root cause, suggested fixes.
    LogDigest(Box<log_digest::LogDigestArgs>),
    /// Run tests or any command with per-test timeouts, whole-tree kill and retries.
    TestTimeoutRunner(Box<test_timeout_runner::TestTimeoutRunnerArgs>),
    /// Watch a process tree's CPU, memory, threads and files; limits that fail CI; a leak verdict.
    Monitor(Box<monitor::MonitorArgs>),
    /// Backtest a strategy with backtesting.py's semantics; sweep, rank symbols, walk forward.
    Backtest(Box<backtest::BacktestArgs>),
}

/// What a command gets from the CLI layer: the terminal, the loaded config and the working
/// directory. Domain code receives these as explicit values, never by reading globals.
pub struct Context {
    pub ui: Ui,
    pub config: Config,
    pub cwd: PathBuf,
}

/// An error that must end the process with a specific exit code (not the default 2).
#[derive(Debug, thiserror::Error)]
#[error("{source:#}")]
pub struct CodedError {
    pub code: u8,
    #[source]
    pub source: anyhow::Error,
}

impl CodedError {
    /// Wraps `source` so that the process exits with `code`.
    pub fn wrap(code: u8, source: anyhow::Error) -> anyhow::Error {
        anyhow::Error::new(Self { code, source })
    }
}

/// The clap command tree (for completions, man pages and tests).
pub fn command() -> clap::Command {
    Cli::command()
}

/// Parses `args`, runs the chosen command and returns the exit code.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match parse(args) {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            };
            // Printing --help into a closed pipe is not worth an error.
            let _ = err.print();
            return code;
        }
    };
    let ui = Ui::new(
        cli.global.color,
        cli.global.quiet,
        cli.global.verbose,
        OutputEnv::from_process(),
    );
    let code = match build_context(ui) {
        Ok(ctx) => match dispatch(cli.command, &ctx) {
            Ok(code) => code,
            Err(err) => report_error(&err, &ctx.ui),
        },
        Err(failed) => report_error(&failed.0, &failed.1),
    };
    interrupt::reraise_if_received();
    code
}

/// Parses the command line. The clap tree of every command is large: dropping it costs about as
/// much as checking a small `.env`, so it is deliberately leaked (the process ends soon after;
/// parsing happens once).
///
/// Most runs first try a lean tree that holds only the named command ([`lean_parse`]); anything
/// it does not accept (help, version, every error) is parsed again with the full tree, so
/// messages and help text always come from the real thing.
fn parse<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    if let Some(cli) = lean_parse(&args) {
        return Ok(cli);
    }
    parse_with(Cli::command(), &args)
}

/// Parses `args` with the tree `cmd`, then leaks the tree and what is left of the matches once
/// the values are taken out (`from_arg_matches` would clone all the matches first).
fn parse_with(mut cmd: clap::Command, args: &[OsString]) -> Result<Cli, clap::Error> {
    let parsed = cmd
        .try_get_matches_from_mut(args)
        .and_then(|mut m| {
            let cli = <Cli as clap::FromArgMatches>::from_arg_matches_mut(&mut m);
            std::mem::forget(m);
            cli
        })
        .map_err(|e| e.format(&mut cmd));
    std::mem::forget(cmd);
    parsed
}

/// Adds one command's arguments to a clap tree.
type AugmentFn = fn(clap::Command) -> clap::Command;

/// Builders of each visible command's own clap tree, by name. Building all five costs more
/// than some whole runs (`test-timeout-runner -- true` is a wrapper whose start-up is its cost).
const LEAN_COMMANDS: &[(&str, AugmentFn)] = &[
    ("env-check", <env_check::EnvCheckArgs as Args>::augment_args),
    ("scan", <scan::ScanArgs as Args>::augment_args),
    (
        "log-digest",
        <log_digest::LogDigestArgs as Args>::augment_args,
    ),
    (
        "test-timeout-runner",
        <test_timeout_runner::TestTimeoutRunnerArgs as Args>::augment_args,
    ),
    ("monitor", <monitor::MonitorArgs as Args>::augment_args),
    ("backtest", <backtest::BacktestArgs as Args>::augment_args),
];

/// Parses with a tree holding the global flags and only the command named on the line. `None`
/// when the line names no known command or the lean tree does not accept it as is.
fn lean_parse(args: &[OsString]) -> Option<Cli> {
    let name = command_name(args)?;
    let (name, build) = LEAN_COMMANDS.iter().find(|(n, _)| *n == name)?;
    let cmd = GlobalArgs::augment_args(clap::Command::new("velo"))
        .subcommand_required(true)
        .subcommand(build(clap::Command::new(*name)));
    parse_with(cmd, args).ok()
}

/// The first word after velo's own global flags.
fn command_name(args: &[OsString]) -> Option<&str> {
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        let arg = arg.to_str()?;
        match arg {
            "--color" => {
                rest.next()?;
            }
            "-q" | "--quiet" | "--verbose" => {}
            _ if arg.starts_with("--color=") => {}
            _ if arg.len() > 1 && arg.starts_with('-') && arg[1..].bytes().all(|b| b == b'v') => {}
            _ if arg.starts_with('-') => return None,
            _ => return Some(arg),
        }
    }
    None
}

/// Reads the working directory and `velo.toml`; on failure hands back the Ui to report on.
fn build_context(ui: Ui) -> Result<Context, Box<(anyhow::Error, Ui)>> {
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(e) => {
            let err = anyhow::Error::new(e).context("cannot read the working directory");
            return Err(Box::new((err, ui)));
        }
    };
    match Config::discover(&cwd) {
        Ok(config) => {
            // Each command reads the table of its own name; any other table is a typo.
            let known: Vec<&str> = LEAN_COMMANDS.iter().map(|(name, _)| *name).collect();
            for unknown in config.unknown_tables(&known) {
                let file = config
                    .path()
                    .map_or_else(String::new, |p| p.display().to_string());
                ui.warn(&format!("{file}: {unknown}"));
            }
            Ok(Context { ui, config, cwd })
        }
        Err(e) => {
            let err = anyhow::Error::new(e).context("velo.toml: fix or remove the file");
            Err(Box::new((err, ui)))
        }
    }
}

fn dispatch(command: Command, ctx: &Context) -> anyhow::Result<u8> {
    match command {
        Command::EnvCheck(args) => env_check::run(&args, ctx),
        Command::Generate(args) => generate::run(&args, ctx),
        Command::Scan(args) => scan::run(&args, ctx),
        Command::LogDigest(args) => log_digest::run(&args, ctx),
        Command::TestTimeoutRunner(args) => test_timeout_runner::run(&args, ctx),
        Command::Monitor(args) => monitor::run(&args, ctx),
        Command::Backtest(args) => backtest::run(&args, ctx),
    }
}

/// Prints an error once, as `velo: error: …` with its causes, and picks the exit code.
/// A broken pipe anywhere in the chain is a clean exit: the reader went away on purpose.
fn report_error(err: &anyhow::Error, ui: &Ui) -> u8 {
    if is_broken_pipe(err) {
        return exit::SUCCESS;
    }
    let code = err
        .chain()
        .find_map(|e| e.downcast_ref::<CodedError>())
        .map_or(exit::USAGE, |c| c.code);
    let message = format_chain(err);
    ui.error(&message);
    code
}

/// `top: cause: cause`, each distinct message once.
pub fn format_chain(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join("\n  caused by: ")
}

/// True when an I/O error in the chain is a broken pipe.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_tree_is_valid() {
        command().debug_assert();
    }

    #[test]
    fn every_visible_command_has_a_lean_tree() {
        let full: Vec<String> = command()
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
            .map(|c| c.get_name().to_string())
            .collect();
        let lean: Vec<String> = LEAN_COMMANDS.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(full, lean);
    }

    fn argv(line: &str) -> Vec<OsString> {
        std::iter::once("velo")
            .chain(line.split_whitespace())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn lean_and_full_trees_agree() {
        let lines = [
            "test-timeout-runner -- true",
            "-q test-timeout-runner --timeout 60s -- true",
            "--color never -vv test-timeout-runner --retries 2 --idle-timeout 5s -- sh -c x",
            "--color=always test-timeout-runner --test-timeout 5s --jobs 2 --junit r.xml -- pytest -q",
            "test-timeout-runner merge a.json b.json",
            "env-check --env-file .env --format json",
            "env-check -q --schema s --environment prod",
            "scan fixtures --top 5",
            "log-digest app.log --format json",
            "-v log-digest app.log --top 3",
            "monitor --pid 42 --interval 100ms --format json",
            "-q monitor --max-rss 1G --kill-on-breach -- python bot.py --flag",
        ];
        for line in lines {
            let args = argv(line);
            let lean = lean_parse(&args).unwrap_or_else(|| panic!("lean tree refused: {line}"));
            let mut full = Cli::command();
            let m = full.try_get_matches_from_mut(&args).unwrap();
            let full = <Cli as clap::FromArgMatches>::from_arg_matches(&m).unwrap();
            assert_eq!(format!("{lean:?}"), format!("{full:?}"), "{line}");
        }
    }

    #[test]
    fn help_version_and_errors_go_to_the_full_tree() {
        for line in [
            "test-timeout-runner --help",
            "test-timeout-runner -h",
            "test-timeout-runner --version",
            "test-timeout-runner --no-such-flag -- true",
            "env-check --format nope",
            "generate man --out-dir x",
            "--help",
            "nope",
            "",
        ] {
            assert!(lean_parse(&argv(line)).is_none(), "{line}");
        }
    }

    #[test]
    fn broken_pipe_is_detected_through_context() {
        let err = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .context("writing report");
        assert!(is_broken_pipe(&err));
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
    }

    #[test]
    fn coded_errors_keep_their_code() {
        let err = CodedError::wrap(exit::NOT_FOUND, anyhow::anyhow!("no such command"));
        let err = err.context("running");
        let ui = Ui::with_writers(Box::new(std::io::sink()), Box::new(std::io::sink()));
        assert_eq!(report_error(&err, &ui), exit::NOT_FOUND);
    }
}
