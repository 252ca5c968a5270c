//! Walk-forward optimisation: for each window, optimise the grid on `train` bars (in-sample),
//! then trade the best parameters on the next `test` bars (out-of-sample, with the bars before
//! them as indicator history only); windows advance by `step` bars. Reports each window's
//! in-sample and out-of-sample statistics, the out-of-sample equity stitched across windows
//! (each window starts from the equity the previous one ended with), statistics of that
//! stitched run, and the in-sample/out-of-sample ratio of the ranking statistic.

// Formula and geometry code reads best in the notation of the formulas (n, k, a, b, x, y).
#![allow(clippy::many_single_char_names)]

use std::sync::atomic::AtomicBool;

use serde::Serialize;

use super::engine::{self, Run, Trade};
use super::grid::{Grid, WalkProgress};
use super::ranking::Ranking;
use super::results::Status;
use super::stats::{self, Stats};
use super::sweep::{self, SweepOptions};
use super::{ParamMap, Params, Settings};
use crate::market::Bars;

/// `train=N,test=M[,step=K]` in bars (step defaults to test).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WalkSpec {
    pub train: usize,
    pub test: usize,
    pub step: usize,
}

/// Why a walk-forward's text (`train=N,test=M[,step=K]`) is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("{text:?} is not train=N,test=M[,step=K] (bars)")]
    Syntax { text: String },
    #[error("{text:?}: {key}={value} is not a positive whole number of bars")]
    NotPositive {
        text: String,
        key: String,
        value: String,
    },
    #[error("{text:?}: unknown key {key:?} (use train, test, step)")]
    UnknownKey { text: String, key: String },
    #[error("{text:?} needs both train=N and test=M (bars)")]
    Missing { text: String },
}

impl WalkSpec {
    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let (mut train_bars, mut test_bars, mut step_bars) = (None, None, None);
        for part in text.split(',') {
            let (k, v) = part.split_once('=').ok_or_else(|| SpecError::Syntax {
                text: text.to_string(),
            })?;
            let v: usize =
                v.trim()
                    .parse()
                    .ok()
                    .filter(|&v| v > 0)
                    .ok_or_else(|| SpecError::NotPositive {
                        text: text.to_string(),
                        key: k.to_string(),
                        value: v.to_string(),
                    })?;
            match k.trim() {
                "train" => train_bars = Some(v),
                "test" => test_bars = Some(v),
                "step" => step_bars = Some(v),
                other => {
                    return Err(SpecError::UnknownKey {
                        text: text.to_string(),
                        key: other.to_string(),
                    })
                }
            }
        }
        let (Some(train_len), Some(test_len)) = (train_bars, test_bars) else {
            return Err(SpecError::Missing {
                text: text.to_string(),
            });
        };
        Ok(Self {
            train: train_len,
            test: test_len,
            step: step_bars.unwrap_or(test_len),
        })
    }

    /// How many windows fit in `bars` bars.
    pub fn windows(&self, bars: usize) -> usize {
        if self.train + self.test <= bars {
            (bars - self.train - self.test) / self.step + 1
        } else {
            0
        }
    }
}

/// Why a walk-forward cannot run.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WalkError {
    /// No point of the grid can run in a train window: `shortest` (the grid's shortest
    /// periods) needs `need` bars.
    #[error("train={train} is shorter than the strategy's warm-up: {shortest} (the grid's shortest periods) needs {need} bars in each train window ({} bars of warm-up, then two to trade on): use train={need} or more, or shorter periods", .need - 2)]
    TrainTooShort {
        train: usize,
        shortest: Params,
        need: usize,
    },
    /// The data holds fewer bars than one window.
    #[error("needs train + test = {need} bars, the data has {have}: use shorter windows")]
    TooFewBars { need: usize, have: usize },
}

/// The train window is shorter than the warm-up of part of the grid: `longest` (the grid's
/// longest periods) needs `need` bars, and the points that need more than `train` are left
/// out of every window's optimisation.
#[derive(Debug, Clone, Copy)]
pub struct ShortTrain {
    pub train: usize,
    pub longest: Params,
    pub need: usize,
}

