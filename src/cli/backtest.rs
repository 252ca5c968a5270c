//! `velo backtest`: argument parsing, `[backtest]` settings from velo.toml, and the single run,
//! sweep, universe, walk-forward and merge forms, rendered through the shared renderers.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use indicatif::ProgressBar;
use serde::Deserialize;

mod messages;

use super::{exit, interrupt, Context};
use crate::backtest::grid::Grid;
use crate::backtest::merge;
use crate::backtest::ranking::Ranking;
use crate::backtest::results::{PointResult, Status, SweepReport};
use crate::backtest::strategy::{self, fmt_num, Params, STRATEGIES};
use crate::backtest::sweep::{self, SweepOptions};
use crate::backtest::walk::WalkSpec;
use crate::backtest::{self as bt, settings, Commission, Intrabar, Settings, Sizing};
use crate::backtest::{Job, Note, Observer, OneRun, Outcome, Run, Source, Stats, Unit};
use crate::market::{self, Bars, LoadOptions};
use crate::outfile::{self, Failures, Outputs, Plan};
use crate::output::Ui;
use crate::report::{self, backtest as render, Format};

/// How backtest reads its CSV input.
const LOAD: LoadOptions = LoadOptions {
    adjusted: false,
    stdin_usage: "velo backtest -",
};

const LONG_ABOUT: &str = "\
Backtest a built-in strategy on OHLCV bars, sweep its parameters, rank a universe of symbols, \
or walk forward, with backtesting.py 0.6.6's semantics by default so results can be checked \
against it (SmaCross on GOOG reproduces its trades, equity and every statistic).

Input: a CSV file (Date,Open,High,Low,Close,Volume, as `scan` reads; `-` for standard input), \
or a folder of per-symbol CSV files (a universe: every symbol in parallel, ranked).

Strategies and parameters (--param NAME=VALUE; defaults in brackets):
  sma-cross  fast [10], slow [20]: buy when SMA(fast) crosses above SMA(slow), sell when it crosses \
