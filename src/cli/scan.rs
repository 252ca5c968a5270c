//! `velo scan`: argument parsing, `[scan]` settings from velo.toml, and rendering for the
//! breakout scanner and `--explain`.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use serde::Deserialize;

use super::settings::Layer;
use super::{exit, Context};
use crate::market::time::{read_timestamp, TimeStyle, MS_PER_DAY};
use crate::market::{self, IndicatorSpec, LoadOptions};
use crate::report::{self, Format};
use crate::scan::explain::{self, ExplainError};
use crate::scan::{self, ModelParams, Rescan, ScanError, ScanParams, ScanRequest, Weights};

const LONG_ABOUT: &str = "\
Rank a universe of OHLCV CSV files by breakout strength, or explain one symbol bar by bar.

Input: a folder of per-symbol CSV files (the file name is the symbol), CSV files, or one long CSV \
with a Symbol column, or a yfinance file; `-` reads standard input. Header \
Date,Open,High,Low,Close,Volume, matched case-insensitively in any order (Timestamp/Time/Datetime \
for Date; Adj Close is ignored unless --adjusted), separated by commas, semicolons (with decimal \
commas) or tabs; dates as YYYY-MM-DD[ HH:MM:SS], RFC 3339, YYYYMMDD[ HHMMSS] or epoch numbers, \
whose unit is told by their digits (9-10 seconds, 12-13 ms, 15-16 us, 18-19 ns; 8 digits are \
YYYYMMDD), one form per file; rows oldest or newest first; prices above zero. A file that cannot \
be used is reported with its file and line, the others are still scanned, and the exit code is 2.

The model, for the as-of bar t (the last bar, or the last at or before --as-of; later bars are \
cut off before anything is computed, so there is no look-ahead), with N = --lookback:
  breakout level  highest High of the N bars before t; a breakout needs Close[t] > level
  volume surge    Volume[t] / mean Volume of the N bars before t
  strength        (Close[t] - level) / ATR(14)[t-1], in ATR units; ATR % = 100*ATR(14)[t-1]/Close[t]
  squeeze         1 - percentile rank of the Bollinger bandwidth (20, 2) of bar t-1 among the \
--squeeze-lookback bars ending there (1 = narrowest)
  RSI filter      --rsi-min <= RSI(14)[t] <= --rsi-max
  score = 100 * (Ws*S + Wv*V + Wq*Q) / (Ws + Wv + Wq), with S = 1 - exp(-strength), \
V = 1 - exp(-(surge - 1)/2) (0 if surge <= 1), Q = squeeze.
Only breakouts that pass the RSI filter, --min-price, --min-volume and --min-score are listed, \
best score first (ties by symbol), at most --top; a bar that is not a signal scores 0. With the \
defaults a symbol needs 141 bars to be scored. Indicators follow TA-Lib exactly.

Settings may also come from the [scan] table of velo.toml (lookback, squeeze-lookback, rsi-min, \
rsi-max, weight-strength, weight-volume, weight-squeeze, min-price, min-volume, min-score, top, \
jobs, adjusted); flags override it.";

const AFTER_LONG_HELP: &str = "\
Examples:
  velo scan data/universe --top 20
  velo scan prices.csv --as-of 2024-06-28 --min-price 5 --min-volume 1e6 --format json
  velo scan data/universe --watch --format json
  velo scan --explain data/GOOG.csv --indicators sma:20,atr:14,bbands:20:2,macd:12:26:9 --format csv

Exit codes:
  0  scanned every file (whether or not anything broke out)
  2  usage or configuration error, or at least one file could not be used (the rest were scanned)";

/// Rank OHLCV files by breakout strength (Donchian break, volume surge, ATR, squeeze, RSI).
#[derive(Debug, Args)]
#[command(long_about = LONG_ABOUT, after_long_help = AFTER_LONG_HELP)]
pub struct ScanArgs {
    /// CSV files or folders of them (`-` for standard input).
    #[arg(value_name = "PATH", required_unless_present = "explain")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub model: ModelArgs,

    #[command(flatten)]
    pub filters: FilterArgs,

    #[command(flatten)]
    pub explain: ExplainArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Model")]
pub struct ModelArgs {
    /// Bars before the as-of bar for the breakout level and the volume baseline [default: 20].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=10_000))]
    pub lookback: Option<u32>,

    /// Bars of Bollinger bandwidth history for the squeeze percentile [default: 120].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=10_000))]
    pub squeeze_lookback: Option<u32>,

