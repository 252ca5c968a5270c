//! `velo backtest`: the arguments (`args`), the `[backtest]` settings of velo.toml under
//! them, the checks of flags that do not go together and of the output files, then one call
//! of the domain (`backtest::run`) watched by `progress`, and the outcome rendered: stdout
//! through the shared renderers, files through `crate::outfile`. Errors are worded with the
//! flags that caused them in `messages`. `velo backtest merge` joins shards' results.

use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;

mod args;
mod batch;
mod messages;
mod progress;

pub use args::{
    BacktestArgs, BacktestCommand, BrokerArgs, MergeArgs, OutputArgs, StrategyArgs, SweepArgs,
};
use progress::Progress;

use super::settings::{limit_duration_arg, Layer, Origin};
use super::{exit, interrupt, Context};
use crate::backtest::choice::{self, Choice, NamedStrategy};
use crate::backtest::grid::Grid;
use crate::backtest::merge;
use crate::backtest::ranking::Ranking;
use crate::backtest::results::{Status, SweepReport};
use crate::backtest::strategy::{fmt_num, Params};
use crate::backtest::sweep::{self, SweepOptions};
use crate::backtest::{self as bt, settings, Settings, Sizing};
use crate::backtest::{Job, OneRun, Outcome, Run, Source, Stats};
use crate::market::{self, Bars, LoadOptions};
use crate::outfile::{Failures, Outputs, Plan};
use crate::report::{self, backtest as render};

/// How backtest reads its CSV input.
const LOAD: LoadOptions = LoadOptions {
    adjusted: false,
    stdin_usage: "velo backtest -",
};

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
    /// Named expression strategies, usable as `--strategy NAME`.
    #[serde(default)]
    strategies: std::collections::BTreeMap<String, NamedStrategy>,
}

/// The strategy and its `--param` values (`backtest::choice`).
fn resolve_params(args: &StrategyArgs, cfg: &BacktestConfig) -> anyhow::Result<Params> {
    let choice = Choice {
        signals: args.signals.as_deref(),
        exprs: [&args.entry, &args.exit, &args.short_entry, &args.short_exit].map(Option::as_deref),
        name: args.strategy.as_deref().unwrap_or_default(),
        params: &args.params,
    };
    choice::choose(&choice, &cfg.strategies).map_err(messages::choice)
}

/// The settings of a run: flags over velo.toml over defaults.
struct Resolved {
    params: Params,
    settings: Settings,
    options: SweepOptions,
}