below (SMA = pandas rolling mean, bit for bit as backtesting.py's SmaCross)
  ema-cross  fast [12], slow [26]: the same with TA-Lib EMAs
  rsi        n [14], lower [30], upper [70]: buy when RSI < lower, sell when RSI > upper
  macd       fast [12], slow [26], signal [9]: buy/sell when the MACD line crosses its signal line
  bbands     n [20], k [2]: buy when Close < lower band, sell when Close > upper band
  donchian   n [20]: buy when Close > highest High of the previous n bars, sell when Close < \
lowest Low of the previous n bars
  momentum   n [20], threshold [0]: buy when the n-bar rate of change (%) > threshold, sell when \
< -threshold
Crossover strategies (sma-cross, ema-cross, macd) order on every cross; the others only buy when \
not long and only sell when not short. By default a sell reverses a long into a short and vice \
versa (backtesting.py's exclusive orders); --long-only closes instead of going short.

Semantics (backtesting.py's defaults): the strategy decides on a bar's close; the order fills \
at the next bar's open (--trade-on-close: at this close). Warm-up: the first decision is on the \
bar after the last indicator's first value. Orders use all cash in whole units; commission is \
charged at entry and at exit; a trade still open at the end counts in the equity, not in the \
trade statistics. Statistics are backtesting.py's, in snake_case; undefined ones are null.

Sweeps: --grid NAME=START..END:STEP (END included) or NAME=A,B,C, repeatable, with \
--constraint 'fast<slow'; the grid is never counted or stored: its points are made one at a \
time as workers take them, so even 10^10 points start at once. Runs in parallel with a per-run \
--timeout-per, keeps the --top N by --rank-by in memory, streams every result to --results \
FILE.jsonl as it finishes. Ctrl-C or SIGTERM stops at once and prints what finished. --shard \
K/N runs one share (a stable hash of each point); `velo backtest merge` joins the shards' JSON \
into exactly the unsharded result.

Settings may also come from the [backtest] table of velo.toml (cash, commission, jobs, \
rank-by, top, timeout-per, intrabar); flags override it.";

const AFTER_LONG_HELP: &str = "\
Examples:
  velo backtest GOOG.csv --strategy sma-cross --param fast=10 --param slow=20 --commission 0.002
  velo backtest GOOG.csv --strategy rsi --long-only --stop-loss 5% --take-profit 10% --format json
  velo backtest GOOG.csv --strategy sma-cross --commission 0.002 \\
      --grid fast=5..49:1 --grid slow=10..195:5 --constraint 'fast<slow' --rank-by sqn --top 10 \\
      --results sweep.jsonl --heatmap sweep.svg
  velo backtest data/universe/ --strategy donchian --param n=55 --rank-by sharpe_ratio
  velo backtest GOOG.csv --strategy sma-cross --grid fast=5..30:5 --grid slow=20..100:10 \\
      --constraint 'fast<slow' --walk-forward train=500,test=250
  velo backtest GOOG.csv --strategy sma-cross --grid fast=5..49 --grid slow=10..195:5 \\
      --shard 2/3 --format json > part2.json
  velo backtest merge part1.json part2.json part3.json --format json
  velo backtest GOOG.csv --strategy macd --report macd.html --trades trades.csv --equity equity.csv

Exit codes:
  0  ran (every sweep point finished)
  1  a sweep point, symbol or walk-forward window timed out or failed
  2  usage or input error (unknown strategy, bad parameter, empty grid, too few bars, malformed \
CSV, shards that do not fit together)
  128+N  interrupted by signal N (what finished is printed first)";

/// Backtest a strategy, sweep its parameters, rank a universe, walk forward.
#[derive(Debug, Args)]
#[command(
    long_about = LONG_ABOUT,
    after_long_help = AFTER_LONG_HELP,
    args_conflicts_with_subcommands = true,
    subcommand_value_name = "merge",
    subcommand_help_heading = "Subcommands",
    subcommand_negates_reqs = true
)]
pub struct BacktestArgs {
    #[command(subcommand)]
    pub sub: Option<BacktestCommand>,

    /// A CSV file of bars (`-` for standard input) or a folder of per-symbol CSV files.
    #[arg(value_name = "PATH", required = true)]
    pub path: Option<PathBuf>,

    #[command(flatten)]
    pub strategy: StrategyArgs,

    #[command(flatten)]
    pub broker: BrokerArgs,

    #[command(flatten)]
    pub sweep: SweepArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum BacktestCommand {
    /// Join the JSON results of the shards of one sweep (--shard K/N --format json) into the unsharded result.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard results (`--format json` output of `--shard K/N` runs).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "table",
          value_parser = report::format_parser(&["table", "json", "markdown"]))]
    pub format: Format,

    /// Merge even with shards missing or interrupted: the result lists them under "partial" and the exit is 1.
    #[arg(long)]
    pub allow_partial: bool,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Strategy")]
pub struct StrategyArgs {
    /// The strategy: sma-cross, ema-cross, rsi, macd, bbands, donchian, momentum (rules and parameters in --help).
    #[arg(long, value_name = "NAME", required = true)]
    pub strategy: Option<String>,

    /// A strategy parameter, NAME=VALUE (repeatable), e.g. --param fast=10 --param slow=20.
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Broker")]
pub struct BrokerArgs {
    /// Starting cash, more than 0 [default: 10000].
    #[arg(long, value_name = "AMOUNT", allow_negative_numbers = true)]
    pub cash: Option<f64>,

    /// Commission per order: RATE (fraction of the traded value, or N%), plus an optional fixed amount and a minimum, e.g. 0.002, 0.001+1, 0.1%+0.5,min=1 [default: 0].
    #[arg(long, value_name = "RATE[+FIXED][,min=M]", value_parser = settings::commission, allow_hyphen_values = true)]
    pub commission: Option<Commission>,

    /// Fill orders at the signal bar's close instead of the next bar's open.
    #[arg(long)]
    pub trade_on_close: bool,

    /// Only open long positions; a sell signal closes the long.
    #[arg(long)]
    pub long_only: bool,

    /// Trade size: a fraction of available cash (0.5 or 50%, whole units) or fixed units (2.5u) [default: all cash].
    #[arg(long, value_name = "SIZE", value_parser = settings::size, allow_hyphen_values = true)]
    pub size: Option<Sizing>,

    /// With a fractional --size (or the default), buy fractional units (crypto-style) instead of whole ones.
    #[arg(long)]
    pub fractional: bool,

    /// Slippage in basis points, against each market and stop fill (entries and exits).
    #[arg(
        long,
        value_name = "BPS",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub slippage_bps: f64,

    /// Stop-loss distance from the entry price, as a fraction or percent (0.05 or 5%).
    #[arg(long, value_name = "PCT", value_parser = settings::fraction, allow_hyphen_values = true)]
    pub stop_loss: Option<f64>,

    /// Take-profit distance from the entry price, as a fraction or percent (0.1 or 10%).
    #[arg(long, value_name = "PCT", value_parser = settings::fraction, allow_hyphen_values = true)]
    pub take_profit: Option<f64>,

    /// When a stop-loss and a take-profit are both inside one bar: pessimistic (the stop-loss fills, backtesting.py's order), optimistic (the take-profit), open-first (the one on the side of the extreme nearer the bar's open; a gap through a level fills it at the open) [default: pessimistic].
    #[arg(long, value_name = "ORDER", value_parser = settings::intrabar)]
    pub intrabar: Option<Intrabar>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Sweeps, universes, walk-forward")]
pub struct SweepArgs {
    /// Sweep a parameter: NAME=START..END:STEP (END included), NAME=START..END (step 1) or NAME=A,B,C (repeatable; a value given twice runs once). A swept parameter takes no --param.
    #[arg(long, value_name = "NAME=RANGE")]
    pub grid: Vec<String>,

    /// Keep only grid points where this holds, e.g. 'fast<slow' (operators < <= > >= == !=; repeatable).
    #[arg(long, value_name = "EXPR")]
    pub constraint: Vec<String>,

    /// Worker threads; 0 for one per CPU [default: one per CPU].
    #[arg(short, long, value_name = "N", value_parser = crate::config::jobs::parse, allow_negative_numbers = true)]
    pub jobs: Option<usize>,

    /// Time limit of each backtest in a sweep or universe, e.g. 500ms, 10s; 0 for no limit [default: none]. One that runs longer is recorded as timed-out and the sweep goes on.
    #[arg(long, value_name = "DUR", value_parser = parse_time_limit, allow_hyphen_values = true)]
    pub timeout_per: Option<Duration>,

    /// The statistic that ranks sweep points and symbols, e.g. sharpe_ratio, sqn, return_pct, calmar_ratio [default: sharpe_ratio].
    #[arg(long, value_name = "STAT")]
    pub rank_by: Option<String>,

    /// Keep and show the best N results (memory stays bounded by N); 0 keeps all [default: 20].
    #[arg(long, value_name = "N", value_parser = parse_top, allow_negative_numbers = true)]
    pub top: Option<usize>,

    /// Write every sweep result as a JSON line to FILE as it finishes (into a temporary file
    /// beside it that replaces FILE when the sweep ends, also when interrupted).
    #[arg(long, value_name = "FILE.jsonl")]
    pub results: Option<PathBuf>,

    /// Write a heatmap of the ranking statistic over a two-parameter grid as SVG (an axis of more than 320 values is drawn in 320 cells, each the best of its points).
    #[arg(long, value_name = "FILE.svg")]
    pub heatmap: Option<PathBuf>,

    /// Run shard K of N of a sweep or universe (a stable hash of each point or symbol); N alone takes K from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID (0-based) or CI_NODE_INDEX (1-based).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,

    /// Walk-forward: optimise the --grid on each train window, trade the best on the next test window; sizes in bars, step defaults to test.
    #[arg(long, value_name = "train=N,test=M[,step=K]", value_parser = messages::walk_spec)]
    pub walk_forward: Option<WalkSpec>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = report::format_parser(&["table", "json", "markdown"]))]
    pub format: Format,

    /// Write the closed trades as CSV (of the best point for a sweep, stitched out-of-sample for walk-forward).
    #[arg(long, value_name = "FILE.csv")]
    pub trades: Option<PathBuf>,

    /// Write the equity curve as CSV: date,equity,drawdown_pct (drawdown as a fraction).
    #[arg(long, value_name = "FILE.csv")]
    pub equity: Option<PathBuf>,

    /// Write a self-contained HTML report (equity, drawdown, trade markers, statistics).
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
}

/// The `[backtest]` table of velo.toml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct BacktestConfig {
    cash: Option<f64>,
    commission: Option<String>,
    jobs: Option<u64>,
    rank_by: Option<String>,
    top: Option<usize>,
    timeout_per: Option<String>,
    intrabar: Option<String>,
}

