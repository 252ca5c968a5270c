//! `velo backtest`: argument parsing, `[backtest]` settings from velo.toml, and the single run,
//! sweep, universe, walk-forward and merge forms, rendered through the shared renderers.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde::Deserialize;

use super::{exit, interrupt, Context};
use crate::backtest::strategy::{self, fmt_num, Params, STRATEGIES};
use crate::backtest::sweep::{self, Grid, Ranking, Status, SweepOptions, SweepReport};
use crate::backtest::walk::{self, WalkSpec};
use crate::backtest::{self as bt, Commission, Intrabar, Settings, Sizing};
use crate::market::{self, Bars, LoadOptions};
use crate::report::{self, backtest as render, Format};
use crate::shard::Partition;

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
--constraint 'fast<slow'; runs in parallel with a per-run --timeout-per, keeps the --top N by \
--rank-by in memory, streams every result to --results FILE.jsonl as it finishes. --shard K/N \
runs one share (a stable hash of each point); `velo backtest merge` joins the shards' JSON into \
exactly the unsharded result.

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
CSV, shards that do not fit together)";

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
    /// Starting cash [default: 10000].
    #[arg(long, value_name = "AMOUNT")]
    pub cash: Option<f64>,

    /// Commission per order: RATE (fraction of the traded value, or N%), plus an optional fixed amount and a minimum, e.g. 0.002, 0.001+1, 0.1%+0.5,min=1 [default: 0].
    #[arg(long, value_name = "RATE[+FIXED][,min=M]", value_parser = parse_commission)]
    pub commission: Option<Commission>,

    /// Fill orders at the signal bar's close instead of the next bar's open.
    #[arg(long)]
    pub trade_on_close: bool,

    /// Only open long positions; a sell signal closes the long.
    #[arg(long)]
    pub long_only: bool,

    /// Trade size: a fraction of available cash (0.5 or 50%, whole units) or fixed units (2.5u) [default: all cash].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub size: Option<Sizing>,

    /// With a fractional --size (or the default), buy fractional units (crypto-style) instead of whole ones.
    #[arg(long)]
    pub fractional: bool,

    /// Slippage in basis points, against each market and stop fill (entries and exits).
    #[arg(long, value_name = "BPS", default_value_t = 0.0)]
    pub slippage_bps: f64,

    /// Stop-loss distance from the entry price, as a fraction or percent (0.05 or 5%).
    #[arg(long, value_name = "PCT", value_parser = parse_fraction)]
    pub stop_loss: Option<f64>,

    /// Take-profit distance from the entry price, as a fraction or percent (0.1 or 10%).
    #[arg(long, value_name = "PCT", value_parser = parse_fraction)]
    pub take_profit: Option<f64>,

    /// When a stop-loss and a take-profit are both inside one bar: pessimistic (the stop-loss fills, backtesting.py's order), optimistic (the take-profit), open-first (the one on the side of the extreme nearer the bar's open; a gap through a level fills it at the open) [default: pessimistic].
    #[arg(long, value_name = "ORDER", value_parser = parse_intrabar)]
    pub intrabar: Option<Intrabar>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Sweeps, universes, walk-forward")]
pub struct SweepArgs {
    /// Sweep a parameter: NAME=START..END:STEP (END included), NAME=START..END (step 1) or NAME=A,B,C (repeatable).
    #[arg(long, value_name = "NAME=RANGE")]
    pub grid: Vec<String>,

    /// Keep only grid points where this holds, e.g. 'fast<slow' (operators < <= > >= == !=; repeatable).
    #[arg(long, value_name = "EXPR")]
    pub constraint: Vec<String>,

    /// Worker threads [default: one per core].
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: Option<u16>,

    /// Time limit of each backtest in a sweep (of each symbol's work in a universe), e.g. 500ms, 10s; one that runs longer is recorded as timed-out and the sweep goes on.
    #[arg(long, value_name = "DUR", value_parser = crate::units::duration_arg)]
    pub timeout_per: Option<Duration>,

