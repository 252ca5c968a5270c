//! `velo scan`: ranks a universe of symbols by the breakout model of [`model`], reading each file
//! on a rayon pool and keeping only per-symbol results (never the universe) so memory does not
//! grow with the number of symbols; and `--explain`, the bar-by-bar indicators and score
//! breakdown of one symbol.
//!
//! [`run`] is the one entry point of a scan (with `--watch`, of every ranking after it);
//! [`explain::explain_file`] the one of `--explain`. A file that cannot be used is recorded with
//! its file and line and the others are still scanned; the CLI turns a non-empty error list into
//! exit code 2.

pub mod explain;
pub mod model;
mod run;
mod watch;

use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;

use crate::market::{self, Bars, LoadError, LoadOptions};
pub use model::{Breakdown, ModelParams, ModelSeries, Weights};
pub use run::{run, Observer, Rescan, ScanError, ScanRequest};

/// Where bars come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A CSV file (one symbol, or a long file with a `Symbol` column).
    File(PathBuf),
    /// CSV text already read (standard input), with the name to report it under.
    Bytes { name: PathBuf, data: Vec<u8> },
}

/// What to scan for and which results to keep.
#[derive(Debug, Clone, Copy)]
pub struct ScanParams {
    pub model: ModelParams,
    /// Minimum close of the as-of bar.
    pub min_price: f64,
    /// Minimum mean volume of the `lookback` bars before the as-of bar.
    pub min_volume: f64,
    pub min_score: f64,
    /// How many results to keep (0 = all).
    pub top: usize,
    /// Scan as of the last bar at or before this time (ms since the epoch); `None` = last bar.
    pub as_of: Option<i64>,
    pub load: LoadOptions,
}

impl Default for ScanParams {
    fn default() -> Self {
        Self {
            model: ModelParams::default(),
            min_price: 0.0,
            min_volume: 0.0,
            min_score: 0.0,
            top: 50,
            as_of: None,
            load: LoadOptions::default(),
        }
    }
}

/// One ranked breakout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanResult {
    pub symbol: String,
    pub date: String,
    pub close: f64,
    pub breakout_level: f64,
    pub volume_surge: f64,
    pub atr_pct: f64,
    pub squeeze: f64,
    pub score: f64,
}

/// A file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl From<&LoadError> for FileError {
    fn from(e: &LoadError) -> Self {
        Self {
            file: e.file.display().to_string(),
            line: e.line,
            message: e.kind.to_string(),
        }
    }
}

/// Counts over the whole scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub unusable_files: usize,
    pub symbols: usize,
    /// Symbols with too few bars (up to the as-of date) to score.
    pub short_history: usize,
    /// Signals (breakout + RSI filter) before the price, volume and score filters.
    pub signals: usize,
    /// Signals that passed the filters (before `--top`).
    pub matched: usize,
}

/// The outcome of a scan: results best first, then the files that could not be used.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScanReport {
    pub results: Vec<ScanResult>,
    pub errors: Vec<FileError>,
    pub summary: Summary,
}

/// What one source contributed: its signals (passing the filters), or why it was unusable.
/// `--watch` keeps one per file and re-ranks from them after re-reading only changed files.
#[derive(Debug, Clone, Default)]
pub struct SourceOutcome {
    results: Vec<(ScanResult, f64)>,
    error: Option<FileError>,
    symbols: usize,
    short_history: usize,
    signals: usize,
}

/// A worker pool of `threads` threads (`None`: one per core).
fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool, rayon::ThreadPoolBuildError> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        builder = builder.num_threads(n);
    }
    builder.build()
}

/// Scans each source on `pool`; the outcomes are in the order of `sources`. Each worker reads
/// one file at a time into a reused buffer and keeps only its result, so memory does not grow
/// with the number of sources.
fn scan_sources(
    pool: &rayon::ThreadPool,
    sources: &[Source],
    params: &ScanParams,
    tick: &(dyn Fn() + Sync),
) -> Vec<SourceOutcome> {
    pool.install(|| {
        sources
            .par_iter()
            .map_init(
                || Vec::with_capacity(1 << 18),
                |buf, source| {
                    let out = scan_source(source, buf, params);
                    tick();
                    out
                },
            )
            .collect()
    })
}