/// `--timeout-per`: a duration, `0` for no limit (as every velo duration).
fn parse_time_limit(s: &str) -> Result<Duration, String> {
    if s.trim_start().starts_with('-') {
        return Err(format!(
            "{s:?}: a time limit is not negative: use a duration such as 500ms or 10s, or 0 for no limit"
        ));
    }
    crate::units::duration_arg(s)
}

/// `--top`: a count of results to keep, `0` for all.
fn parse_top(s: &str) -> Result<usize, String> {
    s.trim().parse::<usize>().map_err(|_| {
        format!("{s:?} is not a count of results: keep the best N (a whole number, e.g. 20), or 0 to keep all")
    })
}

/// The strategy and its `--param` values, each checked against its bounds.
fn resolve_params(args: &StrategyArgs) -> anyhow::Result<Params> {
    let name = args.strategy.as_deref().unwrap_or_default();
    let Some(def) = strategy::find(name) else {
        let names: Vec<&str> = STRATEGIES.iter().map(|s| s.name).collect();
        let hint = strategy::suggest(name)
            .map(|s| format!("did you mean {s}? "))
            .unwrap_or_default();
        anyhow::bail!(
            "unknown strategy {name:?}: {hint}use one of {}",
            names.join(", ")
        );
    };
    let mut p = Params::defaults(def);
    p.assign(&args.params).map_err(messages::assign)?;
    Ok(p)
}