    /// The statistic that ranks sweep points and symbols, e.g. sharpe_ratio, sqn, return_pct, calmar_ratio [default: sharpe_ratio].
    #[arg(long, value_name = "STAT")]
    pub rank_by: Option<String>,

    /// Keep and show the best N results (memory stays bounded by N); 0 keeps all [default: 20].
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// Write every sweep result as a JSON line to FILE as it finishes.
    #[arg(long, value_name = "FILE.jsonl")]
    pub results: Option<PathBuf>,

    /// Write a heatmap of the ranking statistic over a two-parameter grid as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub heatmap: Option<PathBuf>,

    /// Run shard K of N of a sweep or universe (a stable hash of each point or symbol); N alone takes K from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID (0-based) or CI_NODE_INDEX (1-based).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,

    /// Walk-forward: optimise the --grid on each train window, trade the best on the next test window; sizes in bars, step defaults to test.
    #[arg(long, value_name = "train=N,test=M[,step=K]", value_parser = WalkSpec::parse)]
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
    jobs: Option<u16>,
    rank_by: Option<String>,
    top: Option<usize>,
    timeout_per: Option<String>,
    intrabar: Option<String>,
}

fn parse_pct(s: &str) -> Option<f64> {
    let s = s.trim();
    let v = if let Some(p) = s.strip_suffix('%') {
        p.trim().parse::<f64>().ok()? / 100.0
    } else {
        s.parse::<f64>().ok()?
    };
    v.is_finite().then_some(v)
}

fn parse_fraction(s: &str) -> Result<f64, String> {
    match parse_pct(s) {
        Some(v) if v > 0.0 && v < 10.0 => Ok(v),
        _ => Err(format!(
            "{s:?} is not a distance from the entry price: use a fraction or a percent, e.g. 0.05 or 5%"
        )),
    }
}

fn parse_commission(s: &str) -> Result<Commission, String> {
    let bad =
        || format!("{s:?} is not RATE[+FIXED][,min=M]: e.g. 0.002, 0.1%, 0.001+1, 0.001+1,min=2");
    let (amount, min) = match s.split_once(',') {
        Some((m, rest)) => {
            let v = rest.trim().strip_prefix("min=").ok_or_else(bad)?;
            (m, v.trim().parse::<f64>().map_err(|_| bad())?)
        }
        None => (s, 0.0),
    };
    let (rate, fixed) = match amount.split_once('+') {
        Some((r, f)) => (
            parse_pct(r).ok_or_else(bad)?,
            f.trim().parse::<f64>().map_err(|_| bad())?,
        ),
        None => (parse_pct(amount).ok_or_else(bad)?, 0.0),
    };
    if !(0.0..1.0).contains(&rate)
        || !fixed.is_finite()
        || fixed < 0.0
        || !min.is_finite()
        || min < 0.0
    {
        return Err(format!(
            "{s:?}: the rate must be in [0, 1) and the fixed amount and minimum not negative"
        ));
    }
    Ok(Commission { rate, fixed, min })
}

fn parse_size(s: &str) -> Result<Sizing, String> {
    let t = s.trim();
    let units = t
        .strip_suffix("units")
        .or_else(|| t.strip_suffix("unit"))
        .or_else(|| t.strip_suffix('u'));
    if let Some(u) = units {
        return match u.trim().parse::<f64>() {
            Ok(v) if v > 0.0 && v.is_finite() => Ok(Sizing::Units(v)),
            _ => Err(format!(
                "{s:?}: fixed units must be a positive number, e.g. 10u or 0.25u"
            )),
        };
    }
    match parse_pct(t) {
        Some(v) if v > 0.0 && v <= 1.0 => Ok(Sizing::Fraction {
            fraction: if v >= 1.0 {
                crate::backtest::engine::FULL_EQUITY
            } else {
                v
            },
            whole: true,
        }),
        _ => Err(format!(
            "{s:?} is not a size: a fraction of cash in (0, 1] (0.5 or 50%) or fixed units (10u)"
        )),
    }
}