impl std::fmt::Display for ShortTrain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (train, need) = (self.train, self.need);
        write!(
            f,
            "train={train} is shorter than the warm-up of part of the grid: {} needs {need} bars, so the points that need more than {train} are left out of every window's optimisation; use train={need} or more to include them",
            self.longest
        )
    }
}

/// One window.
#[derive(Debug, Clone, Serialize)]
pub struct Window {
    pub train_start: String,
    pub train_end: String,
    pub test_start: String,
    pub test_end: String,
    pub params: Option<ParamMap>,
    /// The ranking statistic in-sample (of the best point) and out-of-sample.
    pub in_sample: Option<f64>,
    pub out_of_sample: Option<f64>,
    pub oos_stats: Option<Stats>,
    pub error: Option<String>,
}

/// A walk-forward report.
#[derive(Debug, Clone, Serialize)]
pub struct WalkReport {
    pub kind: &'static str,
    pub strategy: &'static str,
    pub symbol: String,
    pub spec: WalkSpec,
    pub rank_by: &'static str,
    pub windows: Vec<Window>,
    pub in_sample_mean: Option<f64>,
    pub out_of_sample_mean: Option<f64>,
    /// Mean in-sample / mean out-of-sample ranking statistic: far above 1 means the
    /// optimisation fitted noise. Null when the out-of-sample mean is not positive.
    pub is_oos_ratio: Option<f64>,
    /// Statistics of the stitched out-of-sample run.
    pub oos: Option<Stats>,
    /// Stopped before the last window (a signal): the windows are those that finished.
    pub interrupted: bool,
    #[serde(skip)]
    pub stitched: Option<(Bars, Run)>,
}

/// Whether the train window is long enough for the grid's warm-ups: an error when no point
/// can run in it, a note when the points with the longest periods cannot (they are left out of
/// every window's optimisation), nothing when all fit.
pub fn check_train(grid: &Grid, spec: WalkSpec) -> Result<Option<ShortTrain>, WalkError> {
    let (short, long) = grid.warmup_ends();
    let need = short.min_bars();
    if spec.train < need {
        return Err(WalkError::TrainTooShort {
            train: spec.train,
            shortest: short,
            need,
        });
    }
    let most = long.min_bars();
    Ok((spec.train < most).then_some(ShortTrain {
        train: spec.train,
        longest: long,
        need: most,
    }))
}

/// Bars `from..to` as their own series.
pub fn slice(bars: &Bars, from: usize, to: usize) -> Bars {
    Bars {
        symbol: bars.symbol.clone(),
        time: bars.time[from..to].to_vec(),
        open: bars.open[from..to].to_vec(),
        high: bars.high[from..to].to_vec(),
        low: bars.low[from..to].to_vec(),
        close: bars.close[from..to].to_vec(),
        volume: bars.volume[from..to].to_vec(),
        style: bars.style,
    }
}