    /// Lowest RSI(14) a breakout may have [default: 50].
    #[arg(long, value_name = "RSI", value_parser = parse_finite)]
    pub rsi_min: Option<f64>,

    /// Highest RSI(14) a breakout may have [default: 100].
    #[arg(long, value_name = "RSI", value_parser = parse_finite)]
    pub rsi_max: Option<f64>,

    /// Weight of the strength component S [default: 0.3].
    #[arg(long, value_name = "W", value_parser = parse_finite)]
    pub weight_strength: Option<f64>,

    /// Weight of the volume component V [default: 0.5].
    #[arg(long, value_name = "W", value_parser = parse_finite)]
    pub weight_volume: Option<f64>,

    /// Weight of the squeeze component Q [default: 0.2].
    #[arg(long, value_name = "W", value_parser = parse_finite)]
    pub weight_squeeze: Option<f64>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Filters")]
pub struct FilterArgs {
    /// Lowest close of the as-of bar to list.
    #[arg(long, value_name = "PRICE", value_parser = parse_finite)]
    pub min_price: Option<f64>,

    /// Lowest mean volume of the lookback bars before the as-of bar.
    #[arg(long, value_name = "VOLUME", value_parser = parse_finite)]
    pub min_volume: Option<f64>,

    /// Lowest score to list (0..100).
    #[arg(long, value_name = "SCORE", value_parser = parse_finite)]
    pub min_score: Option<f64>,

    /// List at most N results, 0 for all [default: 50].
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// Scan as of the last bar at or before DATE (YYYY-MM-DD covers the whole day); later bars are cut off before anything is computed.
    #[arg(long, value_name = "DATE", value_parser = parse_as_of)]
    pub as_of: Option<i64>,

    /// Use the `Adj Close` column (Open/High/Low scaled by the same ratio).
    #[arg(long)]
    pub adjusted: bool,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Explain")]
pub struct ExplainArgs {
    /// Print one symbol bar by bar: the score breakdown, or the --indicators.
    #[arg(long, value_name = "FILE", conflicts_with = "paths")]
    pub explain: Option<PathBuf>,

    /// With --explain: print these TA-Lib indicators instead of the breakdown, e.g. sma:20,rsi:14,bbands:20:2,macd:12:26:9.
    #[arg(long, value_name = "LIST", requires = "explain", value_parser = parse_indicators)]
    pub indicators: Option<IndicatorList>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = report::format_parser(&["table", "json", "csv", "markdown"]))]
    pub format: Format,

    /// Keep running: when files change (new candles), re-read only those, re-rank and print the
    /// results again (with --format json, one JSON line per round). Stop with Ctrl-C.
    #[arg(long, conflicts_with = "explain")]
    pub watch: bool,

    /// Worker threads; 0 for one per CPU [default: one per CPU].
    #[arg(short, long, value_name = "N", value_parser = crate::config::jobs::parse)]
    pub jobs: Option<usize>,
}

/// A finite number: `nan` and `inf` parse as `f64` but would make every comparison false (or
/// true), silently listing nothing (or everything).
fn parse_finite(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(format!(
            "{s:?} is not a finite number: give a plain number such as 5 or 1e6"
        )),
        Err(_) => Err(format!(
            "{s:?} is not a number: give a plain number such as 5 or 1e6"
        )),
    }
}

fn parse_as_of(s: &str) -> Result<i64, String> {
    match read_timestamp(s.as_bytes()) {
        Ok(t) if t.style == TimeStyle::Date => Ok(t.ms + MS_PER_DAY - 1),
        Ok(t) => Ok(t.ms),
        Err(e) => Err(format!("{s:?} {e}")),
    }
}

/// A parsed `--indicators` list (one value on the command line).
#[derive(Debug, Clone)]
pub struct IndicatorList(pub Vec<IndicatorSpec>);

fn parse_indicators(s: &str) -> Result<IndicatorList, String> {
    market::spec::parse_list(s)
        .map(IndicatorList)
        .map_err(|e| e.to_string())
}

/// The `[scan]` table of velo.toml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ScanConfig {
    lookback: Option<u32>,
    squeeze_lookback: Option<u32>,
    rsi_min: Option<f64>,
    rsi_max: Option<f64>,
    weight_strength: Option<f64>,
    weight_volume: Option<f64>,
    weight_squeeze: Option<f64>,
    min_price: Option<f64>,
    min_volume: Option<f64>,
    min_score: Option<f64>,
    top: Option<usize>,
    jobs: Option<u64>,
    adjusted: Option<bool>,
}

