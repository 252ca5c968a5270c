//! Universes: one strategy (or its whole grid) over every symbol of a folder, the symbols
//! ranked, each symbol's entry its best point.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::{Mutex, PoisonError};

use super::engine::RunError;
use super::grid::{Grid, WalkProgress};
use super::ranking::{Collector, Ranking};
use super::results::{point_result, PointResult, Status, SweepReport};
use super::sweep::{sweep, SweepOptions};
use super::Settings;
use crate::market::Bars;
use crate::pool::{self, Done};

/// What a universe reports as it goes.
#[derive(Debug, Clone, Copy)]
pub enum UniverseEvent<'a> {
    /// One backtest finished (a grid point of a symbol, or a symbol's one run).
    Run(&'a PointResult),
    /// A symbol is done: its result (its best point with a grid).
    Symbol(&'a PointResult),
}

/// Runs the strategy (or, with a grid, the whole grid) over every symbol of a universe and
/// ranks the symbols; with a grid each symbol's entry holds its best point. `load` reads one
/// input into its series (errors name file and line). Without a grid the symbols run in
/// parallel, one per worker, `timeout_per` bounding each; with one, the symbols run one after
/// another, each a parallel sweep of its grid (so a huge grid streams its points and stops at
/// once), `timeout_per` bounding each point.
pub fn universe<L>(
    inputs: &[String],
    load: L,
    grid: &Grid,
    settings: &Settings,
    opts: &SweepOptions,
    cancel: &AtomicBool,
    on_event: &mut dyn FnMut(UniverseEvent),
) -> SweepReport
where
    L: Fn(usize) -> Result<Vec<Bars>, String> + Sync,
{
    let shard = opts.shard;
    let selected = (0..inputs.len()).filter(|&i| shard.is_none_or(|s| s.selects(&inputs[i])));
    let mut collector = Collector::new(opts.ranking);
    let load_error = |i: usize, e: String| PointResult {
        index: i as u64,
        symbol: Some(inputs[i].clone()),
        params: serde_json::Value::Null,
        status: Status::Error,
        stats: None,
        error: Some(e),
    };
    let mut not_finished = 0u64;
    if grid.axes.is_empty() {
        let pool_opts = pool::Options {
            jobs: opts.jobs,
            item_timeout: opts.timeout_per,
            deadline: None,
        };
        let inflight: Mutex<HashMap<usize, usize>> = Mutex::new(HashMap::new());
        let items = selected.enumerate().map(|(pos, i)| {
            inflight
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(pos, i);
            i
        });
        let params = grid.base;
        // `None`: cut short by the interrupt.
        let stats = pool::run(
            items,
            &pool_opts,
            cancel,
            |ctx, i| -> Option<Vec<PointResult>> {
                let series = match load(i) {
                    Ok(s) => s,
                    Err(e) => return Some(vec![load_error(i, e)]),
                };
                let multi = series.len() > 1;
                let mut out = Vec::with_capacity(series.len());
                for bars in &series {
                    let r = super::backtest(bars, &params, settings, &|| ctx.expired())
                        .map(|(rep, _)| rep.stats);
                    if matches!(r, Err(RunError::Expired)) && ctx.cancelled() {
                        return None;
                    }
                    let symbol = if multi {
                        bars.symbol.clone()
                    } else {
                        inputs[i].clone()
                    };
                    out.push(point_result(i as u64, Some(symbol), &params, r));
                }
                Some(out)
            },
            |pos, done| {
                let Some(i) = inflight
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&pos)
                else {
                    return;
                };
                let results = match done {
                    Done::Ok(Some(r)) => r,
                    Done::TimedOut { .. } if !cancel.load(AtomicOrdering::SeqCst) => {
                        vec![PointResult {
                            index: i as u64,
                            symbol: Some(inputs[i].clone()),
                            params: serde_json::Value::Null,
                            status: Status::TimedOut,
                            stats: None,
                            error: None,
                        }]
                    }
                    Done::Ok(None) | Done::TimedOut { .. } => {
                        not_finished += 1;
                        return;
                    }
                };
                for r in results {
                    on_event(UniverseEvent::Run(&r));
                    on_event(UniverseEvent::Symbol(&r));
                    collector.push(r);
                }
            },
        );
        not_finished += stats.not_started as u64;
    } else {
        let per_symbol = SweepOptions {
            ranking: Ranking {
                top: 1,
                ..opts.ranking
            },
            shard: None,
            ..*opts
        };
        let mut selected = selected.peekable();
        'symbols: while let Some(&i) = selected.peek() {
            if cancel.load(AtomicOrdering::SeqCst) {
                break;
            }
            let series = match load(i) {
                Ok(s) => s,
                Err(e) => {
                    let r = load_error(i, e);
                    on_event(UniverseEvent::Symbol(&r));
                    collector.push(r);
                    selected.next();
                    continue;
                }
            };
            let multi = series.len() > 1;
            let mut done = Vec::with_capacity(series.len());
            for bars in &series {
                let symbol = if multi {
                    bars.symbol.clone()
                } else {
                    inputs[i].clone()
                };
                let walk = WalkProgress::default();
                let report = sweep(bars, grid, settings, &per_symbol, cancel, &walk, &mut |r| {
                    let r = PointResult {
                        symbol: Some(symbol.clone()),
                        ..r.clone()
                    };
                    on_event(UniverseEvent::Run(&r));
                });
                if report.summary.interrupted {
                    // A symbol's best of a part of its grid is not its best: leave it out.
                    break 'symbols;
                }
                let best = report.results.into_iter().next().unwrap_or_else(|| {
                    load_error(
                        i,
                        "no point of the grid satisfies the constraints".to_string(),
                    )
                });
                done.push(PointResult {
                    index: i as u64,
                    symbol: Some(symbol),
                    ..best
                });
            }
            for r in done {
                on_event(UniverseEvent::Symbol(&r));
                collector.push(r);
            }
            selected.next();
        }
        not_finished += selected.count() as u64;
    }
    collector.summary.grid_points = grid.size();
    collector.summary.combinations = inputs.len() as u64;
    collector.summary.not_started = not_finished;
    collector.summary.interrupted = not_finished > 0;
    let (results, summary) = collector.finish();
    SweepReport {
        kind: "universe".to_string(),
        velo_version: env!("CARGO_PKG_VERSION").to_string(),
        work_hash: String::new(),
        shard: shard.map(|s| s.to_string()),
        shard_task: shard.and_then(|s| s.from.map(|_| s.task())),
        strategy: grid.base.def.name.to_string(),
        data: String::new(),
        rank_by: opts.ranking.stat.to_string(),
        top: opts.ranking.top,
        summary,
        results,
        partial: Vec::new(),
    }
}