fn parse_intrabar(s: &str) -> Result<Intrabar, String> {
    match s {
        "pessimistic" => Ok(Intrabar::Pessimistic),
        "optimistic" => Ok(Intrabar::Optimistic),
        "open-first" => Ok(Intrabar::OpenFirst),
        _ => Err(format!(
            "{s:?} is not an intrabar order: use pessimistic, optimistic or open-first"
        )),
    }
}

/// The strategy and its `--param` values, validated.
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
    for item in &args.params {
        let Some((k, v)) = item.split_once('=') else {
            anyhow::bail!(
                "--param {item:?} has no value: write NAME=VALUE, e.g. --param {}={}",
                def.params[0].name,
                fmt_num(def.params[0].default)
            );
        };
        let k = k.trim();
        let Some(i) = p.index(k) else {
            let names: Vec<&str> = def.params.iter().map(|p| p.name).collect();
            let close = names
                .iter()
                .find(|n| strsim::jaro_winkler(k, n) > 0.8)
                .map(|n| format!("did you mean {n}? "))
                .unwrap_or_default();
            anyhow::bail!(
                "{} has no parameter {k:?}: {close}its parameters are {}",
                def.name,
                names.join(", ")
            );
        };
        let value: f64 = v
            .trim()
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite())
            .ok_or_else(|| anyhow::anyhow!("--param {item:?}: {v:?} is not a number"))?;
        p.values[i] = value;
    }
    Ok(p)
}

struct Resolved {
    params: Params,
    settings: Settings,
    jobs: usize,
    ranking: Ranking,
    timeout_per: Option<Duration>,
    shard: Option<Partition>,
}