/// The settings of a run: flags over velo.toml over defaults.
struct Resolved {
    params: Params,
    settings: Settings,
    options: SweepOptions,
}

fn resolve(args: &BacktestArgs, cfg: &BacktestConfig) -> anyhow::Result<Resolved> {
    let params = resolve_params(&args.strategy)?;
    let b = &args.broker;
    let commission = match (&b.commission, &cfg.commission) {
        (Some(c), _) => *c,
        (None, Some(text)) => settings::commission(text)
            .map_err(|e| anyhow::anyhow!("[backtest] commission in velo.toml: {e}"))?,
        (None, None) => Commission::default(),
    };
    let cash = b.cash.or(cfg.cash).unwrap_or(10_000.0);
    if !(cash.is_finite() && cash > 0.0) {
        let from = if b.cash.is_some() {
            "--cash"
        } else {
            "[backtest] cash in velo.toml:"
        };
        anyhow::bail!(
            "{from} {}: the starting cash must be more than 0 (it is what the strategy buys with), e.g. 10000",
            fmt_num(cash)
        );
    }
    if !(b.slippage_bps.is_finite() && (0.0..10_000.0).contains(&b.slippage_bps)) {
        anyhow::bail!(
            "--slippage-bps {}: slippage is a cost against each fill, at least 0 and below 10000 basis points (a negative one would improve every fill)",
            fmt_num(b.slippage_bps)
        );
    }
    let intrabar = match (b.intrabar, &cfg.intrabar) {
        (Some(i), _) => i,
        (None, Some(t)) => settings::intrabar(t)
            .map_err(|e| anyhow::anyhow!("[backtest] intrabar in velo.toml: {e}"))?,
        (None, None) => Intrabar::default(),
    };
    let mut size = b.size.unwrap_or(Settings::default().size);
    if b.fractional {
        match &mut size {
            Sizing::Fraction { whole, .. } => *whole = false,
            Sizing::Units(_) => {
                anyhow::bail!("--fractional applies to a fractional --size; fixed units (e.g. 2.5u) may already be fractional")
            }
        }
    }
    let settings = Settings {
        cash,
        commission,
        trade_on_close: b.trade_on_close,
        long_only: b.long_only,
        size,
        slippage_bps: b.slippage_bps,
        stop_loss: b.stop_loss,
        take_profit: b.take_profit,
        intrabar,
    };
    // 0 is one per CPU, as for every velo command with --jobs.
    let jobs = match (args.sweep.jobs, cfg.jobs) {
        (Some(j), _) => j,
        (None, Some(j)) => crate::config::jobs::resolve(j)
            .map_err(|e| anyhow::anyhow!("[backtest] jobs in velo.toml: {e}"))?,
        (None, None) => crate::config::jobs::cpus(),
    };
    let rank_by = args
        .sweep
        .rank_by
        .as_deref()
        .or(cfg.rank_by.as_deref())
        .unwrap_or("sharpe_ratio");
    let top = args.sweep.top.or(cfg.top).unwrap_or(20);
    let ranking = Ranking::by(rank_by, top).map_err(|e| messages::rank_by(&e))?;
    let timeout_per = match (args.sweep.timeout_per, &cfg.timeout_per) {
        (Some(t), _) => Some(t),
        (None, Some(t)) => Some(
            parse_time_limit(t)
                .map_err(|e| anyhow::anyhow!("[backtest] timeout-per in velo.toml: {e}"))?,
        ),
        (None, None) => None,
    }
    // A duration of 0 is no limit, in every velo command.
    .filter(|t| !t.is_zero());
    let shard = match &args.sweep.shard {
        Some(text) => Some(
            sweep::parse_shard(text, &|k| std::env::var(k).ok())
                .map_err(|e| messages::shard(&e))?,
        ),
        None => None,
    };
    Ok(Resolved {
        params,
        settings,
        options: SweepOptions {
            jobs,
            timeout_per,
            ranking,
            shard,
        },
    })
}

