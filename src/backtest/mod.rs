//! `backtest`: run a built-in strategy over OHLCV bars with backtesting.py 0.6.6's semantics
//! by default (fills, sizing, commissions, warm-up, statistics), so results can be checked
//! against it; beyond it: sizing by fraction or units, fixed and minimum commissions, slippage,
//! stop-loss/take-profit with a selectable intrabar order, parameter sweeps with per-run
//! timeouts, universes, walk-forward optimisation and sharded sweeps.
//!
//! The way in is [`run`] ([`job`]): a [`Job`] over a [`Source`], watched by an [`Observer`],
//! giving an [`Outcome`] or a [`BacktestError`]. Below it:
//! - one backtest: [`strategy`] (the strategies, their parameters and the orders they place),
//!   [`engine`] (the event loop and broker), [`stats`] (every statistic backtesting.py
//!   reports), [`settings`] (how the broker's settings are written);
//! - grids: [`axis`] (an axis and a constraint as written), [`grid`] (the lazy walk over the
//!   points), [`heatmap`] (a statistic over two axes);
//! - many backtests: [`sweep`] (a grid's points on the worker pool, sharded), [`ranking`]
//!   (the best `top` kept), [`results`] (what each run and a whole sweep report),
//!   [`universe`] (every symbol of a folder), [`walk`] (walk-forward optimisation), [`merge`]
//!   (shards joined into the unsharded report), [`batch`] (independent specs, each its own
//!   data and settings, their data read once).
//!
//! Domain code: returns plain `Serialize` reports and typed errors that name no flag; never
//! prints, never writes a file.

pub mod axis;
pub mod batch;
pub mod choice;
pub mod engine;
pub mod expr;
pub mod grid;
pub mod heatmap;
pub mod job;
pub mod merge;
pub mod ranking;
pub mod results;
pub mod rules;
pub mod settings;
pub mod signals;
pub mod stats;
pub mod strategy;
pub mod sweep;
pub mod universe;
pub mod walk;

use serde::Serialize;

pub use engine::{Run, RunError, Trade};
pub use job::{run, BacktestError, Job, Note, Observer, OneRun, Outcome, Quiet, Source, Unit};
pub use stats::Stats;
pub use strategy::{ParamMap, Params, StrategyDef, STRATEGIES};

use crate::market::Bars;

/// Commission per order: `fixed + |units| * price * rate`, at least `min`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Commission {
    pub rate: f64,
    pub fixed: f64,
    pub min: f64,
}

/// How big each new trade is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Sizing {
    /// A fraction of the available cash; whole units (backtesting.py) unless `whole` is false.
    Fraction { fraction: f64, whole: bool },
    /// A fixed number of units (fractions allowed).
    Units(f64),
}

/// Which of a stop-loss and a take-profit both reached within one bar fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Intrabar {
    /// The stop-loss (backtesting.py's order).
    #[default]
    Pessimistic,
    /// The take-profit.
    Optimistic,
    /// The level on the side of the bar's extreme nearer its open (a gap through a level fills
    /// that one at the open).
    OpenFirst,
}

/// The broker's settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Settings {
    pub cash: f64,
    pub commission: Commission,
    pub trade_on_close: bool,
    pub long_only: bool,
    pub size: Sizing,
    pub slippage_bps: f64,
    /// As a fraction of the entry price.
    pub stop_loss: Option<f64>,
    pub take_profit: Option<f64>,
    pub intrabar: Intrabar,
}

impl Default for Settings {
    /// backtesting.py's defaults: 10,000 cash, no commission, all-in whole units.
    fn default() -> Self {
        Self {
            cash: 10_000.0,
            commission: Commission::default(),
            trade_on_close: false,
            long_only: false,
            size: Sizing::Fraction {
                fraction: engine::FULL_EQUITY,
                whole: true,
            },
            slippage_bps: 0.0,
            stop_loss: None,
            take_profit: None,
            intrabar: Intrabar::Pessimistic,
        }
    }
}

/// One backtest's report (`--format json` of a single run).
#[derive(Debug, Clone, Serialize)]
pub struct SingleReport {
    pub symbol: String,
    pub strategy: &'static str,
    pub params: ParamMap,
    pub bars: usize,
    pub stats: Stats,
    /// The trade still open on the last bar (counted in equity, not in trade statistics).
    pub open_trade: Option<engine::OpenTrade>,
}

/// Runs one backtest and computes its statistics.
pub fn backtest(
    bars: &Bars,
    params: &Params,
    settings: &Settings,
    expired: &dyn Fn() -> bool,
) -> Result<(SingleReport, Run), RunError> {
    let run = engine::run(bars, params, settings, expired)?;
    let stats = stats::compute(bars, &run);
    Ok(report(bars, params, stats, run))
}

/// What the runs of a sweep over one series share: the statistics context and the moving
/// averages.
#[derive(Debug)]
pub struct Prepared {
    pub market: stats::Market,
    pub cache: strategy::SeriesCache,
}

impl Prepared {
    pub fn new(bars: &Bars) -> Self {
        Self {
            market: stats::Market::new(bars),
            cache: strategy::SeriesCache::default(),
        }
    }
}

/// [`backtest`] with what a sweep's runs share computed once.
pub fn backtest_in(
    prep: &Prepared,
    bars: &Bars,
    params: &Params,
    settings: &Settings,
    expired: &dyn Fn() -> bool,
) -> Result<(SingleReport, Run), RunError> {
    let run = engine::run_cached(bars, params, settings, Some(&prep.cache), expired)?;
    let stats = stats::compute_in(&prep.market, bars, &run);
    Ok(report(bars, params, stats, run))
}

fn report(bars: &Bars, params: &Params, stats: Stats, run: Run) -> (SingleReport, Run) {
    (
        SingleReport {
            symbol: bars.symbol.clone(),
            strategy: params.def.name,
            params: ParamMap(*params),
            bars: bars.len(),
            stats,
            open_trade: run.open_trade,
        },
        run,
    )
}

#[cfg(test)]
mod expr_reference_tests;
#[cfg(test)]
mod reference_tests;
#[cfg(test)]
mod test_data;