fn resolve(args: &BacktestArgs, cfg: &BacktestConfig) -> anyhow::Result<Resolved> {
    let params = resolve_params(&args.strategy)?;
    let b = &args.broker;
    let commission = match (&b.commission, &cfg.commission) {
        (Some(c), _) => *c,
        (None, Some(text)) => parse_commission(text)
            .map_err(|e| anyhow::anyhow!("[backtest] commission in velo.toml: {e}"))?,
        (None, None) => Commission::default(),
    };
    let cash = b.cash.or(cfg.cash).unwrap_or(10_000.0);
    if !(cash.is_finite() && cash > 0.0) {
        anyhow::bail!("--cash must be a positive amount (got {cash})");
    }
    if !(b.slippage_bps.is_finite() && (0.0..10_000.0).contains(&b.slippage_bps)) {
        anyhow::bail!(
            "--slippage-bps must be between 0 and 10000 (got {})",
            b.slippage_bps
        );
    }
    let intrabar = match (b.intrabar, &cfg.intrabar) {
        (Some(i), _) => i,
        (None, Some(t)) => parse_intrabar(t)
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
    let jobs = args
        .sweep
        .jobs
        .or(cfg.jobs)
        .map_or_else(default_jobs, usize::from)
        .max(1);
    let rank_by = args
        .sweep
        .rank_by
        .as_deref()
        .or(cfg.rank_by.as_deref())
        .unwrap_or("sharpe_ratio");
    let top = args.sweep.top.or(cfg.top).unwrap_or(20);
    let ranking = Ranking::by(rank_by, top).map_err(anyhow::Error::msg)?;
    let timeout_per = match (args.sweep.timeout_per, &cfg.timeout_per) {
        (Some(t), _) => Some(t),
        (None, Some(t)) => Some(
            crate::units::parse_duration(t)
                .map_err(|e| anyhow::anyhow!("[backtest] timeout-per in velo.toml: {e}"))?,
        ),
        (None, None) => None,
    };
    let shard = match &args.sweep.shard {
        Some(text) => Some(
            Partition::parse(text, &|k| std::env::var(k).ok())
                .map_err(|e| anyhow::anyhow!("--shard: {e}"))?,
        ),
        None => None,
    };
    Ok(Resolved {
        params,
        settings,
        jobs,
        ranking,
        timeout_per,
        shard,
    })
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
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
    let sweep_args = &args.sweep;
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
    let grid = build_grid(&r.params, sweep_args)?;
    if path.is_dir() {
        if sweep_args.walk_forward.is_some() {
            anyhow::bail!("--walk-forward runs on one file, not a folder");
        }
        return run_universe(args, path, &grid, &r, ctx);
    }
    let bars = load_one(path)?;
    if let Some(spec) = sweep_args.walk_forward {
        if r.shard.is_some() {
            anyhow::bail!("--shard does not split a walk-forward: run it on one machine");
        }
        return run_walk(args, &bars, &grid, spec, &r, ctx);
    }
    if is_sweep {
        return run_sweep(args, &bars, &grid, &r, ctx);
    }
    r.params.validate().map_err(anyhow::Error::msg)?;
    let (report, run) = bt::backtest(&bars, &r.params, &r.settings, &|| false)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    write_artifacts(&args.output, &bars, &run, &report.stats, &title(&report))?;
    let text = report::render(&report, args.output.format, &ctx.ui)?;
    ctx.ui.out(&text).context("writing the results")?;
    Ok(exit::SUCCESS)
}

fn title(r: &bt::SingleReport) -> String {
    let params: Vec<String> = r
        .params
        .0
        .pairs()
        .map(|(k, v)| format!("{k}={}", fmt_num(v)))
        .collect();
    format!("{} {} on {}", r.strategy, params.join(" "), r.symbol)
}

/// The grid of the --grid flags (one point, the base parameters, without any).
fn build_grid(base: &Params, a: &SweepArgs) -> anyhow::Result<Grid> {
    let axes = a
        .grid
        .iter()
        .map(|g| sweep::parse_axis(base, g))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let constraints = a
        .constraint
        .iter()
        .map(|c| sweep::Constraint::parse(base, c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let grid = Grid::new(*base, axes, constraints).map_err(anyhow::Error::msg)?;
    if !a.grid.is_empty() && grid.is_empty() {
        anyhow::bail!(
            "the grid is empty: no point of {} satisfies {}: widen the ranges or loosen the constraints",
            a.grid.join(" "),
            a.constraint.join(" and ")
        );
    }
    // Every point must be a valid parameter set: report the first one that is not.
    let mut checked = 0;
    for (_, p) in grid.points() {
        p.validate().map_err(|e| {
            anyhow::anyhow!("{e} (a point of the grid: narrow --grid or add a --constraint)")
        })?;
        checked += 1;
        if checked >= 1_000_000 {
            break;
        }
    }
    Ok(grid)
}

fn load_one(path: &Path) -> anyhow::Result<Bars> {
    let mut series = if path.as_os_str() == "-" {
        let mut data = Vec::new();
        std::io::stdin()
            .read_to_end(&mut data)
            .context("cannot read standard input")?;
        market::parse(&data, Path::new("stdin"), "stdin", LOAD)?
    } else {
        market::load_file(path, &mut Vec::new(), LOAD)?
    };
    if series.len() != 1 {
        anyhow::bail!(
            "{}: the file holds {} symbols: backtest one symbol per file, or put per-symbol files in a folder and pass the folder",
            path.display(),
            series.len()
        );
    }
    Ok(series.remove(0))
}

/// Writes --trades, --equity and --report for one run.
fn write_artifacts(
    out: &OutputArgs,
    bars: &Bars,
    run: &bt::Run,
    stats: &bt::Stats,
    title: &str,
) -> anyhow::Result<()> {
    if let Some(p) = &out.trades {
        write_file(
            p,
            render::trades_csv(bars, &run.trades).as_bytes(),
            "--trades",
        )?;
    }
    if let Some(p) = &out.equity {
        write_file(p, render::equity_csv(bars, run).as_bytes(), "--equity")?;
    }
    if let Some(p) = &out.report {
        write_file(
            p,
            render::html_report(title, bars, run, stats).as_bytes(),
            "--report",
        )?;
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8], flag: &str) -> anyhow::Result<()> {
    crate::atomic::write(path, bytes)
        .with_context(|| format!("{flag}: cannot write {}", path.display()))
}

/// The --results stream: one JSON line per result, flushed as they come.
struct Stream(
    Option<std::io::BufWriter<std::fs::File>>,
    PathBuf,
    std::time::Instant,
);

impl Stream {
    fn open(path: Option<&Path>) -> anyhow::Result<Self> {
        Ok(match path {
            Some(p) => Self(
                Some(std::io::BufWriter::new(
                    std::fs::File::create(p)
                        .with_context(|| format!("--results: cannot create {}", p.display()))?,
                )),
                p.to_path_buf(),
                std::time::Instant::now(),
            ),
            None => Self(None, PathBuf::new(), std::time::Instant::now()),
        })
    }

    fn write(&mut self, r: &sweep::PointResult) -> anyhow::Result<()> {
        if let Some(w) = &mut self.0 {
            let line = report::json::line("backtest-result", r)?;
            w.write_all(line.as_bytes())
                .with_context(|| format!("--results: cannot write {}", self.1.display()))?;
            // Readers following the file see results within a moment, not per 8 KiB.
            if self.2.elapsed() >= Duration::from_millis(200) {
                w.flush()
                    .with_context(|| format!("--results: cannot write {}", self.1.display()))?;
                self.2 = std::time::Instant::now();
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        if let Some(w) = &mut self.0 {
            w.flush()
                .with_context(|| format!("--results: cannot write {}", self.1.display()))?;
        }
        Ok(())
    }
}

fn run_sweep(
    args: &BacktestArgs,
    bars: &Bars,
    grid: &Grid,
    r: &Resolved,
    ctx: &Context,
) -> anyhow::Result<u8> {
    let format = args.output.format;
    let total = if ctx.ui.progress_allowed(format.is_machine()) {
        match r.shard {
            // This shard's share (one pass over the grid's ids), for an honest bar.
            Some(s) => grid
                .points()
                .filter(|(_, p)| s.selects(&sweep::point_id(p)))
                .count() as u64,
            None => grid.len(),
        }
    } else {
        0
    };
    let bar = ctx.ui.progress(total, "backtesting", format.is_machine());
    let cancel = interrupt::defer();
    let mut stream = Stream::open(args.sweep.results.as_deref())?;
    let mut write_err: Option<anyhow::Error> = None;
    let mut heat = args.sweep.heatmap.as_ref().map(|_| {
        let (xs, ys) = (&grid.axes[0], &grid.axes[1]);
        vec![vec![f64::NAN; xs.values.len()]; ys.values.len()]
    });
    let (mut timed_out, mut done) = (0u64, 0u64);
    let opts = SweepOptions {
        jobs: r.jobs,
        timeout_per: r.timeout_per,
        ranking: r.ranking,
        shard: r.shard,
    };
    let mut report = sweep::sweep(bars, grid, &r.settings, &opts, &cancel, &mut |res| {
        if write_err.is_none() {
            if let Err(e) = stream.write(res) {
                write_err = Some(e);
            }
        }
        if let Some(h) = &mut heat {
            // Axis positions from the raw grid index: x is the first axis, y the second.
            let ny = grid.axes[1].values.len() as u64;
            let (xi, yi) = ((res.index / ny) as usize, (res.index % ny) as usize);
            h[yi][xi] = res
                .stats
                .as_ref()
                .and_then(|s| s.get(r.ranking.stat))
                .unwrap_or(f64::NAN);
        }
        done += 1;
        if res.status == Status::TimedOut {
            timed_out += 1;
        }
        bar.inc(1);
        if done % 64 == 1 || res.status == Status::TimedOut {
            bar.set_message(format!("{:.0}/s, {timed_out} timed out", bar.per_sec()));
        }
    });
    bar.finish_and_clear();
    stream.finish()?;
    if let Some(e) = write_err {
        return Err(e);
    }
    report.data.clone_from(&bars.symbol);
    report.work_hash = sweep::work_hash(&[
        &grid.describe(),
        &serde_json::to_string(&r.settings)?,
        &sweep::bars_fingerprint(bars),
    ]);
    if let (Some(p), Some(h)) = (&args.sweep.heatmap, &heat) {
        let svg = render::heatmap_svg(
            &format!(
                "{} {} on {}",
                grid.base.def.name, r.ranking.stat, bars.symbol
            ),
            grid.axes[0].name,
            &grid.axes[0].values,
            grid.axes[1].name,
            &grid.axes[1].values,
            h,
            r.ranking.higher_is_better,
        );
        // The SVG draws x across: transpose rows (y) and columns (x) is already h[y][x].
        write_file(p, svg.as_bytes(), "--heatmap")?;
    }
    if args.output.trades.is_some() || args.output.equity.is_some() || args.output.report.is_some()
    {
        best_artifacts(args, bars, grid, &report, r)?;
    }
    let text = report::render(&report, format, &ctx.ui)?;
    ctx.ui.out(&text).context("writing the results")?;
    if report.summary.not_started > 0 {
        ctx.ui.warn(&format!(
            "interrupted: {} points not run",
            report.summary.not_started
        ));
    }
    Ok(outcome(&report))
}

fn outcome(report: &SweepReport) -> u8 {
    if report.summary.timed_out + report.summary.errors > 0 {
        exit::PROBLEMS
    } else {
        exit::SUCCESS
    }
}

/// Reruns the best point of a sweep for --trades, --equity and --report.
fn best_artifacts(
    args: &BacktestArgs,
    bars: &Bars,
    grid: &Grid,
    report: &SweepReport,
    r: &Resolved,
) -> anyhow::Result<()> {
    let Some(best) = report.results.iter().find(|x| x.status == Status::Ok) else {
        anyhow::bail!("no sweep point finished: nothing to write for --trades/--equity/--report");
    };
    let params = grid
        .points()
        .find(|(k, _)| *k == best.index)
        .map_or(grid.base, |(_, p)| p);
    let (single, run) = bt::backtest(bars, &params, &r.settings, &|| false)?;
    write_artifacts(&args.output, bars, &run, &single.stats, &title(&single))
}

fn run_universe(
    args: &BacktestArgs,
    dir: &Path,
    grid: &Grid,
    r: &Resolved,
    ctx: &Context,
) -> anyhow::Result<u8> {
    if args.output.trades.is_some() || args.output.equity.is_some() || args.output.report.is_some()
    {
        anyhow::bail!(
            "--trades, --equity and --report describe one run: backtest one file for them"
        );
    }
    if args.sweep.heatmap.is_some() {
        anyhow::bail!("--heatmap draws one symbol's grid: backtest one file for it");
    }
    let files = market::list_inputs(&[dir.to_path_buf()])?;
    if files.is_empty() {
        anyhow::bail!("{}: no .csv files in this folder", dir.display());
    }
    let names: Vec<String> = files
        .iter()
        .map(|f| market::csv::symbol_from_path(f))
        .collect();
    let format = args.output.format;
    let bar = ctx.ui.progress(
        names.len() as u64,
        "backtesting symbols",
        format.is_machine(),
    );
    let cancel = interrupt::defer();
    let mut stream = Stream::open(args.sweep.results.as_deref())?;
    let mut write_err: Option<anyhow::Error> = None;
    let opts = SweepOptions {
        jobs: r.jobs,
        timeout_per: r.timeout_per,
        ranking: r.ranking,
        shard: r.shard,
    };
    let load = |i: usize| -> Result<Vec<Bars>, String> {
        market::load_file(&files[i], &mut Vec::new(), LOAD).map_err(|e| e.to_string())
    };
    let mut report = sweep::universe(
        &names,
        load,
        grid,
        &r.settings,
        &opts,
        &cancel,
        &mut |res| {
            if write_err.is_none() {
                if let Err(e) = stream.write(res) {
                    write_err = Some(e);
                }
            }
            bar.inc(1);
        },
    );
    bar.finish_and_clear();
    stream.finish()?;
    if let Some(e) = write_err {
        return Err(e);
    }
    report.data = dir.display().to_string();
    // The work: strategy, grid, settings and the list of symbols (their data is each shard's
    // own to read; a different file set is different work).
    report.work_hash = sweep::work_hash(&[
        &grid.describe(),
        &serde_json::to_string(&r.settings)?,
        &names.join(","),
    ]);
    for res in &report.results {
        if res.status == Status::Error {
            ctx.ui.error(&format!(
                "{}: {} (the other symbols were backtested)",
                res.symbol.as_deref().unwrap_or("?"),
                res.error.as_deref().unwrap_or("")
            ));
        }
    }
    let text = report::render(&report, format, &ctx.ui)?;
    ctx.ui.out(&text).context("writing the results")?;
    Ok(if report.summary.errors > 0 {
        exit::USAGE
    } else {
        outcome(&report)
    })
}

fn run_walk(
    args: &BacktestArgs,
    bars: &Bars,
    grid: &Grid,
    spec: WalkSpec,
    r: &Resolved,
    ctx: &Context,
) -> anyhow::Result<u8> {
    if args.sweep.heatmap.is_some() || args.sweep.results.is_some() {
        anyhow::bail!("--heatmap and --results describe one sweep: drop them with --walk-forward");
    }
    let windows = if spec.train + spec.test <= bars.len() {
        (bars.len() - spec.train - spec.test) / spec.step + 1
    } else {
        0
    };
    let format = args.output.format;
    let bar = ctx
        .ui
        .progress(windows as u64, "walk-forward windows", format.is_machine());
    let cancel = interrupt::defer();
    let opts = SweepOptions {
        jobs: r.jobs,
        timeout_per: r.timeout_per,
        ranking: r.ranking,
        shard: None,
    };
    let report = walk::walk_forward(bars, grid, &r.settings, spec, &opts, &cancel, &mut |_| {
        bar.inc(1);
    })
    .map_err(anyhow::Error::msg)?;
    bar.finish_and_clear();
    if let Some((b, run)) = &report.stitched {
        if let Some(s) = &report.oos {
            let t = format!(
                "walk-forward {} on {} (stitched out-of-sample)",
                report.strategy, report.symbol
            );
            write_artifacts(&args.output, b, run, s, &t)?;
        }
    }
    let text = report::render(&report, format, &ctx.ui)?;
    ctx.ui.out(&text).context("writing the results")?;
    Ok(if report.windows.iter().any(|w| w.error.is_some()) {
        exit::PROBLEMS
    } else {
        exit::SUCCESS
    })
}

fn run_merge(m: &MergeArgs, ctx: &Context) -> anyhow::Result<u8> {
    let mut reports = Vec::new();
    for path in &m.files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let report: SweepReport = serde_json::from_str(&text).with_context(|| {
            format!(
                "{}: not a backtest sweep result (the --format json output of a --shard K/N run)",
                path.display()
            )
        })?;
        reports.push((path.display().to_string(), report));
    }
    let merged = sweep::merge(reports).map_err(anyhow::Error::new)?;
    let text = report::render(&merged, m.format, &ctx.ui)?;
    ctx.ui.out(&text).context("writing the results")?;
    Ok(outcome(&merged))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commission_forms() {
        assert_eq!(
            parse_commission("0.002").unwrap(),
            Commission {
                rate: 0.002,
                fixed: 0.0,
                min: 0.0
            }
        );
        let c = parse_commission("0.1%+1.5,min=2").unwrap();
        assert!((c.rate - 0.001).abs() < 1e-18);
        assert_eq!((c.fixed, c.min), (1.5, 2.0));
        assert!(parse_commission("abc").is_err());
        assert!(parse_commission("0.001,max=3").is_err());
    }

    #[test]
    fn size_forms() {
        assert_eq!(
            parse_size("50%").unwrap(),
            Sizing::Fraction {
                fraction: 0.5,
                whole: true
            }
        );
        assert_eq!(parse_size("2.5u").unwrap(), Sizing::Units(2.5));
        assert!(parse_size("1.5").is_err());
        assert!(parse_size("-1u").is_err());
    }
}