pub fn run(args: &BacktestArgs, ctx: &Context) -> anyhow::Result<u8> {
    if let Some(BacktestCommand::Merge(m)) = &args.sub {
        return run_merge(m, ctx);
    }
    let cfg: BacktestConfig = ctx.config.section("backtest")?;
    let r = resolve(args, &cfg)?;
    let Some(path) = args.path.as_deref() else {
        anyhow::bail!("give a CSV file or a folder of them");
    };
    let (sweep_args, out) = (&args.sweep, &args.output);
    let is_sweep = !sweep_args.grid.is_empty();
    if sweep_args.walk_forward.is_some() && !is_sweep {
        anyhow::bail!("--walk-forward optimises a --grid: add one, e.g. --grid fast=5..30:5");
    }
    if !sweep_args.constraint.is_empty() && !is_sweep {
        anyhow::bail!("--constraint filters a --grid: add one, or drop the constraint");
    }
    if sweep_args.heatmap.is_some() && sweep_args.grid.len() != 2 {
        anyhow::bail!(
            "--heatmap draws a two-parameter grid: give exactly two --grid flags (got {})",
            sweep_args.grid.len()
        );
    }
    if sweep_args.shard.is_some() && !is_sweep && !path.is_dir() {
        anyhow::bail!("--shard splits a --grid or a folder of symbols: there is nothing to split in one backtest");
    }
    let grid = Grid::parse(
        &r.params,
        &sweep_args.grid,
        &sweep_args.constraint,
        &args.strategy.params,
    )
    .map_err(|e| messages::grid(e, sweep_args))?;
    let outs = check_outputs(args, path, ctx)?;
    let artifacts = out.trades.is_some() || out.equity.is_some() || out.report.is_some();
    if path.is_dir() {
        if sweep_args.walk_forward.is_some() {
            anyhow::bail!("--walk-forward runs on one file, not a folder");
        }
        if artifacts {
            anyhow::bail!(
                "--trades, --equity and --report describe one run: backtest one file for them"
            );
        }
        if sweep_args.heatmap.is_some() {
            anyhow::bail!("--heatmap draws one symbol's grid: backtest one file for it");
        }
    } else if sweep_args.walk_forward.is_some() {
        if r.options.shard.is_some() {
            anyhow::bail!("--shard does not split a walk-forward: run it on one machine");
        }
        if sweep_args.heatmap.is_some() || sweep_args.results.is_some() {
            anyhow::bail!(
                "--heatmap and --results describe one sweep: drop them with --walk-forward"
            );
        }
    }
    let job = Job {
        grid,
        settings: r.settings,
        options: r.options,
        walk: sweep_args.walk_forward,
        load: LOAD,
        rerun_best: artifacts,
        heatmap: sweep_args.heatmap.is_some(),
    };
    // Results stream from a sweep or a universe (a single backtest has none to stream).
    let streams = is_sweep || path.is_dir();
    let results = match outs.get("--results") {
        Some(o) if streams => Some(o.stream()?),
        _ => None,
    };
    let mut observer = Progress::new(&ctx.ui, out.format.is_machine(), results);
    let mut stdin = std::io::stdin();
    let source = if path.is_dir() {
        Source::Folder(path)
    } else if path.as_os_str() == "-" {
        Source::Stdin {
            name: path,
            reader: &mut stdin,
        }
    } else {
        Source::File(path)
    };
    let result = bt::run(&job, source, &interrupt::defer, &mut observer);
    let mut failures = Failures::default();
    observer.finish(&mut failures)?;
    let outcome = result.map_err(|e| messages::backtest(e, sweep_args))?;
    let show = |report: &dyn Fn() -> anyhow::Result<String>| -> anyhow::Result<()> {
        ctx.ui.out(&report()?).context("writing the results")
    };
    let format = out.format;
    let code = match outcome {
        Outcome::Single(one) => {
            write_artifacts(&outs, &one, &mut failures);
            show(&|| report::render(&one.report, format, &ctx.ui))?;
            exit::SUCCESS
        }
        Outcome::Sweep {
            report,
            heatmap,
            best,
        } => {
            if let (Some(o), Some(h)) = (outs.get("--heatmap"), &heatmap) {
                let svg = render::heatmap_svg(&render::heatmap_title(&report), h);
                failures.add(o.write(svg.as_bytes()));
            }
            if artifacts {
                let Some(best) = best else {
                    anyhow::bail!(
                        "no sweep point finished: nothing to write for --trades/--equity/--report"
                    );
                };
                write_artifacts(&outs, &best, &mut failures);
            }
            show(&|| report::render(&report, format, &ctx.ui))?;
            if report.summary.interrupted {
                ctx.ui.warn(&format!(
                    "interrupted: the results are the {} runs that finished; {} of the grid's {} points were not reached",
                    report.summary.runs, report.summary.not_started, report.summary.grid_points
                ));
            }
            exit_code(&report)
        }
        Outcome::Universe(report) => {
            for res in report.results.iter().filter(|r| r.status == Status::Error) {
                ctx.ui.error(&format!(
                    "{}: {} (the other symbols were backtested)",
                    res.symbol.as_deref().unwrap_or("?"),
                    res.error.as_deref().unwrap_or("")
                ));
            }
            show(&|| report::render(&report, format, &ctx.ui))?;
            if report.summary.interrupted {
                ctx.ui.warn(&format!(
                    "interrupted: the results are the {} symbols that finished; {} were not",
                    report.summary.runs, report.summary.not_started
                ));
            }
            if report.summary.errors > 0 {
                exit::USAGE
            } else {
                exit_code(&report)
            }
        }
        Outcome::WalkForward { report, windows } => {
            if report.interrupted {
                ctx.ui.warn(&format!(
                    "interrupted: the report holds the {} windows that finished, of {windows}",
                    report.windows.len()
                ));
            }
            if let (Some((bars, run)), Some(stats)) = (&report.stitched, &report.oos) {
                let title = render::walk_title(&report);
                write_files(&outs, bars, run, stats, &title, &mut failures);
            }
            show(&|| report::render(&report, format, &ctx.ui))?;
            if report.windows.iter().any(|w| w.error.is_some()) {
                exit::PROBLEMS
            } else {
                exit::SUCCESS
            }
        }
    };
    // The result is out: an output that could not be written ends the run with exit 2.
    failures.into_result()?;
    Ok(code)
}