/// A finite number from velo.toml, checked as `parse_finite` checks a flag's.
fn finite(v: f64) -> Result<f64, String> {
    parse_finite(&v.to_string())
}

fn resolve(
    args: &ScanArgs,
    layer: &Layer,
    cfg: &ScanConfig,
) -> anyhow::Result<(ScanParams, Option<usize>)> {
    let d = ScanParams::default();
    let m = &args.model;
    let f = &args.filters;
    let number = |flag: Option<f64>, key, file: Option<f64>| layer.pick(flag, key, file, finite);
    let weights = Weights {
        strength: number(m.weight_strength, "weight-strength", cfg.weight_strength)?
            .unwrap_or(d.model.weights.strength),
        volume: number(m.weight_volume, "weight-volume", cfg.weight_volume)?
            .unwrap_or(d.model.weights.volume),
        squeeze: number(m.weight_squeeze, "weight-squeeze", cfg.weight_squeeze)?
            .unwrap_or(d.model.weights.squeeze),
    };
    let ws = [weights.strength, weights.volume, weights.squeeze];
    if ws.iter().any(|w| !w.is_finite() || *w < 0.0) || ws.iter().sum::<f64>() <= 0.0 {
        anyhow::bail!(
            "weights must be non-negative with a positive sum (got strength {}, volume {}, squeeze {}): fix --weight-* or [scan] in velo.toml",
            weights.strength, weights.volume, weights.squeeze
        );
    }
    let lookback_rule = |v: u32| {
        if (2..=10_000).contains(&v) {
            Ok(v as usize)
        } else {
            Err(format!("{v} is out of range: use 2 to 10000 bars"))
        }
    };
    let lookback = layer
        .pick(
            m.lookback.map(|v| v as usize),
            "lookback",
            cfg.lookback,
            lookback_rule,
        )?
        .unwrap_or(d.model.lookback);
    let squeeze_lookback = layer
        .pick(
            m.squeeze_lookback.map(|v| v as usize),
            "squeeze-lookback",
            cfg.squeeze_lookback,
            lookback_rule,
        )?
        .unwrap_or(d.model.squeeze_lookback);
    let rsi_min = number(m.rsi_min, "rsi-min", cfg.rsi_min)?.unwrap_or(d.model.rsi_min);
    let rsi_max = number(m.rsi_max, "rsi-max", cfg.rsi_max)?.unwrap_or(d.model.rsi_max);
    if !(0.0..=100.0).contains(&rsi_min) || !(0.0..=100.0).contains(&rsi_max) || rsi_min > rsi_max {
        anyhow::bail!("the RSI filter must satisfy 0 <= --rsi-min <= --rsi-max <= 100 (got {rsi_min} and {rsi_max})");
    }
    let model = ModelParams {
        lookback,
        squeeze_lookback,
        rsi_min,
        rsi_max,
        weights,
        ..d.model
    };
    let params = ScanParams {
        model,
        min_price: number(f.min_price, "min-price", cfg.min_price)?.unwrap_or(d.min_price),
        min_volume: number(f.min_volume, "min-volume", cfg.min_volume)?.unwrap_or(d.min_volume),
        min_score: number(f.min_score, "min-score", cfg.min_score)?.unwrap_or(d.min_score),
        top: f.top.or(cfg.top).unwrap_or(d.top),
        as_of: f.as_of,
        load: LoadOptions {
            adjusted: Layer::switch(f.adjusted, cfg.adjusted),
            stdin_usage: "velo scan -",
        },
    };
    let jobs = layer.jobs(args.output.jobs, cfg.jobs)?;
    Ok((params, jobs))
}