fn resolve(args: &BacktestArgs, layer: &Layer, cfg: &BacktestConfig) -> anyhow::Result<Resolved> {
    let params = resolve_params(&args.strategy, cfg)?;
    let b = &args.broker;
    let commission = layer
        .pick(
            b.commission,
            "commission",
            cfg.commission.as_deref(),
            settings::commission,
        )?
        .unwrap_or_default();
    let (cash, from) = Layer::merge(b.cash, "--cash", cfg.cash, "cash", 10_000.0);
    if !(cash.is_finite() && cash > 0.0) {
        return Err(layer.invalid(
            from,
            format!(
                "{}: the starting cash must be more than 0 (it is what the strategy buys with), e.g. 10000",
                fmt_num(cash)
            ),
        ));
    }
    if !(b.slippage_bps.is_finite() && (0.0..10_000.0).contains(&b.slippage_bps)) {
        return Err(layer.invalid(
            Origin::Flag("--slippage-bps"),
            format!(
                "{}: slippage is a cost against each fill, at least 0 and below 10000 basis points (a negative one would improve every fill)",
                fmt_num(b.slippage_bps)
            ),
        ));
    }
    let intrabar = layer
        .pick(
            b.intrabar,
            "intrabar",
            cfg.intrabar.as_deref(),
            settings::intrabar,
        )?
        .unwrap_or_default();
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
    let (jobs, timeout_per) = workers(layer, args.sweep.jobs, args.sweep.timeout_per, cfg)?;
    let rank_by = args
        .sweep
        .rank_by
        .as_deref()
        .or(cfg.rank_by.as_deref())
        .unwrap_or("sharpe_ratio");
    let top = args.sweep.top.or(cfg.top).unwrap_or(20);
    let ranking = Ranking::by(rank_by, top).map_err(|e| messages::rank_by(&e))?;
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

/// `--jobs` and `--timeout-per` over velo.toml's over the defaults (one worker per CPU, no
/// time limit), for a sweep, a universe or a batch.
fn workers(
    layer: &Layer,
    jobs: Option<usize>,
    timeout_per: Option<std::time::Duration>,
    cfg: &BacktestConfig,
) -> anyhow::Result<(usize, Option<std::time::Duration>)> {
    // 0 is one per CPU, as for every velo command with --jobs, and so is no value at all.
    let jobs = layer
        .jobs(jobs, cfg.jobs)?
        .unwrap_or_else(crate::config::jobs::cpus);
    // A duration of 0 is no limit, in every velo command.
    let timeout_per = layer.limit(
        timeout_per,
        "timeout-per",
        cfg.timeout_per.as_deref(),
        limit_duration_arg,
    )?;
    Ok((jobs, timeout_per))
}

pub fn run(args: &BacktestArgs, ctx: &Context) -> anyhow::Result<u8> {
    if let Some(BacktestCommand::Merge(m)) = &args.sub {
        return run_merge(m, ctx);
    }
    let layer = Layer::new(&ctx.config, "backtest");
    let cfg: BacktestConfig = layer.read()?;
    if let Some(BacktestCommand::Batch(b)) = &args.sub {
        return batch::run(b, &layer, &cfg, ctx);
    }
    let r = resolve(args, &layer, &cfg)?;
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
    let code = show(outcome, args, &outs, &mut failures, ctx)?;
    // The result is out: an output that could not be written ends the run with exit 2.
    failures.into_result()?;
    Ok(code)
}

/// Renders the outcome: files first (a failed write is kept in `failures`), then stdout, then
/// what was not done; returns the exit code.
fn show(
    outcome: Outcome,
    args: &BacktestArgs,
    outs: &Outputs,
    failures: &mut Failures,
    ctx: &Context,
) -> anyhow::Result<u8> {
    let print = |text: anyhow::Result<String>| -> anyhow::Result<()> {
        ctx.ui.out(&text?).context("writing the results")
    };
    let format = args.output.format;
    Ok(match outcome {
        Outcome::Single(one) => {
            write_artifacts(outs, &one, failures);
            print(report::render(&one.report, format, &ctx.ui))?;
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
            let o = &args.output;
            if o.trades.is_some() || o.equity.is_some() || o.report.is_some() {
                let Some(best) = best else {
                    anyhow::bail!(
                        "no sweep point finished: nothing to write for --trades/--equity/--report"
                    );
                };
                write_artifacts(outs, &best, failures);
            }
            print(report::render(&report, format, &ctx.ui))?;
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
            print(report::render(&report, format, &ctx.ui))?;
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
                write_files(outs, bars, run, stats, &title, failures);
            }
            print(report::render(&report, format, &ctx.ui))?;
            if report.windows.iter().any(|w| w.error.is_some()) {
                exit::PROBLEMS
            } else {
                exit::SUCCESS
            }
        }
    })
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

/// The exit code of a sweep's, universe's or merge's results.
fn exit_code(report: &SweepReport) -> u8 {
    if report.summary.timed_out + report.summary.errors > 0 {
        exit::PROBLEMS
    } else {
        exit::SUCCESS
    }
}

fn run_merge(m: &MergeArgs, ctx: &Context) -> anyhow::Result<u8> {
    let merged = merge::merge_files(&m.files, m.common.allow_partial).map_err(messages::merge)?;
    let text = report::render(&merged, m.common.format, &ctx.ui)?;
    ctx.ui.out(&text).context("writing the results")?;
    if !merged.partial.is_empty() {
        ctx.ui
            .warn(&format!("partial result: {}", merged.partial.join(", ")));
        return Ok(exit::PROBLEMS);
    }
    Ok(exit_code(&merged))
}