/// Checks every output file before the work (`crate::outfile`): none is an input (the CSV,
/// or a file of the folder), none named twice, every folder there and writable.
fn check_outputs(args: &BacktestArgs, path: &Path, ctx: &Context) -> anyhow::Result<Outputs> {
    let mut plan = Plan::new(&ctx.cwd);
    if path.is_dir() {
        // The symbol files the run reads (a listing error is the run's to report).
        for file in market::list_inputs(&[path.to_path_buf()]).unwrap_or_default() {
            plan.input("PATH", &file);
        }
    } else {
        plan.input("PATH", path);
    }
    let (o, s) = (&args.output, &args.sweep);
    plan.file("--trades", o.trades.as_deref())
        .file("--equity", o.equity.as_deref())
        .file("--report", o.report.as_deref())
        .file("--heatmap", s.heatmap.as_deref())
        .stream("--results", s.results.as_deref());
    Ok(plan.check(&|n| ctx.ui.info(n))?)
}

/// Writes --trades, --equity and --report of one run; a failure is kept for the end.
fn write_artifacts(outs: &Outputs, one: &OneRun, failures: &mut Failures) {
    let title = render::run_title(&one.report);
    write_files(
        outs,
        &one.bars,
        &one.run,
        &one.report.stats,
        &title,
        failures,
    );
}

/// Writes --trades, --equity and --report of `run` over `bars`; a failure is kept for the end.
fn write_files(
    outs: &Outputs,
    bars: &Bars,
    run: &Run,
    stats: &Stats,
    title: &str,
    failures: &mut Failures,
) {
    let mut write = |flag: &str, render: &dyn Fn() -> String| {
        if let Some(out) = outs.get(flag) {
            failures.add(out.write(render().as_bytes()));
        }
    };
    write("--trades", &|| render::trades_csv(bars, &run.trades));
    write("--equity", &|| render::equity_csv(bars, run));
    write("--report", &|| render::html_report(title, bars, run, stats));
}