pub fn run(args: &ScanArgs, ctx: &Context) -> anyhow::Result<u8> {
    let layer = Layer::new(&ctx.config, "scan");
    let cfg: ScanConfig = layer.read()?;
    let (params, jobs) = resolve(args, &layer, &cfg)?;
    if args.explain.indicators.is_some() && args.explain.explain.is_none() {
        anyhow::bail!(
            "--indicators lists what --explain prints for one symbol, and does nothing for a \
             scan: add --explain FILE, or drop --indicators"
        );
    }
    if let Some(file) = &args.explain.explain {
        return run_explain(args, file, &params, ctx);
    }
    let format = args.output.format;
    if args.output.watch {
        if matches!(format, Format::Csv | Format::Markdown) {
            anyhow::bail!("--watch prints --format table or json (JSON Lines), not {format}");
        }
        if args.paths.iter().any(|p| p.as_os_str() == "-") {
            anyhow::bail!("--watch needs files or folders, not standard input");
        }
    }
    let request = ScanRequest {
        paths: &args.paths,
        params,
        jobs,
        watch: args.output.watch,
        base: &ctx.cwd,
    };
    let mut printer = Printer {
        ctx,
        format,
        watch: args.output.watch,
        bar: None,
        failed: None,
    };
    let report =
        scan::run(&request, &mut std::io::stdin().lock(), &mut printer).map_err(|e| match e {
            ScanError::Watch(w) => anyhow::Error::new(w).context("--watch"),
            other => other.into(),
        })?;
    if let Some(e) = printer.failed {
        return Err(e);
    }
    Ok(if report.errors.is_empty() {
        exit::SUCCESS
    } else {
        exit::USAGE
    })
}

/// What the command shows of a scan: a progress bar during the first one, then each ranking.
struct Printer<'a> {
    ctx: &'a Context,
    format: Format,
    watch: bool,
    bar: Option<indicatif::ProgressBar>,
    /// A ranking that could not be written (a closed pipe ends the watch with it).
    failed: Option<anyhow::Error>,
}

impl scan::Observer for Printer<'_> {
    fn start(&mut self, sources: usize) {
        let bar = self
            .ctx
            .ui
            .progress(sources as u64, "scanning", self.format.is_machine());
        self.bar = Some(bar);
    }

    fn scanned(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn round(&mut self, report: &scan::ScanReport, rescan: Option<Rescan>) -> ControlFlow<()> {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if let Some(Rescan { reread, dropped }) = rescan {
            self.ctx.ui.info(&format!(
                "re-scanned {reread} changed file(s){}",
                if dropped > 0 {
                    format!(", dropped {dropped} removed")
                } else {
                    String::new()
                }
            ));
        }
        match print_round(report, self.format, self.watch, self.ctx) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                self.failed = Some(e);
                ControlFlow::Break(())
            }
        }
    }

    fn watching(&mut self, files: usize) {
        self.ctx.ui.info(&format!(
            "watching {files} files for changes (Ctrl-C to stop)"
        ));
    }
}

/// Reports unusable files on stderr and the ranking on stdout (a JSON line per round in watch
/// mode).
fn print_round(
    report: &scan::ScanReport,
    format: Format,
    watch: bool,
    ctx: &Context,
) -> anyhow::Result<()> {
    for e in &report.errors {
        let at = e.line.map(|l| format!(":{l}")).unwrap_or_default();
        ctx.ui.error(&format!(
            "{}{at}: {} (file skipped; the others were scanned)",
            e.file, e.message
        ));
    }
    let text = match format {
        Format::Json if watch => report::json::line("scan", report)?,
        Format::Csv => report::scan::results_csv(report),
        other => report::render(report, other, &ctx.ui)?,
    };
    ctx.ui.out(&text).context("writing the results")?;
    let s = &report.summary;
    ctx.ui.debug(&format!(
        "{} files, {} symbols, {} signals",
        s.files, s.symbols, s.signals
    ));
    Ok(())
}

fn run_explain(
    args: &ScanArgs,
    file: &Path,
    params: &ScanParams,
    ctx: &Context,
) -> anyhow::Result<u8> {
    let indicators = args.explain.indicators.as_ref().map(|l| l.0.as_slice());
    let report = explain::explain_file(file, &mut std::io::stdin().lock(), indicators, params)
        .map_err(|e| match e {
            ExplainError::ManySymbols { file, count, names } => anyhow::anyhow!(
                "{file}: --explain needs one symbol, the file holds {count} ({}…): split it or \
                 filter it first",
                names.join(", ")
            ),
            ExplainError::NothingAsOf { file } => {
                anyhow::anyhow!("{file}: no bar at or before the --as-of date")
            }
            other => other.into(),
        })?;
    let text = match args.output.format {
        Format::Csv => report::scan::explain_csv(&report),
        other => report::render(&report, other, &ctx.ui)?,
    };
    ctx.ui.out(&text).context("writing the explanation")?;
    Ok(exit::SUCCESS)
}
