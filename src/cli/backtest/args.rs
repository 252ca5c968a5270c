//! `velo backtest`'s arguments: the clap tree (one struct per help heading, flattened), its
//! long help, and the parsers of the values clap checks.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::batch::{self, BatchArgs};
use super::messages;
use crate::backtest::settings;
use crate::backtest::walk::WalkSpec;
use crate::backtest::{Commission, Intrabar, Sizing};
use crate::cli::settings::limit_duration_arg;
use crate::report::{self, Format};

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

Your own strategies: --entry, --exit, --short-entry, --short-exit EXPR instead of --strategy \
($name filled by --param/--grid). Each bar, on its close: a long closes on exit, a short on \
short-exit; then entry (when not long) buys, closing a short first; else short-entry (when not \
short) sells, closing a long first. Language: series open high low close volume; numbers; \
$name; unary -; * / over + - over comparisons < <= > >= == != (not chained) over not over and \
over or; parentheses. Functions over the whole series: sma(x,n) (pandas rolling mean), ema(x,n), \
rsi(x,n), roc(x,n), std(x,n), atr(n), bbands(x,n,k).upper|.middle|.lower, \
macd(x,fast,slow,signal).line|.signal|.hist (TA-Lib), highest(x,n), lowest(x,n) (pandas \
rolling, current bar included), shift(x,k), abs(x), min(a,b), max(a,b), crosses_above(a,b), \
crosses_below(a,b). NaN compares as in Python (only != is true); x/0 is +-inf or NaN. The \
first decision is on the bar after the longest leading-NaN run of any function call. \
--signals FILE.csv gives the four conditions precomputed (Date,entry,exit,short_entry,short_exit; \
no warm-up). Named strategies: [backtest.strategies.NAME] in velo.toml with entry, exit, \
short_entry, short_exit and params, used as --strategy NAME.

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
into exactly the unsharded result. `velo backtest batch SPECS.jsonl` runs many single backtests, \
one JSON spec a line whose keys are these flags, on one pool of workers (see its --help).

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
  velo backtest GOOG.csv --entry 'rsi(close, $n) < 30 and close > sma(close, 200)' \
      --exit 'rsi(close, $n) > 70' --param n=14 --commission 0.002
  velo backtest GOOG.csv --entry 'crosses_above(sma(close, $fast), sma(close, $slow))' \
      --short-entry 'crosses_below(sma(close, $fast), sma(close, $slow))' \
      --grid fast=5..49 --grid slow=10..195:5 --constraint 'fast<slow'
  velo backtest GOOG.csv --signals my_signals.csv --trades trades.csv

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
    subcommand_value_name = "merge|batch",
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
    /// Join the JSON results of the shards of one sweep (--shard K/N --format json) into the unsharded result; a missing, duplicate, foreign or interrupted shard is refused.
    Merge(MergeArgs),
    /// Run a batch of backtest specs (JSON lines, keys = the long flags) on a pool of workers: a JSON result per spec as each finishes.
    #[command(long_about = batch::LONG_ABOUT, after_long_help = batch::AFTER_LONG_HELP)]
    Batch(BatchArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard results (`--format json` output of `--shard K/N` runs).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub common: crate::cli::MergeCommonArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Strategy")]
pub struct StrategyArgs {
    /// The strategy: sma-cross, ema-cross, rsi, macd, bbands, donchian, momentum (rules and parameters in --help), or a [backtest.strategies.NAME] table of velo.toml.
    #[arg(long, value_name = "NAME", required_unless_present_any = ["entry", "short_entry", "signals"],
          conflicts_with_all = ["entry", "exit", "short_entry", "short_exit", "signals"])]
    pub strategy: Option<String>,

    /// Your own strategy: buy (or reverse a short) when this condition holds, e.g. 'crosses_above(sma(close, $fast), sma(close, $slow))' (language in --help).
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    pub entry: Option<String>,

    /// Close a long when this condition holds.
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    pub exit: Option<String>,

    /// Sell short (or reverse a long) when this condition holds.
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    pub short_entry: Option<String>,

    /// Close a short when this condition holds.
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    pub short_exit: Option<String>,

    /// Precomputed conditions from any program: a CSV with Date and any of entry, exit, short_entry, short_exit (1/0, true/false, empty = false), joined to the bars by date.
    #[arg(long, value_name = "FILE.csv", conflicts_with_all = ["entry", "exit", "short_entry", "short_exit"])]
    pub signals: Option<PathBuf>,

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
    #[arg(long, value_name = "DUR", value_parser = limit_duration_arg, allow_hyphen_values = true)]
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

    /// Run shard K of N (1-based) of a sweep or universe (a stable hash of each point or symbol); N alone takes K from the scheduler, as it counts: SLURM_ARRAY_TASK_ID (as is, 0-based), JOB_COMPLETION_INDEX (0-based), CI_NODE_INDEX (1-based), CIRCLE_NODE_INDEX or BUILDKITE_PARALLEL_JOB (0-based); every one set must agree and be within N.
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

/// `--top`: a count of results to keep, `0` for all.
fn parse_top(s: &str) -> Result<usize, String> {
    s.trim().parse::<usize>().map_err(|_| {
        format!("{s:?} is not a count of results: keep the best N (a whole number, e.g. 20), or 0 to keep all")
    })
}