/// Runs the walk-forward. `on_window` is called after each window (for progress).
pub fn walk_forward(
    bars: &Bars,
    grid: &Grid,
    settings: &Settings,
    spec: WalkSpec,
    opts: &SweepOptions,
    cancel: &AtomicBool,
    on_window: &mut dyn FnMut(usize),
) -> Result<WalkReport, WalkError> {
    let n = bars.len();
    if spec.train + spec.test > n {
        return Err(WalkError::TooFewBars {
            need: spec.train + spec.test,
            have: n,
        });
    }
    check_train(grid, spec)?;
    let mut windows = Vec::new();
    let mut interrupted = false;
    let mut oos_bars = Bars::with_capacity(bars.symbol.clone(), n);
    oos_bars.style = bars.style;
    let mut oos_equity: Vec<f64> = Vec::new();
    let mut oos_trades: Vec<Trade> = Vec::new();
    let mut level = settings.cash;
    let ranking = Ranking {
        top: 1,
        ..opts.ranking
    };
    let mut s = 0;
    while s + spec.train + spec.test <= n {
        let test_start = s + spec.train;
        let test_end = test_start + spec.test;
        let train = slice(bars, s, test_start);
        let is = sweep::sweep(
            &train,
            grid,
            settings,
            &SweepOptions {
                ranking,
                shard: None,
                ..*opts
            },
            cancel,
            &WalkProgress::default(),
            &mut |_| {},
        );
        if is.summary.interrupted {
            // The best of part of the grid is not the window's best: leave the window out.
            interrupted = true;
            break;
        }
        let mut w = Window {
            train_start: bars.date(s),
            train_end: bars.date(test_start - 1),
            test_start: bars.date(test_start),
            test_end: bars.date(test_end - 1),
            params: None,
            in_sample: None,
            out_of_sample: None,
            oos_stats: None,
            error: None,
        };
        let best = is
            .results
            .iter()
            .find(|r| r.status == Status::Ok)
            .and_then(|r| r.stats.as_ref().map(|st| (r, st)));
        if let Some((r, st)) = best {
            // The best point's parameters, rebuilt from the grid by position.
            let params = grid.point_at(r.index).unwrap_or(grid.base);
            w.params = Some(ParamMap(params));
            w.in_sample = st.get(opts.ranking.stat);
            // History for the indicators, then trading from the first test bar on.
            let history = params.warmup() + 1;
            let from = test_start.saturating_sub(history);
            let seg = slice(bars, from, test_end);
            let offset = test_start - from;
            match engine::run(&seg, &params, settings, &|| false) {
                Ok(run) => {
                    let test_bars = slice(bars, test_start, test_end);
                    let trades: Vec<Trade> = run
                        .trades
                        .iter()
                        .filter(|t| t.entry_bar >= offset)
                        .map(|t| Trade {
                            entry_bar: t.entry_bar - offset,
                            exit_bar: t.exit_bar - offset,
                            ..t.clone()
                        })
                        .collect();
                    let equity = run.equity[offset..].to_vec();
                    let wrun = Run {
                        trades: trades.clone(),
                        equity: equity.clone(),
                        warmup: 0,
                        open_trade: None,
                    };
                    let st = stats::compute(&test_bars, &wrun);
                    w.out_of_sample = st.get(opts.ranking.stat);
                    w.oos_stats = Some(st);
                    // Stitch: scale this window's equity to start where the last one ended.
                    let scale = level / settings.cash;
                    let base = oos_bars.len();
                    for (i, &e) in equity.iter().enumerate().take(test_bars.len()) {
                        oos_bars.push(
                            test_bars.time[i],
                            test_bars.open[i],
                            test_bars.high[i],
                            test_bars.low[i],
                            test_bars.close[i],
                            test_bars.volume[i],
                        );
                        oos_equity.push(e * scale);
                    }
                    oos_trades.extend(trades.into_iter().map(|t| Trade {
                        entry_bar: t.entry_bar + base,
                        exit_bar: t.exit_bar + base,
                        ..t
                    }));
                    level = oos_equity.last().copied().unwrap_or(level);
                }
                Err(e) => w.error = Some(e.to_string()),
            }
        } else {
            w.error = Some("no parameter set finished in-sample".to_string());
        }
        windows.push(w);
        on_window(windows.len());
        s += spec.step;
    }
    let mean = |f: &dyn Fn(&Window) -> Option<f64>| {
        let v: Vec<f64> = windows.iter().filter_map(f).collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    let is_mean = mean(&|w| w.in_sample);
    let oos_mean = mean(&|w| w.out_of_sample);
    let ratio = match (is_mean, oos_mean) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    };
    let stitched = (oos_bars.len() >= 2).then(|| {
        let run = Run {
            trades: oos_trades,
            equity: oos_equity,
            warmup: 0,
            open_trade: None,
        };
        (oos_bars, run)
    });
    let oos = stitched.as_ref().map(|(b, r)| stats::compute(b, r));
    Ok(WalkReport {
        kind: "walk-forward",
        strategy: grid.base.def.name,
        symbol: bars.symbol.clone(),
        spec,
        rank_by: opts.ranking.stat,
        windows,
        in_sample_mean: is_mean,
        out_of_sample_mean: oos_mean,
        is_oos_ratio: ratio,
        oos,
        interrupted,
        stitched,
    })
}