/// Ranks the signals of `outcomes` and counts what was seen.
fn assemble<'a>(
    outcomes: impl IntoIterator<Item = &'a SourceOutcome>,
    params: &ScanParams,
) -> ScanReport {
    let mut summary = Summary::default();
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for o in outcomes {
        summary.files += 1;
        summary.symbols += o.symbols;
        summary.short_history += o.short_history;
        summary.signals += o.signals;
        if let Some(e) = &o.error {
            summary.unusable_files += 1;
            errors.push(e.clone());
        }
        results.extend(o.results.iter().cloned());
    }
    summary.matched = results.len();
    results.sort_by(|(a, sa), (b, sb)| {
        sb.total_cmp(sa)
            .then_with(|| a.symbol.cmp(&b.symbol))
            .then_with(|| a.date.cmp(&b.date))
    });
    if params.top > 0 {
        results.truncate(params.top);
    }
    ScanReport {
        results: results.into_iter().map(|(r, _)| r).collect(),
        errors,
        summary,
    }
}

fn scan_source(source: &Source, buf: &mut Vec<u8>, params: &ScanParams) -> SourceOutcome {
    let loaded = match source {
        Source::File(path) => market::load_file(path, buf, params.load),
        Source::Bytes { name, data } => {
            let symbol = market::csv::symbol_from_path(name);
            market::parse(data, name, &symbol, params.load)
        }
    };
    let mut out = SourceOutcome::default();
    match loaded {
        Err(e) => out.error = Some(FileError::from(&e)),
        Ok(series) => {
            for mut bars in series {
                out.symbols += 1;
                match evaluate(&mut bars, params) {
                    Evaluation::ShortHistory => out.short_history += 1,
                    Evaluation::NoSignal => {}
                    Evaluation::Signal(result, passes) => {
                        out.signals += 1;
                        if passes {
                            let score = result.score;
                            out.results.push((result, score));
                        }
                    }
                }
            }
        }
    }
    out
}

enum Evaluation {
    ShortHistory,
    NoSignal,
    /// A signal and whether it passed the price/volume/score filters.
    Signal(ScanResult, bool),
}

/// Cuts `bars` at the as-of time: nothing later is ever read. Returns the as-of bar index.
pub fn cut_at_as_of(bars: &mut Bars, as_of: Option<i64>) -> Option<usize> {
    if let Some(ms) = as_of {
        let keep = bars.count_until(ms);
        bars.truncate(keep);
    }
    bars.len().checked_sub(1)
}

fn evaluate(bars: &mut Bars, params: &ScanParams) -> Evaluation {
    let Some(t) = cut_at_as_of(bars, params.as_of) else {
        return Evaluation::ShortHistory;
    };
    if t < params.model.first_scorable_bar() {
        return Evaluation::ShortHistory;
    }
    let series = ModelSeries::compute(bars, &params.model);
    let Some(b) = series.breakdown(bars, t, &params.model) else {
        return Evaluation::ShortHistory;
    };
    if !b.is_signal() {
        return Evaluation::NoSignal;
    }
    let base_volume = if b.volume_surge > 0.0 {
        bars.volume[t] / b.volume_surge
    } else {
        0.0
    };
    let passes = b.close >= params.min_price
        && base_volume >= params.min_volume
        && b.score >= params.min_score;
    Evaluation::Signal(
        ScanResult {
            symbol: bars.symbol.clone(),
            date: bars.date(t),
            close: b.close,
            breakout_level: b.breakout_level,
            volume_surge: b.volume_surge,
            atr_pct: b.atr_pct,
            squeeze: b.squeeze,
            score: b.score,
        },
        passes,
    )
}