/// The command's observer: the progress bar, and every result streamed to --results as a
/// JSON line as it comes. A write that fails is kept by the stream for its end (see
/// `outfile::Stream`).
struct Progress<'a> {
    ui: &'a Ui,
    machine: bool,
    bar: ProgressBar,
    /// What the work counts (set when it starts).
    unit: Option<Unit>,
    results: Option<outfile::Stream>,
    flushed: Instant,
    /// A result that could not be written as JSON (the first).
    failed: Option<anyhow::Error>,
    runs: u64,
    timed_out: u64,
}

impl<'a> Progress<'a> {
    fn new(ui: &'a Ui, machine: bool, results: Option<outfile::Stream>) -> Self {
        Self {
            ui,
            machine,
            bar: ProgressBar::hidden(),
            unit: None,
            results,
            flushed: Instant::now(),
            failed: None,
            runs: 0,
            timed_out: 0,
        }
    }

    fn write(&mut self, r: &PointResult) -> anyhow::Result<()> {
        if let Some(w) = &mut self.results {
            let line = report::json::line("backtest-result", r)?;
            w.write_all(line.as_bytes())?;
            // Readers following the file see results within a moment, not per 64 KiB.
            if self.flushed.elapsed() >= Duration::from_millis(200) {
                w.flush()?;
                self.flushed = Instant::now();
            }
        }
        Ok(())
    }

    /// Clears the bar and ends the --results stream: it replaces the file once the work has
    /// started (an interrupted one included); before that nothing was run and the file stays.
    fn finish(self, failures: &mut Failures) -> anyhow::Result<()> {
        self.bar.finish_and_clear();
        if let (Some(stream), Some(_)) = (self.results, self.unit) {
            failures.add(stream.finish());
        }
        self.failed.map_or(Ok(()), Err)
    }
}

impl Observer for Progress<'_> {
    fn start(&mut self, total: u64, unit: Unit) {
        let what = match unit {
            Unit::GridPoints => "grid points",
            Unit::Symbols => "symbols",
            Unit::Windows => "walk-forward windows",
        };
        self.bar = self.ui.progress(total, what, self.machine);
        self.unit = Some(unit);
    }

    fn result(&mut self, r: &PointResult) {
        if self.failed.is_none() {
            if let Err(e) = self.write(r) {
                self.failed = Some(e);
            }
        }
        self.runs += 1;
        let late = r.status == Status::TimedOut;
        self.timed_out += u64::from(late);
        if self.unit != Some(Unit::GridPoints) {
            if self.runs % 64 == 1 {
                self.bar.set_message(format!("{} runs", self.runs));
            }
        } else if self.runs % 64 == 1 || late {
            // Short enough for an 80-column terminal beside the bar and a 10^10 length.
            let late = if self.timed_out > 0 {
                format!(", {} timed out", self.timed_out)
            } else {
                String::new()
            };
            self.bar.set_message(format!(
                "{} run{late}, {:.0}/s",
                self.runs,
                self.runs as f64 / self.bar.elapsed().as_secs_f64().max(1e-3)
            ));
        }
    }

    fn progress(&mut self, done: u64) {
        self.bar.set_position(done);
    }

    fn note(&mut self, note: &Note) {
        match note {
            Note::ShortTrain(n) => self.ui.warn(&messages::short_train(n)),
        }
    }
}

/// The exit code of a sweep's, universe's or merge's results.
fn exit_code(report: &SweepReport) -> u8 {
    if report.summary.timed_out + report.summary.errors > 0 {
        exit::PROBLEMS
    } else {
        exit::SUCCESS
    }
}

fn run_merge(m: &MergeArgs, ctx: &Context) -> anyhow::Result<u8> {
    let merged = merge::merge_files(&m.files, m.allow_partial).map_err(messages::merge)?;
    let text = report::render(&merged, m.format, &ctx.ui)?;
    ctx.ui.out(&text).context("writing the results")?;
    if !merged.partial.is_empty() {
        ctx.ui
            .warn(&format!("partial result: {}", merged.partial.join(", ")));
        return Ok(exit::PROBLEMS);
    }
    Ok(exit_code(&merged))
}
